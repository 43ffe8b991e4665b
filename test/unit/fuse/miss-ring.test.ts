import { describe, expect, it } from '@jest/globals';
import {
  claimSlot,
  createMissRing,
  publishSlot,
  ringView,
} from '../../../src/fuse/session/miss-ring.js';
import { encodeName } from '../../../src/vfs/names.js';

const push = (sab: SharedArrayBuffer, parent: number, name: Buffer): boolean => {
  const v = ringView(sab);
  const pos = claimSlot(v);
  if (pos === undefined) return false;
  publishSlot(v, pos, { parent, name });
  return true;
};

/** The ring the reader threads list their kept misses in (miss-ring.ts). */
describe('miss ring', () => {
  it('hands the main thread every published miss in order, names as bytes, parents to 2^32', () => {
    const ring = createMissRing(4);
    const odd = Buffer.from([0x66, 0xff, 0x80]);
    expect(push(ring.sab, 1, Buffer.from('a'))).toBe(true);
    expect(push(ring.sab, 0xffff_fffe, odd)).toBe(true);
    const got = ring.drain();
    expect(got.map((m) => m.parent)).toEqual([1, 0xffff_fffe]);
    expect(got[0]!.name).toBe('a');
    // The main thread's string form of a name that is not UTF-8 (vfs/names.ts): the same bytes.
    expect(encodeName(got[1]!.name).equals(odd)).toBe(true);
    expect(ring.drain()).toEqual([]);
  });

  it('refuses a claim when full, and takes claims again once drained, across many wraps', () => {
    const ring = createMissRing(4);
    let seen = 0;
    for (let round = 0; round < 3000; round++) {
      for (let i = 0; i < 4; i++) expect(push(ring.sab, round, Buffer.from(`n${i}`))).toBe(true);
      expect(push(ring.sab, round, Buffer.from('over'))).toBe(false);
      const got = ring.drain();
      expect(got.map((m) => m.name)).toEqual(['n0', 'n1', 'n2', 'n3']);
      seen += got.length;
    }
    expect(seen).toBe(12_000);
  });

  it('takes a published slot past one claimed but not published; frees slots only in order', () => {
    const ring = createMissRing(4);
    const v = ringView(ring.sab);
    const a = claimSlot(v)!;
    const b = claimSlot(v)!;
    publishSlot(v, b, { parent: 2, name: Buffer.from('b'), value: 9 });
    // `a` is a reader still in its system call: `b` is taken all the same, once.
    expect(ring.drain()).toEqual([{ parent: 2, name: 'b', value: 9, kind: 0, ino: 0n }]);
    expect(ring.drain()).toEqual([]);
    // Two more claims fill the ring: `a` holds its slot, and so `b`'s is not free yet.
    expect(claimSlot(v)).toBeDefined();
    expect(claimSlot(v)).toBeDefined();
    expect(claimSlot(v)).toBeUndefined();
    // `a` published empty (a claim not used): every slot is taken, the ring has room again.
    publishSlot(v, a, { parent: 0, name: new Uint8Array(0) });
    expect(ring.drain()).toEqual([]);
    expect(claimSlot(v)).toBeDefined();
  });

  it('refuses to write a name longer than a slot holds, before writing anything', () => {
    const ring = createMissRing(4);
    const v = ringView(ring.sab);
    const pos = claimSlot(v)!;
    expect(() => publishSlot(v, pos, { parent: 1, name: Buffer.alloc(259, 0x61) })).toThrow(
      RangeError,
    );
    publishSlot(v, pos, { parent: 1, name: Buffer.alloc(255, 0x61) });
    expect(ring.drain()[0]!.name).toHaveLength(255);
  });

  it('refuses a size that is not a power of two', () => {
    expect(() => createMissRing(6)).toThrow(/2\^k/);
  });
});
