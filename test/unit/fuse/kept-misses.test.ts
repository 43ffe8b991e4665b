import { afterEach, describe, expect, it } from '@jest/globals';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createKeptMisses } from '../../../src/fuse/session/kept-misses.js';
import { createNodeTable } from '../../../src/fuse/session/nodes.js';
import { createSilentLogger } from '../../../src/log/logger.js';

// The negative entries a session handed out, listed so that a swap can take them back with
// FUSE_NOTIFY_INVAL_ENTRY. The notifications are written to a plain file here and decoded.
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function setup(o: { minor?: number; max?: number } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'fsi-kept-'));
  dirs.push(dir);
  const file = join(dir, 'notify');
  const fd = openSync(file, 'w');
  const nodes = createNodeTable();
  const misses = createKeptMisses({
    fd,
    nodes,
    minor: o.minor ?? 45,
    logger: createSilentLogger(),
    ...(o.max !== undefined && { max: o.max }),
  });
  /** Every notification written: [code, parent, flags, name]. */
  const written = (): [number, number, number, string][] => {
    const b = readFileSync(file);
    const out: [number, number, number, string][] = [];
    for (let off = 0; off < b.length;) {
      const len = b.readUInt32LE(off);
      const namelen = b.readUInt32LE(off + 24);
      expect(b[off + 32 + namelen]).toBe(0);
      expect(len).toBe(16 + 16 + namelen + 1);
      const name = b.subarray(off + 32, off + 32 + namelen).toString();
      out.push([
        b.readInt32LE(off + 4),
        Number(b.readBigUInt64LE(off + 16)),
        b.readUInt32LE(off + 28),
        name,
      ]);
      off += len;
    }
    return out;
  };
  return { misses, nodes, written, close: () => closeSync(fd) };
}

/** Until `m` lists no more than `n` (the ones being written count until written). */
const settle = async (m: { readonly size: number }, n: number): Promise<void> => {
  for (let i = 0; i < 1000 && m.size > n; i++) await new Promise((r) => setTimeout(r, 1));
};

describe('kept misses', () => {
  it('takes every listed miss back at expireAll, as FUSE_EXPIRE_ONLY from protocol 7.38 on', async () => {
    const t = setup();
    t.misses.kept(1, 'a');
    t.misses.kept(5, 'b c');
    t.misses.kept(1, 'a'); // kept again: listed once, as the newest
    expect(t.misses.size).toBe(2);
    const done = t.misses.expireAll();
    expect(t.misses.size).toBe(2); // counted until written
    await done;
    expect(t.misses.size).toBe(0);
    expect(t.written()).toEqual([
      [3, 5, 1, 'b c'],
      [3, 1, 1, 'a'],
    ]);
    t.close();
  });

  it('before 7.38 the flags are 0 (the field was padding)', async () => {
    const t = setup({ minor: 37 });
    t.misses.kept(1, 'x');
    await t.misses.expireAll();
    expect(t.written()).toEqual([[3, 1, 0, 'x']]);
    t.close();
  });

  it('a name made since (an edge in the node table) is dropped without a notification', async () => {
    const t = setup();
    t.misses.kept(1, 'made');
    t.misses.kept(1, 'gone');
    t.nodes.lookedUp(1, 'made', 99n);
    await t.misses.expireAll();
    expect(t.written().map((w) => w[3])).toEqual(['gone']);
    t.close();
  });

  it('past its bound the oldest is taken back at once, so the list holds every miss the kernel may keep', async () => {
    const t = setup({ max: 2 });
    t.misses.kept(1, 'a');
    t.misses.kept(1, 'b');
    t.misses.kept(1, 'a'); // refreshed: b is now the oldest
    t.misses.kept(1, 'c');
    await settle(t.misses, 2);
    expect(t.written().map((w) => w[3])).toEqual(['b']);
    await t.misses.expireAll();
    expect(t.written().map((w) => w[3])).toEqual(['b', 'a', 'c']);
    t.close();
  });

  it('takes back one listed miss whose name appeared behind the kernel (a CREATE failed late)', async () => {
    const t = setup();
    t.misses.kept(1, 'made');
    t.misses.kept(1, 'other');
    t.misses.appeared(1, 'made');
    t.misses.appeared(1, 'never-listed');
    await settle(t.misses, 1);
    t.close();
    expect(t.written().map(([, parent, , name]) => [parent, name])).toEqual([[1, 'made']]);
    expect(t.misses.size).toBe(1);
  });
});

