import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createLayerRig, py, PY_PRELUDE } from './layers-rig.js';
import type { Decision } from './layers-rig.js';

// The fault layer's data faults (shortIo, dropWrites, corrupt) as an app sees them through a
// real mount: what read(2)/write(2) return, and what reaches the backend.
jest.setTimeout(120_000);

const rig = createLayerRig();
afterEach(() => rig.cleanup());

const decisions = (dir: string): Decision[] =>
  readFileSync(join(dir, 'decisions.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Decision);

const SIZE = 1_000_000;
const pattern = (): Buffer =>
  Buffer.from(Array.from({ length: SIZE }, (_, i) => (i * 7 + 3) & 0xff));

describe('fault data faults through a real mount', () => {
  it('shortIo: read(2) returns short counts, yet a reader that loops gets every byte (no early EOF)', async () => {
    const { m } = await rig.mount([{ type: 'fault', shortIo: { rate: 100 } }], {
      prepare: (src) => writeFileSync(join(src, 'f'), pattern()),
    });
    const r = await py<{ short: number; calls: number; data: string; size: number }>(`${PY_PRELUDE}
import hashlib
fd = os.open("${m.mountpoint}/f", os.O_RDONLY)
h = hashlib.sha256(); short = 0; calls = 0; total = 0
while True:
    b = os.read(fd, 65536); calls += 1
    if not b: break
    total += len(b); h.update(b)
    if len(b) < 65536 and total < ${SIZE}: short += 1
print(json.dumps({"short": short, "calls": calls, "data": h.hexdigest(), "size": total}))`);
    // A short read is a count below the request, never a premature end of file.
    expect(r.size).toBe(SIZE);
    expect(r.short).toBeGreaterThan(5);
    const { createHash } = await import('node:crypto');
    expect(r.data).toBe(createHash('sha256').update(pattern()).digest('hex'));
  });

  it('shortIo: write(2) returns a short count and exactly that prefix reaches the backend', async () => {
    const { m, src } = await rig.mount([{ type: 'fault', shortIo: { rate: 100 } }]);
    const r = await py<{ n: number }>(`${PY_PRELUDE}
fd = os.open("${m.mountpoint}/w", os.O_WRONLY | os.O_CREAT, 0o644)
n = os.write(fd, b"w" * 100000)
os.fsync(fd); os.close(fd)
print(json.dumps({"n": n}))`);
    expect(r.n).toBeGreaterThan(0);
    expect(r.n).toBeLessThan(100000);
    expect(readFileSync(join(src, 'w'))).toEqual(Buffer.alloc(r.n, 'w'));
  });

  it('dropWrites: write(2) and fsync succeed, the dropped blocks never reach the backend', async () => {
    const { m, src, dir } = await rig.mount([{ type: 'fault', dropWrites: { rate: 50 } }], {
      decisionLog: true,
    });
    const r = await py<{ results: number[]; sync: unknown }>(`${PY_PRELUDE}
fd = os.open("${m.mountpoint}/d", os.O_WRONLY | os.O_CREAT, 0o644)
results = [os.pwrite(fd, bytes([1 + i]) * 4096, i * 4096) for i in range(64)]
sync = attempt(lambda: os.fsync(fd)); os.close(fd)
print(json.dumps({"results": results, "sync": sync}))`);
    expect(r.results).toEqual(Array(64).fill(4096));
    expect(r.sync).toEqual({ ok: null });
    const data = readFileSync(join(src, 'd'));
    const kept = Array.from({ length: 64 }, (_, i) =>
      data.subarray(i * 4096, (i + 1) * 4096).equals(Buffer.alloc(4096, 1 + i)),
    );
    const drops = decisions(dir).filter((d) => d.decision === 'drop');
    // Every block the decision log says was dropped is missing (a hole or past EOF), every
    // other one is there: nothing else is lost.
    const dropped = new Set(drops.map((d) => d.n - 1));
    expect(kept.map((k, i) => k !== dropped.has(i))).toEqual(Array(64).fill(true));
    expect(dropped.size).toBeGreaterThan(10);
    expect(dropped.size).toBeLessThan(54);
  });

  it('corrupt: writes reach the backend with one bounded zeroed run each, at most maxCount times', async () => {
    const { m, src } = await rig.mount([
      { type: 'fault', corrupt: { rate: 100, fill: 'zero', maxBytes: 16, maxCount: 5 } },
    ]);
    await py(`${PY_PRELUDE}
fd = os.open("${m.mountpoint}/c", os.O_WRONLY | os.O_CREAT, 0o644)
for i in range(20): os.pwrite(fd, b"\\xaa" * 4096, i * 4096)
os.close(fd)
print("null")`);
    const data = readFileSync(join(src, 'c'));
    expect(data.length).toBe(20 * 4096);
    const zeros = Array.from(
      { length: 20 },
      (_, i) => data.subarray(i * 4096, (i + 1) * 4096).filter((b) => b === 0).length,
    );
    expect(zeros.filter((z) => z > 0)).toHaveLength(5);
    for (const z of zeros) expect(z).toBeLessThanOrEqual(16);
    // Only zeros were written in, and only in place of 0xaa.
    expect(data.filter((b) => b !== 0 && b !== 0xaa)).toHaveLength(0);
  });

  it('corrupt: reads return corrupted bytes while the backend keeps the good data', async () => {
    const good = Buffer.alloc(64 * 1024, 0x55);
    const { m, src } = await rig.mount(
      [{ type: 'fault', corrupt: { rate: 100, fill: 'random', maxBytes: 64 } }],
      {
        prepare: (s) => writeFileSync(join(s, 'r'), good),
      },
    );
    const r = await py<{ bad: number }>(`${PY_PRELUDE}
d = open("${m.mountpoint}/r", "rb").read()
print(json.dumps({"bad": sum(1 for b in d if b != 0x55), "len": len(d)}))`);
    expect(r.bad).toBeGreaterThan(0);
    expect(readFileSync(join(src, 'r'))).toEqual(good);
  });
});
