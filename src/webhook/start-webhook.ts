/**
 * Composes the webhook: TLS source, cluster facts, processor, app, HTTPS server. Every
 * dependency (logger, registry, KubeApi, grammar, clock) comes in; nothing global is touched, so
 * the e2e test runs this in-process against a real API server.
 */
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { SidecarModeChoice } from './annotations.js';
import { createWebhookApp } from './app.js';
import { createClusterFacts } from './cluster-facts.js';
import { DEFAULT_HOST_METRICS_PORTS, createHostPortAllocator } from './host-metrics-ports.js';
import type { PortRange } from './host-metrics-ports.js';
import type { KubeApi } from './kube/kube-api.js';
import { memoizeLayerSpecParser } from './layer-spec-cache.js';
import { createWebhookMetrics } from './metrics.js';
import type { EnvVar, LayerSpecParser } from './pod-types.js';
import type { ResourceValues } from './resources.js';
import { ensureProvenanceKey } from './provenance-key.js';
import { createReviewProcessor } from './review-processor.js';
import { createWebhookServer } from './server.js';
import type { SidecarTracing } from './sidecar-telemetry-env.js';
import type { CertPair } from './tls/certificates.js';
import { watchCertFiles } from './tls/cert-files.js';
import type { RotationPolicy } from './tls/rotation-plan.js';
import { ensureSelfSignedTls } from './tls/self-signed-tls.js';

export type TlsConfig =
  | { mode: 'files'; certPath: string; keyPath: string; pollMs?: number }
  | {
    mode: 'self-signed';
    namespace: string;
    secretName: string;
    webhookConfiguration: string;
    policy: RotationPolicy;
    checkEveryMs?: number;
  };

export interface WebhookConfig {
  port: number;
  host: string;
  /** Admission endpoint path (default /mutate). */
  path?: string;
  tls: TlsConfig;
  sidecarImage: string;
  sidecarPullPolicy?: string;
  sidecarPullSecrets?: readonly string[];
  sidecarExtraEnv?: readonly EnvVar[];
  imageAllowList: readonly string[];
  sidecarMode: SidecarModeChoice;
  defaultResources: ResourceValues;
  csiDriver?: string;
  metricsPort?: number;
  /** Range of the metrics ports of hostNetwork Pods' sidecars (host-metrics-ports.ts). */
  hostMetricsPorts?: PortRange;
  tracing?: SidecarTracing;
  /** Where the key that signs injected Pods lives (created there if absent). */
  provenance: { namespace: string; secretName: string };
}

export interface WebhookDeps {
  logger: Logger;
  registry: Registry;
  api: KubeApi;
  parseLayerSpec: LayerSpecParser;
  now?: () => number;
}

export interface RunningWebhook {
  port: number;
  /**
   * Graceful stop: /readyz turns 503 at once, admissions are still answered for `drainMs` (the
   * time endpoints and the API server need to stop sending here; closing first would fail them,
   * and with failurePolicy Fail, fail Pod creations during every rollout), then the server closes.
   */
  close(options?: { drainMs?: number }): Promise<void>;
}

interface TlsSource {
  initial: CertPair;
  /** Starts watching/rotating; calls apply on every new pair. Returns the stop function. */
  start(apply: (pair: CertPair) => void): () => void;
}

async function tlsSource(config: TlsConfig, deps: WebhookDeps): Promise<TlsSource> {
  const log = deps.logger;
  if (config.mode === 'files') {
    let onChange: (pair: CertPair) => void = () => undefined;
    const source = watchCertFiles({ ...config, intervalMs: config.pollMs, logger: log, onChange: (p) => onChange(p) });
    return { initial: source.current(), start: (apply) => ((onChange = apply), () => source.close()) };
  }
  const now = () => new Date((deps.now ?? Date.now)());
  const options = { ...config, api: deps.api, now, logger: log };
  let current = await ensureSelfSignedTls(options);
  return {
    initial: current,
    start(apply) {
      const timer = setInterval(() => {
        ensureSelfSignedTls(options).then((next) => {
          if (next.certPem === current.certPem) return;
          current = next;
          apply(next);
        }, (err: unknown) => log.error({ err }, 'certificate rotation check failed; will retry'));
      }, config.checkEveryMs ?? 3_600_000);
      timer.unref();
      return () => clearInterval(timer);
    },
  };
}

export async function startWebhook(config: WebhookConfig, deps: WebhookDeps): Promise<RunningWebhook> {
  const logger = deps.logger.child({ component: 'webhook' });
  const tls = await tlsSource(config.tls, { ...deps, logger });
  const provenanceKey = await ensureProvenanceKey({
    api: deps.api, ...config.provenance, logger, now: () => new Date((deps.now ?? Date.now)()),
  });
  const metrics = createWebhookMetrics(deps.registry);
  const processReview = createReviewProcessor({
    mutate: {
      parseLayerSpec: memoizeLayerSpecParser(deps.parseLayerSpec),
      sidecarImage: config.sidecarImage,
      imageAllowList: config.imageAllowList,
      defaultResources: config.defaultResources,
      sidecarMode: config.sidecarMode,
      sidecarPullPolicy: config.sidecarPullPolicy,
      sidecarPullSecrets: config.sidecarPullSecrets,
      sidecarExtraEnv: config.sidecarExtraEnv,
      csiDriver: config.csiDriver,
      metricsPort: config.metricsPort,
      tracing: config.tracing,
      provenanceKey,
    },
    cluster: createClusterFacts({ api: deps.api, logger, now: deps.now }),
    hostPorts: createHostPortAllocator({
      range: config.hostMetricsPorts ?? DEFAULT_HOST_METRICS_PORTS,
      portsInUse: () => deps.api.hostMetricsPorts(),
      now: deps.now,
    }),
    metrics,
    logger,
  });
  let ready = false;
  const app = createWebhookApp({
    processReview, registry: deps.registry, ready: () => ready, logger, path: config.path,
    countRejected: (result) => metrics.requests.inc({ operation: 'unknown', result }),
  });
  const server = createWebhookServer(app, tls.initial);
  const address = await server.listen(config.port, config.host);
  const stop = tls.start((pair) => server.setCertificate(pair));
  ready = true;
  logger.info({ port: address.port, tls: config.tls.mode, sidecarMode: config.sidecarMode }, 'webhook serving');
  return {
    port: address.port,
    async close(options) {
      ready = false;
      const drainMs = options?.drainMs ?? 0;
      if (drainMs > 0) await new Promise((r) => setTimeout(r, drainMs));
      stop();
      await server.close();
    },
  };
}
