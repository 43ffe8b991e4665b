import { performance } from 'node:perf_hooks';
import type { EventLoopUtilization } from 'node:perf_hooks';
import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * Give an idle serving process's heap back to the system. V8 grows the young generation under
 * allocation (module loading and schema compilation at start, requests under load) and keeps
 * it: a mount idle after start held ~10 MiB of empty semi-space and dead old-space pages
 * (docs/benchmarks.md, "Memory of a serving process"). Capping the young generation instead
 * would cost every request under load; a memory-reducing full GC (V8's "last resort" flavour:
 * it shrinks the young generation and releases free pages) costs one pause of 20-100 ms, so it
 * runs only once the event loop has been idle for a whole interval and the heap has grown.
 */
export interface IdleHeapTrimOptions {
  /** How often to look, ms. */
  intervalMs?: number;
  /** Event-loop utilization (0..1) over an interval below which the process counts as idle. */
  idleBelow?: number;
  /** Committed heap growth since the last trim, bytes, that makes another trim worth its pause. */
  growthBytes?: number;
  /** Seams for tests: the memory-reducing GC, the committed heap size, the interval's utilization. */
  gc?: () => void;
  heapBytes?: () => number;
  utilization?: () => number;
}

export interface IdleHeapTrim {
  /** Trim at once (after start-up, whose garbage is all dead). */
  trimNow(): void;
  /** One look, as the interval timer takes it: trims when idle and grown; true if it did. */
  tick(): boolean;
  /** Trims done so far. */
  readonly trims: number;
  stop(): void;
}

type GcFunction = (o: { type: 'major'; execution: 'sync'; flavor: 'last-resort' }) => void;

let exposed: GcFunction | undefined;

/** V8's gc(), reachable without `--expose-gc` on the command line (the flag, set now, exposes it to new contexts). */
export function memoryReducingGc(): void {
  if (exposed === undefined) {
    const global = (globalThis as { gc?: GcFunction }).gc;
    if (global !== undefined) exposed = global;
    else {
      setFlagsFromString('--expose-gc');
      exposed = runInNewContext('gc') as GcFunction;
    }
  }
  exposed({ type: 'major', execution: 'sync', flavor: 'last-resort' });
}

function loopUtilization(): () => number {
  let last: EventLoopUtilization = performance.eventLoopUtilization();
  return () => {
    const now = performance.eventLoopUtilization();
    const delta = performance.eventLoopUtilization(now, last);
    last = now;
    return delta.utilization;
  };
}

/** Start watching; the timer never keeps the process alive. */
export function startIdleHeapTrim(o: IdleHeapTrimOptions = {}): IdleHeapTrim {
  const gc = o.gc ?? memoryReducingGc;
  const heapBytes = o.heapBytes ?? (() => getHeapStatistics().total_heap_size);
  const utilization = o.utilization ?? loopUtilization();
  const idleBelow = o.idleBelow ?? 0.02;
  const growth = o.growthBytes ?? 4 << 20;
  let trims = 0;
  let after = heapBytes();
  const trimNow = (): void => {
    gc();
    trims++;
    after = heapBytes();
  };
  const tick = (): boolean => {
    // Read the utilization every tick, so that each look covers exactly one interval.
    const idle = utilization() < idleBelow;
    if (!idle || heapBytes() - after < growth) return false;
    trimNow();
    return true;
  };
  const timer = setInterval(tick, o.intervalMs ?? 10_000);
  timer.unref();
  return {
    trimNow,
    tick,
    get trims() {
      return trims;
    },
    stop: () => clearInterval(timer),
  };
}
