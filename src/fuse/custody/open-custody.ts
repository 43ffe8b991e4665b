import type { Logger } from '../../log/logger.js';
import { createNodeTable } from '../session/nodes.js';
import type { NodeTable } from '../session/nodes.js';
import type { NodeMirror } from '../session/node-types.js';
import { createIntentLog } from './intent-log.js';
import type { IntentLog } from './intent-log.js';
import { createFileJournal, journalPath, loadJournal } from './journal.js';
import type { FileJournal, Staged } from './journal.js';

/** What a session keeps for a successor: its node IDs (journaled) and its O_APPEND intents. */
export interface Custody {
  nodes: NodeTable;
  journal: FileJournal;
  intents: IntentLog;
  /**
   * With `deferCompaction`: the journal outgrew the table, and the session compacts it at its
   * next request (removals.ts), when it can first take in what the reader threads appended.
   */
  readonly compactionDue: boolean;
  /** Lines the readers appended (one per entry of theirs the session takes in). */
  noted(lines: number): void;
  /** The snapshot of the table written aside; `finish` (no reader appending) puts it in place. */
  stage(): Staged;
  /** A compaction failed (logged by the caller): tried again a minute later. */
  failed(): void;
}

const RETRY_MS = 60_000;

/**
 * Restore the predecessor's node IDs, compact the journal, and keep journaling from here.
 * `deferCompaction`: the reader threads append to the journal too (session.ts), so a compaction
 * waits for the session (compactionDue) instead of running inside a table change, and every
 * kind of line counts towards it (a reader's LOOKUP and the FORGET after it add no `a` line of
 * the main thread's).
 */
export function openCustody(
  stateDir: string,
  logger: Logger,
  mirror?: NodeMirror,
  deferCompaction = false,
): Custody {
  const path = journalPath(stateDir);
  const restore = loadJournal(path);
  const journal = createFileJournal(path);
  journal.compact(restore);
  // The journal is compacted to the live nodes when it outgrows them (the table is created below).
  const table: { nodes?: NodeTable } = {};
  let due = false;
  let retryAt = 0;
  /** `inside`: called in the middle of a table change (a rename's lines): never compact there. */
  const maybeCompact = (inside = false): void => {
    const live = table.nodes;
    if (!live || journal.lines <= 4 * live.size + 10_000) return;
    if (deferCompaction) due = true;
    else if (!inside) journal.compact(live.live());
  };
  const compacting: FileJournal = {
    ...journal,
    added(id, parent, name, ino) {
      journal.added(id, parent, name, ino);
      maybeCompact();
    },
    linked(id, parent, name) {
      journal.linked(id, parent, name);
      maybeCompact();
    },
    moved(id, parent, name) {
      journal.moved(id, parent, name);
      maybeCompact(true);
    },
    unlinked(id, parent, name) {
      journal.unlinked(id, parent, name);
      maybeCompact(true);
    },
    removed(id) {
      journal.removed(id);
      maybeCompact(true);
    },
  };
  const nodes = createNodeTable({ journal: compacting, restore, ...(mirror && { mirror }) });
  table.nodes = nodes;
  if (restore.length > 0)
    logger.info({ nodes: restore.length }, 'restored node IDs of a previous server');
  return {
    nodes,
    journal,
    intents: createIntentLog(`${stateDir}/append-intents.log`),
    get compactionDue() {
      return due && Date.now() >= retryAt;
    },
    noted(lines) {
      journal.note(lines);
      maybeCompact(true);
    },
    stage() {
      const staged = journal.stage(nodes.live());
      return {
        finish(after) {
          staged.finish(after);
          due = false;
        },
        abort: () => staged.abort(),
      };
    },
    failed() {
      retryAt = Date.now() + RETRY_MS;
    },
  };
}
