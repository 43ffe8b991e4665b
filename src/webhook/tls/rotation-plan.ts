/**
 * What the CA Secret should hold next (pure; the I/O loop is self-signed-tls.ts). Rotation never
 * leaves a window of failed admissions:
 * - a serving certificate is re-issued from the same CA before it expires: the caBundle stays;
 * - a CA nearing its end first gets a successor that joins the caBundle while the serving cert
 *   still comes from the old one ("next"); only after `overlapMs` (time for every apiserver to
 *   see the new bundle) is the successor promoted and a serving cert issued from it, the old CA
 *   staying in the bundle ("previous") until it expires, for replicas not yet reloaded.
 */
import { createCa, createServingCert, notAfter } from './certificates.js';

export const SecretKeys = {
  caCert: 'ca.crt',
  caKey: 'ca.key',
  cert: 'tls.crt',
  key: 'tls.key',
  sans: 'tls.sans',
  nextCaCert: 'next-ca.crt',
  nextCaKey: 'next-ca.key',
  nextCaSince: 'next-ca.since',
  previousCaCert: 'previous-ca.crt',
} as const;

export interface RotationPolicy {
  dnsNames: readonly string[];
  ipAddresses?: readonly string[];
  caValidityDays: number;
  certValidityDays: number;
  /** Re-issue the serving certificate when it has less than this left. */
  certRenewBeforeMs: number;
  /** Start a CA successor when the CA has less than this left. */
  caRenewBeforeMs: number;
  /** How long a successor CA sits in the bundle before it signs anything. */
  overlapMs: number;
}

type Data = Record<string, string>;

function sansOf(p: RotationPolicy): string {
  return [...p.dnsNames, ...(p.ipAddresses ?? [])].join(',');
}

function issue(data: Data, now: Date, p: RotationPolicy): Data {
  const serving = createServingCert(
    { certPem: data[SecretKeys.caCert]!, keyPem: data[SecretKeys.caKey]! },
    { dnsNames: p.dnsNames, ipAddresses: p.ipAddresses, now, validityDays: p.certValidityDays },
  );
  return { ...data, [SecretKeys.cert]: serving.certPem, [SecretKeys.key]: serving.keyPem, [SecretKeys.sans]: sansOf(p) };
}

export function freshSecret(now: Date, p: RotationPolicy): Data {
  const ca = createCa({ commonName: 'fs-interposer-webhook-ca', now, validityDays: p.caValidityDays });
  return issue({ [SecretKeys.caCert]: ca.certPem, [SecretKeys.caKey]: ca.keyPem }, now, p);
}

function promote(data: Data, now: Date, p: RotationPolicy): Data {
  const next: Data = {
    ...data,
    [SecretKeys.previousCaCert]: data[SecretKeys.caCert]!,
    [SecretKeys.caCert]: data[SecretKeys.nextCaCert]!,
    [SecretKeys.caKey]: data[SecretKeys.nextCaKey]!,
  };
  delete next[SecretKeys.nextCaCert];
  delete next[SecretKeys.nextCaKey];
  delete next[SecretKeys.nextCaSince];
  return issue(next, now, p);
}

function complete(data: Data): boolean {
  return [SecretKeys.caCert, SecretKeys.caKey, SecretKeys.cert, SecretKeys.key].every((k) => data[k]);
}

function stage(data: Data, now: Date, p: RotationPolicy): Data {
  const ca = createCa({ commonName: 'fs-interposer-webhook-ca', now, validityDays: p.caValidityDays });
  return { ...data, [SecretKeys.nextCaCert]: ca.certPem, [SecretKeys.nextCaKey]: ca.keyPem, [SecretKeys.nextCaSince]: now.toISOString() };
}

/** The next Secret content, or undefined when nothing is due. */
export function planRotation(data: Data, now: Date, p: RotationPolicy): Data | undefined {
  if (!complete(data)) return freshSecret(now, p);
  const t = now.getTime();
  const since = data[SecretKeys.nextCaSince];
  let next = data;
  if (since !== undefined && t - Date.parse(since) >= p.overlapMs) next = promote(next, now, p);
  else if (since === undefined && notAfter(next[SecretKeys.caCert]!).getTime() - t < p.caRenewBeforeMs) next = stage(next, now, p);
  const stale = notAfter(next[SecretKeys.cert]!).getTime() - t < p.certRenewBeforeMs;
  if (stale || next[SecretKeys.sans] !== sansOf(p)) next = issue(next, now, p);
  return next === data ? undefined : next;
}

/** Every CA the apiserver must trust now: current, successor, and a not yet expired predecessor. */
export function caBundle(data: Data, now: Date): string {
  const previous = data[SecretKeys.previousCaCert];
  const keepPrevious = previous !== undefined && notAfter(previous).getTime() > now.getTime();
  return [data[SecretKeys.caCert], data[SecretKeys.nextCaCert], keepPrevious ? previous : undefined]
    .filter((pem): pem is string => pem !== undefined)
    .map((pem) => pem.trim())
    .join('\n') + '\n';
}
