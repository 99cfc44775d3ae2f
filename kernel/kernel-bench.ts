// The kernel baseline's measurements, run inside the namespace the launcher made
// (bench/kernel-command.ts starts it with `ip netns exec`): transfers of the paper's 4 KB writes
// ours → Linux, Linux → ours and Linux → Linux over the same bridge, and the bridge alone (an
// echo). The Linux-to-Linux transfer runs from a second kernel, in the second namespace, whose TAP
// device this process bridges too (socat's end stays here, the device moves there), so its frames
// take the path ours take. Each round measures the four once, in an order of its own (alternation:
// the machine's drift falls on all four alike). Prints JSON lines: a sample each, then done.

import { TapLink } from '../drivers/tap.js';
import { Prng } from '../drivers/prng.js';
import { BRIDGE_PORTS, FAR, KERNEL, KERNEL_TAP, SECOND_KERNEL_TAP } from './addresses.js';
import { Bridge } from './bridge.js';
import { measureEcho, makeEcho } from './bridge-echo.js';
import { LinuxEnd } from './linux-end-process.js';
import { runOurEnd } from './our-end.js';
import { Relay } from './relay.js';
import { type KernelBenchTask, type KernelSample, TRANSFERS, type Transfer } from './kernel-bench-task.js';

/** What a measurement answers; its round and transfer are added by the caller. */
type Measured = Omit<KernelSample, 'event' | 'round' | 'transfer'>;

const WRITE = 4096;
let nextPort = 20000;

function say(line: object): void {
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

function rate(bytes: number, firstAt: number, lastAt: number): { mbits: number; seconds: number } {
  const seconds = (lastAt - firstAt) / 1000;
  return { mbits: (bytes * 8) / seconds / 1e6, seconds };
}

/** The kernel's listener, receiving `bytes` and closing after the sender. */
function kernelSink(task: KernelBenchTask, bytes: number): LinuxEnd {
  return new LinuxEnd({
    mode: 'sink',
    host: KERNEL.ip,
    port: KERNEL.port,
    bytes,
    seed: task.seed,
    closeFirst: false,
    limitMs: task.limitMs,
  });
}

function failIf(what: string, error: string | null): void {
  if (error !== null) throw new Error(`${what}: ${error}`);
}

async function oursToLinux(task: KernelBenchTask, bytes: number): Promise<Measured> {
  const sink = kernelSink(task, bytes);
  await sink.ready;
  const link = await TapLink.open({ port: BRIDGE_PORTS.kernelOurs, bridgePort: BRIDGE_PORTS.kernel });
  try {
    const port = nextPort++;
    const [ours, linux] = await Promise.all([
      runOurEnd(link, {
        mode: 'send',
        bytes,
        seed: task.seed,
        write: WRITE,
        closeFirst: true,
        limitMs: task.limitMs,
        port,
        iss: port << 16,
      }),
      sink.done,
    ]);
    failIf('ours → Linux, our end', ours.error);
    failIf('ours → Linux, the kernel', linux.error);
    if (!linux.intact || linux.bytes !== bytes)
      throw new Error(`ours → Linux: the kernel received ${linux.bytes} bytes, intact ${linux.intact}`);
    return { ...rate(linux.bytes, linux.firstAt, linux.lastAt), bytes, retransmits: ours.tcp.retransmits };
  } finally {
    sink.kill();
    await link.close();
  }
}

async function linuxToOurs(task: KernelBenchTask, bytes: number): Promise<Measured> {
  const link = await TapLink.open({ port: BRIDGE_PORTS.kernelOurs, bridgePort: BRIDGE_PORTS.kernel });
  const port = nextPort++;
  const ours = runOurEnd(link, {
    mode: 'receive',
    bytes,
    seed: task.seed,
    closeFirst: false,
    limitMs: task.limitMs,
    port,
    iss: port << 16,
  });
  const source = new LinuxEnd({
    mode: 'source',
    host: FAR.ip,
    port,
    localHost: KERNEL.ip,
    bytes,
    seed: task.seed,
    write: WRITE,
    closeFirst: true,
    limitMs: task.limitMs,
  });
  try {
    const [received, linux] = await Promise.all([ours, source.done]);
    failIf('Linux → ours, our end', received.error);
    failIf('Linux → ours, the kernel', linux.error);
    if (!received.intact || received.bytes !== bytes)
      throw new Error(`Linux → ours: we received ${received.bytes} bytes, intact ${received.intact}`);
    return { ...rate(received.bytes, received.firstAt, received.lastAt), bytes, retransmits: 0 };
  } finally {
    source.kill();
    await link.close();
  }
}

async function linuxToLinux(task: KernelBenchTask, bytes: number): Promise<Measured> {
  const relay = await Relay.open(
    { port: BRIDGE_PORTS.kernelOurs, bridgePort: BRIDGE_PORTS.kernel },
    { port: BRIDGE_PORTS.secondOurs, bridgePort: BRIDGE_PORTS.second },
  );
  const sink = kernelSink(task, bytes);
  try {
    await sink.ready;
    const source = new LinuxEnd(
      {
        mode: 'source',
        host: KERNEL.ip,
        port: KERNEL.port,
        localHost: FAR.ip,
        bytes,
        seed: task.seed,
        write: WRITE,
        closeFirst: true,
        limitMs: task.limitMs,
      },
      task.secondNamespace,
    );
    const [linux, sent] = await Promise.all([sink.done, source.done]);
    source.kill();
    failIf('Linux → Linux, the receiving kernel', linux.error);
    failIf('Linux → Linux, the sending kernel', sent.error);
    if (!linux.intact || linux.bytes !== bytes) throw new Error(`Linux → Linux: received ${linux.bytes} bytes, intact ${linux.intact}`);
    return { ...rate(linux.bytes, linux.firstAt, linux.lastAt), bytes, retransmits: 0 };
  } finally {
    sink.kill();
    await relay.close();
  }
}

async function measure(task: KernelBenchTask, transfer: Transfer, bytes: number): Promise<Measured> {
  switch (transfer) {
    case 'ours-to-linux':
      return oursToLinux(task, bytes);
    case 'linux-to-ours':
      return linuxToOurs(task, bytes);
    case 'linux-to-linux':
      return linuxToLinux(task, bytes);
    case 'bridge': {
      const echo = await measureEcho(BRIDGE_PORTS.echoOurs, BRIDGE_PORTS.echo, task.echoMs);
      return { mbits: echo.payloadMbits, seconds: echo.seconds, bytes: echo.frames * 1460, retransmits: echo.lost };
    }
  }
}

async function main(): Promise<void> {
  const task = JSON.parse(process.argv[2] ?? '{}') as KernelBenchTask;
  const bridges = [
    await Bridge.start({ device: 'xk0', bridgePort: BRIDGE_PORTS.kernel, ourPort: BRIDGE_PORTS.kernelOurs, address: KERNEL_TAP }),
    await Bridge.start({
      device: 'xk1',
      bridgePort: BRIDGE_PORTS.second,
      ourPort: BRIDGE_PORTS.secondOurs,
      address: SECOND_KERNEL_TAP,
      moveTo: task.secondNamespace,
    }),
    await Bridge.start({ device: 'xk2', bridgePort: BRIDGE_PORTS.echo, ourPort: BRIDGE_PORTS.echoOurs }),
  ];
  try {
    makeEcho('xk2');
    // Round 0 warms up: the JIT compiles our stack, the kernels' caches fill. Its samples are marked, not reported.
    for (let round = 0; round <= task.rounds; round++) {
      const order = new Prng(task.seed + round).shuffle([...TRANSFERS]);
      for (const transfer of order) {
        const bytes = round === 0 ? Math.min(task.bytes, 4 << 20) : task.bytes;
        const sample = await measure(task, transfer, bytes);
        for (const b of bridges) if (b.failure !== null) throw new Error(b.failure);
        say({ event: 'sample', round, transfer, ...sample });
      }
    }
    say({ event: 'done' });
  } finally {
    for (const b of bridges) b.stop();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`kernel benchmark failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
