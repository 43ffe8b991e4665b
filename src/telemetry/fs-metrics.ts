import type { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { promClient } from './prom-client.js';

/**
 * The `fs_interposer_*` instruments, registered once per Registry and shared by every volume and
 * layer that records into it (a sidecar serves several volumes from one registry). Base units
 * only (seconds, bytes), so the names pass `promtool check metrics`. Pod and namespace are not
 * labels here: they are the registry's default labels (see createTelemetryRegistry), which also
 * puts them on the process metrics.
 */
export interface FsMetrics {
  readonly ops: Counter<'volume' | 'op' | 'result'>;
  readonly errors: Counter<'volume' | 'op' | 'errno'>;
  readonly expected: Counter<'volume' | 'op' | 'errno'>;
  readonly duration: Histogram<'volume' | 'op'>;
  readonly readBytes: Counter<'volume'>;
  readonly writtenBytes: Counter<'volume'>;
  readonly dirsCreated: Counter<'volume'>;
  readonly dirsRemoved: Counter<'volume'>;
  readonly dirs: Gauge<'volume'>;
  readonly openFiles: Gauge<'volume'>;
  readonly injectedFaults: Counter<'volume' | 'layer' | 'kind'>;
  readonly throttleWait: Counter<'volume' | 'layer'>;
}

/** 10 us .. 10 s in a 1-2.5-5 progression: FUSE round trips start near 10 us, stalls reach seconds. */
export const LATENCY_BUCKETS_SECONDS: readonly number[] = Object.freeze([
  0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
  0.25, 0.5, 1, 2.5, 5, 10,
]);

export const METRIC_NAMES = Object.freeze({
  ops: 'fs_interposer_ops_total',
  errors: 'fs_interposer_errors_total',
  expected: 'fs_interposer_expected_errnos_total',
  duration: 'fs_interposer_op_duration_seconds',
  readBytes: 'fs_interposer_read_bytes_total',
  writtenBytes: 'fs_interposer_written_bytes_total',
  dirsCreated: 'fs_interposer_directories_created_total',
  dirsRemoved: 'fs_interposer_directories_removed_total',
  dirs: 'fs_interposer_directories',
  openFiles: 'fs_interposer_open_files',
  injectedFaults: 'fs_interposer_injected_faults_total',
  throttleWait: 'fs_interposer_throttle_wait_seconds_total',
});

const cache = new WeakMap<Registry, FsMetrics>();
const folds = new WeakMap<Registry, Set<() => void>>();

/**
 * Run `fold` at every scrape of `registry`, before its fs_interposer_* series are read (the
 * metrics layer folds the reader tap in). Returns the unregister function.
 */
export function onCollect(registry: Registry, fold: () => void): () => void {
  let set = folds.get(registry);
  if (set === undefined) folds.set(registry, (set = new Set()));
  set.add(fold);
  return () => set.delete(fold);
}

function create(registry: Registry): FsMetrics {
  const { Counter, Gauge, Histogram } = promClient();
  const n = METRIC_NAMES;
  // What the reader threads counted in shared memory and the metrics layers counted in plain
  // numbers is folded into the instruments when one is read: at a scrape by the first one
  // (ops), before any is serialised; by any of them when read alone (see onCollect).
  // registry.metrics() reads every instrument in one synchronous pass and serialises later:
  // one fold per pass, so the readers' counts of one scrape come from one take.
  let folding = false;
  const collect = (): void => {
    if (folding) return;
    folding = true;
    queueMicrotask(() => (folding = false));
    for (const fold of folds.get(registry) ?? []) fold();
  };
  const registers = [registry];
  return {
    ops: new Counter({
      collect,
      name: n.ops,
      help: 'Filesystem operations completed, by op and result (ok, expected or error).',
      labelNames: ['volume', 'op', 'result'],
      registers,
    }),
    errors: new Counter({
      collect,
      name: n.errors,
      help: 'Filesystem operations that failed, by op and errno name (result="error").',
      labelNames: ['volume', 'op', 'errno'],
      registers,
    }),
    expected: new Counter({
      collect,
      name: n.expected,
      help: 'Operations answered with an errno that is the normal answer of that op (ENOENT on lookup, ENODATA on getxattr, ...), by op and errno name: result=expected, not failures.',
      labelNames: ['volume', 'op', 'errno'],
      registers,
    }),
    duration: new Histogram({
      collect,
      name: n.duration,
      help: 'Time from entering the metrics layer to the answer, by op.',
      labelNames: ['volume', 'op'],
      buckets: [...LATENCY_BUCKETS_SECONDS],
      registers,
    }),
    readBytes: new Counter({
      collect,
      name: n.readBytes,
      help: 'Bytes returned by read and copy_file_range.',
      labelNames: ['volume'],
      registers,
    }),
    writtenBytes: new Counter({
      collect,
      name: n.writtenBytes,
      help: 'Bytes accepted by write and copy_file_range.',
      labelNames: ['volume'],
      registers,
    }),
    dirsCreated: new Counter({
      collect,
      name: n.dirsCreated,
      help: 'Directories created (mkdir).',
      labelNames: ['volume'],
      registers,
    }),
    dirsRemoved: new Counter({
      collect,
      name: n.dirsRemoved,
      help: 'Directories removed (rmdir).',
      labelNames: ['volume'],
      registers,
    }),
    dirs: new Gauge({
      collect,
      name: n.dirs,
      help: 'Net directories created minus removed since the layer started (can go negative).',
      labelNames: ['volume'],
      registers,
    }),
    openFiles: new Gauge({
      collect,
      name: n.openFiles,
      help: 'Files currently open (open/create minus release).',
      labelNames: ['volume'],
      registers,
    }),
    injectedFaults: new Counter({
      name: n.injectedFaults,
      help: 'Faults injected by disturbing layers, by layer and kind (errno name, short_read, ...).',
      labelNames: ['volume', 'layer', 'kind'],
      registers,
    }),
    throttleWait: new Counter({
      name: n.throttleWait,
      help: 'Time operations spent waiting in throttling layers.',
      labelNames: ['volume', 'layer'],
      registers,
    }),
  };
}

/** The instruments of `registry`, created on first use. */
export function getFsMetrics(registry: Registry): FsMetrics {
  let m = cache.get(registry);
  if (m === undefined) {
    m = create(registry);
    cache.set(registry, m);
  }
  return m;
}

/** For throttling layers: add time an operation was held back. */
export function recordThrottleWait(
  registry: Registry,
  labels: { volume: string; layer: string },
  seconds: number,
): void {
  getFsMetrics(registry).throttleWait.inc(labels, seconds);
}
