import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { MutateOptions } from '../../../src/webhook/mutate-pod.js';
import type { LayerSpecParser, Pod } from '../../../src/webhook/pod-types.js';
import { DEFAULT_SIDECAR_RESOURCES } from '../../../src/webhook/resources.js';

const FIXTURES = fileURLToPath(new URL('../../fixtures/admission/', import.meta.url));

export interface Review {
  apiVersion: string;
  kind: string;
  request: { uid: string; operation: string; namespace: string; dryRun?: boolean; object: Pod; oldObject: Pod | null };
}

/** A fresh copy of a fixture every call: tests mutate freely. */
export function loadReview(name: string): Review {
  return JSON.parse(readFileSync(`${FIXTURES}${name}`, 'utf8')) as Review;
}

export function loadPod(name: string): Pod {
  return loadReview(name).request.object;
}

/**
 * Accepts every layer spec: for tests about volumes, identity and placement, not the grammar
 * (the grammar is src/config's, tested there and through the real parser in annotations tests).
 */
export const acceptAnySpec: LayerSpecParser = () => ({ ok: true, value: {} });

/** The key the webhook's unit tests sign with (the chart's Secret holds 44 base64 characters). */
export const TEST_PROVENANCE_KEY = 'dGVzdC1rZXktZm9yLWZzLWludGVycG9zZXItdW5pdHM=';

export function mutateOptions(overrides: Partial<MutateOptions> = {}): MutateOptions {
  return {
    parseLayerSpec: acceptAnySpec,
    sidecarImage: 'ghcr.io/fs-interposer/fs-interposer:0.1.0',
    imageAllowList: ['ghcr.io/fs-interposer/fs-interposer:0.1.0-debug'],
    defaultResources: DEFAULT_SIDECAR_RESOURCES,
    sidecarMode: 'auto',
    nativeSidecars: false,
    provenanceKey: TEST_PROVENANCE_KEY,
    namespace: 'apps',
    ...overrides,
  };
}
