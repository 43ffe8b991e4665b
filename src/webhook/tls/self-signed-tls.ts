/**
 * Self-signed mode: one Secret holds the CA and the serving certificate for every replica.
 * Create-if-absent and replace-with-resourceVersion make exactly one replica's write win; the
 * others re-read and adopt it, so all replicas serve certificates from one CA. Before a replica
 * serves what it read, it makes sure the webhook configuration's caBundle trusts it.
 */
import type { Logger } from 'pino';
import { KubeConflictError } from '../kube/kube-api.js';
import type { KubeApi } from '../kube/kube-api.js';
import type { CertPair } from './certificates.js';
import { SecretKeys, caBundle, freshSecret, planRotation } from './rotation-plan.js';
import type { RotationPolicy } from './rotation-plan.js';

export interface SelfSignedOptions {
  api: KubeApi;
  namespace: string;
  secretName: string;
  /** MutatingWebhookConfiguration whose caBundle is kept in sync. */
  webhookConfiguration: string;
  policy: RotationPolicy;
  now: () => Date;
  logger: Logger;
}

export interface TlsMaterial extends CertPair {
  caBundle: string;
}

const MAX_ATTEMPTS = 5;

async function writeOnce(o: SelfSignedOptions): Promise<Record<string, string> | undefined> {
  const stored = await o.api.readSecret(o.namespace, o.secretName);
  try {
    if (!stored) {
      const data = freshSecret(o.now(), o.policy);
      await o.api.createSecret(o.namespace, o.secretName, data);
      o.logger.info({ secret: o.secretName }, 'created the webhook CA and serving certificate');
      return data;
    }
    const next = planRotation(stored.data, o.now(), o.policy);
    if (!next) return stored.data;
    await o.api.replaceSecret(o.namespace, o.secretName, next, stored.resourceVersion);
    o.logger.info({ secret: o.secretName }, 'rotated webhook certificates');
    return next;
  } catch (err) {
    if (err instanceof KubeConflictError) return undefined; // another replica wrote first: re-read
    throw err;
  }
}

async function syncBundle(o: SelfSignedOptions, bundle: string): Promise<void> {
  const current = await o.api.readCaBundles(o.webhookConfiguration);
  if (current.length > 0 && current.every((b) => b === bundle)) return;
  await o.api.writeCaBundle(o.webhookConfiguration, bundle);
  o.logger.info({ configuration: o.webhookConfiguration }, 'caBundle updated');
}

export async function ensureSelfSignedTls(o: SelfSignedOptions): Promise<TlsMaterial> {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const data = await writeOnce(o);
    if (!data) continue;
    const bundle = caBundle(data, o.now());
    await syncBundle(o, bundle);
    return { certPem: data[SecretKeys.cert]!, keyPem: data[SecretKeys.key]!, caBundle: bundle };
  }
  throw new Error(`secret ${o.namespace}/${o.secretName}: gave up after ${MAX_ATTEMPTS} conflicting writes`);
}
