import type { Histogram } from 'prom-client';

/** One bucket of observations taken elsewhere: how many, and their summed value. */
export interface BucketCount {
  count: number;
  seconds: number;
}

interface SeriesEntry {
  labels: Record<string, string | number>;
  bucketValues: Record<string, number>;
  sum: number;
  count: number;
}

interface HistogramState {
  hashMap: Record<string, SeriesEntry>;
  upperBounds: number[];
}

function isState(h: object): h is HistogramState {
  const s = h as Partial<HistogramState>;
  return typeof s.hashMap === 'object' && s.hashMap !== null && Array.isArray(s.upperBounds);
}

function seriesOf(state: HistogramState, labels: Record<string, string>): SeriesEntry | undefined {
  const keys = Object.keys(labels);
  return Object.values(state.hashMap).find(
    (e) =>
      Object.keys(e.labels).length === keys.length &&
      keys.every((k) => String(e.labels[k]) === labels[k]),
  );
}

/**
 * Add observations counted per bucket (the histogram's upper bounds, then +Inf) to the series
 * of `labels` in O(buckets), where observing each one costs O(requests): the reader threads
 * serve hundreds of thousands of READs between two scrapes (src/vfs/reader-tap.ts).
 *
 * prom-client has no public call for it. One observation goes through `observe` (it creates the
 * series and proves its shape); the rest are added to the series entry prom-client 15 keeps
 * (per bound: the observations whose value is at most that bound and above the previous one).
 * If that entry is not where this expects it, every observation goes through `observe`, each
 * at its bucket's mean: slower, never wrong. test/unit/telemetry/histogram-buckets.test.ts holds
 * the exposition equal to one observe per request.
 */
export function addBucketCounts<L extends string>(
  h: Histogram<L>,
  labels: Record<L, string>,
  buckets: readonly BucketCount[],
): void {
  const first = buckets.findIndex((b) => b.count > 0);
  if (first < 0) return;
  const child = h.labels(labels);
  const state = isState(h) && h.upperBounds.length === buckets.length - 1 ? h : undefined;
  // Observed at the bucket's own bound, not at the mean: the mean of values that all sit on the
  // bound may round above it (ten 1 ms successes: 0.0010000000000000002) and land one bucket up.
  const firstMean = state?.upperBounds[first] ?? buckets[first]!.seconds / buckets[first]!.count;
  child.observe(firstMean);
  const entry = state && seriesOf(state, labels);
  buckets.forEach((b, i) => {
    const n = i === first ? b.count - 1 : b.count;
    if (n <= 0) return;
    const sum = i === first ? b.seconds - firstMean : b.seconds;
    if (entry === undefined || state === undefined) {
      // The mean, but never above the bucket's bound (float rounding of values on it).
      const at = Math.min(sum / n, state?.upperBounds[i] ?? Infinity);
      for (let k = 0; k < n; k++) child.observe(at);
      return;
    }
    entry.count += n;
    entry.sum += sum;
    const bound = state.upperBounds[i];
    if (bound !== undefined && Object.prototype.hasOwnProperty.call(entry.bucketValues, bound))
      entry.bucketValues[bound]! += n;
  });
}
