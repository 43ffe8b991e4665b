/**
 * A memory or null volume (fs-interposer/backend.<volume>) reaches the driver as a volume
 * attribute, and the driver mounts it without POSIX ACLs and passthrough: with ACLs negotiated,
 * the kernel asks a backend that keeps none and fails permission checks (opendir answered
 * EOPNOTSUPP through a real mount before this).
 */
import { describe, expect, it } from '@jest/globals';
import { DEFAULT_INIT, initFor } from '../../../src/csi/init-policy.js';
import { validatePublish } from '../../../src/csi/validate.js';
import { publishRequest } from './harness.js';

const KUBELET = '/var/lib/kubelet';
const withBackend = (backend: string) => {
  const req = publishRequest({ kubeletRoot: KUBELET });
  return { ...req, volume_context: { ...(req.volume_context as object), 'fs-interposer.dev/backend': backend } };
};

describe('the backend volume attribute', () => {
  it.each(['memory', 'null'] as const)('%s: no ACLs, no passthrough', (backend) => {
    const req = validatePublish(withBackend(backend), KUBELET);
    expect(req.backend).toBe(backend);
    expect(initFor(req, { ...DEFAULT_INIT, passthrough: true })).toMatchObject({ posixAcl: false, passthrough: false });
  });

  it('absent: the PV, with ACLs as the chart says', () => {
    const req = validatePublish(publishRequest({ kubeletRoot: KUBELET }), KUBELET);
    expect(req.backend).toBeUndefined();
    expect(initFor(req, DEFAULT_INIT).posixAcl).toBe(true);
  });

  it('anything else is refused naming what is accepted', () => {
    expect(() => validatePublish(withBackend('tmpfs'), KUBELET)).toThrow(
      'volume_context["fs-interposer.dev/backend"]: tmpfs is not accepted (accepted: memory, null, or none for passthrough)',
    );
  });
});
