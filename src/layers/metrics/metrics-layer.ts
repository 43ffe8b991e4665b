import type { Registry } from 'prom-client';
import { errnoNameOf, injectedBy } from '../../vfs/errors.js';
import type { FsOp, Layer, OpCall, OpResultMap } from '../../vfs/types.js';
import { systemClock } from '../../vfs/clock.js';
import type { Clock } from '../../vfs/clock.js';
import { getFsMetrics } from '../../telemetry/fs-metrics.js';
import type { FsMetrics } from '../../telemetry/fs-metrics.js';
import { classifyErrno, outcomeOfError } from '../../telemetry/outcome.js';
import { onCollect } from '../../telemetry/fs-metrics.js';
import { addBucketCounts } from '../../telemetry/histogram-buckets.js';
import { TAP_OPS, takeTap } from '../../vfs/reader-tap.js';
import { createOpTally } from './op-tally.js';

export interface MetricsLayerOptions {
  registry: Registry;
  /** The `volume` label (the Pod's volume name, or the mountpoint's base name in local mode). */
  volume: string;
  clock?: Clock;
  /**
   * The reader tap of the mount (src/vfs/reader-tap.ts): READ/WRITE/FLUSH/FSYNC that the readers
   * serve themselves are counted there and folded in at every scrape, so this layer keeps the
   * data path off the main thread (ADR 0076).
   */
  readerTap?: SharedArrayBuffer;
}

interface OpChildren {
  ok: { inc(n?: number): void };
  expected: { inc(n?: number): void };
  duration: { observe(v: number): void };
}

/** Add a delta to a gauge child (prom-client's inc takes no negative value). */
const add = (g: { inc(n?: number): void; dec(n?: number): void }, d: number): void => {
  if (d > 0) g.inc(d);
  else if (d < 0) g.dec(-d);
};

/**
 * Counts every op that passes, with its latency, bytes and result. This runs on every FUSE
 * request the main thread serves: a success is counted in plain numbers (op-tally.ts) and taken
 * into the instruments at a scrape, with what the reader threads counted in the reader tap; a
 * failure is recorded at once through label children resolved once per op and kept. An errno
 * that is the op's normal answer (ENOENT on lookup) is counted as `result="expected"`, not as a
 * failure (docs/adr/0078).
 */
export function createMetricsLayer(options: MetricsLayerOptions): Layer {
  const m = getFsMetrics(options.registry);
  const clock = options.clock ?? systemClock;
  const volume = options.volume;
  const perOp = new Map<FsOp, OpChildren>();
  // Expected answers come at request rates (every negative lookup): their children are kept too.
  const perAnswer = new Map<string, { inc(n?: number): void }>();
  const expectedAnswer = (op: FsOp, errno: string): { inc(n?: number): void } => {
    const key = `${op} ${errno}`;
    let c = perAnswer.get(key);
    if (c === undefined) {
      c = m.expected.labels({ volume, op, errno });
      perAnswer.set(key, c);
    }
    return c;
  };
  const children = (op: FsOp): OpChildren => {
    let c = perOp.get(op);
    if (c === undefined) {
      c = {
        ok: m.ops.labels({ volume, op, result: 'ok' }),
        expected: m.ops.labels({ volume, op, result: 'expected' }),
        duration: m.duration.labels({ volume, op }),
      };
      perOp.set(op, c);
    }
    return c;
  };
  const vol = {
    readBytes: m.readBytes.labels({ volume }),
    writtenBytes: m.writtenBytes.labels({ volume }),
    dirsCreated: m.dirsCreated.labels({ volume }),
    dirsRemoved: m.dirsRemoved.labels({ volume }),
    dirs: m.dirs.labels({ volume }),
    openFiles: m.openFiles.labels({ volume }),
  };
  // Make the per-volume series exist at 0 from the start, so rate() and the dashboard see them.
  for (const c of [vol.readBytes, vol.writtenBytes, vol.dirsCreated, vol.dirsRemoved]) c.inc(0);
  vol.dirs.inc(0);
  vol.openFiles.inc(0);

  // Successes are counted in plain numbers and taken into the instruments at a scrape
  // (op-tally.ts); failures are recorded at once.
  const tally = createOpTally();
  const foldTally = (): void => {
    const t = tally.take();
    for (const [op, c] of t.ops) {
      children(op).ok.inc(c.ok);
      addBucketCounts(m.duration, { volume, op }, c.buckets);
    }
    const v = t.volume;
    if (v.readBytes > 0) vol.readBytes.inc(v.readBytes);
    if (v.writtenBytes > 0) vol.writtenBytes.inc(v.writtenBytes);
    if (v.dirsCreated > 0) vol.dirsCreated.inc(v.dirsCreated);
    if (v.dirsRemoved > 0) vol.dirsRemoved.inc(v.dirsRemoved);
    add(vol.dirs, v.dirs);
    add(vol.openFiles, v.openFiles);
  };

  const tap = options.readerTap === undefined ? undefined : new BigInt64Array(options.readerTap);
  /** Take what the readers served since the last scrape into the same instruments as `around`. */
  const fold = (): void => {
    foldTally();
    if (tap === undefined) return;
    for (const op of TAP_OPS) {
      const t = takeTap(tap, op);
      if (t.count === 0 && t.bytes === 0) continue;
      const c = children(op);
      let failed = 0;
      for (const f of t.failed) {
        failed += f.count;
        const errno = errnoNameOf(f.errno);
        if (classifyErrno(op, errno, false) === 'error') {
          m.ops.inc({ volume, op, result: 'error' }, f.count);
          m.errors.inc({ volume, op, errno }, f.count);
        } else {
          c.expected.inc(f.count);
          expectedAnswer(op, errno).inc(f.count);
        }
      }
      // As on the main thread: no ok series until one succeeded (all ENODATA: none).
      if (t.count > failed) c.ok.inc(t.count - failed);
      // Per bucket, not per request: the exact bucket counts and sum in O(buckets).
      addBucketCounts(m.duration, { volume, op }, t.buckets);
      if (op === 'read') vol.readBytes.inc(t.bytes);
      else if (op === 'write') vol.writtenBytes.inc(t.bytes);
    }
  };
  const unregister = onCollect(options.registry, fold);

  return {
    name: 'metrics',
    // Counts what passes: a LOOKUP's ENOENT is the backend's.
    missesFromBackend: true,
    ...(tap !== undefined && { readerTap: true }),
    async close() {
      fold();
      unregister();
    },
    async around<O extends FsOp>(
      call: OpCall<O>,
      next: () => Promise<OpResultMap[O]>,
    ): Promise<OpResultMap[O]> {
      const start = clock.now();
      try {
        const result = await next();
        // A layer answering a read with something else than a byte count must not corrupt the sums.
        tally.ok(
          call.op,
          (clock.now() - start) / 1000,
          typeof result === 'number' && result >= 0 ? result : 0,
        );
        return result;
      } catch (err) {
        const c = children(call.op);
        c.duration.observe((clock.now() - start) / 1000);
        const { outcome, errno } = outcomeOfError(call.op, err);
        if (outcome === 'expected') {
          c.expected.inc();
          expectedAnswer(call.op, errno).inc();
        } else recordFailure(m, { volume, op: call.op, errno }, err);
        // A failed release still closes the file in the kernel's eyes.
        if (call.op === 'release') tally.released();
        throw err;
      }
    },
  };
}

function recordFailure(
  m: FsMetrics,
  labels: { volume: string; op: FsOp; errno: string },
  err: unknown,
): void {
  const { volume, op, errno } = labels;
  m.ops.inc({ volume, op, result: 'error' });
  m.errors.inc(labels);
  // Layers below that inject errors need no registry of their own: the error names its injector.
  const by = injectedBy(err);
  if (by !== undefined) m.injectedFaults.inc({ volume, layer: by, kind: errno });
}
