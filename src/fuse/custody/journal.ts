import { closeSync, existsSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import type { NodeEdge, NodeJournal } from '../session/node-types.js';

/**
 * The node-ID journal of crash custody: every node ID handed to the kernel is written (before
 * the reply) as an (id, parent, name, ino) edge to an append-only file in the volume's state
 * directory, so that a successor server can resolve the IDs the kernel still holds. A process
 * crash loses nothing written with write(2) (it sits in the page cache), so no fsync is needed;
 * a node crash ends the FUSE connection anyway.
 *
 * Lines: `a id parent ino name` (added), `l id parent name` (another name of the node: a hard
 * link), `m id parent name` (its only name moved), `u id parent name` (one name gone), `r id`
 * (removed). Names are JSON strings so that spaces and newlines survive, and so do the escaped
 * bytes of a name that is not UTF-8 (docs/adr/0075): JSON.stringify writes each as the ASCII
 * escape \udcNN, which JSON.parse restores exactly; the file never holds U+FFFD. A reader that
 * predates `l` and `u` skips them: it restores one name per node, as it made them.
 */
export type RestoredNode = NodeEdge;

/** A snapshot written aside (FileJournal.stage): put in place, or dropped (its fd closed). */
export interface Staged {
  finish(after: readonly string[]): void;
  abort(): void;
}

export interface FileJournal extends NodeJournal {
  /** Rewrite the file as a snapshot of the live nodes (bounded size). */
  compact(live: Iterable<RestoredNode>): void;
  /**
   * The same in two steps, for a journal the reader threads append to as well (removals.ts):
   * the snapshot written aside now; `finish` appends `after` (lines of changes the table has not
   * taken in: the readers') and puts it in place of the journal, while no reader appends.
   */
  stage(live: Iterable<RestoredNode>): Staged;
  /** Lines appended by others (the readers) since the last count: the size the compaction checks. */
  note(lines: number): void;
  readonly lines: number;
  /** The O_APPEND fd lines go to now (the reader threads append theirs too: direct-journal.ts). */
  readonly fd: number;
  close(): void;
}

/** The line of a node added with its first name. */
export const addedLine = (id: number, parent: number, name: string, ino: bigint): string =>
  `a ${id} ${parent} ${ino} ${JSON.stringify(name)}\n`;

/** The line of one name of a node gone. */
export const unlinkedLine = (id: number, parent: number, name: string): string =>
  `u ${id} ${parent} ${JSON.stringify(name)}\n`;

export function journalPath(stateDir: string): string {
  return `${stateDir}/nodes.journal`;
}

type Replayed = Map<number, { ino: bigint; names: { parent: number; name: string }[] }>;

/** Replay a journal into the names still live at its end. Torn last lines are ignored. */
export function loadJournal(path: string): RestoredNode[] {
  if (!existsSync(path)) return [];
  const nodes: Replayed = new Map();
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    try {
      replay(nodes, line);
    } catch {
      // a line torn by a crash in the middle of write(2): the entry was never answered
    }
  }
  return [...nodes].flatMap(([id, n]) => n.names.map((x) => ({ id, ino: n.ino, ...x })));
}

type Names = { parent: number; name: string }[];

/** What each line kind does to the names of its node (`a` and `r` are handled by replay). */
const EDITS: Record<string, (names: Names, at: { parent: number; name: string }) => Names> = {
  l: (names, at) => (names.some((x) => same(x, at)) ? names : [...names, at]),
  m: (_names, at) => [at],
  u: (names, at) => names.filter((x) => !same(x, at)),
};

const same = (x: { parent: number; name: string }, y: { parent: number; name: string }): boolean =>
  x.parent === y.parent && x.name === y.name;

function replay(nodes: Replayed, line: string): void {
  const [kind, a, b, c, ...rest] = line.split(' ');
  const id = Number(a);
  if (kind === 'r') nodes.delete(id);
  if (kind === 'a') {
    const first = { parent: Number(b), name: JSON.parse(rest.join(' ')) as string };
    nodes.set(id, { ino: BigInt(c!), names: [first] });
  }
  const edit = kind === undefined ? undefined : EDITS[kind];
  const n = nodes.get(id);
  if (edit === undefined || n === undefined) return;
  n.names = edit(n.names, {
    parent: Number(b),
    name: JSON.parse([c, ...rest].join(' ')) as string,
  });
  if (n.names.length === 0) nodes.delete(id);
}

export function createFileJournal(path: string): FileJournal {
  let fd = openSync(path, 'a');
  let lines = 0;
  const put = (s: string): void => {
    writeSync(fd, s);
    lines++;
  };
  const stage: FileJournal['stage'] = (live) => {
    const tmp = `${path}.tmp`;
    const out = openSync(tmp, 'w');
    let n = 0;
    try {
      const seen = new Set<number>();
      for (const e of live) {
        const head = seen.has(e.id) ? `l ${e.id} ${e.parent}` : `a ${e.id} ${e.parent} ${e.ino}`;
        writeSync(out, `${head} ${JSON.stringify(e.name)}\n`);
        seen.add(e.id);
        n++;
      }
    } catch (err) {
      closeSync(out);
      throw err;
    }
    let open = true;
    const done = (): void => {
      if (open) closeSync(out);
      open = false;
    };
    return {
      finish(after) {
        try {
          for (const line of after) writeSync(out, line);
        } finally {
          done();
        }
        // Opened before the rename (the fd follows the file): a failure leaves the journal as it was.
        const next = openSync(tmp, 'a');
        try {
          renameSync(tmp, path);
        } catch (err) {
          closeSync(next);
          throw err;
        }
        const old = fd;
        fd = next;
        lines = n + after.length;
        // The journal is the new file now, whatever closing the old one says.
        try {
          closeSync(old);
        } catch {
          // an error of the old fd's close changes nothing written
        }
      },
      abort: done,
    };
  };
  return {
    added: (id, parent, name, ino) => put(addedLine(id, parent, name, ino)),
    linked: (id, parent, name) => put(`l ${id} ${parent} ${JSON.stringify(name)}\n`),
    moved: (id, parent, name) => put(`m ${id} ${parent} ${JSON.stringify(name)}\n`),
    unlinked: (id, parent, name) => put(unlinkedLine(id, parent, name)),
    removed: (id) => put(`r ${id}\n`),
    compact: (live) => stage(live).finish([]),
    stage,
    note(n) {
      lines += n;
    },
    get lines() {
      return lines;
    },
    get fd() {
      return fd;
    },
    close: () => closeSync(fd),
  };
}
