import { describe, expect, it } from '@jest/globals';
import { appendFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMemoryBackend } from '../../../src/backends/memory/memory-backend.js';
import { createFileJournal, journalPath, loadJournal } from '../../../src/fuse/custody/journal.js';
import { createNodeTable } from '../../../src/fuse/session/nodes.js';
import { Opcode } from '../../../src/fuse/protocol/constants.js';
import { createIntentLog } from '../../../src/fuse/custody/intent-log.js';
import { createRequestServer } from '../../../src/fuse/session/server.js';
import { createHandleTable } from '../../../src/fuse/session/handles.js';
import { createSilentLogger } from '../../../src/log/logger.js';
import { createStack, portOf } from '../../../src/vfs/stack.js';
import type { FsOp, OpArgsMap } from '../../../src/vfs/types.js';
import { cstr, frame, lookupFrame, parseEntry, parseReply, u32s, writeFrame } from './frames.js';
import { CAPACITY, INIT } from './harness.js';

const dir = (): string => mkdtempSync(join(tmpdir(), 'fsi-custody-'));

describe('node journal', () => {
  it('restores the named nodes, their moves and removals; ignores a torn last line', () => {
    const d = dir();
    const j = createFileJournal(journalPath(d));
    const t = createNodeTable({ journal: j });
    const a = t.lookedUp(1, 'a', 10n);
    const b = t.lookedUp(a, 'b c', 11n);
    const x = t.lookedUp(1, 'x', 12n);
    t.rename(a, 'b c', 1, 'moved\nname');
    t.forget(x, 1);
    j.close();
    appendFileSync(journalPath(d), 'a 99 1 5 "tor');
    const restored = createNodeTable({ restore: loadJournal(journalPath(d)) });
    expect(restored.path(a)).toBe('/a');
    expect(restored.path(b)).toBe('/moved\nname');
    expect(restored.get(x)).toBeUndefined();
    expect(restored.get(99)).toBeUndefined();
    // New IDs never collide with restored ones, and restored nodes survive a FORGET.
    expect(restored.lookedUp(1, 'new', 13n)).toBeGreaterThan(b);
    restored.forget(a, 1);
    expect(restored.path(a)).toBe('/a');
  });

  it('compacts to the live nodes', () => {
    const d = dir();
    const j = createFileJournal(journalPath(d));
    const t = createNodeTable({ journal: j });
    for (let i = 0; i < 100; i++) t.forget(t.lookedUp(1, `f${i}`, BigInt(100 + i)), 1);
    const keep = t.lookedUp(1, 'keep', 7n);
    j.compact(t.live());
    expect(readFileSync(journalPath(d), 'utf8').trim().split('\n')).toHaveLength(1);
    expect(createNodeTable({ restore: loadJournal(journalPath(d)) }).path(keep)).toBe('/keep');
  });
});

describe('node journal with hard links (one node, several names)', () => {
  it('restores every name of a node, drops a name that went and a node whose names all went', () => {
    const d = dir();
    const j = createFileJournal(journalPath(d));
    const t = createNodeTable({ journal: j });
    const sub = t.lookedUp(1, 'sub', 20n);
    const f = t.lookedUp(1, 'f', 21n);
    expect(t.lookedUp(sub, 'g', 21n, f)).toBe(f);
    expect(t.lookedUp(1, 'h', 21n, f)).toBe(f);
    t.detach(1, 'h');
    t.rename(sub, 'g', sub, 'g2');
    const gone = t.lookedUp(1, 'gone', 22n);
    t.detach(1, 'gone');
    j.close();
    const restored = createNodeTable({ restore: loadJournal(journalPath(d)) });
    expect(restored.lookupEdge(1, 'f')).toBe(f);
    expect(restored.lookupEdge(sub, 'g2')).toBe(f);
    expect(restored.lookupEdge(1, 'h')).toBeUndefined();
    expect(restored.lookupEdge(sub, 'g')).toBeUndefined();
    // An unlinked node is not restored under its old name (which may be another file by now).
    expect(restored.get(gone)).toBeUndefined();
    restored.detach(1, 'f');
    expect(restored.path(f)).toBe('/sub/g2');
  });

  it('compacts a node with several names and still reads journals with one node per name', () => {
    const d = dir();
    const j = createFileJournal(journalPath(d));
    const t = createNodeTable({ journal: j });
    const f = t.lookedUp(1, 'f', 30n);
    t.lookedUp(1, 'g', 30n, f);
    j.compact(t.live());
    j.close();
    expect(readFileSync(journalPath(d), 'utf8')).toBe(`a ${f} 1 30 "g"\nl ${f} 1 "f"\n`);
    expect(loadJournal(journalPath(d))).toHaveLength(2);
    // Written by a server that gave each name its own node ID: both stay resolvable.
    appendFileSync(journalPath(d), 'a 50 1 31 "x"\na 51 1 31 "y"\n');
    const restored = createNodeTable({ restore: loadJournal(journalPath(d)) });
    expect([restored.path(50), restored.path(51)]).toEqual(['/x', '/y']);
    expect(restored.sameInode(31n).sort()).toEqual([50, 51]);
  });

  it('a rename between two names of one node changes nothing (rename(2) does nothing)', () => {
    const t = createNodeTable();
    const f = t.lookedUp(1, 'f', 40n);
    t.lookedUp(1, 'g', 40n, f);
    t.rename(1, 'f', 1, 'g');
    expect([t.lookupEdge(1, 'f'), t.lookupEdge(1, 'g')]).toEqual([f, f]);
    t.forget(f, 2);
    expect([t.lookupEdge(1, 'f'), t.lookupEdge(1, 'g'), t.size]).toEqual([undefined, undefined, 1]);
  });
});

/** Two server generations over one backend, as after a crash: the second one sees resends. */
function generation(backend: ReturnType<typeof createMemoryBackend>, stateDir: string) {
  const nodes = createNodeTable({ restore: loadJournal(journalPath(stateDir)), journal: createFileJournal(journalPath(stateDir)) });
  const ctx = {
    nodes,
    handles: createHandleTable(),
    init: INIT,
    times: { entryTimeout: 1, attrTimeout: 1 },
    logger: createSilentLogger(),
    stack: portOf(createStack([], backend)),
    intents: createIntentLog(join(stateDir, 'append-intents.log')),
  };
  const server = createRequestServer(ctx);
  return async (f: Buffer, resent = false) => {
    const buf = Buffer.alloc(CAPACITY);
    f.copy(buf);
    if (resent) buf.writeUInt32LE((buf.readUInt32LE(12) | 0x8000_0000) >>> 0, 12);
    const len = await server.serve(buf, f.length, CAPACITY);
    return parseReply(buf, len);
  };
}

describe('a successor server', () => {
  it('resolves node IDs handed out by its predecessor', async () => {
    const backend = createMemoryBackend();
    const d = dir();
    const first = generation(backend, d);
    const mk = await first(frame(Opcode.MKDIR, Buffer.concat([u32s(0o755, 0o022), cstr('d')])));
    const dirId = parseEntry(mk.body).nodeid;
    const second = generation(backend, d);
    expect((await second(frame(Opcode.GETATTR, Buffer.alloc(16), { nodeid: dirId }))).error).toBe(0);
    expect((await second(lookupFrame(dirId, 'nothing'))).error).toBe(-2);
    expect((await second(frame(Opcode.GETATTR, Buffer.alloc(16), { nodeid: 12345 }))).error).toBe(-116); // ESTALE
  });

  it.each([
    ['MKDIR', () => frame(Opcode.MKDIR, Buffer.concat([u32s(0o755, 0o022), cstr('d')]))],
    ['SYMLINK', () => frame(Opcode.SYMLINK, Buffer.concat([cstr('d'), cstr('target')]))],
  ])('answers a replayed %s that the predecessor carried out with success', async (_op, make) => {
    const backend = createMemoryBackend();
    const d = dir();
    const f = make();
    expect((await generation(backend, d)(f)).error).toBe(0);
    const again = await generation(backend, d)(f, true);
    expect(again.error).toBe(0);
    expect(parseEntry(again.body).nodeid).toBeGreaterThan(1);
    // Without the resend mark the same request is a real conflict.
    expect((await generation(backend, d)(f)).error).toBe(-17);
  });

  it('answers a replayed UNLINK and a replayed RENAME that already happened', async () => {
    const backend = createMemoryBackend();
    const d = dir();
    const g1 = generation(backend, d);
    await g1(frame(Opcode.CREATE, Buffer.concat([u32s(0o101, 0o100644, 0, 0), cstr('f')])));
    const g = await g1(frame(Opcode.CREATE, Buffer.concat([u32s(0o101, 0o100644, 0, 0), cstr('g')])));
    const unlink = frame(Opcode.UNLINK, cstr('f'));
    const rename = frame(Opcode.RENAME, Buffer.concat([Buffer.from([1, 0, 0, 0, 0, 0, 0, 0]), cstr('g'), cstr('h')]));
    expect((await g1(unlink)).error).toBe(0);
    expect((await g1(rename)).error).toBe(0);
    const g2 = generation(backend, d);
    expect((await g2(unlink, true)).error).toBe(0);
    expect((await g2(rename, true)).error).toBe(0);
    // The predecessor had journaled the move before it died: the node keeps its new name (a
    // second rename in the table dropped it, and every request on the node failed ENOENT).
    const moved = parseEntry(g.body).nodeid;
    expect((await g2(frame(Opcode.GETATTR, Buffer.alloc(16), { nodeid: moved }))).error).toBe(0);
  });

  it('does not append twice when an O_APPEND write is replayed', async () => {
    const backend = createMemoryBackend();
    const d = dir();
    const g1 = generation(backend, d);
    const c = await g1(frame(Opcode.CREATE, Buffer.concat([u32s(0o2101, 0o100644, 0, 0), cstr('log')])));
    const node = parseEntry(c.body).nodeid;
    const fh = Number(c.body.readBigUInt64LE(128));
    const w = writeFrame(node, fh, 0, Buffer.from('entry\n'));
    w.writeUInt32LE(0o2001, 40 + 32); // open flags O_WRONLY | O_APPEND
    expect((await g1(w)).body.readUInt32LE(0)).toBe(6);
    const g2 = generation(backend, d);
    const again = await g2(w, true); // another epoch: the handle is reopened lazily
    expect(again.error).toBe(0);
    expect(again.body.readUInt32LE(0)).toBe(6);
    const attr = await g2(lookupFrame(1, 'log'));
    expect(parseEntry(attr.body).size).toBe(6);
  });

  it('refuses to reopen a predecessor handle whose path leads to another file now (ESTALE)', async () => {
    const backend = createMemoryBackend();
    const d = dir();
    const user = { uid: 1000, gid: 1000 };
    const g1 = generation(backend, d);
    const c = await g1(frame(Opcode.CREATE, Buffer.concat([u32s(0o101, 0o100600, 0, 0), cstr('mine')]), user));
    const node = parseEntry(c.body).nodeid;
    const fh = Number(c.body.readBigUInt64LE(128));
    // While no server runs, root's 0600 file is renamed over the user's name on the volume.
    const root = createStack([], backend);
    const as = { caller: { pid: 1, uid: 0, gid: 0 }, signal: new AbortController().signal };
    const run = <O extends FsOp>(op: O, args: OpArgsMap[O]) => root.run({ op, path: args.path, args, ...as });
    const s = await run('create', { path: '/secret', flags: 0o101, mode: 0o100600, umask: 0 });
    await run('write', { path: '/secret', fh: s.fh, buffer: Buffer.from('root only'), offset: 0, flags: 1 });
    await run('release', { path: '/secret', fh: s.fh, flags: 1 });
    await run('rename', { path: '/secret', newPath: '/mine', flags: 0 });
    const g2 = generation(backend, d);
    const w = writeFrame(node, fh, 0, Buffer.from('XXXX'));
    w.writeUInt32LE(1000, 24); // the user's request
    expect((await g2(w)).error).toBe(-116); // ESTALE
    const read = await run('open', { path: '/mine', flags: 0 });
    const buf = Buffer.alloc(64);
    const n = await run('read', { path: '/mine', fh: read.fh, buffer: buf, offset: 0, flags: 0 });
    expect(buf.subarray(0, n).toString()).toBe('root only');
  });
});
