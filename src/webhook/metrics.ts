/** The webhook's Prometheus metrics, registered on an injected Registry (never the global one). */
import { Counter, Histogram } from 'prom-client';
import type { Registry } from 'prom-client';

export interface WebhookMetrics {
  requests: Counter<'operation' | 'result'>;
  duration: Histogram<'operation'>;
  denials: Counter<'reason'>;
  patches: Counter<'mode'>;
}

export function createWebhookMetrics(registry: Registry): WebhookMetrics {
  const registers = [registry];
  return {
    requests: new Counter({
      name: 'fs_interposer_webhook_requests_total',
      help: 'Admission requests by operation and result (mutated, skipped, unchanged, allowed, denied, invalid, error).',
      labelNames: ['operation', 'result'],
      registers,
    }),
    duration: new Histogram({
      name: 'fs_interposer_webhook_request_duration_seconds',
      help: 'Time to answer an admission request.',
      labelNames: ['operation'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers,
    }),
    denials: new Counter({
      name: 'fs_interposer_webhook_denials_total',
      help: 'Denied admission requests by reason.',
      labelNames: ['reason'],
      registers,
    }),
    patches: new Counter({
      name: 'fs_interposer_webhook_patches_applied_total',
      help: 'Pods injected (not counting dryRun requests), by sidecar mode.',
      labelNames: ['mode'],
      registers,
    }),
  };
}
