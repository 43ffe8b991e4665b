/**
 * The sidecar's environment: the webhook writes it into the sidecar container
 * (encodeSidecarEnv), the sidecar's supervisor and server read it back (parseSidecarEnv). One
 * module for both sides, so a renamed variable cannot part them.
 */
import { BACKENDS_ENV, encodeBackends, parseBackends } from './volume-backends-env.js';
import type { VolumeBackend } from './volume-backends-env.js';

export interface SidecarEnv {
  volumes: string[];
  handoffDir: string;
  podinfoDir: string;
  sourceRoot: string;
  /** `host:port` or `unix:/path`; absent: no /metrics. */
  metricsListen?: string;
  /**
   * Where the per-volume control sockets go (VOLUME.sock); default: each volume's state dir in
   * the handoff volume. For hosts whose handoff path is longer than a socket path may be.
   */
  controlDir?: string;
  configFile?: string;
  /** Every volume's backend (passthrough unless FS_INTERPOSER_BACKENDS says otherwise). */
  backends: ReadonlyMap<string, VolumeBackend>;
  pod: { name: string; namespace: string; uid: string };
  nativeSidecar: boolean;
  graceMs: number;
  acquireTimeoutMs: number;
}

/** What the webhook decides; the Pod's identity comes from the downward API. */
export type SidecarEnvSpec = Omit<SidecarEnv, 'pod' | 'acquireTimeoutMs'> & {
  acquireTimeoutMs?: number;
};

export const SidecarEnvVar = {
  volumes: 'FS_INTERPOSER_VOLUMES',
  handoffDir: 'FS_INTERPOSER_HANDOFF_DIR',
  podinfoDir: 'FS_INTERPOSER_PODINFO_DIR',
  sourceRoot: 'FS_INTERPOSER_SOURCE_ROOT',
  backends: BACKENDS_ENV,
  metricsListen: 'FS_INTERPOSER_METRICS_LISTEN',
  kind: 'FS_INTERPOSER_SIDECAR_KIND',
  graceSeconds: 'FS_INTERPOSER_GRACE_SECONDS',
  configFile: 'FS_INTERPOSER_CONFIG_FILE',
  controlDir: 'FS_INTERPOSER_CONTROL_DIR',
  acquireTimeoutSeconds: 'FS_INTERPOSER_ACQUIRE_TIMEOUT_SECONDS',
} as const;

/**
 * Downward-API variables with the Pod's identity (the container defines them first, so later
 * values may refer to them as `$(POD_NAME)`); the telemetry resource reads them too.
 */
export const POD_IDENTITY_ENV = {
  pod: 'POD_NAME',
  namespace: 'POD_NAMESPACE',
  uid: 'POD_UID',
  node: 'NODE_NAME',
  container: 'CONTAINER_NAME',
} as const;

/** A container env entry: a value, or a field of the Pod (the downward API). */
export type SidecarEnvEntry =
  | { name: string; value: string }
  | { name: string; valueFrom: { fieldRef: { fieldPath: string } } };

const DEFAULT_GRACE_SECONDS = 25;
const DEFAULT_ACQUIRE_TIMEOUT_SECONDS = 60;

const field = (name: string, fieldPath: string): SidecarEnvEntry => ({
  name,
  valueFrom: { fieldRef: { fieldPath } },
});

export function encodeSidecarEnv(spec: SidecarEnvSpec): SidecarEnvEntry[] {
  const V = SidecarEnvVar;
  const backends = encodeBackends(spec.backends);
  const optional = (name: string, value: string | undefined): SidecarEnvEntry[] =>
    value === undefined ? [] : [{ name, value }];
  return [
    field(POD_IDENTITY_ENV.pod, 'metadata.name'),
    field(POD_IDENTITY_ENV.namespace, 'metadata.namespace'),
    field(POD_IDENTITY_ENV.uid, 'metadata.uid'),
    field(POD_IDENTITY_ENV.node, 'spec.nodeName'),
    { name: V.volumes, value: spec.volumes.join(',') },
    { name: V.handoffDir, value: spec.handoffDir },
    { name: V.podinfoDir, value: spec.podinfoDir },
    { name: V.sourceRoot, value: spec.sourceRoot },
    ...optional(V.backends, backends === '' ? undefined : backends),
    ...optional(V.metricsListen, spec.metricsListen),
    { name: V.kind, value: spec.nativeSidecar ? 'native' : 'regular' },
    { name: V.graceSeconds, value: String(spec.graceMs / 1000) },
    ...optional(V.configFile, spec.configFile),
    ...optional(V.controlDir, spec.controlDir),
    ...optional(
      V.acquireTimeoutSeconds,
      spec.acquireTimeoutMs === undefined ? undefined : String(spec.acquireTimeoutMs / 1000),
    ),
  ];
}

export class SidecarEnvError extends Error {
  readonly code = 'ESIDECARENV';
}

type Env = Readonly<Record<string, string | undefined>>;

/** Parses the environment; throws one SidecarEnvError that lists every bad variable. */
export function parseSidecarEnv(env: Env): SidecarEnv {
  const V = SidecarEnvVar;
  const problems: string[] = [];
  const need = (key: string): string => {
    const v = env[key];
    if (v === undefined || v === '') problems.push(`${key} is required`);
    return v ?? '';
  };
  const seconds = (key: string, dflt: number): number => {
    const raw = env[key];
    if (raw === undefined || raw === '') return dflt * 1000;
    const n = Number(raw);
    if (!Number.isFinite(n) || n < 0)
      problems.push(`${key} must be a non-negative number of seconds (got ${raw})`);
    return n * 1000;
  };
  const optional = <K extends string>(key: string, as: K): Partial<Record<K, string>> => {
    const v = env[key];
    return v ? ({ [as]: v } as Record<K, string>) : {};
  };
  const kind = env[V.kind] ?? 'regular';
  if (kind !== 'native' && kind !== 'regular')
    problems.push(`${V.kind}: native or regular (got ${kind})`);
  const volumes = need(V.volumes)
    .split(',')
    .map((v) => v.trim())
    .filter((v) => v !== '');
  const out: SidecarEnv = {
    volumes,
    handoffDir: need(V.handoffDir),
    podinfoDir: need(V.podinfoDir),
    sourceRoot: need(V.sourceRoot),
    backends: parseBackends(env[V.backends], volumes, problems),
    pod: {
      name: env[POD_IDENTITY_ENV.pod] ?? '',
      namespace: env[POD_IDENTITY_ENV.namespace] ?? '',
      uid: env[POD_IDENTITY_ENV.uid] ?? '',
    },
    nativeSidecar: kind === 'native',
    graceMs: seconds(V.graceSeconds, DEFAULT_GRACE_SECONDS),
    acquireTimeoutMs: seconds(V.acquireTimeoutSeconds, DEFAULT_ACQUIRE_TIMEOUT_SECONDS),
    ...optional(V.controlDir, 'controlDir'),
    ...optional(V.metricsListen, 'metricsListen'),
    ...optional(V.configFile, 'configFile'),
  };
  if (problems.length > 0)
    throw new SidecarEnvError(`sidecar environment:\n  - ${problems.join('\n  - ')}`);
  return out;
}
