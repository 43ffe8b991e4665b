import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { isRecordLine } from '../layers/record/record-format.js';
import { addRecord, createAnalysis } from './analysis.js';
import type { RunAnalysis } from './analysis.js';

/**
 * Stream one or more recorded files (oldest first) into one analysis. Streaming keeps memory
 * bounded by the analysis, not by the run: rotated logs of a long run are many gigabytes.
 */
export async function loadRun(paths: readonly string[]): Promise<RunAnalysis> {
  const a = createAnalysis();
  for (const path of paths) {
    const lines = createInterface({ input: createReadStream(path), crlfDelay: Infinity });
    for await (const line of lines) {
      if (line.trim() === '') continue;
      let v: unknown;
      try {
        v = JSON.parse(line);
      } catch {
        a.skipped += 1; // a line cut by a crash mid-write: count it, keep going
        continue;
      }
      if (isRecordLine(v)) addRecord(a, v);
      else if ((v as { kind?: unknown }).kind === 'fs-interposer-record') {
        a.volume ??= String((v as { volume?: unknown }).volume);
      } else a.skipped += 1;
    }
  }
  return a;
}
