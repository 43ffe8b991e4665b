import { resourceFromAttributes } from '@opentelemetry/resources';
import type { Resource } from '@opentelemetry/resources';
import type { PodIdentity } from './registry.js';

export interface ResourceOptions {
  identity?: PodIdentity;
  volume?: string;
  /** Default service name; OTEL_SERVICE_NAME wins over it. */
  serviceName?: string;
  env?: Readonly<Record<string, string | undefined>>;
}

/** OTEL_RESOURCE_ATTRIBUTES: `k=v,k2=v2`, with ',' and '=' percent-encoded inside keys and values. */
export function parseResourceAttributes(raw: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (raw === undefined || raw.trim() === '') return out;
  for (const pair of raw.split(',')) {
    const eq = pair.indexOf('=');
    if (eq <= 0) continue; // the spec says to ignore malformed entries rather than fail start-up
    try {
      out[decodeURIComponent(pair.slice(0, eq).trim())] = decodeURIComponent(
        pair.slice(eq + 1).trim(),
      );
    } catch {
      continue; // a bad percent escape: ignored like any other malformed entry
    }
  }
  return out;
}

/** Semantic-convention keys for the Kubernetes identity. */
const IDENTITY_KEYS: readonly [keyof PodIdentity, string][] = [
  ['pod', 'k8s.pod.name'],
  ['namespace', 'k8s.namespace.name'],
  ['container', 'k8s.container.name'],
  ['node', 'k8s.node.name'],
];

/**
 * The resource every span carries: service name, the Kubernetes identity (semantic-convention
 * keys), the volume. Precedence, lowest first: our defaults, the identity, OTEL_RESOURCE_ATTRIBUTES,
 * OTEL_SERVICE_NAME; so an operator's explicit OTEL_* settings always win.
 */
export function createResource(options: ResourceOptions = {}): Resource {
  const env = options.env ?? {};
  const id = options.identity ?? {};
  const attrs: Record<string, string> = {
    'service.name': options.serviceName ?? 'fs-interposer',
    'telemetry.sdk.language': 'nodejs',
    'telemetry.sdk.name': 'opentelemetry',
  };
  for (const [field, key] of IDENTITY_KEYS) {
    const v = id[field];
    if (v !== undefined) attrs[key] = v;
  }
  if (options.volume !== undefined) attrs['fs_interposer.volume'] = options.volume;
  return resourceFromAttributes({ ...attrs, ...fromEnv(env) });
}

function fromEnv(env: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const attrs = parseResourceAttributes(env.OTEL_RESOURCE_ATTRIBUTES);
  const serviceName = env.OTEL_SERVICE_NAME?.trim() ?? '';
  if (serviceName !== '') attrs['service.name'] = serviceName;
  return attrs;
}
