import type { QuotaConfig } from '../config/types.js';
import { FsError } from '../vfs/errors.js';
import type { FsOp, Layer, OpCall, OpResultMap } from '../vfs/types.js';
import { isOp } from '../vfs/types.js';
import type { LayerDeps } from './deps.js';
import { scanUsage } from './quota-usage.js';
import type { Usage } from './quota-usage.js';
import { createScope } from './scope.js';
import { sideCall } from './side-call.js';

/**
 * Byte and inode budgets over the whole volume, starting from the backend's usage (scanned on
 * the first call). A write that would cross the byte budget is cut short to what still fits,
 * as a real full disk does, and fails only when nothing fits. Concurrent growth of one file can
 * overshoot by the writes in flight: the check and the update are not one atomic step.
 */
const CREATES = new Set<FsOp>(['create', 'mknod', 'mkdir', 'symlink']);
const TRACKED = new Set<FsOp>([...CREATES, 'write', 'setattr', 'fallocate', 'unlink', 'rmdir']);

type Growth = { size: number; end: number };

export function createQuotaLayer(cfg: QuotaConfig, deps: LayerDeps): Layer {
  const { name, backend } = deps;
  const scope = createScope(cfg.scope);
  const errno = cfg.errno ?? 'ENOSPC';
  const maxBytes = cfg.maxBytes ?? Infinity;
  const maxInodes = cfg.maxInodes ?? Infinity;
  if (maxBytes === Infinity && maxInodes === Infinity)
    return { name, around: (_c, next) => next() };
  let usage: Promise<Usage> | undefined;
  const current = (): Promise<Usage> => (usage ??= scanUsage(backend));
  const sizeOf = async (path: string, fh?: number): Promise<number> =>
    (await sideCall(backend, 'getattr', fh === undefined ? { path } : { path, fh })).size;

  /** Writes: growth of the file beyond its current size, cut to the room left. */
  const admitWrite = async (u: Usage, call: OpCall<'write'>): Promise<Growth> => {
    const size = await sizeOf(call.path, call.args.fh);
    const end = call.args.offset + call.args.buffer.length;
    const room = maxBytes - u.bytes;
    if (end - size <= room) return { size, end };
    const allowedEnd = size + Math.max(0, room);
    if (allowedEnd <= call.args.offset) throw new FsError(errno, 'byte quota exceeded');
    call.args.buffer = call.args.buffer.subarray(0, allowedEnd - call.args.offset);
    return { size, end: allowedEnd };
  };

  const onRemove = async (call: OpCall, next: () => Promise<unknown>): Promise<unknown> => {
    const attr = await sideCall(backend, 'getattr', { path: call.path });
    const result = await next();
    const u = await current();
    if (call.op === 'rmdir' || attr.nlink <= 1) {
      u.inodes--;
      if (call.op === 'unlink') u.bytes -= attr.size;
    }
    return result;
  };

  const handle = async (call: OpCall, next: () => Promise<unknown>): Promise<unknown> => {
    const u = await current();
    if (CREATES.has(call.op)) {
      if (u.inodes + 1 > maxInodes) throw new FsError(errno, 'inode quota exceeded');
      const r = await next();
      u.inodes++;
      return r;
    }
    if (isOp(call, 'write')) {
      const g = await admitWrite(u, call);
      const r = await next();
      u.bytes += Math.max(0, Math.min(g.end, call.args.offset + (r as number)) - g.size);
      return r;
    }
    if (isOp(call, 'setattr') && call.args.size !== undefined) {
      const before = await sizeOf(call.path, call.args.fh);
      const growth = call.args.size - before;
      if (growth > 0 && u.bytes + growth > maxBytes)
        throw new FsError(errno, 'byte quota exceeded');
      const r = await next();
      u.bytes += growth;
      return r;
    }
    if (isOp(call, 'fallocate') && call.args.mode === 0) {
      const before = await sizeOf(call.path, call.args.fh);
      const growth = Math.max(0, call.args.offset + call.args.length - before);
      if (u.bytes + growth > maxBytes) throw new FsError(errno, 'byte quota exceeded');
      const r = await next();
      u.bytes += growth;
      return r;
    }
    if (call.op === 'unlink' || call.op === 'rmdir') return onRemove(call, next);
    return next();
  };

  return {
    name,
    around<O extends FsOp>(
      call: OpCall<O>,
      next: () => Promise<OpResultMap[O]>,
    ): Promise<OpResultMap[O]> {
      if (!TRACKED.has(call.op) || !scope.matches(call)) return next();
      return handle(call, next) as Promise<OpResultMap[O]>;
    },
  };
}
