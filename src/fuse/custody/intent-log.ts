import { closeSync, existsSync, openSync, readFileSync, writeSync } from 'node:fs';

/** Intent log for O_APPEND writes: `unique -> size before`, persisted, the last N kept. */
export interface IntentLog {
  sizeBefore(key: number): number | undefined;
  record(key: number, size: number): void;
  close(): void;
}

const KEEP = 4096;

export function createIntentLog(path?: string): IntentLog {
  const intents = new Map<number, number>();
  if (path !== undefined && existsSync(path)) {
    for (const line of readFileSync(path, 'utf8').split('\n')) {
      const [k, s] = line.split(' ').map(Number);
      if (Number.isFinite(k) && Number.isFinite(s)) intents.set(k!, s!);
    }
  }
  let fd = path === undefined ? -1 : openSync(path, 'w');
  let lines = 0;
  const rewrite = (): void => {
    closeSync(fd);
    fd = openSync(path!, 'w');
    for (const [k, s] of intents) writeSync(fd, `${k} ${s}\n`);
    lines = intents.size;
  };
  if (fd >= 0) rewrite();
  return {
    sizeBefore: (key) => intents.get(key),
    record(key, size) {
      intents.set(key, size);
      if (intents.size > KEEP) intents.delete(intents.keys().next().value!);
      if (fd < 0) return;
      writeSync(fd, `${key} ${size}\n`);
      if (++lines > 2 * KEEP) rewrite();
    },
    close: () => {
      if (fd >= 0) closeSync(fd);
    },
  };
}
