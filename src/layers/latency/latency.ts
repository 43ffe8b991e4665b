import type { DelayConfig, LatencyConfig } from '../../config/types.js';
import type { FsOp, Layer, OpCall, OpResultMap } from '../../vfs/types.js';
import type { LayerDeps } from '../stack/deps.js';
import { createDelaySampler, isRandomDelay } from './delay.js';
import type { DelaySampler } from './delay.js';
import { reportWait } from '../stack/op-events.js';
import { createScope } from '../stack/scope.js';
import { passThrough } from '../stack/pass-through.js';
import { readerServable } from '../stack/reader-form.js';
import { READER_MAX_WAIT_MS } from '../../vfs/reader-gate.js';
import type { GateLatency } from '../../vfs/reader-gate.js';

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

/** A fixed delay in milliseconds, or undefined for a random one (its draws are logged). */
const fixedMs = (d: DelayConfig | undefined): number | undefined =>
  d === undefined ? 0 : 'fixed' in d ? d.fixed : undefined;

/**
 * The reader-side form (ADR 0076): fixed READ/WRITE delays up to READER_MAX_WAIT_MS, slept by
 * the reader itself. Random delays are decisions logged per call for replay, which only the
 * main thread keeps.
 */
function readerForm(cfg: LatencyConfig, clock: LayerDeps['clock']): GateLatency | undefined {
  const scope = createScope(cfg.scope);
  const readMs = scope.allowsOp('read') ? fixedMs(cfg.read) : 0;
  const writeMs = scope.allowsOp('write') ? fixedMs(cfg.write) : 0;
  if (readMs === undefined || writeMs === undefined) return undefined;
  // A sleeping reader reads no other request and cannot be interrupted: long delays stay here.
  if (Math.max(readMs, writeMs) > READER_MAX_WAIT_MS) return undefined;
  return readerServable(cfg.scope, clock) ? { readMs, writeMs } : undefined;
}

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
  const gate = readerForm(cfg, deps.clock);

  return {
    name,
    needsData: samplers.has('read') || samplers.has('write'),
    ...(gate !== undefined && { readerGate: { latency: gate } }),
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
