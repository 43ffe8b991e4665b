import { summarize } from './stats.js';
import type { Summary } from './stats.js';
import type { RunResults } from './report.js';

/**
 * Every fs-interposer variant against the references (passthrough_hp, native), pair by pair: throughput of repetition
 * k of the variant over repetition k of passthrough_hp (and of native), the median with the
 * lowest and highest pair, and the geometric mean of the medians over the run's workloads. This
 * is how issue 17's goals are stated ("-o exclusive >= 1.0x passthrough_hp on every workload,
 * geometric mean >= 1.2x"; "-o passthrough >= 0.95x native on reads"), and the medians of
 * unpaired columns in the table above can differ from it on a noisy machine.
 */
export function againstReferencesTable(r: RunResults, references: readonly string[]): string[] {
  const refs = references.filter((s) => r.meta.systems.includes(s));
  const variants = r.meta.systems.filter((s) => !references.includes(s));
  if (refs.length === 0 || variants.length === 0) return [];
  const span = (s: Summary): string => (s.n === 0 ? 'n/a' : `${s.median.toFixed(2)} (${s.min.toFixed(2)}–${s.max.toFixed(2)})`);
  const head = ['workload', ...variants.flatMap((v) => refs.map((ref) => `${v} x ${ref}`))];
  const lines = [
    'Against the references, pair by pair: the median of the per-repetition throughput ratios, with the',
    'lowest and highest pair; the last row is the geometric mean of the medians.',
    '',
    `| ${head.join(' | ')} |`,
    `|${head.map(() => '---').join('|')}|`,
  ];
  const medians = new Map<string, number[]>();
  for (const m of r.metrics) {
    const cells = variants.flatMap((v) => refs.map((ref) => {
      const s = pairs(r, v, ref, m.metric);
      if (s.n > 0) medians.set(`${v}/${ref}`, [...(medians.get(`${v}/${ref}`) ?? []), s.median]);
      return span(s);
    }));
    lines.push(`| ${m.title} | ${cells.join(' | ')} |`);
  }
  const geo = variants.flatMap((v) => refs.map((ref) => {
    const xs = medians.get(`${v}/${ref}`) ?? [];
    return xs.length === 0 ? 'n/a' : Math.exp(xs.reduce((a, x) => a + Math.log(x), 0) / xs.length).toFixed(2);
  }));
  lines.push(`| geometric mean | ${geo.join(' | ')} |`);
  return [...lines, ''];
}

function pairs(r: RunResults, system: string, base: string, metric: string): Summary {
  const at = (sys: string, rep: number): number =>
    r.samples.find((x) => x.system === sys && x.metric === metric && x.rep === rep)?.value ?? Number.NaN;
  const reps = [...new Set(r.samples.filter((x) => x.metric === metric).map((x) => x.rep))];
  return summarize(reps.map((k) => {
    const a = at(system, k);
    const b = at(base, k);
    return Number.isFinite(a) && Number.isFinite(b) && b > 0 ? a / b : Number.NaN;
  }));
}
