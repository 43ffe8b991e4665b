/**
 * The webhook's configuration from the environment the chart writes (docs/adr/0060:
 * FS_INTERPOSER_*). Every problem is reported at once, naming the variable and what it accepts.
 */
import type { SidecarModeChoice } from './annotations.js';
import { CSI_DRIVER_NAME, SIDECAR_METRICS_PORT } from '../contract/pod.js';
import { DEFAULT_HOST_METRICS_PORTS, parsePortRange } from './host-metrics-ports.js';
import type { PortRange } from './host-metrics-ports.js';
import { isQuantity } from '../config/quantity.js';
import { DEFAULT_SIDECAR_RESOURCES } from './resources.js';
import { parseSidecarExtraEnv } from './sidecar-extra-env.js';
import type { ResourceValues } from './resources.js';
import { DEFAULT_TRACING, OTLP_PROTOCOLS } from './sidecar-telemetry-env.js';
import type { OtlpProtocol, SidecarTracing } from './sidecar-telemetry-env.js';
import type { TlsConfig, WebhookConfig } from './start-webhook.js';

type Env = Record<string, string | undefined>;
const DAY = 86_400_000;
const P = 'FS_INTERPOSER_';

function list(v: string | undefined): string[] {
  return (v ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '');
}

function tlsFromEnv(env: Env, namespace: string, errors: string[]): TlsConfig {
  const mode = env[`${P}TLS_MODE`] ?? 'cert-manager';
  if (mode === 'cert-manager') {
    const dir = env[`${P}TLS_DIR`] ?? '/etc/fs-interposer/tls';
    return { mode: 'files', certPath: `${dir}/tls.crt`, keyPath: `${dir}/tls.key` };
  }
  if (mode !== 'self-signed') errors.push(`${P}TLS_MODE: "${mode}" is not accepted (accepted: cert-manager, self-signed)`);
  return selfSignedFromEnv(env, namespace);
}

function selfSignedFromEnv(env: Env, namespace: string): TlsConfig {
  const service = env[`${P}WEBHOOK_SERVICE`] ?? 'fs-interposer-webhook';
  const dnsNames = list(env[`${P}TLS_DNS_NAMES`]);
  return {
    mode: 'self-signed',
    namespace,
    secretName: env[`${P}TLS_SECRET`] ?? 'fs-interposer-webhook-tls',
    webhookConfiguration: env[`${P}WEBHOOK_CONFIGURATION`] ?? 'fs-interposer-webhook',
    policy: {
      dnsNames: dnsNames.length > 0 ? dnsNames : [service, `${service}.${namespace}`, `${service}.${namespace}.svc`],
      ipAddresses: list(env[`${P}TLS_IP_ADDRESSES`]),
      caValidityDays: 3650,
      certValidityDays: 365,
      certRenewBeforeMs: 30 * DAY,
      caRenewBeforeMs: 365 * DAY,
      overlapMs: DAY,
    },
  };
}

type ResourceJson = { requests?: Record<string, unknown>; limits?: Record<string, unknown> };

/** `FS_INTERPOSER_SIDECAR_RESOURCES`: the chart's `sidecar.resources` as JSON. */
function resourcesFromEnv(env: Env, errors: string[]): ResourceValues {
  const raw = env[`${P}SIDECAR_RESOURCES`];
  if (raw === undefined || raw === '') return DEFAULT_SIDECAR_RESOURCES;
  const name = `${P}SIDECAR_RESOURCES`;
  let r: ResourceJson;
  try {
    r = JSON.parse(raw) as ResourceJson;
  } catch {
    errors.push(`${name}: not JSON (accepted: {"requests":{"cpu":"10m","memory":"32Mi"},"limits":{"memory":"128Mi"}})`);
    return DEFAULT_SIDECAR_RESOURCES;
  }
  const q = (v: unknown, what: string): string | undefined => {
    if (v === undefined || v === null) return undefined;
    if (typeof v === 'string' && isQuantity(v)) return v;
    if (typeof v === 'number' && v >= 0) return String(v);
    errors.push(`${name}: ${what} ${JSON.stringify(v)} is not a Kubernetes quantity`);
    return undefined;
  };
  return {
    cpuRequest: q(r.requests?.cpu, 'requests.cpu'),
    cpuLimit: q(r.limits?.cpu, 'limits.cpu'),
    memoryRequest: q(r.requests?.memory, 'requests.memory'),
    memoryLimit: q(r.limits?.memory, 'limits.memory'),
  };
}

/** `FS_INTERPOSER_SIDECAR_IMAGE_PULL_SECRETS`: Secret names, comma-separated (the chart's imagePullSecrets). */
function pullSecretsFromEnv(env: Env, errors: string[]): string[] {
  const names = list(env[`${P}SIDECAR_IMAGE_PULL_SECRETS`]);
  for (const n of names) {
    if (!/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(n) || n.length > 253) {
      errors.push(`${P}SIDECAR_IMAGE_PULL_SECRETS: "${n}" is not a Secret name (accepted: comma-separated lowercase DNS subdomain names)`);
    }
  }
  return names;
}

function port(env: Env, key: string, fallback: number, errors: string[]): number {
  const raw = env[`${P}${key}`];
  const n = Number(raw ?? fallback);
  if (!Number.isInteger(n) || n < 0 || n > 65535) errors.push(`${P}${key}: "${raw}" is not a port`);
  return n;
}

function sidecarModeFromEnv(env: Env, errors: string[]): SidecarModeChoice {
  const mode = env[`${P}SIDECAR_MODE`] ?? 'auto';
  if (mode === 'auto' || mode === 'native' || mode === 'regular') return mode;
  errors.push(`${P}SIDECAR_MODE: "${mode}" is not accepted (accepted: auto, native, regular)`);
  return 'auto';
}

/** The chart's `tracing` values, passed on to every sidecar (sidecar-telemetry-env.ts). */
function tracingFromEnv(env: Env, errors: string[]): SidecarTracing {
  const endpoint = (env[`${P}SIDECAR_OTLP_ENDPOINT`] ?? '').trim();
  const protocol = env[`${P}SIDECAR_OTLP_PROTOCOL`] || DEFAULT_TRACING.protocol;
  if (!(OTLP_PROTOCOLS as string[]).includes(protocol)) {
    errors.push(`${P}SIDECAR_OTLP_PROTOCOL: "${protocol}" is not accepted (accepted: ${OTLP_PROTOCOLS.join(', ')})`);
  }
  if (endpoint !== '' && !/^https?:\/\/[^\s/]+/.test(endpoint)) {
    errors.push(`${P}SIDECAR_OTLP_ENDPOINT: "${endpoint}" is not accepted (accepted: an http:// or https:// URL, e.g. http://otel-collector.observability:4318)`);
  }
  const ratioText = (env[`${P}SIDECAR_TRACE_SAMPLE_RATIO`] ?? '').trim();
  const sampleRatio = ratioText === '' ? DEFAULT_TRACING.sampleRatio : Number(ratioText);
  if (!(sampleRatio >= 0 && sampleRatio <= 1)) {
    errors.push(`${P}SIDECAR_TRACE_SAMPLE_RATIO: "${ratioText}" is not accepted (accepted: a number from 0 to 1)`);
  }
  return {
    ...(endpoint !== '' ? { endpoint } : {}),
    protocol: protocol as OtlpProtocol,
    serviceName: env[`${P}SIDECAR_SERVICE_NAME`] || DEFAULT_TRACING.serviceName,
    sampleRatio,
  };
}

function hostPortsFromEnv(env: Env, errors: string[]): PortRange {
  const raw = env[`${P}SIDECAR_HOST_METRICS_PORTS`];
  if (raw === undefined || raw.trim() === '') return DEFAULT_HOST_METRICS_PORTS;
  const r = parsePortRange(raw);
  if (typeof r === 'string') errors.push(`${P}SIDECAR_HOST_METRICS_PORTS: ${r}`);
  return typeof r === 'string' ? DEFAULT_HOST_METRICS_PORTS : r;
}

function required(env: Env, key: string, why: string, errors: string[]): string {
  const v = env[`${P}${key}`] ?? '';
  if (v === '') errors.push(`${P}${key}: required (${why})`);
  return v;
}

export function webhookConfigFromEnv(env: Env): { ok: true; value: WebhookConfig } | { ok: false; errors: string[] } {
  const errors: string[] = [];
  const namespace = required(env, 'NAMESPACE', 'the release namespace: the provenance key Secret, and the TLS Secret in self-signed mode', errors);
  const value: WebhookConfig = {
    port: port(env, 'WEBHOOK_PORT', 8443, errors),
    host: env[`${P}WEBHOOK_HOST`] ?? '0.0.0.0',
    path: env[`${P}WEBHOOK_PATH`] ?? '/mutate',
    tls: tlsFromEnv(env, namespace, errors),
    sidecarImage: required(env, 'SIDECAR_IMAGE', 'the chart sets it to its own image', errors),
    sidecarPullPolicy: env[`${P}SIDECAR_IMAGE_PULL_POLICY`] ?? 'IfNotPresent',
    sidecarPullSecrets: pullSecretsFromEnv(env, errors),
    sidecarExtraEnv: parseSidecarExtraEnv(`${P}SIDECAR_EXTRA_ENV`, env[`${P}SIDECAR_EXTRA_ENV`], errors),
    imageAllowList: list(env[`${P}SIDECAR_ALLOWED_IMAGES`]),
    sidecarMode: sidecarModeFromEnv(env, errors),
    defaultResources: resourcesFromEnv(env, errors),
    csiDriver: env[`${P}CSI_DRIVER`] ?? CSI_DRIVER_NAME,
    metricsPort: port(env, 'SIDECAR_METRICS_PORT', SIDECAR_METRICS_PORT, errors),
    hostMetricsPorts: hostPortsFromEnv(env, errors),
    tracing: tracingFromEnv(env, errors),
    provenance: {
      namespace,
      secretName: env[`${P}PROVENANCE_SECRET`] ?? 'fs-interposer-provenance',
    },
  };
  return errors.length > 0 ? { ok: false, errors } : { ok: true, value };
}
