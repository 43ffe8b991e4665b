import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { pino } from 'pino';
import { recordLayerFactory } from '../../../src/layers/record/record-factory.js';
import { createRecordLayer } from '../../../src/layers/record/record-layer.js';
import { createFakeClock } from '../../../src/vfs/fake-clock.js';
import { FsError } from '../../../src/vfs/errors.js';
import { createStack } from '../../../src/vfs/stack.js';
import type { Layer } from '../../../src/vfs/types.js';
import { createTinyBackend, opCall } from '../telemetry/fixtures.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'record-'));
const lines = (path: string) =>
  readFileSync(path, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe('record layer', () => {
  it('writes a header and one compact line per op with offset, bytes, duration, result and pid', async () => {
    const path = join(tmp(), 'run.jsonl');
    const clock = createFakeClock(1_700_000_000_000);
    const slow: Layer = {
      name: 'slow',
      around: async (_c, next) => {
        clock.tick(1.5);
        return next();
      },
    };
    const layer = createRecordLayer({ path, volume: 'data', clock, flushIntervalMs: 0 });
    const backend = createTinyBackend();
    backend.files.set('/f', Buffer.from('0123456789'));
    const stack = createStack([layer, slow], backend);
    await stack.run(
      opCall('read', { path: '/f', fh: 1, buffer: Buffer.alloc(4), offset: 8, flags: 0 }),
    );
    await expect(stack.run(opCall('rmdir', { path: '/gone' }))).rejects.toMatchObject({
      code: 'ENOENT',
    });
    await stack.run(opCall('forget', { path: '/f' })).catch(() => undefined);
    await stack.close();
    const [header, read, rmdir, ...rest] = lines(path);
    expect(header).toEqual({
      kind: 'fs-interposer-record',
      v: 1,
      volume: 'data',
      started: 1_700_000_000_000,
      part: 0,
    });
    expect(read).toEqual({
      t: 1_700_000_000_000,
      op: 'read',
      path: '/f',
      off: 8,
      len: 4,
      bytes: 2,
      us: 1500,
      res: 'ok',
      pid: 4242,
      uid: 1000,
    });
    expect(rmdir).toMatchObject({ op: 'rmdir', path: '/gone', res: 'ENOENT', us: 1500 });
    expect(rmdir).not.toHaveProperty('inj');
    expect(rest).toEqual([]); // forget is not recorded by default
  });

  it('marks errors that a disturbing layer injected, with the injecting layer', async () => {
    const path = join(tmp(), 'run.jsonl');
    const fault: Layer = {
      name: 'fault.2',
      around: (c) =>
        Promise.reject(
          c.path === '/'
            ? new FsError('EIO', undefined, { injectedBy: 'fault.2' })
            : new FsError('EIO', 'injected EIO'),
        ),
    };
    const stack = createStack(
      [createRecordLayer({ path, volume: 'v', flushIntervalMs: 0 }), fault],
      createTinyBackend(),
    );
    for (const p of ['/', '/real'])
      await expect(stack.run(opCall('getattr', { path: p }))).rejects.toMatchObject({
        code: 'EIO',
      });
    await stack.close();
    const [, injected, real] = lines(path);
    expect(injected).toMatchObject({ path: '/', res: 'EIO', inj: true, by: 'fault.2' });
    // A message that merely says "injected" is a real error: only the typed marker counts.
    expect(real).toMatchObject({ path: '/real', res: 'EIO' });
    expect(real).not.toHaveProperty('inj');
    expect(real).not.toHaveProperty('by');
  });

  it('rotates by size on line boundaries and keeps maxFiles old files', async () => {
    const dir = tmp();
    const path = join(dir, 'run.jsonl');
    const layer = createRecordLayer({
      path,
      volume: 'v',
      maxBytes: 2_000,
      maxFiles: 2,
      bufferBytes: 1,
      flushIntervalMs: 0,
    });
    const stack = createStack([layer], createTinyBackend());
    for (let i = 0; i < 100; i++)
      await stack.run(opCall('getattr', { path: `/file-${i}` })).catch(() => undefined);
    await stack.close();
    const files = [path, `${path}.1`, `${path}.2`];
    for (const f of files) {
      expect(statSync(f).size).toBeLessThanOrEqual(2_000);
      const [head, ...ops] = lines(f);
      expect(head).toMatchObject({ kind: 'fs-interposer-record' });
      expect(ops.length).toBeGreaterThan(0);
    }
    expect(existsSync(`${path}.3`)).toBe(false);
    // The newest ops are in the live file, the ones before in .1: nothing out of order.
    const lastOf = (f: string) => lines(f).at(-1)?.path as string;
    const n = (p: string) => Number(p.split('-')[1]);
    expect(n(lastOf(path))).toBe(99);
    expect(n(lastOf(`${path}.1`))).toBeLessThan(n(lines(path)[1]?.path as string));
    expect(lines(path)[0]?.part).toBeGreaterThan(lines(`${path}.1`)[0]?.part as number);
  });

  it('never fails an op or the server when the log cannot be written (its directory is gone)', async () => {
    const logs: string[] = [];
    const logger = pino({ level: 'error' }, { write: (l: string) => logs.push(l) });
    const dir = tmp();
    const layer = createRecordLayer({
      path: join(dir, 'run.jsonl'),
      volume: 'v',
      bufferBytes: 1,
      maxBytes: 1, // every flush rotates, and rotating fails once the directory is gone
      flushIntervalMs: 0,
      logger,
    });
    rmSync(dir, { recursive: true });
    const stack = createStack([layer], createTinyBackend());
    for (let i = 0; i < 4; i++)
      await expect(stack.run(opCall('getattr', { path: '/' }))).resolves.toMatchObject({ size: 0 });
    await expect(stack.close()).resolves.toBeUndefined();
    expect(logs).toHaveLength(1); // once per burst, not once per line
    expect(JSON.parse(logs[0]!)).toMatchObject({
      msg: 'recording operations failed; lines are lost',
      err: { code: 'ENOENT' },
    });
  });

  it('factory requires a path (the schema checks the other options: test/unit/config)', () => {
    expect(() => recordLayerFactory({}, {})).toThrow(/record.path/);
    expect(() => recordLayerFactory({ path: '' }, {})).toThrow(/record.path/);
  });
});
