/**
 * The webhook's configuration from environment variables (set by the chart). Every problem is
 * reported at once, naming the variable and what it accepts.
 */
import type { SidecarModeChoice } from './annotations.js';
import { isQuantity } from './quantity.js';
import { DEFAULT_SIDECAR_RESOURCES } from './resources.js';
import type { ResourceValues } from './resources.js';
import type { TlsConfig, WebhookConfig } from './start-webhook.js';

type Env = Record<string, string | undefined>;
const DAY = 86_400_000;

function list(v: string | undefined): string[] {
  return (v ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '');
}

function tlsFromEnv(env: Env, errors: string[]): TlsConfig {
  const mode = env.FSI_TLS_MODE ?? 'files';
  if (mode === 'files') {
    return { mode, certPath: env.FSI_TLS_CERT ?? '/etc/fs-interposer/tls/tls.crt', keyPath: env.FSI_TLS_KEY ?? '/etc/fs-interposer/tls/tls.key' };
  }
  if (mode !== 'self-signed') errors.push(`FSI_TLS_MODE: "${mode}" is not accepted (accepted: files, self-signed)`);
  return selfSignedFromEnv(env, errors);
}

function selfSignedFromEnv(env: Env, errors: string[]): TlsConfig {
  const namespace = env.POD_NAMESPACE ?? '';
  if (namespace === '') errors.push('POD_NAMESPACE: required in self-signed mode');
  const service = env.FSI_WEBHOOK_SERVICE ?? 'fs-interposer-webhook';
  const dnsNames = list(env.FSI_TLS_DNS_NAMES);
  return {
    mode: 'self-signed',
    namespace,
    secretName: env.FSI_TLS_SECRET ?? 'fs-interposer-webhook-tls',
    webhookConfiguration: env.FSI_WEBHOOK_CONFIGURATION ?? 'fs-interposer',
    policy: {
      dnsNames: dnsNames.length > 0 ? dnsNames : [service, `${service}.${namespace}`, `${service}.${namespace}.svc`],
      ipAddresses: list(env.FSI_TLS_IP_ADDRESSES),
      caValidityDays: 3650,
      certValidityDays: 365,
      certRenewBeforeMs: 30 * DAY,
      caRenewBeforeMs: 365 * DAY,
      overlapMs: DAY,
    },
  };
}

function resourcesFromEnv(env: Env, errors: string[]): ResourceValues {
  const pick = (name: string, fallback: string | undefined) => {
    const v = env[name];
    if (v === undefined) return fallback;
    if (v === '') return undefined; // explicitly unset (e.g. no memory limit)
    if (!isQuantity(v)) errors.push(`${name}: "${v}" is not accepted (accepted: a Kubernetes quantity)`);
    return v;
  };
  const d = DEFAULT_SIDECAR_RESOURCES;
  return {
    cpuRequest: pick('FSI_SIDECAR_CPU_REQUEST', d.cpuRequest),
    cpuLimit: pick('FSI_SIDECAR_CPU_LIMIT', d.cpuLimit),
    memoryRequest: pick('FSI_SIDECAR_MEMORY_REQUEST', d.memoryRequest),
    memoryLimit: pick('FSI_SIDECAR_MEMORY_LIMIT', d.memoryLimit),
  };
}

function portFromEnv(env: Env, errors: string[]): number {
  const port = Number(env.FSI_WEBHOOK_PORT ?? '8443');
  if (!Number.isInteger(port) || port < 0 || port > 65535) errors.push(`FSI_WEBHOOK_PORT: "${env.FSI_WEBHOOK_PORT}" is not a port`);
  return port;
}

function sidecarModeFromEnv(env: Env, errors: string[]): SidecarModeChoice {
  const mode = env.FSI_SIDECAR_MODE ?? 'auto';
  if (mode === 'auto' || mode === 'native' || mode === 'regular') return mode;
  errors.push(`FSI_SIDECAR_MODE: "${mode}" is not accepted (accepted: auto, native, regular)`);
  return 'auto';
}

function required(env: Env, name: string, why: string, errors: string[]): string {
  const v = env[name] ?? '';
  if (v === '') errors.push(`${name}: required (${why})`);
  return v;
}

export function webhookConfigFromEnv(env: Env): { ok: true; value: WebhookConfig } | { ok: false; errors: string[] } {
  const errors: string[] = [];
  const value: WebhookConfig = {
    port: portFromEnv(env, errors),
    host: env.FSI_WEBHOOK_HOST ?? '0.0.0.0',
    tls: tlsFromEnv(env, errors),
    sidecarImage: required(env, 'FSI_SIDECAR_IMAGE', 'the chart sets it to its own image', errors),
    imageAllowList: list(env.FSI_SIDECAR_IMAGE_ALLOW_LIST),
    sidecarMode: sidecarModeFromEnv(env, errors),
    defaultResources: resourcesFromEnv(env, errors),
  };
  return errors.length > 0 ? { ok: false, errors } : { ok: true, value };
}
