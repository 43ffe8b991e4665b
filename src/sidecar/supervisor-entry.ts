// A main for the sidecar supervisor (the CLI's `fs-interposer sidecar` calls runSidecar the same way).
import { createLogger } from '../log/logger.js';
import { runSidecar } from './run-sidecar.js';

runSidecar({
  env: process.env,
  logger: createLogger({ name: 'fs-interposer-sidecar' }),
  onSignal: (handler) => {
    process.on('SIGTERM', handler);
    process.on('SIGINT', handler);
  },
}).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`fs-interposer sidecar: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  },
);
