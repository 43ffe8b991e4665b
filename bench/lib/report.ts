import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { ratio, summarize } from './stats.js';
import type { Summary } from './stats.js';
import { againstReferencesTable } from './report-refs.js';

export interface Sample {
  system: string;
  metric: string;
  rep: number;
  value: number;
  ops: number;
  /** Server CPU seconds (user + system, all threads) spent during the measurement. */
  cpuSeconds?: number;
}

export interface MetricInfo {
  metric: string;
  unit: string;
  title: string;
}

export interface RunMeta {
  date: string;
  host: string;
  cpu: string;
  cores: number;
  memGiB: number;
  kernel: string;
  node: string;
  fio: string;
  load: string;
  mode: string;
  reps: number;
  command: string;
  systems: string[];
}

export interface RunResults {
  meta: RunMeta;
  metrics: MetricInfo[];
  samples: Sample[];
  memory: Record<string, { idleMiB: number; peakMiB: number }>;
  errors: string[];
}

/** Systems that are references, not candidates: every other system gets ratios to these. */
export const NATIVE = 'native';
export const HP = 'passthrough_hp';

export function summaryOf(r: RunResults, system: string, metric: string, key: 'value' | 'cpuPerOp'): Summary {
  const rows = r.samples.filter((s) => s.system === system && s.metric === metric);
  const vals = rows.map((s) => (key === 'value' ? s.value : s.cpuSeconds === undefined ? Number.NaN : (s.cpuSeconds / s.ops) * 1e6));
  return summarize(vals);
}

const fmt = (v: number): string =>
  !Number.isFinite(v) ? 'n/a' : v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2);
const cell = (s: Summary): string => (s.n === 0 ? 'n/a' : `${fmt(s.median)} ±${(s.spread * 50).toFixed(0)}%`);

function valueTable(r: RunResults): string[] {
  const sys = r.meta.systems;
  const candidates = sys.filter((s) => s !== NATIVE && s !== HP);
  const head = ['workload', 'unit', ...sys, ...candidates.map((c) => `${c} x native / x hp`)];
  const lines = [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`];
  for (const m of r.metrics) {
    const med = (s: string): number => summaryOf(r, s, m.metric, 'value').median;
    const cells = sys.map((s) => cell(summaryOf(r, s, m.metric, 'value')));
    const ratios = candidates.map((c) => `${fmt(ratio(med(c), med(NATIVE)))} / ${fmt(ratio(med(c), med(HP)))}`);
    lines.push(`| ${m.title} | ${m.unit} | ${[...cells, ...ratios].join(' | ')} |`);
  }
  return lines;
}

function cpuTable(r: RunResults): string[] {
  const sys = r.meta.systems.filter((s) => s !== NATIVE);
  const lines = [`| workload | ${sys.join(' | ')} |`, `|---|${sys.map(() => '---').join('|')}|`];
  for (const m of r.metrics) {
    lines.push(`| ${m.title} | ${sys.map((s) => cell(summaryOf(r, s, m.metric, 'cpuPerOp'))).join(' | ')} |`);
  }
  return lines;
}

/** Per-repetition ratios of `system` to `base` (runs are interleaved, so repetition k of each is a pair). */
function pairedRatios(r: RunResults, system: string, base: string, metric: string, key: 'value' | 'cpuPerOp'): Summary {
  const at = (sys: string, rep: number): number => {
    const s = r.samples.find((x) => x.system === sys && x.metric === metric && x.rep === rep);
    if (!s) return Number.NaN;
    return key === 'value' ? s.value : s.cpuSeconds === undefined ? Number.NaN : s.cpuSeconds / s.ops;
  };
  const reps = [...new Set(r.samples.filter((x) => x.metric === metric).map((x) => x.rep))];
  return summarize(reps.map((k) => ratio(at(system, k), at(base, k))));
}

/** The 3 % goal of an idle layer stack (issue 6), judged on paired ratios to the bare engine. */
export const IDLE_GOAL = 0.03;

function verdict(thr: Summary, cpu: Summary): string {
  if (thr.n === 0) return 'n/a';
  const cpuAgrees = Number.isFinite(cpu.median) && cpu.median <= 1 + IDLE_GOAL;
  if (thr.median >= 1 - IDLE_GOAL && cpuAgrees) return 'yes';
  if (thr.min <= 1 && thr.max >= 1 - IDLE_GOAL && cpuAgrees) return 'yes (difference below the noise floor; CPU per op agrees)';
  return cpuAgrees ? 'no (throughput)' : 'no (CPU per op)';
}

/** Every fs-interposer variant against the bare engine `fsi`, pair by pair. */
function againstBareTable(r: RunResults): string[] {
  const base = 'fsi';
  const variants = r.meta.systems.filter((s) => s !== NATIVE && s !== HP && s !== base);
  if (!r.meta.systems.includes(base) || variants.length === 0) return [];
  const lines = [
    `Against the bare engine (\`${base}\`): the median of the per-repetition ratios (runs are interleaved, so`,
    'repetition k of each system is a pair), with the lowest and highest pair. Throughput: higher is better;',
    `CPU per op: lower is better. Goal for idle layers: within ${IDLE_GOAL * 100} % of the bare engine.`,
    '',
    `| workload | system | throughput ratio (min–max) | CPU per op ratio (min–max) | no worse than ${base} by more than 3 % |`,
    '|---|---|---|---|---|',
  ];
  const span = (s: Summary): string => (s.n === 0 ? 'n/a' : `${s.median.toFixed(3)} (${s.min.toFixed(2)}–${s.max.toFixed(2)})`);
  for (const m of r.metrics) {
    for (const v of variants) {
      const thr = pairedRatios(r, v, base, m.metric, 'value');
      const cpu = pairedRatios(r, v, base, m.metric, 'cpuPerOp');
      lines.push(`| ${m.title} | ${v} | ${span(thr)} | ${span(cpu)} | ${verdict(thr, cpu)} |`);
    }
  }
  return [...lines, ''];
}

function memoryTable(r: RunResults): string[] {
  const sys = Object.keys(r.memory);
  const lines = ['| server | RSS idle (MiB) | RSS peak over the run (MiB) |', '|---|---|---|'];
  for (const s of sys) lines.push(`| ${s} | ${fmt(r.memory[s]!.idleMiB)} | ${fmt(r.memory[s]!.peakMiB)} |`);
  return lines;
}

export function renderMarkdown(r: RunResults): string {
  const m = r.meta;
  return [
    `Generated by \`${m.command}\` on ${m.date}.`,
    '',
    `Machine: ${m.cpu}, ${m.cores} cores, ${m.memGiB.toFixed(0)} GiB RAM; kernel ${m.kernel}; Node ${m.node}; ${m.fio};`,
    `load average at the start ${m.load} (the machine is shared: read the spread). Mode: ${m.mode}, ${m.reps} repetitions,`,
    'systems interleaved in a rotating order (A B C, B C A, C A B, ...), caches dropped before every measurement, the backing data',
    'warmed for read workloads (the numbers are the cost of the FUSE path, not of the disk).',
    'Each cell is the median and ± half the spread (max − min) over the repetitions; higher is better.',
    '',
    ...valueTable(r),
    '',
    'Server CPU time (user + system, all threads, from /proc/PID/stat) per workload operation, µs (lower is better):',
    '',
    ...cpuTable(r),
    '',
    ...againstReferencesTable(r, [HP, NATIVE]),
    ...againstBareTable(r),
    ...memoryTable(r),
    ...(r.errors.length ? ['', 'Failed runs:', '', ...r.errors.map((e) => `- ${e}`)] : []),
    '',
  ].join('\n');
}

/** Replace (or append) one `## heading` section of a markdown file, leaving the others alone. */
export function writeSection(file: string, heading: string, body: string): void {
  const title = '# Benchmarks\n\nEach section is owned by the tool that generates it; edit the generator, not the numbers.\n';
  const text = existsSync(file) ? readFileSync(file, 'utf8') : title;
  const lines = text.split('\n');
  const start = lines.findIndex((l) => l.trim() === `## ${heading}`);
  const section = [`## ${heading}`, '', ...body.trimEnd().split('\n'), ''];
  if (start < 0) {
    writeFileSync(file, `${text.trimEnd()}\n\n${section.join('\n')}`);
    return;
  }
  let end = lines.findIndex((l, i) => i > start && /^## /.test(l));
  if (end < 0) end = lines.length;
  writeFileSync(file, [...lines.slice(0, start), ...section, ...lines.slice(end)].join('\n'));
}
