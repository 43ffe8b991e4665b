import { serveDirect } from '../../../src/fuse/session/direct-serve.js';
import type { RequestServer } from '../../../src/fuse/session/server.js';
import { CAPACITY } from './harness.js';

/**
 * The reader threads' answer to one frame (direct-serve.ts), in a buffer of its own: the reply's
 * bytes, 'sampled' (handed over drawn into a layer's sample), or undefined (handed over).
 */
export function readerReply(
  table: Int32Array,
  f: Buffer,
  tap?: BigInt64Array,
): Buffer | 'sampled' | undefined {
  const buf = Buffer.alloc(4096);
  f.copy(buf);
  const len = serveDirect(table, buf, f.length, tap);
  if (len === -2) return 'sampled';
  return len < 0 ? undefined : Buffer.from(buf.subarray(0, len));
}

/** The main thread's reply bytes to the same frame. */
export async function mainReply(server: RequestServer, f: Buffer): Promise<Buffer> {
  const buf = Buffer.alloc(CAPACITY);
  f.copy(buf);
  return Buffer.from(buf.subarray(0, await server.serve(buf, f.length, CAPACITY)));
}
