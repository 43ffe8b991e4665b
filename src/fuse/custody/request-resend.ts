import { writeSync } from 'node:fs';
import type { NegotiatedInit } from '../mount/init.js';
import { hasFlag } from '../mount/init.js';
import { InitFlag, NotifyCode } from '../protocol/constants.js';
import { encodeNotifyHeader } from '../protocol/encode.js';

/** Whether the kernel offered FUSE_NOTIFY_RESEND in INIT (kernel >= 6.9). */
export function kernelResends(init: NegotiatedInit): boolean {
  return hasFlag(init, InitFlag.HAS_RESEND);
}

/**
 * Requests a dead predecessor had read but not answered sit on the connection's processing
 * lists until someone asks the kernel to re-queue them (FUSE_NOTIFY_RESEND, kernel >= 6.9).
 * Without it the app's call hangs; with it the request arrives again with bit 63 of `unique` set.
 * Returns false when the kernel did not offer RESEND in INIT (nothing was sent).
 */
export function requestResend(fd: number, init: NegotiatedInit): boolean {
  if (!kernelResends(init)) return false;
  const buf = Buffer.alloc(16);
  encodeNotifyHeader(buf, 16, NotifyCode.RESEND);
  writeSync(fd, buf, 0, 16);
  return true;
}
