// The bridge between a Linux TAP device and a UDP socket of ours: socat creates the TAP device and
// carries each Ethernet frame across as one datagram on the namespace's loopback. Run inside the
// namespace (a process started by `ip netns exec`). The TAP device is then given its MAC address,
// IPv4 address and a permanent neighbour entry for the far end, so the kernel never needs ARP; it
// may be moved into another namespace first (socat keeps its file descriptor, so frames still flow),
// which lets one process here bridge a second kernel whose loopback it cannot reach.

import { type ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import { runCommand } from './netns.js';

/** Socket buffers socat asks for (the kernel caps them at net.core.[rw]mem_max). */
const SOCKET_BUFFER_BYTES = 4 << 20;
/** How long socat may take to create the device. */
const START_LIMIT_MS = 5_000;

export interface TapAddress {
  /** The TAP device's own (the kernel's) MAC and IPv4 address, and the prefix length of its subnet. */
  mac: string;
  ip: string;
  prefix: number;
  /** The far end (our stack, or another kernel): a permanent neighbour entry. */
  peerIp: string;
  peerMac: string;
}

export interface BridgeOptions {
  /** The TAP device's name (at most 15 characters). */
  device: string;
  /** socat's UDP port on the loopback, and ours. */
  bridgePort: number;
  ourPort: number;
  /** Its addresses; absent for a device that only carries frames (the bridge's echo): then it is only brought up. */
  address?: TapAddress;
  /** A namespace to move the device into before it is configured (its name under /run/netns); this one when absent. */
  moveTo?: string;
}

export class Bridge {
  private stderr = '';
  private exited: string | null = null;

  private constructor(
    readonly options: BridgeOptions,
    private readonly socat: ChildProcess,
  ) {
    socat.stderr?.setEncoding('utf8');
    socat.stderr?.on('data', (text: string) => {
      this.stderr = (this.stderr + text).slice(-2000);
    });
    socat.on('exit', (code, signal) => {
      this.exited = `socat exited (${signal ?? `code ${code}`})${this.stderr.trim().length > 0 ? `: ${this.stderr.trim()}` : ''}`;
    });
  }

  /** Starts socat, waits for the device, moves and configures it. */
  static async start(options: BridgeOptions): Promise<Bridge> {
    const socat = spawn(
      'socat',
      [
        `UDP4-DATAGRAM:127.0.0.1:${options.ourPort},bind=127.0.0.1:${options.bridgePort},` +
          `rcvbuf=${SOCKET_BUFFER_BYTES},sndbuf=${SOCKET_BUFFER_BYTES}`,
        `TUN,tun-type=tap,tun-name=${options.device},iff-no-pi`,
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    const bridge = new Bridge(options, socat);
    try {
      await bridge.deviceCreated();
      bridge.configure();
    } catch (err) {
      bridge.stop();
      throw err;
    }
    return bridge;
  }

  private async deviceCreated(): Promise<void> {
    const started = Date.now();
    while (!fs.existsSync(`/sys/class/net/${this.options.device}`)) {
      if (this.exited !== null) throw new Error(`the TAP bridge did not start: ${this.exited}`);
      if (Date.now() - started > START_LIMIT_MS) throw new Error(`socat made no device ${this.options.device} within ${START_LIMIT_MS} ms`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  private configure(): void {
    const { device, address, moveTo } = this.options;
    if (moveTo !== undefined) ip(['link', 'set', 'dev', device, 'netns', moveTo]);
    const inNs = moveTo !== undefined ? ['-n', moveTo] : [];
    if (address === undefined) {
      ip([...inNs, 'link', 'set', 'dev', device, 'mtu', '1500', 'up']);
      return;
    }
    ip([...inNs, 'link', 'set', 'dev', device, 'address', address.mac, 'mtu', '1500', 'up']);
    ip([...inNs, 'addr', 'add', `${address.ip}/${address.prefix}`, 'dev', device]);
    ip([...inNs, 'neigh', 'replace', address.peerIp, 'lladdr', address.peerMac, 'dev', device, 'nud', 'permanent']);
  }

  /** Why the bridge stopped, or null while it runs. */
  get failure(): string | null {
    return this.exited;
  }

  stop(): void {
    if (this.exited === null) this.socat.kill('SIGKILL');
  }
}

/** Runs `ip` (in this process's namespace, or another's with -n). */
function ip(args: readonly string[]): string {
  return runCommand('ip', args);
}
