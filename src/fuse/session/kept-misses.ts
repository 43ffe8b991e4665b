import { write } from 'node:fs';
import { promisify } from 'node:util';
import type { Logger } from '../../log/logger.js';
import { encodeName } from '../../vfs/names.js';
import type { MissRing } from './miss-ring.js';
import type { NodeTable } from './node-types.js';
import { NotifyCode } from '../protocol/constants.js';
import { writeU64 } from '../protocol/decode.js';
import { encodeNotifyHeader } from '../protocol/encode.js';
import { OUT_HEADER_SIZE as O } from '../protocol/layout.js';

const writeAsync = promisify(write);

/** FUSE_EXPIRE_ONLY (7.38): the entry times out; no d_invalidate, so a mount on it stays. */
const EXPIRE_ONLY = 1;
/** Misses remembered per session: ~150 bytes each, so ~2.5 MiB at most. */
export const MAX_KEPT_MISSES = 16_384;

/** FUSE_NOTIFY_INVAL_ENTRY: the kernel's dentry of `name` in `parent` (negative ones too) goes. */
export async function sendInvalEntry(
  fd: number,
  parent: number,
  name: string,
  flags: number,
): Promise<void> {
  const bytes = encodeName(name);
  const msg = Buffer.alloc(O + 16 + bytes.length + 1); // the name NUL-terminated
  encodeNotifyHeader(msg, msg.length, NotifyCode.INVAL_ENTRY);
  writeU64(msg, O, parent);
  msg.writeUInt32LE(bytes.length, O + 8);
  msg.writeUInt32LE(flags, O + 12);
  bytes.copy(msg, O + 16);
  await writeAsync(fd, msg, 0, msg.length, null);
}

/**
 * The negative entries this session handed the kernel (ops/negative-entry.ts), so that a swap to
 * a stack that forbids them can take them back: the kernel has no way to list them. Bounded: past
 * `max` the oldest is taken back from the kernel at once, so every negative entry the kernel may
 * hold stays listed here. A name that has an edge in the node table now was made through the
 * mount (the kernel replaced its negative entry itself): it is dropped without a word, since an
 * invalidation of a positive dentry would also detach a mount on it on kernels before 7.38.
 */
export interface KeptMisses {
  /** A negative entry for (parent, name) is about to be replied. */
  kept(parent: number, name: string): void;
  /**
   * (parent, name) exists now though the kernel was not told (a CREATE that failed after the
   * backend made the file): take its miss back, if one was handed out.
   */
  appeared(parent: number, name: string): void;
  /** Take every listed miss back from the kernel; resolves with the number it had. */
  expireAll(): Promise<number>;
  /** Misses listed, and those being taken back. */
  readonly size: number;
}

export interface KeptMissesOptions {
  /** The /dev/fuse fd the notifications are written to. */
  fd: number;
  nodes: NodeTable;
  /** The negotiated protocol minor: FUSE_EXPIRE_ONLY from 38 on. */
  minor: number;
  logger: Logger;
  max?: number;
  /**
   * The misses the reader threads keep (miss-ring.ts): taken into the list before it is read or
   * changed; a swap first waits for the readers still writing the reply of one.
   */
  ring?: Pick<MissRing, 'drain' | 'settled'>;
}

export function createKeptMisses(o: KeptMissesOptions): KeptMisses {
  const max = o.max ?? MAX_KEPT_MISSES;
  const flags = o.minor >= 38 ? EXPIRE_ONLY : 0;
  const log = new Map<string, { parent: number; name: string }>();
  // One notification at a time, from the threadpool: each waits for its directory's lock, held
  // by a request in that directory that may itself need a threadpool thread to finish.
  let chain: Promise<boolean> = Promise.resolve(false);
  const send = async (parent: number, name: string): Promise<boolean> => {
    if (o.nodes.lookupEdge(parent, name) !== undefined) return false;
    try {
      await sendInvalEntry(o.fd, parent, name, flags);
      return true;
    } catch (err) {
      // ENOENT: the kernel no longer has that entry or its directory.
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT')
        o.logger.debug({ err, parent }, 'negative entry invalidation failed');
      return false;
    }
  };
  // Counted until written, so that `size` reaching 0 means the kernel has taken them all back.
  let sending = 0;
  const expire = (parent: number, name: string): Promise<boolean> => {
    sending++;
    return (chain = chain.then(() => send(parent, name)).finally(() => sending--));
  };
  const keep = (parent: number, name: string): void => {
    const key = `${parent}/${name}`;
    log.delete(key);
    log.set(key, { parent, name });
    if (log.size <= max) return;
    const oldest = log.entries().next().value!;
    log.delete(oldest[0]);
    void expire(oldest[1].parent, oldest[1].name);
  };
  const drain = (): void => {
    if (o.ring) for (const m of o.ring.drain()) keep(m.parent, m.name);
  };
  const expireAll = async (): Promise<number> => {
    const ring = o.ring;
    if (ring && !(await ring.settled())) {
      o.logger.warn('a reader kept writing a negative entry past 1 s; taking the others back');
      // Its entry is listed once it is written: taken back then (a later drain lists it).
      void ring.settled(Infinity).then(expireAll);
    }
    drain();
    const all = [...log.values()];
    log.clear();
    const had = await Promise.all(all.map((e) => expire(e.parent, e.name)));
    return had.filter(Boolean).length;
  };
  return {
    expireAll,
    kept(parent, name) {
      drain();
      keep(parent, name);
    },
    appeared(parent, name) {
      drain();
      const key = `${parent}/${name}`;
      if (!log.delete(key)) return;
      void expire(parent, name);
    },
    get size() {
      drain();
      return log.size + sending;
    },
  };
}
