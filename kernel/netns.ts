// The network namespaces a run makes for the Linux kernel peer, and their removal. Everything the
// kernel peer does happens inside them, with their own loopback: nothing touches the host's
// network. Every namespace made here is removed when the run ends: by the code that made it, on an
// uncaught failure or process exit, and on SIGINT, SIGTERM or SIGHUP (then the signal ends the
// process as it would have). One left by a run killed outright (SIGKILL) is removed by the next run:
// its name carries the pid of a process that no longer runs.

import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';

const PREFIX = 'xkbench-';
/**
 * How long one `ip` or `sysctl` command may take: it answers in milliseconds here. Inside the VM of
 * kernel/vm.ts (software emulation) the first `ip xfrm state add` with a crypto template makes the
 * kernel request modules and self-test the algorithms: 1.3 s on a quiet 2-core AMD EPYC host, 29 s
 * with both cores busy (it failed CI at 10 s); the VM's cases set XKBENCH_COMMAND_LIMIT_MS to
 * 120 s (test/kernel-case.ts).
 */
const COMMAND_LIMIT_MS = Number(process.env.XKBENCH_COMMAND_LIMIT_MS) || 10_000;
/** A command slower than this is said on stderr (how close the limit came). */
const SLOW_COMMAND_MS = 1000;

const live = new Set<Namespace>();
let handlersInstalled = false;

export class Namespace {
  private removed = false;

  private constructor(readonly name: string) {}

  /** A new namespace named after this process and `label`, with its loopback up and IPv6 off (no ND or MLD chatter on the TAP). */
  static create(label: string): Namespace {
    installHandlers();
    const ns = new Namespace(`${PREFIX}${process.pid}-${label}`);
    ip(['netns', 'add', ns.name]);
    live.add(ns);
    try {
      ns.ip(['link', 'set', 'lo', 'up']);
      ns.sysctl({ 'net.ipv6.conf.all.disable_ipv6': 1, 'net.ipv6.conf.default.disable_ipv6': 1 });
    } catch (err) {
      ns.remove();
      throw err;
    }
    return ns;
  }

  /** Runs `ip -n <this> ...`; answers its output. */
  ip(args: readonly string[]): string {
    return ip(['-n', this.name, ...args]);
  }

  /** Runs a command inside the namespace and answers its output (throws with its stderr when it fails). */
  exec(command: readonly string[]): string {
    return runCommand('ip', ['netns', 'exec', this.name, ...command]);
  }

  /** Sets kernel settings of this namespace's network stack (net.ipv4.*, net.core.* are per namespace). */
  sysctl(settings: Record<string, string | number>): void {
    this.exec(['sysctl', '-q', '-w', ...Object.entries(settings).map(([k, v]) => `${k}=${v}`)]);
  }

  /** The processes inside the namespace. */
  pids(): number[] {
    return namespacePids(this.name);
  }

  /** Ends every process inside it, then removes it. Never throws: cleanup must run to the end. */
  remove(): void {
    if (this.removed) return;
    this.removed = true;
    live.delete(this);
    removeNamespace(this.name);
  }
}

/** Removes every namespace this process made (and did not remove yet). */
export function removeAll(): void {
  for (const ns of [...live]) ns.remove();
}

/** Names of the namespaces that exist now. */
export function namespaceNames(): string[] {
  const r = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8', timeout: COMMAND_LIMIT_MS });
  if (r.status !== 0) return [];
  return r.stdout
    .split('\n')
    .map((line) => line.split(' ')[0]!)
    .filter((name) => name.length > 0);
}

/** Removes namespaces that runs killed outright left behind (their pid no longer runs). Answers their names. */
export function sweepStale(): string[] {
  const swept: string[] = [];
  for (const name of namespaceNames()) {
    const match = /^xkbench-(\d+)-/.exec(name);
    if (match === null || processRuns(Number(match[1]))) continue;
    removeNamespace(name);
    swept.push(name);
  }
  return swept;
}

/**
 * Why the kernel peer cannot run on this machine, or null when it can: it needs root, the TUN/TAP
 * device, iproute2's `ip` with namespaces, and socat.
 */
export function kernelPeerProblem(): string | null {
  if (process.platform !== 'linux') return `the Linux kernel peer needs Linux (this is ${process.platform})`;
  if (process.getuid?.() !== 0) return 'the Linux kernel peer needs root (network namespaces and a TAP device)';
  if (!fs.existsSync('/dev/net/tun')) return 'the Linux kernel peer needs /dev/net/tun (the TUN/TAP driver)';
  if (spawnSync('ip', ['netns', 'list'], { stdio: 'ignore', timeout: COMMAND_LIMIT_MS }).status !== 0)
    return "the Linux kernel peer needs iproute2's ip with network namespaces (Debian: apt-get install iproute2)";
  if (spawnSync('socat', ['-V'], { stdio: 'ignore', timeout: COMMAND_LIMIT_MS }).status !== 0)
    return 'the Linux kernel peer needs socat, which bridges the TAP device (Debian: apt-get install socat)';
  return null;
}

/**
 * Why this kernel cannot be the other end of an IPsec tunnel, or null when it can: its xfrm must
 * take each security association asked (its protocol, ah or esp, and its `ip xfrm state add`
 * algorithm arguments; a kernel
 * without CONFIG_INET_AH or CONFIG_INET_ESP answers "Requested type not found"). Tried in a
 * namespace of its own, removed at once.
 */
export function kernelIpsecProblem(associations: readonly { proto: string; algorithms: readonly string[] }[]): string | null {
  const peer = kernelPeerProblem();
  if (peer !== null) return peer;
  const ns = Namespace.create('ipsec-probe');
  try {
    associations.forEach(({ proto, algorithms }, i) =>
      ns.ip([
        'xfrm',
        'state',
        'add',
        'src',
        '10.0.0.1',
        'dst',
        '10.0.0.2',
        'proto',
        proto,
        'spi',
        String(i + 1),
        'mode',
        'tunnel',
        ...algorithms,
      ]),
    );
    return null;
  } catch (err) {
    return `this kernel takes no such IPsec security association (${(err as Error).message})`;
  } finally {
    ns.remove();
  }
}

function ip(args: readonly string[]): string {
  return runCommand('ip', args);
}

/** Runs a command and answers its output; throws one line with its stderr when it fails. */
export function runCommand(command: string, args: readonly string[]): string {
  const started = Date.now();
  try {
    return execFileSync(command, [...args], { encoding: 'utf8', timeout: COMMAND_LIMIT_MS, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    const stderr = String((err as { stderr?: unknown }).stderr ?? '').trim();
    const killed = (err as { signal?: unknown }).signal !== null && (err as { signal?: unknown }).signal !== undefined;
    const why = killed ? ` (stopped after ${Date.now() - started} ms, the limit ${COMMAND_LIMIT_MS} ms)` : '';
    throw new Error(`${command} ${args.join(' ')} failed${why}${stderr.length > 0 ? `: ${stderr}` : ''}`);
  } finally {
    const took = Date.now() - started;
    if (took > SLOW_COMMAND_MS) process.stderr.write(`slow command: ${command} ${args.slice(0, 4).join(' ')} … took ${took} ms\n`);
  }
}

function namespacePids(name: string): number[] {
  const r = spawnSync('ip', ['netns', 'pids', name], { encoding: 'utf8', timeout: COMMAND_LIMIT_MS });
  if (r.status !== 0) return [];
  return r.stdout
    .split('\n')
    .filter((line) => /^\d+$/.test(line))
    .map(Number);
}

/** Kills what runs inside (a namespace lives on while a process holds it), then deletes it. */
function removeNamespace(name: string): void {
  for (let attempt = 0; attempt < 50; attempt++) {
    const pids = namespacePids(name).filter((pid) => pid !== process.pid);
    if (pids.length === 0) break;
    for (const pid of pids) {
      try {
        process.kill(pid, attempt === 0 ? 'SIGTERM' : 'SIGKILL');
      } catch {
        // already gone
      }
    }
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, attempt === 0 ? 50 : 20);
  }
  spawnSync('ip', ['netns', 'del', name], { stdio: 'ignore', timeout: COMMAND_LIMIT_MS });
}

function processRuns(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** On exit and on the signals that end a run, the namespaces go first. */
function installHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.on('exit', removeAll);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => {
      removeAll();
      // Ended as the signal would have ended it (exit 130 for Ctrl-C) unless the program has its own handler.
      if (process.listenerCount(signal) === 1) {
        process.removeAllListeners(signal);
        process.kill(process.pid, signal);
      }
    });
  }
}
