/**
 * The crash-custody journal's lines of the reader threads (ADR 0087 point 2): under crash
 * custody every node ID handed to the kernel, and every name taken from one, is written to the
 * journal before the reply (src/fuse/custody/journal.ts), so that a successor resolves the IDs
 * the kernel still holds. A reader that makes a node (direct-new-node.ts) or removes a name
 * (direct-unlink.ts) appends the same line the main thread would, with one write(2) on the
 * journal's O_APPEND fd (a line is never interleaved with another's), while it holds the
 * mirror's writers' lock and before it publishes the change in the removal ring: so when the
 * main thread compacts the journal (under that lock, session.ts), every line a reader appended
 * to the old file is of a change it finds either in its table or in the ring, and writes again.
 */
import { appendLine } from '../../sys/reader-meta.js';
import { decodeName } from '../../vfs/names.js';
import { addedLine, unlinkedLine } from '../custody/journal.js';
import { JOURNAL_FD } from './node-mirror-layout.js';

/** The journal's fd now (read under the writers' lock), or -1 without crash custody. */
export const journalFd = (t: Int32Array): number => Atomics.load(t, JOURNAL_FD);

/** Journal node `id` added as (parent, name): 0, or -errno of the write. */
export function journalAdded(
  fd: number,
  at: { id: number; parent: number; name: Uint8Array; ino: bigint },
): number {
  return appendLine(fd, Buffer.from(addedLine(at.id, at.parent, decodeName(at.name), at.ino)));
}

/** Journal the name (parent, name) of node `id` gone: 0, or -errno of the write. */
export function journalUnlinked(
  fd: number,
  at: { id: number; parent: number; name: Uint8Array },
): number {
  return appendLine(fd, Buffer.from(unlinkedLine(at.id, at.parent, decodeName(at.name))));
}
