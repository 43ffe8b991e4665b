import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startOtlpReceiver } from '../helpers/otlp/receiver.js';
import type { OtlpReceiver } from '../helpers/otlp/receiver.js';
import type { DecodedSpan } from '../helpers/otlp/trace-decode.js';
import { forceUnmount, startMount, tempDir } from '../helpers/mount.js';
import { sh } from '../helpers/sh.js';

/**
 * Through a real mount, the spans a collector receives carry what the layers below the trace
 * layer did to each op: one `fault` event per injected fault (errno or data fault, with its size),
 * a `delay` event per latency delay and a `throttle.wait` event per throttle wait, with its
 * milliseconds.
 */
jest.setTimeout(90_000);

const src = tempDir('trace-events-src');
const work = tempDir('trace-events');
let receiver: OtlpReceiver;
let spans: readonly DecodedSpan[] = [];

const CONFIG = `apiVersion: fs-interposer/v1
kind: LayerStack
layers:
  - {type: trace, sampleRatio: 1}
  - {type: fault, name: disk, rate: 100, perOp: {write: {EIO: 1}}, scope: {paths: [/failing], ops: [write]}}
  - {type: fault, name: liar, dropWrites: {rate: 100}, scope: {paths: [/dropped]}}
  - {type: latency, name: slow, read: {fixed: 30ms}, scope: {paths: [/slow]}}
  - {type: throttle, name: pace, bytesPerSecond: 65536, burstBytes: 65536, scope: {paths: [/paced]}}
`;

const eventsOf = (path: string, op: string) =>
  spans.filter((s) => s.attributes['fs.path'] === path && s.name === op).flatMap((s) => s.events);

beforeAll(async () => {
  receiver = await startOtlpReceiver();
  writeFileSync(join(work, 'stack.yaml'), CONFIG);
  writeFileSync(join(src, 'slow'), 'slow data');
  const mount = await startMount({
    source: src,
    args: ['--config', join(work, 'stack.yaml')],
    env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_BSP_SCHEDULE_DELAY: '200' },
  });
  try {
    const m = mount.mountpoint;
    // dd with oflag=direct: one WRITE per block, so each block is one op span.
    await sh(`dd if=/dev/zero of=${m}/failing bs=4096 count=1 oflag=direct 2>/dev/null; true`);
    await sh(`dd if=/dev/zero of=${m}/dropped bs=4096 count=1 oflag=direct 2>/dev/null`);
    await sh(`dd if=${m}/slow of=/dev/null iflag=direct bs=4096 count=1 2>/dev/null`);
    await sh(`dd if=/dev/zero of=${m}/paced bs=65536 count=3 oflag=direct 2>/dev/null`);
    expect(await mount.stop()).toBe(0);
  } finally {
    forceUnmount(mount.mountpoint);
  }
  await receiver.waitForSpans(8, 15_000);
  spans = receiver.spans;
});

afterAll(async () => {
  await receiver?.close();
  rmSync(src, { recursive: true, force: true });
  rmSync(work, { recursive: true, force: true });
});

describe('spans carry the faults, delays and throttle waits of the layers below', () => {
  it('an injected EIO: one fault event with the layer, errno and size', () => {
    expect(eventsOf('/failing', 'write').map((e) => ({ name: e.name, ...e.attributes }))).toEqual([{
      name: 'fault',
      'fs_interposer.layer': 'disk',
      'fs_interposer.fault.kind': 'EIO',
      'fs_interposer.fault.errno': 'EIO',
      'fs_interposer.fault.size': 4096,
    }]);
  });

  it('a dropped write: a fault event with its size', () => {
    expect(eventsOf('/dropped', 'write').map((e) => ({ name: e.name, ...e.attributes }))).toEqual([{
      name: 'fault', 'fs_interposer.layer': 'liar', 'fs_interposer.fault.kind': 'dropped_write', 'fs_interposer.fault.size': 4096,
    }]);
  });

  it('a latency delay: a delay event with its milliseconds, inside the span', () => {
    const slow = spans.find((s) => s.attributes['fs.path'] === '/slow' && s.name === 'read');
    expect(slow?.events.map((e) => ({ name: e.name, ...e.attributes }))).toEqual([
      { name: 'delay', 'fs_interposer.layer': 'slow', 'fs_interposer.delay_ms': 30 },
    ]);
    const at = slow!.events[0]!.timeNs;
    expect(at >= slow!.startNs && at <= slow!.endNs).toBe(true);
  });

  it('throttle waits: throttle.wait events once the burst is spent', () => {
    const waits = eventsOf('/paced', 'write');
    expect(waits.length).toBeGreaterThanOrEqual(1);
    for (const w of waits) {
      expect(w.name).toBe('throttle.wait');
      expect(w.attributes['fs_interposer.layer']).toBe('pace');
      expect(w.attributes['fs_interposer.delay_ms']).toBeGreaterThan(0);
    }
  });
});
