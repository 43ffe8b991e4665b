import { describe, expect, it } from '@jest/globals';
import { webhookConfigFromEnv } from '../../../src/webhook/env-config.js';
import { applyPatch, diffPods } from '../../../src/webhook/json-patch.js';
import { mutatePod } from '../../../src/webhook/mutate-pod.js';
import type { Pod } from '../../../src/webhook/pod-types.js';
import { loadPod, mutateOptions } from './helpers.js';

const BASE_ENV = { FS_INTERPOSER_SIDECAR_IMAGE: 'registry.example/fsi:1', FS_INTERPOSER_NAMESPACE: 'fsi' };

function injected(pod: Pod, secrets: readonly string[]): Pod {
  const r = mutatePod(pod, mutateOptions({ sidecarPullSecrets: secrets }));
  if (r.kind !== 'mutated') throw new Error(`expected mutated, got ${JSON.stringify(r)}`);
  return r.pod;
}

describe('imagePullSecrets reach injected sidecars (chart value imagePullSecrets)', () => {
  it('adds the chart secrets to the Pod it injects, and the JSON patch carries them', () => {
    const pod = loadPod('pod-single-pvc.json');
    expect(pod.spec?.imagePullSecrets).toBeUndefined();
    const out = injected(pod, ['regcred', 'mirror']);
    expect(out.spec?.imagePullSecrets).toEqual([{ name: 'regcred' }, { name: 'mirror' }]);
    const patch = diffPods(pod, out);
    expect(patch).toContainEqual({ op: 'add', path: '/spec/imagePullSecrets', value: [{ name: 'regcred' }, { name: 'mirror' }] });
    expect(applyPatch(pod, patch).spec?.imagePullSecrets).toEqual([{ name: 'regcred' }, { name: 'mirror' }]);
  });

  it("keeps the Pod's own secrets first and adds each name once", () => {
    const pod = loadPod('pod-single-pvc.json');
    pod.spec!.imagePullSecrets = [{ name: 'app-cred' }, { name: 'regcred' }];
    expect(injected(pod, ['regcred', 'mirror']).spec?.imagePullSecrets).toEqual([
      { name: 'app-cred' }, { name: 'regcred' }, { name: 'mirror' },
    ]);
  });

  it('leaves the field absent with no chart secrets, and untouched on Pods it does not inject', () => {
    expect(injected(loadPod('pod-single-pvc.json'), []).spec?.imagePullSecrets).toBeUndefined();
    const r = mutatePod(loadPod('not-opted-in.json'), mutateOptions({ sidecarPullSecrets: ['regcred'] }));
    expect(r.kind).toBe('unchanged');
  });

  it('reads the names from FS_INTERPOSER_SIDECAR_IMAGE_PULL_SECRETS', () => {
    const r = webhookConfigFromEnv({ ...BASE_ENV, FS_INTERPOSER_SIDECAR_IMAGE_PULL_SECRETS: 'regcred, mirror' });
    expect(r.ok && r.value.sidecarPullSecrets).toEqual(['regcred', 'mirror']);
    const none = webhookConfigFromEnv({ ...BASE_ENV, FS_INTERPOSER_SIDECAR_IMAGE_PULL_SECRETS: '' });
    expect(none.ok && none.value.sidecarPullSecrets).toEqual([]);
  });

  it('refuses a name that is not a Secret name, saying what is accepted', () => {
    const r = webhookConfigFromEnv({ ...BASE_ENV, FS_INTERPOSER_SIDECAR_IMAGE_PULL_SECRETS: 'ok,Bad_Name' });
    expect(!r.ok && r.errors).toEqual([
      'FS_INTERPOSER_SIDECAR_IMAGE_PULL_SECRETS: "Bad_Name" is not a Secret name (accepted: comma-separated lowercase DNS subdomain names)',
    ]);
  });
});
