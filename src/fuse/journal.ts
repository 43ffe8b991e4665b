import { closeSync, existsSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import type { NodeJournal } from './nodes.js';

/**
 * The node-ID journal of crash custody: every node ID handed to the kernel is written (before
 * the reply) as an (id, parent, name, ino) edge to an append-only file in the volume's state
 * directory, so that a successor server can resolve the IDs the kernel still holds. A process
 * crash loses nothing written with write(2) (it sits in the page cache), so no fsync is needed;
 * a node crash ends the FUSE connection anyway.
 *
 * Lines: `a id parent ino name` (added), `m id parent name` (moved), `r id` (removed).
 * Names are JSON strings so that spaces and newlines survive.
 */
export interface RestoredNode {
  id: number;
  parent: number;
  name: string;
  ino: bigint;
}

export interface FileJournal extends NodeJournal {
  /** Rewrite the file as a snapshot of the live nodes (bounded size). */
  compact(live: Iterable<RestoredNode>): void;
  readonly lines: number;
  close(): void;
}

export function journalPath(stateDir: string): string {
  return `${stateDir}/nodes.journal`;
}

/** Replay a journal into the nodes still live at its end. Torn last lines are ignored. */
export function loadJournal(path: string): RestoredNode[] {
  if (!existsSync(path)) return [];
  const nodes = new Map<number, RestoredNode>();
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const [kind, a, b, c, ...rest] = line.split(' ');
    try {
      if (kind === 'a') {
        nodes.set(Number(a), { id: Number(a), parent: Number(b), ino: BigInt(c!), name: JSON.parse(rest.join(' ')) as string });
      } else if (kind === 'm') {
        const n = nodes.get(Number(a));
        if (n) Object.assign(n, { parent: Number(b), name: JSON.parse([c, ...rest].join(' ')) as string });
      } else if (kind === 'r') nodes.delete(Number(a));
    } catch {
      // a line torn by a crash in the middle of write(2): the entry was never answered
    }
  }
  return [...nodes.values()];
}

export function createFileJournal(path: string): FileJournal {
  let fd = openSync(path, 'a');
  let lines = 0;
  const put = (s: string): void => {
    writeSync(fd, s);
    lines++;
  };
  return {
    added: (id, parent, name, ino) => put(`a ${id} ${parent} ${ino} ${JSON.stringify(name)}\n`),
    moved: (id, parent, name) => put(`m ${id} ${parent} ${JSON.stringify(name)}\n`),
    removed: (id) => put(`r ${id}\n`),
    compact(live) {
      const tmp = `${path}.tmp`;
      const out = openSync(tmp, 'w');
      let n = 0;
      for (const e of live) {
        writeSync(out, `a ${e.id} ${e.parent} ${e.ino} ${JSON.stringify(e.name)}\n`);
        n++;
      }
      closeSync(out);
      renameSync(tmp, path);
      closeSync(fd);
      fd = openSync(path, 'a');
      lines = n;
    },
    get lines() {
      return lines;
    },
    close: () => closeSync(fd),
  };
}
