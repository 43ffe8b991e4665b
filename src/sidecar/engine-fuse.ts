import { mkdirSync, writeSync } from 'node:fs';
import type { Registry } from 'prom-client';
import { createPassthroughBackend } from '../backends/passthrough/backend.js';
import type { NegotiatedInit } from '../fuse/init.js';
import { hasFlag } from '../fuse/init.js';
import { InitFlag, NotifyCode } from '../fuse/protocol/constants.js';
import { encodeNotifyHeader } from '../fuse/protocol/encode.js';
import { createSession } from '../fuse/session.js';
import { createStackRuntime, loadLayerFactories } from '../runtime/stack-runtime.js';
import type { ServeSpec, ServedVolume, VolumeEngine } from './engine.js';
import { adoptMetaIo } from '../sys/fs-type.js';

/**
 * Requests the dead predecessor had read but not answered sit on the connection's processing
 * lists until someone asks the kernel to re-queue them (FUSE_NOTIFY_RESEND, kernel >= 6.9).
 * Without it the app's call hangs; with it the request arrives again with bit 63 of `unique` set.
 */
function requestResend(fd: number, init: NegotiatedInit): boolean {
  if (!hasFlag(init, InitFlag.HAS_RESEND)) return false;
  const buf = Buffer.alloc(16);
  encodeNotifyHeader(buf, 16, NotifyCode.RESEND);
  writeSync(fd, buf, 0, 16);
  return true;
}

/**
 * The real engine: passthrough backend over the PV, the configured layers (the same stack runtime
 * as local mode), the FUSE session on the handed-off fds. Crash custody: the session keeps its
 * node-ID journal and O_APPEND intent log in `stateDir`, so a successor resolves every node ID
 * the kernel still holds, and RESEND brings back the requests the predecessor had taken.
 */
export function createFuseEngine(o: { registry: Registry }): VolumeEngine {
  return (spec: ServeSpec): ServedVolume => {
    const init = spec.init as unknown as NegotiatedInit;
    // Inline metadata calls only while every volume of this process is on a local filesystem.
    adoptMetaIo('auto', spec.sourceDir, spec.logger);
    const backend = createPassthroughBackend({ root: spec.sourceDir, logger: spec.logger });
    const runtime = createStackRuntime({
      config: spec.config,
      backend,
      logger: spec.logger,
      volume: spec.volume,
      registry: o.registry,
    });
    const holder = runtime.controller.holder;
    mkdirSync(spec.stateDir, { recursive: true, mode: 0o700 });
    const session = createSession({
      fds: spec.fds,
      init,
      stack: holder,
      logger: spec.logger,
      stateDir: spec.stateDir,
    });
    holder.onSwap(() => void session.invalidateAll());
    if (spec.restarted && spec.fds[0] !== undefined) {
      const sent = requestResend(spec.fds[0], init);
      spec.logger.info(
        { resend: sent },
        sent ? 'asked the kernel to resend unanswered requests' : 'kernel has no RESEND',
      );
    }
    return {
      done: session.done,
      async reconfigure(config) {
        await loadLayerFactories(config);
        const r = await runtime.controller.apply(config);
        if (!r.ok) throw new Error(r.errors.map((e) => e.message).join('; '));
      },
      async close() {
        await session.close();
        await runtime.close();
        await backend.close();
      },
    };
  };
}
