import { createHmac, timingSafeEqual } from 'node:crypto';
import type { V1Pod } from '@kubernetes/client-node';
import { Annotations } from '../contract/pod.js';
import { canonicalJson, sidecarClaims, volumeClaims } from './provenance-claims.js';

/**
 * The webhook's signature on what it injected, checked by the driver before it hands out FUSE
 * fds (docs/adr/0077-pod-provenance.md). One implementation for both sides: the webhook signs
 * with it, the driver and the webhook (on re-invocation) verify with it.
 *
 * Value: `v1.<n|g>.<sidecar mac>.<volumes mac>`. Each MAC is HMAC-SHA256 over the namespace, the
 * Pod's name (`n`) or, for a Pod that has none yet at admission, its generateName (`g`), the
 * driver name, and one part: the sidecar's essentials or our inline volumes. Two MACs instead of
 * one let a refusal say which part no longer matches.
 */
export const PROVENANCE_ANNOTATION = Annotations.provenance;
const VERSION = 'v1';
const MIN_KEY_LENGTH = 32;

export interface ProvenanceScope {
  /** The Pod's namespace; at admission the request's (the object may not carry it yet). */
  namespace: string;
  /** The CSI driver whose inline volumes are covered. */
  driver: string;
  /** The shared secret (text of the chart-managed Secret's `key`). */
  key: string;
}

export type Verification = { ok: true } | { ok: false; reason: string };

type Binding = { kind: 'n' | 'g'; value: string };

function mac(scope: ProvenanceScope, bind: Binding, part: string, claims: unknown): string {
  const input = canonicalJson([
    PROVENANCE_ANNOTATION,
    VERSION,
    scope.namespace,
    scope.driver,
    bind.kind,
    bind.value,
    part,
    claims,
  ]);
  return createHmac('sha256', scope.key).update(input).digest('base64url');
}

function checkKey(key: string): void {
  if (key.length < MIN_KEY_LENGTH) {
    throw new RangeError(
      `provenance key: at least ${MIN_KEY_LENGTH} characters (got ${key.length})`,
    );
  }
}

/** Signs a Pod the webhook built; undefined if it has no sidecar (nothing to sign). */
export function signPod(pod: V1Pod, scope: ProvenanceScope): string | undefined {
  checkKey(scope.key);
  const sidecar = sidecarClaims(pod);
  if (sidecar === undefined) return undefined;
  const name = pod.metadata?.name ?? '';
  const bind: Binding =
    name !== ''
      ? { kind: 'n', value: name }
      : { kind: 'g', value: pod.metadata?.generateName ?? '' };
  const volumes = volumeClaims(pod, scope.driver);
  return [
    VERSION,
    bind.kind,
    mac(scope, bind, 'sidecar', sidecar),
    mac(scope, bind, 'volumes', volumes),
  ].join('.');
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function binding(pod: V1Pod, kind: string): Binding | string {
  const name = pod.metadata?.name ?? '';
  if (kind === 'n') return { kind, value: name };
  const prefix = pod.metadata?.generateName ?? '';
  // At admission the name is not generated yet; on the live Pod it extends the prefix.
  if (prefix === '' || (name !== '' && !name.startsWith(prefix))) {
    return `signed for a Pod named from generateName "${prefix}", but this Pod is "${name}"`;
  }
  return { kind: 'g', value: prefix };
}

type Parsed = { kind: string; sidecarMac: string; volumesMac: string };

function parse(value: string | undefined): Parsed | string {
  if (value === undefined) return `no ${PROVENANCE_ANNOTATION} annotation`;
  const [version, kind = '', sidecarMac = '', volumesMac = '', ...rest] = value.split('.');
  const wellFormed = version === VERSION && (kind === 'n' || kind === 'g') && rest.length === 0;
  if (!wellFormed) return `${PROVENANCE_ANNOTATION} is malformed (accepted: v1.<n|g>.<mac>.<mac>)`;
  return { kind, sidecarMac, volumesMac };
}

function mismatch(
  scope: ProvenanceScope,
  bind: Binding,
  sidecarOk: boolean,
  volumesOk: boolean,
): string {
  if (!sidecarOk && !volumesOk) {
    return `the signature is not this webhook's for a Pod "${bind.value}" in namespace "${scope.namespace}" (copied from another Pod, or another key)`;
  }
  const what = sidecarOk
    ? `the ${scope.driver} volumes (names, attributes, readOnly)`
    : 'the fs-interposer container (image, command, args, workingDir, env, mounts, securityContext, probes, hooks)';
  return `${what} differ from what the webhook injected`;
}

/** Checks a Pod (at admission or live) against its provenance annotation. */
export function verifyPod(pod: V1Pod, scope: ProvenanceScope): Verification {
  checkKey(scope.key);
  const parsed = parse(pod.metadata?.annotations?.[PROVENANCE_ANNOTATION]);
  if (typeof parsed === 'string') return { ok: false, reason: parsed };
  const bind = binding(pod, parsed.kind);
  if (typeof bind === 'string') return { ok: false, reason: bind };
  const sidecar = sidecarClaims(pod);
  if (sidecar === undefined) return { ok: false, reason: 'the Pod has no fs-interposer container' };
  const sidecarOk = same(mac(scope, bind, 'sidecar', sidecar), parsed.sidecarMac);
  const volumesOk = same(
    mac(scope, bind, 'volumes', volumeClaims(pod, scope.driver)),
    parsed.volumesMac,
  );
  if (sidecarOk && volumesOk) return { ok: true };
  return { ok: false, reason: mismatch(scope, bind, sidecarOk, volumesOk) };
}
