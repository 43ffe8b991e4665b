import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { parseLayerSpec } from '../config/index.js';
import type { StackConfig } from '../config/index.js';
import type { Annotations } from './annotations.js';
import { parseAnnotationsFile } from './annotations.js';
import type { ServedVolume, VolumeEngine } from './engine.js';
import { sidecarErrorName, volumeStateDirName } from '../contract/handoff-dir.js';
import type { VolumeBackend } from '../contract/volume-backends-env.js';
import type { CachePolicy } from '../contract/cache-policy.js';
import { describeErrors, resolvePodVolumeConfig } from './volume-config.js';

/** Record files live here in the handoff dir: the sidecar's only writable space. */
export const RECORD_DIR_NAME = 'record';

export interface HandedVolume {
  volume: string;
  fds: number[];
  init: Readonly<Record<string, unknown>>;
  /** The cache policy the driver decided at NodePublish (absent: the safe default). */
  cache?: CachePolicy;
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
  /** Volumes not served from their PV (FS_INTERPOSER_BACKENDS); absent ones are passthrough. */
  backends?: ReadonlyMap<string, VolumeBackend>;
  logger: Logger;
}

export interface SidecarServer {
  readonly done: Promise<void>;
  /** New annotations file text (downward API): swap the stacks whose configuration changed. */
  annotationsChanged(text: string): Promise<void>;
  /** New text of the `fs-interposer/config` ConfigMap file (the kubelet updates it live). */
  configFileChanged(text: string): Promise<void>;
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

/** The configuration a volume runs with, or why it cannot run (exactly one is set). */
interface Resolved {
  config?: StackConfig;
  invalid?: string;
}

/**
 * Serves every handed-off volume. A volume whose configuration cannot run as asked is not served
 * with fewer layers: every request on it fails until a valid configuration arrives, and the
 * reason is logged and written to `<volume>.error` in the handoff dir.
 */
export function createSidecarServer(o: SidecarServerOptions): SidecarServer {
  const log = o.logger.child({ component: 'sidecar-server', generation: o.generation });
  const ctx = { recordDir: join(o.handoffDir, RECORD_DIR_NAME) };
  let configFile = o.configFile;
  const errorFile = (v: string): string => join(o.handoffDir, sidecarErrorName(v));
  const report = (v: string, message: string | undefined): void => {
    try {
      if (message === undefined) rmSync(errorFile(v), { force: true });
      else writeFileSync(errorFile(v), `${message}\n`);
    } catch (err) {
      log.warn({ err, volume: v }, 'cannot write the error file');
    }
  };
  const resolve = (v: string, annotations: Annotations): Resolved => {
    const r = resolvePodVolumeConfig(v, { annotations, ...(configFile ? { configFile } : {}) }, ctx);
    return r.ok ? { config: r.value } : { invalid: describeErrors(r.errors) };
  };
  const refuse = (v: string, why: string): void => {
    log.error({ volume: v, reason: why }, 'volume not served: every request on it fails with EIO');
    report(v, `volume not served (every request fails with EIO): ${why}`);
  };

  const announce = (h: HandedVolume, served: ServedVolume, f: { restarted: boolean; backend?: VolumeBackend; config?: StackConfig }): void => {
    if (served.refused !== undefined) refuse(h.volume, served.refused);
    else report(h.volume, undefined);
    log.info({
      volume: h.volume,
      queues: h.fds.length,
      restarted: f.restarted,
      backend: f.backend?.kind ?? 'passthrough',
      layers: f.config?.layers.map((l) => l.type) ?? [],
      served: served.refused === undefined,
    }, 'serving');
  };
  const serve = (h: HandedVolume, annotations: Annotations): Live => {
    const stateDir = join(o.handoffDir, volumeStateDirName(h.volume));
    const restarted = o.generation > 0 || existsSync(stateDir);
    mkdirSync(stateDir, { recursive: true });
    const { config, invalid } = resolve(h.volume, annotations);
    const backend = o.backends?.get(h.volume);
    const served = o.engine({
      volume: h.volume,
      fds: h.fds,
      init: h.init,
      ...(h.cache !== undefined && { cache: h.cache }),
      sourceDir: join(o.sourceRoot, h.volume),
      backend,
      config: config ?? EMPTY,
      refused: invalid && `invalid layer configuration: ${invalid}`,
      restarted,
      stateDir,
      logger: o.logger.child({ volume: h.volume }),
    });
    announce(h, served, { restarted, backend, config });
    return { served, key: config === undefined ? '' : JSON.stringify(config) };
  };

  let annotations = parseAnnotationsFile(o.annotationsText);
  mkdirSync(ctx.recordDir, { recursive: true });
  const live = new Map(o.volumes.map((h) => [h.volume, serve(h, annotations)]));

  const reconfigure = async (volume: string, entry: Live, next: Annotations): Promise<void> => {
    const { config, invalid } = resolve(volume, next);
    const wasRefused = entry.served.refused !== undefined;
    if (config === undefined) {
      // Keep the running stack: a typo in a live edit must not drop the layers in use.
      if (wasRefused) refuse(volume, `invalid layer configuration: ${invalid}`);
      else report(volume, `invalid layer configuration (still running the previous one): ${invalid}`);
      return;
    }
    const key = JSON.stringify(config);
    if (key === entry.key && !wasRefused) return;
    try {
      await entry.served.reconfigure(config);
    } catch (err) {
      const why = `the layer stack could not be built: ${(err as Error).message}`;
      if (wasRefused) return refuse(volume, why);
      log.error({ volume, err: (err as Error).message }, 'live reconfiguration failed; still running the previous stack');
      return report(volume, `${why} (still running the previous one)`);
    }
    entry.key = key;
    report(volume, undefined);
    log.info({ volume, layers: config.layers.map((l) => l.type) }, 'layer stack reconfigured');
  };

  return {
    done: Promise.all([...live.values()].map((l) => l.served.done)).then(() => undefined),
    async annotationsChanged(text) {
      annotations = parseAnnotationsFile(text);
      for (const [volume, entry] of live) await reconfigure(volume, entry, annotations);
    },
    async configFileChanged(text) {
      if (configFile === undefined) return;
      configFile = { ...configFile, text };
      for (const [volume, entry] of live) await reconfigure(volume, entry, annotations);
    },
    async close() {
      await Promise.allSettled([...live.values()].map((l) => l.served.close()));
    },
  };
}
