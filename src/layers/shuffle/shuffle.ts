import type { ShuffleConfig } from '../../config/types.js';
import type { Attr, DirEntry, FsOp, Layer, OpCall, OpResultMap } from '../../vfs/types.js';
import type { LayerDeps } from '../stack/deps.js';
import { createRandom, shuffleInPlace } from '../stack/random.js';
import { createScope } from '../stack/scope.js';
import { passThrough } from '../stack/pass-through.js';

/**
 * Metadata randomisation that exposes hidden assumptions: readdir order (apps that expect
 * creation or alphabetical order) and bounded mtime/atime jitter (build tools comparing
 * timestamps). Each decision is a logged seed or offset, so a replay gives the same order.
 */
const ATTR_OPS = new Set<FsOp>([
  'getattr',
  'lookup',
  'setattr',
  'mknod',
  'mkdir',
  'symlink',
  'link',
  'create',
]);
const NS_PER_MS = 1_000_000;

type Jitter = { m: number; a: number };

export function createShuffleLayer(cfg: ShuffleConfig, deps: LayerDeps): Layer {
  const { name, random, decisions } = deps;
  const scope = createScope(cfg.scope);
  const order = cfg.readdir ?? true;
  const mMax = cfg.mtimeJitter ?? 0;
  const aMax = cfg.atimeJitter ?? 0;
  const jitterOn = mMax > 0 || aMax > 0;
  if (!order && !jitterOn) return passThrough(name);

  // Offsets in whole nanoseconds (numbers, so that they survive the JSON decision log).
  const offset = (max: number): number =>
    max > 0 ? Math.round((random.next() * 2 - 1) * max * NS_PER_MS) : 0;
  const drawJitter = (call: OpCall): Jitter | undefined =>
    decisions.decide(call, 'jitter', () =>
      scope.sample(random) ? { m: offset(mMax), a: offset(aMax) } : undefined,
    );
  const apply = (attr: Attr, j: Jitter): Attr => ({
    ...attr,
    mtimeNs: attr.mtimeNs + BigInt(j.m),
    atimeNs: attr.atimeNs + BigInt(j.a),
  });

  const readdir = (call: OpCall, entries: DirEntry[]): DirEntry[] => {
    let out = entries;
    if (order && entries.length > 1) {
      const seed = decisions.decide(call, 'order', () =>
        scope.sample(random) ? random.u32() : undefined,
      );
      if (seed !== undefined) out = shuffleInPlace([...entries], createRandom(seed));
    }
    if (!jitterOn) return out;
    const j = drawJitter(call);
    return j === undefined
      ? out
      : out.map((e) => (e.attr === undefined ? e : { ...e, attr: apply(e.attr, j) }));
  };

  return {
    name,
    // readdir and the attribute replies only: READ/WRITE/FSYNC/FLUSH pass untouched, whatever
    // the config, so the readers may serve them.
    readerIdle: true,
    // Reorders listings and shifts times: a LOOKUP's ENOENT passes untouched.
    missesFromBackend: true,
    async around<O extends FsOp>(
      call: OpCall<O>,
      next: () => Promise<OpResultMap[O]>,
    ): Promise<OpResultMap[O]> {
      const isDir = call.op === 'readdir';
      if ((!isDir && !(jitterOn && ATTR_OPS.has(call.op))) || !scope.matches(call)) return next();
      const result = await next();
      if (isDir) return readdir(call, result as DirEntry[]) as OpResultMap[O];
      const j = drawJitter(call);
      if (j === undefined) return result;
      if (call.op === 'create') {
        const r = result as OpResultMap['create'];
        return { ...r, attr: apply(r.attr, j) } as OpResultMap[O];
      }
      return apply(result as Attr, j) as OpResultMap[O];
    },
  };
}
