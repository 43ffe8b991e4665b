import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { CLI, forceUnmount, startMount, tempDir } from '../helpers/mount.js';
import { freePort, scrape, total } from '../helpers/prometheus.js';
import { shOk } from '../helpers/sh.js';

jest.setTimeout(90_000);

const cleanup: (() => void)[] = [];
afterEach(() => {
  for (const f of cleanup.splice(0)) f();
});

interface Status {
  engine: { directIo: { enabled: boolean; served: number } | 'off' };
}

/**
 * With `metrics` (the layer production keeps on), READ and WRITE stay in the reader threads:
 * they are counted in the reader tap and folded into the same series at the scrape (ADR 0076).
 */
describe('metrics on the reader-thread fast path', () => {
  it('serves reads and writes in the readers and still counts every one, with bytes and latencies', async () => {
    const src = tempDir('tap-src');
    const size = 4 * 1024 * 1024;
    writeFileSync(join(src, 'in'), Buffer.alloc(size, 7));
    const port = await freePort();
    const m = await startMount({
      source: src,
      args: ['--layers', 'metrics', '--metrics-port', String(port)],
    });
    cleanup.push(() => {
      forceUnmount(m.mountpoint);
      rmSync(src, { recursive: true, force: true });
    });
    const before = await scrape(port);
    await shOk(
      `cat "${m.mountpoint}/in" > /dev/null
       dd if=/dev/zero of="${m.mountpoint}/out" bs=64k count=32 conv=fsync status=none`,
      { timeoutMs: 60_000 },
    );
    const status = JSON.parse(await shOk(`node "${CLI}" ctl "${m.mountpoint}" status`)) as Status;
    const direct = status.engine.directIo;
    expect(direct).not.toBe('off');
    if (direct === 'off') return;
    expect(direct.enabled).toBe(true);
    expect(direct.served).toBeGreaterThan(0);

    const after = await scrape(port);
    const delta = (name: string, match: Record<string, string> = {}): number =>
      total(after, name, match) - total(before, name, match);
    expect(delta('fs_interposer_read_bytes_total')).toBe(size);
    expect(delta('fs_interposer_written_bytes_total')).toBe(32 * 65536);
    const reads = delta('fs_interposer_ops_total', { op: 'read', result: 'ok' });
    const writes = delta('fs_interposer_ops_total', { op: 'write', result: 'ok' });
    expect(reads).toBeGreaterThan(0);
    expect(writes).toBeGreaterThan(0);
    // Every counted request is in the latency histogram too, with a plausible sum.
    expect(delta('fs_interposer_op_duration_seconds_count', { op: 'read' })).toBe(reads);
    expect(delta('fs_interposer_op_duration_seconds_count', { op: 'write' })).toBe(writes);
    expect(delta('fs_interposer_op_duration_seconds_sum', { op: 'read' })).toBeGreaterThan(0);
    expect(delta('fs_interposer_op_duration_seconds_bucket', { op: 'read', le: '+Inf' })).toBe(
      reads,
    );
    // The readers served (most of) them: counted once, not also on the main thread.
    expect(direct.served).toBeGreaterThanOrEqual(Math.min(reads + writes, 1));
  });
});
