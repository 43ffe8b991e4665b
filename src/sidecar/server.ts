import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { parseLayerSpec } from '../config/index.js';
import type { StackConfig } from '../config/index.js';
import type { Annotations } from './annotations.js';
import { parseAnnotationsFile } from './annotations.js';
import type { ServedVolume, VolumeEngine } from './engine.js';
import { describeErrors, resolveVolumeConfig } from './volume-config.js';

export interface HandedVolume {
  volume: string;
  fds: number[];
  init: Readonly<Record<string, unknown>>;
}

export interface SidecarServerOptions {
  volumes: readonly HandedVolume[];
  engine: VolumeEngine;
  /** The handoff emptyDir: error files and per-volume state live here. */
  handoffDir: string;
  sourceRoot: string;
  /** Restart generation from the supervisor (0 = first server of this supervisor). */
  generation: number;
  annotationsText: string;
  configFile?: { name: string; text: string };
  logger: Logger;
}

export interface SidecarServer {
  readonly done: Promise<void>;
  /** New annotations file text (downward API): swap the stacks whose configuration changed. */
  annotationsChanged(text: string): Promise<void>;
  close(): Promise<void>;
}

const EMPTY: StackConfig = (() => {
  const r = parseLayerSpec('');
  if (!r.ok) throw new Error('the empty layer spec must parse');
  return r.value;
})();

interface Live {
  served: ServedVolume;
  key: string;
}

/** Serves every handed-off volume; a volume whose configuration is invalid runs with no layers. */
export function createSidecarServer(o: SidecarServerOptions): SidecarServer {
  const log = o.logger.child({ component: 'sidecar-server', generation: o.generation });
  const errorFile = (v: string): string => join(o.handoffDir, `${v}.error`);
  const report = (v: string, message: string | undefined): void => {
    try {
      if (message === undefined) rmSync(errorFile(v), { force: true });
      else writeFileSync(errorFile(v), `${message}\n`);
    } catch (err) {
      log.warn({ err, volume: v }, 'cannot write the error file');
    }
  };
  const configFor = (v: string, annotations: Annotations): { config: StackConfig; key: string } => {
    const r = resolveVolumeConfig(v, {
      annotations,
      ...(o.configFile ? { configFile: o.configFile } : {}),
    });
    if (!r.ok) {
      const message = describeErrors(r.errors);
      log.error({ volume: v, message }, 'invalid layer configuration');
      report(v, `invalid layer configuration: ${message}`);
      return { config: EMPTY, key: '' };
    }
    report(v, undefined);
    return { config: r.value, key: JSON.stringify(r.value) };
  };

  const live = new Map<string, Live>();
  let annotations = parseAnnotationsFile(o.annotationsText);
  for (const h of o.volumes) {
    const stateDir = join(o.handoffDir, `${h.volume}.state`);
    const restarted = o.generation > 0 || existsSync(stateDir);
    mkdirSync(stateDir, { recursive: true });
    const { config, key } = configFor(h.volume, annotations);
    const served = o.engine({
      volume: h.volume,
      fds: h.fds,
      init: h.init,
      sourceDir: join(o.sourceRoot, h.volume),
      config,
      restarted,
      stateDir,
      logger: o.logger.child({ volume: h.volume }),
    });
    live.set(h.volume, { served, key });
    log.info(
      {
        volume: h.volume,
        queues: h.fds.length,
        restarted,
        layers: config.layers.map((l) => l.type),
      },
      'serving',
    );
  }

  return {
    done: Promise.all([...live.values()].map((l) => l.served.done)).then(() => undefined),
    async annotationsChanged(text) {
      const next = parseAnnotationsFile(text);
      annotations = next;
      for (const [volume, entry] of live) {
        const r = resolveVolumeConfig(volume, {
          annotations,
          ...(o.configFile ? { configFile: o.configFile } : {}),
        });
        if (!r.ok) {
          // Keep the running stack: a typo in a live edit must not drop the layers in use.
          report(
            volume,
            `invalid layer configuration (still running the previous one): ${describeErrors(r.errors)}`,
          );
          continue;
        }
        const key = JSON.stringify(r.value);
        if (key === entry.key) continue;
        report(volume, undefined);
        await entry.served.reconfigure(r.value);
        entry.key = key;
        log.info({ volume, layers: r.value.layers.map((l) => l.type) }, 'layer stack reconfigured');
      }
    },
    async close() {
      await Promise.allSettled([...live.values()].map((l) => l.served.close()));
    },
  };
}
