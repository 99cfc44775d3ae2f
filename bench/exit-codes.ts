// The exit codes of every xkbench command (README, "Exit codes"); .ci/run tells them apart.

import { constants } from 'node:os';

export const EXIT = {
  ok: 0,
  /** A run or a configuration failed, or broke conservation (invalid runs). */
  failed: 1,
  /** Bad input: refused before any work. */
  badInput: 2,
  /** A tracked metric regressed (--fail-on-regression). */
  regression: 3,
} as const;

/** Stopped by a signal, the shell's way: 128 + its number (SIGHUP 129, SIGINT 130, SIGTERM 143). */
export function exitForSignal(signal: NodeJS.Signals): number {
  return 128 + constants.signals[signal];
}
