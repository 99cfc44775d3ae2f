// The documentation cannot drift: every generated file (docs/cli.md, docs/xkbench.1, the README's
// exit codes, docs/results.schema.json) is what the code makes now, every link in the Markdown
// files leads somewhere that exists (a file, and a heading for a #fragment), and every repository
// path a document names in backticks exists.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { XKBENCH } from '../bench/options.js';
import { COMMANDS, cliMarkdown, fillGeneratedBlocks, manPage } from '../bench/reference.js';
import { generatedFiles, staleFiles } from '../bench/write-docs.js';
import { packageRoot } from '../bench/version.js';
import { resultsSchemaProblems } from '../bench/validate-results.js';

const root = packageRoot;
const files = generatedFiles();

test('every generated file is what the code makes now (else: npm run docs)', () => {
  assert.equal(staleFiles(files), []);
});

test('an edited flag makes the reference stale, and regenerating makes it fresh again', () => {
  const flag = XKBENCH.flags['--seed']!;
  const before = flag.help;
  try {
    flag.help = `${before} (edited)`;
    const edited = new Map(
      [...files].map(([file]) => [file, file === 'docs/cli.md' ? cliMarkdown() : file === 'docs/xkbench.1' ? manPage() : files.get(file)!]),
    );
    assert.equal(staleFiles(edited).sort(), ['docs/cli.md', 'docs/xkbench.1']);
  } finally {
    flag.help = before;
  }
  assert.equal(staleFiles(new Map([['docs/cli.md', cliMarkdown()]])), []);
});

test('the reference names every flag of every command, with its default', () => {
  const cli = files.get('docs/cli.md')!;
  const man = files.get('docs/xkbench.1')!;
  for (const { spec } of COMMANDS) {
    assert.ok(cli.includes(`## ${spec.name}\n`), spec.name);
    for (const [flag, f] of Object.entries(spec.flags)) {
      assert.ok(cli.includes(`\`${flag}`), `${spec.name} ${flag} in cli.md`);
      assert.ok(man.includes(`\\fB${flag.replace(/-/g, '\\-')}\\fR`), `${spec.name} ${flag} in xkbench.1`);
      if (f.default !== undefined) assert.ok(cli.includes(f.default.replace(/\|/g, '\\|')), `${flag}'s default in cli.md`);
    }
  }
  // The reference must read the same on every machine: no default that depends on this one.
  assert.not.match(cli, /: here \d/, 'a machine-dependent default leaked into cli.md');
  assert.not.match(man, /[^\x00-\x7f]/, 'the man page is ASCII (other characters as \\[uXXXX])');
});

test('a generated block needs its markers, and is filled between them', () => {
  const text = 'a\n<!-- BEGIN generated:x (npm run docs) -->\nold\n<!-- END generated:x -->\nb';
  assert.is(fillGeneratedBlocks(text, { x: 'new' }), 'a\n<!-- BEGIN generated:x (npm run docs) -->\nnew\n<!-- END generated:x -->\nb');
  assert.throws(() => fillGeneratedBlocks('no markers', { x: 'new' }), /markers/);
});

/** The Markdown files a reader meets: the README, docs/ and each folder's README. */
function markdownFiles(): string[] {
  const docs = fs
    .readdirSync(path.join(root, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`);
  const folders = fs
    .readdirSync(root, { withFileTypes: true })
    .filter((d) => d.isDirectory() && !d.name.startsWith('.') && d.name !== 'node_modules' && d.name !== 'dist')
    .map((d) => `${d.name}/README.md`)
    .filter((f) => fs.existsSync(path.join(root, f)));
  return ['README.md', ...docs, ...folders];
}

/** GitHub's anchor for a heading: lower case, punctuation other than - and _ dropped, spaces as -. */
function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

function anchors(file: string): Set<string> {
  const text = fs.readFileSync(path.join(root, file), 'utf8').replace(/```[\s\S]*?```/g, '');
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const m of text.matchAll(/^#{1,6} (.+)$/gm)) {
    const base = slug(m[1]!);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${n}`);
  }
  return out;
}

/** Files that runs make, which documents name but the repository does not hold. */
const MADE_BY_RUNS = new Set(['results/baseline/', 'results/ci/', 'results/ci-ab/ab.md', 'results/ci-ab/']);

/** The links of `text` (a Markdown file at `file`) that lead nowhere: a missing file, or a #fragment with no such heading. */
function brokenLinks(file: string, text: string): string[] {
  const broken: string[] = [];
  for (const m of text.replace(/```[\s\S]*?```/g, '').matchAll(/\]\(([^)\s]+)\)/g)) {
    const target = m[1]!;
    if (/^[a-z]+:/.test(target)) continue; // https:, mailto:
    const [where, fragment] = target.split('#') as [string, string | undefined];
    const resolved = where === '' ? file : path.posix.normalize(path.posix.join(path.posix.dirname(file), where));
    if (!fs.existsSync(path.join(root, resolved))) broken.push(`${file}: ${target} (no ${resolved})`);
    else if (fragment !== undefined && resolved.endsWith('.md') && !anchors(resolved).has(fragment))
      broken.push(`${file}: ${target} (no heading #${fragment} in ${resolved})`);
  }
  return broken;
}

const tops = new Set(fs.readdirSync(root).filter((name) => fs.statSync(path.join(root, name)).isDirectory()));

/** The repository paths `text` names in backticks: the first part one of the repository's folders, no placeholder or pattern. */
function namedPaths(text: string): string[] {
  return [...text.replace(/```[\s\S]*?```/g, '').matchAll(/`([^`\s]+)`/g)]
    .map((m) => m[1]!)
    .filter((named) => named.includes('/') && !/[<>*…|,()=]/.test(named) && tops.has(named.split('/')[0]!));
}

function missingPaths(text: string): string[] {
  return namedPaths(text).filter((named) => !MADE_BY_RUNS.has(named) && !fs.existsSync(path.join(root, named)));
}

test('every link in the Markdown files leads to a file that exists, and a #fragment to a heading in it', () => {
  const broken = markdownFiles().flatMap((file) => brokenLinks(file, fs.readFileSync(path.join(root, file), 'utf8')));
  assert.equal(broken, []);
});

test('every repository path the Markdown files name in backticks exists', () => {
  const texts = markdownFiles().map((file) => [file, fs.readFileSync(path.join(root, file), 'utf8')] as const);
  const checked = texts.reduce((n, [, text]) => n + namedPaths(text).length, 0);
  assert.ok(checked >= 30, `only ${checked} paths found: the pattern no longer matches the documents`);
  assert.equal(
    texts.flatMap(([file, text]) => missingPaths(text).map((named) => `${file}: ${named}`)),
    [],
  );
});

test('the checks can fail: a path, a file link and a heading that do not exist are caught', () => {
  // The file that drifted once (DES moved to cbc-records.ts), beside one that exists and a stack spec.
  assert.equal(missingPaths('see `stacks/layers/des.ts`, `stacks/layers/cbc-records.ts` and `des/tcp/md5/ip/fddi`'), [
    'stacks/layers/des.ts',
  ]);
  assert.equal(
    brokenLinks('README.md', '[a](docs/cli.md) [b](docs/nowhere.md) [c](docs/cli.md#exit-codes) [d](docs/cli.md#no-such)').length,
    2,
  );
});

test('the committed baseline conforms to the schema, and a file with a stray or missing field does not', () => {
  const baseline = JSON.parse(fs.readFileSync(path.join(root, 'bench/baseline.json'), 'utf8')) as Record<string, unknown>;
  assert.equal(resultsSchemaProblems(baseline), []);
  const stray = { ...baseline, summary: [{ ...(baseline.summary as object[])[0], meanMbsp: 1 }] };
  assert.match(resultsSchemaProblems(stray).join('; '), /meanMbsp/);
  const { meta: _meta, ...noMeta } = baseline;
  assert.match(resultsSchemaProblems(noMeta).join('; '), /meta/);
});

test.run();
