import { writeFileSync } from 'node:fs';
import type { Logger } from 'pino';
import { findMount } from '../fuse/index.js';

const FUSECTL = '/sys/fs/fuse/connections';

/**
 * Ends a FUSE connection nobody serves: every request waiting in the kernel and every later one
 * fails with ENOTCONN. Closing the driver's fds ends it once no other process holds a copy (the
 * kernel aborts a connection when its last /dev/fuse file closes); the fusectl abort (when
 * /sys/fs/fuse/connections is mounted) ends it even if one does. Never blocks: the mount's
 * device number comes from mountinfo, not from a stat of the mount point.
 */
export function endFuseConnection(o: {
  target: string;
  fds: readonly number[];
  closeFds: (fds: readonly number[]) => void;
  logger: Logger;
}): void {
  const device = findMount(o.target)?.device.split(':');
  if (device?.[0] === '0') {
    try {
      writeFileSync(`${FUSECTL}/${device[1]}/abort`, '1');
    } catch (err) {
      o.logger.debug({ target: o.target, code: (err as NodeJS.ErrnoException).code }, 'no fusectl abort');
    }
  }
  o.closeFds(o.fds);
}
