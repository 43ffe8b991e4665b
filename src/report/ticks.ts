/**
 * Axis ticks for the report's charts: round steps (1, 2 or 5 times a power of ten) in the unit the
 * labels are written in, and labels with just enough decimals to tell neighbours apart. Evenly
 * splitting the data's extent gave "0 s 0 s 0 s" on a run shorter than a second. A small function
 * rather than d3-scale/d3-format: neither is installed, and the report needs only this.
 */
export interface Axis {
  /** The axis range: the data's extent widened to whole steps. */
  domain: [number, number];
  ticks: number[];
  label: (v: number) => string;
}

/** An axis for data from lo to hi (in the data's own unit: milliseconds, bytes, a count). */
export type AxisScale = (lo: number, hi: number) => Axis;

const EPSILON = 1e-9;

/** The round step (1, 2, 5 x 10^k) that cuts lo..hi into about `count` intervals. */
export function niceStep(lo: number, hi: number, count = 4): number {
  const raw = (hi - lo) / count;
  if (!(raw > 0) || !Number.isFinite(raw)) return 1;
  const power = 10 ** Math.floor(Math.log10(raw) + EPSILON);
  const fraction = raw / power;
  // The nearest of 1, 2, 5, 10 on a log scale (the thresholds d3's ticks use).
  const nice = fraction >= Math.sqrt(50) ? 10 : fraction >= Math.sqrt(10) ? 5 : fraction >= Math.SQRT2 ? 2 : 1;
  return nice * power;
}

/** Decimals that write every multiple of `step` exactly (0.2 -> 1, 0.05 -> 2, 5 -> 0). */
export function decimalsFor(step: number): number {
  return Math.max(0, -Math.floor(Math.log10(step) + EPSILON));
}

/** The domain widened to whole steps, and the steps in it. A single value gets one step each side. */
export function niceTicks(lo: number, hi: number, count = 4): { domain: [number, number]; step: number; ticks: number[] } {
  const [a, b] = lo === hi ? [lo - 1, hi + 1] : [Math.min(lo, hi), Math.max(lo, hi)];
  const step = niceStep(a, b, count);
  const first = Math.floor(a / step + EPSILON);
  const last = Math.ceil(b / step - EPSILON);
  const decimals = decimalsFor(step);
  // Multiples of the step, rounded to its decimals (no 0.30000000000000004).
  const ticks = Array.from({ length: last - first + 1 }, (_, i) => +((first + i) * step).toFixed(decimals));
  return { domain: [ticks[0]!, ticks[ticks.length - 1]!], step, ticks };
}

/** An axis whose labels are `value / unit` with a suffix, e.g. milliseconds written in seconds. */
function scaledAxis(unit: number, suffix: string, lo: number, hi: number): Axis {
  const t = niceTicks(lo / unit, hi / unit);
  const decimals = decimalsFor(t.step);
  return {
    domain: [t.domain[0] * unit, t.domain[1] * unit],
    ticks: t.ticks.map((v) => v * unit),
    label: (v) => `${(v / unit).toFixed(decimals)}${suffix}`,
  };
}

/** Time since the run's start, in milliseconds; labels in ms below 1 s of range, else seconds. */
export const offsetAxis: AxisScale = (lo, hi) =>
  Math.max(Math.abs(lo), Math.abs(hi)) < 1000 ? scaledAxis(1, ' ms', lo, hi) : scaledAxis(1000, ' s', lo, hi);

const BYTE_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'] as const;

/** Byte offsets and sizes: binary units (like formatBytes), whole bytes at the smallest. */
export const bytesAxis: AxisScale = (lo, hi) => {
  const top = Math.max(Math.abs(lo), Math.abs(hi));
  let i = 0;
  while (i < BYTE_UNITS.length - 1 && top >= 1024 ** (i + 1)) i += 1;
  if (i > 0) return scaledAxis(1024 ** i, ` ${BYTE_UNITS[i]}`, lo, hi);
  // Under 1 KiB: whole bytes only (no "0.5 B").
  const t = niceTicks(lo, hi);
  const step = Math.max(1, t.step);
  const first = Math.floor(Math.min(lo, hi) / step);
  const last = Math.max(first + 1, Math.ceil(Math.max(lo, hi) / step));
  const ticks = Array.from({ length: last - first + 1 }, (_, k) => (first + k) * step);
  return { domain: [ticks[0]!, ticks[ticks.length - 1]!], ticks, label: (v) => `${v} B` };
};

/** Plain numbers (counts): whole steps at least 1 apart once the range is wider than a few units. */
export const countAxis: AxisScale = (lo, hi) => {
  const t = niceTicks(lo, hi);
  const decimals = decimalsFor(t.step);
  return { domain: t.domain, ticks: t.ticks, label: (v) => v.toFixed(decimals) };
};
