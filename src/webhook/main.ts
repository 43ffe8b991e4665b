/** The admission webhook's main (the CLI's `fs-interposer webhook` runs the same). */
import { createLogger } from '../log/logger.js';
import { runWebhook } from './run-webhook.js';

runWebhook().then(
  (code) => process.exit(code),
  (err: unknown) => {
    createLogger().fatal({ err }, 'webhook failed');
    process.exit(1);
  },
);
