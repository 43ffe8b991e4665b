import { displayName } from '../vfs/names.js';
import { LATENCY_BOUNDS_US, percentileUs } from './analysis.js';
import type { RunAnalysis } from './analysis.js';
import { formatBytes, formatCount, formatMicros, formatOffsetSeconds } from './format.js';
import { barChart, esc, histogramChart, scatterChart } from './svg.js';
import { bytesAxis, offsetAxis } from './ticks.js';

export const TOP_FILES_PATTERN = 6;
export const TOP_ROWS = 20;
export const TOP_LATENCY_OPS = 9;

const section = (id: string, title: string, body: string, note = ''): string =>
  `<section id="${id}"><h2>${esc(title)}</h2>${note === '' ? '' : `<p class="note">${esc(note)}</p>`}${body}</section>`;

const empty = (what: string): string => `<p class="empty">No ${esc(what)} in this run.</p>`;

function top<T>(entries: Iterable<T>, score: (t: T) => number, n = TOP_ROWS): T[] {
  return [...entries].sort((a, b) => score(b) - score(a)).slice(0, n);
}

const injectorList = (a: RunAnalysis): string =>
  a.injectors.size === 0
    ? '-'
    : [...a.injectors]
        .sort(([x], [y]) => (x < y ? -1 : 1))
        .map(([layer, n]) => `${layer}: ${formatCount(n)}`)
        .join(', ');

export function summarySection(a: RunAnalysis): string {
  const t = a.totals;
  const span = t.ops === 0 ? 0 : a.end - a.start;
  const rows: [string, string][] = [
    ['Volume', a.volume ?? 'unknown'],
    ['Start', t.ops === 0 ? '-' : new Date(a.start).toISOString()],
    ['Duration', formatOffsetSeconds(span)],
    ['Operations', formatCount(t.ops)],
    ['Bytes read', formatBytes(t.read)],
    ['Bytes written', formatBytes(t.written)],
    [
      'Failed operations (of which injected)',
      `${formatCount(t.errors)} (${formatCount(t.injected)})`,
    ],
    ['Expected errno answers (not failures)', formatCount(t.expected)],
    ['Injected by layer', injectorList(a)],
    ['Files touched', formatCount(a.files.size)],
    ['Unreadable lines skipped', formatCount(a.skipped)],
  ];
  const body = `<table class="kv">${rows.map(([k, v]) => `<tr><th>${esc(k)}</th><td>${esc(v)}</td></tr>`).join('')}</table>`;
  return section('summary', 'Summary', body);
}

export function opMixSection(a: RunAnalysis): string {
  const bars = top(a.opMix, ([, n]) => n, 40).map(([op, n]) => ({ label: op, value: n }));
  return section(
    'op-mix',
    'Operation mix',
    bars.length === 0 ? empty('operations') : barChart({ bars, format: formatCount }),
  );
}

export function latencySection(a: RunAnalysis): string {
  const ops = top(a.latency, ([, h]) => h.reduce((s, n) => s + n, 0), TOP_LATENCY_OPS);
  const labels = [...LATENCY_BOUNDS_US.map(formatMicros), '> 10 s'];
  const cards = ops.map(([op, hist]) => {
    const p = (q: number): string => formatMicros(percentileUs(hist, q));
    const chart = histogramChart({
      bins: hist.map((value, i) => ({ label: labels[i] ?? '', value })),
    });
    return `<figure class="card"><figcaption><b>${esc(op)}</b> p50 ≤ ${esc(p(0.5))}, p95 ≤ ${esc(p(0.95))}, p99 ≤ ${esc(p(0.99))}</figcaption>${chart}</figure>`;
  });
  return section(
    'latency',
    'Latency by operation',
    cards.length === 0 ? empty('operations') : `<div class="grid">${cards.join('')}</div>`,
    'Log-spaced buckets from 1 µs to 10 s; percentiles are bucket upper bounds.',
  );
}

export function accessSection(a: RunAnalysis): string {
  const files = top(a.files.values(), (f) => f.read + f.written, TOP_FILES_PATTERN).filter(
    (f) => f.points.length > 0,
  );
  const cards = files.map((f) => {
    const pts = (write: boolean) =>
      f.points.filter((p) => p.write === write).map((p) => ({ x: p.t - a.start, y: p.off }));
    const chart = scatterChart({
      series: [
        { name: 'read', color: '#4e79a7', points: pts(false) },
        { name: 'write', color: '#e15759', points: pts(true) },
      ],
      xAxis: offsetAxis,
      yAxis: bytesAxis,
      width: 460,
      height: 200,
    });
    const thinned = f.stride > 1 ? `, 1 in ${f.stride} ops shown` : '';
    return `<figure class="card wide"><figcaption><b>${esc(displayName(f.path))}</b>: ${esc(formatBytes(f.read))} read, ${esc(formatBytes(f.written))} written${esc(thinned)}</figcaption>${chart}</figure>`;
  });
  return section(
    'access',
    'Access pattern per file (offset over time)',
    cards.length === 0 ? empty('reads or writes') : `<div class="grid">${cards.join('')}</div>`,
    `The ${TOP_FILES_PATTERN} files that moved the most bytes.`,
  );
}

export function bytesSection(a: RunAnalysis): string {
  const byFile = top(a.files.values(), (f) => f.read + f.written).filter(
    (f) => f.read + f.written > 0,
  );
  const byDir = top(a.dirs, ([, d]) => d.read + d.written).filter(
    ([, d]) => d.read + d.written > 0,
  );
  const fileChart = barChart({
    bars: byFile.map((f) => ({
      label: displayName(f.path),
      value: f.read + f.written,
      title: `${displayName(f.path)}: ${formatBytes(f.read)} read, ${formatBytes(f.written)} written`,
    })),
    format: formatBytes,
  });
  const dirChart = barChart({
    bars: byDir.map(([d, s]) => ({
      label: displayName(d),
      value: s.read + s.written,
      title: `${displayName(d)}: ${formatBytes(s.read)} read, ${formatBytes(s.written)} written`,
    })),
    format: formatBytes,
    color: '#f28e2b',
  });
  return (
    section(
      'bytes-files',
      'Bytes per file',
      byFile.length === 0 ? empty('data transfer') : fileChart,
    ) +
    section(
      'bytes-dirs',
      'Bytes per directory',
      byDir.length === 0 ? empty('data transfer') : dirChart,
    )
  );
}

const EXPECTED_NOTE =
  'Expected answers are errnos that are the normal answer of their op (ENOENT on lookup, ENODATA on getxattr, EEXIST on mkdir, ...): counted in the table, not plotted, not failures.';

function errnoTable(a: RunAnalysis): string {
  const rows = [...a.errnos.keys()].sort().map((e) => {
    const c = a.errnos.get(e)!;
    return `<tr><td>${esc(e)}</td><td>${formatCount(c.real)}</td><td>${formatCount(c.injected)}</td><td>${formatCount(c.expected)}</td></tr>`;
  });
  return `<table><tr><th>errno</th><th>failed</th><th>injected</th><th>expected answer</th></tr>${rows.join('')}</table>`;
}

export function errorSection(a: RunAnalysis): string {
  const title = 'Failures and injected faults over time';
  if (a.errnos.size === 0) return section('errors', title, empty('errors'));
  const table = errnoTable(a);
  if (a.errors.length === 0)
    return section('errors', title, empty('failures') + table, EXPECTED_NOTE);
  const errnos = [...a.errnos]
    .filter(([, c]) => c.real + c.injected > 0)
    .map(([e]) => e)
    .sort();
  const series = (injected: boolean) =>
    a.errors
      .filter((e) => e.injected === injected)
      .map((e) => ({ x: e.t - a.start, y: errnos.indexOf(e.errno) }));
  const chart = scatterChart({
    series: [
      { name: 'real', color: '#e15759', points: series(false) },
      { name: 'injected', color: '#f28e2b', points: series(true) },
    ],
    xAxis: offsetAxis,
    yCategories: errnos,
    height: Math.max(140, errnos.length * 22 + 50),
  });
  return section('errors', title, chart + table, EXPECTED_NOTE);
}

export function pidSection(a: RunAnalysis): string {
  const pids = top(a.pids, ([, p]) => p.ops);
  if (pids.length === 0) return section('pids', 'Top talkers by pid', empty('callers'));
  const chart = barChart({
    bars: pids.map(([pid, p]) => ({ label: `pid ${pid}`, value: p.ops })),
    format: formatCount,
    color: '#76b7b2',
  });
  const rows = pids.map(
    ([pid, p]) =>
      `<tr><td>${pid}</td><td>${formatCount(p.ops)}</td><td>${esc(formatBytes(p.bytes))}</td><td>${formatCount(p.errors)}</td></tr>`,
  );
  const table = `<table><tr><th>pid</th><th>ops</th><th>bytes</th><th>errors</th></tr>${rows.join('')}</table>`;
  return section(
    'pids',
    'Top talkers by pid',
    chart + table,
    'Pids are in the pid namespace of the process that mounted the volume.',
  );
}
