import { createMemoryBackend } from '../../../src/backends/memory/memory-backend.js';
import type { SessionContext } from '../../../src/fuse/session/context.js';
import { createHandleTable } from '../../../src/fuse/session/handles.js';
import type { NegotiatedInit } from '../../../src/fuse/mount/init.js';
import { createNodeTable } from '../../../src/fuse/session/nodes.js';
import { createRequestServer } from '../../../src/fuse/session/server.js';
import type { RequestServer } from '../../../src/fuse/session/server.js';
import { createSilentLogger } from '../../../src/log/logger.js';
import { createStack, portOf } from '../../../src/vfs/stack.js';
import type { Backend, Layer } from '../../../src/vfs/types.js';
import { parseReply } from './frames.js';
import type { Reply } from './frames.js';

export const INIT: NegotiatedInit = {
  major: 7,
  minor: 45,
  flags: '0',
  maxReadahead: 131072,
  maxWrite: 1 << 20,
  maxPages: 256,
  maxBackground: 64,
  passthrough: false,
  writebackCache: false,
};

export const CAPACITY = (1 << 20) + 4096;

/** The engine's request server over a real in-memory backend, fed frames without a kernel. */
export function createTestServer(
  o: {
    backend?: Backend;
    layers?: Layer[];
    init?: NegotiatedInit;
    /** Session settings beside the defaults (the cache policy, timeouts, orphan answers). */
    session?: Partial<
      Pick<
        SessionContext,
        'exclusive' | 'times' | 'answerOrphan' | 'direct' | 'nodes' | 'misses' | 'nameChanges'
      >
    >;
  } = {},
): {
  server: RequestServer;
  ctx: SessionContext;
  send(frame: Buffer, n?: number): Promise<Reply | undefined>;
} {
  const backend = o.backend ?? createMemoryBackend();
  const stack = createStack(o.layers ?? [], backend);
  const ctx: SessionContext = {
    nodes: createNodeTable(),
    handles: createHandleTable(7),
    init: o.init ?? INIT,
    times: { entryTimeout: 1, attrTimeout: 1 },
    logger: createSilentLogger(),
    stack: portOf(stack),
    ...o.session,
  };
  const server = createRequestServer(ctx);
  // Slots reused like a reader's (allocating 1 MiB per request would dominate the test time).
  const free: Buffer[] = [];
  return {
    server,
    ctx,
    async send(frame, n = frame.length) {
      const buf = free.pop() ?? Buffer.alloc(CAPACITY);
      buf.fill(0, 0, 4096);
      frame.copy(buf, 0, 0, Math.min(frame.length, CAPACITY));
      try {
        const len = await server.serve(buf, n, CAPACITY);
        return len < 0 ? undefined : parseReply(buf, len);
      } finally {
        free.push(buf);
      }
    },
  };
}
