import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startOtlpReceiver } from '../helpers/otlp/receiver.js';
import type { OtlpReceiver } from '../helpers/otlp/receiver.js';
import type { DecodedSpan } from '../helpers/otlp/trace-decode.js';
import { CLI, forceUnmount, startMount, tempDir } from '../helpers/mount.js';
import { freePort, scrape, total } from '../helpers/prometheus.js';
import { shOk } from '../helpers/sh.js';

/**
 * A live swap from `metrics` (its READs served by the reader threads) to `trace,metrics` while
 * a file is open (ADR 0076: the plan is read per request, per handle): the reads of that handle
 * after the swap reach the trace layer as spans, and metrics counts every read before and after.
 */
jest.setTimeout(120_000);

const MiB = 1 << 20;
const src = tempDir('swap-trace-src');
const flags = tempDir('swap-trace-flag');
let receiver: OtlpReceiver;
let spans: readonly DecodedSpan[] = [];
let readsCounted = 0;
let servedBefore = 0;
let layersAfter: string[] = [];

interface Status {
  layers: string[];
  engine: { directIo: { served: number } | 'off' };
}

beforeAll(async () => {
  receiver = await startOtlpReceiver();
  writeFileSync(join(src, 'big'), Buffer.alloc(8 * MiB, 9));
  const port = await freePort();
  const mount = await startMount({
    source: src,
    args: ['--layers', 'metrics', '--metrics-port', String(port)],
    env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_BSP_SCHEDULE_DELAY: '200' },
  });
  try {
    const m = mount.mountpoint;
    const ctl = async (...words: string[]): Promise<Status> =>
      JSON.parse(
        await shOk(`node "${CLI}" ctl "${m}" ${words.map((w) => `'${w}'`).join(' ')}`, { timeoutMs: 30_000 }),
      ) as Status;
    const go = join(flags, 'go');
    // 8 reads of 1 MiB, O_DIRECT (each one a READ request): 4 before the swap, 4 after.
    const reader = shOk(
      `python3 - <<'PY'
import mmap, os, time
fd = os.open("${m}/big", os.O_RDONLY | os.O_DIRECT)
buf = mmap.mmap(-1, ${MiB})
for i in range(4): assert os.preadv(fd, [buf], i * ${MiB}) == ${MiB}
open("${go}.opened", "w").close()
deadline = time.time() + 60
while not os.path.exists("${go}"):
    assert time.time() < deadline, "no swap"
    time.sleep(0.02)
for i in range(4, 8): assert os.preadv(fd, [buf], i * ${MiB}) == ${MiB}
os.close(fd)
PY`,
      { timeoutMs: 90_000 },
    );
    const deadline = Date.now() + 60_000;
    while (!existsSync(`${go}.opened`) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const before = await ctl('status');
    servedBefore = before.engine.directIo === 'off' ? -1 : before.engine.directIo.served;
    layersAfter = (await ctl('set-layers', 'trace,metrics')).layers;
    writeFileSync(go, '');
    await reader;
    const scraped = await scrape(port);
    readsCounted = total(scraped, 'fs_interposer_ops_total', { op: 'read' });
    expect(await mount.stop()).toBe(0);
  } finally {
    forceUnmount(mount.mountpoint);
  }
  await receiver.waitForSpans(1, 15_000);
  // The exporter sends in batches every 200 ms: let the last one arrive.
  await new Promise((r) => setTimeout(r, 500));
  spans = receiver.spans;
});

afterAll(async () => {
  await receiver?.close();
  rmSync(src, { recursive: true, force: true });
  rmSync(flags, { recursive: true, force: true });
});

describe('a live swap from metrics to trace,metrics with a file open', () => {
  it('served the reads before it from the reader threads', () => {
    expect(servedBefore).toBeGreaterThanOrEqual(4);
    expect(layersAfter).toEqual(['trace', 'metrics']);
  });

  it('traces every read of the handle opened before it', () => {
    const reads = spans.filter((s) => s.name === 'read' && s.attributes['fs.path'] === '/big');
    expect(reads).toHaveLength(4);
  });

  it('counted every read in metrics, before and after', () => {
    expect(readsCounted).toBe(8);
  });
});
