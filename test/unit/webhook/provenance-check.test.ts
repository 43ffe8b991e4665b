import { describe, expect, it } from '@jest/globals';
import { parseLayerSpec } from '../../../src/config/index.js';
import { verifyPod } from '../../../src/csi/provenance.js';
import { mutatePod } from '../../../src/webhook/mutate-pod.js';
import type { MutateResult } from '../../../src/webhook/mutate-pod.js';
import type { Pod } from '../../../src/webhook/pod-types.js';
import { validateUpdate } from '../../../src/webhook/validate-update.js';
import { loadPod, mutateOptions, TEST_PROVENANCE_KEY } from './helpers.js';

const DRIVER = 'csi.fs-interposer.dev';

function injected(fixture = 'pod-single-pvc.json', namespace = 'apps'): Pod {
  const r = mutatePod(loadPod(fixture), mutateOptions({ namespace }));
  if (r.kind !== 'mutated') throw new Error(`${fixture} not injected: ${JSON.stringify(r)}`);
  return r.pod;
}

function denial(r: MutateResult): string {
  if (r.kind !== 'denied') throw new Error(`expected a denial, got ${r.kind}`);
  expect(r.reason).toBe('provenance');
  return r.message;
}

/** A Pod the way a user would write it to look injected: our volume and a look-alike sidecar. */
function handWritten(): Pod {
  const pod = loadPod('pod-single-pvc.json');
  pod.spec!.containers.unshift({ name: 'fs-interposer', image: 'evil.example/miner:1', command: ['sh'] });
  pod.spec!.volumes!.push({
    name: 'fsi-data',
    csi: { driver: DRIVER, volumeAttributes: { 'fs-interposer.dev/source-volume': 'data' } },
  });
  return pod;
}

describe('provenance at admission (issue 15, item 12)', () => {
  it('signs what it injects; its own output (re-invocation) is left unchanged', () => {
    const pod = injected();
    const value = pod.metadata!.annotations!['fs-interposer/provenance']!;
    expect(value).toMatch(/^v1\.n\.[A-Za-z0-9_-]{43}\.[A-Za-z0-9_-]{43}$/);
    expect(verifyPod(pod, { namespace: 'apps', driver: DRIVER, key: TEST_PROVENANCE_KEY })).toEqual({ ok: true });
    expect(mutatePod(pod, mutateOptions())).toEqual({ kind: 'unchanged', reason: 'already injected' });
  });

  it('binds a Pod without a name yet (a controller\'s generateName) to that prefix', () => {
    const pod = injected('deployment-pod.json');
    expect(pod.metadata!.annotations!['fs-interposer/provenance']).toMatch(/^v1\.g\./);
    expect(mutatePod(pod, mutateOptions()).kind).toBe('unchanged');
  });

  it('denies a hand-written Pod with our inline volume and a look-alike container, naming both', () => {
    const msg = denial(mutatePod(handWritten(), mutateOptions()));
    expect(msg).toContain('a container named "fs-interposer"');
    expect(msg).toContain(`the inline volume "fsi-data" of ${DRIVER}`);
    expect(msg).toContain('no fs-interposer/provenance annotation');
    expect(msg).toMatch(/accepted: remove them and ask for interposition with the fs-interposer\/layers annotation/);
  });

  it.each([
    ['our inline volume alone', (p: Pod) => p.spec!.volumes!.push({ name: 'x', csi: { driver: DRIVER } })],
    ['the injected marker alone', (p: Pod) => (p.metadata!.annotations!['fs-interposer/injected'] = 'data')],
    ['a forged signature', (p: Pod) => (p.metadata!.annotations!['fs-interposer/provenance'] = 'v1.n.AAAA.BBBB')],
  ])('denies %s', (_what, edit) => {
    const pod = loadPod('pod-single-pvc.json');
    edit(pod);
    expect(denial(mutatePod(pod, mutateOptions()))).toMatch(/without valid provenance from this webhook/);
  });

  it('denies an injected Pod copied into another namespace or under another name', () => {
    const pod = injected();
    expect(denial(mutatePod(pod, mutateOptions({ namespace: 'other' })))).toMatch(
      /not this webhook's for a Pod "writer" in namespace "other"/,
    );
    const renamed = structuredClone(pod);
    renamed.metadata!.name = 'writer-2';
    expect(denial(mutatePod(renamed, mutateOptions()))).toMatch(/not this webhook's for a Pod "writer-2"/);
    expect(denial(mutatePod(pod, mutateOptions({ provenanceKey: 'another-key-of-at-least-32-characters' })))).toMatch(
      /another key/,
    );
  });

  it('denies an injected Pod whose sidecar was changed after injection (by hand or by a later webhook)', () => {
    const pod = injected();
    pod.spec!.containers[0]!.env!.push({ name: 'NODE_OPTIONS', value: '--require /tmp/x.js' });
    expect(denial(mutatePod(pod, mutateOptions()))).toMatch(/the fs-interposer container \(image, .*\) differ/);
  });
});

describe('provenance on UPDATE', () => {
  const options = { parseLayerSpec, imageAllowList: [] };

  it('denies a new image for the sidecar (the one container field an UPDATE may change)', () => {
    const old = injected();
    const next = structuredClone(old);
    next.spec!.containers[0]!.image = 'evil.example/miner:1';
    const r = validateUpdate(old, next, options);
    expect(r).toEqual({
      allowed: false,
      message: expect.stringMatching(
        /the fs-interposer container cannot change on a running Pod: image \(image ghcr.io\/fs-interposer\/fs-interposer:0.1.0 -> evil.example\/miner:1\)/,
      ) as unknown as string,
    });
  });

  it('denies changing or dropping the provenance annotation', () => {
    const old = injected();
    const next = structuredClone(old);
    delete next.metadata!.annotations!['fs-interposer/provenance'];
    const r = validateUpdate(old, next, options);
    expect(!r.allowed && r.message).toMatch(/fs-interposer\/provenance cannot change on a running Pod/);
  });

  it('still accepts a live layer change of an injected Pod', () => {
    const old = injected();
    const next = structuredClone(old);
    next.metadata!.annotations!['fs-interposer/layers'] = 'trace';
    expect(validateUpdate(old, next, options)).toEqual({ allowed: true, changed: true });
  });
});
