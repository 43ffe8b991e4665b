import { FsError } from '../../vfs/errors.js';
import { displayName } from '../../vfs/names.js';

/**
 * Undo records of un-fsynced changes, per file. The powerloss layer lets writes through (so
 * reads, sizes and mmap see them as usual) and keeps what each one overwrote; dropping unsynced
 * data then means undoing the records newest first. Memory is the overwritten bytes only, bounded
 * by `maxBytes`: past it, writes fail with ENOSPC and an explanation rather than growing.
 */
export interface UndoRecord {
  offset: number;
  /** The bytes this change overwrote (within the old size). */
  old: Buffer;
  /** File size before this change. */
  sizeBefore: number;
  /** Bytes the change wrote (0 for a truncate). */
  written: number;
}

export interface UnsyncedFile {
  path: string;
  /** Bytes written since the last fsync. */
  bytes: number;
  changes: number;
}

export interface Journal {
  add(path: string, record: UndoRecord): void;
  /** Remove the newest record of path (its write failed). */
  pop(path: string): void;
  take(path: string): UndoRecord[];
  clear(path: string): void;
  rename(from: string, to: string, exchange: boolean): void;
  paths(): string[];
  report(): UnsyncedFile[];
  readonly heldBytes: number;
}

export function createJournal(maxBytes: number): Journal {
  const files = new Map<string, UndoRecord[]>();
  let held = 0;
  const release = (records: UndoRecord[] | undefined): void => {
    for (const r of records ?? []) held -= r.old.length;
  };
  const moveOne = (from: string, to: string, exchange: boolean): void => {
    const a = files.get(from);
    const b = files.get(to);
    files.delete(from);
    files.delete(to);
    if (a !== undefined) files.set(to, a);
    if (exchange && b !== undefined) files.set(from, b);
    else release(b);
  };
  return {
    get heldBytes() {
      return held;
    },
    add(path, record) {
      if (held + record.old.length > maxBytes) {
        throw new FsError(
          'ENOSPC',
          `powerloss undo data would exceed maxBytes=${maxBytes}: fsync more often or raise powerloss.maxBytes`,
        );
      }
      held += record.old.length;
      let list = files.get(path);
      if (list === undefined) files.set(path, (list = []));
      list.push(record);
    },
    pop(path) {
      const r = files.get(path)?.pop();
      if (r !== undefined) held -= r.old.length;
    },
    take(path) {
      const list = files.get(path) ?? [];
      files.delete(path);
      release(list);
      return list;
    },
    clear(path) {
      release(files.get(path));
      files.delete(path);
    },
    rename(from, to, exchange) {
      const prefix = `${from}/`;
      const moved = [...files.keys()].filter((k) => k.startsWith(prefix));
      moveOne(from, to, exchange);
      for (const k of moved) moveOne(k, `${to}/${k.slice(prefix.length)}`, false);
    },
    paths: () => [...files.keys()],
    report: () =>
      [...files].map(([path, list]) => ({
        // For people (ctl output): invalid UTF-8 bytes as \xNN (docs/adr/0075).
        path: displayName(path),
        bytes: list.reduce((s, r) => s + r.written, 0),
        changes: list.length,
      })),
  };
}
