import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { status } from '@grpc/grpc-js';
import { fileURLToPath } from 'node:url';
import { clientFor, foreignService, publishRequest, startHarness } from './harness.js';
import type { Harness } from './harness.js';

// The kubelet-side subset of the CSI spec kept with the local cluster (field numbers checked
// against the vendored csi.pb.go): a client built from it must interoperate with our csi.proto.
const SUBSET = fileURLToPath(
  new URL('../../../../shared/k8s/examples/csi-node-subset.proto', import.meta.url),
);

describe('wire compatibility with an independent CSI v1 proto', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(() => h.close());

  it('publishes and unpublishes through a client built from the subset proto', async () => {
    const node = clientFor(foreignService(SUBSET, ['csi', 'v1'], 'Node'), h.csiSocket);
    const identity = clientFor(foreignService(SUBSET, ['csi', 'v1'], 'Identity'), h.csiSocket);
    try {
      const req = publishRequest(h);
      await h.call(node, 'NodePublishVolume', req);
      const spec = h.mounter.mounts.get(req.target_path as string);
      expect(spec).toMatchObject({ readOnly: false, fsName: 'fs-interposer:data' });
      expect(await h.call(identity, 'GetPluginInfo', {})).toMatchObject({
        name: 'csi.fs-interposer.dev',
      });
      expect(await h.call(node, 'NodeGetInfo', {})).toMatchObject({ node_id: 'node-test' });
      await expect(
        h.call(node, 'NodeStageVolume', {
          volume_id: 'v',
          staging_target_path: '/s',
          volume_capability: {},
        }),
      ).rejects.toMatchObject({ code: status.UNIMPLEMENTED });
      await h.call(node, 'NodeUnpublishVolume', {
        volume_id: req.volume_id,
        target_path: req.target_path,
      });
      expect(h.mounter.mounts.size).toBe(0);
    } finally {
      node.close();
      identity.close();
    }
  });
});
