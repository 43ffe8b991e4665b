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
}

/** Restore the predecessor's node IDs, compact the journal, and keep journaling from here. */
export function openCustody(stateDir: string, logger: Logger, mirror?: NodeMirror): Custody {
  const path = journalPath(stateDir);
  const restore = loadJournal(path);
  const journal = createFileJournal(path);
  journal.compact(restore);
  // The journal is compacted to the live nodes when it outgrows them (the table is created below).
  const table: { nodes?: NodeTable } = {};
  const maybeCompact = (): void => {
    const live = table.nodes;
    if (live && journal.lines > 4 * live.size + 10_000) journal.compact(live.live());
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
  return { nodes, journal, intents: createIntentLog(`${stateDir}/append-intents.log`) };
}
