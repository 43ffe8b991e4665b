import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { status } from '@grpc/grpc-js';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fetchOffer } from '../../../src/handoff/client.js';
import { closeFd } from '../../../src/handoff/unix-socket.js';
import { emptyDirPath } from '../../../src/csi/constants.js';
import { POD_UID, publishRequest, startHarness } from './harness.js';
import type { Harness } from './harness.js';

const handoffDir = (h: Harness): string =>
  emptyDirPath(h.kubeletRoot, POD_UID, 'fs-interposer-handoff');

describe('CSI driver over grpc-js (fake mounter)', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness({
      'default/app': { hasSidecar: true },
      'default/plain': { hasSidecar: false },
    });
  });
  afterEach(() => h.close());

  it('answers identity, controller and node info', async () => {
    expect(await h.call(h.clients.identity, 'GetPluginInfo', {})).toEqual({
      name: 'csi.fs-interposer.dev',
      vendor_version: '0.1.0-test',
      manifest: {},
    });
    expect(await h.call(h.clients.identity, 'Probe', {})).toEqual({ ready: { value: true } });
    expect(await h.call(h.clients.identity, 'GetPluginCapabilities', {})).toEqual({
      capabilities: [],
    });
    const ctrl = await h.call<{ capabilities: unknown[] }>(
      h.clients.controller,
      'ControllerGetCapabilities',
      {},
    );
    expect(ctrl.capabilities).toEqual([{ rpc: { type: 'SINGLE_NODE_MULTI_WRITER' }, type: 'rpc' }]);
    expect(await h.call(h.clients.node, 'NodeGetInfo', {})).toMatchObject({
      node_id: 'node-test',
      max_volumes_per_node: '7',
    });
    expect(await h.call(h.clients.node, 'NodeGetCapabilities', {})).toEqual({ capabilities: [] });
  });

  it('publishes: mounts, persists state, offers the fds and INIT in the Pod emptyDir', async () => {
    const req = publishRequest(h);
    await h.call(h.clients.node, 'NodePublishVolume', req);
    expect(h.mounter.mounts.get(req.target_path as string)).toMatchObject({
      readOnly: false,
      queues: 3,
      fsName: 'fs-interposer:data',
    });
    const saved = await h.state.load(req.target_path as string);
    expect(saved).toMatchObject({ volumeId: req.volume_id, sourceVolume: 'data', podUid: POD_UID });
    const got = await fetchOffer({
      socketPath: join(handoffDir(h), 'data.fuse.sock'),
      timeoutMs: 3000,
    });
    expect(got.offer).toMatchObject({
      volumeId: req.volume_id,
      fds: ['primary', 'queue', 'queue'],
    });
    expect(got.offer.init).toMatchObject({ major: 7, minor: 45, maxWrite: 1048576 });
    got.fds.forEach(closeFd);
  });

  it('is idempotent for the same volume and refuses another volume on the same target', async () => {
    const req = publishRequest(h);
    await h.call(h.clients.node, 'NodePublishVolume', req);
    await h.call(h.clients.node, 'NodePublishVolume', req);
    expect(h.mounter.calls.filter((c) => c.startsWith('mount'))).toHaveLength(1);
    await expect(
      h.call(h.clients.node, 'NodePublishVolume', { ...req, volume_id: 'other' }),
    ).rejects.toMatchObject({
      code: status.ALREADY_EXISTS,
    });
  });

  it('unpublishes: unmounts, closes every fd, removes socket and state; twice is fine', async () => {
    const req = publishRequest(h);
    await h.call(h.clients.node, 'NodePublishVolume', req);
    expect(h.mounter.openFds.size).toBe(3);
    const un = { volume_id: req.volume_id, target_path: req.target_path };
    await h.call(h.clients.node, 'NodeUnpublishVolume', un);
    expect(h.mounter.mounts.size).toBe(0);
    expect(h.mounter.openFds.size).toBe(0);
    expect(existsSync(join(handoffDir(h), 'data.fuse.sock'))).toBe(false);
    expect(await h.state.load(req.target_path as string)).toBeUndefined();
    await h.call(h.clients.node, 'NodeUnpublishVolume', un);
  });

  it('answers ABORTED while another call holds the target', async () => {
    const req = publishRequest(h);
    const release = h.mounter.hold();
    const first = h.call(h.clients.node, 'NodePublishVolume', req);
    await new Promise((r) => setTimeout(r, 50));
    await expect(h.call(h.clients.node, 'NodePublishVolume', req)).rejects.toMatchObject({
      code: status.ABORTED,
    });
    release();
    await first;
  });

  it('refuses a Pod without the sidecar, saying why', async () => {
    const req = publishRequest(h);
    const ctx = { ...(req.volume_context as object), 'csi.storage.k8s.io/pod.name': 'plain' };
    await expect(
      h.call(h.clients.node, 'NodePublishVolume', { ...req, volume_context: ctx }),
    ).rejects.toMatchObject({
      code: status.FAILED_PRECONDITION,
      details: expect.stringContaining('has no fs-interposer sidecar') as unknown as string,
    });
    expect(h.mounter.mounts.size).toBe(0);
  });

  it('surfaces the sidecar error file when a publish fails', async () => {
    const req = publishRequest(h);
    await h.call(h.clients.node, 'NodePublishVolume', req);
    await h.call(h.clients.node, 'NodeUnpublishVolume', {
      volume_id: req.volume_id,
      target_path: req.target_path,
    });
    writeFileSync(join(handoffDir(h), 'data.error'), 'config: unknown layer "bogus"\n');
    h.mounter.failNextMount(new Error('mount: EPERM'));
    await expect(h.call(h.clients.node, 'NodePublishVolume', req)).rejects.toMatchObject({
      code: status.INTERNAL,
      details: 'mount: EPERM; the sidecar reported: config: unknown layer "bogus"',
    });
  });

  it('never logs secrets', async () => {
    const req = publishRequest(h, { secrets: { token: 'hunter2-very-secret' } });
    await h.call(h.clients.node, 'NodePublishVolume', req);
    await expect(
      h.call(h.clients.node, 'NodePublishVolume', { ...req, volume_id: '' }),
    ).rejects.toBeDefined();
    const logs = h.logLines.join('');
    expect(logs).toContain('NodePublishVolume');
    expect(logs).not.toContain('hunter2');
  });

  it('serves kubelet plugin registration', async () => {
    expect(await h.call(h.clients.registration, 'GetInfo', {})).toEqual({
      type: 'CSIPlugin',
      name: 'csi.fs-interposer.dev',
      endpoint: h.csiSocket,
      supported_versions: ['1.0.0'],
    });
    await h.call(h.clients.registration, 'NotifyRegistrationStatus', {
      plugin_registered: true,
      error: '',
    });
    expect(h.logLines.join('')).toContain('kubelet registered the driver');
  });

  it('refuses to unmount a mount it did not publish, leaving it in place', async () => {
    const req = publishRequest(h);
    const target = req.target_path as string;
    h.mounter.plant(target, 'ext4');
    await expect(
      h.call(h.clients.node, 'NodeUnpublishVolume', {
        volume_id: req.volume_id,
        target_path: target,
      }),
    ).rejects.toMatchObject({
      code: status.FAILED_PRECONDITION,
      details: expect.stringContaining(
        'ext4 mount this driver did not publish',
      ) as unknown as string,
    });
    expect(h.mounter.mounts.has(target)).toBe(true);
    expect(h.mounter.calls).not.toContain(`unmount ${target}`);
  });

  it('refuses an unpublish target outside the kubelet root without touching it', async () => {
    h.mounter.plant('/etc', 'ext4');
    await expect(
      h.call(h.clients.node, 'NodeUnpublishVolume', { volume_id: 'v', target_path: '/etc' }),
    ).rejects.toMatchObject({ code: status.INVALID_ARGUMENT });
    expect(h.mounter.calls).toEqual([]);
  });

  it('refuses another volume id on a target it published', async () => {
    const req = publishRequest(h);
    await h.call(h.clients.node, 'NodePublishVolume', req);
    await expect(
      h.call(h.clients.node, 'NodeUnpublishVolume', {
        volume_id: 'other',
        target_path: req.target_path,
      }),
    ).rejects.toMatchObject({ code: status.FAILED_PRECONDITION });
    expect(h.mounter.mounts.has(req.target_path as string)).toBe(true);
  });

  it('unmounts a mount of its own type whose state was lost', async () => {
    const req = publishRequest(h);
    const target = req.target_path as string;
    h.mounter.plant(target, 'fuse.fs-interposer');
    await h.call(h.clients.node, 'NodeUnpublishVolume', {
      volume_id: req.volume_id,
      target_path: target,
    });
    expect(h.mounter.mounts.has(target)).toBe(false);
  });

  it('refuses a volume to a Pod it cannot read: no API access means nothing is verified', async () => {
    const req = publishRequest(h);
    const ctx = { ...(req.volume_context as object), 'csi.storage.k8s.io/pod.name': 'unknown' };
    await expect(
      h.call(h.clients.node, 'NodePublishVolume', { ...req, volume_context: ctx }),
    ).rejects.toMatchObject({
      code: status.FAILED_PRECONDITION,
      details: expect.stringContaining(
        'cannot check that the fs-interposer webhook made this Pod',
      ) as unknown as string,
    });
    expect(h.mounter.mounts.size).toBe(0);
  });
});

describe('provenance at NodePublishVolume (issue 15, item 12)', () => {
  let h: Harness;
  const warnings: string[] = [];
  const events = {
    warn: (pod: { name: string }, reason: string, message: string) => {
      warnings.push(`${pod.name} ${reason}: ${message}`);
      return Promise.resolve();
    },
  };
  beforeEach(async () => {
    warnings.length = 0;
    h = await startHarness(
      {
        'default/app': {
          hasSidecar: true,
          provenance: { kind: 'legacy', reason: 'injected before provenance' },
        },
        'default/fake': {
          hasSidecar: true,
          provenance: { kind: 'refused', reason: 'no webhook provenance' },
        },
        'default/early': {
          hasSidecar: true,
          provenance: {
            kind: 'refused',
            reason: 'the provenance key is not available yet',
            unavailable: true,
          },
        },
      },
      events,
    );
  });
  afterEach(() => h.close());

  const forPod = (name: string): Record<string, unknown> => {
    const req = publishRequest(h);
    return {
      ...req,
      volume_context: { ...(req.volume_context as object), 'csi.storage.k8s.io/pod.name': name },
    };
  };

  it('refuses a look-alike Pod with PERMISSION_DENIED and the reason; nothing is mounted', async () => {
    await expect(h.call(h.clients.node, 'NodePublishVolume', forPod('fake'))).rejects.toMatchObject(
      {
        code: status.PERMISSION_DENIED,
        details: 'pod default/fake: no webhook provenance',
      },
    );
    expect(h.mounter.calls).toEqual([]);
  });

  it('answers UNAVAILABLE (retry) while the key is not there yet', async () => {
    await expect(
      h.call(h.clients.node, 'NodePublishVolume', forPod('early')),
    ).rejects.toMatchObject({
      code: status.UNAVAILABLE,
    });
    expect(h.mounter.calls).toEqual([]);
  });

  it('serves an unsigned Pod of an earlier release, with a Warning event on it', async () => {
    await h.call(h.clients.node, 'NodePublishVolume', forPod('app'));
    expect(h.mounter.mounts.size).toBe(1);
    expect(warnings).toEqual(['app FsInterposerUnsignedPod: injected before provenance']);
  });
});
