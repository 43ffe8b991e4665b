import { describe, expect, it } from '@jest/globals';
import { mutatePod } from '../../../src/webhook/mutate-pod.js';
import type { Pod } from '../../../src/webhook/pod-types.js';
import { modelFields, modelsRelease, validateAgainst } from '../../helpers/k8s-schema.js';
import { loadPod, mutateOptions } from './helpers.js';

/**
 * Native sidecars (an init container with restartPolicy Always) need Kubernetes >= 1.29; the
 * local e2e cluster is 1.20, whose API server drops the field. So the Pod the webhook injects in
 * native mode is checked here against the API schema of a release that has them: the models
 * @kubernetes/client-node generated from its Kubernetes OpenAPI spec (every field name and type,
 * recursively).
 */
const FIXTURES = [
  'pod-single-pvc.json', 'deployment-pod.json', 'multi-container-subpath-readonly.json', 'init-containers.json',
  'istio-sidecar.json', 'subpathexpr-projected.json', 'block-and-filesystem.json', 'ephemeral-hostnetwork.json',
];
const tracing = { otlpEndpoint: 'http://otel-collector.observability:4318', protocol: 'http/protobuf' as const, serviceName: 'fs-interposer', sampleRatio: 0.1 };

function injected(fixture: string, native: boolean): Pod {
  const r = mutatePod(loadPod(fixture), mutateOptions({ nativeSidecars: native, metricsPort: 9464, tracing }));
  if (r.kind !== 'mutated') throw new Error(`${fixture}: expected mutated, got ${r.kind}`);
  return r.pod;
}

describe('the injected Pod against the Kubernetes API schema (client-node models)', () => {
  it('the installed models come from a release with native sidecars (>= 1.29)', () => {
    expect(modelsRelease()).toBeGreaterThanOrEqual(1.29);
    expect(modelFields('V1Container').get('restartPolicy')).toBe('string');
    expect(modelFields('V1PodSpec').get('initContainers')).toBe('Array<V1Container>');
  });

  it.each(FIXTURES)('%s, native mode: every field name and type is in the schema', (fixture) => {
    const pod = injected(fixture, true);
    const sidecar = pod.spec!.initContainers!.find((c) => c.name === 'fs-interposer')!;
    expect(sidecar.restartPolicy).toBe('Always');
    // Only init containers may set restartPolicy (1.29 validation); the apps keep theirs unset.
    expect(pod.spec!.containers.every((c) => c.restartPolicy === undefined)).toBe(true);
    expect(validateAgainst(pod, 'V1Pod')).toEqual([]);
  });

  it.each(FIXTURES)('%s, regular-container mode: the same holds', (fixture) => {
    expect(validateAgainst(injected(fixture, false), 'V1Pod')).toEqual([]);
  });

  it('catches what the API server would refuse or drop: a misspelled field, a wrong type', () => {
    const pod = injected('pod-single-pvc.json', true) as unknown as { spec: { initContainers: Record<string, unknown>[] } };
    pod.spec.initContainers[0]!.restartPolicyy = 'Always';
    pod.spec.initContainers[0]!.stdin = 'yes';
    expect(validateAgainst(pod, 'V1Pod')).toEqual([
      '.spec.initContainers[0].restartPolicyy: unknown field of V1Container',
      '.spec.initContainers[0].stdin: expected boolean, got "yes"',
    ]);
  });
});
