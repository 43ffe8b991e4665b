/**
 * The webhook writes the sidecar's environment with src/contract/sidecar-env.ts, which also
 * parses it. This checks a whole mutated Pod: what the sidecar is told matches what is mounted
 * into it.
 */
import { describe, expect, it } from '@jest/globals';
import { parseSidecarEnv } from '../../../src/contract/sidecar-env.js';
import { mutatePod } from '../../../src/webhook/mutate-pod.js';
import type { Container } from '../../../src/webhook/pod-types.js';
import { loadPod, mutateOptions } from './helpers.js';

function envOf(c: Container): Record<string, string> {
  const fieldValues: Record<string, string> = { 'metadata.name': 'web-1', 'metadata.namespace': 'apps', 'metadata.uid': 'u-1' };
  return Object.fromEntries((c.env ?? []).map((e) => [e.name, e.value ?? fieldValues[e.valueFrom!.fieldRef!.fieldPath] ?? '']));
}

describe('webhook -> sidecar environment contract', () => {
  it.each([false, true])('native=%s: the sidecar parses what the webhook writes', (nativeSidecars) => {
    const pod = loadPod('deployment-pod.json');
    pod.metadata!.annotations!['fs-interposer/config'] = 'profile';
    const r = mutatePod(pod, mutateOptions({ nativeSidecars }));
    if (r.kind !== 'mutated') throw new Error(r.kind);
    const sidecar = (nativeSidecars ? r.pod.spec!.initContainers! : r.pod.spec!.containers)[0]!;
    const env = parseSidecarEnv(envOf(sidecar));
    expect(env).toMatchObject({
      volumes: ['data'],
      handoffDir: '/run/fs-interposer',
      podinfoDir: '/etc/fs-interposer/podinfo',
      sourceRoot: '/var/lib/fs-interposer/volumes',
      metricsListen: '0.0.0.0:9464',
      configFile: '/etc/fs-interposer/config/config.yaml',
      pod: { name: 'web-1', namespace: 'apps', uid: 'u-1' },
      nativeSidecar: nativeSidecars,
      graceMs: 25_000,
    });
    // every path the sidecar was told about is mounted into it
    const mounts = sidecar.volumeMounts!.map((m) => m.mountPath);
    expect(mounts).toEqual(expect.arrayContaining([env.handoffDir, env.podinfoDir, `${env.sourceRoot}/data`, '/etc/fs-interposer/config']));
  });
});
