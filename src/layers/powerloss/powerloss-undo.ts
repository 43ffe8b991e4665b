import type { Backend } from '../../vfs/types.js';
import type { UndoRecord } from './powerloss-journal.js';
import type { Random } from '../stack/random.js';
import { sideCall, withHandle } from '../stack/side-call.js';

/** Reading what a change will overwrite, and undoing changes (whole or torn) on the backend. */
const O_RDONLY = 0;
const O_WRONLY = 1;
/** A torn write keeps whole sectors: what a disk that lost power mid-write leaves. */
export const SECTOR = 512;

export interface Range {
  offset: number;
  length: number;
}

async function readRange(
  backend: Backend,
  path: string,
  fh: number,
  range: Range,
): Promise<Buffer> {
  const buffer = Buffer.alloc(range.length);
  const n = await sideCall(backend, 'read', {
    path,
    fh,
    buffer,
    offset: range.offset,
    flags: O_RDONLY,
  });
  return buffer.subarray(0, n);
}

/**
 * The bytes a change is about to overwrite: through the app's own handle when it is readable
 * (no extra open), else through a handle of our own (a write-only open, or no handle at all).
 */
export async function readOld(
  backend: Backend,
  path: string,
  fh: number | undefined,
  range: Range,
): Promise<Buffer> {
  if (range.length <= 0) return Buffer.alloc(0);
  if (fh !== undefined) {
    const viaOwn = await readRange(backend, path, fh, range).catch(() => undefined);
    if (viaOwn !== undefined) return viaOwn;
  }
  return withHandle(backend, path, O_RDONLY, (own) => readRange(backend, path, own, range));
}

/** Which unsynced changes of a file survive: the first `keep` whole, then `tornBytes` of the next. */
export interface Cut {
  keep: number;
  tornBytes: number;
}

export const DROP_ALL: Cut = { keep: 0, tornBytes: 0 };

/** A seeded cut: a prefix of the changes, and a sector-aligned prefix of the next write. */
export function tearCut(records: readonly UndoRecord[], random: Random): Cut {
  const keep = random.int(records.length + 1);
  const next = records[keep];
  const sectors = next === undefined ? 0 : Math.floor(next.written / SECTOR);
  return { keep, tornBytes: sectors > 0 ? SECTOR * random.int(sectors) : 0 };
}

interface Target {
  backend: Backend;
  path: string;
  fh: number;
}

/** Undo r, except for the first `from` bytes it wrote (0: undo it whole). */
async function restore({ backend, path, fh }: Target, r: UndoRecord, from: number): Promise<void> {
  const size = Math.max(r.sizeBefore, from === 0 ? 0 : r.offset + from);
  await sideCall(backend, 'setattr', { path, fh, size });
  if (from < r.old.length) {
    const buffer = r.old.subarray(from);
    await sideCall(backend, 'write', {
      path,
      fh,
      buffer,
      offset: r.offset + from,
      flags: O_WRONLY,
    });
  }
}

/** Undo everything after the cut, newest first. */
export async function undo(
  backend: Backend,
  path: string,
  records: readonly UndoRecord[],
  cut: Cut,
): Promise<void> {
  const torn = cut.tornBytes > 0 ? 1 : 0;
  const whole = records.slice(cut.keep + torn);
  if (whole.length === 0 && torn === 0) return;
  await withHandle(backend, path, O_WRONLY, async (fh) => {
    const target = { backend, path, fh };
    for (const r of [...whole].reverse()) await restore(target, r, 0);
    const partial = records[cut.keep];
    if (torn === 1 && partial !== undefined) await restore(target, partial, cut.tornBytes);
  });
}
