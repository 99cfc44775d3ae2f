// One interoperability case against the Linux kernel, run inside a namespace the caller made
// (`ip netns exec NS node dist/kernel/interop-case.js '<InteropCase as JSON>'`): the bridge and
// TAP device, the kernel's settings, our stack on one end and the kernel on the other. Prints one
// JSON line (the case's result) and exits 0 once the case ran, whatever it found; exits 1 when it
// could not run. The caller judges the result (test/kernel-interop.test.ts).

import { TapLink } from '../drivers/tap.js';
import { LINKTYPE_ETHERNET, PcapWriter } from '../drivers/pcap.js';
import { BRIDGE_PORTS, FAR, KERNEL, KERNEL_TAP } from './addresses.js';
import { Bridge } from './bridge.js';
import { type IpsecCase, type IpsecResult, runIpsecCase } from './ipsec-case.js';
import type { LinuxEndResult } from './linux-end.js';
import { LinuxEnd } from './linux-end-process.js';
import { runCommand } from './netns.js';
import { type OurEndResult, runOurEnd } from './our-end.js';
import { type FlagCounts, TcpCensus } from './tcp-census.js';
import type { TapCounts } from '../drivers/tap.js';

export interface TcpCase {
  kind: 'tcp';
  /** Who sends the bytes. */
  direction: 'ours-to-linux' | 'linux-to-ours';
  bytes: number;
  /** Who sends the first FIN. */
  closer: 'ours' | 'linux';
  /** The kernel's SACK, timestamps and window scaling (net.ipv4.tcp_sack, tcp_timestamps, tcp_window_scaling): all on or all off. */
  kernelOptions: boolean;
  /** Frames lost each way on our side of the bridge. */
  loss: number;
  /** Where to write a capture of the exchange (pcap), or null. */
  capture: string | null;
  seed: number;
  limitMs: number;
}

export type InteropCase = TcpCase | IpsecCase;

export interface TcpResult {
  kind: 'tcp';
  ours: OurEndResult;
  linux: LinuxEndResult;
  /** Segments each way by flag, as they crossed the bridge. */
  census: { out: FlagCounts; in: FlagCounts };
  link: TapCounts;
  /** The kernel's settings as the case ran. */
  sysctl: Record<string, string>;
}

const TCP_OPTIONS = ['net.ipv4.tcp_sack', 'net.ipv4.tcp_timestamps', 'net.ipv4.tcp_window_scaling'];

/** Sets the kernel's TCP options in this namespace and answers them as the kernel reads them back. */
function setKernelOptions(on: boolean): Record<string, string> {
  runCommand('sysctl', ['-q', '-w', ...TCP_OPTIONS.map((k) => `${k}=${on ? 1 : 0}`)]);
  return Object.fromEntries(TCP_OPTIONS.map((k) => [k, runCommand('sysctl', ['-n', k]).trim()]));
}

/** The bridge to the kernel's TAP device and our link on it, with a capture when asked; closed by `close`. */
async function openLink(loss: number, seed: number, capture: string | null) {
  const bridge = await Bridge.start({
    device: 'xk0',
    bridgePort: BRIDGE_PORTS.kernel,
    ourPort: BRIDGE_PORTS.kernelOurs,
    address: KERNEL_TAP,
  });
  const link = await TapLink.open({ port: BRIDGE_PORTS.kernelOurs, bridgePort: BRIDGE_PORTS.kernel, loss, seed });
  const writer = capture === null ? null : new PcapWriter(capture, LINKTYPE_ETHERNET);
  const close = async (): Promise<void> => {
    writer?.close();
    await link.close();
    bridge.stop();
  };
  return { bridge, link, writer, close };
}

async function runTcpCase(c: TcpCase): Promise<TcpResult> {
  const sysctl = setKernelOptions(c.kernelOptions);
  const { link, writer, close } = await openLink(c.loss, c.seed, c.capture);
  const census = new TcpCensus();
  link.tap = (bytes, offset, length, inbound) => {
    census.take(bytes, offset, length, inbound);
    writer?.writeBytes(bytes, offset, length);
  };
  const sending = c.direction === 'ours-to-linux';
  const oursFirst = c.closer === 'ours';
  let linux: LinuxEnd | null = null;
  try {
    let ours: Promise<OurEndResult>;
    if (sending) {
      linux = new LinuxEnd({
        mode: 'sink',
        host: KERNEL.ip,
        port: KERNEL.port,
        bytes: c.bytes,
        seed: c.seed,
        closeFirst: !oursFirst,
        limitMs: c.limitMs,
      });
      await linux.ready;
      ours = runOurEnd(link, { mode: 'send', bytes: c.bytes, seed: c.seed, closeFirst: oursFirst, limitMs: c.limitMs });
    } else {
      ours = runOurEnd(link, { mode: 'receive', bytes: c.bytes, seed: c.seed, closeFirst: oursFirst, limitMs: c.limitMs });
      linux = new LinuxEnd({
        mode: 'source',
        host: FAR.ip,
        port: FAR.port,
        localHost: KERNEL.ip,
        bytes: c.bytes,
        seed: c.seed,
        write: 4096,
        closeFirst: !oursFirst,
        limitMs: c.limitMs,
      });
    }
    const [oursResult, linuxResult] = await Promise.all([ours, linux.done]);
    return { kind: 'tcp', ours: oursResult, linux: linuxResult, census: { out: census.out, in: census.in }, link: link.counts, sysctl };
  } finally {
    linux?.kill();
    await close();
  }
}

async function runIpsec(c: IpsecCase): Promise<IpsecResult> {
  const { link, writer, close } = await openLink(c.loss ?? 0, c.seed, c.capture);
  if (writer !== null) link.tap = (bytes, offset, length) => writer.writeBytes(bytes, offset, length);
  try {
    return await runIpsecCase(c, link);
  } finally {
    await close();
  }
}

async function main(): Promise<void> {
  const c = JSON.parse(process.argv[2] ?? '{}') as InteropCase;
  let result: TcpResult | IpsecResult;
  if (c.kind === 'tcp') result = await runTcpCase(c);
  else if (c.kind === 'ipsec') result = await runIpsec(c);
  else throw new Error(`no case of kind ${JSON.stringify((c as { kind: unknown }).kind)}: tcp or ipsec`);
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.exit(0);
}

main().catch((err: unknown) => {
  process.stderr.write(`interop case failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
