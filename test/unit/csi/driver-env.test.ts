import { describe, expect, it } from '@jest/globals';
import { parseDriverEnv } from '../../../src/csi/driver-env.js';

describe('driver environment (as the chart sets it)', () => {
  it('reads the chart variables', () => {
    const env = parseDriverEnv({
      FS_INTERPOSER_CSI_DRIVER: 'csi.fs-interposer.dev',
      FS_INTERPOSER_CSI_ENDPOINT: 'unix:///var/lib/kubelet/plugins/csi.fs-interposer.dev/csi.sock',
      FS_INTERPOSER_CSI_REGISTRATION_DIR: '/var/lib/kubelet/plugins_registry',
      FS_INTERPOSER_KUBELET_DIR: '/var/lib/kubelet/',
      FS_INTERPOSER_STATE_DIR: '/var/lib/fs-interposer',
      FS_INTERPOSER_NODE_NAME: 'node1',
      FS_INTERPOSER_HEALTH_PORT: '9809',
      FS_INTERPOSER_FUSE_QUEUES: '4',
      FS_INTERPOSER_FUSE_MAX_WRITE: '131072',
      FS_INTERPOSER_FUSE_WRITEBACK_CACHE: 'true',
      FS_INTERPOSER_CSI_MAX_VOLUMES_PER_NODE: '256',
    });
    expect(env).toMatchObject({
      kubeletRoot: '/var/lib/kubelet',
      csiSocket: '/var/lib/kubelet/plugins/csi.fs-interposer.dev/csi.sock',
      registrationSocket: '/var/lib/kubelet/plugins_registry/csi.fs-interposer.dev-reg.sock',
      nodeId: 'node1',
      healthPort: 9809,
      queues: 4,
      maxVolumesPerNode: 256,
      init: { maxWrite: 131072, writebackCache: true, passthrough: false, posixAcl: true },
    });
  });

  it('defaults to the kubelet layout and lists every problem', () => {
    expect(parseDriverEnv({}).csiSocket).toBe(
      '/var/lib/kubelet/plugins/csi.fs-interposer.dev/csi.sock',
    );
    expect(parseDriverEnv({}).maxVolumesPerNode).toBe(0);
    expect(() =>
      parseDriverEnv({
        FS_INTERPOSER_CSI_ENDPOINT: 'tcp://x:1',
        FS_INTERPOSER_FUSE_QUEUES: '0',
        FS_INTERPOSER_CSI_MAX_VOLUMES_PER_NODE: '-1',
      }),
    ).toThrow(
      /CSI_ENDPOINT must be unix[\s\S]*FUSE_QUEUES must be a positive integer[\s\S]*MAX_VOLUMES_PER_NODE must be an integer >= 0/,
    );
  });

  it('reads how long a volume may go without a running sidecar: 60 s by default, a whole positive number', () => {
    expect(parseDriverEnv({}).sidecarWaitSeconds).toBe(60);
    expect(parseDriverEnv({ FS_INTERPOSER_CSI_SIDECAR_WAIT_SECONDS: '30' }).sidecarWaitSeconds).toBe(30);
    expect(() => parseDriverEnv({ FS_INTERPOSER_CSI_SIDECAR_WAIT_SECONDS: '0' })).toThrow(
      /FS_INTERPOSER_CSI_SIDECAR_WAIT_SECONDS must be a positive integer \(got 0\)/,
    );
  });

  it('reads the provenance settings: legacy Pods accepted for 300 s by default', () => {
    expect(parseDriverEnv({}).provenance).toEqual({
      secretName: 'fs-interposer-provenance',
      legacy: { accept: true, graceMs: 300_000 },
    });
    expect(
      parseDriverEnv({
        FS_INTERPOSER_NAMESPACE: 'fsi',
        FS_INTERPOSER_PROVENANCE_SECRET: 'fsi-provenance',
        FS_INTERPOSER_PROVENANCE_LEGACY_PODS: 'refuse',
        FS_INTERPOSER_PROVENANCE_LEGACY_GRACE_SECONDS: '0',
      }).provenance,
    ).toEqual({
      namespace: 'fsi',
      secretName: 'fsi-provenance',
      legacy: { accept: false, graceMs: 0 },
    });
    expect(() =>
      parseDriverEnv({
        FS_INTERPOSER_PROVENANCE_LEGACY_PODS: 'sometimes',
        FS_INTERPOSER_PROVENANCE_LEGACY_GRACE_SECONDS: '-1',
      }),
    ).toThrow(
      /LEGACY_PODS must be accept or refuse \(got sometimes\)[\s\S]*GRACE_SECONDS must be a whole number/,
    );
  });
});
