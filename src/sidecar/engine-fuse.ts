import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Registry } from 'prom-client';
import { continueFiles } from '../config/index.js';
import type { StackConfig } from '../config/index.js';
import { kernelResends, negotiatedInitFrom, requestResend, serve } from '../fuse/index.js';
import type { LayerFactories } from '../layers/stack/registry.js';
import { createStackRuntime } from '../layers/stack/stack-runtime.js';
import type { ServeSpec, ServedVolume, VolumeEngine } from './engine.js';
import { createVolumeBackend } from './volume-backends.js';
import { createVolumeLayers } from './volume-layers.js';
import { startControlServer } from '../control/control-server.js';
import { sidecarControlSocket } from '../control/socket-path.js';
import { controlActionCounter } from '../telemetry/control-metrics.js';
import { EXCLUSIVE_TIMEOUT_S } from '../contract/cache-policy.js';

/** The session's cache options for the policy the driver decided (said once in the log). */
function cacheOptions(spec: ServeSpec) {
  const cache = spec.cache ?? { mode: 'default', reason: 'no cache policy handed over: safe default' };
  spec.logger.info({ cache }, 'cache policy');
  const exclusive = cache.mode === 'exclusive';
  // A day under exclusive (as `-o exclusive`), the engine's 1 s otherwise.
  const day = { entryTimeout: EXCLUSIVE_TIMEOUT_S, attrTimeout: EXCLUSIVE_TIMEOUT_S };
  return { cache, exclusive, times: exclusive ? day : {} };
}

/**
 * The real engine: the volume's backend (passthrough over the PV, or memory/null), the
 * configured layers (the same stack runtime as local mode), the FUSE session on the handed-off
 * fds. A stack that cannot be built is not replaced by a smaller one: the volume answers EIO
 * until a reconfigure builds it (volume-layers.ts). Crash custody: the session keeps its node-ID
 * journal and O_APPEND intent log in `stateDir`, so a successor resolves every node ID the
 * kernel still holds, and RESEND brings back the requests the predecessor had taken.
 */
export function createFuseEngine(o: {
  registry: Registry;
  /** Those of every layer a volume's configuration may name. */
  factories: LayerFactories;
  sizelessMemoryVolumes?: number;
  controlDir?: string;
  /** Memory-reducing GCs the process's idle heap trim has run (shown by `ctl status`). */
  heapTrims?: () => number;
}): VolumeEngine {
  return (spec: ServeSpec): ServedVolume => {
    const init = negotiatedInitFrom(spec.init);
    const chosen = spec.backend ?? { kind: 'passthrough' };
    const { cache, exclusive, times } = cacheOptions(spec);
    const backend = createVolumeBackend(chosen, {
      sourceDir: spec.sourceDir,
      logger: spec.logger,
      sizelessMemoryVolumes: o.sizelessMemoryVolumes ?? 1,
      exclusive,
    });
    // A successor continues its predecessor's record and decision-log files.
    const own = (c: StackConfig): StackConfig => (spec.restarted ? continueFiles(c) : c);
    const layers = createVolumeLayers({
      config: own(spec.config),
      ...(spec.refused !== undefined && { refused: spec.refused }),
      backend,
      factories: o.factories,
      build: (config, factories, readerTap) =>
        createStackRuntime({
          config,
          factories,
          backend,
          logger: spec.logger,
          volume: spec.volume,
          registry: o.registry,
          readerTap,
        }),
    });
    const resend = kernelResends(init);
    if (!resend && !spec.restarted)
      spec.logger.warn(
        { init: { minor: init.minor, flags: init.flags } },
        'kernel without FUSE_NOTIFY_RESEND (before 6.9): if this server dies, the requests it was serving are not resent; each fails with EINTR when its app gets a signal, else waits until the volume is unmounted (docs/operations.md)',
      );
    mkdirSync(spec.stateDir, { recursive: true, mode: 0o700 });
    const session = serve({
      fds: spec.fds,
      init,
      stack: layers.port,
      logger: spec.logger,
      exclusive,
      times,
      stateDir: spec.stateDir,
      answerOrphans: !resend,
    });
    layers.onChange(() => void session.invalidateAll());
    // The control channel of an injected Pod: the same socket as a local mount's, in the
    // writable handoff volume (`kubectl exec POD -c fs-interposer -- fs-interposer ctl --socket
    // /run/fs-interposer/VOLUME.state/ctl.sock status`, or the kubectl plugin).
    const countAction = controlActionCounter(o.registry);
    const control = startControlServer({
      socketPath:
        o.controlDir === undefined
          ? sidecarControlSocket(spec.stateDir)
          : join(o.controlDir, `${spec.volume}.sock`),
      target: {
        get controller() {
          const c = layers.controller;
          if (c === undefined)
            throw new Error(`volume ${spec.volume} is not served: ${layers.refused ?? ''}`);
          return c;
        },
        mountpoint: spec.volume,
        engine: () => ({ ...session.stats(), cache, heapTrims: o.heapTrims?.() ?? 0 }),
      },
      logger: spec.logger,
      onCommand: (command, ok) => countAction(spec.volume, command, ok),
    }).catch((err: Error) => {
      spec.logger.error({ err: err.message }, 'no control socket for this volume');
      return undefined;
    });
    if (spec.restarted && spec.fds[0] !== undefined) {
      const sent = requestResend(spec.fds[0], init);
      spec.logger.info(
        { resend: sent },
        sent ? 'asked the kernel to resend unanswered requests' : 'kernel has no RESEND',
      );
    }
    return {
      done: session.done,
      get refused() {
        return layers.refused;
      },
      reconfigure: (config) => layers.reconfigure(own(config)),
      async close() {
        await (await control)?.close();
        await session.close();
        await layers.close();
        await backend.close?.();
      },
    };
  };
}
