import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
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
import {
  afterReply,
  attachMeta,
  beforeReply,
  requestBegan,
  serveDirect,
} from '../../../src/fuse/session/direct-serve.js';
import { createMissRing } from '../../../src/fuse/session/miss-ring.js';
import { createNameChanges } from '../../../src/fuse/session/name-changes.js';
import { createNodeMirror } from '../../../src/fuse/session/node-mirror.js';
import { createNodeTable } from '../../../src/fuse/session/nodes.js';
import { removalsAbsorber } from '../../../src/fuse/session/removals.js';
import { createSpanRing } from '../../../src/fuse/session/span-ring.js';
import type { ServedSpan } from '../../../src/fuse/session/span-ring.js';
import { createTraceLayer } from '../../../src/layers/trace/trace-layer.js';
import { createStack } from '../../../src/vfs/stack.js';
import type { OpCall, ServedOutcome } from '../../../src/vfs/types.js';
import { createTestServer } from './harness.js';
import { mainReply } from './direct-rig.js';
import { frame, readFrame, writeFrame } from './frames.js';

const named = (op: number, parent: number, name: string): Buffer =>
  frame(op, Buffer.from(`${name}\0`), { nodeid: parent, pid: 4242, uid: 1001, gid: 1002 });
const lookupOf = (parent: number, name: string): Buffer => named(Opcode.LOOKUP, parent, name);
const statFrame = (nodeid: number): Buffer =>
  frame(Opcode.GETATTR, Buffer.alloc(16), { nodeid, pid: 4242 });
const idOf = (r: Buffer): number => Number(r.readBigUInt64LE(16));

/**
 * The drawn metadata requests the reader threads serve themselves (span-ring.ts,
 * direct-span.ts): the reply is the one an undrawn request gets, the entry the main thread
 * takes says what the layer needs for its span (op, path, caller, times, errno or inode), and
 * whatever the reader cannot list it hands over as before.
 */
describe('the span ring', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'span-ring-'));
    mkdirSync(join(dir, 'd'));
    writeFileSync(join(dir, 'd/a'), 'aaa');
  });
  afterEach(() => {
    jest.restoreAllMocks();
    rmSync(dir, { recursive: true, force: true });
  });

  function session(o: { exclusive?: boolean; slots?: number; throws?: boolean } = {}) {
    const exclusive = o.exclusive ?? false;
    const times = { entryTimeout: 5, attrTimeout: 5 };
    const table = createDirectIoTable(7, 64, undefined, times.attrTimeout);
    if (exclusive) table.setExclusive();
    const mirror = createNodeMirror({ records: 1024 });
    const misses = createMissRing();
    const removals = createMissRing();
    const told: ServedSpan[] = [];
    const port = {
      readerServed(call: OpCall, outcome: ServedOutcome) {
        if (o.throws === true && told.length === 0) {
          told.push({ call, outcome });
          throw new Error('a layer that fails');
        }
        told.push({ call, outcome });
      },
    };
    const warnings: unknown[] = [];
    const logger = { warn: (...a: unknown[]) => warnings.push(a) } as never;
    const spans = createSpanRing(port, { logger, slots: o.slots });
    table.enableLookups({
      mirror,
      entryTimeout: times.entryTimeout,
      misses: { ring: misses, keep: exclusive },
      removals,
      spans,
    });
    attachMeta({ nodes: mirror.sab, misses: misses.sab, removals: removals.sab, spans: spans.sab });
    const backend = createPassthroughBackend({ root: dir, inlineMeta: true });
    const nodes = createNodeTable({ mirror });
    const t = createTestServer({
      backend,
      session: {
        times,
        direct: table,
        nodes,
        exclusive,
        nameChanges: createNameChanges(misses.names),
      },
    });
    t.ctx.absorb = removalsAbsorber(removals, t.ctx, undefined, mirror);
    table.setPlan({ ...t.ctx.stack.plan(), metaSample: 0.5 });
    const view = new Int32Array(table.sab);
    /** A reader's answer, its reply then "written": the bytes, 'sampled', or undefined. */
    const reader = (f: Buffer): Buffer | 'sampled' | undefined => {
      const buf = Buffer.alloc(4096);
      f.copy(buf);
      requestBegan(performance.now());
      const len = serveDirect(view, buf, f.length);
      beforeReply(buf, len);
      afterReply();
      if (len === -2) return 'sampled';
      return len < 0 ? undefined : Buffer.from(buf.subarray(0, len));
    };
    const main = (f: Buffer): Promise<Buffer> => mainReply(t.server, f);
    const close = async (): Promise<void> => {
      spans.stop();
      await backend.close();
    };
    return { t, table, spans, told, warnings, reader, main, close };
  }

  /** Every draw in the sample (0.1 < 0.5), or none (0.9). */
  const drawAll = (): void => void jest.spyOn(Math, 'random').mockReturnValue(0.1);
  const drawNone = (): void => void jest.spyOn(Math, 'random').mockReturnValue(0.9);
  /** The nodes of d and d/a made undrawn, then every draw in the sample. */
  const knownFile = (s: { reader: (f: Buffer) => Buffer | 'sampled' | undefined }) => {
    drawNone();
    const d = idOf(s.reader(lookupOf(1, 'd')) as Buffer);
    const a = idOf(s.reader(lookupOf(d, 'a')) as Buffer);
    jest.restoreAllMocks();
    drawAll();
    return { d, a };
  };

  it('serves a drawn LOOKUP in the reader and lists its op, path, caller, times and inode', async () => {
    const s = session();
    drawNone();
    const plain = s.reader(lookupOf(1, 'd')) as Buffer;
    expect(plain).toBeInstanceOf(Buffer);
    const d = idOf(plain);
    s.spans.drain();
    expect(s.told).toHaveLength(0);
    jest.restoreAllMocks();
    drawAll();
    const before = performance.timeOrigin + performance.now();
    const r = s.reader(lookupOf(d, 'a'));
    const after = performance.timeOrigin + performance.now();
    expect(r).toBeInstanceOf(Buffer);
    expect((r as Buffer).readInt32LE(4)).toBe(0);
    s.spans.drain();
    expect(s.told).toHaveLength(1);
    const { call, outcome } = s.told[0]!;
    expect(call.op).toBe('lookup');
    expect(call.path).toBe('/d/a');
    expect(call.sampled).toBe(true);
    expect(call.caller).toEqual({ pid: 4242, uid: 1001, gid: 1002 });
    expect(outcome.ino).toBe(BigInt(statSync(join(dir, 'd/a')).ino));
    expect(outcome.errno).toBeUndefined();
    expect(outcome.start).toBeLessThanOrEqual(outcome.end);
    expect(outcome.start).toBeGreaterThanOrEqual(before - 1);
    expect(outcome.end).toBeLessThanOrEqual(after + 1);
    expect(s.spans.told).toBe(1);
    await s.close();
  });

  it('lists a GETATTR with the node’s path and inode, and an UNLINK with the name removed', async () => {
    const s = session();
    const { d, a } = knownFile(s);
    expect(s.reader(statFrame(a))).toBeInstanceOf(Buffer);
    const ino = BigInt(statSync(join(dir, 'd/a')).ino);
    expect(s.reader(named(Opcode.UNLINK, d, 'a'))).toBeInstanceOf(Buffer);
    s.spans.drain();
    expect(s.told.map((x) => [x.call.op, x.call.path, x.outcome.ino, x.outcome.errno])).toEqual([
      ['getattr', '/d/a', ino, undefined],
      ['unlink', '/d/a', undefined, undefined],
    ]);
    await s.close();
  });

  it('lists a missing name as ENOENT, also as a kept negative entry (-o exclusive)', async () => {
    for (const exclusive of [false, true]) {
      const s = session({ exclusive });
      drawAll();
      const r = s.reader(lookupOf(1, 'nothing')) as Buffer;
      expect(r).toBeInstanceOf(Buffer);
      // The wire: ENOENT, or a negative entry (success, node ID 0).
      expect(r.readInt32LE(4)).toBe(exclusive ? 0 : -2);
      s.spans.drain();
      expect(s.told.map((x) => [x.call.path, x.outcome.errno, x.outcome.ino])).toEqual([
        ['/nothing', 2, undefined],
      ]);
      await s.close();
      jest.restoreAllMocks();
    }
  });

  it('hands a drawn request over when the ring is full, and serves them again once taken', async () => {
    const s = session({ slots: 2 });
    drawAll();
    expect(s.reader(lookupOf(1, 'x1'))).toBeInstanceOf(Buffer);
    expect(s.reader(lookupOf(1, 'x2'))).toBeInstanceOf(Buffer);
    // Full: handed over drawn, as before the ring (the main thread makes its span).
    expect(s.reader(lookupOf(1, 'x3'))).toBe('sampled');
    s.spans.drain();
    expect(s.told.map((x) => x.call.path)).toEqual(['/x1', '/x2']);
    expect(s.reader(lookupOf(1, 'x4'))).toBeInstanceOf(Buffer);
    s.spans.drain();
    expect(s.told.map((x) => x.call.path)).toEqual(['/x1', '/x2', '/x4']);
    await s.close();
  });

  it('takes no slot for a drawn request it cannot list (a path longer than a slot holds)', async () => {
    // Five directories of 200-byte names: paths over the slot's 976 bytes, which a reader still
    // serves (its parent paths go to 4 KiB).
    const deep = ['a', 'b', 'c', 'd', 'e'].map((c) => c.repeat(200));
    mkdirSync(join(dir, ...deep), { recursive: true });
    writeFileSync(join(dir, ...deep, 'f'), 'f');
    const s = session({ slots: 2 });
    drawNone();
    let parent = 1;
    for (const name of deep) parent = idOf(s.reader(lookupOf(parent, name)) as Buffer);
    jest.restoreAllMocks();
    drawAll();
    // Handed over drawn, as before the ring, with no slot taken and nothing to wake the
    // consumer for: many of them must not fill the ring (none is drained here).
    for (let i = 0; i < 10; i++) expect(s.reader(lookupOf(parent, 'f'))).toBe('sampled');
    expect(s.reader(lookupOf(1, 'x1'))).toBeInstanceOf(Buffer);
    expect(s.reader(lookupOf(1, 'x2'))).toBeInstanceOf(Buffer);
    s.spans.drain();
    expect(s.told.map((x) => x.call.path)).toEqual(['/x1', '/x2']);
    await s.close();
  });

  it('tells nothing of a drawn request the reader then hands over', async () => {
    const s = session();
    const { a } = knownFile(s);
    // The file changed behind the mount after the draw point's checks: simulated by the reply
    // of a request handed over after its draw (len -1).
    const buf = Buffer.alloc(4096);
    statFrame(a).copy(buf);
    const len = serveDirect(new Int32Array(s.table.sab), buf, statFrame(a).length);
    expect(len).toBeGreaterThan(0);
    beforeReply(buf, -1);
    s.spans.drain();
    expect(s.told).toHaveLength(0);
    // The slot is free again.
    expect(s.reader(statFrame(a))).toBeInstanceOf(Buffer);
    s.spans.drain();
    expect(s.told).toHaveLength(1);
    await s.close();
  });

  it('goes on after a layer failed on an entry, and the main thread is woken without a drain', async () => {
    const s = session({ throws: true });
    drawAll();
    expect(s.reader(lookupOf(1, 'x1'))).toBeInstanceOf(Buffer);
    expect(s.reader(lookupOf(1, 'x2'))).toBeInstanceOf(Buffer);
    // The consumer wakes on its own (Atomics.waitAsync) and takes both within its batch time.
    for (let i = 0; i < 100 && s.told.length < 2; i++) await new Promise((r) => setTimeout(r, 10));
    expect(s.told.map((x) => x.call.path)).toEqual(['/x1', '/x2']);
    expect(s.warnings).toHaveLength(1);
    // And again for the next entry.
    expect(s.reader(lookupOf(1, 'x3'))).toBeInstanceOf(Buffer);
    for (let i = 0; i < 100 && s.told.length < 3; i++) await new Promise((r) => setTimeout(r, 10));
    expect(s.told).toHaveLength(3);
    await s.close();
  });

  it("the main thread's reply to the same request is the reader's", async () => {
    const s = session();
    drawAll();
    const r = s.reader(lookupOf(1, 'd')) as Buffer;
    drawNone();
    const m = await s.main(lookupOf(1, 'd'));
    // The same node (the main thread took the reader's in), the same entry.
    expect(idOf(m)).toBe(idOf(r));
    expect(m.subarray(16)).toEqual(r.subarray(16));
    await s.close();
  });
});

describe("a traced file's data requests in the reader threads", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'span-ring-data-'));
    writeFileSync(join(dir, 'a'), 'aaa');
  });
  afterEach(() => {
    jest.restoreAllMocks();
    rmSync(dir, { recursive: true, force: true });
  });

  it("are served there and trace makes their spans under the file's, before its release", async () => {
    const exporter = new InMemorySpanExporter();
    const provider = new TracerProvider({
      spanProcessors: [new SimpleSpanProcessor({ exporter })],
    });
    // Every file traced; no metadata drawn (the readers draw with Math.random, which the
    // SDK's span IDs come from too: not mocked here).
    const trace = createTraceLayer({
      tracerProvider: provider,
      volume: 'v',
      sampleRatio: 0.5,
      random: () => 0.1,
    });
    const times = { entryTimeout: 5, attrTimeout: 5 };
    const table = createDirectIoTable(7, 64, undefined, times.attrTimeout);
    const mirror = createNodeMirror({ records: 1024 });
    const misses = createMissRing();
    const removals = createMissRing();
    const backend = createPassthroughBackend({ root: dir, inlineMeta: true });
    const spans = createSpanRing(
      { readerServed: (call, outcome) => t.ctx.stack.readerServed!(call, outcome) },
      {
        handleOf: (fh) => {
          const h = t.ctx.handles.get(fh);
          return h && { path: h.path, backendFh: h.backendFh };
        },
      },
    );
    table.enableLookups({
      mirror,
      entryTimeout: 5,
      misses: { ring: misses, keep: false },
      removals,
      spans,
    });
    attachMeta({ nodes: mirror.sab, misses: misses.sab, removals: removals.sab, spans: spans.sab });
    // Built below; the ring's callbacks run only after.
    const t = createTestServer({
      backend,
      layers: [trace],
      session: { times, direct: table, nodes: createNodeTable({ mirror }) },
    });
    t.ctx.absorb = () => spans.drain();
    table.setPlan({ ...t.ctx.stack.plan(), metaSample: 0 });
    const view = new Int32Array(table.sab);
    const a = Number((await t.send(lookupOf(1, 'a')))!.body.readBigUInt64LE(0));
    const opened = await t.send(
      frame(Opcode.OPEN, Buffer.from([2, 0, 0, 0, 0, 0, 0, 0]), { nodeid: a }),
    );
    const fh = Number(opened!.body.readBigUInt64LE(0));
    // Registered for the readers, listed: nothing but its data requests is served through it.
    expect(table.size).toBe(1);
    const serve = (f: Buffer): number => {
      const buf = Buffer.alloc(4096);
      f.copy(buf);
      requestBegan(performance.now());
      const len = serveDirect(view, buf, f.length);
      beforeReply(buf, len);
      afterReply();
      return len;
    };
    expect(serve(readFrame(Opcode.READ, a, fh, 0, 4096))).toBe(16 + 3);
    expect(serve(writeFrame(a, fh, 3, Buffer.from('bb')))).toBe(16 + 8);
    const flush = Buffer.alloc(24);
    flush.writeBigUInt64LE(BigInt(fh), 0);
    expect(serve(frame(Opcode.FLUSH, flush, { nodeid: a }))).toBe(16);
    // GETATTR with its handle is handed to the main thread (which traces it under the file).
    const getattrFh = Buffer.alloc(16);
    getattrFh.writeUInt32LE(1, 0);
    getattrFh.writeBigUInt64LE(BigInt(fh), 8);
    expect(serve(frame(Opcode.GETATTR, getattrFh, { nodeid: a }))).toBe(-1);
    expect(spans.toldData).toBe(0);
    // The release: the ring is taken in before the main thread serves it (absorb).
    const rel = Buffer.alloc(24);
    rel.writeBigUInt64LE(BigInt(fh), 0);
    await t.send(frame(Opcode.RELEASE, rel, { nodeid: a }));
    expect(spans.toldData).toBe(3);
    expect(spans.told).toBe(0);
    await provider.forceFlush();
    const all = exporter.getFinishedSpans();
    const file = all.find((x) => x.name === 'file')!;
    const kids = all.filter((x) => x.parentSpanContext?.spanId === file.spanContext().spanId);
    expect(
      kids.map((x) => [
        x.name,
        x.attributes['fs.offset'],
        x.attributes['fs.size'],
        x.attributes['fs.bytes'],
      ]),
    ).toEqual([
      ['open', undefined, undefined, undefined],
      ['read', 0, 4096, 3],
      ['write', 3, 2, 2],
      ['flush', undefined, undefined, undefined],
      ['release', undefined, undefined, undefined],
    ]);
    expect(kids.every((x) => x.attributes['fs.path'] === '/a')).toBe(true);
    expect(readFileSync(join(dir, 'a'), 'utf8')).toBe('aaabb');
    spans.stop();
    await backend.close();
  });
});

describe("trace's span of a request a reader served", () => {
  it('is the span the main thread makes, with the times and answer the reader gave', async () => {
    const exporter = new InMemorySpanExporter();
    const provider = new TracerProvider({
      spanProcessors: [new SimpleSpanProcessor({ exporter })],
    });
    const trace = createTraceLayer({ tracerProvider: provider, volume: 'v', sampleRatio: 0.5 });
    const stack = createStack([trace], createPassthroughBackend({ root: tmpdir() }));
    const call = (op: string, path: string) =>
      ({
        op,
        path,
        args: { path },
        caller: { pid: 7, uid: 8, gid: 9 },
        signal: new AbortController().signal,
        sampled: true,
      }) as OpCall;
    stack.readerServed(call('lookup', '/d/a'), { start: 1_000_000, end: 1_000_000.5, ino: 99n });
    stack.readerServed(call('lookup', '/d/none'), { start: 1_000_001, end: 1_000_002, errno: 2 });
    stack.readerServed(call('getattr', '/d/a'), { start: 1_000_003, end: 1_000_004, errno: 5 });
    // A data request of a handle trace does not know (opened under another stack): no span.
    const read = { ...call('read', '/x'), args: { path: '/x', fh: 12345, offset: 0, length: 1 } };
    stack.readerServed(read as OpCall, { start: 1_000_005, end: 1_000_006, bytes: 1 });
    await stack.close();
    await provider.forceFlush();
    const spans = exporter.getFinishedSpans();
    const volume = spans.find((x) => x.name === 'volume')!;
    const ops = spans.filter((x) => x.name !== 'volume');
    expect(ops.map((x) => [x.name, x.attributes['fs.path'], x.attributes['fs.inode']])).toEqual([
      ['lookup', '/d/a', 99],
      ['lookup', '/d/none', undefined],
      ['getattr', '/d/a', undefined],
    ]);
    for (const x of ops) {
      expect(x.parentSpanContext?.spanId).toBe(volume.spanContext().spanId);
      expect(x.attributes['process.pid']).toBe(7);
    }
    // The reader's times, to the microsecond.
    expect(ops[0]!.startTime).toEqual([1000, 0]);
    expect(ops[0]!.endTime).toEqual([1000, 500_000]);
    // ENOENT on lookup: expected, no error status; EIO on getattr: an error.
    expect(ops[1]!.attributes['fs.errno']).toBe('ENOENT');
    expect(ops[1]!.status.code).toBe(0);
    expect(ops[2]!.attributes['fs.errno']).toBe('EIO');
    expect(ops[2]!.status.code).toBe(2);
  });
});
