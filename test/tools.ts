// Tests that need a tool from outside Node (tshark, Chromium) run where it is installed. Where it
// is missing they are registered as skipped, so uvu's totals count them and the reason is printed:
// a check without its tool never passes. .ci/run installs every such tool and sets
// XKBENCH_REQUIRE_TOOLS=1, and there a missing tool fails its test.
import type { Test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';

/** The tool's command if it answers `command --version`, else null. */
export function findTool(...commands: string[]): string | null {
  for (const command of commands) {
    const r = spawnSync(command, ['--version'], { stdio: 'ignore', timeout: 30_000 });
    if (r.error === undefined && r.status === 0) return command;
  }
  return null;
}

function required(): boolean {
  return process.env.XKBENCH_REQUIRE_TOOLS === '1';
}

/** Registers `name` as a test that runs with `tool`, or as skipped (failed where tools are required) without it. */
export function testWithTool(
  test: Test,
  tool: string | null,
  toolName: string,
  name: string,
  body: (tool: string) => void | Promise<void>,
): void {
  testWhere(test, tool === null ? `${toolName} is not installed` : null, name, () => body(tool!));
}

/**
 * Registers `name` as a test that runs where `missing` is null, or as skipped with that reason
 * printed: failed where tools are required (XKBENCH_REQUIRE_TOOLS), unless what is missing is
 * nothing an install could bring (`installable` false: a feature of the machine's kernel).
 */
export function testWhere(test: Test, missing: string | null, name: string, body: () => void | Promise<void>, installable = true): void {
  if (missing === null) {
    test(name, body);
  } else if (required() && installable) {
    test(name, () => assert.unreachable(`required here (XKBENCH_REQUIRE_TOOLS) but ${missing}`));
  } else {
    console.log(`  skipped, ${missing}: ${name}`);
    test.skip(name, () => undefined);
  }
}
