import { watch } from 'node:fs';
import type { FSWatcher } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Logger } from 'pino';

export interface FileWatcherOptions {
  path: string;
  onChange: (text: string) => void;
  logger: Logger;
  /** Fallback poll: inotify events can be missed across the kubelet's ..data symlink swap. */
  pollMs?: number;
}

export interface FileWatcher {
  /** Re-read now (also used by tests); resolves after onChange ran if the text changed. */
  check(): Promise<void>;
  close(): void;
}

/**
 * Calls onChange with the file's text whenever it differs from the last text seen. The kubelet
 * updates downward API and ConfigMap volumes by swapping a `..data` symlink in the directory,
 * so the directory is watched, not the file, with a slow poll as the safety net.
 */
export function createFileWatcher(o: FileWatcherOptions): FileWatcher {
  const log = o.logger.child({ component: 'file-watcher', path: o.path });
  let last: string | undefined;
  let closed = false;
  let running: Promise<void> = Promise.resolve();
  const check = (): Promise<void> => {
    running = running.then(async () => {
      if (closed) return;
      let text: string;
      try {
        text = await readFile(o.path, 'utf8');
      } catch (err) {
        log.debug({ code: (err as NodeJS.ErrnoException).code }, 'file not readable');
        return;
      }
      if (text === last) return;
      last = text;
      o.onChange(text);
    });
    return running;
  };
  let watcher: FSWatcher | undefined;
  try {
    watcher = watch(dirname(o.path), () => void check());
    watcher.on('error', (err) => log.warn({ err }, 'watch failed; polling only'));
  } catch (err) {
    log.warn({ err }, 'watch unavailable; polling only');
  }
  const timer = setInterval(() => void check(), o.pollMs ?? 5000);
  timer.unref();
  return {
    check,
    close() {
      closed = true;
      clearInterval(timer);
      watcher?.close();
    },
  };
}
