import { describe, expect, it } from '@jest/globals';
import {
  DRIVER_NAME,
  HANDOFF_VOLUME_NAME,
  SIDECAR_CONTAINER_NAME,
  VolumeAttr,
} from '../../../src/csi/constants.js';
import * as webhook from '../../../src/webhook/constants.js';

// The driver keeps its own copy of the names the webhook writes into Pods (no import across
// areas in src/); this pins the two copies together.
describe('names shared with the webhook', () => {
  it('agree', () => {
    expect(DRIVER_NAME).toBe(webhook.CSI_DRIVER_NAME);
    expect(VolumeAttr).toEqual(webhook.VolumeAttributes);
    expect(SIDECAR_CONTAINER_NAME).toBe(webhook.SIDECAR_CONTAINER_NAME);
    expect(HANDOFF_VOLUME_NAME).toBe(webhook.HANDOFF_VOLUME_NAME);
  });
});
