/**
 * `fs-interposer webhook` (the CLI dispatches here) and `node dist/src/webhook/main.js`:
 * configuration from the environment, the real KubeApi and grammar, then startWebhook, until
 * SIGTERM. Only composition lives here; the exit code is returned, never exits by itself.
 */
import { Registry, collectDefaultMetrics } from 'prom-client';
import { parseLayerSpec } from '../config/index.js';
import { createLogger } from '../log/logger.js';
import { inPodParser } from '../sidecar/pod-config-rules.js';
import { RECORD_DIR } from '../contract/pod.js';
import { webhookConfigFromEnv } from './env-config.js';
import { createClientNodeKubeApi } from './kube/client-node-kube-api.js';
import { startWebhook } from './start-webhook.js';

export async function runWebhook(env: Record<string, string | undefined> = process.env): Promise<number> {
  const logger = createLogger({ env });
  const config = webhookConfigFromEnv(env);
  if (!config.ok) {
    for (const e of config.errors) logger.error(e);
    return 2;
  }
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const api = createClientNodeKubeApi();
  // The grammar, then what a sidecar can run (pids scopes, writable paths): refused at admission.
  const parse = inPodParser(parseLayerSpec, { recordDir: RECORD_DIR });
  const running = await startWebhook(config.value, { logger, registry, api, parseLayerSpec: parse });
  await new Promise<void>((resolve) => {
    process.once('SIGTERM', resolve);
    process.once('SIGINT', resolve);
  });
  const drainMs = Number(env.FS_INTERPOSER_SHUTDOWN_DELAY_SECONDS ?? '5') * 1000;
  logger.info({ drainMs }, 'shutting down: not ready, still answering while endpoints update');
  await running.close({ drainMs: Number.isFinite(drainMs) ? drainMs : 5000 });
  return 0;
}

