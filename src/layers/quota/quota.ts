import type { QuotaConfig } from '../../config/types.js';
import { FsError } from '../../vfs/errors.js';
import type { Attr, FsOp, Layer, OpCall, OpResultMap, StatFs } from '../../vfs/types.js';
import type { LayerDeps } from '../stack/deps.js';
import { createKeyedSerial } from '../stack/keyed-serial.js';
import { scanUsage } from './quota-usage.js';
import { budgetStatfs } from './quota-statfs.js';
import type { Usage } from './quota-usage.js';
import { createScope } from '../stack/scope.js';
import { sideCall } from '../stack/side-call.js';
import { passThrough } from '../stack/pass-through.js';
import { O_TRUNC } from '../../sys/constants.js';

/**
 * Byte and inode budgets over the whole volume, starting from the backend's usage (scanned when
 * the layer is built). A write that would cross the byte budget is cut short to what still fits,
 * as a real full disk does, and fails only when nothing fits. Growth is reserved before the call
 * goes on and settled after it, so concurrent calls cannot overshoot the budget together.
 */
type Next = () => Promise<unknown>;
type Handler = (u: Usage, call: OpCall, next: Next) => Promise<unknown>;

const sizeKey = (call: OpCall): string | undefined => {
  if (call.op === 'copyFileRange') return (call as OpCall<'copyFileRange'>).args.newPath;
  return call.op === 'write' ||
    call.op === 'setattr' ||
    call.op === 'fallocate' ||
    call.op === 'create' ||
    (call.op === 'open' && truncates(call as OpCall<'open'>))
    ? call.path
    : undefined;
};

// The kernel truncates at open (FUSE_ATOMIC_O_TRUNC): an OPEN with O_TRUNC, no SETATTR.
const truncates = (call: OpCall<'open' | 'create'>): boolean => (call.args.flags & O_TRUNC) !== 0;

const S_IFMT = 0o170000;
const S_IFREG = 0o100000;
const RENAME_EXCHANGE = 2;

export function createQuotaLayer(cfg: QuotaConfig, deps: LayerDeps): Layer {
  const { name, backend } = deps;
  const scope = createScope(cfg.scope);
  const errno = cfg.errno ?? 'ENOSPC';
  const maxBytes = cfg.maxBytes ?? Infinity;
  const maxInodes = cfg.maxInodes ?? Infinity;
  if (maxBytes === Infinity && maxInodes === Infinity) return passThrough(name);
  // Scanned from build time on, so a large volume's walk overlaps the mount's start; ops through
  // this layer wait for it, so none is counted twice. A failed scan is logged and counts from 0.
  const usage = scanUsage(backend).catch((err: unknown): Usage => {
    deps.logger?.error({ err }, 'quota: usage scan failed; budgets count from zero');
    return { bytes: 0, inodes: 0 };
  });
  const current = (): Promise<Usage> => usage;
  const attrOf = (path: string, fh?: number): Promise<Attr> =>
    sideCall(backend, 'getattr', fh === undefined ? { path } : { path, fh });
  const sizeOf = async (path: string, fh?: number): Promise<number> =>
    (await attrOf(path, fh)).size;
  const serial = createKeyedSerial();
  const over = (what: string): FsError => new FsError(errno, `${what} quota exceeded`);

  /** Grow-or-refuse for ops that cannot be cut short (truncate, fallocate, copy_file_range). */
  const grow = async (u: Usage, growth: number, next: Next): Promise<unknown> => {
    if (growth > 0 && u.bytes + growth > maxBytes) throw over('byte');
    u.bytes += growth;
    try {
      return await next();
    } catch (err) {
      u.bytes -= growth;
      throw err;
    }
  };

  /** An object that disappears (unlink, rmdir, rename over it) frees its inode and bytes. */
  const freed = (u: Usage, attr: Attr | undefined, dir: boolean): void => {
    if (attr === undefined || (!dir && attr.nlink > 1)) return;
    u.inodes--;
    if ((attr.mode & S_IFMT) === S_IFREG) u.bytes -= attr.size;
  };

  const create: Handler = async (u, _call, next) => {
    if (u.inodes + 1 > maxInodes) throw over('inode');
    const r = await next();
    u.inodes++;
    return r;
  };

  /** The bytes a truncating open frees. */
  const truncated = async (u: Usage, call: OpCall, next: Next): Promise<unknown> => {
    const before = await attrOf(call.path).catch(() => undefined);
    const r = await next();
    if (before !== undefined && (before.mode & S_IFMT) === S_IFREG) u.bytes -= before.size;
    return r;
  };

  const handlers: Partial<Record<FsOp, Handler>> = {
    // CREATE of a name that exists (O_CREAT without O_EXCL, a name the kernel had not looked up)
    // opens that file: no new inode, and with O_TRUNC its bytes are freed.
    async create(u, call, next) {
      const existing = await attrOf(call.path).catch(() => undefined);
      if (existing === undefined) return create(u, call, next);
      return truncates(call as OpCall<'create'>) ? truncated(u, call, next) : next();
    },
    open: (u, call, next) =>
      truncates(call as OpCall<'open'>) ? truncated(u, call, next) : next(),
    statfs: async (u, _call, next) =>
      budgetStatfs((await next()) as StatFs, u, maxBytes, maxInodes),
    mknod: create,
    mkdir: create,
    symlink: create,
    // Reserved before the write goes on, so concurrent writes cannot overshoot together.
    async write(u, call, next) {
      {
        const args = (call as OpCall<'write'>).args;
        const size = await sizeOf(call.path, args.fh);
        const room = maxBytes - u.bytes;
        const end = Math.min(args.offset + args.buffer.length, size + Math.max(0, room));
        if (end <= args.offset) throw over('byte');
        if (end < args.offset + args.buffer.length)
          args.buffer = args.buffer.subarray(0, end - args.offset);
        const reserved = Math.max(0, end - size);
        u.bytes += reserved;
        try {
          const n = (await next()) as number;
          u.bytes += Math.max(0, args.offset + n - size) - reserved;
          return n;
        } catch (err) {
          u.bytes -= reserved;
          throw err;
        }
      }
    },
    async setattr(u, call, next) {
      const args = (call as OpCall<'setattr'>).args;
      if (args.size === undefined) return next();
      return grow(u, args.size - (await sizeOf(call.path, args.fh)), next);
    },
    async fallocate(u, call, next) {
      const args = (call as OpCall<'fallocate'>).args;
      if (args.mode !== 0) return next();
      return grow(
        u,
        Math.max(0, args.offset + args.length - (await sizeOf(call.path, args.fh))),
        next,
      );
    },
    async copyFileRange(u, call, next) {
      const args = (call as OpCall<'copyFileRange'>).args;
      const size = await sizeOf(args.newPath, args.fhOut);
      return grow(u, Math.max(0, args.offsetOut + args.length - size), next);
    },
    async unlink(u, call, next) {
      const attr = await attrOf(call.path);
      const r = await next();
      freed(u, attr, false);
      return r;
    },
    async rmdir(u, call, next) {
      const r = await next();
      u.inodes--;
      return r;
    },
    async rename(u, call, next) {
      const args = (call as OpCall<'rename'>).args;
      if ((args.flags & RENAME_EXCHANGE) !== 0) return next();
      const target = await attrOf(args.newPath).catch(() => undefined);
      const r = await next();
      freed(u, target, ((target?.mode ?? 0) & S_IFMT) !== S_IFREG);
      return r;
    },
  };

  return {
    name,
    // Writes through kernel passthrough never reach the layer: a byte budget must see them.
    needsData: maxBytes !== Infinity,
    // Refuses ops that would create or grow (a refused create leaves the name missing, as the
    // kernel expects); its own calls only read attributes. LOOKUP passes untouched.
    missesFromBackend: true,
    around<O extends FsOp>(
      call: OpCall<O>,
      next: () => Promise<OpResultMap[O]>,
    ): Promise<OpResultMap[O]> {
      const handler = handlers[call.op];
      if (handler === undefined || !scope.matches(call)) return next();
      const run = (): Promise<unknown> => current().then((u) => handler(u, call, next));
      // Size-changing calls on one file run one at a time: growth is measured on a settled size.
      const key = sizeKey(call);
      return (key === undefined ? run() : serial(key, run)) as Promise<OpResultMap[O]>;
    },
  };
}
