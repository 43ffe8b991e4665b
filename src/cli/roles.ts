import { createLogger } from '../log/logger.js';
import { runCsiDriver } from '../csi/run-driver.js';
import { runSidecar } from '../sidecar/run-sidecar.js';
import { runWebhook } from '../webhook/main.js';

/**
 * The three in-cluster roles of the one image (`fs-interposer webhook|csi|sidecar`); each is
 * configured from its environment (the chart and the webhook set it) and stops on SIGTERM.
 */
const onTermination = (handler: () => void): void => {
  process.once('SIGTERM', handler);
  process.once('SIGINT', handler);
};

export function runRole(role: 'webhook' | 'csi' | 'sidecar'): Promise<number> {
  const logger = createLogger();
  switch (role) {
    case 'webhook':
      return runWebhook(process.env);
    case 'csi':
      return runCsiDriver({ env: process.env, logger, stop: new Promise<void>((resolve) => onTermination(resolve)) });
    case 'sidecar':
      return runSidecar({ env: process.env, logger, onSignal: onTermination });
  }
}
