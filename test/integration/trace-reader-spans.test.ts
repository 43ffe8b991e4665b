import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startOtlpReceiver } from '../helpers/otlp/receiver.js';
import type { OtlpReceiver } from '../helpers/otlp/receiver.js';
import type { DecodedSpan } from '../helpers/otlp/trace-decode.js';
import { tempDir } from '../helpers/mount.js';
import { py } from './layers-rig.js';
import { traceRun } from './trace-sample-rig.js';
import type { TracedRun } from './trace-sample-rig.js';

/**
 * The spans of the metadata requests the reader threads draw into trace's sample and serve
 * themselves (src/fuse/session/span-ring.ts, ADR 0087 step 5): a drawn LOOKUP, GETATTR or
 * UNLINK is answered in the reader and told to trace after its reply, and its span says what
 * the main thread's span of the same request says: the path, the inode the answer named, the
 * caller, ENOENT (expected, no error status) for a missing name, the times the reader took, and
 * the volume's span as its parent. In both cache policies: under `-o exclusive` a missing name
 * is a kept negative entry (a success with node ID 0 on the wire), which is still ENOENT here.
 */
jest.setTimeout(180_000);

const FILES = 30;
const REMOVED = 15;
const MISSING = 40;

interface Policy {
  name: string;
  args: string[];
  /** stat rounds over the files: with timeouts of 0 each asks LOOKUP and GETATTR again. */
  rounds: number;
}

const POLICIES: readonly Policy[] = [
  { name: 'default, timeouts 0', args: ['-o', 'entry_timeout=0,attr_timeout=0'], rounds: 4 },
  { name: '-o exclusive', args: ['-o', 'exclusive'], rounds: 1 },
];

interface Outcome {
  run: TracedRun;
  pid: number;
  inodes: Map<string, number>;
  from: bigint;
  to: bigint;
}

let receiver: OtlpReceiver;
const outcomes = new Map<string, Outcome>();
const dirs: string[] = [];

const nowNs = (): bigint => BigInt(Date.now()) * 1_000_000n;

async function traced(p: Policy): Promise<Outcome> {
  const src = tempDir('trace-reader-src');
  const work = tempDir('trace-reader');
  dirs.push(src, work);
  mkdirSync(join(src, 'd'));
  const inodes = new Map<string, number>();
  for (let i = 0; i < FILES; i++) {
    writeFileSync(join(src, `d/f${i}`), 'x');
    inodes.set(`/d/f${i}`, statSync(join(src, `d/f${i}`)).ino);
  }
  let pid = 0;
  let from = 0n;
  let to = 0n;
  const run = await traceRun({
    src,
    work,
    receiver,
    layers: '  - {type: trace, sampleRatio: 0.5}\n  - {type: metrics}\n',
    args: p.args,
    op: 'lookup',
    // The directory's node first (not listed: READDIRPLUS would hand the files' entries over),
    // and names of its own that make spans to wait for (each drawn at 0.5: 2^-16 for none).
    warm: (m) =>
      py<number>(`import os
n = os.stat('${m}/d').st_nlink
for i in range(16):
    try: os.stat('${m}/d/warm%d' % i)
    except FileNotFoundError: pass
print(n)`),
    act: async (m) => {
      from = nowNs();
      pid = await py<number>(`import os
for r in range(${p.rounds}):
    for i in range(${FILES}): os.stat('${m}/d/f%d' % i)
for i in range(${MISSING}):
    try:
        os.stat('${m}/d/missing%d' % i)
        raise SystemExit('missing%d exists' % i)
    except FileNotFoundError:
        pass
for i in range(${REMOVED}): os.unlink('${m}/d/f%d' % i)
print(os.getpid())`);
      to = nowNs();
    },
  });
  return { run, pid, inodes, from, to };
}

beforeAll(async () => {
  receiver = await startOtlpReceiver();
  for (const p of POLICIES) outcomes.set(p.name, await traced(p));
});

afterAll(async () => {
  await receiver?.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const READER_OPS = new Set(['lookup', 'getattr', 'unlink']);

describe.each(POLICIES.map((p) => [p.name]))('trace spans of drawn requests, %s', (name) => {
  const o = (): Outcome => outcomes.get(name)!;
  const spans = (op: string): DecodedSpan[] =>
    o().run.spans.filter((s) => s.name === op && Number(s.attributes['process.pid']) === o().pid);

  it('serves the drawn requests in the reader threads', () => {
    const drawn = o().run.spans.filter((s) => READER_OPS.has(s.name)).length;
    expect(drawn).toBeGreaterThan(20);
    // Most spans of the act's metadata are of requests the readers served. Not all: a request
    // a reader cannot serve is drawn on the main thread as before (with timeouts of 0 every
    // stat looks "d" up again, and a node's lookups pending for the main thread to take in
    // reach their limit, and then the main thread answers).
    expect(o().run.drawnServed).toBeGreaterThanOrEqual(drawn * 0.6);
    expect(o().run.drawnServed).toBeLessThanOrEqual(drawn);
  });

  it("names the file, its inode, the caller and the reader's times", () => {
    const found = spans('lookup').filter((s) => /^\/d\/f/.test(s.attributes['fs.path'] as string));
    expect(found.length).toBeGreaterThan(3);
    for (const s of found) {
      const path = s.attributes['fs.path'] as string;
      expect(o().inodes.has(path)).toBe(true);
      expect(Number(s.attributes['fs.inode'])).toBe(o().inodes.get(path));
      expect(s.attributes['fs.op']).toBe('lookup');
      expect(Number(s.attributes['process.real_user.id'])).toBe(process.getuid!());
      expect(s.attributes['fs.errno']).toBeUndefined();
      expect(s.status.code).toBe(0);
      expect(s.endNs).toBeGreaterThanOrEqual(s.startNs);
      // Within the act (the clocks are the same machine's; 50 ms of slack for Date's rounding).
      expect(s.startNs).toBeGreaterThanOrEqual(o().from - 50_000_000n);
      expect(s.endNs).toBeLessThanOrEqual(o().to + 50_000_000n);
    }
  });

  it('records a missing name as ENOENT, an expected answer', () => {
    const missing = spans('lookup').filter((s) =>
      s.attributes['fs.path']!.toString().includes('missing'),
    );
    // Binomial with p = 0.5 over 40 names: at least 8 with probability 1 - 1e-5.
    expect(missing.length).toBeGreaterThanOrEqual(8);
    for (const s of missing) {
      expect(s.attributes['fs.path']).toMatch(/^\/d\/missing\d+$/);
      expect(s.attributes['fs.errno']).toBe('ENOENT');
      expect(s.attributes['fs.inode']).toBeUndefined();
      expect(s.status.code).toBe(0);
    }
  });

  it('records the removed names', () => {
    const removed = spans('unlink');
    expect(removed.length).toBeGreaterThanOrEqual(2);
    for (const s of removed) {
      const n = Number(/^\/d\/f(\d+)$/.exec(s.attributes['fs.path'] as string)?.[1]);
      expect(n).toBeLessThan(REMOVED);
      expect(s.attributes['fs.errno']).toBeUndefined();
    }
  });

  it("puts them under the volume's span, as the main thread's", () => {
    const volumes = new Set(receiver.spans.filter((s) => s.name === 'volume').map((s) => s.spanId));
    for (const s of o().run.spans.filter((x) => READER_OPS.has(x.name)))
      expect(volumes.has(s.parentSpanId)).toBe(true);
  });
});

/**
 * The data requests of the files trace samples (at 0.5 of them) are served by the reader
 * threads too and listed for trace (direct-layout.ts LISTED): their spans are the file span's
 * children, with the bytes each moved, and the release's span comes after them.
 */
describe("trace spans of a traced file's data requests", () => {
  const FILES_D = 24;
  const BLOCK = 4096;
  let run: TracedRun;
  let src: string;

  beforeAll(async () => {
    src = tempDir('trace-data-src');
    const work = tempDir('trace-data');
    dirs.push(src, work);
    mkdirSync(join(src, 'd'));
    run = await traceRun({
      src,
      work,
      receiver,
      // No metadata op traced: the readers draw nothing.
      layers:
        '  - {type: trace, sampleRatio: 0.5, ops: [create, open, read, write, flush, release]}\n  - {type: metrics}\n',
      args: [],
      op: 'read',
      act: (m) =>
        py<number>(`import os
for i in range(${FILES_D}):
    p = '${m}/d/g%d' % i
    with open(p, 'wb') as f:
        for b in range(3): f.write(bytes([65 + b]) * ${BLOCK})
    # Opened again: the kernel keeps no pages of a file under a per-file plan, so READs come.
    with open(p, 'rb') as f:
        assert f.read() == b'A' * ${BLOCK} + b'B' * ${BLOCK} + b'C' * ${BLOCK}
print(0)`),
    });
  });

  it("serves them in the readers and puts each under its file's span, with its bytes", () => {
    const files = run.spans.filter((s) => s.name === 'file');
    // Two opens per file, each drawn at 0.5: at least 8 of 48 with probability 1 - 1e-6.
    expect(files.length).toBeGreaterThanOrEqual(8);
    let listed = 0;
    for (const f of files) {
      const kids = run.spans.filter((s) => s.parentSpanId === f.spanId);
      const bytes = (op: string): number =>
        kids.filter((s) => s.name === op).reduce((n, s) => n + Number(s.attributes['fs.bytes']), 0);
      const written = bytes('write');
      const read = bytes('read');
      // A file span of the writing open or of the reading one (the other may be untraced).
      expect([written, read]).toContainEqual(3 * BLOCK);
      for (const s of kids) expect(s.attributes['fs.path']).toBe(f.attributes['fs.path']);
      const release = kids.find((s) => s.name === 'release')!;
      for (const s of kids.filter((x) => x.name === 'read' || x.name === 'write')) {
        expect(s.endNs).toBeLessThanOrEqual(release.startNs);
        listed++;
      }
    }
    // The readers served them: every read and write listed, and the flushes (nothing else is
    // listed: no metadata op is traced). Before, the main thread served each.
    expect(listed).toBeGreaterThan(8);
    expect(run.listedServed).toBeGreaterThanOrEqual(listed);
    expect(run.drawnServed).toBe(0);
    for (let i = 0; i < FILES_D; i++) expect(statSync(join(src, `d/g${i}`)).size).toBe(3 * BLOCK);
  });
});
