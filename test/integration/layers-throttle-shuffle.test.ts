import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createLayerRig, py, PY_PRELUDE } from './layers-rig.js';

// throttle (ops/s, per-file buckets, mode fail) and shuffle (readdir order, time jitter)
// through a real mount. Fail-mode buckets refill at 0.01 op/s, so which call gets EAGAIN does
// not depend on how fast the machine is.
jest.setTimeout(120_000);

const rig = createLayerRig();
afterEach(() => rig.cleanup());

const twoFiles = (s: string): void => {
  writeFileSync(join(s, 'a'), 'a'.repeat(8192));
  writeFileSync(join(s, 'b'), 'b'.repeat(8192));
};

/** Open-and-read each named file in turn: the result of each, or its errno. */
const readEach = (mnt: string, names: string[], o: { direct?: boolean } = {}): Promise<unknown[]> =>
  py<unknown[]>(`${PY_PRELUDE}
buf = mmap.mmap(-1, 4096)
def rd(name):
    fd = os.open("${mnt}/" + name, os.O_RDONLY${o.direct === true ? ' | os.O_DIRECT' : ''})
    try:
        return os.preadv(fd, [buf], 0)
    finally:
        os.close(fd)
print(json.dumps([attempt(lambda: rd(n)) for n in ${JSON.stringify(names)}]))`);

describe('throttle through a real mount', () => {
  it('opsPerSecond blocks: 40 opens at 10/s with a 10-op burst take at least 3 s', async () => {
    const { m } = await rig.mount(
      [{ type: 'throttle', opsPerSecond: 10, scope: { ops: ['open'] } }],
      { prepare: twoFiles },
    );
    const r = await py<{ s: number; errors: number }>(`${PY_PRELUDE}
t = time.monotonic(); errors = 0
for i in range(40):
    r = attempt(lambda: os.close(os.open("${m.mountpoint}/a", os.O_RDONLY)))
    errors += "err" in r
print(json.dumps({"s": time.monotonic() - t, "errors": errors}))`);
    expect(r.errors).toBe(0);
    expect(r.s).toBeGreaterThan(2.9);
  });

  it('opsPerSecond on data ops holds under -o passthrough too (reads must reach the layer)', async () => {
    const { m } = await rig.mount(
      [{ type: 'throttle', opsPerSecond: 10, scope: { ops: ['@data'] } }],
      {
        prepare: twoFiles,
        args: ['-o', 'passthrough'],
      },
    );
    const r = await py<{ s: number }>(`${PY_PRELUDE}
buf = mmap.mmap(-1, 4096)
fd = os.open("${m.mountpoint}/a", os.O_RDONLY | os.O_DIRECT)
t = time.monotonic()
for i in range(40): os.preadv(fd, [buf], 0)
print(json.dumps({"s": time.monotonic() - t}))`);
    // Before: 40 reads in 0.02 s, the kernel passed them through and the layer never saw them.
    expect(r.s).toBeGreaterThan(2.9);
  });

  it('mode fail, per file: an empty bucket answers EAGAIN at once, and only for its own file', async () => {
    const { m } = await rig.mount(
      [
        {
          type: 'throttle',
          opsPerSecond: 0.01,
          burstOps: 1,
          per: 'file',
          mode: 'fail',
          scope: { ops: ['open'] },
        },
      ],
      { prepare: twoFiles },
    );
    expect(await readEach(m.mountpoint, ['a', 'a', 'b', 'b', 'a'])).toEqual([
      { ok: 4096 },
      { err: 'EAGAIN' },
      { ok: 4096 },
      { err: 'EAGAIN' },
      { err: 'EAGAIN' },
    ]);
  });

  it('mode fail, per volume: one bucket for every file', async () => {
    const { m } = await rig.mount(
      [
        {
          type: 'throttle',
          opsPerSecond: 0.01,
          burstOps: 1,
          mode: 'fail',
          scope: { ops: ['open'] },
        },
      ],
      { prepare: twoFiles },
    );
    expect(await readEach(m.mountpoint, ['a', 'b'])).toEqual([{ ok: 4096 }, { err: 'EAGAIN' }]);
  });

  it('bytesPerSecond, mode fail, per file: a read past the byte bucket fails with EAGAIN', async () => {
    const { m } = await rig.mount(
      [{ type: 'throttle', bytesPerSecond: 1, burstBytes: 4096, per: 'file', mode: 'fail' }],
      { prepare: twoFiles },
    );
    expect(await readEach(m.mountpoint, ['a', 'a', 'b'], { direct: true })).toEqual([
      { ok: 4096 },
      { err: 'EAGAIN' },
      { ok: 4096 },
    ]);
  });
});

describe('shuffle through a real mount', () => {
  const many = (s: string): void => {
    // Long names: the listing spans several READDIR replies.
    for (let i = 0; i < 300; i++)
      writeFileSync(join(s, `file-with-a-long-name-${String(i).padStart(4, '0')}`), '');
  };

  it('readdir: each listing is a different permutation of exactly the same entries', async () => {
    const { m } = await rig.mount([{ type: 'shuffle' }], { prepare: many });
    const lists = await py<string[][]>(`${PY_PRELUDE}
print(json.dumps([os.listdir("${m.mountpoint}") for _ in range(4)]))`);
    const names = Array.from(
      { length: 300 },
      (_, i) => `file-with-a-long-name-${String(i).padStart(4, '0')}`,
    );
    for (const l of lists) expect([...l].sort()).toEqual(names);
    expect(new Set(lists.map((l) => l.join('/'))).size).toBe(4);
    expect(lists[0]).not.toEqual(names);
  });

  it('readdir order is repeated by a replay of the decision log', async () => {
    const first = await rig.mount([{ type: 'shuffle' }], {
      prepare: many,
      decisionLog: true,
      seed: 11,
    });
    const listing = `${PY_PRELUDE}\nprint(json.dumps([os.listdir(MNT) for _ in range(2)]))`;
    const a = await py<string[][]>(listing.replace('MNT', JSON.stringify(first.m.mountpoint)));
    await first.m.stop();
    // Another seed: only the log can give the same order.
    const second = await rig.mount([{ type: 'shuffle' }], {
      prepare: many,
      seed: 12,
      extra: { replay: { path: join(first.dir, 'decisions.jsonl') } },
    });
    const b = await py<string[][]>(listing.replace('MNT', JSON.stringify(second.m.mountpoint)));
    expect(b).toEqual(a);
  });

  it('mtimeJitter: stat shows mtimes moved within the bound, atime untouched', async () => {
    // One stat per file: within the attribute timeout the kernel shows a file's cached jitter.
    const { m } = await rig.mount([{ type: 'shuffle', readdir: false, mtimeJitter: 2000 }], {
      prepare: (s) => {
        for (let i = 0; i < 30; i++) {
          writeFileSync(join(s, `f${i}`), 'x');
          utimesSync(join(s, `f${i}`), 1_600_000_000, 1_500_000_000);
        }
      },
    });
    const r = await py<{ m: number[]; a: number[] }>(`${PY_PRELUDE}
st = [os.stat("${m.mountpoint}/f%d" % i) for i in range(30)]
print(json.dumps({"m": [s.st_mtime_ns for s in st], "a": [s.st_atime_ns for s in st]}))`);
    const offsets = r.m.map((ns) => (ns - 1_500_000_000e9) / 1e6);
    for (const o of offsets) expect(Math.abs(o)).toBeLessThanOrEqual(2000);
    expect(Math.max(...offsets) - Math.min(...offsets)).toBeGreaterThan(500);
    expect(new Set(r.a)).toEqual(new Set([1_600_000_000e9]));
  });
});
