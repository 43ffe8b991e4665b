import type { Logger } from 'pino';
import { FS_TYPE } from './constants.js';
import { CsiError } from './csi-error.js';
import type { Mounter } from './mounter.js';
import type { VolumeState } from './state-store.js';
import type { UnpublishRequest } from './validate.js';

/**
 * NodeUnpublishVolume unmounts only what this driver mounted: the target (already checked to be a
 * kubelet CSI target, validate.ts) holds nothing or a mount of our type, published for this volume
 * id. Anything else is FAILED_PRECONDITION and stays as it is. Returns the mount's type (undefined:
 * nothing mounted).
 */
export async function mountOfOurs(
  req: UnpublishRequest,
  record: VolumeState | undefined,
  mounter: Mounter,
  log: Logger,
): Promise<string | undefined> {
  if (record !== undefined && record.volumeId !== req.volumeId) {
    throw new CsiError(
      'FAILED_PRECONDITION',
      `${req.targetPath} is published for volume ${record.volumeId}, not ${req.volumeId}`,
    );
  }
  const type = await mounter.mountType(req.targetPath);
  if (type !== undefined && type !== FS_TYPE) {
    throw new CsiError(
      'FAILED_PRECONDITION',
      `${req.targetPath} has a ${type} mount this driver did not publish (ours are ${FS_TYPE}); refusing to unmount it`,
    );
  }
  if (type !== undefined && record === undefined)
    log.warn({ target: req.targetPath }, `unmounting a ${FS_TYPE} mount whose state was lost`);
  return type;
}
