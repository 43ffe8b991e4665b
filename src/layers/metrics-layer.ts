import type { Registry } from 'prom-client';
import { injectedBy, toErrnoName } from '../vfs/errors.js';
import type { FsOp, Layer, OpCall, OpResultMap } from '../vfs/types.js';
import { systemClock } from '../telemetry/clock.js';
import type { Clock } from '../telemetry/clock.js';
import { getFsMetrics } from '../telemetry/fs-metrics.js';
import type { FsMetrics } from '../telemetry/fs-metrics.js';

export interface MetricsLayerOptions {
  registry: Registry;
  /** The `volume` label (the Pod's volume name, or the mountpoint's base name in local mode). */
  volume: string;
  clock?: Clock;
}

interface OpChildren {
  ok: { inc(): void };
  duration: { observe(v: number): void };
}

/**
 * Counts every op that passes, with its latency, bytes and result. Label children are resolved
 * once per op and kept, because prom-client hashes the label object on every `inc(labels)` and
 * this runs on every FUSE request.
 */
export function createMetricsLayer(options: MetricsLayerOptions): Layer {
  const m = getFsMetrics(options.registry);
  const clock = options.clock ?? systemClock;
  const volume = options.volume;
  const perOp = new Map<FsOp, OpChildren>();
  const children = (op: FsOp): OpChildren => {
    let c = perOp.get(op);
    if (c === undefined) {
      c = {
        ok: m.ops.labels({ volume, op, result: 'ok' }),
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

  /** What a successful op changes besides its count; n is the byte count of data ops. */
  const effects: Partial<Record<FsOp, (n: number) => void>> = {
    read: (n) => vol.readBytes.inc(n),
    write: (n) => vol.writtenBytes.inc(n),
    copyFileRange: (n) => {
      vol.readBytes.inc(n);
      vol.writtenBytes.inc(n);
    },
    mkdir: () => {
      vol.dirsCreated.inc();
      vol.dirs.inc();
    },
    rmdir: () => {
      vol.dirsRemoved.inc();
      vol.dirs.dec();
    },
    open: () => vol.openFiles.inc(),
    create: () => vol.openFiles.inc(),
    release: () => vol.openFiles.dec(),
  };
  const onSuccess = (call: OpCall, result: unknown): void => {
    // A layer answering a read with something else than a byte count must not make inc() throw.
    effects[call.op]?.(typeof result === 'number' && result >= 0 ? result : 0);
  };

  return {
    name: 'metrics',
    async around<O extends FsOp>(
      call: OpCall<O>,
      next: () => Promise<OpResultMap[O]>,
    ): Promise<OpResultMap[O]> {
      const c = children(call.op);
      const start = clock.now();
      try {
        const result = await next();
        c.duration.observe((clock.now() - start) / 1000);
        c.ok.inc();
        onSuccess(call, result);
        return result;
      } catch (err) {
        c.duration.observe((clock.now() - start) / 1000);
        recordError(m, volume, call, err);
        throw err;
      }
    },
  };
}

function recordError(m: FsMetrics, volume: string, call: OpCall, err: unknown): void {
  m.ops.inc({ volume, op: call.op, result: 'error' });
  const errno = toErrnoName(err);
  m.errors.inc({ volume, op: call.op, errno });
  // Layers below that inject errors need no registry of their own: the error names its injector.
  const by = injectedBy(err);
  if (by !== undefined) m.injectedFaults.inc({ volume, layer: by, kind: errno });
  // A failed release still closes the file in the kernel's eyes.
  if (call.op === 'release') m.openFiles.dec({ volume });
}
