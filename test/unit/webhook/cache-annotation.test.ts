/**
 * `fs-interposer/cache.<volume>`: the webhook accepts `exclusive` and `default` on an interposed
 * volume (the CSI driver reads it at NodePublish) and denies anything else, naming what is
 * accepted, instead of creating a Pod whose opt-in the driver would ignore.
 */
import { describe, expect, it } from '@jest/globals';
import { parseLayerSpec } from '../../../src/config/index.js';
import { mutatePod } from '../../../src/webhook/mutate-pod.js';
import type { MutateResult } from '../../../src/webhook/mutate-pod.js';
import type { Pod } from '../../../src/webhook/pod-types.js';
import { validateUpdate } from '../../../src/webhook/validate-update.js';
import { loadPod, mutateOptions } from './helpers.js';

function pod(annotations: Record<string, string>): Pod {
  const p = loadPod('pod-single-pvc.json');
  p.metadata!.annotations = { 'fs-interposer/layers': 'metrics', ...annotations };
  return p;
}
const mutate = (p: Pod): MutateResult => mutatePod(p, mutateOptions({ parseLayerSpec }));

describe('fs-interposer/cache.<volume>', () => {
  it.each(['exclusive', 'default'])('accepts %s on an interposed volume', (value) => {
    const r = mutate(pod({ 'fs-interposer/cache.data': value }));
    expect(r.kind).toBe('mutated');
    if (r.kind === 'mutated') expect(r.pod.metadata?.annotations?.['fs-interposer/cache.data']).toBe(value);
  });

  it.each([
    [{ 'fs-interposer/cache.data': 'on' }, 'fs-interposer/cache.data: "on" is not accepted (accepted: exclusive, default)'],
    [{ 'fs-interposer/cache.data': 'Exclusive' }, 'fs-interposer/cache.data: "Exclusive" is not accepted (accepted: exclusive, default)'],
    [{ 'fs-interposer/cache.logs': 'exclusive' }, 'fs-interposer/cache.logs: volume "logs" is not interposed in this Pod (accepted: data)'],
  ])('denies %j, naming what is accepted', (a, message) => {
    const r = mutate(pod(a));
    expect(r.kind).toBe('denied');
    if (r.kind === 'denied') expect(r.message).toContain(message);
  });

  it('is fixed once the Pod exists (the driver decided at NodePublish)', () => {
    const r = mutate(pod({}));
    if (r.kind !== 'mutated') throw new Error(r.kind);
    const next = structuredClone(r.pod);
    next.metadata!.annotations!['fs-interposer/cache.data'] = 'exclusive';
    const u = validateUpdate(r.pod, next, { parseLayerSpec, imageAllowList: [] });
    expect(u.allowed).toBe(false);
    if (!u.allowed) expect(u.message).toContain('fs-interposer/cache.data cannot change on a running Pod');
  });

  it('alone does not opt a Pod in', () => {
    const p = loadPod('pod-single-pvc.json');
    p.metadata!.annotations = { 'fs-interposer/cache.data': 'exclusive' };
    expect(mutate(p)).toMatchObject({ kind: 'unchanged', reason: 'not opted in' });
  });
});
