// The exit codes of every xkbench command and what each means (docs/cli.md, the man page and the
// README's table are generated from EXIT_MEANINGS); .ci/run tells them apart.

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

/** Each exit code and what it means, for the generated reference. */
export const EXIT_MEANINGS: readonly (readonly [code: string, meaning: string])[] = [
  [String(EXIT.ok), 'success'],
  [String(EXIT.failed), 'a run or configuration failed, a run broke conservation or `--verify`, or a fuzzed frame escaped'],
  [
    String(EXIT.badInput),
    'bad input (a flag, a value, a path, a `--compare` file): one line naming it and what is allowed, before any work',
  ],
  [
    String(EXIT.regression),
    'a tracked metric regressed (`--fail-on-regression`, with `--compare`), or `xkbench ab` found a configuration slower ' +
      'beyond `--threshold`',
  ],
  ['129, 130, 143', 'stopped by SIGHUP, SIGINT (Ctrl-C) or SIGTERM; the finished runs are written, marked incomplete'],
];

/** Stopped by a signal, the shell's way: 128 + its number (SIGHUP 129, SIGINT 130, SIGTERM 143). */
export function exitForSignal(signal: NodeJS.Signals): number {
  return 128 + constants.signals[signal];
}
