import type { PowerlossConfig } from '../../config/types.js';
import { displayName } from '../../vfs/names.js';
import type { FsOp, Layer, OpCall, OpResultMap } from '../../vfs/types.js';
import { isOp } from '../../vfs/types.js';
import type { LayerDeps } from '../stack/deps.js';
import { createKeyedSerial } from '../stack/keyed-serial.js';
import { createJournal } from './powerloss-journal.js';
import type { UndoRecord, UnsyncedFile } from './powerloss-journal.js';
import { createScope } from '../stack/scope.js';
import { DROP_ALL, readOld, tearCut, undo } from './powerloss-undo.js';
import type { Cut } from './powerloss-undo.js';
import { sideCall } from '../stack/side-call.js';

/**
 * LazyFS-style power loss: data written since a file's last fsync/fdatasync is volatile. On
 * command it is dropped (the file returns to its state at the last sync) or torn (a random
 * prefix of the unsynced changes survives, per file, the last of them possibly cut at a sector
 * boundary, all drawn from the layer's seeded stream).
 * sync_file_range reaches no FUSE server, so it cannot make data durable here (docs/layers.md).
 */
export interface PowerlossReport {
  /** Per file: changes kept whole, changes undone, bytes kept of the one torn write (0: none). */
  files: { path: string; undone: number; kept: number; tornBytes: number }[];
}

export interface PowerlossLayer extends Layer {
  unsynced(): UnsyncedFile[];
  drop(): Promise<PowerlossReport>;
  tear(): Promise<PowerlossReport>;
}

/** The byte range a change may destroy (within the old size) and the bytes it writes. */
interface Change {
  path: string;
  /** The app's handle on `path`, when the op carries one. */
  fh?: number | undefined;
  offset: number;
  length: number;
  written: number;
}

const CHANGES: Partial<Record<FsOp, (call: OpCall) => Change | undefined>> = {
  write: (c) => {
    const { offset, buffer, fh } = (c as OpCall<'write'>).args;
    return { path: c.path, fh, offset, length: buffer.length, written: buffer.length };
  },
  // A truncate destroys everything past the new size.
  setattr: (c) => {
    const { size, fh } = (c as OpCall<'setattr'>).args;
    return size === undefined
      ? undefined
      : { path: c.path, fh, offset: size, length: Infinity, written: 0 };
  },
  // Punch hole, zero range and plain allocation change bytes within the range and the size.
  // Collapse/insert range also shift the tail, which this undo does not restore (docs/layers.md).
  fallocate: (c) => {
    const { offset, length, fh } = (c as OpCall<'fallocate'>).args;
    return { path: c.path, fh, offset, length, written: 0 };
  },
  copyFileRange: (c) => {
    const { newPath, offsetOut, length, fhOut } = (c as OpCall<'copyFileRange'>).args;
    return { path: newPath, fh: fhOut, offset: offsetOut, length, written: length };
  },
};

const RENAME_EXCHANGE = 2;
export const DEFAULT_POWERLOSS_BYTES = 64 * 2 ** 20;

export function createPowerlossLayer(cfg: PowerlossConfig, deps: LayerDeps): PowerlossLayer {
  const { name, backend, random, logger } = deps;
  const scope = createScope(cfg.scope);
  const journal = createJournal(cfg.maxBytes ?? DEFAULT_POWERLOSS_BYTES);
  // Per-file serialisation: the undo read and the write it guards must not interleave.
  const serial = createKeyedSerial();

  const guard = async <T>(c: Change, next: () => Promise<T>): Promise<T> => {
    const attrArgs = c.fh === undefined ? { path: c.path } : { path: c.path, fh: c.fh };
    const sizeBefore = (await sideCall(backend, 'getattr', attrArgs)).size;
    const end = Math.min(c.offset + c.length, sizeBefore);
    const old = await readOld(backend, c.path, c.fh, { offset: c.offset, length: end - c.offset });
    journal.add(c.path, { offset: c.offset, old, sizeBefore, written: c.written });
    try {
      return await next();
    } catch (err) {
      journal.pop(c.path);
      throw err;
    }
  };

  const settle = async (
    cutOf: (records: readonly UndoRecord[]) => Cut,
  ): Promise<PowerlossReport> => {
    const files: PowerlossReport['files'] = [];
    for (const path of journal.paths()) {
      await serial(path, async () => {
        const records = journal.take(path);
        const cut = cutOf(records);
        await undo(backend, path, records, cut);
        const torn = cut.tornBytes > 0 ? 1 : 0;
        files.push({
          path: displayName(path),
          undone: records.length - cut.keep - torn,
          kept: cut.keep,
          tornBytes: cut.tornBytes,
        });
      });
    }
    logger?.info({ files: files.length }, 'powerloss: unsynced data discarded');
    return { files };
  };

  return {
    name,
    needsData: true,
    // A drop or tear rewrites the bytes and sizes of files it journalled, through an open
    // without O_CREAT: it never makes a name appear, vanish or move (unlink and rename of a
    // journalled file are followed, not undone). LOOKUP passes untouched.
    missesFromBackend: true,
    around<O extends FsOp>(
      call: OpCall<O>,
      next: () => Promise<OpResultMap[O]>,
    ): Promise<OpResultMap[O]> {
      if (!scope.matches(call)) return next();
      const change = CHANGES[call.op]?.(call);
      if (change !== undefined) return serial(change.path, () => guard(change, next));
      if (call.op === 'fsync' || call.op === 'unlink') {
        return next().then((r) => (journal.clear(call.path), r));
      }
      if (isOp(call, 'rename')) {
        const { newPath, flags } = call.args;
        return next().then(
          (r) => (journal.rename(call.path, newPath, (flags & RENAME_EXCHANGE) !== 0), r),
        );
      }
      return next();
    },
    unsynced: () => journal.report(),
    drop: () => settle(() => DROP_ALL),
    tear: () => settle((records) => tearCut(records, random)),
  };
}
