import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { APPS_DONE_FILE } from '../contract/handoff-dir.js';

/**
 * The regular-container sidecar's way to learn that the app containers have ended for good: the
 * CSI driver, which watches the Pods it serves, writes APPS_DONE_FILE into the handoff dir. The
 * sidecar needs no API access (the user's ServiceAccount has none for it). Resolves once.
 */
export function createAppsDoneWatcher(o: { handoffDir: string; pollMs?: number }): () => Promise<void> {
  let pending: Promise<void> | undefined;
  const file = join(o.handoffDir, APPS_DONE_FILE);
  return () => {
    pending ??= new Promise<void>((resolve) => {
      const check = (): void => {
        if (existsSync(file)) {
          clearInterval(timer);
          resolve();
        }
      };
      const timer = setInterval(check, o.pollMs ?? 1000);
      timer.unref();
      check();
    });
    return pending;
  };
}
