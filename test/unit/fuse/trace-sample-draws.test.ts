import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { mkdirSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  InMemorySpanExporter,
  SimpleSpanProcessor,
  TracerProvider,
} from '@opentelemetry/sdk-trace';
import { createPassthroughBackend } from '../../../src/backends/passthrough/backend.js';
import { Opcode } from '../../../src/fuse/protocol/constants.js';
import { createDirectIoTable } from '../../../src/fuse/session/direct-io.js';
import { serveDirect } from '../../../src/fuse/session/direct-serve.js';
import { attachMirror } from '../../../src/fuse/session/direct-meta-paths.js';
import { createNodeMirror } from '../../../src/fuse/session/node-mirror.js';
import { createNodeTable } from '../../../src/fuse/session/nodes.js';
import { createTraceLayer } from '../../../src/layers/trace/trace-layer.js';
import { createStack } from '../../../src/vfs/stack.js';
import { createTinyBackend, opCall } from '../telemetry/fixtures.js';
import { CAPACITY, createTestServer } from './harness.js';
import { frame, lookupFrame, u32s } from './frames.js';

const EPOCH = 7;
const O_RDWR = 2;
const statFrame = (nodeid: number): Buffer => frame(Opcode.GETATTR, Buffer.alloc(16), { nodeid });

function tracer() {
  const exporter = new InMemorySpanExporter();
  const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
  return { provider, exporter };
}

/**
 * Trace's per-op sample drawn by the reader threads (ADR 0087 step 5 for trace): every request
 * drawn exactly once (here or on the main thread), and nothing answered by a reader that trace
 * would have recorded without a draw. Each case failed on the first version (found by review).
 */
describe("trace's sample as the reader threads draw it", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'review-trace-'));
    mkdirSync(join(dir, 'd'));
    writeFileSync(join(dir, 'f'), Buffer.alloc(100, 7));
  });
  afterEach(() => {
    jest.restoreAllMocks();
    rmSync(dir, { recursive: true, force: true });
  });

  it('hands a LOOKUP over undrawn when it could not count it (no second draw on the main thread)', async () => {
    const table = createDirectIoTable(EPOCH, 64, undefined, 1);
    const mirror = createNodeMirror({ records: 1024 });
    table.enableLookups({ mirror, entryTimeout: 1 });
    attachMirror(mirror.sab);
    const backend = createPassthroughBackend({ root: dir, inlineMeta: true });
    const t = createTestServer({
      backend,
      session: {
        times: { entryTimeout: 1, attrTimeout: 1 },
        direct: table,
        nodes: createNodeTable({ mirror }),
      },
    });
    await t.send(lookupFrame(1, 'd'));
    const view = new Int32Array(table.sab);
    const serve = (): number => {
      const buf = Buffer.alloc(4096);
      lookupFrame(1, 'd').copy(buf);
      return serveDirect(view, buf, lookupFrame(1, 'd').length);
    };
    // No sample: the readers count lookups of `d` until the mirror cell's limit (4096).
    table.setPlan({ ...t.ctx.stack.plan(), metaSample: 0 });
    let answered = 0;
    while (serve() > 0) answered++;
    // Now trace samples at 0.5; the reader draws 0.9 (not in the sample).
    table.setPlan({ ...t.ctx.stack.plan(), metaSample: 0.5 });
    const random = jest.spyOn(Math, 'random').mockReturnValue(0.9);
    const len = serve();
    // The pending count is full: handed over unmarked, and not drawn here (the main thread draws).
    expect(answered).toBeGreaterThanOrEqual(4000);
    expect(len).toBe(-1);
    expect(random).not.toHaveBeenCalled();
    await backend.close();
  });

  it('leaves to the main thread the GETATTR of a node with no name left (it may answer through a traced file)', async () => {
    const { provider, exporter } = tracer();
    const draws = [0.9, 0.1, 0.9]; // the LOOKUP not traced, first open traced, second not
    const trace = createTraceLayer({
      tracerProvider: provider,
      volume: 'v',
      sampleRatio: 0.5,
      random: () => draws.shift() ?? 0.99,
    });
    const table = createDirectIoTable(EPOCH, 64, undefined, 1);
    table.setExclusive();
    const backend = createPassthroughBackend({ root: dir, inlineMeta: true });
    const t = createTestServer({
      backend,
      layers: [trace],
      session: { times: { entryTimeout: 1, attrTimeout: 1 }, direct: table, exclusive: true },
    });
    table.setPlan(t.ctx.stack.plan());
    const nodeid = Number((await t.send(lookupFrame(1, 'f')))!.body.readBigUInt64LE(0));
    await t.send(frame(Opcode.OPEN, u32s(O_RDWR, 0), { nodeid })); // a traced file
    await t.send(frame(Opcode.OPEN, u32s(O_RDWR, 0), { nodeid })); // untraced, registered
    expect(table.mappedNodes).toBe(1);
    unlinkSync(join(dir, 'f'));
    t.ctx.nodes.detach(1, 'f');
    // Main thread: the orphan's GETATTR goes through findByNode's handle: the traced file, no draw.
    const main = Buffer.alloc(CAPACITY);
    statFrame(nodeid).copy(main);
    expect(await t.server.serve(main, statFrame(nodeid).length, CAPACITY)).toBeGreaterThan(0);
    await provider.forceFlush();
    const mainSpans = exporter.getFinishedSpans().filter((s) => s.name === 'getattr').length;
    // Reader: draws 0.9 (not sampled) and answers it itself: no span.
    jest.spyOn(Math, 'random').mockReturnValue(0.9);
    const buf = Buffer.alloc(4096);
    statFrame(nodeid).copy(buf);
    const len = serveDirect(new Int32Array(table.sab), buf, statFrame(nodeid).length);
    expect(mainSpans).toBe(1);
    expect(len).toBe(-1);
    await backend.close();
  });

  it('draws nothing for an op its filters exclude (a seeded sequence of decisions stays the same)', async () => {
    const { provider, exporter } = tracer();
    const draws = [0.1, 0.9];
    const layer = createTraceLayer({
      tracerProvider: provider,
      volume: 'v',
      sampleRatio: 0.5,
      ops: ['open', 'read'],
      random: () => draws.shift() ?? 0.99,
    });
    const backend = createTinyBackend();
    backend.files.set('/a', Buffer.from('x'));
    const stack = createStack([layer], backend);
    await stack.run(opCall('getattr', { path: '/a' })); // not in ops: before 31fe783 no draw
    await stack.run(opCall('open', { path: '/a', flags: 0 }));
    await provider.forceFlush();
    const files = exporter.getFinishedSpans().filter((s) => s.name === 'open').length;
    // The open got the first draw (0.1: traced); the excluded getattr drew nothing.
    expect(files).toBe(1);
    expect(draws).toEqual([0.9]);
  });
});
