/**
 * Inline SVG charts for the report: no script, no external resource, so the page opens from a
 * file on a machine without internet and cannot raise console errors. Every drawn datum has
 * class "mark" (the browser test counts them).
 */
import { countAxis } from './ticks.js';
import type { Axis, AxisScale } from './ticks.js';

export const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const r1 = (n: number): string => (Math.round(n * 10) / 10).toString();

export interface Bar {
  label: string;
  value: number;
  /** Tooltip; defaults to label and formatted value. */
  title?: string;
}

export interface BarChartOptions {
  bars: readonly Bar[];
  format: (n: number) => string;
  color?: string;
  width?: number;
}

export function barChart(o: BarChartOptions): string {
  const width = o.width ?? 640;
  const labelW = 240;
  const rowH = 18;
  const height = Math.max(1, o.bars.length) * rowH + 4;
  const max = Math.max(1e-9, ...o.bars.map((b) => b.value));
  const plotW = width - labelW - 90;
  const rows = o.bars.map((b, i) => {
    const y = i * rowH + 2;
    const w = Math.max(1, (b.value / max) * plotW);
    const title = esc(b.title ?? `${b.label}: ${o.format(b.value)}`);
    return (
      `<text x="${labelW - 6}" y="${y + 13}" text-anchor="end" class="lbl">${esc(clip(b.label, 38))}</text>` +
      `<rect class="mark" x="${labelW}" y="${y + 2}" width="${r1(w)}" height="${rowH - 5}" fill="${o.color ?? '#4e79a7'}"><title>${title}</title></rect>` +
      `<text x="${r1(labelW + w + 4)}" y="${y + 13}" class="val">${esc(o.format(b.value))}</text>`
    );
  });
  return `<svg viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img">${rows.join('')}</svg>`;
}

function clip(s: string, n: number): string {
  return s.length <= n ? s : `…${s.slice(s.length - n + 1)}`;
}

export interface ScatterSeries {
  name: string;
  color: string;
  points: readonly { x: number; y: number }[];
}

export interface ScatterOptions {
  series: readonly ScatterSeries[];
  xAxis: AxisScale;
  /** Numeric y axis; ignored with yCategories. */
  yAxis?: AxisScale;
  /** Categorical y axis: labels for y = 0..n-1 instead of numeric ticks. */
  yCategories?: readonly string[];
  width?: number;
  height?: number;
}

/** The data's extent (equal ends are fine: the axis widens them to whole steps). */
function extent(values: number[]): [number, number] {
  if (values.length === 0) return [0, 1];
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const v of values) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return [lo, hi];
}

/** Categories sit at y = 0..n-1, each labelled with its name. */
function yAxisOf(o: ScatterOptions, ys: number[]): Axis {
  const categories = o.yCategories;
  if (categories === undefined) return (o.yAxis ?? countAxis)(...extent(ys));
  return {
    domain: [-0.5, categories.length - 0.5],
    ticks: categories.map((_, i) => i),
    label: (v) => categories[v] ?? '',
  };
}

export function scatterChart(o: ScatterOptions): string {
  const width = o.width ?? 640;
  const height = o.height ?? 220;
  const left = o.yCategories === undefined ? 70 : 110;
  const [pl, pr, pt, pb] = [left, 24, 24, 26];
  const all = o.series.flatMap((s) => s.points);
  const xAxis = o.xAxis(...extent(all.map((p) => p.x)));
  const yAxis = yAxisOf(o, all.map((p) => p.y));
  const [x0, x1] = xAxis.domain;
  const [y0, y1] = yAxis.domain;
  const sx = (x: number): number => pl + ((x - x0) / (x1 - x0)) * (width - pl - pr);
  const sy = (y: number): number => height - pb - ((y - y0) / (y1 - y0)) * (height - pt - pb);
  const yTicks = yAxis.ticks.map((v) => [v, yAxis.label(v)] as const);
  const axes = [
    `<line x1="${pl}" y1="${height - pb}" x2="${width - pr}" y2="${height - pb}" class="axis"/>`,
    `<line x1="${pl}" y1="${pt}" x2="${pl}" y2="${height - pb}" class="axis"/>`,
    ...xAxis.ticks.map(
      (v) =>
        `<text x="${r1(sx(v))}" y="${height - 8}" text-anchor="middle" class="tick">${esc(xAxis.label(v))}</text>`,
    ),
    ...yTicks.map(
      ([v, l]) =>
        `<text x="${pl - 4}" y="${r1(sy(v) + 4)}" text-anchor="end" class="tick">${esc(l)}</text>`,
    ),
  ];
  const dots = o.series.flatMap((s) =>
    s.points.map(
      (p) =>
        `<circle class="mark" cx="${r1(sx(p.x))}" cy="${r1(sy(p.y))}" r="2" fill="${s.color}"/>`,
    ),
  );
  // Above the plot, so it never hides data; style= because the .tick class would override fill=.
  const legend = o.series
    .map(
      (s, i) =>
        `<text x="${width - pr - i * 90}" y="12" text-anchor="end" class="tick" style="fill:${s.color}">● ${esc(s.name)}</text>`,
    )
    .join('');
  return `<svg viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img">${axes.join('')}${dots.join('')}${legend}</svg>`;
}

export interface HistogramOptions {
  bins: readonly { label: string; value: number }[];
  width?: number;
  height?: number;
  color?: string;
}

/** Vertical bars with a label under every sixth bin (1 us, 100 us, 10 ms, 1 s: 1-2-5 buckets). */
export function histogramChart(o: HistogramOptions): string {
  const width = o.width ?? 300;
  const height = o.height ?? 120;
  const pb = 28;
  const bw = (width - 10) / Math.max(1, o.bins.length);
  const max = Math.max(1, ...o.bins.map((b) => b.value));
  const bars = o.bins.map((b, i) => {
    const h = (b.value / max) * (height - pb - 6);
    const x = 5 + i * bw;
    const bar =
      b.value > 0
        ? `<rect class="mark" x="${r1(x)}" y="${r1(height - pb - h)}" width="${r1(bw - 1)}" height="${r1(h)}" fill="${o.color ?? '#59a14f'}"><title>${esc(`≤ ${b.label}: ${b.value}`)}</title></rect>`
        : '';
    const label =
      i % 6 === 0
        ? `<text x="${r1(x + bw / 2)}" y="${height - 14}" text-anchor="middle" class="tick">${esc(b.label)}</text>`
        : '';
    return bar + label;
  });
  const axis = `<line x1="5" y1="${height - pb}" x2="${width - 5}" y2="${height - pb}" class="axis"/>`;
  return `<svg viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img">${axis}${bars.join('')}</svg>`;
}
