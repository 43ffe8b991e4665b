import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startOtlpReceiver } from '../helpers/otlp/receiver.js';
import type { OtlpReceiver } from '../helpers/otlp/receiver.js';
import type { DecodedSpan } from '../helpers/otlp/trace-decode.js';
import { forceUnmount, startMount, tempDir } from '../helpers/mount.js';
import { freePort, scrape, total } from '../helpers/prometheus.js';
import { py } from './layers-rig.js';
import { directIoServed } from './reader-served-rig.js';

/**
 * `trace` sampling metadata ops at 0.5, with metrics, and entry and attribute timeouts of 0 (so
 * every stat(2) asks LOOKUP and GETATTR again): the reader threads draw trace's sample for the
 * requests they may answer (ADR 0087 step 5 for trace). What they do not draw they answer, what
 * they draw they hand to the main thread marked, and trace records it without drawing again:
 * about half of the lookups become spans (a second draw would make it a quarter), and metrics
 * counts every lookup either way.
 */
jest.setTimeout(120_000);

const FILES = 40;
const ROUNDS = 5;
const src = tempDir('trace-meta-src');
const work = tempDir('trace-meta');
let receiver: OtlpReceiver;
let spans: readonly DecodedSpan[] = [];
let served = 0;
let lookups = 0;

beforeAll(async () => {
  receiver = await startOtlpReceiver();
  mkdirSync(join(src, 'd'));
  for (let i = 0; i < FILES; i++) writeFileSync(join(src, `d/f${i}`), 'x');
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
    args: [
      '--config',
      join(work, 'stack.yaml'),
      '--metrics-port',
      String(port),
      '-o',
      'entry_timeout=0,attr_timeout=0',
    ],
    env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_BSP_SCHEDULE_DELAY: '200' },
  });
  try {
    const m = mount.mountpoint;
    const status = (): Promise<number> => directIoServed(m);
    const loop = (rounds: number) =>
      py<number>(`import os
n = 0
for r in range(${rounds}):
    for i in range(${FILES}):
        n += os.stat('${m}/d/f%d' % i).st_size
print(n)`);
    expect(await loop(1)).toBe(FILES);
    // Spans so far (the nodes being made) are not the ones counted below: wait until the last
    // of them arrived (exported every 200 ms: no new one for 800 ms).
    await receiver.waitForSpans(1, 15_000);
    for (
      let n = -1, until = Date.now() + 15_000;
      n !== receiver.spans.length && Date.now() < until;
    ) {
      n = receiver.spans.length;
      await new Promise((r) => setTimeout(r, 800));
    }
    const before = await scrape(port);
    const spans0 = receiver.spans.length;
    const served0 = await status();
    expect(await loop(ROUNDS)).toBe(FILES * ROUNDS);
    served = (await status()) - served0;
    lookups =
      total(await scrape(port), 'fs_interposer_ops_total', { op: 'lookup' }) -
      total(before, 'fs_interposer_ops_total', { op: 'lookup' });
    expect(await mount.stop()).toBe(0);
    await new Promise((r) => setTimeout(r, 500));
    spans = receiver.spans.slice(spans0);
  } finally {
    forceUnmount(mount.mountpoint);
  }
});

afterAll(async () => {
  await receiver?.close();
  rmSync(src, { recursive: true, force: true });
  rmSync(work, { recursive: true, force: true });
});

describe('trace sampling metadata at 0.5, drawn by the reader threads', () => {
  it('answers the requests it does not draw in the reader threads', () => {
    // Per stat: LOOKUPs of d and the file, a GETATTR; about half of them not drawn.
    expect(lookups).toBeGreaterThanOrEqual(FILES * ROUNDS);
    expect(served).toBeGreaterThan(lookups * 0.3);
  });

  it('records about half of the lookups as spans, each drawn once', () => {
    const traced = spans.filter((s) => s.name === 'lookup').length;
    const share = traced / lookups;
    // Binomial with p = 0.5 over >= 200 lookups: well inside; a second draw would give ~0.25.
    expect(share).toBeGreaterThan(0.38);
    expect(share).toBeLessThan(0.62);
  });
});
