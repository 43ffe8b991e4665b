/**
 * The key the webhook signs injected Pods with, shared with the CSI driver through one Secret of
 * the release namespace (docs/adr/0077-pod-provenance.md). The chart renders that Secret empty;
 * the first replica to start fills it (create-if-absent, replace-with-resourceVersion: one
 * replica's write wins, the others re-read and adopt it). `created` is when the key was made:
 * the driver serves unsigned Pods of an earlier release only if they are older than that.
 */
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { KubeConflictError } from './kube/kube-api.js';
import type { KubeApi } from './kube/kube-api.js';

export const ProvenanceSecretKeys = { key: 'key', created: 'created' } as const;
const MIN_LENGTH = 32;
const MAX_ATTEMPTS = 5;

export interface ProvenanceKeyOptions {
  api: KubeApi;
  namespace: string;
  secretName: string;
  now: () => Date;
  logger: Logger;
  /** 32 random bytes, base64 (tests pass a fixed one). */
  generate?: () => string;
}

function usable(o: ProvenanceKeyOptions, key: string | undefined): key is string {
  if (key === undefined || key === '') return false;
  if (key.length >= MIN_LENGTH) return true;
  // An admin's value is never overwritten silently: say what is wrong with it.
  throw new Error(`secret ${o.namespace}/${o.secretName}: "${ProvenanceSecretKeys.key}" has ${key.length} characters (accepted: at least ${MIN_LENGTH}; delete it and the webhook generates one)`);
}

async function writeOnce(o: ProvenanceKeyOptions): Promise<string | undefined> {
  const stored = await o.api.readSecret(o.namespace, o.secretName);
  if (usable(o, stored?.data[ProvenanceSecretKeys.key])) return stored!.data[ProvenanceSecretKeys.key];
  const key = (o.generate ?? (() => randomBytes(32).toString('base64')))();
  const data = { [ProvenanceSecretKeys.key]: key, [ProvenanceSecretKeys.created]: o.now().toISOString() };
  try {
    if (stored === undefined) await o.api.createSecret(o.namespace, o.secretName, data);
    else await o.api.replaceSecret(o.namespace, o.secretName, { ...stored.data, ...data }, stored.resourceVersion);
  } catch (err) {
    if (err instanceof KubeConflictError) return undefined; // another replica wrote first: re-read
    throw err;
  }
  o.logger.info({ secret: o.secretName }, 'created the provenance key for injected Pods');
  return key;
}

export async function ensureProvenanceKey(o: ProvenanceKeyOptions): Promise<string> {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const key = await writeOnce(o);
    if (key !== undefined) return key;
  }
  throw new Error(`secret ${o.namespace}/${o.secretName}: gave up after ${MAX_ATTEMPTS} conflicting writes`);
}
