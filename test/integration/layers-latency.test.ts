import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createLayerRig, py, PY_PRELUDE, quantile, sorted } from './layers-rig.js';
import type { Decision } from './layers-rig.js';

// The latency layer through a real mount, one op class at a time: every op the app times waits
// at least the delay the layer drew for it (the decision log says which), and the draws follow
// the configured distribution. Bounds are generous: the machine is shared and loaded; only
// lower bounds are strict, so a layer that adds nothing fails and a slow machine does not.
jest.setTimeout(180_000);

const rig = createLayerRig();
afterEach(() => rig.cleanup());

const N = 150;

/** Per-op wall times (ms) of N ops of one class, timed by the app in a child process. */
function timeOps(mnt: string, kind: 'read' | 'write' | 'flush' | 'metadata'): Promise<number[]> {
  const body = {
    read: `fd = os.open(mnt + "/f", os.O_RDONLY | os.O_DIRECT); buf = mmap.mmap(-1, 4096)
def op(i): os.preadv(fd, [buf], 0)`,
    write: `fd = os.open(mnt + "/w", os.O_WRONLY | os.O_CREAT, 0o644)
def op(i): os.pwrite(fd, b"x" * 4096, 0)`,
    flush: `fd = os.open(mnt + "/w", os.O_WRONLY | os.O_CREAT, 0o644)
def op(i): os.fsync(fd)`,
    // A name never seen before: a LOOKUP each time (nothing cached).
    metadata: `def op(i):
    try: os.stat(mnt + "/missing-%d" % i)
    except FileNotFoundError: pass`,
  }[kind];
  return py<number[]>(`${PY_PRELUDE}
mnt = "${mnt}"
${body}
out = []
for i in range(${N}):
    t = time.monotonic(); op(i); out.append((time.monotonic() - t) * 1000)
print(json.dumps(out))`);
}

const drawn = (dir: string, op: string): number[] =>
  readFileSync(join(dir, 'decisions.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Decision)
    .filter((d) => d.decision === 'delay' && d.op === op)
    .sort((a, b) => a.n - b.n)
    .map((d) => d.value as number);

const withFile = { prepare: (s: string) => writeFileSync(join(s, 'f'), Buffer.alloc(65536, 1)) };

describe('latency distributions through a real mount', () => {
  it('read {median, p99}: lognormal draws, and each read waits at least its draw', async () => {
    const { m, dir } = await rig.mount([{ type: 'latency', read: { median: 10, p99: 80 } }], {
      ...withFile,
      decisionLog: true,
    });
    const t = await timeOps(m.mountpoint, 'read');
    const d = drawn(dir, 'read');
    expect(d).toHaveLength(N);
    // Lognormal with mu = ln 10, sigma = ln 8 / 2.326: p10 3.2 ms, p50 10 ms, p90 31 ms.
    const s = sorted(d);
    expect(quantile(s, 0.5)).toBeGreaterThan(7);
    expect(quantile(s, 0.5)).toBeLessThan(14);
    expect(quantile(s, 0.1)).toBeLessThan(5.5);
    expect(quantile(s, 0.9)).toBeGreaterThan(20);
    // Each read took at least what the layer drew for it (the n-th read is the n-th decision).
    expect(t.filter((ms, i) => ms < d[i]!)).toEqual([]);
    expect(quantile(sorted(t), 0.5)).toBeGreaterThan(7);
  });

  it('write {min, max}: uniform draws over the range, each write waits at least its draw', async () => {
    const { m, dir } = await rig.mount([{ type: 'latency', write: { min: 10, max: 50 } }], {
      decisionLog: true,
    });
    const t = await timeOps(m.mountpoint, 'write');
    const d = drawn(dir, 'write');
    expect(d).toHaveLength(N);
    const s = sorted(d);
    expect(s[0]).toBeGreaterThanOrEqual(10);
    expect(s[s.length - 1]).toBeLessThanOrEqual(50);
    expect(quantile(s, 0.25)).toBeGreaterThan(14);
    expect(quantile(s, 0.25)).toBeLessThan(26);
    expect(quantile(s, 0.75)).toBeGreaterThan(34);
    expect(quantile(s, 0.75)).toBeLessThan(46);
    expect(t.filter((ms, i) => ms < d[i]!)).toEqual([]);
    expect(Math.min(...t)).toBeGreaterThanOrEqual(10);
  });

  it('flush {fixed}: every fsync waits the fixed delay', async () => {
    const { m } = await rig.mount([{ type: 'latency', flush: { fixed: 20 } }]);
    const t = await timeOps(m.mountpoint, 'flush');
    expect(Math.min(...t)).toBeGreaterThanOrEqual(20);
    // Most fsyncs are near 20 ms, not multiples of it (one delay per call).
    expect(quantile(sorted(t), 0.5)).toBeLessThan(60);
  });

  it('metadata {fixed}: every lookup waits the fixed delay', async () => {
    const { m } = await rig.mount([{ type: 'latency', metadata: { fixed: 5 } }]);
    const t = await timeOps(m.mountpoint, 'metadata');
    expect(Math.min(...t)).toBeGreaterThanOrEqual(5);
  });

  it('metadata {min, max} in microseconds: never shorter than the draw', async () => {
    const { m, dir } = await rig.mount([{ type: 'latency', metadata: { min: 0.3, max: 0.9 } }], {
      decisionLog: true,
    });
    const t = await timeOps(m.mountpoint, 'metadata');
    const d = drawn(dir, 'lookup');
    expect(d).toHaveLength(N);
    expect(t.filter((ms, i) => ms < d[i]!)).toEqual([]);
  });

  it('the compact latency=5ms..20ms delays data reads and writes, not metadata', async () => {
    const { m } = await rig.mount(
      [{ type: 'latency', read: { min: 5, max: 20 }, write: { min: 5, max: 20 } }],
      withFile,
    );
    const [r, w, meta] = [
      await timeOps(m.mountpoint, 'read'),
      await timeOps(m.mountpoint, 'write'),
      await timeOps(m.mountpoint, 'metadata'),
    ];
    expect(Math.min(...r)).toBeGreaterThanOrEqual(5);
    expect(Math.min(...w)).toBeGreaterThanOrEqual(5);
    // Undelayed lookups: most take well under the 5 ms floor.
    expect(quantile(sorted(meta), 0.5)).toBeLessThan(5);
  });

  it('a mount refuses a lognormal p99 below its median (it would be a fixed delay), naming what is accepted', async () => {
    await expect(rig.mount([{ type: 'latency', read: { median: 50, p99: 10 } }])).rejects.toThrow(
      /mount exited with 2:[\s\S]*p99 \(10ms\) is below median \(50ms\)[\s\S]*accepted: \{median: 5ms, p99: 50ms\}/,
    );
  });
});
