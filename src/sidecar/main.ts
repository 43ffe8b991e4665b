/**
 * The sidecar's processes: with no argument the supervisor (the CLI's `fs-interposer sidecar`
 * runs the same), with `server` the server child the supervisor starts with the FUSE fds.
 * Each mode loads only its own modules.
 */
import { exitProcess } from '../cli/exit.js';
import { createLogger } from '../log/logger.js';

async function runSupervisorProcess(): Promise<number> {
  const { runSidecar } = await import('./run-sidecar.js');
  return runSidecar({
    env: process.env,
    logger: createLogger({ name: 'fs-interposer-sidecar' }),
    onSignal: (handler) => {
      process.on('SIGTERM', handler);
      process.on('SIGINT', handler);
    },
  });
}

async function runServerProcess(): Promise<number> {
  const { runSidecarServer } = await import('./run-server.js');
  return runSidecarServer();
}

const mode = process.argv[2];
const [name, run] =
  mode === 'server'
    ? ['fs-interposer sidecar server', runServerProcess]
    : ['fs-interposer sidecar', runSupervisorProcess];

if (mode !== undefined && mode !== 'server') {
  process.stderr.write(`${name}: unknown mode ${JSON.stringify(mode)} (accepted: server, or none)\n`);
  process.exit(2);
}

run().then(
  (code) => exitProcess(code),
  (err: unknown) => {
    process.stderr.write(`${name}: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  },
);
