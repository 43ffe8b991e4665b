/**
 * Provenance at admission (docs/adr/0077-pod-provenance.md): the webhook signs what it injects,
 * and a Pod that arrives already carrying our sidecar, our inline volumes or our markers is only
 * accepted when that signature verifies (re-invocation, or a verbatim copy of what this webhook
 * would produce in this namespace anyway). Anything else was written by hand and is denied: the
 * opt-in, the image allow-list and the sidecar's securityContext are not to be skipped that way.
 * The signing code is the CSI driver's (src/csi/provenance.ts): one implementation of the
 * contract for the side that signs and the side that verifies.
 */
import { signPod, verifyPod } from '../csi/provenance.js';
import { Annotations, CSI_DRIVER_NAME, SIDECAR_CONTAINER_NAME } from '../contract/pod.js';
import type { Pod } from './pod-types.js';
import { podContainers } from './volumes.js';

export interface ProvenanceOptions {
  /** The shared key (chart-managed Secret, read or created at start). */
  provenanceKey: string;
  /** The AdmissionRequest's namespace. */
  namespace: string;
  csiDriver?: string;
}

/** What of ours a Pod carries, in words for a denial; empty for a Pod the webhook never touched. */
export function carriedArtefacts(pod: Pod, driver: string): string[] {
  const sidecar = podContainers(pod).some((c) => c.name === SIDECAR_CONTAINER_NAME);
  const volumes = (pod.spec?.volumes ?? []).filter((v) => v.csi?.driver === driver);
  const annotations = [Annotations.injected, Annotations.provenance].filter((k) => pod.metadata?.annotations?.[k] !== undefined);
  return [
    ...(sidecar ? [`a container named "${SIDECAR_CONTAINER_NAME}"`] : []),
    ...volumes.map((v) => `the inline volume "${v.name}" of ${driver}`),
    ...annotations.map((k) => `the annotation ${k}`),
  ];
}

/** undefined: nothing of ours yet; ok: already injected by this webhook; else the denial. */
export function checkCarried(pod: Pod, o: ProvenanceOptions): undefined | { ok: true } | { ok: false; message: string } {
  const driver = o.csiDriver ?? CSI_DRIVER_NAME;
  const carried = carriedArtefacts(pod, driver);
  if (carried.length === 0) return undefined;
  const v = verifyPod(pod, { namespace: o.namespace, driver, key: o.provenanceKey });
  if (v.ok) return v;
  return {
    ok: false,
    message: `the Pod already carries ${carried.join(', ')}, without valid provenance from this webhook (${v.reason}): ` +
      `only the webhook adds them (accepted: remove them and ask for interposition with the ${Annotations.layers} annotation)`,
  };
}

/** The Pod with the webhook's signature on what it just injected. */
export function signed(pod: Pod, o: ProvenanceOptions): Pod {
  const driver = o.csiDriver ?? CSI_DRIVER_NAME;
  const value = signPod(pod, { namespace: o.namespace, driver, key: o.provenanceKey });
  if (value === undefined) throw new Error('an injected Pod without the sidecar cannot be signed');
  return { ...pod, metadata: { ...pod.metadata, annotations: { ...pod.metadata?.annotations, [Annotations.provenance]: value } } };
}
