import { describe, expect, it } from '@jest/globals';
import { CsiError } from '../../../src/csi/csi-error.js';
import { validatePublish, validateUnpublish } from '../../../src/csi/validate.js';
import { POD_UID, publishRequest } from './harness.js';

const KUBELET = '/var/lib/kubelet';
const base = publishRequest({ kubeletRoot: KUBELET });
const ctx = base.volume_context as Record<string, string>;
const without = (o: Record<string, unknown>, k: string): Record<string, unknown> => {
  const c = { ...o };
  delete c[k];
  return c;
};

describe('validatePublish', () => {
  it('accepts a kubelet inline-volume request', () => {
    expect(validatePublish(base, KUBELET)).toMatchObject({
      volumeId: 'csi-0123456789abcdef',
      readOnly: false,
      sourceVolume: 'data',
      layers: 'trace,metrics',
      pod: { name: 'app', namespace: 'default' },
    });
  });

  it.each([
    ['volume_id', { ...base, volume_id: '' }],
    ['target_path', without(base, 'target_path')],
    ['target_path', { ...base, target_path: 'relative/path' }],
    ['target_path', { ...base, target_path: `${KUBELET}/pods/../../etc` }],
    ['target_path', { ...base, target_path: '/etc/passwd' }],
    ['volume_capability', { ...base, volume_capability: null }],
    [
      'volume_capability.block',
      { ...base, volume_capability: { block: {}, access_mode: { mode: 'SINGLE_NODE_WRITER' } } },
    ],
    [
      'volume_capability.access_mode.mode',
      { ...base, volume_capability: { mount: {}, access_mode: { mode: 'UNKNOWN' } } },
    ],
    [
      'volume_capability.access_mode.mode',
      {
        ...base,
        volume_capability: { mount: {}, access_mode: { mode: 'MULTI_NODE_MULTI_WRITER' } },
      },
    ],
    [
      'csi.storage.k8s.io/ephemeral',
      { ...base, volume_context: without(ctx, 'csi.storage.k8s.io/ephemeral') },
    ],
    [
      'fs-interposer.dev/source-volume',
      { ...base, volume_context: without(ctx, 'fs-interposer.dev/source-volume') },
    ],
    [
      'fs-interposer.dev/source-volume',
      { ...base, volume_context: { ...ctx, 'fs-interposer.dev/source-volume': '../x' } },
    ],
    [
      'csi.storage.k8s.io/pod.uid',
      { ...base, volume_context: without(ctx, 'csi.storage.k8s.io/pod.uid') },
    ],
    [
      'csi.storage.k8s.io/pod.uid',
      { ...base, volume_context: { ...ctx, 'csi.storage.k8s.io/pod.uid': '../../x' } },
    ],
  ])('INVALID_ARGUMENT naming %s', (field, req) => {
    let err: unknown;
    try {
      validatePublish(req, KUBELET);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CsiError);
    expect((err as CsiError).code).toBe('INVALID_ARGUMENT');
    expect((err as CsiError).message).toContain(field);
  });

  it.each([
    [{ readonly: true }, true],
    [{ volume_capability: { mount: {}, access_mode: { mode: 'SINGLE_NODE_READER_ONLY' } } }, true],
    [{}, false],
  ])('derives read-only from %j', (over, readOnly) => {
    expect(validatePublish({ ...base, ...over }, KUBELET).readOnly).toBe(readOnly);
  });

  it('validates unpublish', () => {
    const target = `${KUBELET}/pods/${POD_UID}/volumes/kubernetes.io~csi/fsi-data/mount`;
    expect(validateUnpublish({ volume_id: 'v', target_path: `${target}/` }, KUBELET)).toEqual({
      volumeId: 'v',
      targetPath: target,
    });
    expect(() => validateUnpublish({ volume_id: 'v' }, KUBELET)).toThrow('target_path: required');
  });

  it.each([
    ['/etc'],
    ['/t'],
    [`${KUBELET}/plugins/csi.fs-interposer.dev`],
    [`${KUBELET}/pods/${POD_UID}/volumes/kubernetes.io~empty-dir/x`],
    [`${KUBELET}/pods/${POD_UID}/volumes/kubernetes.io~csi/fsi-data/mount/../../../../x/mount`],
    [`${KUBELET}/pods/${POD_UID}/volumes/kubernetes.io~csi/fsi-data/mount/deeper`],
  ])('refuses to unpublish %s: not a CSI volume target of the kubelet', (target) => {
    expect(() => validateUnpublish({ volume_id: 'v', target_path: target }, KUBELET)).toThrow(
      /target_path: .*(normalized|kubelet root|pods\/<pod uid>\/volumes\/kubernetes.io~csi\/<volume>\/mount)/,
    );
  });
});
