// Writes a run's reports from its results: the charts as .svg files in charts/, report.md linking
// them, and report.html, one self-contained page (styles and charts inline, no script, nothing
// fetched) that opens offline. A run writes them after measuring; `npm run report -- DIR`
// rebuilds them from results.json without running anything.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { Marked, type Tokens } from 'marked';
import { type RenderedChart, chartSpecs, loadLatencyChartSpecs, renderChart } from './charts.js';
import type { Comparison } from './compare.js';
import { toActionBenchmark, toThroughputBenchmark } from './github-benchmark.js';
import { writeAtomic } from './output.js';
import { renderReport } from './report.js';
import type { ResultsFile } from './schema.js';
import { perfectWire } from './rows.js';

export const CHARTS_FOLDER = 'charts';

const STYLE = `
body { font: 14px/1.45 system-ui, sans-serif; margin: 2em auto; max-width: 1200px; padding: 0 1em; color: #222; }
table { border-collapse: collapse; margin: 0.8em 0; font-size: 13px; }
th, td { border: 1px solid #ccc; padding: 3px 7px; }
th { background: #f3f3f3; }
code { background: #f5f5f5; padding: 1px 4px; }
figure { margin: 1.2em 0; }
figcaption { color: #555; font-size: 13px; }
details.section > summary { cursor: pointer; }
details.section > summary > h2 { display: inline; }
`;

/** report.md turned into one HTML page, each chart's image link replaced by the SVG itself. */
export function renderHtml(markdown: string, charts: readonly RenderedChart[]): string {
  const byFile = new Map(charts.map((c) => [`${CHARTS_FOLDER}/${c.name}.svg`, c]));
  const marked = new Marked({
    renderer: {
      image(token: Tokens.Image): string {
        const chart = byFile.get(token.href);
        if (chart === undefined) return `<img src="${escapeHtml(token.href)}" alt="${escapeHtml(token.text)}">`;
        // The chart's text alternative (its description, the Markdown's alt text) on the SVG itself.
        const svg = chart.svg.replace(/^<svg /, `<svg role="img" aria-label="${escapeHtml(chart.description)}" `);
        return `<figure id="${chart.name}" class="chart">${svg}<figcaption>${escapeHtml(chart.title)}</figcaption></figure>`;
      },
    },
  });
  const body = collapsible(marked.parse(markdown, { async: false }));
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>xkbench results</title>
<style>${STYLE}</style>
</head>
<body>
${body}
</body>
</html>
`;
}

/**
 * The page leads with its findings; every section after them folds into a <details> whose summary
 * is the section's heading, so the tables are a click away and do not push the findings down.
 */
export function collapsible(html: string): string {
  const parts = html.split(/(?=<h2[ >])/);
  const findings = parts.findIndex((p) => /^<h2[^>]*>Findings<\/h2>/.test(p));
  return parts
    .map((part, i) => {
      const heading = /^(<h2[^>]*>[\s\S]*?<\/h2>)([\s\S]*)$/.exec(part);
      if (heading === null || i <= findings) return part;
      return `<details class="section"><summary>${heading[1]}</summary>${heading[2]}</details>\n`;
    })
    .join('');
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Renders the charts and writes charts/*.svg, report.md and report.html into `out`. Answers the files. */
export async function writeReports(out: string, results: ResultsFile, comparison: Comparison | null = null): Promise<string[]> {
  const charts: RenderedChart[] = [];
  for (const spec of chartSpecs(perfectWire(results.summary))) charts.push(await renderChart(spec));
  for (const spec of loadLatencyChartSpecs(results.openLoop?.summary ?? [])) charts.push(await renderChart(spec));
  const folder = path.join(out, CHARTS_FOLDER);
  fs.mkdirSync(folder, { recursive: true });
  const names = new Set(charts.map((c) => `${c.name}.svg`));
  // A rebuild leaves no chart behind that the results no longer have.
  for (const file of fs.readdirSync(folder)) if (file.endsWith('.svg') && !names.has(file)) fs.rmSync(path.join(folder, file));
  for (const c of charts) writeAtomic(path.join(folder, `${c.name}.svg`), `${c.svg}\n`);
  const markdown = renderReport(results.summary, results.meta, {
    charts: charts.map((c) => ({ name: c.name, title: c.title, description: c.description })),
    calibration: results.calibration ?? [],
    failures: results.failures ?? [],
    comparison,
    runs: results.runs,
    ...(results.connectionMemory ? { connectionMemory: results.connectionMemory } : {}),
    ...(results.openLoop ? { openLoop: results.openLoop.summary } : {}),
    ...(results.pairedRatios ? { pairedRatios: results.pairedRatios } : {}),
    targetCiPercent: (results.meta.precision as { targetCiPercent?: number | null } | undefined)?.targetCiPercent ?? null,
  });
  writeAtomic(path.join(out, 'report.md'), markdown);
  writeAtomic(path.join(out, 'report.html'), renderHtml(markdown, charts));
  return ['report.md', 'report.html', ...charts.map((c) => `${CHARTS_FOLDER}/${c.name}.svg`)];
}

/** comparison.json (with --compare) and the --format files. Answers their names. */
export function writeExtras(out: string, results: ResultsFile, comparison: Comparison | null, formats: readonly string[]): string[] {
  const written: string[] = [];
  if (comparison !== null) {
    writeAtomic(path.join(out, 'comparison.json'), `${JSON.stringify(comparison, null, 2)}\n`);
    written.push('comparison.json');
  }
  if (formats.includes('github-action-benchmark')) {
    writeAtomic(path.join(out, 'github-action-benchmark.json'), `${JSON.stringify(toActionBenchmark(results), null, 2)}\n`);
    writeAtomic(path.join(out, 'github-action-benchmark-throughput.json'), `${JSON.stringify(toThroughputBenchmark(results), null, 2)}\n`);
    written.push('github-action-benchmark.json', 'github-action-benchmark-throughput.json');
  }
  return written;
}
