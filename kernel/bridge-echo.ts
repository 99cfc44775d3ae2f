// The bridge alone, with no stack at either end: full-size frames go from this process through socat
// into a TAP device whose ingress the kernel's traffic control turns straight back out (tc mirred,
// before any protocol sees them), and return through socat. Each frame crosses the bridge twice,
// as a Linux-to-Linux frame crosses two bridges. The rate it sustains is what the bridge carries
// at most: a transfer's figure near it is bounded by the bridge, not by its stacks.

import { bridgeSocket } from '../drivers/tap.js';
import { runCommand } from './netns.js';

/** An Ethernet frame of the largest size (1500-byte payload), to a MAC nobody has, of the local experimental ethertype. */
const FRAME_BYTES = 1514;
/** The TCP payload such a frame carries (1500 − IP and TCP headers): what the transfers' figures count. */
export const FRAME_PAYLOAD = 1460;
/** Frames kept in flight. */
const WINDOW = 64;
/** With no frame back for this long, the ones in flight are taken as lost and the window refilled. */
const STALL_MS = 50;

export interface EchoResult {
  frames: number;
  seconds: number;
  /** Frames back per second × 1460 bytes: comparable with the transfers' Mbit/s of data. */
  payloadMbits: number;
  /** Frames back per second × 1514 bytes. */
  frameMbits: number;
  /** Frames that did not come back. */
  lost: number;
}

/** Makes the device an echo: everything it receives is sent back out of it. */
export function makeEcho(device: string): void {
  runCommand('tc', ['qdisc', 'add', 'dev', device, 'ingress']);
  runCommand(
    'tc',
    ['filter', 'add', 'dev', device, 'parent', 'ffff:', 'protocol', 'all', 'u32', 'match', 'u32', '0', '0'].concat([
      'action',
      'mirred',
      'egress',
      'redirect',
      'dev',
      device,
    ]),
  );
}

/** Sends frames through the echo for `durationMs` with WINDOW in flight; counts what comes back. */
export async function measureEcho(port: number, bridgePort: number, durationMs: number): Promise<EchoResult> {
  const socket = await bridgeSocket(port, bridgePort);
  const frame = Buffer.alloc(FRAME_BYTES);
  frame.set([0x02, 0, 0, 0, 0, 0x09, 0x02, 0, 0, 0, 0, 0x08, 0x88, 0xb5]);
  let sent = 0;
  let back = 0;
  let lost = 0;
  let lastBack = performance.now();
  const fill = (): void => {
    while (sent - back - lost < WINDOW) {
      socket.send(frame);
      sent++;
    }
  };
  return new Promise((resolve) => {
    const started = performance.now();
    const watchdog = setInterval(() => {
      if (performance.now() - lastBack < STALL_MS) return;
      lost = sent - back;
      fill();
    }, STALL_MS);
    socket.on('message', () => {
      back++;
      lastBack = performance.now();
      const elapsed = lastBack - started;
      if (elapsed >= durationMs) {
        clearInterval(watchdog);
        socket.close();
        const seconds = elapsed / 1000;
        resolve({
          frames: back,
          seconds,
          payloadMbits: (back * FRAME_PAYLOAD * 8) / seconds / 1e6,
          frameMbits: (back * FRAME_BYTES * 8) / seconds / 1e6,
          lost,
        });
        return;
      }
      fill();
    });
    fill();
  });
}
