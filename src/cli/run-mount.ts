import type { Logger, LoggerOptions } from '../log/logger.js';
import { createMemoryBackend } from '../backends/memory/memory-backend.js';
import { createNullBackend } from '../backends/null/null-backend.js';
import { createPassthroughBackend } from '../backends/passthrough/backend.js';
import type { Backend } from '../vfs/types.js';
import { parseMountArgs } from './mount-args.js';
import { startMount } from './mount-command.js';
import { parseSource, preflight } from './preflight.js';
import type { SourceSpec } from './preflight.js';
import { createStackSetup } from './stack-setup.js';

export interface CliDeps {
  createLogger(o: LoggerOptions): Logger;
}

function createBackend(source: SourceSpec, logger: Logger): Backend {
  switch (source.kind) {
    case 'memory':
      return createMemoryBackend();
    case 'null':
      return createNullBackend();
    case 'directory':
      return createPassthroughBackend({ root: source.path, logger });
  }
}

function fail(lines: string[]): number {
  process.stderr.write(`fs-interposer mount:\n${lines.map((l) => `  - ${l}`).join('\n')}\n`);
  return 2;
}

/** `fs-interposer mount`: serve until unmounted from outside or told to stop by a signal. */
export async function runMountCommand(argv: string[], deps: CliDeps): Promise<number> {
  const parsed = parseMountArgs(argv);
  if (!parsed.ok) return fail(parsed.errors);
  const a = parsed.value;
  const source = parseSource(a.source);
  const problems = preflight(source, a.mountpoint);
  const setup = await createStackSetup(a);
  if (!setup.ok) problems.push(...setup.errors);
  if (problems.length > 0 || !setup.ok) return fail(problems);

  const logger = deps.createLogger({ level: a.logLevel });
  const backend = createBackend(source, logger);
  const holder = setup.create(backend, logger);
  const mount = await startMount(a, { logger, backend, stack: () => holder.current() }).catch((err: Error) => {
    logger.error({ err: err.message }, 'mount failed');
    return undefined;
  });
  if (mount === undefined) {
    await backend.close?.();
    return 1;
  }
  let signalled = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (signalled) return;
    signalled = true;
    void mount.stop(signal);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.stdout.write(`fs-interposer: serving ${a.source} at ${mount.mountpoint} (pid ${process.pid})\n`);
  await mount.session.done;
  logger.info({ mountpoint: mount.mountpoint }, signalled ? 'stopped' : 'unmounted from outside; exiting');
  await holder.close();
  await backend.close?.();
  return 0;
}
