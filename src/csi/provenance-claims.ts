import type {
  V1Container,
  V1EnvVar,
  V1Pod,
  V1SecurityContext,
  V1Volume,
  V1VolumeMount,
} from '@kubernetes/client-node';
import { SIDECAR_CONTAINER_NAME } from '../contract/pod.js';

/**
 * What the webhook's provenance covers (docs/adr/0077-pod-provenance.md), reduced to a form that
 * is the same on the Pod the webhook built and on the live Pod the driver reads back: the API
 * server defaults some fields after admission (fieldRef.apiVersion, mountPropagation), and the
 * driver reads the Pod through client-node's model classes (absent fields as `undefined`).
 */

/** The parts of the sidecar that decide which code runs with the fds, and with what rights. */
export function sidecarClaims(pod: V1Pod): object | undefined {
  const init = pod.spec?.initContainers?.find((c) => c.name === SIDECAR_CONTAINER_NAME);
  const c = init ?? pod.spec?.containers?.find((x) => x.name === SIDECAR_CONTAINER_NAME);
  if (c === undefined) return undefined;
  // restartPolicy is left out: an API server < 1.29 drops it (ADR 0033); the list it is in is
  // what the kubelet acts on.
  return {
    kind: init !== undefined ? 'init' : 'regular',
    ...code(c),
    ...rights(pod, c),
    ...hooks(c),
  };
}

/** Which program runs: the image's entrypoint is a relative path, so workingDir counts too. */
function code(c: V1Container): object {
  return {
    image: c.image ?? '',
    command: c.command ?? [],
    args: c.args ?? [],
    workingDir: c.workingDir ?? '',
    env: (c.env ?? []).map(envClaim),
    envFrom: c.envFrom ?? [],
  };
}

const SERVICE_ACCOUNT_PATH = '/var/run/secrets/kubernetes.io/serviceaccount';

/**
 * The ServiceAccount admission plugin adds the Pod's token to every container without one, ours
 * included when the admission chain runs again after the webhook (a later webhook's
 * re-invocation): not the webhook's to sign. Only exactly that mount is left out.
 */
function isServiceAccountMount(pod: V1Pod, m: V1VolumeMount): boolean {
  if (!isTokenMountShape(m)) return false;
  const v = pod.spec?.volumes?.find((x) => x.name === m.name);
  return v !== undefined && isTokenVolume(v, pod.spec?.serviceAccountName ?? 'default');
}

function isTokenMountShape(m: V1VolumeMount): boolean {
  const whole = !m.subPath && !m.subPathExpr;
  return m.mountPath === SERVICE_ACCOUNT_PATH && m.readOnly === true && whole;
}

function isTokenVolume(v: V1Volume, account: string): boolean {
  if (v.secret?.secretName?.startsWith(`${account}-token-`) === true) return true;
  return v.projected?.sources?.some((src) => src.serviceAccountToken !== undefined) === true;
}

/** What it may reach and with which privileges. */
function rights(pod: V1Pod, c: V1Container): object {
  return {
    volumeMounts: (c.volumeMounts ?? [])
      .filter((m) => !isServiceAccountMount(pod, m))
      .map(mountClaim),
    volumeDevices: c.volumeDevices ?? [],
    securityContext: securityClaim(c.securityContext),
  };
}

/** Exec hooks and probes run commands inside the container, next to the fds. */
function hooks(c: V1Container): object {
  return {
    lifecycle: c.lifecycle ?? null,
    livenessProbe: c.livenessProbe ?? null,
    readinessProbe: c.readinessProbe ?? null,
    startupProbe: c.startupProbe ?? null,
  };
}

function envClaim(e: V1EnvVar): object {
  const fieldPath = e.valueFrom?.fieldRef?.fieldPath;
  if (fieldPath !== undefined) return { name: e.name, fieldPath };
  if (e.valueFrom !== undefined) return { name: e.name, valueFrom: e.valueFrom };
  return { name: e.name, value: e.value ?? '' };
}

function mountClaim(m: V1VolumeMount): object {
  return {
    name: m.name,
    mountPath: m.mountPath,
    readOnly: m.readOnly === true,
    subPath: m.subPath ?? '',
    subPathExpr: m.subPathExpr ?? '',
    mountPropagation: m.mountPropagation ?? 'None',
  };
}

/** Every field counts (a new one set by hand fails closed); only spelled-out defaults fold. */
function securityClaim(sc: V1SecurityContext | undefined): object {
  const out: Record<string, unknown> = { ...(sc ?? {}) };
  if (out.privileged === false) delete out.privileged;
  if (out.procMount === 'Default') delete out.procMount;
  delete out.capabilities;
  const caps = capabilityClaim(sc?.capabilities);
  if (caps !== undefined) out.capabilities = caps;
  return out;
}

function capabilityClaim(caps: V1SecurityContext['capabilities']): object | undefined {
  const add = [...(caps?.add ?? [])].sort();
  const drop = [...(caps?.drop ?? [])].sort();
  return add.length > 0 || drop.length > 0 ? { add, drop } : undefined;
}

/** Every inline volume of our driver, by name: its attributes are what the driver serves. */
export function volumeClaims(pod: V1Pod, driver: string): object[] {
  return (pod.spec?.volumes ?? [])
    .filter((v) => v.csi?.driver === driver)
    .map((v) => ({
      name: v.name,
      readOnly: v.csi?.readOnly === true,
      fsType: v.csi?.fsType ?? '',
      attributes: v.csi?.volumeAttributes ?? {},
      publishSecret: v.csi?.nodePublishSecretRef?.name ?? '',
    }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** JSON with object keys sorted at every level; undefined members dropped, Dates as ISO text. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value instanceof Date) return value.toISOString();
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(value).sort()) {
    const v = (value as Record<string, unknown>)[k];
    if (v !== undefined) out[k] = sortKeys(v);
  }
  return out;
}
