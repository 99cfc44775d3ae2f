// Our end of a transfer with the kernel: a tcp/ip/eth stack on a TAP link, sending the stream
// pattern in writes of a given size (the paper's 4 KB messages) or receiving and checking it. The
// stack runs on the event loop: after each batch of frames from the kernel, and every 10 ms
// besides (retransmission timers), its clock ticks and the application writes what the windows
// take. It closes first, or after the kernel's FIN, as told, and is done when the connection has
// closed both ways: TIME_WAIT when it closed first, CLOSED when the kernel did.

import type { TapLink } from '../drivers/tap.js';
import { BufferPool, type Msg } from '../stacks/message.js';
import { SendStatus, Stack } from '../stacks/stack.js';
import { FAR, KERNEL } from './addresses.js';
import { StreamPattern } from './stream-pattern.js';

export interface OurEndTask {
  mode: 'send' | 'receive';
  bytes: number;
  seed: number;
  /** send: bytes per write. */
  write?: number;
  /** We send our FIN first (else after the kernel's). */
  closeFirst: boolean;
  limitMs: number;
  /** Our initial sequence number. */
  iss?: number;
  /** Our TCP port (FAR.port when absent): a new one per connection keeps clear of the kernel's TIME_WAIT. */
  port?: number;
}

export interface OurEndResult {
  /** Bytes written (send) or received (receive). */
  bytes: number;
  /** receive: every byte was the pattern's, in order. */
  intact: boolean;
  /** Epoch ms, as LinuxEndResult's: first and last data byte received, or first and last write. */
  firstAt: number;
  lastAt: number;
  /** The connection's state when done (TIME_WAIT or CLOSED), and whether the kernel closed first. */
  state: string;
  peerClosedFirst: boolean;
  tcp: ReturnType<NonNullable<Stack['tcb']>['stats']>;
  drops: Record<string, number>;
  /** Why it did not finish, or null. */
  error: string | null;
}

const TICK_MS = 10;

function now(): number {
  return performance.timeOrigin + performance.now();
}

/** Runs our end of one transfer on `link` to completion (or failure, or the time limit). */
export function runOurEnd(link: TapLink, task: OurEndTask): Promise<OurEndResult> {
  // Receiving, we listen as a server does: for a client on any port (the kernel's ephemeral one).
  const remote = task.mode === 'receive' ? { ...KERNEL, port: 0 } : KERNEL;
  const local = { ...FAR, port: task.port ?? FAR.port };
  const stack = new Stack('tcp/ip/eth', { local, remote, iss: task.iss ?? 0x2000_0000, instance: 1 });
  const pattern = new StreamPattern(task.seed);
  const write = task.write ?? 4096;
  const message: Msg = new BufferPool(1).get();
  let bytes = 0;
  let intact = true;
  let firstAt = 0;
  let lastAt = 0;
  let closed = false;
  let peerClosedFirst = false;
  let wasConnected = false;

  stack.application = {
    pop(m: Msg) {
      const at = now();
      if (bytes === 0) firstAt = at;
      lastAt = at;
      if (intact && !pattern.matches(m.bytes, m.head, m.length, bytes)) intact = false;
      bytes += m.length;
    },
  };

  return new Promise((resolve) => {
    let done = false;
    const finish = (error: string | null): void => {
      done = true;
      clearInterval(timer);
      clearTimeout(limit);
      const tcb = stack.tcb!;
      resolve({
        bytes,
        intact,
        firstAt,
        lastAt,
        state: stack.state ?? '',
        peerClosedFirst,
        tcp: tcb.stats(),
        drops: stack.drops.toRecord(),
        error,
      });
    };
    const writeMore = (): void => {
      while (bytes < task.bytes) {
        const n = Math.min(write, task.bytes - bytes);
        if (!stack.canSend(n)) return;
        message.resetPayload(n);
        message.bytes.set(pattern.slice(bytes, n), message.head);
        const status = stack.send(message);
        if (status !== SendStatus.Sent) return;
        if (bytes === 0) firstAt = now();
        bytes += n;
        lastAt = now();
      }
    };
    const step = (): void => {
      if (done) return;
      stack.tick(Math.floor(performance.now()));
      const state = stack.state;
      if (state === 'ESTABLISHED' || state === 'CLOSE_WAIT') wasConnected = true;
      if (state === 'CLOSE_WAIT' && !closed) peerClosedFirst = true;
      if (task.mode === 'send' && (state === 'ESTABLISHED' || state === 'CLOSE_WAIT')) writeMore();
      // The kernel's FIN is answered with ours at once: whether every byte came is the caller's to judge.
      if (!closed && ((bytes >= task.bytes && task.closeFirst) || state === 'CLOSE_WAIT')) {
        closed = true;
        stack.close();
      }
      if (closed && (stack.state === 'TIME_WAIT' || stack.state === 'CLOSED')) finish(null);
      else if (wasConnected && stack.state === 'CLOSED') finish('the connection closed before the transfer ended (a reset?)');
    };
    link.attach(stack, step);
    const timer = setInterval(step, TICK_MS);
    const limit = setTimeout(() => finish(`not done within ${task.limitMs} ms (state ${stack.state}, ${bytes} bytes)`), task.limitMs);
    stack.tick(Math.floor(performance.now()));
    if (task.mode === 'send') stack.connect();
    else stack.listen();
  });
}
