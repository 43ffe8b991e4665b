import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import {
  linkSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPassthroughBackend } from '../../../src/backends/passthrough/backend.js';
import { Opcode } from '../../../src/fuse/protocol/constants.js';
import { createDirectIoTable } from '../../../src/fuse/session/direct-io.js';
import { attachMeta } from '../../../src/fuse/session/direct-serve.js';
import { createMissRing } from '../../../src/fuse/session/miss-ring.js';
import { createNameChanges } from '../../../src/fuse/session/name-changes.js';
import { createNodeMirror } from '../../../src/fuse/session/node-mirror.js';
import { tryLock, unlock } from '../../../src/fuse/session/node-mirror-write.js';
import { createNodeTable } from '../../../src/fuse/session/nodes.js';
import { journalOf, removalsAbsorber } from '../../../src/fuse/session/removals.js';
import { journalPath, loadJournal } from '../../../src/fuse/custody/journal.js';
import { openCustody } from '../../../src/fuse/custody/open-custody.js';
import { createSilentLogger } from '../../../src/log/logger.js';
import { createReaderTap, takeTap } from '../../../src/vfs/reader-tap.js';
import { createTestServer } from './harness.js';
import { mainReply, readerReply } from './direct-rig.js';
import { frame } from './frames.js';

const named = (op: number, parent: number, name: string): Buffer =>
  frame(op, Buffer.from(`${name}\0`), { nodeid: parent });
const lookupOf = (parent: number, name: string): Buffer => named(Opcode.LOOKUP, parent, name);
const statFrame = (nodeid: number): Buffer => frame(Opcode.GETATTR, Buffer.alloc(16), { nodeid });
const forgetFrame = (nodeid: number, n: number): Buffer => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(BigInt(n));
  return frame(Opcode.FORGET, b, { nodeid });
};
/** The node ID of an entry reply. */
const idOf = (r: Buffer): number => Number(r.readBigUInt64LE(16));

/**
 * LOOKUP of a name that exists and has no node, in the reader threads (direct-new-node.ts): the
 * reader makes the node in the mirror, the reply is the one the main thread gives for that node,
 * and the main thread takes the node in before its next request.
 */
describe('nodes made by the reader threads', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'direct-new-node-'));
    mkdirSync(join(dir, 'd/sub'), { recursive: true });
    for (const n of ['a', 'b', 'c']) writeFileSync(join(dir, 'd', n), n.repeat(3));
    writeFileSync(join(dir, 'top'), 'top');
    linkSync(join(dir, 'd/c'), join(dir, 'd/c2'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function session(
    o: { exclusive?: boolean; arenaBytes?: number; records?: number; stateDir?: string } = {},
  ) {
    const exclusive = o.exclusive ?? true;
    const times = { entryTimeout: 5, attrTimeout: 5 };
    const table = createDirectIoTable(7, 64, undefined, times.attrTimeout);
    if (exclusive) table.setExclusive();
    const mirror = createNodeMirror({ records: 1024, ...o });
    const misses = createMissRing();
    const removals = createMissRing();
    table.enableLookups({
      mirror,
      entryTimeout: times.entryTimeout,
      misses: { ring: misses, keep: exclusive },
      removals,
    });
    attachMeta({ nodes: mirror.sab, misses: misses.sab, removals: removals.sab });
    const backend = createPassthroughBackend({ root: dir, inlineMeta: true });
    const custody =
      o.stateDir === undefined
        ? undefined
        : openCustody(o.stateDir, createSilentLogger(), mirror, true);
    if (custody) mirror.setJournalFd(custody.journal.fd);
    const nodes = custody?.nodes ?? createNodeTable({ mirror });
    const nameChanges = createNameChanges(misses.names);
    const t = createTestServer({
      backend,
      session: { times, direct: table, nodes, exclusive, nameChanges },
    });
    t.ctx.absorb = removalsAbsorber(removals, t.ctx, custody && journalOf(custody, mirror), mirror);
    table.setPlan(t.ctx.stack.plan());
    const view = new Int32Array(table.sab);
    const reader = (f: Buffer, tap?: BigInt64Array) => readerReply(view, f, tap);
    const main = (f: Buffer): Promise<Buffer> => mainReply(t.server, f);
    const close = async (): Promise<void> => {
      custody?.journal.close();
      await backend.close();
    };
    return { t, table, mirror, nodes, custody, removals, nameChanges, reader, main, close };
  }

  /** A session under crash custody (a state directory of its own, removed at close). */
  function custodySession() {
    const state = mkdtempSync(join(tmpdir(), 'direct-new-node-state-'));
    const s = session({ stateDir: state });
    const close = async (): Promise<void> => {
      await s.close();
      rmSync(state, { recursive: true, force: true });
    };
    return { ...s, state, close };
  }

  it('makes the node, answers as the main thread would, and the main thread takes it in', async () => {
    const s = session();
    const r = s.reader(lookupOf(1, 'd')) as Buffer;
    expect(r).toBeInstanceOf(Buffer);
    expect(r.readInt32LE(4)).toBe(0);
    const d = idOf(r);
    expect(d).toBeGreaterThan(1);
    expect(s.mirror.made).toBe(1);
    // Not in the main thread's table until its next request takes the ring in.
    expect(s.nodes.get(d)).toBeUndefined();
    // The main thread's LOOKUP of the same name: the same node, the same bytes.
    const m = await s.main(lookupOf(1, 'd'));
    // (All but the request's unique ID, which each frame has its own of.)
    expect(m.readInt32LE(4)).toBe(0);
    expect(m.subarray(16).equals(r.subarray(16))).toBe(true);
    expect(m.length).toBe(r.length);
    // Two lookups held by the kernel: one FORGET of both frees the node, here and in the mirror.
    await s.main(forgetFrame(d, 2));
    expect(s.nodes.get(d)).toBeUndefined();
    expect(s.mirror.size).toBe(0);
    await s.close();
  });

  it('makes nodes below a node it made, which the main thread then serves by path', async () => {
    const s = session();
    const d = idOf(s.reader(lookupOf(1, 'd')) as Buffer);
    const a = idOf(s.reader(lookupOf(d, 'a')) as Buffer);
    const sub = idOf(s.reader(lookupOf(d, 'sub')) as Buffer);
    expect(new Set([d, a, sub]).size).toBe(3);
    // The main thread's GETATTR of the file (no handle): the path from its own table.
    const attr = await s.main(statFrame(a));
    expect(attr.readInt32LE(4)).toBe(0);
    expect(s.nodes.path(a)).toBe('/d/a');
    expect(s.nodes.path(sub)).toBe('/d/sub');
    // The main thread's own new node takes the next ID from the same counter.
    const b = idOf(await s.main(lookupOf(d, 'b')));
    expect(b).toBeGreaterThan(sub);
    // A reader's GETATTR of a node it made (the mirror's path).
    expect(s.reader(statFrame(a))).toBeInstanceOf(Buffer);
    await s.close();
  });

  it('one node for a name that a reader and the main thread (READDIRPLUS) make at once', async () => {
    const s = session();
    const r = idOf(s.reader(lookupOf(1, 'top')) as Buffer);
    // The main thread's READDIRPLUS registers the name before it took the ring in.
    const byMain = s.nodes.lookedUp(1, 'top', BigInt(statSync(join(dir, 'top')).ino));
    expect(byMain).toBe(r);
    expect(s.mirror.size).toBe(1);
    // Taking the ring in then changes nothing; two lookups are held, and one FORGET frees it.
    await s.main(statFrame(1));
    expect(s.nodes.get(r)!.nlookup).toBe(1);
    await s.main(forgetFrame(r, 1));
    expect(s.nodes.get(r)).toBeDefined();
    await s.main(forgetFrame(r, 1));
    expect(s.nodes.get(r)).toBeUndefined();
    expect(s.mirror.size).toBe(0);
    await s.close();
  });

  it('counts the lookup in the tap', async () => {
    const s = session();
    s.table.setPlan({ ...s.t.ctx.stack.plan(), tap: true });
    const tap = new BigInt64Array(createReaderTap());
    expect(s.reader(lookupOf(1, 'top'), tap)).toBeInstanceOf(Buffer);
    expect(takeTap(tap, 'lookup')).toMatchObject({ count: 1 });
    await s.close();
  });

  it('leaves another name of an inode with more links to the main thread', async () => {
    const s = session();
    const d = idOf(s.reader(lookupOf(1, 'd')) as Buffer);
    // Another name of a hard link may join a node the kernel has: the main thread proves it.
    expect(s.reader(lookupOf(d, 'c'))).toBeUndefined();
    expect(s.mirror.made).toBe(1);
    await s.close();
  });

  it('makes nodes under the default policy too, one per name', async () => {
    const s = session({ exclusive: false });
    const r = s.reader(lookupOf(1, 'top')) as Buffer;
    const top = idOf(r);
    // A second LOOKUP of the name (a revalidation) finds the reader's node: counted, not made.
    expect(idOf(s.reader(lookupOf(1, 'top')) as Buffer)).toBe(top);
    expect(s.mirror.made).toBe(1);
    const m = await s.main(lookupOf(1, 'top'));
    expect(m.subarray(16).equals(r.subarray(16))).toBe(true);
    // Three lookups held: the main thread's, and the readers' two pending in the mirror.
    await s.main(forgetFrame(top, 2));
    expect(s.nodes.get(top)).toBeDefined();
    await s.main(forgetFrame(top, 1));
    expect(s.nodes.get(top)).toBeUndefined();
    await s.close();
  });

  it('a name replaced behind the mount: the main thread drops the old node, a reader makes the new one', async () => {
    const s = session({ exclusive: false });
    const old = idOf(s.reader(lookupOf(1, 'top')) as Buffer);
    writeFileSync(join(dir, 'top.new'), 'replaced');
    renameSync(join(dir, 'top.new'), join(dir, 'top'));
    // A reader finds the name leads to another inode now: the main thread's (it drops the edge).
    expect(s.reader(lookupOf(1, 'top'))).toBeUndefined();
    const fresh = idOf(await s.main(lookupOf(1, 'top')));
    expect(fresh).not.toBe(old);
    expect(s.nodes.get(old)!.orphan).toBe(true);
    expect(idOf(s.reader(lookupOf(1, 'top')) as Buffer)).toBe(fresh);
    await s.close();
  });

  it('makes no node while a rename or rmdir through the mount is in flight', async () => {
    const s = session();
    const change = s.nameChanges.begin();
    expect(s.reader(lookupOf(1, 'd'))).toBeUndefined();
    change.end();
    expect(s.reader(lookupOf(1, 'd'))).toBeInstanceOf(Buffer);
    await s.close();
  });

  it('hands over while another writer holds the mirror, and once the mirror lacks a name', async () => {
    const s = session({ arenaBytes: 64 });
    const t = new Int32Array(s.mirror.sab);
    expect(tryLock(t)).toBe(true);
    expect(s.reader(lookupOf(1, 'd'))).toBeUndefined();
    unlock(t);
    // A name too long for the arena: the main thread's table has it, the mirror not.
    const long = 'x'.repeat(100);
    writeFileSync(join(dir, long), '');
    await s.main(lookupOf(1, long));
    expect(s.mirror.refused).toBeGreaterThan(0);
    // From then on a name missing in the mirror may be known: no reader makes a node.
    expect(s.reader(lookupOf(1, 'top'))).toBeUndefined();
    expect(s.reader(lookupOf(1, long))).toBeUndefined();
    await s.close();
  });

  it("draws the plan's sample before making anything: a drawn LOOKUP goes over whole", async () => {
    const s = session();
    s.table.setPlan({ ...s.t.ctx.stack.plan(), metaSample: 1 });
    expect(s.reader(lookupOf(1, 'd'))).toBe('sampled');
    expect(s.mirror.made).toBe(0);
    // The main thread serves it: one node, one lookup.
    const d = idOf(await s.main(lookupOf(1, 'd')));
    expect(s.nodes.get(d)!.nlookup).toBe(1);
    await s.close();
  });

  it('a node made, then unlinked by a reader, leaves the table without the name', async () => {
    const s = session();
    const d = idOf(s.reader(lookupOf(1, 'd')) as Buffer);
    const a = idOf(s.reader(lookupOf(d, 'a')) as Buffer);
    expect((s.reader(named(Opcode.UNLINK, d, 'a')) as Buffer).readInt32LE(4)).toBe(0);
    // The name made again behind: a new node, not the unlinked one.
    writeFileSync(join(dir, 'd/a'), 'again');
    await s.main(statFrame(1));
    expect(s.nodes.lookupEdge(d, 'a')).toBeUndefined();
    expect(s.nodes.get(a)!.orphan).toBe(true);
    const again = idOf(s.reader(lookupOf(d, 'a')) as Buffer);
    expect(again).not.toBe(a);
    await s.main(statFrame(1));
    expect(s.nodes.lookupEdge(d, 'a')).toBe(again);
    await s.close();
  });

  it('under crash custody journals what it makes and removes before the reply', async () => {
    const s = custodySession();
    const state = s.state;
    const d = idOf(s.reader(lookupOf(1, 'd')) as Buffer);
    const a = idOf(s.reader(lookupOf(d, 'a')) as Buffer);
    const b = idOf(s.reader(lookupOf(d, 'b')) as Buffer);
    expect((s.reader(named(Opcode.UNLINK, d, 'b')) as Buffer).readInt32LE(4)).toBe(0);
    // Before the main thread took any of it in: a successor restores d and a, not b.
    const restored = createNodeTable({ restore: loadJournal(journalPath(state)) });
    expect(restored.path(d)).toBe('/d');
    expect(restored.path(a)).toBe('/d/a');
    expect(restored.get(b)).toBeUndefined();
    // Taken in: no second line of the nodes (a replay would undo the removal after it).
    await s.main(statFrame(1));
    const lines = readFileSync(journalPath(state), 'utf8').trim().split('\n');
    expect(lines.filter((l) => l.startsWith(`a ${b} `))).toHaveLength(1);
    expect(createNodeTable({ restore: loadJournal(journalPath(state)) }).get(b)).toBeUndefined();
    await s.close();
  });

  it('a compaction keeps the nodes the readers made that the table has not taken in yet', async () => {
    const s = custodySession();
    const state = s.state;
    const d = idOf(s.reader(lookupOf(1, 'd')) as Buffer);
    await s.main(statFrame(1));
    // The journal outgrows the table: 12,000 lines of nodes made and forgotten by the main thread.
    for (let i = 0; i < 6000; i++)
      s.nodes.forget(s.nodes.lookedUp(d, `gone${i}`, BigInt(1e6 + i)), 1);
    expect(s.custody!.compactionDue).toBe(true);
    // A reader makes a node between the absorber's drain and its compaction (its entry is
    // published, its line in the old file): the compaction writes it again after the snapshot.
    let a = 0;
    const journal = journalOf(s.custody!, s.mirror);
    s.t.ctx.absorb = removalsAbsorber(s.removals, s.t.ctx, {
      ...journal,
      due: () => {
        if (a === 0) a = idOf(s.reader(lookupOf(d, 'a')) as Buffer);
        return journal.due();
      },
    });
    await s.main(statFrame(1));
    expect(s.custody!.compactionDue).toBe(false);
    expect(s.nodes.get(a)).toBeDefined();
    const lines = readFileSync(journalPath(state), 'utf8').trim().split('\n');
    expect(lines.length).toBeLessThan(10);
    expect(lines.at(-1)).toMatch(new RegExp(`^a ${a} ${d} `));
    expect(createNodeTable({ restore: loadJournal(journalPath(state)) }).path(a)).toBe('/d/a');
    // The readers append to the new file from here on.
    const b = idOf(s.reader(lookupOf(d, 'b')) as Buffer);
    expect(createNodeTable({ restore: loadJournal(journalPath(state)) }).path(b)).toBe('/d/b');
    await s.close();
  });

  it("counts the readers' journal lines: nodes they make and the kernel forgets make it due", async () => {
    const s = custodySession();
    const state = s.state;
    const d = idOf(s.reader(lookupOf(1, 'd')) as Buffer);
    // The same name made and forgotten: a reader's `a` line and the main thread's `r` each time.
    for (let i = 0; i < 5100 && !s.custody!.compactionDue; i++) {
      const a = idOf(s.reader(lookupOf(d, 'a')) as Buffer);
      await s.main(forgetFrame(a, 1));
    }
    expect(s.custody!.compactionDue).toBe(true);
    await s.main(statFrame(1));
    expect(readFileSync(journalPath(state), 'utf8').trim().split('\n').length).toBeLessThan(5);
    await s.close();
  });

  it('a compaction that fails is retried later, ends nothing, and loses none of the readers lines', async () => {
    const s = custodySession();
    const state = s.state;
    const d = idOf(s.reader(lookupOf(1, 'd')) as Buffer);
    await s.main(statFrame(1));
    // The snapshot cannot be written (its file's name is taken by a directory).
    mkdirSync(`${journalPath(state)}.tmp`);
    let a = 0;
    let failures = 0;
    const journal = journalOf(s.custody!, s.mirror);
    s.t.ctx.absorb = removalsAbsorber(
      s.removals,
      s.t.ctx,
      {
        ...journal,
        // Due, and a reader's node published after the absorber's first drain.
        due: () => {
          if (a === 0) a = idOf(s.reader(lookupOf(d, 'a')) as Buffer);
          return failures === 0;
        },
        failed: () => {
          failures++;
          journal.failed();
        },
      },
      s.mirror,
    );
    const reply = await s.main(statFrame(1));
    expect(reply.readInt32LE(4)).toBe(0);
    expect(failures).toBe(1);
    // The journal as it was, with the reader's line: a successor restores the node.
    expect(createNodeTable({ restore: loadJournal(journalPath(state)) }).path(a)).toBe('/d/a');
    await s.main(statFrame(1));
    expect(s.nodes.get(a)).toBeDefined();
    await s.close();
  });

  it('makes nodes again once a tree larger than the mirror is forgotten', async () => {
    const s = session({ records: 4 });
    const ids: number[] = [];
    ids.push(idOf(await s.main(lookupOf(1, 'd'))));
    ids.push(idOf(await s.main(lookupOf(1, 'top'))));
    for (const n of ['a', 'b', 'sub']) ids.push(idOf(await s.main(lookupOf(ids[0]!, n))));
    // Five nodes, four records: the fifth is the table's only, and no reader makes a node now.
    expect(s.mirror.refused).toBeGreaterThan(0);
    writeFileSync(join(dir, 'd/e'), 'e');
    expect(s.reader(lookupOf(ids[0]!, 'e'))).toBeUndefined();
    for (const id of ids.reverse()) await s.main(forgetFrame(id, 1));
    expect(s.nodes.size).toBe(1);
    // The next request a second later finds the mirror holding every edge of the table again.
    await new Promise((r) => setTimeout(r, 1100));
    await s.main(statFrame(1));
    expect(idOf(s.reader(lookupOf(1, 'd')) as Buffer)).toBeGreaterThan(1);
    expect(s.mirror.made).toBe(1);
    await s.close();
  });
});
