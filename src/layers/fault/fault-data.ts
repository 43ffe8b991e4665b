import type { FaultConfig } from '../../config/types.js';
import type { OpCall, OpResultMap } from '../../vfs/types.js';
import type { LayerDecisions } from '../stack/decisions.js';
import { EVENT_ATTR, reportFault } from '../stack/op-events.js';
import { createRandom } from '../stack/random.js';
import type { Random } from '../stack/random.js';
import type { Scope } from '../stack/scope.js';

/**
 * The data faults of the fault layer: short reads/writes (the request is cut to a random
 * prefix, as a real short transfer would be), dropped writes (success reported, nothing
 * written: a lying disk cache), corrupted bytes (a bounded run zeroed or randomised, on the way
 * to the backend for writes and on the way back for reads).
 */
export interface DataFaults {
  readonly active: boolean;
  /** Short reads are on: files must be opened for direct I/O to show them (fault.ts). */
  readonly shortReads: boolean;
  read(call: OpCall<'read'>, next: () => Promise<number>): Promise<number>;
  write(call: OpCall<'write'>, next: () => Promise<number>): Promise<number>;
}

interface Corruption {
  offset: number;
  length: number;
  seed: number;
}

export interface DataFaultDeps {
  random: Random;
  decisions: LayerDecisions;
  scope: Scope;
  /** Instance name of the fault layer, for the trace events. */
  name: string;
}

function corrupt(buf: Buffer, c: Corruption, fill: 'zero' | 'random'): void {
  const end = Math.min(buf.length, c.offset + c.length);
  if (fill === 'zero') {
    buf.fill(0, c.offset, end);
    return;
  }
  const r = createRandom(c.seed);
  for (let i = c.offset; i < end; i++) buf[i] = r.int(256);
}

function settings(cfg: FaultConfig) {
  const corrupt = cfg.corrupt ?? { rate: 0 };
  return {
    shortRate: cfg.shortIo?.rate ?? 0,
    dropRate: cfg.dropWrites?.rate ?? 0,
    corruptRate: corrupt.rate,
    fill: corrupt.fill ?? 'random',
    maxRun: corrupt.maxBytes ?? 512,
    maxCount: corrupt.maxCount ?? Infinity,
  };
}

export function createDataFaults(cfg: FaultConfig, deps: DataFaultDeps): DataFaults {
  const { random, decisions, scope, name } = deps;
  const event = (call: OpCall, kind: string, size: number, more: Record<string, number> = {}): void =>
    reportFault(call, name, kind, { [EVENT_ATTR.size]: size, ...more });
  const { shortRate, dropRate, corruptRate, fill, maxRun, maxCount } = settings(cfg);
  let corruptionsLeft = maxCount;
  const hit = (rate: number): boolean =>
    rate > 0 && scope.sample(random) && random.next() * 100 < rate;

  const shortLength = (call: OpCall, len: number): number | undefined =>
    len < 2
      ? undefined
      : decisions.decide(call, 'short', () =>
          hit(shortRate) ? 1 + random.int(len - 1) : undefined,
        );

  const corruption = (call: OpCall, len: number): Corruption | undefined => {
    if (len === 0 || corruptionsLeft <= 0) return undefined;
    const c = decisions.decide(call, 'corrupt', () => {
      if (!hit(corruptRate)) return undefined;
      const offset = random.int(len);
      return { offset, length: 1 + random.int(Math.min(maxRun, len - offset)), seed: random.u32() };
    });
    if (c !== undefined) corruptionsLeft--;
    return c;
  };

  return {
    active: shortRate > 0 || dropRate > 0 || corruptRate > 0,
    shortReads: shortRate > 0,
    async read(call, next): Promise<OpResultMap['read']> {
      const requested = call.args.buffer.length;
      const cut = shortLength(call, requested);
      if (cut !== undefined) {
        call.args.buffer = call.args.buffer.subarray(0, cut);
        event(call, 'short_read', cut, { [EVENT_ATTR.requested]: requested });
      }
      const n = await next();
      const c = corruption(call, n);
      if (c !== undefined) {
        corrupt(call.args.buffer.subarray(0, n), c, fill);
        event(call, 'corrupt_read', c.length, { [EVENT_ATTR.offset]: c.offset });
      }
      return n;
    },
    async write(call, next): Promise<OpResultMap['write']> {
      const len = call.args.buffer.length;
      if (decisions.decide(call, 'drop', () => (hit(dropRate) ? true : undefined)) === true) {
        event(call, 'dropped_write', len);
        return len;
      }
      const cut = shortLength(call, len);
      if (cut !== undefined) {
        call.args.buffer = call.args.buffer.subarray(0, cut);
        event(call, 'short_write', cut, { [EVENT_ATTR.requested]: len });
      }
      const c = corruption(call, call.args.buffer.length);
      if (c !== undefined) {
        event(call, 'corrupt_write', c.length, { [EVENT_ATTR.offset]: c.offset });
        // A copy: the caller's buffer is the engine's request buffer, not ours to change.
        const copy = Buffer.from(call.args.buffer);
        corrupt(copy, c, fill);
        call.args.buffer = copy;
      }
      return next();
    },
  };
}
