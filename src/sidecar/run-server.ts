/**
 * The sidecar's server process (src/sidecar/main.ts `server`): started by the supervisor with
 * the FUSE fds as fds 3, 4, ...; serves them until the connection ends or the supervisor sends
 * SIGTERM. It ends with markParkedThreads set: the caller exits without joining the readers.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { markParkedThreads } from '../cli/exit.js';
import { installFatalGuard } from '../cli/fatal-guard.js';
import { createLogger } from '../log/logger.js';
import { startIdleHeapTrim } from '../sys/idle-heap-trim.js';
import { startMetricsServer } from '../telemetry/metrics-server.js';
import { createTelemetryRegistry } from '../telemetry/registry.js';
import { parseSidecarEnv } from '../contract/sidecar-env.js';
import { parseAnnotationsFile } from './annotations.js';
import { loadLayerFactories } from '../layers/stack/registry.js';
import type { LayerFactories } from '../layers/stack/registry.js';
import type { LayerType } from '../config/index.js';
import { createFuseEngine } from './engine-fuse.js';
import { createFileWatcher } from './file-watcher.js';
import { createSidecarServer } from './server.js';
import type { HandedVolume } from './server.js';
import {
  ACTIVATE_SIGNAL,
  FIRST_INHERITED_FD,
  READY_LINE,
  SERVER_SPEC_ENV,
} from './spawn-server.js';
import type { ServerSpec } from './spawn-server.js';
import { registryIdentity } from './metrics-identity.js';
import { resolveVolumeConfig } from './volume-config.js';

function readOptional(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

function handedVolumes(spec: ServerSpec): HandedVolume[] {
  let next = FIRST_INHERITED_FD;
  return spec.volumes.map((v) => {
    const fds = Array.from({ length: v.fdCount }, (_, i) => next + i);
    next += v.fdCount;
    return { volume: v.volume, fds, init: v.init, ...(v.cache !== undefined && { cache: v.cache }) };
  });
}

function metricsTarget(listen: string): { socketPath: string } | { host: string; port: number } {
  if (listen.startsWith('unix:')) return { socketPath: listen.slice(5) };
  const i = listen.lastIndexOf(':');
  return { host: listen.slice(0, i), port: Number(listen.slice(i + 1)) };
}

/** Standby until the supervisor promotes us: every module above is loaded by now. */
function waitForActivation(): Promise<void> {
  // A signal handler alone does not keep Node alive: hold the event loop open meanwhile.
  const keepAlive = setInterval(() => undefined, 60_000);
  return new Promise((resolve) => {
    process.once(ACTIVATE_SIGNAL, () => {
      clearInterval(keepAlive);
      resolve();
    });
    process.stdout.write(`${READY_LINE}\n`);
  });
}

/**
 * Pay one-time costs while still a standby: parse the volumes' configurations (which compiles
 * the schema branches of their layer types) and load the factories of those layers. Only what
 * the configuration in force uses: a trace factory loads OpenTelemetry, the whole schema costs
 * 19 MiB (docs/benchmarks.md, Memory); a later edit loads what it needs when it is applied.
 */
function warmUp(
  annotationsText: string,
  volumes: readonly string[],
  configFile: { name: string; text: string } | undefined,
): Promise<LayerFactories> {
  const annotations = parseAnnotationsFile(annotationsText);
  const layers: { type: LayerType }[] = [];
  for (const v of volumes) {
    const r = resolveVolumeConfig(v, configFile ? { annotations, configFile } : { annotations });
    if (r.ok) layers.push(...r.value.layers);
  }
  return loadLayerFactories({ layers });
}

export async function runSidecarServer(): Promise<number> {
  const env = parseSidecarEnv(process.env);
  const spec = JSON.parse(process.env[SERVER_SPEC_ENV] ?? '{}') as ServerSpec;
  const logger = createLogger({ name: 'fs-interposer-sidecar' }).child({
    role: 'server',
    pid: process.pid,
  });
  const registry = createTelemetryRegistry({
    identity: registryIdentity(env.metricsListen, process.env),
  });
  const backends = env.backends;
  const sizelessMemoryVolumes = [...backends.values()].filter(
    (b) => b.kind === 'memory' && b.maxBytes === undefined,
  ).length;
  const annotationsPath = join(env.podinfoDir, 'annotations');
  const configFile = (): { name: string; text: string } | undefined =>
    env.configFile ? { name: env.configFile, text: readOptional(env.configFile) } : undefined;
  await warmUp(readOptional(annotationsPath), env.volumes, configFile());
  // A standby only waits: the warm-up's garbage goes back now, the active server's once it serves.
  const trim = startIdleHeapTrim();
  trim.trimNow();
  const standby = new Promise<'stop'>((resolve) => process.once('SIGTERM', () => resolve('stop')));
  if ((await Promise.race([waitForActivation(), standby])) === 'stop') return 0;
  // The configuration may have changed while this process stood by: the factories of the one
  // in force now (those already loaded cost nothing).
  const factories = await warmUp(readOptional(annotationsPath), env.volumes, configFile());
  // Serving from here: an error nobody caught ends this process at once (exit() would wait for
  // the reader threads for ever); the supervisor's standby takes the connections over.
  installFatalGuard({ logger, teardown: [] });
  const server = createSidecarServer({
    volumes: handedVolumes(spec),
    engine: createFuseEngine({
      registry,
      factories,
      sizelessMemoryVolumes,
      ...(env.controlDir && { controlDir: env.controlDir }),
      heapTrims: () => trim.trims,
    }),
    backends,
    handoffDir: env.handoffDir,
    sourceRoot: env.sourceRoot,
    generation: spec.generation,
    annotationsText: readOptional(annotationsPath),
    ...(env.configFile
      ? { configFile: { name: env.configFile, text: readOptional(env.configFile) } }
      : {}),
    logger,
  });
  writeFileSync(join(env.handoffDir, 'server.pid'), `${process.pid}\n`);
  // After the session is up: /metrics is not on the takeover path, and a metrics endpoint that
  // cannot listen must not take the mount down with it (the server would crash-loop).
  const metrics = env.metricsListen
    ? await startMetricsServer({ registry, logger, ...metricsTarget(env.metricsListen) }).catch(
        (err: Error) => {
          logger.error(
            { err: err.message, listen: env.metricsListen },
            'no /metrics: listen failed',
          );
          return undefined;
        },
      )
    : undefined;
  const watcher = createFileWatcher({
    path: annotationsPath,
    logger,
    onChange: (t) => void server.annotationsChanged(t),
  });
  // The ConfigMap's content is live too: the kubelet updates the mounted file.
  const configWatcher = env.configFile
    ? createFileWatcher({ path: env.configFile, logger, onChange: (t) => void server.configFileChanged(t) })
    : undefined;
  trim.trimNow();
  await Promise.race([server.done, standby]);
  trim.stop();
  watcher.close();
  configWatcher?.close();
  // The reader threads sit in read(2) on /dev/fuse, and the supervisor keeps its copies of the
  // fds, so nothing wakes them: joining them (worker terminate, process.exit) would wait for the
  // next request, which after the apps ended never comes. Close what closes, bounded, then end
  // without joining them.
  const closed = Promise.allSettled([server.close(), metrics?.close()]);
  await Promise.race([closed, new Promise((r) => setTimeout(r, CLOSE_BUDGET_MS).unref())]);
  markParkedThreads();
  return 0;
}

/** How long a stopping server waits for its volumes and /metrics to close before it ends. */
const CLOSE_BUDGET_MS = 2000;

