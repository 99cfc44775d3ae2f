// The kernel's end of a transfer, as a process of its own inside a namespace: Node's net sockets are
// the kernel's TCP. `sink` listens, checks every byte against the stream pattern and times first
// byte to last; `source` connects and writes the pattern in writes of a given size, minding
// backpressure. Either closes first or waits for the peer's FIN, as told. Started with one JSON
// argument (LinuxEndTask); prints JSON lines: {"event":"ready"} once listening or connected, then
// {"event":"done",...} (LinuxEndResult), and exits 0, or 1 on an error or past its time limit.

import * as net from 'node:net';
import { StreamPattern } from './stream-pattern.js';

export interface LinuxEndTask {
  mode: 'sink' | 'source';
  /** sink: the address to listen on; source: the address to connect to. */
  host: string;
  port: number;
  /** source: the local address to connect from. */
  localHost?: string;
  bytes: number;
  seed: number;
  /** source: bytes per write (4096 for the paper's 4 KB messages). */
  write?: number;
  /** This end sends its FIN first: the sink once every byte came, the source once every byte is written. */
  closeFirst: boolean;
  limitMs: number;
}

export interface LinuxEndResult {
  event: 'done';
  /** Bytes received (sink) or written (source). */
  bytes: number;
  /** sink: every byte was the pattern's, in order. */
  intact: boolean;
  /**
   * Epoch ms (from performance.timeOrigin, so comparable between processes): the first and last
   * data byte (sink), or the first and last write (source).
   */
  firstAt: number;
  lastAt: number;
  /** The peer's FIN came before this end sent its own. */
  peerClosedFirst: boolean;
  /** A socket error (ECONNRESET for a reset), or null. */
  error: string | null;
}

function now(): number {
  return performance.timeOrigin + performance.now();
}

function say(line: object): void {
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

/**
 * Reports the outcome once the socket has closed both ways (or failed). Answers the function that
 * sends this end's FIN first (Node sends it by itself after the peer's).
 */
function follow(socket: net.Socket, result: LinuxEndResult, done: () => void): () => void {
  let endedFirst = false;
  socket.on('end', () => {
    if (!endedFirst) result.peerClosedFirst = true;
  });
  socket.on('error', (err: NodeJS.ErrnoException) => {
    result.error = err.code ?? err.message;
  });
  socket.on('close', () => {
    say(result);
    done();
  });
  return () => {
    if (endedFirst || socket.writableEnded) return;
    endedFirst = true;
    socket.end();
  };
}

function sink(task: LinuxEndTask, pattern: StreamPattern, result: LinuxEndResult): void {
  const server = net.createServer((socket) => {
    server.close();
    const endFirst = follow(socket, result, () => process.exit(result.error === null ? 0 : 1));
    socket.on('data', (chunk: Buffer) => {
      const at = now();
      if (result.bytes === 0) result.firstAt = at;
      result.lastAt = at;
      if (result.intact && !pattern.matches(chunk, 0, chunk.length, result.bytes)) result.intact = false;
      result.bytes += chunk.length;
      if (task.closeFirst && result.bytes >= task.bytes) endFirst();
    });
  });
  server.on('error', (err) => {
    result.error = err.message;
    say(result);
    process.exit(1);
  });
  server.listen(task.port, task.host, () => say({ event: 'ready' }));
}

function source(task: LinuxEndTask, pattern: StreamPattern, result: LinuxEndResult): void {
  const write = task.write ?? 4096;
  const socket = net.connect({ host: task.host, port: task.port, localAddress: task.localHost });
  const endFirst = follow(socket, result, () => process.exit(result.error === null ? 0 : 1));
  const pump = (): void => {
    while (result.bytes < task.bytes) {
      const n = Math.min(write, task.bytes - result.bytes);
      if (result.bytes === 0) result.firstAt = now();
      const more = socket.write(pattern.slice(result.bytes, n));
      result.bytes += n;
      result.lastAt = now();
      if (!more) {
        socket.once('drain', pump);
        return;
      }
    }
    if (task.closeFirst) endFirst();
  };
  socket.on('connect', () => {
    say({ event: 'ready' });
    pump();
  });
}

function main(): void {
  const task = JSON.parse(process.argv[2] ?? '{}') as LinuxEndTask;
  const result: LinuxEndResult = { event: 'done', bytes: 0, intact: true, firstAt: 0, lastAt: 0, peerClosedFirst: false, error: null };
  setTimeout(() => {
    result.error = `no close within ${task.limitMs} ms`;
    say(result);
    process.exit(1);
  }, task.limitMs).unref();
  const pattern = new StreamPattern(task.seed);
  if (task.mode === 'sink') sink(task, pattern, result);
  else source(task, pattern, result);
}

main();
