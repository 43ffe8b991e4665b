import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { linkSync, mkdirSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPassthroughBackend } from '../../../src/backends/passthrough/backend.js';
import { Opcode } from '../../../src/fuse/protocol/constants.js';
import { createDirectIoTable } from '../../../src/fuse/session/direct-io.js';
import { serveDirect } from '../../../src/fuse/session/direct-serve.js';
import { attachMirror } from '../../../src/fuse/session/direct-meta-paths.js';
import { createNodeMirror } from '../../../src/fuse/session/node-mirror.js';
import { createNodeTable } from '../../../src/fuse/session/nodes.js';
import { CAPACITY, createTestServer } from './harness.js';
import { frame } from './frames.js';

const lookupOf = (parent: number, name: string): Buffer =>
  frame(Opcode.LOOKUP, Buffer.from(`${name}\0`), { nodeid: parent });
const statFrame = (nodeid: number): Buffer => frame(Opcode.GETATTR, Buffer.alloc(16), { nodeid });

/**
 * A hard link's LOOKUP in the reader threads (direct-lookup.ts): the main thread makes the name
 * the kernel asked for the node's path name (nodes.ts lookedUp); a reader cannot, so it answers
 * only a LOOKUP of the path name itself and hands the other names over. Before, a revalidation
 * of d/x answered by a reader left d/y as the path, and once d/y went behind the mount a
 * GETATTR of the node (fstat of d/x) failed with ENOENT.
 */
describe('LOOKUP of a hard link in the reader threads', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'direct-lookup-links-'));
    mkdirSync(join(dir, 'd'));
    writeFileSync(join(dir, 'd/x'), 'hello');
    linkSync(join(dir, 'd/x'), join(dir, 'd/y'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function session(readers: boolean) {
    const times = { entryTimeout: 1, attrTimeout: 1 };
    const table = createDirectIoTable(7, 64, undefined, times.attrTimeout);
    const mirror = createNodeMirror({ records: 1024 });
    table.enableLookups({ mirror, entryTimeout: times.entryTimeout });
    attachMirror(mirror.sab);
    const backend = createPassthroughBackend({ root: dir, inlineMeta: true });
    const t = createTestServer({
      backend,
      session: { times, direct: table, nodes: createNodeTable({ mirror }) },
    });
    table.setPlan(t.ctx.stack.plan());
    const view = new Int32Array(table.sab);
    /** Like a reader thread: served here, else by the main thread. */
    const send = async (f: Buffer): Promise<{ by: string; err: number; id?: number }> => {
      if (readers) {
        const buf = Buffer.alloc(4096);
        f.copy(buf);
        const len = serveDirect(view, buf, f.length);
        if (len >= 0)
          return { by: 'reader', err: buf.readInt32LE(4), id: Number(buf.readBigUInt64LE(16)) };
      }
      const buf = Buffer.alloc(CAPACITY);
      f.copy(buf);
      await t.server.serve(buf, f.length, CAPACITY);
      return { by: 'main', err: buf.readInt32LE(4), id: Number(buf.readBigUInt64LE(16)) };
    };
    return { t, send, close: () => backend.close() };
  }

  it.each([false, true])(
    'stat of a hard link after the other name went behind the mount (readers %p)',
    async (readers) => {
      const s = session(readers);
      const x = (await s.send(lookupOf(1, 'd'))).id!;
      const nx = await s.send(lookupOf(x, 'x'));
      const ny = await s.send(lookupOf(x, 'y'));
      expect(ny.id).toBe(nx.id); // y joined x's node: its path is now d/y
      // The kernel revalidates d/x (stat("d/x") after the entry timeout).
      const again = await s.send(lookupOf(x, 'x'));
      expect(again).toMatchObject({ err: 0, id: nx.id });
      // d/y goes behind the mount; d/x still exists.
      unlinkSync(join(dir, 'd/y'));
      const st = await s.send(statFrame(nx.id!));
      // The other name's LOOKUP is the main thread's: it makes d/x the path again.
      expect(again.by).toBe('main');
      expect(st.err).toBe(0);
      await s.close();
    },
  );
});
