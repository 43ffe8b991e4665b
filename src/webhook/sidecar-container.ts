/**
 * The sidecar container: one per Pod, serving every interposed volume of it. It sees each source
 * PVC under SOURCE_MOUNT_ROOT, the handoff emptyDir where the CSI driver offers the FUSE fds, and
 * the Pod's annotations through the downward API (live reconfiguration).
 */
import { METRICS_SOCKET_NAME } from '../contract/handoff-dir.js';
import {
  CONFIG_FILE_KEY, CONFIG_MOUNT_PATH, CONFIG_VOLUME_NAME, HANDOFF_MOUNT_PATH, HANDOFF_VOLUME_NAME,
  PODINFO_MOUNT_PATH, PODINFO_VOLUME_NAME, SIDECAR_CONTAINER_NAME, SIDECAR_METRICS_PORT_NAME, SOURCE_MOUNT_ROOT,
} from '../contract/pod.js';
import { encodeSidecarEnv } from '../contract/sidecar-env.js';
import type { Container, EnvVar, ResourceRequirements, SecurityContext } from './pod-types.js';
import { DEFAULT_TRACING, telemetryEnv } from './sidecar-telemetry-env.js';
import type { SidecarTracing } from './sidecar-telemetry-env.js';
import { needsSource } from './volumes.js';
import type { SelectedVolume } from './volumes.js';
import { volumeBackends } from './backends.js';

export interface SidecarSpec {
  image: string;
  pullPolicy?: string;
  native: boolean;
  resources: ResourceRequirements;
  securityContext: SecurityContext;
  volumes: readonly SelectedVolume[];
  /** TCP port for /metrics; undefined: a unix socket in the handoff dir (hostNetwork Pods). */
  metricsPort?: number;
  /** The Pod is on the host network: the port is declared as a host port too. */
  hostNetwork?: boolean;
  /** The Pod names a configuration ConfigMap (mounted at CONFIG_MOUNT_PATH). */
  config?: string;
  /** How long the sidecar keeps serving after SIGTERM (the Pod's grace period, less a margin). */
  graceSeconds: number;
  /** Where the sidecar's spans go (the chart's `tracing` values). */
  tracing?: SidecarTracing;
}

function metricsContainerPort(port: number, hostNetwork = false) {
  // On the host network the scheduler then keeps two Pods with this port off one node.
  return { name: SIDECAR_METRICS_PORT_NAME, containerPort: port, ...(hostNetwork ? { hostPort: port } : {}), protocol: 'TCP' };
}

export function buildSidecar(spec: SidecarSpec): Container {
  const metrics = spec.metricsPort !== undefined
    ? `0.0.0.0:${spec.metricsPort}`
    : `unix:${HANDOFF_MOUNT_PATH}/${METRICS_SOCKET_NAME}`;
  const container: Container = {
    name: SIDECAR_CONTAINER_NAME,
    image: spec.image,
    imagePullPolicy: spec.pullPolicy ?? 'IfNotPresent',
    args: ['sidecar'],
    env: [
      ...encodeSidecarEnv({
        volumes: spec.volumes.map((v) => v.name),
        handoffDir: HANDOFF_MOUNT_PATH,
        podinfoDir: PODINFO_MOUNT_PATH,
        sourceRoot: SOURCE_MOUNT_ROOT,
        backends: volumeBackends(spec.volumes),
        metricsListen: metrics,
        nativeSidecar: spec.native,
        graceMs: spec.graceSeconds * 1000,
        ...(spec.config !== undefined && { configFile: `${CONFIG_MOUNT_PATH}/${CONFIG_FILE_KEY}` }),
      }),
      ...telemetryEnv(spec.tracing ?? DEFAULT_TRACING),
    ],
    resources: spec.resources,
    securityContext: spec.securityContext,
    volumeMounts: [
      { name: HANDOFF_VOLUME_NAME, mountPath: HANDOFF_MOUNT_PATH },
      { name: PODINFO_VOLUME_NAME, mountPath: PODINFO_MOUNT_PATH, readOnly: true },
      ...(spec.config !== undefined ? [{ name: CONFIG_VOLUME_NAME, mountPath: CONFIG_MOUNT_PATH, readOnly: true }] : []),
      // Memory and null volumes hold nothing on their source: the sidecar does not mount it.
      ...spec.volumes.filter(needsSource).map((v) => ({
        name: v.name,
        mountPath: `${SOURCE_MOUNT_ROOT}/${v.name}`,
        ...(v.readOnly ? { readOnly: true } : {}),
      })),
    ],
    terminationMessagePolicy: 'FallbackToLogsOnError',
  };
  if (spec.metricsPort !== undefined) container.ports = [metricsContainerPort(spec.metricsPort, spec.hostNetwork)];
  // restartPolicy Always on an init container is what makes it a native sidecar (KEP-753).
  if (spec.native) container.restartPolicy = 'Always';
  return container;
}

/** The sidecar with the chart's sidecar.extraEnv after its own (checked in sidecar-extra-env.ts). */
export function withExtraEnv(sidecar: Container, extra: readonly EnvVar[] | undefined): Container {
  return extra === undefined || extra.length === 0 ? sidecar : { ...sidecar, env: [...(sidecar.env ?? []), ...extra] };
}
