import { describe, expect, it } from '@jest/globals';
import { asPod, decodeAdmissionReview } from '../../../src/webhook/admission-review.js';
import { loadReview } from './helpers.js';

describe('decodeAdmissionReview', () => {
  it('decodes a real review', () => {
    const r = decodeAdmissionReview(loadReview('deployment-pod.json'));
    expect(r.ok && r.request).toMatchObject({
      uid: '7f6e5d4c-0002-4a1b-9c2d-000000000002',
      kind: { group: '', version: 'v1', kind: 'Pod' },
      namespace: 'apps',
      operation: 'CREATE',
      dryRun: false,
    });
  });

  it.each([
    [null, 'body is not a JSON object'],
    [[], 'body is not a JSON object'],
    [{ kind: 'AdmissionReview' }, 'apiVersion must be admission.k8s.io/v1 (got none)'],
    [{ apiVersion: 'admission.k8s.io/v1beta1', kind: 'AdmissionReview' }, 'apiVersion must be admission.k8s.io/v1 (got "admission.k8s.io/v1beta1")'],
    [{ apiVersion: 'admission.k8s.io/v1', kind: 'Pod' }, 'kind must be AdmissionReview (got "Pod")'],
    [{ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview' }, 'request is missing or not an object'],
  ])('%j -> %s', (body, message) => {
    expect(decodeAdmissionReview(body)).toEqual({ ok: false, message });
  });

  it.each([
    ['uid', 7, 'request.uid must be a non-empty string'],
    ['kind', 'Pod', 'request.kind must be {group, version, kind}'],
    ['operation', 'PATCH', 'request.operation must be one of CREATE, UPDATE, DELETE, CONNECT'],
    ['dryRun', 'yes', 'request.dryRun must be a boolean'],
    ['namespace', 3, 'request.namespace must be a string'],
  ])('request.%s = %j -> %s', (field, value, message) => {
    const review = loadReview('pod-single-pvc.json') as unknown as { request: Record<string, unknown> };
    review.request[field] = value;
    expect(decodeAdmissionReview(review)).toEqual({ ok: false, message });
  });
});

describe('asPod', () => {
  it.each([
    [{ metadata: { annotations: { a: 1 } }, spec: { containers: [] } }, 'x.metadata.annotations must map strings to strings'],
    [{ spec: null }, 'x.spec must be an object'],
    [{ spec: { containers: {} } }, 'x.spec.containers must be an array'],
    [{ spec: { containers: [{ image: 'a' }] } }, 'x.spec.containers[0] must be an object with a name'],
    [{ spec: { containers: [{ name: 'a', volumeMounts: [{ mountPath: '/x' }] }] } }, 'x.spec.containers[0].volumeMounts[0] must be an object with a name'],
    [{ spec: { containers: [{ name: 'a', ports: [null] }] } }, 'x.spec.containers[0].ports must be an array of objects'],
    [{ spec: { containers: [], volumes: 'data' } }, 'x.spec.volumes must be an array'],
  ])('%j -> %s', (object, message) => {
    expect(asPod(object, 'x')).toBe(message);
  });
});
