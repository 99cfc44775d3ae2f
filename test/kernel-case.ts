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

/**
 * Runs the case inside a VM (kernel/vm.ts), in a namespace there, `shared` being the folder the
 * VM writes into (the case's capture belongs there too); answers its JSON result.
 */
export async function runCaseInVm<R>(c: InteropCase, shared: string): Promise<R> {
  const result = path.join(shared, 'result.json');
  const quoted = `'${JSON.stringify(c).replaceAll("'", "'\\''")}'`;
  const script = [
    'for m in tun ah4 xfrm_user xfrm4_tunnel; do modprobe $m; done',
    'ip netns add xkbench-vm && ip -n xkbench-vm link set lo up',
    'ip netns exec xkbench-vm sysctl -q -w net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1',
    `ip netns exec xkbench-vm ${process.execPath} ${CASE_SCRIPT} ${quoted} > ${result}`,
    '',
  ].join('\n');
  const { output, status } = await runInVm(script, shared, VM_LIMIT_MS);
  assert.is(status, 0, `the case ran in the VM:\n${output.slice(-3000)}`);
  return JSON.parse(fs.readFileSync(result, 'utf8')) as R;
}
