import type { DelayConfig, LatencyConfig } from '../../config/types.js';
import type { FsOp, Layer, OpCall, OpResultMap } from '../../vfs/types.js';
import type { LayerDeps } from '../stack/deps.js';
import { createDelaySampler, isRandomDelay } from './delay.js';
import type { DelaySampler } from './delay.js';
import { reportWait } from '../stack/op-events.js';
import { createScope } from '../stack/scope.js';
import { passThrough } from '../stack/pass-through.js';

/**
 * Delays before the call goes on, per op class: data reads, data writes, flush/fsync, and the
 * rest (metadata). The wait uses the injected clock and ends early with EINTR when the kernel
 * interrupts the request (call.signal), so a killed app is not held for the full delay.
 */
type OpClass = 'read' | 'write' | 'flush' | 'metadata';

/** forget has no reply: delaying it only holds the kernel's inode bookkeeping. */
const classOf = (op: FsOp): OpClass | undefined => {
  if (op === 'read' || op === 'write') return op;
  if (op === 'flush' || op === 'fsync' || op === 'fsyncdir') return 'flush';
  return op === 'forget' ? undefined : 'metadata';
};

/**
 * No reader-side form (src/vfs/reader-gate.ts says why): every delayed READ/WRITE is waited here,
 * on a timer of its own, so concurrent requests are delayed side by side as on a real device.
 * A layer that never delays the readers' ops (zero or no data and flush delays, or a scope
 * without them) says so (readerIdle) and leaves them in the readers.
 */
export function createLatencyLayer(cfg: LatencyConfig, deps: LayerDeps): Layer {
  const { name, clock, random, decisions } = deps;
  const scope = createScope(cfg.scope);
  const samplers = new Map<OpClass, DelaySampler>();
  // Fixed delays on an unsampled scope are not random: nothing to log, nothing to replay.
  const logged = new Set<OpClass>();
  const add = (cls: OpClass, d: DelayConfig | undefined): void => {
    if (d === undefined) return;
    samplers.set(cls, createDelaySampler(d));
    if (isRandomDelay(d) || scope.sampled) logged.add(cls);
  };
  add('read', cfg.read);
  add('write', cfg.write);
  add('flush', cfg.flush);
  add('metadata', cfg.metadata);
  if (samplers.size === 0) return passThrough(name);
  const configs: Partial<Record<OpClass, DelayConfig>> = cfg;
  // A class waits on an op of the readers' only when its delay can be nonzero there; a fixed 0
  // on an unsampled scope draws nothing either (a percent draws per call: that stream and its
  // logged decisions must stay as they are, so it keeps the main thread). Nothing here changes
  // before the next swap: there is no runtime control of a latency layer.
  const binds = (cls: OpClass, ops: readonly FsOp[]): boolean => {
    const d = configs[cls];
    if (d === undefined || !ops.some((op) => scope.allowsOp(op))) return false;
    return !('fixed' in d && d.fixed === 0) || scope.sampled;
  };
  const reads = binds('read', ['read']);
  const writes = binds('write', ['write']);

  return {
    name,
    needsData: reads || writes,
    readerIdle: !reads && !writes && !binds('flush', ['fsync', 'flush']),
    // Delays only (EINTR when interrupted).
    missesFromBackend: true,
    async around<O extends FsOp>(
      call: OpCall<O>,
      next: () => Promise<OpResultMap[O]>,
    ): Promise<OpResultMap[O]> {
      const cls = classOf(call.op);
      const sampler = cls === undefined ? undefined : samplers.get(cls);
      if (sampler === undefined || !scope.matches(call)) return next();
      const draw = (): number | undefined => {
        if (!scope.sample(random)) return undefined;
        const v = sampler(random);
        return v > 0 ? v : undefined;
      };
      const ms = logged.has(cls!) ? decisions.decide(call, 'delay', draw) : draw();
      if (ms !== undefined) {
        reportWait(call, 'delay', name, ms);
        await clock.sleep(ms, call.signal);
      }
      return next();
    },
  };
}
