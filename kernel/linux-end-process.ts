// Starts the kernel's end of a transfer (linux-end.ts) as a child process, in this namespace or,
// through `ip netns exec`, in another, and follows its JSON lines: ready, then done.

import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { LinuxEndResult, LinuxEndTask } from './linux-end.js';

const SCRIPT = fileURLToPath(new URL('./linux-end.js', import.meta.url));

export class LinuxEnd {
  /** Resolves when it listens (sink) or has connected (source). */
  readonly ready: Promise<void>;
  /** Its result, once its connection has closed; rejects when it ends without one. */
  readonly done: Promise<LinuxEndResult>;
  private readonly child: ChildProcess;

  constructor(task: LinuxEndTask, namespace?: string) {
    const command = namespace === undefined ? [process.execPath, SCRIPT] : ['ip', 'netns', 'exec', namespace, process.execPath, SCRIPT];
    this.child = spawn(command[0]!, [...command.slice(1), JSON.stringify(task)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    this.child.stderr!.setEncoding('utf8');
    this.child.stderr!.on('data', (text: string) => (stderr = (stderr + text).slice(-2000)));
    let pending = '';
    let readyNow: () => void = () => undefined;
    let result: LinuxEndResult | null = null;
    const ready = new Promise<void>((resolve) => (readyNow = resolve));
    this.done = new Promise((resolve, reject) => {
      this.child.stdout!.setEncoding('utf8');
      this.child.stdout!.on('data', (text: string) => {
        pending += text;
        for (let nl = pending.indexOf('\n'); nl >= 0; nl = pending.indexOf('\n')) {
          const line = JSON.parse(pending.slice(0, nl)) as { event: string };
          pending = pending.slice(nl + 1);
          if (line.event === 'ready') readyNow();
          else if (line.event === 'done') result = line as LinuxEndResult;
        }
      });
      this.child.on('close', (code, signal) => {
        if (result !== null) resolve(result);
        else reject(new Error(`the kernel's end (linux-end) ended without a result (${signal ?? `exit ${code}`}): ${stderr.trim()}`));
      });
    });
    // Ends without saying ready: `ready` fails too.
    const endedFirst = this.done.then((r) => {
      throw new Error(`the kernel's end (linux-end) finished before it was ready: ${r.error ?? 'no error given'}`);
    });
    this.ready = Promise.race([ready, endedFirst]);
    this.ready.catch(() => undefined);
    this.done.catch(() => undefined);
  }

  kill(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }
}
