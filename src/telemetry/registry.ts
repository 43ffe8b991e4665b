import type { Registry } from 'prom-client';
import { POD_IDENTITY_ENV } from '../contract/sidecar-env.js';
import { promClient } from './prom-client.js';

/**
 * Where a process runs, as the sidecar learns it from the downward API (env) or local mode from
 * flags. Empty fields are left out of labels and resource attributes.
 */
export interface PodIdentity {
  pod?: string;
  namespace?: string;
  container?: string;
  node?: string;
}


export function podIdentityFromEnv(env: Readonly<Record<string, string | undefined>>): PodIdentity {
  const pick = (k: string): string | undefined => {
    const v = env[k];
    return v === undefined || v === '' ? undefined : v;
  };
  const id: PodIdentity = {};
  const pod = pick(POD_IDENTITY_ENV.pod);
  const namespace = pick(POD_IDENTITY_ENV.namespace);
  const container = pick(POD_IDENTITY_ENV.container);
  const node = pick(POD_IDENTITY_ENV.node);
  if (pod !== undefined) id.pod = pod;
  if (namespace !== undefined) id.namespace = namespace;
  if (container !== undefined) id.container = container;
  if (node !== undefined) id.node = node;
  return id;
}

export interface TelemetryRegistryOptions {
  identity?: PodIdentity;
  /** Also export prom-client's process_* and nodejs_* metrics (default true). */
  processMetrics?: boolean;
}

/**
 * A Registry whose every series carries pod and namespace (when known). Default labels rather
 * than per-metric labels: one place, and the process metrics get them too.
 */
export function createTelemetryRegistry(options: TelemetryRegistryOptions = {}): Registry {
  const { Registry: RegistryClass, collectDefaultMetrics } = promClient();
  const registry = new RegistryClass();
  const labels: Record<string, string> = {};
  if (options.identity?.pod !== undefined) labels.pod = options.identity.pod;
  if (options.identity?.namespace !== undefined) labels.namespace = options.identity.namespace;
  if (Object.keys(labels).length > 0) registry.setDefaultLabels(labels);
  if (options.processMetrics !== false) {
    collectDefaultMetrics({ register: registry });
    for (const name of LINT_FAILING_DEFAULT_METRICS) registry.removeSingleMetric(name);
  }
  return registry;
}

/**
 * prom-client's gauges named *_total fail `promtool check metrics` ("non-counter metrics should
 * not have _total suffix"). prom-client has no option to rename them, so they are dropped: handle
 * and request counts of the event loop say little about a filesystem.
 */
const LINT_FAILING_DEFAULT_METRICS = [
  'nodejs_active_handles_total',
  'nodejs_active_requests_total',
  'nodejs_active_resources_total',
];
