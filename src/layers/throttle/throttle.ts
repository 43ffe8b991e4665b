import type { ThrottleConfig } from '../../config/types.js';
import { FsError } from '../../vfs/errors.js';
import type { FsOp, Layer, OpCall, OpResultMap } from '../../vfs/types.js';
import { recordThrottleWait } from '../../telemetry/fs-metrics.js';
import type { LayerDeps } from '../stack/deps.js';
import { EVENT_ATTR, reportFault, reportWait } from '../stack/op-events.js';
import { createScope } from '../stack/scope.js';
import { createTokenBucket } from './token-bucket.js';
import type { TokenBucket } from './token-bucket.js';
import { passThrough } from '../stack/pass-through.js';
import { readerServable } from '../stack/reader-form.js';
import { layerBucket, takeWaited } from '../../vfs/reader-gate.js';
import type { GateView } from '../../vfs/reader-gate.js';
import { readerGateOf } from '../../vfs/reader-tap.js';

/**
 * Bandwidth (read+write bytes/s) and op-rate limits, per volume or per file. Mode `block`
 * (default, docs/adr/0020) delays the call; `fail` answers EAGAIN at once (the seed project's
 * fail-fast). Per-file buckets that refilled to capacity are dropped, bounding the map.
 */
const SWEEP_AT = 4096;

function bytesOf(call: OpCall): number {
  const a = call.args as { buffer?: Buffer; length?: number };
  if (call.op === 'read' || call.op === 'write') return a.buffer?.length ?? 0;
  if (call.op === 'copyFileRange') return a.length ?? 0;
  return 0;
}

type Buckets = ((path: string) => TokenBucket) | undefined;

function bucketSet(
  rate: number | undefined,
  burst: number | undefined,
  perFile: boolean,
  now: () => number,
): Buckets {
  if (rate === undefined) return undefined;
  const capacity = burst ?? rate;
  const map = new Map<string, TokenBucket>();
  return (path: string): TokenBucket => {
    const key = perFile ? path : '';
    let b = map.get(key);
    if (b === undefined) {
      if (map.size >= SWEEP_AT) for (const [k, v] of map) if (v.full(now())) map.delete(k);
      b = createTokenBucket(rate, capacity, now());
      map.set(key, b);
    }
    return b;
  };
}

/**
 * The reader-side form (ADR 0076): a volume-wide bucket in the reader gate, shared by the
 * readers (READ/WRITE) and this layer (every other op, and what the readers hand over). Per-file
 * buckets, path or caller scopes and percents stay on the main thread (readerServable).
 */
function readerForm(cfg: ThrottleConfig, deps: LayerDeps): GateView | undefined {
  if (deps.readerTap === undefined || cfg.per === 'file') return undefined;
  return readerServable(cfg.scope, deps.clock) ? readerGateOf(deps.readerTap) : undefined;
}

function sharedSet(gate: GateView, which: 'ops' | 'bytes', rate?: number, burst?: number): Buckets {
  if (rate === undefined) return undefined;
  const b = layerBucket(gate, which, rate, burst ?? rate);
  return () => b;
}

export function createThrottleLayer(cfg: ThrottleConfig, deps: LayerDeps): Layer {
  const { name, clock, random, volume, metrics } = deps;
  // Waits are added to the host's registry when it has one; a throttle alone never creates it.
  const waited = (ms: number): void => {
    const registry = metrics?.existing();
    if (registry !== undefined) recordThrottleWait(registry, { volume, layer: name }, ms / 1000);
  };
  const scope = createScope(cfg.scope);
  const perFile = cfg.per === 'file';
  const now = (): number => clock.now();
  const gate = readerForm(cfg, deps);
  const bytes = gate
    ? sharedSet(gate, 'bytes', cfg.bytesPerSecond, cfg.burstBytes)
    : bucketSet(cfg.bytesPerSecond, cfg.burstBytes, perFile, now);
  const ops = gate
    ? sharedSet(gate, 'ops', cfg.opsPerSecond, cfg.burstOps)
    : bucketSet(cfg.opsPerSecond, cfg.burstOps, perFile, now);
  const fail = cfg.mode === 'fail';
  if (bytes === undefined && ops === undefined) return passThrough(name);
  // The readers' waits, added to the same counter (they cannot reach the registry themselves).
  const foldWaits = (): void => {
    const ms = gate === undefined ? 0 : takeWaited(gate);
    if (ms > 0) waited(ms);
  };
  const folder = gate === undefined ? undefined : setInterval(foldWaits, 1000);
  folder?.unref();

  const throttled = (call: OpCall, n: number): FsError => {
    reportFault(call, name, 'throttled', { [EVENT_ATTR.errno]: 'EAGAIN', [EVENT_ATTR.size]: n });
    return new FsError('EAGAIN', 'throttled');
  };

  const failFast = (call: OpCall, o: TokenBucket | undefined, b: TokenBucket | undefined, n: number): void => {
    const t = clock.now();
    if (o !== undefined && !o.tryTake(1, t)) throw throttled(call, n);
    if (b !== undefined && !b.tryTake(n, t)) {
      o?.refund(1);
      throw throttled(call, n);
    }
  };

  const block = async (
    call: OpCall,
    o: TokenBucket | undefined,
    b: TokenBucket | undefined,
    n: number,
  ): Promise<void> => {
    const t = clock.now();
    const wait = Math.max(o?.reserve(1, t) ?? 0, b?.reserve(n, t) ?? 0);
    if (wait <= 0) return;
    reportWait(call, 'throttle.wait', name, wait);
    try {
      await clock.sleep(wait, call.signal);
      waited(wait);
    } catch (err) {
      o?.refund(1);
      b?.refund(n);
      throw err;
    }
  };

  const admit = (call: OpCall, n: number): Promise<void> | void => {
    const b = n > 0 ? bytes?.(call.path) : undefined;
    const o = ops?.(call.path);
    return fail ? failFast(call, o, b, n) : block(call, o, b, n);
  };

  return {
    name,
    // Delays a call, or fails it with EAGAIN (mode fail) or EINTR (interrupted): never ENOENT.
    missesFromBackend: true,
    // An op rate on reads or writes must see each of them: kernel passthrough would never send
    // them and the writeback cache would batch writes into other requests.
    needsData:
      bytes !== undefined ||
      (ops !== undefined && (scope.allowsOp('read') || scope.allowsOp('write'))),
    ...(gate !== undefined && {
      readerGate: {
        throttle: {
          ...(cfg.opsPerSecond !== undefined && { opsPerSecond: cfg.opsPerSecond }),
          ...(cfg.burstOps !== undefined && { burstOps: cfg.burstOps }),
          ...(cfg.bytesPerSecond !== undefined && { bytesPerSecond: cfg.bytesPerSecond }),
          ...(cfg.burstBytes !== undefined && { burstBytes: cfg.burstBytes }),
          fail,
          read: scope.allowsOp('read'),
          write: scope.allowsOp('write'),
          fsync: scope.allowsOp('fsync'),
          flush: scope.allowsOp('flush'),
        },
      },
      async close() {
        clearInterval(folder);
        foldWaits();
      },
    }),
    async around<O extends FsOp>(
      call: OpCall<O>,
      next: () => Promise<OpResultMap[O]>,
    ): Promise<OpResultMap[O]> {
      if (!scope.matches(call) || !scope.sample(random)) return next();
      const n = bytesOf(call);
      if (ops === undefined && n === 0) return next();
      await admit(call, n);
      const result = await next();
      // A short read (EOF) did not use the bandwidth it paid for.
      if (call.op === 'read' && typeof result === 'number' && result < n)
        bytes?.(call.path).refund(n - result);
      return result;
    },
  };
}
