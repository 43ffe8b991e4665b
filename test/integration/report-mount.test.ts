import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { startOtlpReceiver } from '../helpers/otlp/receiver.js';
import type { OtlpReceiver } from '../helpers/otlp/receiver.js';
import type { DecodedSpan } from '../helpers/otlp/trace-decode.js';
import { loadRun } from '../../src/report/load-run.js';
import { renderReport } from '../../src/report/render-report.js';
import { forceUnmount, startMount, tempDir } from '../helpers/mount.js';
import { shOk } from '../helpers/sh.js';

/**
 * The "done when" on a real mount: `--layers trace,metrics --record FILE` under a real
 * workload sends nested spans with file paths over OTLP/HTTP to a receiver, and the recorded run
 * turns into a report.
 */
jest.setTimeout(90_000);

describe('trace, metrics and record on a real mount', () => {
  const src = tempDir('obs-src');
  const work = tempDir('obs-work');
  const run = join(work, 'run.jsonl');
  let receiver: OtlpReceiver;
  let spans: readonly DecodedSpan[] = [];

  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    const mount = await startMount({
      source: src,
      args: ['--layers', 'trace,metrics', '--record', run],
      env: {
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
        OTEL_BSP_SCHEDULE_DELAY: '200',
        POD_NAME: 'app-0',
        POD_NAMESPACE: 'ci',
      },
    });
    try {
      const m = mount.mountpoint;
      await shOk(
        `mkdir -p "${m}/db" && dd if=/dev/urandom of="${m}/db/table.dat" bs=64k count=16 status=none &&
         cat "${m}/db/table.dat" > /dev/null && ls "${m}/db" > /dev/null && rm "${m}/db/table.dat" && rmdir "${m}/db"`,
        { timeoutMs: 30_000 },
      );
      // SIGTERM: the server closes the stack, which ends open spans and flushes the exporter.
      expect(await mount.stop()).toBe(0);
    } finally {
      forceUnmount(mount.mountpoint);
    }
    spans = await receiver.waitForSpans(10, 15_000);
  });

  afterAll(async () => {
    await receiver.close();
    rmSync(src, { recursive: true, force: true });
    rmSync(work, { recursive: true, force: true });
  });

  it('nests the writes and reads of the file under its file spans, with the path', () => {
    const files = spans.filter(
      (s) => s.name === 'file' && s.attributes['fs.path'] === '/db/table.dat',
    );
    expect(files.length).toBeGreaterThanOrEqual(2); // written by dd, read by cat
    const fileIds = new Set(files.map((f) => f.spanId));
    const writes = spans.filter((s) => s.name === 'write');
    const reads = spans.filter((s) => s.name === 'read');
    expect(writes.length).toBeGreaterThan(0);
    expect(reads.length).toBeGreaterThan(0);
    for (const s of [...writes, ...reads]) {
      expect(fileIds.has(s.parentSpanId)).toBe(true);
      expect(s.attributes['fs.path']).toBe('/db/table.dat');
    }
    expect(writes.reduce((n, s) => n + Number(s.attributes['fs.bytes']), 0)).toBe(16 * 65536);
    expect(files[0]?.resource).toMatchObject({
      'k8s.pod.name': 'app-0',
      'k8s.namespace.name': 'ci',
    });
  });

  it('puts metadata ops under the volume span', () => {
    const volume = spans.find((s) => s.name === 'volume');
    expect(volume).toBeDefined();
    const mkdir = spans.find((s) => s.name === 'mkdir' && s.attributes['fs.path'] === '/db');
    expect(mkdir?.parentSpanId).toBe(volume?.spanId);
  });

  it('records the run and renders a report of it', async () => {
    expect(existsSync(run)).toBe(true);
    const a = await loadRun([run]);
    expect(a.totals.written).toBe(16 * 65536);
    expect(a.totals.read).toBeGreaterThanOrEqual(16 * 65536);
    expect(a.files.get('/db/table.dat')?.points.length).toBeGreaterThan(0);
    const out = join(work, 'report.html');
    await renderReport(run, out);
    expect(readFileSync(out, 'utf8')).toContain('<b>/db/table.dat</b>');
  });
});
