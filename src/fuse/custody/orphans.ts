import { writeSync } from 'node:fs';
import { writeU64 } from '../protocol/decode.js';
import { encodeOutHeader } from '../protocol/encode.js';
import { OUT_HEADER_SIZE, OutHeader } from '../protocol/layout.js';

/**
 * Kernels without FUSE_NOTIFY_RESEND (before 6.9) never re-queue the requests a dead server had
 * read: they stay on the processing list of the fd that read them, and the app's call waits
 * (after a fatal signal, in D state) until the connection ends. The kernel still names such a
 * request when the app gets a signal (an INTERRUPT with its `unique`), and a reply with that
 * `unique` on the right fd completes it. We do not know which fd read it: each is tried; the
 * others answer ENOENT, as does a request that was answered in the meantime (a request a
 * reader thread served itself, whose INTERRUPT the main thread never matched): true when one fd
 * took the answer.
 */
export function answerOnEveryFd(fds: readonly number[], unique: number, errno: number): boolean {
  const msg = Buffer.alloc(OUT_HEADER_SIZE);
  encodeOutHeader(msg, OUT_HEADER_SIZE, -errno);
  writeU64(msg, OutHeader.unique, unique);
  for (const fd of fds) {
    try {
      writeSync(fd, msg, 0, msg.length);
      return true;
    } catch {
      // ENOENT: not this fd's request (or already answered)
    }
  }
  return false;
}
