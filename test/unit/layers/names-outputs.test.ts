import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isUtf8 } from 'node:buffer';
import { createMemoryBackend } from '../../../src/backends/memory/memory-backend.js';
import { createFakeClock } from '../../../src/vfs/fake-clock.js';
import { createDecisionLog } from '../../../src/layers/stack/decision-log.js';
import { createDecisions, loadReplay } from '../../../src/layers/stack/decisions.js';
import { pathFields, recordedPath } from '../../../src/layers/record/record-format.js';
import type { RecordLine } from '../../../src/layers/record/record-format.js';
import { createRecordLayer } from '../../../src/layers/record/record-layer.js';
import { createScope } from '../../../src/layers/stack/scope.js';
import { ATTR, startAttributes } from '../../../src/layers/trace/trace-attributes.js';
import { loadRun } from '../../../src/report/load-run.js';
import { renderReport } from '../../../src/report/render-report.js';
import { decodeName } from '../../../src/vfs/names.js';
import { createStack } from '../../../src/vfs/stack.js';
import { compactConfig, fixture } from './build.js';
import { createFile, mkCall, run, writeAt } from './fs-helpers.js';

/** Volume paths for raw bytes, as the FUSE engine hands them to the layers (ADR 0075). */
const p = (...bytes: number[]): string => `/${decodeName(Buffer.from(bytes))}`;
const Y80 = p(0x79, 0x80);
const Y81 = p(0x79, 0x81);
const tmp = (): string => mkdtempSync(join(tmpdir(), 'fsi-names-out-'));

/** Every line of a text file, checking first that it is valid UTF-8 without U+FFFD. */
function textLines(path: string): string[] {
  const raw = readFileSync(path);
  expect(isUtf8(raw)).toBe(true);
  expect(raw.toString('utf8')).not.toContain('\uFFFD');
  return raw.toString('utf8').trim().split('\n');
}

describe('outputs of names that are not UTF-8 (ADR 0075)', () => {
  it('the record shows \\xNN and keeps the exact bytes in pathBytes/toBytes', async () => {
    const file = join(tmp(), 'run.jsonl');
    const clock = createFakeClock(1_700_000_000_000);
    const layer = createRecordLayer({ path: file, volume: 'v', clock, flushIntervalMs: 0 });
    const stack = createStack([layer], createMemoryBackend());
    for (const path of [Y80, Y81, '/plain']) {
      const { fh } = await stack.run(mkCall('create', { path, flags: 2, mode: 0o644, umask: 0 }));
      await stack.run(
        mkCall('write', { path, fh, buffer: Buffer.from(path), offset: 0, flags: 2 }),
      );
    }
    await stack.run(mkCall('rename', { path: Y80, newPath: p(0x7a, 0xff), flags: 0 }));
    await stack.close();
    const lines = textLines(file)
      .slice(1)
      .map((l) => JSON.parse(l) as RecordLine);
    const create80 = lines.find((l) => l.op === 'create' && l.path === '/y\\x80')!;
    expect(create80.pathBytes).toBe(Buffer.from([0x2f, 0x79, 0x80]).toString('base64'));
    expect(recordedPath(create80.path, create80.pathBytes)).toBe(Y80);
    const rename = lines.find((l) => l.op === 'rename')!;
    expect([rename.path, rename.to]).toEqual(['/y\\x80', '/z\\xff']);
    expect(recordedPath(rename.to!, rename.toBytes)).toBe(p(0x7a, 0xff));
    const plain = lines.find((l) => l.path === '/plain')!;
    expect(plain).not.toHaveProperty('pathBytes');
  });

  it('the report keeps y\\x80 and y\\x81 apart and shows them as \\xNN', async () => {
    const dir = tmp();
    const run1 = join(dir, 'run.jsonl');
    const line = (path: string, bytes: number): string => {
      const f = pathFields(path);
      const r = { t: 1, op: 'write', path: f.text, pathBytes: f.bytes, bytes, us: 5, res: 'ok' };
      return JSON.stringify({ ...r, off: 0, len: bytes, pid: 1, uid: 0 });
    };
    writeFileSync(run1, `${line(Y80, 100)}\n${line(Y81, 200)}\n`);
    const a = await loadRun([run1]);
    expect([...a.files.keys()].sort()).toEqual([Y80, Y81]);
    expect(a.files.get(Y81)!.written).toBe(200);
    await renderReport(run1, join(dir, 'report.html'));
    const html = textLines(join(dir, 'report.html')).join('\n');
    expect(html).toContain('/y\\x80');
    expect(html).toContain('/y\\x81');
  });

  it('span attributes show paths as \\xNN (OTLP strings are UTF-8)', () => {
    const call = mkCall('rename', { path: Y80, newPath: p(0xc0, 0xaf), flags: 0 });
    const a = startAttributes(call);
    expect(a[ATTR.path]).toBe('/y\\x80');
    expect(a[ATTR.newPath]).toBe('/\\xc0\\xaf');
  });

  it('scope globs match an invalid byte through * and ?, never by name', () => {
    const call = (path: string) => mkCall('getattr', { path });
    const gz = createScope({ paths: ['/logs/*.gz'] });
    expect(gz.matches(call(`/logs/${decodeName(Buffer.from([0x61, 0xff]))}.gz`))).toBe(true);
    const one = createScope({ paths: ['/y?'] });
    expect(one.matches(call(Y80))).toBe(true);
    expect(one.matches(call(p(0x79, 0xc3, 0xa9)))).toBe(true); // "yé": one character too
    expect(createScope({ excludePaths: ['/y*'] }).matches(call(Y81))).toBe(false);
  });

  it('the decision log is valid UTF-8 and a replay finds the same byte names', () => {
    const file = join(tmp(), 'decisions.jsonl');
    const log = createDecisionLog({ path: file });
    const d = createDecisions({ clock: createFakeClock(), log }).forLayer('fault');
    d.decide(
      mkCall('write', { path: Y80, fh: 1, buffer: Buffer.alloc(1), offset: 0, flags: 1 }),
      'errno',
      () => 'EIO',
    );
    d.decide(
      mkCall('write', { path: Y81, fh: 1, buffer: Buffer.alloc(1), offset: 0, flags: 1 }),
      'errno',
      () => 'ENOSPC',
    );
    textLines(file);
    const replay = createDecisions({
      clock: createFakeClock(),
      replay: loadReplay(readFileSync(file, 'utf8')),
    }).forLayer('fault');
    const again = (path: string) =>
      replay.decide(
        mkCall('write', { path, fh: 1, buffer: Buffer.alloc(1), offset: 0, flags: 1 }),
        'errno',
        () => 'never',
      );
    expect([again(Y81), again(Y80), again(p(0x79, 0x82))]).toEqual(['ENOSPC', 'EIO', undefined]);
  });

  it('powerloss keeps byte names apart and reports them as \\xNN', async () => {
    const { stack } = fixture(compactConfig('powerloss'));
    for (const path of [Y80, Y81])
      await writeAt(stack, path, await createFile(stack, path), 'unsynced');
    expect(
      stack.powerloss[0]!.unsynced()
        .map((u) => u.path)
        .sort(),
    ).toEqual(['/y\\x80', '/y\\x81']);
    const report = await stack.powerloss[0]!.drop();
    expect(report.files.map((f) => f.path).sort()).toEqual(['/y\\x80', '/y\\x81']);
    expect((await run(stack, 'getattr', { path: Y80 })).size).toBe(0);
    expect((await run(stack, 'getattr', { path: Y81 })).size).toBe(0);
  });
});
