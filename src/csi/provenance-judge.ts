import type { V1Pod } from '@kubernetes/client-node';
import { Annotations, VolumeAttributes } from '../contract/pod.js';
import type { Provenance } from './pod-inspector.js';
import { PROVENANCE_ANNOTATION, verifyPod } from './provenance.js';

/** The marker every release of the webhook wrote (the injected source volumes). */
const INJECTED_ANNOTATION = Annotations.injected;

export interface ProvenanceKey {
  secret: string;
  /** When the webhook made the key: no Pod it signed can be older. */
  created: Date;
}

/**
 * Pods injected before the webhook signed anything (an earlier release) carry no signature. They
 * are served only if they carry the old marker for this volume and were created before the key
 * existed (plus a grace for the old webhook replicas still answering during the upgrade): a Pod
 * written by hand today cannot be that old (docs/adr/0077-pod-provenance.md).
 */
export interface LegacyPolicy {
  accept: boolean;
  graceMs: number;
}

export interface JudgeOptions {
  driver: string;
  key: ProvenanceKey;
  legacy: LegacyPolicy;
  sourceVolume?: string;
}

const refused = (reason: string): Provenance => ({ kind: 'refused', reason });

function sourceVolumes(pod: V1Pod, driver: string): string[] {
  return (pod.spec?.volumes ?? [])
    .filter((v) => v.csi?.driver === driver)
    .map((v) => v.csi?.volumeAttributes?.[VolumeAttributes.sourceVolume] ?? '');
}

function createdAt(pod: V1Pod): Date | undefined {
  const raw = pod.metadata?.creationTimestamp as Date | string | undefined;
  const created = raw === undefined ? undefined : new Date(raw);
  return created === undefined || Number.isNaN(created.getTime()) ? undefined : created;
}

function marked(pod: V1Pod, volume: string | undefined): boolean {
  const names = (pod.metadata?.annotations?.[INJECTED_ANNOTATION] ?? '').split(',');
  return volume !== undefined && names.map((s) => s.trim()).includes(volume);
}

function legacy(pod: V1Pod, o: JudgeOptions): Provenance {
  const base = `no webhook provenance (no ${PROVENANCE_ANNOTATION} annotation): ${o.driver} serves only Pods the fs-interposer webhook injected`;
  if (!o.legacy.accept)
    return refused(
      `${base} (unsigned Pods of an earlier release are refused too: provenance.legacyPods is refuse)`,
    );
  if (!marked(pod, o.sourceVolume)) return refused(base);
  const created = createdAt(pod);
  const cutoff = new Date(o.key.created.getTime() + o.legacy.graceMs);
  if (created === undefined || created >= cutoff) {
    return refused(
      `${base}; it carries ${INJECTED_ANNOTATION} like a Pod of an earlier release, but was created ${created?.toISOString() ?? 'at an unknown time'}, not before ${cutoff.toISOString()} (when the webhook began signing, plus provenance.legacyGraceSeconds)`,
    );
  }
  return {
    kind: 'legacy',
    reason: `served without webhook provenance: injected by a release before it (created ${created.toISOString()}, before ${cutoff.toISOString()}); re-create the Pod to have it signed`,
  };
}

/** Pure: may the driver serve `sourceVolume` to this (live) Pod? */
export function judgePod(pod: V1Pod, o: JudgeOptions): Provenance {
  if (pod.metadata?.annotations?.[PROVENANCE_ANNOTATION] === undefined) return legacy(pod, o);
  const namespace = pod.metadata.namespace ?? '';
  const v = verifyPod(pod, { namespace, driver: o.driver, key: o.key.secret });
  if (!v.ok) return refused(`the webhook provenance does not verify: ${v.reason}`);
  if (o.sourceVolume !== undefined && !sourceVolumes(pod, o.driver).includes(o.sourceVolume)) {
    return refused(
      `no signed inline volume of ${o.driver} in this Pod has source volume "${o.sourceVolume}"`,
    );
  }
  return { kind: 'signed' };
}
