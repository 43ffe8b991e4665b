import { recordedPath } from '../layers/record/record-format.js';
import type { RecordLine } from '../layers/record/record-format.js';
import { classifyErrno } from '../telemetry/outcome.js';

/** Latency bucket upper bounds in microseconds: 1 us .. 10 s, 1-2-5 steps, then overflow. */
export const LATENCY_BOUNDS_US: readonly number[] = Object.freeze(
  [0, 1, 2, 3, 4, 5, 6].flatMap((e) => [1, 2, 5].map((m) => m * 10 ** e)).concat([10_000_000]),
);

/** One dot of an access pattern: time, offset, length, read or write. */
export interface AccessPoint {
  t: number;
  off: number;
  len: number;
  write: boolean;
}

export interface FileStats {
  path: string;
  ops: number;
  read: number;
  written: number;
  /** Decimated: at most POINTS_PER_FILE, evenly thinned as the file gets more. */
  points: AccessPoint[];
  stride: number;
  seen: number;
}

export interface ErrorEvent {
  t: number;
  op: string;
  path: string;
  errno: string;
  injected: boolean;
}

export interface Totals {
  ops: number;
  /** Failures, injected ones included; expected answers (ENOENT on lookup) are not failures. */
  errors: number;
  injected: number;
  /** Ops answered with an errno that is their normal answer (docs/adr/0078). */
  expected: number;
  read: number;
  written: number;
}

export interface RunAnalysis {
  volume: string | undefined;
  start: number;
  end: number;
  totals: Totals;
  opMix: Map<string, number>;
  /** Per op: counts per LATENCY_BOUNDS_US bucket (+1 overflow). */
  latency: Map<string, number[]>;
  files: Map<string, FileStats>;
  dirs: Map<string, { read: number; written: number; ops: number }>;
  /** Failures only (at most MAX_ERROR_EVENTS). */
  errors: ErrorEvent[];
  /** Per errno: real failures, injected failures, expected answers. */
  errnos: Map<string, { real: number; injected: number; expected: number }>;
  /** Injected faults per injecting layer instance (`fault`, `fault.2`; `?` in older records). */
  injectors: Map<string, number>;
  pids: Map<number, { ops: number; bytes: number; errors: number }>;
  /** Lines that were not JSON or not a record (counted, never fatal). */
  skipped: number;
}

export const POINTS_PER_FILE = 4_000;
export const MAX_ERROR_EVENTS = 5_000;

export function createAnalysis(): RunAnalysis {
  return {
    volume: undefined,
    start: Number.POSITIVE_INFINITY,
    end: Number.NEGATIVE_INFINITY,
    totals: { ops: 0, errors: 0, injected: 0, expected: 0, read: 0, written: 0 },
    opMix: new Map(),
    latency: new Map(),
    files: new Map(),
    dirs: new Map(),
    errors: [],
    errnos: new Map(),
    injectors: new Map(),
    pids: new Map(),
    skipped: 0,
  };
}

export function bucketOf(us: number): number {
  const i = LATENCY_BOUNDS_US.findIndex((b) => us <= b);
  return i === -1 ? LATENCY_BOUNDS_US.length : i;
}

export const dirOf = (path: string): string => {
  const i = path.lastIndexOf('/');
  return i <= 0 ? '/' : path.slice(0, i);
};

function fileStats(a: RunAnalysis, path: string): FileStats {
  let f = a.files.get(path);
  if (f === undefined) {
    f = { path, ops: 0, read: 0, written: 0, points: [], stride: 1, seen: 0 };
    a.files.set(path, f);
  }
  return f;
}

/** Keep every stride-th point; when full, drop every other kept point and double the stride. */
function addPoint(f: FileStats, p: AccessPoint): void {
  f.seen += 1;
  if ((f.seen - 1) % f.stride !== 0) return;
  f.points.push(p);
  if (f.points.length >= POINTS_PER_FILE) {
    f.points = f.points.filter((_, i) => i % 2 === 0);
    f.stride *= 2;
  }
}

/** Counts a non-ok line; true when it was a failure rather than an expected answer. */
function addError(a: RunAnalysis, r: RecordLine): boolean {
  const injected = r.inj === true;
  const e = a.errnos.get(r.res) ?? { real: 0, injected: 0, expected: 0 };
  a.errnos.set(r.res, e);
  if (classifyErrno(r.op, r.res, injected) === 'expected') {
    a.totals.expected += 1;
    e.expected += 1;
    return false;
  }
  a.totals.errors += 1;
  if (injected) {
    a.totals.injected += 1;
    const by = r.by ?? '?';
    a.injectors.set(by, (a.injectors.get(by) ?? 0) + 1);
  }
  if (injected) e.injected += 1;
  else e.real += 1;
  if (a.errors.length < MAX_ERROR_EVENTS) {
    a.errors.push({ t: r.t, op: r.op, path: r.path, errno: r.res, injected });
  }
  return true;
}

function addData(a: RunAnalysis, r: RecordLine, f: FileStats): number {
  const bytes = r.bytes ?? 0;
  const write = r.op === 'write';
  if (r.op === 'read' || write) addPoint(f, { t: r.t, off: r.off ?? 0, len: bytes, write });
  if (write) {
    f.written += bytes;
    a.totals.written += bytes;
  } else if (r.op === 'read') {
    f.read += bytes;
    a.totals.read += bytes;
  }
  const d = a.dirs.get(dirOf(f.path)) ?? { read: 0, written: 0, ops: 0 };
  d.ops += 1;
  if (write) d.written += bytes;
  else if (r.op === 'read') d.read += bytes;
  a.dirs.set(dirOf(f.path), d);
  return bytes;
}

export function addRecord(a: RunAnalysis, r: RecordLine): void {
  a.totals.ops += 1;
  a.start = Math.min(a.start, r.t);
  a.end = Math.max(a.end, r.t + (r.us ?? 0) / 1000);
  a.opMix.set(r.op, (a.opMix.get(r.op) ?? 0) + 1);
  const hist = a.latency.get(r.op) ?? new Array<number>(LATENCY_BOUNDS_US.length + 1).fill(0);
  const b = bucketOf(r.us ?? 0);
  hist[b] = (hist[b] ?? 0) + 1;
  a.latency.set(r.op, hist);
  // Keyed by the exact name: two names that differ only in bytes that are not UTF-8 stay apart.
  const f = fileStats(a, recordedPath(r.path, r.pathBytes));
  f.ops += 1;
  const bytes = r.res === 'ok' ? addData(a, r, f) : 0;
  const failed = r.res !== 'ok' && addError(a, r);
  const p = a.pids.get(r.pid) ?? { ops: 0, bytes: 0, errors: 0 };
  p.ops += 1;
  p.bytes += bytes;
  if (failed) p.errors += 1;
  a.pids.set(r.pid, p);
}

/** Approximate percentile (upper bound of the bucket holding it), in microseconds. */
export function percentileUs(hist: readonly number[], q: number): number {
  const total = hist.reduce((s, n) => s + n, 0);
  if (total === 0) return 0;
  let acc = 0;
  for (let i = 0; i < hist.length; i++) {
    acc += hist[i] ?? 0;
    if (acc >= q * total) return LATENCY_BOUNDS_US[i] ?? Number.POSITIVE_INFINITY;
  }
  return Number.POSITIVE_INFINITY;
}
