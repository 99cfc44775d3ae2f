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
  if (tool !== null) {
    test(name, () => body(tool));
  } else if (required()) {
    test(name, () => assert.unreachable(`${toolName} is required here (XKBENCH_REQUIRE_TOOLS) but not installed`));
  } else {
    console.log(`  skipped, ${toolName} is not installed: ${name}`);
    test.skip(name, () => undefined);
  }
}
