import { rmSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Registry } from 'prom-client';
import type { Logger, LoggerOptions } from '../log/logger.js';
import { createMemoryBackend } from '../backends/memory/memory-backend.js';
import { createNullBackend } from '../backends/null/null-backend.js';
import { createPassthroughBackend } from '../backends/passthrough/backend.js';
import { startControlServer } from '../control/control-server.js';
import { socketDirProblem } from '../control/socket-dir.js';
import { controlSocketPath } from '../control/socket-path.js';
import { loadLayerFactories } from '../layers/stack/registry.js';
import { createStackRuntime } from '../layers/stack/stack-runtime.js';
import { startMetricsServer } from '../telemetry/metrics-server.js';
import type { MetricsServer } from '../telemetry/metrics-server.js';
import type { Backend } from '../vfs/types.js';
import { metaIoFor } from '../sys/fs-type.js';
import { startIdleHeapTrim } from '../sys/idle-heap-trim.js';
import { abortConnection, detachMount } from './end-mount.js';
import { installFatalGuard } from './fatal-guard.js';
import { parseMountArgs } from './mount-args.js';
import type { MountArgs } from './mount-args.js';
import { startMount } from './mount-command.js';
import { parseSource, preflight } from './preflight.js';
import type { SourceSpec } from './preflight.js';
import { filesInsideMount, resolvesIntoMount } from './outside-mount.js';
import { describeConfigError, loadStackConfig } from './stack-setup.js';

export interface CliDeps {
  createLogger(o: LoggerOptions): Logger;
}

function createBackend(source: SourceSpec, a: MountArgs, logger: Logger): Backend {
  switch (source.kind) {
    case 'memory':
      return createMemoryBackend();
    case 'null':
      return createNullBackend();
    case 'directory': {
      const { inline } = metaIoFor(a.metaIo, source.path, logger);
      // `-o exclusive`: nothing else changes the tree, so parent directories stay open (ADR 0010).
      return createPassthroughBackend({
        root: source.path,
        logger,
        inlineMeta: inline,
        cacheDirs: a.exclusive,
      });
    }
  }
}

function describeAll(err: Error): string {
  return err instanceof AggregateError ? err.errors.map((e: Error) => e?.message ?? String(e)).join('; ') : err.message;
}

function fail(lines: string[]): number {
  process.stderr.write(`fs-interposer mount:\n${lines.map((l) => `  - ${l}`).join('\n')}\n`);
  return 2;
}

/** The control socket's directory: outside the mount, ours, writable by nobody else. */
function controlDirProblems(mountpoint: string): string[] {
  const dir = dirname(controlSocketPath(mountpoint));
  if (resolvesIntoMount(dir, mountpoint, { followLast: true }))
    return [`control socket directory ${dir} is inside the mount point: set FS_INTERPOSER_RUN_DIR elsewhere`];
  const problem = socketDirProblem(dir);
  return problem === undefined ? [] : [problem];
}

async function metricsServer(a: MountArgs, runtime: { registry: Registry }, logger: Logger): Promise<MetricsServer | undefined> {
  if (a.metricsPort === undefined && a.metricsSocket === undefined) return undefined;
  const server = await startMetricsServer({
    registry: runtime.registry,
    logger,
    ...(a.metricsSocket !== undefined
      ? { socketPath: a.metricsSocket }
      : { port: a.metricsPort!, host: a.metricsHost }),
  });
  logger.info({ url: server.url }, 'serving metrics');
  return server;
}

/** `fs-interposer mount`: serve until unmounted from outside or told to stop by a signal. */
export async function runMountCommand(argv: string[], deps: CliDeps): Promise<number> {
  const parsed = parseMountArgs(argv);
  if (!parsed.ok) return fail(parsed.errors);
  const a = parsed.value;
  const source = parseSource(a.source);
  const problems = [...preflight(source, a.mountpoint), ...controlDirProblems(a.mountpoint)];
  const config = await loadStackConfig(a);
  if (!config.ok) problems.push(...config.errors);
  else problems.push(...filesInsideMount(config.value, a.mountpoint).map(describeConfigError));
  if (problems.length > 0 || !config.ok) return fail(problems);

  const logger = deps.createLogger({ level: a.logLevel, format: a.logFormat });
  const backend = createBackend(source, a, logger);
  let runtime;
  try {
    runtime = createStackRuntime({
      config: config.value,
      factories: await loadLayerFactories(config.value),
      backend,
      logger,
      volume: a.volumeName,
      serveMetrics: a.metricsPort !== undefined || a.metricsSocket !== undefined,
    });
  } catch (err) {
    await backend.close?.();
    return fail([`layers: ${(err as Error).message}`]);
  }
  // Layers that shape or disturb data must see every read and write: no kernel data caches.
  const needsData = runtime.controller.status().needsData;
  const mountArgs = needsData ? { ...a, writebackCache: false, passthrough: false } : a;
  const metrics = await metricsServer(a, runtime, logger);
  const holder = runtime.controller.holder;
  const mount = await startMount(mountArgs, { logger, backend, stack: holder }).catch((err: Error) => {
    logger.error({ err: err.message }, 'mount failed');
    return undefined;
  });
  if (mount === undefined) {
    await metrics?.close();
    await runtime.close();
    await backend.close?.();
    return 1;
  }
  holder.onSwap(() => void mount.session.invalidateAll());
  const socketPath = controlSocketPath(mount.mountpoint);
  // From here on a throw must end the mount, never leave it hanging (fatal-guard.ts).
  const guard = installFatalGuard({
    logger,
    teardown: [
      () => abortConnection(mount.mountpoint),
      () => detachMount(mount.mountpoint),
      () => rmSync(socketPath, { force: true }),
    ],
  });
  let signalled = false;
  const stop = (reason: string): void => {
    if (signalled) return;
    signalled = true;
    void mount.stop(reason);
  };
  // Start-up's garbage (modules, compiled schemas) is dead now: give it back before serving idle.
  const trim = startIdleHeapTrim();
  const control = await startControlServer({
    socketPath,
    target: {
      controller: runtime.controller,
      mountpoint: mount.mountpoint,
      engine: () => ({ ...mount.session.stats(), heapTrims: trim.trims }),
      admit: (c) => filesInsideMount(c, mount.mountpoint),
      stop,
    },
    logger,
  }).catch((err: unknown) => guard.fatal(err, 'control socket'));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  trim.trimNow();
  process.stdout.write(`fs-interposer: serving ${a.source} at ${mount.mountpoint} (pid ${process.pid})\n`);
  await mount.done;
  trim.stop();
  logger.info({ mountpoint: mount.mountpoint }, signalled ? 'stopped' : 'unmounted from outside; exiting');
  await control.close();
  await metrics?.close();
  // The mount is gone and the data is safe: a layer that fails to flush on the way out (an OTLP
  // collector that is not listening) is worth a warning, not a failed exit.
  await runtime.close().catch((err: Error) => logger.warn({ err: describeAll(err) }, 'closing the layers failed'));
  await backend.close?.();
  return 0;
}
