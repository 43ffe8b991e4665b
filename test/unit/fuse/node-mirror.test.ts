import { describe, expect, it } from '@jest/globals';
import { createNodeMirror } from '../../../src/fuse/session/node-mirror.js';
import {
  consistent,
  countLookup,
  mirrorView,
  nodeById,
  nodeByEdge,
  pathOf,
} from '../../../src/fuse/session/node-mirror-read.js';
import type { MirrorView } from '../../../src/fuse/session/node-mirror-read.js';
import { createNodeTable } from '../../../src/fuse/session/nodes.js';
import type { NodeTable } from '../../../src/fuse/session/nodes.js';
import { decodeName, encodeName } from '../../../src/vfs/names.js';
import { mulberry32 } from '../../helpers/prng.js';

const byEdge = (v: MirrorView, parent: number, name: string): number | undefined => {
  const b = encodeName(name);
  return consistent(v, () => nodeByEdge(v, parent, b, 0, b.length))?.id;
};

const pathBytes = (v: MirrorView, id: number): string | undefined => {
  const out = Buffer.alloc(4096);
  const at = consistent(v, () => {
    const n = pathOf(v, id, out);
    return n < 0 ? undefined : n;
  });
  return at === undefined ? undefined : `/${decodeName(out.subarray(at))}`;
};

/** Every edge and path the table has, the mirror has the same. */
function expectSame(table: NodeTable, v: MirrorView): void {
  for (const e of table.live()) expect([e, byEdge(v, e.parent, e.name)]).toEqual([e, e.id]);
  for (const id of table.ids()) {
    if (id === 1) continue;
    const n = table.get(id)!;
    const first = n.names[0];
    // The mirror walks the first name only (nodes.ts falls back to the others): compare where
    // that name's directories all have paths.
    const want = first === undefined ? undefined : table.childPath(first.parent, first.name);
    if (want !== undefined || n.orphan) expect([id, pathBytes(v, id)]).toEqual([id, want]);
  }
}

describe('the node table mirror in shared memory', () => {
  it('follows a table through random lookups, forgets, unlinks, renames, exchanges and links', () => {
    const mirror = createNodeMirror({ records: 4096, arenaBytes: 48 * 1024 });
    const table = createNodeTable({ mirror });
    const v = mirrorView(mirror.sab);
    const rnd = mulberry32(42);
    const pick = <T>(xs: T[]): T => xs[Math.floor(rnd() * xs.length)]!;
    const names = ['a', 'b', 'c', 'dir', 'é', 'x\udc80y', 'long-name-'.repeat(12)];
    let ino = 100n;
    for (let step = 0; step < 3000; step++) {
      const ids = [...table.ids()];
      const dirs = ids.filter((id) => id === 1 || table.get(id)!.ino % 3n === 0n);
      const r = rnd();
      if (r < 0.4) {
        const parent = pick(dirs);
        const name = pick(names);
        const known = table.lookupEdge(parent, name);
        // Same inode mostly, sometimes replaced behind the mount, sometimes a hard link.
        const same = known !== undefined && rnd() < 0.8 ? table.get(known)!.ino : (ino += 1n);
        // Another name of a file (directories have one name).
        const files = ids.filter((id) => id !== 1 && !dirs.includes(id));
        const alias = rnd() < 0.1 && files.length > 0 ? pick(files) : undefined;
        const aliasIno = alias === undefined ? undefined : table.get(alias)!.ino;
        table.lookedUp(parent, name, aliasIno ?? same, alias);
      } else if (r < 0.6) {
        // The kernel forgets a directory only after every child below it (a dentry pins its parent).
        const parents = new Set([...table.live()].map((e) => e.parent));
        const id = pick(ids);
        if (!parents.has(id)) table.forget(id, 1 + Math.floor(rnd() * 2));
      } else if (r < 0.75) {
        table.detach(pick(dirs), pick(names));
      } else {
        const [p1, n1, p2, n2] = [pick(dirs), pick(names), pick(dirs), pick(names)];
        // The kernel never moves a directory below itself (EINVAL): no such cycles here either.
        const inside = (moved: number | undefined, into: number): boolean => {
          // Up through every name's parent: a node with no path may still be an ancestor.
          const seen = new Set<number>();
          const up = [into];
          while (up.length > 0) {
            const x = up.pop()!;
            if (x === moved) return true;
            if (seen.has(x)) continue;
            seen.add(x);
            for (const nm of table.get(x)?.names ?? []) up.push(nm.parent);
          }
          return false;
        };
        const exchange = r >= 0.9;
        if (inside(table.lookupEdge(p1, n1), p2)) continue;
        if (exchange && inside(table.lookupEdge(p2, n2), p1)) continue;
        if (exchange) table.exchange(p1, n1, p2, n2);
        else table.rename(p1, n1, p2, n2);
      }
      if (step % 7 === 0) expectSame(table, v);
    }
    expectSame(table, v);
    expect(table.size).toBeGreaterThan(200);
    expect(mirror.size).toBe(table.size - 1);
  });

  it('counts a lookup for a live node; never for one freed or whose slot another node took', () => {
    const mirror = createNodeMirror({ records: 8 });
    const table = createNodeTable({ mirror });
    const v = mirrorView(mirror.sab);
    const id = table.lookedUp(1, 'f', 10n);
    const name = encodeName('f');
    const found = consistent(v, () => nodeByEdge(v, 1, name, 0, 1))!;
    expect(found).toMatchObject({ id, ino: 10n });
    expect(countLookup(v, found)).toBe(true);
    // The kernel forgets the main thread's one lookup: the reader's keeps the node.
    table.forget(id, 1);
    expect(table.get(id)?.nlookup).toBe(1);
    expect(consistent(v, () => nodeById(v, id))).toBeDefined();
    // And its own: freed now; a reader holding an old read cannot count on it.
    const stale = consistent(v, () => nodeById(v, id))!;
    table.forget(id, 1);
    expect(table.get(id)).toBeUndefined();
    expect(countLookup(v, stale)).toBe(false);
    expect(consistent(v, () => nodeById(v, id))).toBeUndefined();
    // The slot reused by another node: the old read still cannot count.
    const other = table.lookedUp(1, 'g', 11n);
    expect(consistent(v, () => nodeById(v, other))).toMatchObject({ rec: stale.rec });
    expect(countLookup(v, stale)).toBe(false);
  });

  it('mirrors nothing beyond its capacity, and the table still works', () => {
    const mirror = createNodeMirror({ records: 4 });
    const table = createNodeTable({ mirror });
    const v = mirrorView(mirror.sab);
    const ids = ['a', 'b', 'c', 'd', 'e'].map((n, i) => table.lookedUp(1, n, BigInt(20 + i)));
    // Slot 0 is unused: 3 nodes fit.
    expect(mirror.size).toBe(3);
    expect(mirror.refused).toBe(2);
    expect(byEdge(v, 1, 'd')).toBeUndefined();
    expect(table.path(ids[4]!)).toBe('/e');
    table.forget(ids[0]!, 1);
    table.forget(ids[4]!, 1);
    expect(table.size).toBe(4);
  });

  it('compacts its name arena when it fills, keeping every name', () => {
    const mirror = createNodeMirror({ records: 64, arenaBytes: 1400 });
    const table = createNodeTable({ mirror });
    const v = mirrorView(mirror.sab);
    for (let round = 0; round < 20; round++) {
      const ids = Array.from({ length: 5 }, (_, i) =>
        table.lookedUp(1, `n${round}-${i}-${'z'.repeat(20)}`, BigInt(round * 10 + i)),
      );
      for (const id of ids.slice(0, 4)) table.forget(id, 1);
      expectSame(table, v);
    }
    expect(mirror.size).toBe(20);
  });

  it('never counts on another node, however often the slot was freed and taken meanwhile', () => {
    // A reader between its read and its compare-and-swap (in its statx) while the main thread
    // frees the node and its slot is reused: 300 times here (an 8-bit generation wrapped).
    const mirror = createNodeMirror({ records: 16 });
    const table = createNodeTable({ mirror });
    const v = mirrorView(mirror.sab);
    const x = table.lookedUp(1, 'a', 100n);
    const found = consistent(v, () => nodeByEdge(v, 1, Buffer.from('a'), 0, 1))!;
    table.forget(x, 1);
    let y = 0;
    for (let i = 0; i < 300; i++) {
      if (y !== 0) table.forget(y, 1);
      y = table.lookedUp(1, `n${i}`, BigInt(1000 + i));
    }
    expect(consistent(v, () => nodeById(v, y))).toMatchObject({ rec: found.rec });
    expect(countLookup(v, found)).toBe(false);
    table.forget(y, 1);
    expect(table.get(y)).toBeUndefined();
  });

  it("takes the readers' lookups at the main thread's own, so their count stays small", () => {
    const mirror = createNodeMirror({ records: 16 });
    const table = createNodeTable({ mirror });
    const v = mirrorView(mirror.sab);
    const x = table.lookedUp(1, 'a', 100n);
    for (let i = 0; i < 5; i++)
      expect(
        countLookup(
          v,
          consistent(v, () => nodeById(v, x))!,
        ),
      ).toBe(true);
    expect(table.lookedUp(1, 'a', 100n)).toBe(x);
    expect(table.get(x)!.nlookup).toBe(7);
    expect(mirror.take(x)).toBe(0);
    table.forget(x, 7);
    expect(table.get(x)).toBeUndefined();
  });

  it('does not compact for every new node once its arena is full of live names', () => {
    // Names of 100 bytes, two copies each: the arena fills with live names long before the
    // records do; past that point a new node is not mirrored, at the cost of a failed bump.
    const mirror = createNodeMirror({ records: 1024, arenaBytes: 20_000 });
    const table = createNodeTable({ mirror });
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < 1000; i++) table.lookedUp(1, `${i}`.padStart(100, 'x'), BigInt(i + 10));
    const perNode = Number(process.hrtime.bigint() - t0) / 1000 / 1000;
    expect(mirror.size).toBe(1000);
    // Each of the 900 nodes beyond it: its path name and its edge.
    expect(mirror.refused).toBe(1800);
    // 100 fit (20,000 bytes / 200); the others are known to the table only.
    const v = mirrorView(mirror.sab);
    expect(byEdge(v, 1, `${5}`.padStart(100, 'x'))).toBeDefined();
    expect(byEdge(v, 1, `${500}`.padStart(100, 'x'))).toBeUndefined();
    expect(table.path(table.lookupEdge(1, `${500}`.padStart(100, 'x'))!)).toBe(
      `/${`${500}`.padStart(100, 'x')}`,
    );
    // Loose: a compaction per node (a scan of 3,072 entries) would take far longer.
    expect(perNode).toBeLessThan(200);
  });
});
