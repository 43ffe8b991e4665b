import { describe, expect, it } from '@jest/globals';
import { controlSocketInPod, volumeStateDirName } from '../../../src/contract/handoff-dir.js';
import { sidecarControlSocket } from '../../../src/control/socket-path.js';
import { HANDOFF_MOUNT_PATH } from '../../../src/contract/pod.js';

describe('the handoff dir', () => {
  it('the plugin looks for a control socket where the sidecar puts it', () => {
    const stateDir = `${HANDOFF_MOUNT_PATH}/${volumeStateDirName('data')}`;
    expect(controlSocketInPod('data')).toBe(sidecarControlSocket(stateDir));
    expect(controlSocketInPod('data')).toBe('/run/fs-interposer/data.state/ctl.sock');
  });
});
