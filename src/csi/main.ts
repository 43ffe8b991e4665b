// The CSI node driver's main (the CLI's `fs-interposer csi` calls runCsiDriver the same way).
import { createLogger } from '../log/logger.js';
import { runCsiDriver } from './run-driver.js';

const stop = new Promise((resolve) => {
  process.once('SIGTERM', resolve);
  process.once('SIGINT', resolve);
});

runCsiDriver({ env: process.env, logger: createLogger({ name: 'fs-interposer' }), stop }).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`fs-interposer csi: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  },
);
