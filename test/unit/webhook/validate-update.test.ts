import { describe, expect, it } from '@jest/globals';
import { parseLayerSpec } from '../../../src/config/index.js';
import { mutatePod } from '../../../src/webhook/mutate-pod.js';
import type { Pod } from '../../../src/webhook/pod-types.js';
import { validateUpdate } from '../../../src/webhook/validate-update.js';
import { loadPod, mutateOptions } from './helpers.js';

const options = { parseLayerSpec, imageAllowList: [] };

function injectedPod(): Pod {
  const r = mutatePod(loadPod('deployment-pod.json'), mutateOptions({ parseLayerSpec }));
  if (r.kind !== 'mutated') throw new Error('fixture not injected');
  return r.pod;
}

function withAnnotations(pod: Pod, change: Record<string, string | undefined>): Pod {
  const out = structuredClone(pod);
  const a = { ...out.metadata!.annotations };
  for (const [k, v] of Object.entries(change)) {
    if (v === undefined) delete a[k];
    else a[k] = v;
  }
  out.metadata!.annotations = a;
  return out;
}

describe('validateUpdate (live reconfiguration)', () => {
  it.each([
    [{ 'fs-interposer/layers': 'trace,latency=5ms' }],
    [{ 'fs-interposer/layers.data': 'metrics' }],
    [{ 'fs-interposer/layers.data': undefined }],
    [{ 'unrelated/annotation': 'x' }],
  ])('accepts %j', (change) => {
    const old = injectedPod();
    expect(validateUpdate(old, withAnnotations(old, change), options).allowed).toBe(true);
  });

  it.each([
    [{ 'fs-interposer/layers': 'trace,fault=EXX@1%' }, /fs-interposer\/layers: "trace,fault=EXX@1%": .*EXX/],
    [{ 'fs-interposer/layers.cache': 'trace' }, /layers.cache: volume "cache" is not interposed in this Pod \(accepted: data\)/],
    [{ 'fs-interposer/volumes': 'data,cache' }, /fs-interposer\/volumes cannot change on a running Pod \(accepted live changes: /],
    [{ 'fs-interposer/injected': undefined }, /fs-interposer\/injected cannot change/],
    [{ 'fs-interposer/sidecar-mode': 'native' }, /sidecar-mode cannot change/],
    [{ 'fs-interposer/config': 'other-profile' }, /fs-interposer\/config cannot change on a running Pod .*edit the ConfigMap itself/],
  ])('denies %j', (change, message) => {
    const old = injectedPod();
    const r = validateUpdate(old, withAnnotations(old, change), options);
    expect(r.allowed).toBe(false);
    expect(!r.allowed && r.message).toMatch(message);
  });

  it('ignores Pods that were never injected, whatever changes', () => {
    const old = loadPod('not-opted-in.json');
    const r = validateUpdate(old, withAnnotations(old, { 'fs-interposer/layers': 'bogus' }), options);
    expect(r).toEqual({ allowed: true, changed: false });
  });
});
