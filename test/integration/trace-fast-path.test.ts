import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startOtlpReceiver } from '../helpers/otlp/receiver.js';
import type { OtlpReceiver } from '../helpers/otlp/receiver.js';
import type { DecodedSpan } from '../helpers/otlp/trace-decode.js';
import { CLI, forceUnmount, startMount, tempDir } from '../helpers/mount.js';
import { freePort, scrape, total } from '../helpers/prometheus.js';
import { shOk } from '../helpers/sh.js';
import { py, PY_PRELUDE } from './layers-rig.js';

/**
 * `trace,metrics` with sampling below 1 (ADR 0076): the READ/WRITE/FLUSH of the files trace did
 * not sample are served by the reader threads, those of the sampled files too, listed for the
 * trace layer, which makes their spans (direct-layout.ts LISTED), and metrics counts every one
 * of them either way.
 */
jest.setTimeout(120_000);

const FILES = 20;
const KiB = 1024;
const DATA_OPS = ['read', 'write', 'flush', 'fsync'];
const src = tempDir('trace-fast-src');
const work = tempDir('trace-fast');
let receiver: OtlpReceiver;
let spans: readonly DecodedSpan[] = [];
let served = 0;
let counted = 0;
let readBytes = 0;
let metaCounted = 0;
let listed = 0;

const names = Array.from({ length: FILES }, (_, i) => `/f${String(i).padStart(2, '0')}`);

interface Status {
  engine: { directIo: { served: number; fsyncHandedOver: number; listedServed: number } | 'off' };
}

/** Each file: opened O_DIRECT, 4 preads of 128 KiB, 2 pwrites of 4 KiB, closed (one FLUSH). */
const io = (mnt: string) =>
  py<{ ok: number }>(`${PY_PRELUDE}
def run():
    buf = mmap.mmap(-1, 131072)
    out = mmap.mmap(-1, 4096)
    out.write(b"w" * 4096)
    n = 0
    for name in ${JSON.stringify(names)}:
        fd = os.open("${mnt}" + name, os.O_RDWR | os.O_DIRECT)
        for i in range(4): n += os.preadv(fd, [buf], i * 131072)
        for i in range(2): os.pwritev(fd, [out], i * 4096)
        os.close(fd)
    return n
print(json.dumps(attempt(run)))`);

beforeAll(async () => {
  receiver = await startOtlpReceiver();
  for (const name of names) writeFileSync(join(src, name), Buffer.alloc(512 * KiB, 5));
  writeFileSync(
    join(work, 'stack.yaml'),
    `apiVersion: fs-interposer/v1
kind: LayerStack
layers:
  - {type: trace, sampleRatio: 0.5}
  - {type: metrics}
`,
  );
  const port = await freePort();
  const mount = await startMount({
    source: src,
    args: ['--config', join(work, 'stack.yaml'), '--metrics-port', String(port)],
    env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_BSP_SCHEDULE_DELAY: '200' },
  });
  try {
    const m = mount.mountpoint;
    const status = async (): Promise<[number, number]> => {
      const s = JSON.parse(await shOk(`node "${CLI}" ctl "${m}" status`)) as Status;
      const d = s.engine.directIo;
      return d === 'off' ? [-1, -1] : [d.served + d.fsyncHandedOver, d.listedServed];
    };
    const before = await scrape(port);
    const [served0, listed0] = await status();
    expect(await io(m)).toEqual({ ok: FILES * 512 * KiB });
    const [served1, listed1] = await status();
    served = served1 - served0;
    listed = listed1 - listed0;
    const after = await scrape(port);
    const delta = (name: string, match: Record<string, string> = {}): number =>
      total(after, name, match) - total(before, name, match);
    counted = DATA_OPS.map((op) => delta('fs_interposer_ops_total', { op })).reduce(
      (a, b) => a + b,
    );
    readBytes = delta('fs_interposer_read_bytes_total');
    metaCounted = ['getattr', 'getxattr', 'lookup']
      .map((op) => delta('fs_interposer_ops_total', { op }))
      .reduce((a, b) => a + b);
    expect(await mount.stop()).toBe(0);
  } finally {
    forceUnmount(mount.mountpoint);
  }
  await receiver.waitForSpans(1, 15_000);
  spans = receiver.spans;
});

afterAll(async () => {
  await receiver?.close();
  rmSync(src, { recursive: true, force: true });
  rmSync(work, { recursive: true, force: true });
});

describe('trace at a sample ratio below 1, with metrics', () => {
  const sampled = () =>
    new Set(spans.filter((s) => s.name === 'file').map((s) => String(s.attributes['fs.path'])));
  const dataSpans = (path?: string) =>
    spans.filter(
      (s) => DATA_OPS.includes(s.name) && (path === undefined || s.attributes['fs.path'] === path),
    );

  it('samples some files and not others', () => {
    expect(sampled().size).toBeGreaterThan(0);
    expect(sampled().size).toBeLessThan(FILES);
  });

  it('keeps every read, write and flush span of a sampled file, and none of the others', () => {
    for (const path of names) {
      const ops = dataSpans(path).map((s) => s.name);
      if (!sampled().has(path)) {
        expect(ops).toEqual([]);
        continue;
      }
      expect(ops.filter((op) => op === 'read').length).toBeGreaterThanOrEqual(4);
      expect(ops.filter((op) => op === 'write')).toHaveLength(2);
      expect(ops.filter((op) => op === 'flush')).toHaveLength(1);
    }
  });

  it("serves every file's data in the reader threads, the sampled ones listed, and metrics counts every request", () => {
    expect(readBytes).toBe(FILES * 512 * KiB);
    // Every data request metrics counted was served by a reader; the readers also answer the
    // metadata requests trace's per-op sample draws or not (LOOKUP, GETATTR, GETXATTR: at most as
    // many as metrics counted).
    expect(counted).toBeGreaterThanOrEqual(FILES * (4 + 2 + 1));
    expect(served - counted).toBeGreaterThanOrEqual(0);
    expect(served - counted).toBeLessThanOrEqual(metaCounted);
    // The sampled files' data requests were listed for their spans (one the ring had no room
    // for would have gone through the layer: none expected at this rate).
    expect(listed).toBeGreaterThanOrEqual(dataSpans().length * 0.9);
    expect(listed).toBeLessThanOrEqual(dataSpans().length);
  });
});
