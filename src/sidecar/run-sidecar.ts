import type { Logger } from 'pino';
import { join } from 'node:path';
import { custodySocketName, handoffSocketName } from '../contract/handoff-dir.js';
import { parseSidecarEnv } from '../contract/sidecar-env.js';
import { cachePolicyFromExtra } from '../contract/cache-policy.js';
import { fetchOffer } from '../handoff/client.js';
import { openRootDir } from '../handoff/safe-path.js';
import { startIdleHeapTrim } from '../sys/idle-heap-trim.js';
import { createHandoffServer } from '../handoff/server.js';
import { createAppsDoneWatcher } from './apps-done.js';
import type { HandedVolume } from './server.js';
import { createServerSpawner } from './spawn-server.js';
import { createSupervisor } from './supervisor.js';

type Env = Readonly<Record<string, string | undefined>>;

/**
 * `fs-interposer sidecar`: acquire the FUSE fds from the CSI driver, hold them, run the server
 * child (plus a warm standby) and replace it at once when it dies; offer the fds back to a
 * restarted driver; stop when the app is done. `signals` receives SIGTERM/SIGINT.
 */
export async function runSidecar(o: {
  env: Env;
  logger: Logger;
  onSignal: (handler: () => void) => void;
}): Promise<number> {
  const env = parseSidecarEnv(o.env);
  const logger = o.logger.child({ role: 'supervisor' });
  const dirFd = openRootDir(env.handoffDir);
  const supervisor = createSupervisor({
    volumes: env.volumes,
    acquire: async (volume): Promise<HandedVolume> => {
      const socketPath = join(env.handoffDir, handoffSocketName(volume));
      const { offer, fds } = await fetchOffer({ socketPath, timeoutMs: env.acquireTimeoutMs });
      return { volume, fds, init: offer.init, cache: cachePolicyFromExtra(offer.extra) };
    },
    offerCustody: (held) => {
      const server = createHandoffServer({
        dirFd,
        name: custodySocketName(held.volume),
        logger,
        mode: 0o600,
        source: () => ({
          message: {
            volumeId: held.volume,
            init: held.init,
            fds: held.fds.map((_, i) => (i === 0 ? 'primary' : 'queue')),
            ...(held.cache !== undefined && { extra: { cache: held.cache } }),
          },
          fds: held.fds,
        }),
      });
      return () => server.close();
    },
    spawnServer: createServerSpawner(),
    appsDone: createAppsDoneWatcher({ handoffDir: env.handoffDir }),
    nativeSidecar: env.nativeSidecar,
    graceMs: env.graceMs,
    logger,
  });
  o.onSignal(() => supervisor.terminate());
  await supervisor.start();
  // The supervisor only holds fds and waits from here: its start-up garbage goes back now.
  const trim = startIdleHeapTrim();
  trim.trimNow();
  return supervisor.done.finally(() => trim.stop());
}
