import type { Logger } from '../../log/logger.js';
import { createNodeTable } from '../session/nodes.js';
import type { NodeTable } from '../session/nodes.js';
import type { NodeMirror } from '../session/node-types.js';
import { createIntentLog } from './intent-log.js';
import type { IntentLog } from './intent-log.js';
import { createFileJournal, journalPath, loadJournal } from './journal.js';
import type { FileJournal } from './journal.js';

/** What a session keeps for a successor: its node IDs (journaled) and its O_APPEND intents. */
export interface Custody {
  nodes: NodeTable;
  journal: FileJournal;
  intents: IntentLog;
  /**
   * With `deferCompaction`: the journal outgrew the table, and the session compacts it at its
   * next request (`compact`), when it can first take in what the reader threads appended.
   */
  readonly compactionDue: boolean;
  compact(after: readonly string[]): void;
}

/**
 * Restore the predecessor's node IDs, compact the journal, and keep journaling from here.
 * `deferCompaction`: the reader threads append to the journal too (session.ts), so a compaction
 * waits for the session (compactionDue) instead of running inside a table change.
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
  const maybeCompact = (): void => {
    const live = table.nodes;
    if (!live || journal.lines <= 4 * live.size + 10_000) return;
    if (deferCompaction) due = true;
    else journal.compact(live.live());
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
      return due;
    },
    compact(after) {
      journal.compact(nodes.live(), after);
      due = false;
    },
  };
}
