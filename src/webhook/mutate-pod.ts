/**
 * The pure heart of the webhook: Pod in, Pod (or a denial) out. No I/O, no clock: everything it
 * needs from the cluster (namespace defaults, whether native sidecars exist) arrives in options,
 * which is what makes it table-testable on fixtures and idempotent.
 */
import { readPodSettings } from './annotations.js';
import type { PodSettings, SidecarModeChoice } from './annotations.js';
import {
  Annotations, CSI_DRIVER_NAME, HANDOFF_VOLUME_NAME, INJECTED_LABEL, INJECTED_LABEL_VALUE, SAFE_TO_EVICT_LOCAL_VOLUMES,
} from '../contract/pod.js';
import { sidecarIdentity } from './identity.js';
import { checkCacheVolumes } from './cache-annotation.js';
import { hostPortWarnings, type HostMetrics } from './host-metrics-ports.js';
import { isWindows, mergeList, sidecarMetrics, withPullSecrets } from './pod-facts.js';
import type { Container, EnvVar, LayerSpecParser, Pod } from './pod-types.js';
import { checkCarried, signed } from './provenance-check.js';
import type { ProvenanceOptions } from './provenance-check.js';
import { resolveResources } from './resources.js';
import type { ResourceValues } from './resources.js';
import { csiVolume, rewriteMounts, sidecarVolumes } from './rewrite-volumes.js';
import { memoryNeeded } from './backends.js';
import { buildSidecar, withExtraEnv } from './sidecar-container.js';
import type { SidecarTracing } from './sidecar-telemetry-env.js';
import { selectVolumes } from './volumes.js';
import type { SelectedVolume } from './volumes.js';

export interface MutateOptions extends ProvenanceOptions {
  parseLayerSpec: LayerSpecParser;
  sidecarImage: string;
  imageAllowList: readonly string[];
  defaultResources: ResourceValues;
  /** Chart value: force a sidecar kind, or `auto` to follow `nativeSidecars`. */
  sidecarMode: SidecarModeChoice;
  /** The API server and every kubelet support native sidecars (>= 1.29). */
  nativeSidecars: boolean;
  namespaceDefaultLayers?: string;
  sidecarPullPolicy?: string;
  /** Secrets (in the Pod's namespace) to pull the sidecar image with: added to the Pod's own. */
  sidecarPullSecrets?: readonly string[];
  /** Preferred sidecar metrics port (default SIDECAR_METRICS_PORT). */
  metricsPort?: number;
  hostMetrics?: HostMetrics; // hostNetwork Pods: their port from the chart's range
  /** Where sidecars send spans (the chart's `tracing` values). */
  tracing?: SidecarTracing;
  sidecarExtraEnv?: readonly EnvVar[]; // the chart's sidecar.extraEnv, after the sidecar's own
}

export type DenialReason = 'invalid-annotation' | 'identity' | 'resources' | 'provenance';

export type MutateResult =
  | { kind: 'mutated'; pod: Pod; volumes: string[]; native: boolean; warnings: string[] }
  | { kind: 'skipped'; pod: Pod; reason: string }
  | { kind: 'unchanged'; reason: string }
  | { kind: 'denied'; reason: DenialReason; message: string };

function denied(reason: DenialReason, errors: string[]): MutateResult {
  return { kind: 'denied', reason, message: `fs-interposer: ${errors.join('; ')}` };
}

function skipped(pod: Pod, reason: string): MutateResult {
  const out = { ...pod, metadata: { ...pod.metadata, annotations: { ...pod.metadata?.annotations, [Annotations.skipped]: reason } } };
  return { kind: 'skipped', pod: out, reason };
}

function useNative(settings: PodSettings, options: MutateOptions): boolean {
  const forced = settings.sidecarMode !== 'auto' ? settings.sidecarMode : options.sidecarMode;
  return forced === 'auto' ? options.nativeSidecars : forced === 'native';
}

function mounts(c: Container, names: ReadonlySet<string>): boolean {
  return c.volumeMounts?.some((m) => names.has(m.name)) ?? false;
}

interface Plan {
  settings: PodSettings;
  selected: SelectedVolume[];
  native: boolean;
  skips: string[];
}

/** Everything decided from the annotations and the volumes, or the reason nothing happens. */
function plan(pod: Pod, options: MutateOptions): Plan | MutateResult {
  const carried = checkCarried(pod, options);
  if (carried !== undefined) {
    return carried.ok ? { kind: 'unchanged', reason: 'already injected' } : denied('provenance', [carried.message]);
  }
  if (isWindows(pod)) return skipped(pod, 'Windows Pod (the interposer runs on Linux nodes only)');
  const read = readPodSettings(pod.metadata?.annotations, options);
  if (!read.ok) return denied('invalid-annotation', read.errors);
  const settings = read.value;
  if (!settings.optedIn) return { kind: 'unchanged', reason: 'not opted in' };
  const selection = selectVolumes(pod, settings.volumes, settings.layersByVolume.keys(), settings.backendsByVolume);
  const errors = [
    ...selection.errors,
    ...checkCacheVolumes(settings.cacheByVolume.keys(), selection.selected.map((v) => v.name)),
  ];
  if (errors.length > 0) return denied('invalid-annotation', errors);
  const skips = selection.skipped.map((s) => `${s.volume}: ${s.reason}`);
  if (selection.selected.length === 0) {
    return skipped(pod, skips.length > 0 ? skips.join('; ') : 'no PVC or ephemeral volume to interpose');
  }
  return { settings, selected: selection.selected, native: useNative(settings, options), skips };
}

/** The sidecar stops serving a little before the kubelet's SIGKILL. */
function graceSeconds(pod: Pod): number {
  const period = pod.spec?.terminationGracePeriodSeconds ?? 30;
  return Math.max(1, period - 5);
}

/** The sidecar for this plan, or the denial that its identity or resources demand. */
function sidecarFor(pod: Pod, p: Plan, options: MutateOptions): Container | MutateResult {
  const names = new Set(p.selected.map((v) => v.name));
  const users = [...(p.native ? pod.spec?.initContainers ?? [] : []), ...(pod.spec?.containers ?? [])]
    .filter((c) => mounts(c, names));
  const identity = sidecarIdentity(pod, users, p.settings.identity);
  if (!identity.ok) return denied('identity', [identity.error]);
  const resources = resolveResources(options.defaultResources, p.settings.resources, memoryNeeded(p.selected));
  if (!resources.ok) return denied('resources', [resources.error]);
  return withExtraEnv(buildSidecar({
    image: p.settings.image ?? options.sidecarImage,
    pullPolicy: options.sidecarPullPolicy,
    native: p.native,
    resources: resources.value,
    securityContext: identity.securityContext,
    volumes: p.selected,
    ...sidecarMetrics(pod, options.metricsPort, options.hostMetrics),
    config: p.settings.config,
    graceSeconds: graceSeconds(pod),
    ...(options.tracing !== undefined ? { tracing: options.tracing } : {}),
  }), options.sidecarExtraEnv);
}

export function mutatePod(pod: Pod, options: MutateOptions): MutateResult {
  const p = plan(pod, options);
  if ('kind' in p) return p;
  const sidecar = sidecarFor(pod, p, options);
  if ('kind' in sidecar) return sidecar;
  const assembly = { ...p, sidecar, driver: options.csiDriver ?? CSI_DRIVER_NAME, pullSecrets: options.sidecarPullSecrets ?? [] };
  const out = signed(assemble(pod, assembly), options);
  // Forced native on a cluster without it: the API server (< 1.29) drops restartPolicy and the
  // sidecar becomes an init container that never ends. Allowed (detection may be what is wrong),
  // but said out loud.
  const warnings = [
    ...p.skips,
    ...(p.native && !options.nativeSidecars ? ['native sidecar forced, but the API server or a kubelet is older than 1.29: the Pod may hang in Init'] : []),
    ...hostPortWarnings(pod, options.hostMetrics),
  ];
  return { kind: 'mutated', pod: out, volumes: p.selected.map((v) => v.name), native: p.native, warnings };
}

interface Assembly extends Plan {
  sidecar: Container;
  driver: string;
  pullSecrets: readonly string[];
}

/**
 * Copy-on-write: every object on a changed path is new, unchanged subtrees (most containers, the
 * volumes) are shared with the input. Cloning the whole Pod was 7% of a request's CPU; callers
 * treat both Pods as immutable (the processor only diffs them).
 */
function assemble(pod: Pod, a: Assembly): Pod {
  const out: Pod = { ...pod };
  const spec = { ...(pod.spec ?? { containers: [] }) };
  const names = new Set(a.selected.map((v) => v.name));
  const firstApp = spec.containers[0]?.name;
  spec.containers = spec.containers.map((c) => rewriteMounts(c, names));
  // Fallback: init containers run before any sidecar exists, so they keep the raw PVC.
  const inits = (spec.initContainers ?? []).map((c) => (a.native ? rewriteMounts(c, names) : c));
  if (a.native) spec.initContainers = [a.sidecar, ...inits];
  else spec.containers = [a.sidecar, ...spec.containers];
  spec.volumes = [
    ...(spec.volumes ?? []),
    ...a.selected.map((volume) => csiVolume(a.driver, {
      volume,
      layers: a.settings.layersByVolume.get(volume.name) ?? a.settings.layers,
      config: a.settings.config,
    })),
    ...sidecarVolumes(a.settings.config),
  ];
  const pullSecrets = withPullSecrets(spec.imagePullSecrets, a.pullSecrets);
  if (pullSecrets !== undefined) spec.imagePullSecrets = pullSecrets;
  out.spec = spec;
  out.metadata = {
    ...out.metadata,
    labels: { ...out.metadata?.labels, [INJECTED_LABEL]: INJECTED_LABEL_VALUE },
    annotations: annotate(out.metadata?.annotations, a, firstApp),
  };
  return out;
}

function annotate(existing: Record<string, string> | undefined, a: Assembly, firstApp?: string) {
  const annotations = { ...existing };
  annotations[Annotations.injected] = a.selected.map((v) => v.name).join(',');
  // The sidecar reads its layers from the Pod's annotations: a namespace default becomes the
  // Pod's own, visible and live-editable like one the user wrote.
  if (a.settings.layersFromNamespace && a.settings.layers !== undefined) annotations[Annotations.layers] = a.settings.layers;
  annotations[SAFE_TO_EVICT_LOCAL_VOLUMES] = mergeList(annotations[SAFE_TO_EVICT_LOCAL_VOLUMES], [HANDOFF_VOLUME_NAME]);
  if (a.skips.length > 0) annotations[Annotations.skipped] = a.skips.join('; ');
  // With the sidecar first among the containers, kubectl logs/exec would default to it.
  if (!a.native && firstApp !== undefined) annotations['kubectl.kubernetes.io/default-container'] ??= firstApp;
  return annotations;
}
