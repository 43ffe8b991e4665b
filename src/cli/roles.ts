import { createLogger } from '../log/logger.js';

/**
 * The three in-cluster roles of the one image (`fs-interposer webhook|csi|sidecar`); each is
 * configured from its environment (the chart and the webhook set it) and stops on SIGTERM.
 * Each role's modules are imported only when that role runs: the sidecar, one per injected Pod,
 * never loads the webhook's and the driver's Kubernetes client, gRPC and HTTP stacks
 * (docs/adr/0081-one-image-lazy-roles.md).
 */
const onTermination = (handler: () => void): void => {
  process.once('SIGTERM', handler);
  process.once('SIGINT', handler);
};

export async function runRole(role: 'webhook' | 'csi' | 'sidecar'): Promise<number> {
  switch (role) {
    case 'webhook':
      return (await import('../webhook/run-webhook.js')).runWebhook(process.env);
    case 'csi': {
      const { runCsiDriver } = await import('../csi/run-driver.js');
      const stop = new Promise<void>((resolve) => onTermination(resolve));
      return runCsiDriver({ env: process.env, logger: createLogger(), stop });
    }
    case 'sidecar': {
      const { runSidecar } = await import('../sidecar/run-sidecar.js');
      return runSidecar({ env: process.env, logger: createLogger(), onSignal: onTermination });
    }
  }
}
