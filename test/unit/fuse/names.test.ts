import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createFileJournal, journalPath, loadJournal } from '../../../src/fuse/custody/journal.js';
import { createNodeTable } from '../../../src/fuse/session/nodes.js';
import { Opcode } from '../../../src/fuse/protocol/constants.js';
import { decodeName } from '../../../src/vfs/names.js';
import { frame, parseEntry, readFrame, u32s, u64s, writeFrame } from './frames.js';
import { createTestServer } from './harness.js';

/** A name as the kernel sends it: raw bytes and a NUL. */
const z = (...bytes: number[]): Buffer => Buffer.from([...bytes, 0]);
const name = (...bytes: number[]): string => decodeName(Buffer.from(bytes));
type Server = ReturnType<typeof createTestServer>;

async function create(t: Server, parent: number, raw: Buffer, data: string): Promise<number> {
  const r = (await t.send(
    frame(Opcode.CREATE, Buffer.concat([u32s(0o102, 0o100644, 0, 0), raw]), { nodeid: parent }),
  ))!;
  expect(r.error).toBe(0);
  const entry = parseEntry(r.body);
  const fh = Number(r.body.readBigUInt64LE(128));
  expect((await t.send(writeFrame(entry.nodeid, fh, 0, Buffer.from(data))))!.error).toBe(0);
  expect(
    (await t.send(frame(Opcode.RELEASE, u64s(fh, 0, 0), { nodeid: entry.nodeid })))!.error,
  ).toBe(0);
  return entry.nodeid;
}

async function read(t: Server, nodeid: number): Promise<string> {
  const o = (await t.send(frame(Opcode.OPEN, u32s(0, 0), { nodeid })))!;
  const fh = Number(o.body.readBigUInt64LE(0));
  return (await t.send(readFrame(Opcode.READ, nodeid, fh, 0, 100)))!.body.toString();
}

/** The entry names of a READDIR reply, as raw bytes in hex. */
async function listing(t: Server, nodeid: number): Promise<string[]> {
  const od = (await t.send(frame(Opcode.OPENDIR, u32s(0, 0), { nodeid })))!;
  const fh = Number(od.body.readBigUInt64LE(0));
  const rd = (await t.send(readFrame(Opcode.READDIR, nodeid, fh, 0, 4096)))!;
  const names: string[] = [];
  for (let off = 0; off < rd.body.length;) {
    const len = rd.body.readUInt32LE(off + 16);
    names.push(rd.body.subarray(off + 24, off + 24 + len).toString('hex'));
    off += (24 + len + 7) & ~7;
  }
  return names.filter((n) => n !== '2e' && n !== '2e2e').sort();
}

describe('FUSE names are bytes end to end (ADR 0075)', () => {
  it('CREATE of y\\x80 and y\\x81 makes two files; READDIR returns their exact bytes', async () => {
    const t = createTestServer();
    const a = await create(t, 1, z(0x79, 0x80), 'first');
    const b = await create(t, 1, z(0x79, 0x81), 'second');
    expect(a).not.toBe(b);
    expect(t.ctx.nodes.path(a)).toBe(`/${name(0x79, 0x80)}`);
    expect(await read(t, a)).toBe('first');
    expect(await read(t, b)).toBe('second');
    expect(await listing(t, 1)).toEqual(['7980', '7981']);
    const l = (await t.send(frame(Opcode.LOOKUP, z(0x79, 0x81), { nodeid: 1 })))!;
    expect(parseEntry(l.body).nodeid).toBe(b);
  });

  it('MKDIR, RENAME and UNLINK take byte names; a 255-byte name lists whole', async () => {
    const t = createTestServer();
    const mk = (await t.send(frame(Opcode.MKDIR, Buffer.concat([u32s(0o755, 0), z(0x64, 0xfe)]))))!;
    const dir = parseEntry(mk.body).nodeid;
    const long = Array<number>(255).fill(0xff);
    await create(t, dir, z(...long), 'x');
    expect(await listing(t, dir)).toEqual([Buffer.from(long).toString('hex')]);
    const mv = frame(Opcode.RENAME, Buffer.concat([u64s(1), z(...long), z(0x6d, 0xc0)]), {
      nodeid: dir,
    });
    expect((await t.send(mv))!.error).toBe(0);
    expect(await listing(t, dir)).toEqual([]);
    expect(await listing(t, 1)).toEqual(['64fe', '6dc0']);
    expect((await t.send(frame(Opcode.UNLINK, z(0x6d, 0xc0), { nodeid: 1 })))!.error).toBe(0);
    expect(await listing(t, 1)).toEqual(['64fe']);
  });

  it('SYMLINK keeps the target bytes and READLINK returns them unchanged', async () => {
    const t = createTestServer();
    const target = [0x2e, 0x2e, 0x2f, 0x80, 0xfe, 0x2f, 0xc3, 0xa9];
    const s = (await t.send(
      frame(Opcode.SYMLINK, Buffer.concat([z(0x6c, 0xff), z(...target)]), { nodeid: 1 }),
    ))!;
    expect(s.error).toBe(0);
    const entry = parseEntry(s.body);
    expect(entry.size).toBe(target.length);
    const r = (await t.send(frame(Opcode.READLINK, Buffer.alloc(0), { nodeid: entry.nodeid })))!;
    expect(r.body).toEqual(Buffer.from(target));
  });

  it('xattr names with invalid bytes: SETXATTR, GETXATTR, LISTXATTR exact, REMOVEXATTR', async () => {
    const t = createTestServer();
    const f = await create(t, 1, z(0x66), '');
    const xname = [...Buffer.from('user.'), 0xff];
    const set = frame(Opcode.SETXATTR, Buffer.concat([u32s(1, 0), z(...xname), Buffer.from('v')]), {
      nodeid: f,
    });
    expect((await t.send(set))!.error).toBe(0);
    const got = (await t.send(
      frame(Opcode.GETXATTR, Buffer.concat([u32s(64, 0), z(...xname)]), { nodeid: f }),
    ))!;
    expect(got.body.toString()).toBe('v');
    const list = (await t.send(frame(Opcode.LISTXATTR, u32s(256, 0), { nodeid: f })))!;
    expect(list.body).toEqual(z(...xname));
    expect((await t.send(frame(Opcode.REMOVEXATTR, z(...xname), { nodeid: f })))!.error).toBe(0);
    const gone = (await t.send(
      frame(Opcode.GETXATTR, Buffer.concat([u32s(64, 0), z(...xname)]), { nodeid: f }),
    ))!;
    expect(gone.error).toBe(-61); // ENODATA
  });

  it('the node journal restores byte names exactly and stays valid UTF-8 text', () => {
    const d = mkdtempSync(join(tmpdir(), 'fsi-names-journal-'));
    const j = createFileJournal(journalPath(d));
    const nodes = createNodeTable({ journal: j });
    const a = nodes.lookedUp(1, name(0x79, 0x80), 10n);
    const b = nodes.lookedUp(1, name(0x79, 0x81), 11n);
    const c = nodes.lookedUp(a, name(0xed, 0xa0, 0x80), 12n);
    nodes.rename(a, name(0xed, 0xa0, 0x80), 1, name(0xff, 0xfe));
    j.close();
    const text = readFileSync(journalPath(d));
    expect(text.toString('utf8')).not.toContain('\uFFFD');
    const restored = createNodeTable({ restore: loadJournal(journalPath(d)) });
    expect(restored.path(a)).toBe(`/${name(0x79, 0x80)}`);
    expect(restored.path(b)).toBe(`/${name(0x79, 0x81)}`);
    expect(restored.path(c)).toBe(`/${name(0xff, 0xfe)}`);
  });
});
