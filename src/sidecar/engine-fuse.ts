import { writeSync } from 'node:fs';
import type { Registry } from 'prom-client';
import { createPassthroughBackend } from '../backends/passthrough/backend.js';
import type { StackConfig } from '../config/index.js';
import type { NegotiatedInit } from '../fuse/init.js';
import { hasFlag } from '../fuse/init.js';
import { InitFlag, NotifyCode } from '../fuse/protocol/constants.js';
import { encodeNotifyHeader } from '../fuse/protocol/encode.js';
import { createSession } from '../fuse/session.js';
import { buildStack } from '../layers/build-stack.js';
import type { LayerFactory } from '../layers/build-stack.js';
import { metricsLayerFactory } from '../layers/metrics-factory.js';
import { recordLayerFactory } from '../layers/record-factory.js';
import { createStackHolder } from '../layers/stack-holder.js';
import { traceLayerFactory } from '../layers/trace-factory.js';
import type { ServeSpec, ServedVolume, VolumeEngine } from './engine.js';

const OBSERVABILITY: Readonly<Record<string, LayerFactory>> = {
  metrics: metricsLayerFactory as unknown as LayerFactory,
  trace: traceLayerFactory as unknown as LayerFactory,
  record: recordLayerFactory as unknown as LayerFactory,
};

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
 * The real engine: passthrough backend over the PV, the configured layers, the FUSE session on
 * the handed-off fds. Crash custody beyond RESEND (node-ID journal, intent log) needs the engine
 * hooks listed in docs/csi.md; until then a restarted server answers unknown node IDs ESTALE.
 */
export function createFuseEngine(o: { registry: Registry }): VolumeEngine {
  return (spec: ServeSpec): ServedVolume => {
    const init = spec.init as unknown as NegotiatedInit;
    const backend = createPassthroughBackend({ root: spec.sourceDir, logger: spec.logger });
    const build = (config: StackConfig) =>
      buildStack(config, backend, {
        logger: spec.logger,
        layerFactories: OBSERVABILITY,
        extras: { volume: spec.volume, registry: o.registry },
      });
    const holder = createStackHolder(build(spec.config), { logger: spec.logger });
    const session = createSession({
      fds: spec.fds,
      init,
      stack: () => holder.current(),
      logger: spec.logger,
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
      reconfigure: (config) => holder.swap(build(config)),
      async close() {
        await session.close();
        await holder.current().close();
        await backend.close();
      },
    };
  };
}
