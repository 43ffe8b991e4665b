/**
 * Backends by annotation: `fs-interposer/backend.<volume>` makes an interposed volume a memory
 * scratch space or a null sink, with the memory it needs in the sidecar's limit; the sidecar
 * parses what the webhook writes (src/contract/volume-backends-env.ts).
 */
import { describe, expect, it } from '@jest/globals';
import { parseLayerSpec } from '../../../src/config/index.js';
import { parseSidecarEnv } from '../../../src/contract/sidecar-env.js';
import { applyPatch, diffPods } from '../../../src/webhook/json-patch.js';
import { mutatePod } from '../../../src/webhook/mutate-pod.js';
import type { MutateResult } from '../../../src/webhook/mutate-pod.js';
import type { Container, Pod } from '../../../src/webhook/pod-types.js';
import { validateUpdate } from '../../../src/webhook/validate-update.js';
import { loadPod, mutateOptions } from './helpers.js';

const MiB = 2 ** 20;

/** A Pod with a PVC `data` and two emptyDirs the app mounts, `scratch` and `sink`. */
function pod(annotations: Record<string, string>): Pod {
  const p = loadPod('pod-single-pvc.json');
  p.metadata!.annotations = annotations;
  p.spec!.volumes!.push({ name: 'scratch', emptyDir: {} }, { name: 'sink', emptyDir: { medium: 'Memory' } }, { name: 'cfg', configMap: { name: 'c' } });
  p.spec!.containers[0]!.volumeMounts!.push({ name: 'scratch', mountPath: '/scratch' }, { name: 'sink', mountPath: '/sink' }, { name: 'cfg', mountPath: '/cfg' });
  return p;
}

const mutate = (p: Pod): MutateResult => mutatePod(p, mutateOptions({ parseLayerSpec }));

function sidecarOf(r: MutateResult): Container {
  if (r.kind !== 'mutated') throw new Error(JSON.stringify(r));
  return r.pod.spec!.containers.find((c) => c.name === 'fs-interposer')!;
}

const envOf = (c: Container): Record<string, string> =>
  Object.fromEntries((c.env ?? []).map((e) => [e.name, e.value ?? '']));

describe('fs-interposer/backend.<volume>', () => {
  const annotations = {
    'fs-interposer/layers': 'metrics',
    'fs-interposer/backend.scratch': 'memory=64Mi',
    'fs-interposer/backend.sink': 'null',
  };

  it('interposes the emptyDirs named, served from memory and null, and leaves their source alone', () => {
    const before = pod(annotations);
    const r = mutate(before);
    if (r.kind !== 'mutated') throw new Error(JSON.stringify(r));
    expect(r.volumes).toEqual(['data', 'scratch', 'sink']);
    const app = r.pod.spec!.containers.find((c) => c.name === 'app')!;
    expect(app.volumeMounts!.map((m) => m.name)).toEqual(['fsi-data', 'default-token-x7k2p', 'fsi-scratch', 'fsi-sink', 'cfg']);
    const sidecar = sidecarOf(r);
    expect(sidecar.volumeMounts!.map((m) => m.mountPath).filter((p) => p.startsWith('/var/lib/fs-interposer/volumes'))).toEqual([
      '/var/lib/fs-interposer/volumes/data',
    ]);
    expect(applyPatch(before, diffPods(before, r.pod))).toEqual(r.pod);
    // ... and tells the driver, which mounts them without ACLs (nothing behind to keep them).
    const attrs = (n: string) => r.pod.spec!.volumes!.find((v) => v.name === n)!.csi!.volumeAttributes!;
    expect([attrs('fsi-data')['fs-interposer.dev/backend'], attrs('fsi-scratch')['fs-interposer.dev/backend'], attrs('fsi-sink')['fs-interposer.dev/backend']])
      .toEqual([undefined, 'memory', 'null']);
  });

  it('tells the sidecar each backend, in the form the sidecar reads', () => {
    const env = envOf(sidecarOf(mutate(pod(annotations))));
    expect(env.FS_INTERPOSER_BACKENDS).toBe(`scratch=memory:${64 * MiB},sink=null`);
    const parsed = parseSidecarEnv({ ...env, POD_NAME: 'p' });
    expect([...parsed.backends]).toEqual([
      ['data', { kind: 'passthrough' }],
      ['scratch', { kind: 'memory', maxBytes: 64 * MiB }],
      ['sink', { kind: 'null' }],
    ]);
  });

  it("raises the chart's default memory limit to hold a sized memory volume", () => {
    const r = mutate(pod({ 'fs-interposer/backend.scratch': 'memory=256Mi' }));
    expect(sidecarOf(r).resources?.limits?.memory).toBe(`${96 + 512}Mi`);
    // sizeless memory takes what the limit leaves: nothing to raise
    expect(sidecarOf(mutate(pod({ 'fs-interposer/backend.scratch': 'memory' }))).resources?.limits?.memory).toBe('128Mi');
  });

  it('a backend annotation alone opts the Pod in', () => {
    expect(mutate(pod({ 'fs-interposer/backend.sink': 'null' })).kind).toBe('mutated');
  });

  it.each([
    [{ 'fs-interposer/backend.scratch': 'tmpfs' }, 'fs-interposer/backend.scratch: "tmpfs" is not accepted (accepted: passthrough, memory, memory=<size, e.g. 256Mi>, null)'],
    [{ 'fs-interposer/backend.scratch': 'memory=1m' }, "fs-interposer/backend.scratch: \"memory=1m\" is not accepted ('1m': the milli suffix m is not a size"],
    [{ 'fs-interposer/backend.scratch': 'memory=0' }, 'fs-interposer/backend.scratch: "memory=0" is not accepted (from 1 byte to 32Gi)'],
    [{ 'fs-interposer/backend.scratch': 'passthrough' }, 'fs-interposer/backend.scratch: "passthrough" needs a PV, and "scratch" is an emptyDir (accepted: memory, memory=<size>, null)'],
    [{ 'fs-interposer/backend.tmp': 'null' }, 'fs-interposer/backend.tmp: volume "tmp" does not exist in this Pod (accepted: data, default-token-x7k2p, scratch, sink, cfg)'],
    [{ 'fs-interposer/backend.cfg': 'null' }, 'fs-interposer/backend.cfg: volume "cfg" is not a PVC, generic ephemeral or (for memory and null) emptyDir volume'],
    [{ 'fs-interposer/volumes': 'data', 'fs-interposer/backend.sink': 'null' }, 'fs-interposer/backend.sink: volume "sink" is not interposed in this Pod (accepted: data)'],
    [{ 'fs-interposer/backend.scratch': 'memory=1Gi', 'fs-interposer/memory-limit': '512Mi' }, "fs-interposer/memory-limit 512Mi is too small for this Pod's memory volumes (accepted: at least 2144Mi: 96Mi for the sidecar plus twice the data)"],
  ])('denies %j, naming what is accepted', (a, message) => {
    const r = mutate(pod(a));
    expect(r.kind).toBe('denied');
    if (r.kind === 'denied') expect(r.message).toContain(message);
  });

  it('is fixed once the Pod exists (the sidecar was built for it)', () => {
    const r = mutate(pod(annotations));
    if (r.kind !== 'mutated') throw new Error(r.kind);
    const next = structuredClone(r.pod);
    next.metadata!.annotations!['fs-interposer/backend.sink'] = 'memory';
    const u = validateUpdate(r.pod, next, { parseLayerSpec, imageAllowList: [] });
    expect(u.allowed).toBe(false);
    if (!u.allowed) expect(u.message).toContain('fs-interposer/backend.sink cannot change on a running Pod');
  });
});
