import type { Logger } from 'pino';
import { writeFileBeneath } from '../handoff/safe-path.js';
import { APPS_DONE_FILE } from '../contract/handoff-dir.js';
import { endFuseConnection } from './give-up.js';
import type { LifecycleTarget } from './pod-lifecycle.js';
import type { LiveVolume } from './volume-publisher.js';

/** What the Pod lifecycle watcher does to the publisher's live volumes. */
export function lifecycleActions(o: {
  live: ReadonlyMap<string, LiveVolume>;
  closeFds: (fds: readonly number[]) => void;
  logger: Logger;
}): LifecycleTarget {
  const log = o.logger.child({ component: 'csi-lifecycle' });
  return {
    live: o.live,
    signalAppsDone(target) {
      const v = o.live.get(target);
      if (v === undefined) return;
      try {
        // Beneath the Pod's dir, never following a planted symlink (safe-path.ts).
        writeFileBeneath(v.dirFd, APPS_DONE_FILE, `${JSON.stringify({ at: new Date().toISOString() })}\n`);
      } catch (err) {
        log.warn({ target, err: (err as Error).message }, 'could not tell the sidecar that the apps ended');
      }
    },
    giveUp(target, reason) {
      const v = o.live.get(target);
      if (v === undefined || v.gaveUp !== undefined) return;
      v.gaveUp = reason;
      v.server.close();
      // The handoff source reads this same array: emptied, nothing is offered any more.
      endFuseConnection({ target, fds: v.fds.splice(0), closeFds: o.closeFds, logger: log });
    },
  };
}
