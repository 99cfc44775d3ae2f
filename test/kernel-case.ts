// Runs one interoperability case (kernel/interop-case.ts) against the Linux kernel: in a namespace
// of this machine's kernel, or inside a VM whose kernel has what this one lacks (kernel/vm.ts).
// Either way the namespace or the VM is gone when the call returns, however the case ended.
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { InteropCase } from '../kernel/interop-case.js';
import { Namespace } from '../kernel/netns.js';
import { runInVm } from '../kernel/vm.js';
import { PROCESS_LIMIT_MS } from './time-limit.js';

export const CASE_SCRIPT = fileURLToPath(new URL('../kernel/interop-case.js', import.meta.url));
/** A VM under software emulation boots in seconds and runs Node some ten times slower. */
const VM_LIMIT_MS = 600_000;
/** One `ip` command's limit inside the VM (kernel/netns.ts): an IPsec state took up to 29 s there with both host cores busy. */
const VM_COMMAND_LIMIT_MS = 120_000;

/** Runs the case in a namespace of its own; answers its JSON result. */
export function runCase<R>(c: InteropCase): R {
  const ns = Namespace.create('interop');
  try {
    const r = spawnSync('ip', ['netns', 'exec', ns.name, process.execPath, CASE_SCRIPT, JSON.stringify(c)], {
      encoding: 'utf8',
      timeout: PROCESS_LIMIT_MS,
    });
    assert.is(r.status, 0, `the case ran: ${r.stderr}`);
    return JSON.parse(r.stdout) as R;
  } finally {
    ns.remove();
  }
}

/** Kernel modules the IPsec cases need, loaded by hand: in the VM no usermode helper can load them on demand. */
const VM_MODULES =
  'tun ah4 esp4 xfrm_user xfrm4_tunnel tunnel4 authenc cbc aes_generic sha256_generic hmac gcm ghash_generic ctr seqiv echainiv';

/**
 * Runs the cases one after another inside one VM (kernel/vm.ts), each in a namespace of its own
 * there, `shared` being the folder the VM writes into (the cases' captures belong there too);
 * answers their JSON results, in order.
 */
export async function runCasesInVm<R>(cases: readonly InteropCase[], shared: string): Promise<R[]> {
  const lines = [`for m in ${VM_MODULES}; do modprobe $m 2>/dev/null; done`, 'status=0'];
  cases.forEach((c, i) => {
    const ns = `xkbench-vm-${i}`;
    const quoted = `'${JSON.stringify(c).replaceAll("'", "'\\''")}'`;
    lines.push(
      `ip netns add ${ns} && ip -n ${ns} link set lo up`,
      `ip netns exec ${ns} sysctl -q -w net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1`,
      `ip netns exec ${ns} env XKBENCH_COMMAND_LIMIT_MS=${VM_COMMAND_LIMIT_MS} ${process.execPath} ${CASE_SCRIPT} ${quoted} ` +
        `> ${path.join(shared, `result-${i}.json`)} || status=1`,
    );
  });
  lines.push('exit $status', '');
  const { output, status } = await runInVm(lines.join('\n'), shared, VM_LIMIT_MS);
  assert.is(status, 0, `the cases ran in the VM:\n${output.slice(-3000)}`);
  // How close the commands came to their limit, for the log.
  for (const line of output.split('\n').filter((l) => l.startsWith('slow command:'))) console.log(`  in the VM: ${line.trim()}`);
  return cases.map((_, i) => JSON.parse(fs.readFileSync(path.join(shared, `result-${i}.json`), 'utf8')) as R);
}
