// The report's charts as vega-lite specifications, rendered to SVG in Node (vega's headless
// View.toSVG: no browser, no canvas). Throughput and speedup against workers per stack with PLP
// and CLP side by side and the ideal line (the paper's Fig. 3–10), the latency breakdown as
// stacked bars (Tables 1–2), the sampled packet latency by percentile (chart-latency.ts), and the
// connection sweep (Fig. 11) when a run has one.

import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { stackShape } from '../stacks/spec.js';
import { type SummaryRow, lockDesignOf, otherLock } from './rows.js';
import { spectrumOf, spectrumSpec } from './chart-latency.js';
import { loadLatencyPoints, loadLatencySpec } from './chart-load-latency.js';
import { loadText } from './report-open-loop.js';

export interface ChartSpec {
  /** File name without .svg: letters, digits and dashes. */
  name: string;
  title: string;
  /** The chart in words, for a reader who cannot see it (alt text, aria-label). */
  description: string;
  spec: TopLevelSpec;
}

export interface RenderedChart {
  name: string;
  title: string;
  description: string;
  svg: string;
}

/** A figure for the text alternatives: three significant digits. */
function figure(x: number): string {
  return Math.abs(x) >= 100 ? x.toFixed(0) : Number(x.toPrecision(3)).toString();
}

/** Points as words: per panel and series, x → y pairs ("send: plp 1 → 1, 2 → 1.47; …"). */
function describePoints(values: readonly Record<string, unknown>[], panel: string, series: string, x: string, y: string): string {
  const panels = new Map<string, Map<string, string[]>>();
  for (const v of values) {
    if (typeof v[y] !== 'number') continue;
    const p = String(v[panel]);
    const lines = panels.get(p) ?? panels.set(p, new Map()).get(p)!;
    const name = String(v[series]);
    lines.set(name, [...(lines.get(name) ?? []), `${v[x]} → ${figure(v[y] as number)}`]);
  }
  return [...panels]
    .map(([p, lines]) => `${p}: ${[...lines].map(([name, points]) => `${name} ${points.join(', ')}`).join('; ')}`)
    .join('. ');
}

const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';
const PANEL = { width: 280, height: 200 };

function slug(text: string): string {
  return text.replace(/[^A-Za-z0-9]+/g, '-').replace(/^-|-$/g, '');
}

/** The line a row belongs to: its mode (and lock scope), with crypto or connections when a run varies them. */
function seriesOf(rows: readonly SummaryRow[]): (s: SummaryRow) => string {
  const cryptos = new Set(rows.map((s) => s.crypto)).size > 1;
  const connections = new Set(rows.filter((s) => s.mode === 'clp').map((s) => s.connections)).size > 1;
  const sizes = new Set(rows.map((s) => s.packetSize)).size > 1;
  return (s) => {
    const mode = s.dispatch ?? (otherLock(s) ? `plp (${lockDesignOf(s)} lock)` : s.mode);
    const size = sizes ? ` ${s.packetSize} B` : '';
    const crypto = cryptos ? ` [${s.crypto}]` : '';
    return `${mode}${size}${crypto}${connections && s.mode === 'clp' ? ` ${s.connections} conns` : ''}`;
  };
}

function throughputChart(stack: string, rows: readonly SummaryRow[]): ChartSpec {
  const series = seriesOf(rows);
  const x = { field: 'workers', type: 'quantitative', title: 'workers', axis: { tickMinStep: 1 } } as const;
  const values = rows.map((s) => ({
    side: s.side,
    workers: s.workers,
    series: series(s),
    mbps: s.meanMbps,
    low: s.ci90Low ?? s.meanMbps,
    high: s.ci90High ?? s.meanMbps,
  }));
  return {
    name: `throughput-${slug(stack)}`,
    title: `${stack}: throughput against workers`,
    description: `${stack}, Mbit/s against workers. ${describePoints(values, 'side', 'series', 'workers', 'mbps')}.`,
    spec: {
      $schema: SCHEMA,
      title: `${stack}: throughput (Mbit/s, 90% interval)`,
      data: { values },
      facet: { column: { field: 'side', type: 'nominal', title: null, sort: ['send', 'recv'] } },
      spec: {
        ...PANEL,
        layer: [
          {
            mark: { type: 'line', point: true },
            encoding: {
              x,
              y: { field: 'mbps', type: 'quantitative', title: 'Mbit/s' },
              color: { field: 'series', type: 'nominal', title: null, legend: { labelLimit: 320 } },
            },
          },
          {
            mark: 'rule',
            encoding: { x, y: { field: 'low', type: 'quantitative' }, y2: { field: 'high' }, color: { field: 'series', type: 'nominal' } },
          },
        ],
      },
    },
  };
}

function speedupChart(stack: string, rows: readonly SummaryRow[]): ChartSpec {
  const series = seriesOf(rows);
  const values: Record<string, unknown>[] = rows
    .filter((s) => s.speedup !== null)
    .map((s) => ({ side: s.side, workers: s.workers, series: series(s), speedup: s.speedup, low: s.speedupLow, high: s.speedupHigh }));
  for (const side of new Set(rows.map((s) => s.side))) {
    for (const workers of new Set(rows.map((s) => s.workers)))
      values.push({ side, workers, series: 'ideal (linear)', speedup: workers, low: workers, high: workers });
  }
  const x = { field: 'workers', type: 'quantitative', title: 'workers', axis: { tickMinStep: 1 } } as const;
  return {
    name: `speedup-${slug(stack)}`,
    title: `${stack}: speedup against workers`,
    description: `${stack}, speedup against workers. ${describePoints(
      values.filter((v) => v.series !== 'ideal (linear)'),
      'side',
      'series',
      'workers',
      'speedup',
    )}. Ideal: the worker count.`,
    spec: {
      $schema: SCHEMA,
      title: `${stack}: speedup (throughput ÷ 1 worker, 90% interval)`,
      data: { values },
      facet: { column: { field: 'side', type: 'nominal', title: null, sort: ['send', 'recv'] } },
      spec: {
        ...PANEL,
        layer: [
          {
            mark: { type: 'line', point: true },
            encoding: {
              x,
              y: { field: 'speedup', type: 'quantitative', title: 'speedup' },
              color: { field: 'series', type: 'nominal', title: null, legend: { labelLimit: 320 } },
              strokeDash: { condition: { test: "datum.series === 'ideal (linear)'", value: [4, 4] }, value: [1, 0] },
            },
          },
          {
            mark: 'rule',
            encoding: { x, y: { field: 'low', type: 'quantitative' }, y2: { field: 'high' }, color: { field: 'series', type: 'nominal' } },
          },
        ],
      },
    },
  };
}

/**
 * A stack's µs per packet split as the paper's tables do: the largest measured stack it is built
 * on (TCP/IP, then TCP/MD5/IP, ...) and, on top, the increment its extra layers add.
 */
export function latencyComponents(
  rows: readonly SummaryRow[],
): { stack: string; side: string; component: string; us: number; order: number }[] {
  const out: { stack: string; side: string; component: string; us: number; order: number }[] = [];
  for (const side of new Set(rows.map((s) => s.side))) {
    const bySpec = new Map(rows.filter((s) => s.side === side).map((s) => [s.stack, s.usPerPacket]));
    const parts = (stack: string): { component: string; us: number }[] => {
      const layers = stackShape(stack).names;
      // The base: the measured stack with the most layers that this one contains, in order.
      let base: readonly string[] | null = null;
      for (const other of bySpec.keys()) {
        const candidate = stackShape(other).names;
        if (candidate.length < layers.length && isSubsequence(candidate, layers) && (base === null || candidate.length > base.length))
          base = candidate;
      }
      if (base === null) return [{ component: stack, us: bySpec.get(stack)! }];
      const baseSpec = base.join('/');
      const added = layers.filter((l) => !base!.includes(l)).join('/');
      return [...parts(baseSpec), { component: `+ ${added}`, us: Math.max(0, bySpec.get(stack)! - bySpec.get(baseSpec)!) }];
    };
    for (const stack of bySpec.keys()) parts(stack).forEach((p, order) => out.push({ stack, side, ...p, order }));
  }
  return out;
}

function isSubsequence(short: readonly string[], long: readonly string[]): boolean {
  let i = 0;
  for (const layer of long) if (i < short.length && short[i] === layer) i++;
  return i === short.length;
}

/**
 * The latency breakdown, a panel per stack with a y scale of its own (3DES's thousands of µs would
 * flatten TCP/IP's few), send and receive side by side in each, the increments stacked on their base.
 */
function latencyChart(group: string, rows: readonly SummaryRow[]): ChartSpec {
  const values = latencyComponents(rows);
  const stacks = [...new Set(rows.map((s) => s.stack))].sort(
    (a, b) => (rows.find((s) => s.stack === a)?.usPerPacket ?? 0) - (rows.find((s) => s.stack === b)?.usPerPacket ?? 0),
  );
  const totals = stacks.map(
    (stack) =>
      `${stack} ${['send', 'recv']
        .map((side) => rows.find((s) => s.stack === stack && s.side === side))
        .filter((s) => s !== undefined)
        .map((s) => `${s!.side} ${figure(s!.usPerPacket)}`)
        .join(', ')}`,
  );
  return {
    name: `latency-${slug(group)}`,
    title: `Latency breakdown, ${group}`,
    description:
      `µs per packet at one worker, ${group}: ${totals.join('; ')}. Each bar is the stack below it plus the ` +
      `increment of its extra layers.`,
    spec: {
      $schema: SCHEMA,
      title: `Latency breakdown (µs per packet at 1 worker), ${group}: each panel its own scale`,
      data: { values },
      facet: { column: { field: 'stack', type: 'nominal', title: null, sort: stacks, header: { labelAngle: 0, labelLimit: 0 } } },
      spec: {
        width: 120,
        height: PANEL.height,
        mark: 'bar',
        encoding: {
          x: { field: 'side', type: 'nominal', title: null, sort: ['send', 'recv'], axis: { labelAngle: 0 } },
          y: { field: 'us', type: 'quantitative', title: 'µs per packet', stack: 'zero' },
          color: { field: 'component', type: 'nominal', title: 'part', legend: { labelLimit: 320 } },
          order: { field: 'order', type: 'quantitative' },
          tooltip: [{ field: 'stack' }, { field: 'side' }, { field: 'component' }, { field: 'us', format: '.2f' }],
        },
      },
      resolve: { scale: { y: 'independent' } },
    },
  };
}

/** The overview's rows: PLP (state lock) and CLP (processor-per-connection), each line at its first connection count. */
function overviewRows(summary: readonly SummaryRow[]): SummaryRow[] {
  const candidates = summary.filter(
    (s) =>
      s.dispatch === undefined &&
      s.clp !== 'thread-per-connection' &&
      (s.mode === 'clp' || (s.mode === 'plp' && !otherLock(s))) &&
      s.speedup !== null,
  );
  // A connection sweep has its own chart: here each line at its first connection count.
  const first = new Map<string, number>();
  const line = (s: SummaryRow) => `${s.stack}|${s.side}|${s.mode}|${s.crypto}`;
  for (const s of candidates) if (!first.has(line(s))) first.set(line(s), s.connections);
  return candidates.filter((s) => first.get(line(s)) === s.connections);
}

/** The overview's text alternative: each stack's speedups by side, PLP and CLP. */
function overviewDescription(stacks: readonly string[], values: readonly Record<string, unknown>[]): string {
  const sides = (stack: string) =>
    ['send', 'recv']
      .map((side) =>
        describePoints(
          values.filter((v) => v.stack === stack && v.side === side && v.series !== 'ideal' && v.workers !== 1),
          'side',
          'series',
          'workers',
          'speedup',
        ),
      )
      .filter((t) => t !== '')
      .join('; ');
  return `Speedup against workers, PLP and CLP against the ideal. ${stacks.map((stack) => `${stack}: ${sides(stack)}`).join('. ')}.`;
}

/**
 * The report's first chart: speedup against workers for every stack, both sides, PLP and CLP
 * beside the ideal line, as small panels on one scale (the paper's Fig. 3–10 at a glance).
 */
function overviewChart(summary: readonly SummaryRow[]): ChartSpec | null {
  const rows = overviewRows(summary);
  const workers = [...new Set(rows.map((s) => s.workers))].sort((a, b) => a - b);
  if (workers.length < 2) return null;
  const cryptos = new Set(rows.map((s) => s.crypto)).size > 1;
  const stackOf = (s: SummaryRow) => `${s.stack}${cryptos ? ` [${s.crypto}]` : ''}`;
  const values: Record<string, unknown>[] = rows.map((s) => ({
    stack: stackOf(s),
    side: s.side,
    workers: s.workers,
    series: s.mode.toUpperCase(),
    speedup: s.speedup,
  }));
  const panels = new Set(rows.map((s) => `${stackOf(s)}|${s.side}`));
  for (const panel of panels) {
    const [stack, side] = panel.split('|');
    for (const w of workers) values.push({ stack, side, workers: w, series: 'ideal', speedup: w });
  }
  const stacks = [...new Set(rows.map(stackOf))];
  const x = {
    field: 'workers',
    type: 'quantitative',
    title: 'workers',
    axis: { tickMinStep: 1 },
    scale: workers[workers.length - 1]! > 8 ? { type: 'log' as const, base: 2 } : {},
  } as const;
  return {
    name: 'overview',
    title: 'Speedup at a glance: PLP, CLP and ideal for each stack and side',
    description: overviewDescription(stacks, values),
    spec: {
      $schema: SCHEMA,
      title: 'Speedup (throughput ÷ 1 worker) against workers',
      data: { values },
      facet: {
        row: { field: 'side', type: 'nominal', title: null, sort: ['send', 'recv'] },
        column: { field: 'stack', type: 'nominal', title: null, sort: stacks, header: { labelLimit: 180 } },
      },
      spec: {
        width: 150,
        height: 110,
        mark: { type: 'line', point: true },
        encoding: {
          x,
          y: { field: 'speedup', type: 'quantitative', title: 'speedup' },
          color: {
            field: 'series',
            type: 'nominal',
            title: null,
            scale: { domain: ['PLP', 'CLP', 'ideal'], range: ['#1f77b4', '#ff7f0e', '#999999'] },
          },
          strokeDash: { condition: { test: "datum.series === 'ideal'", value: [4, 4] }, value: [1, 0] },
        },
      },
    },
  };
}

/** What a connections chart plots: its name, titles and y axis. */
interface ConnectionPlot {
  name: string;
  what: string;
  title: string;
  y: { title: string; scale: { type?: 'log'; domain?: number[]; zero?: boolean } };
}
type ConnectionField = 'mbps' | 'fairness' | 'cpu' | 'memory';
const CONNECTION_FIELDS: Record<ConnectionField, ConnectionPlot> = {
  mbps: {
    name: 'connections',
    what: 'Mbit/s',
    title: 'Throughput against connections (Mbit/s)',
    y: { title: 'Mbit/s', scale: { type: 'log' } },
  },
  fairness: {
    name: 'fairness-connections',
    what: "Jain's fairness index",
    title: "Fairness between connections (Jain's index)",
    y: { title: "Jain's index", scale: { domain: [0, 1] } },
  },
  cpu: {
    name: 'cpu-connections',
    what: 'CPU µs per packet',
    title: 'CPU per packet against connections (µs)',
    y: { title: 'CPU µs per packet', scale: { zero: true } },
  },
  memory: {
    name: 'memory-connections',
    what: 'KiB a connection (RSS growth)',
    title: 'Memory a connection adds (KiB, RSS growth)',
    y: { title: 'KiB a connection', scale: { type: 'log' } },
  },
};

/** The paper's Fig. 11: CLP against connections, one line per stack and policy (processor-per-connection with its workers). */
function connectionsChart(rows: readonly SummaryRow[], field: ConnectionField): ChartSpec {
  const plotted = CONNECTION_FIELDS[field];
  // Colour the stack, dash the policy: eight long names in one legend would be cut short.
  const stack = (s: SummaryRow) => `${s.stack}${s.crypto === 'cryptojs' ? '' : ` [${s.crypto}]`}`;
  const policy = (s: SummaryRow) =>
    s.mode !== 'clp'
      ? `${s.mode} ×${s.workers}`
      : s.clp === 'thread-per-connection'
        ? 'thread-per-connection'
        : `processor-per-connection ×${s.workers}`;
  const values = rows.map((s) => ({
    side: s.side,
    connections: s.connections,
    stack: stack(s),
    policy: policy(s),
    series: `${stack(s)} ${policy(s)}`,
    mbps: s.meanMbps,
    fairness: s.fairness ?? null,
    cpu: s.cpuUsPerPacket ?? null,
    memory: s.connectionKiB ?? null,
  }));
  return {
    name: plotted.name,
    title: plotted.title.replace(/ \(.*\)$/, ''),
    description: `${plotted.what} against connections. ${describePoints(values, 'side', 'series', 'connections', field)}.`,
    spec: {
      $schema: SCHEMA,
      title: plotted.title,
      data: { values },
      facet: { column: { field: 'side', type: 'nominal', title: null, sort: ['send', 'recv'] } },
      spec: {
        ...PANEL,
        mark: { type: 'line', point: true },
        encoding: {
          x: { field: 'connections', type: 'quantitative', scale: { type: 'log' }, title: 'connections' },
          y: { field, type: 'quantitative', ...plotted.y },
          color: { field: 'stack', type: 'nominal', title: 'stack', legend: { labelLimit: 320 } },
          strokeDash: { field: 'policy', type: 'nominal', title: 'policy', legend: DASH_LEGEND },
          detail: { field: 'series', type: 'nominal' },
        },
      },
    },
  };
}

/**
 * A legend of dashes: vega-lite leaves a strokeDash legend's symbols without a stroke (invisible)
 * and its Legend type has no `encode`, which vega itself honours.
 */
const DASH_LEGEND = {
  labelLimit: 320,
  symbolType: 'stroke',
  symbolStrokeWidth: 2,
  symbolSize: 400,
  encode: { symbols: { update: { stroke: { value: '#444' } } } },
} as unknown as { labelLimit: number };

/** Rows of a connection sweep: those whose stack, side, mode, policy and crypto were measured at more than one connection count. */
function connectionSweep(summary: readonly SummaryRow[]): SummaryRow[] {
  const key = (s: SummaryRow) =>
    [
      s.stack,
      s.side,
      s.mode,
      s.clp ?? '',
      s.clp === 'thread-per-connection' ? '' : s.workers,
      s.crypto,
      lockDesignOf(s) ?? '',
      s.loss ?? '',
    ].join('|');
  const counts = new Map<string, Set<number>>();
  for (const s of summary) if (s.dispatch === undefined) counts.set(key(s), (counts.get(key(s)) ?? new Set()).add(s.connections));
  return summary.filter((s) => s.dispatch === undefined && counts.get(key(s))!.size > 1);
}

/** Every chart the summary has data for. */
export function chartSpecs(summary: readonly SummaryRow[]): ChartSpec[] {
  const overview = overviewChart(summary);
  const charts: ChartSpec[] = overview !== null ? [overview] : [];
  // Thread-per-connection has no worker sweep (its threads are its connections): it is in Fig. 11's chart.
  const parallel = summary.filter((s) => s.mode !== 'single' && s.clp !== 'thread-per-connection');
  for (const stack of new Set(parallel.map((s) => s.stack))) {
    const rows = parallel.filter((s) => s.stack === stack);
    // A connection sweep belongs to its own chart; here, each mode at its first connection count.
    const firstConnections = new Map<string, number>();
    for (const s of rows) if (!firstConnections.has(s.mode)) firstConnections.set(s.mode, s.connections);
    const lines = rows.filter((s) => s.connections === firstConnections.get(s.mode));
    if (new Set(lines.map((s) => s.workers)).size < 2) continue;
    charts.push(throughputChart(stack, lines), speedupChart(stack, lines));
  }
  const groups = new Map<string, SummaryRow[]>();
  for (const s of summary.filter((row) => row.workers === 1 && row.dispatch === undefined)) {
    const key =
      `${s.crypto}, ${s.mode}${otherLock(s) ? ` (${lockDesignOf(s)} lock)` : ''}, ${s.connections} ` +
      `connection${s.connections === 1 ? '' : 's'}`;
    groups.set(key, [...(groups.get(key) ?? []), s]);
  }
  for (const [key, rows] of groups) charts.push(latencyChart(key, rows));
  for (const stack of new Set(summary.filter((s) => s.latency !== undefined).map((s) => s.stack)))
    charts.push(
      spectrumChart(
        stack,
        summary.filter((s) => s.stack === stack && s.latency !== undefined),
      ),
    );
  const sweep = connectionSweep(summary);
  if (sweep.length > 0) charts.push(connectionsChart(sweep, 'mbps'));
  if (sweep.some((s) => s.fairness !== undefined))
    charts.push(
      connectionsChart(
        sweep.filter((s) => s.fairness !== undefined),
        'fairness',
      ),
    );
  if (sweep.some((s) => s.cpuUsPerPacket !== undefined))
    charts.push(
      connectionsChart(
        sweep.filter((s) => s.cpuUsPerPacket !== undefined),
        'cpu',
      ),
    );
  if (sweep.some((s) => s.connectionKiB !== undefined))
    charts.push(
      connectionsChart(
        sweep.filter((s) => s.connectionKiB !== undefined),
        'memory',
      ),
    );
  return charts;
}

/** A stack's packet latency by percentile (chart-latency.ts), a line per mode and worker count. */
function spectrumChart(stack: string, rows: readonly SummaryRow[]): ChartSpec {
  const series = seriesOf(rows);
  const points = rows.flatMap((s) => spectrumOf(s, `${series(s)} ×${s.workers}`));
  const words = rows
    .map((s) => {
      const l = s.latency!;
      return `${s.side} ${series(s)} ×${s.workers}: p50 ${figure(l.p50Us)}, p99 ${figure(l.p99Us)}, p99.9 ${figure(l.p999Us)} µs`;
    })
    .join('; ');
  return {
    name: `latency-spectrum-${slug(stack)}`,
    title: `${stack}: packet latency by percentile`,
    description: `${stack}, sampled packet latency against percentile (log scales). ${words}.`,
    spec: spectrumSpec(stack, points),
  };
}

/** --load: each stack's load–latency chart (chart-load-latency.ts), from the open loop's summary rows. */
export function loadLatencyChartSpecs(openLoop: readonly SummaryRow[]): ChartSpec[] {
  const timed = openLoop.filter((s) => s.latency !== undefined && s.offeredPps !== undefined);
  const charts: ChartSpec[] = [];
  for (const stack of new Set(timed.map((s) => s.stack))) {
    const rows = timed.filter((s) => s.stack === stack);
    const series = seriesOf(rows);
    const name = (s: SummaryRow) => `${series(s)}${s.mode === 'single' ? '' : ` ×${s.workers}`}`;
    const shares = rows.every((s) => s.loadFraction !== undefined);
    const points = rows.flatMap((s) => loadLatencyPoints(s, name(s)));
    const words = rows.map((s) => `${s.side} ${name(s)} at ${loadText(s)}: p99 ${figure(s.latency!.p99Us)} µs`).join('; ');
    charts.push({
      name: `load-latency-${slug(stack)}`,
      title: `${stack}: packet latency against offered load`,
      description: `${stack}, open loop: p50 and p99 packet latency against the load offered. ${words}.`,
      spec: loadLatencySpec(stack, points, shares),
    });
  }
  return charts;
}

/** Renders a chart to SVG with vega's headless renderer (no browser, no canvas). */
export async function renderChart(chart: ChartSpec): Promise<RenderedChart> {
  const view = new vega.View(vega.parse(compile(chart.spec).spec), { renderer: 'none' });
  try {
    const svg = await view.toSVG();
    return { name: chart.name, title: chart.title, description: chart.description, svg };
  } finally {
    view.finalize();
  }
}
