/**
 * The handler never writes patch operations by hand: it diffs the original Pod against the one
 * mutatePod returned (RFC 6902 via fast-json-patch), so the patch is correct by construction.
 */
import jsonpatch from 'fast-json-patch';
import type { Operation } from 'fast-json-patch';
import type { Pod } from './pod-types.js';

export type PatchOperation = Operation;

export function diffPods(before: Pod, after: Pod): PatchOperation[] {
  return jsonpatch.compare(before as object, after as object);
}

/** Applies a patch to a copy (tests and the idempotency check use it). */
export function applyPatch(pod: Pod, patch: readonly PatchOperation[]): Pod {
  return jsonpatch.applyPatch(structuredClone(pod), [...patch], true, false).newDocument;
}
