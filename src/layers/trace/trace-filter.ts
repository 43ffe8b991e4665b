import picomatch from 'picomatch';
import type { FsOp } from '../../vfs/types.js';

export interface TraceFilterOptions {
  /** Globs over volume-relative paths ('/db/**'); default: every path. */
  paths?: readonly string[];
  /**
   * Ops that get a child span; default: all but forget (the kernel sends it in bulk when it drops
   * inodes from its cache: many spans, nothing the app did). Open files get a parent either way.
   */
  ops?: readonly FsOp[];
  /** Fraction of open-file sessions and of metadata ops traced, 0..1 (default 1). */
  sampleRatio?: number;
  /** Injected for seeded, replayable sampling. */
  random?: () => number;
}

export interface TraceFilter {
  path(path: string): boolean;
  op(op: FsOp): boolean;
  /** One sampling decision (per open-file session, or per metadata op). */
  sample(): boolean;
}

/**
 * Decides what the trace layer records. Sampling is done here rather than by the SDK's sampler
 * because an unsampled file must cost a map lookup, not a non-recording span per op.
 */
export function createTraceFilter(options: TraceFilterOptions = {}): TraceFilter {
  const globs = options.paths ?? [];
  const matchPath = globs.length === 0 ? () => true : picomatch([...globs], { dot: true });
  const ops = options.ops === undefined ? undefined : new Set<FsOp>(options.ops);
  const ratio = options.sampleRatio ?? 1;
  const random = options.random ?? Math.random;
  return {
    path: (path) => matchPath(path),
    op: (op) => (ops === undefined ? op !== 'forget' : ops.has(op)),
    sample: () => ratio >= 1 || (ratio > 0 && random() < ratio),
  };
}

/**
 * The share of the metadata requests the reader threads may answer (LOOKUP, GETATTR, GETXATTR,
 * UNLINK, SETATTR) that the trace layer samples (Layer.readerMetaSample): 0 when its ops filter names
 * none of them, the sample ratio when it is below 1; none when it traces every one of them or
 * filters by path (the readers see no paths).
 */
export function readerShareOf(o: TraceFilterOptions): number | undefined {
  if ((o.paths ?? []).length > 0) return undefined;
  const metaOps = (['lookup', 'getattr', 'getxattr', 'unlink', 'setattr'] as const).some(
    (op) => o.ops?.includes(op) ?? true,
  );
  if (!metaOps) return 0;
  const ratio = o.sampleRatio ?? 1;
  return ratio < 1 ? Math.max(0, ratio) : undefined;
}
