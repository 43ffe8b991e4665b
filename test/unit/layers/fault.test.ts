import { describe, expect, it } from '@jest/globals';
import { compactConfig, fixture, yamlConfig } from './build.js';
import { O_RDWR, createFile, readAt, run, writeAt, writeFile } from './fs-helpers.js';
import type { Stack } from '../../../src/vfs/stack.js';

async function outcomes(stack: Stack, path: string, fh: number, count: number): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    try {
      await writeAt(stack, path, fh, 'x', i);
      out.push('ok');
    } catch (err) {
      out.push((err as { code: string }).code);
    }
  }
  return out;
}

describe('fault layer', () => {
  it('fault=EIO@1% fails about 1% of writes, only with EIO', async () => {
    const { stack } = fixture(compactConfig('fault=EIO@1%'));
    const fh = await createFile(stack, '/f');
    const res = await outcomes(stack, '/f', fh, 5000);
    const failed = res.filter((r) => r !== 'ok');
    expect(new Set(failed)).toEqual(new Set(['EIO']));
    expect(failed.length).toBeGreaterThan(25);
    expect(failed.length).toBeLessThan(80);
  });

  it('never injects an errno into an op where it is unrealistic (ENOSPC on read)', async () => {
    const { stack } = fixture(compactConfig('fault=ENOSPC@100%'));
    await expect(createFile(stack, '/f')).rejects.toMatchObject({ code: 'ENOSPC' });
    const { stack: s2, backend } = fixture(compactConfig('fault=ENOSPC@100%'));
    const { stack: plain } = fixture(compactConfig(''), {}, backend);
    const fh = await createFile(plain, '/g');
    await writeAt(plain, '/g', fh, 'hello');
    await expect(readAt(s2, '/g', fh, 5)).resolves.toEqual(Buffer.from('hello'));
    await expect(writeAt(s2, '/g', fh, 'x')).rejects.toMatchObject({ code: 'ENOSPC' });
  });

  it('marks each injected error with the instance name of the layer that injected it', async () => {
    const { stack } = fixture(
      yamlConfig(
        [
          "  - {type: fault, rate: 100, perOp: {write: {EIO: 1}}, scope: {paths: ['/a'], ops: [write]}}",
          "  - {type: fault, rate: 100, perOp: {write: {EIO: 1}}, scope: {paths: ['/b'], ops: [write]}}",
        ].join('\n'),
      ),
    );
    expect(stack.configured).toEqual(['fault', 'fault.2']);
    const fa = await createFile(stack, '/a');
    const fb = await createFile(stack, '/b');
    await expect(writeAt(stack, '/a', fa, 'x')).rejects.toMatchObject({
      code: 'EIO',
      injectedBy: 'fault',
    });
    await expect(writeAt(stack, '/b', fb, 'x')).rejects.toMatchObject({
      code: 'EIO',
      injectedBy: 'fault.2',
    });
  });

  it('uses per-op weights', async () => {
    const { stack, backend } = fixture(
      yamlConfig('  - {type: fault, rate: 100, perOp: {write: {EIO: 1, EDQUOT: 3}}}'),
    );
    const fh = await createFile(fixture(compactConfig(''), {}, backend).stack, '/f');
    const res = await outcomes(stack, '/f', fh, 4000);
    const dq = res.filter((r) => r === 'EDQUOT').length;
    expect(res.filter((r) => r === 'ok')).toHaveLength(0);
    expect(dq / 4000).toBeGreaterThan(0.72);
    expect(dq / 4000).toBeLessThan(0.78);
  });

  it.each([
    ['nth: 3', ['ok', 'ok', 'EIO', 'ok', 'ok', 'EIO', 'ok', 'ok', 'EIO']],
    ['nth: 2, after: 4', ['ok', 'ok', 'ok', 'ok', 'ok', 'EIO', 'ok', 'EIO', 'ok']],
    ['nth: 2, oneShot: true', ['ok', 'EIO', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok']],
    ['rate: 100, after: 7', ['ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'EIO', 'EIO']],
  ])('trigger %s', async (opts, expected) => {
    const cfg = yamlConfig(`  - {type: fault, errnos: [EIO], scope: {ops: [write]}, ${opts}}`);
    const { stack } = fixture(cfg);
    const fh = await createFile(stack, '/f');
    expect(await outcomes(stack, '/f', fh, 9)).toEqual(expected);
  });

  it('window: faults only in the down phase of the up/down cycle', async () => {
    const { stack, clock } = fixture(
      yamlConfig(
        '  - {type: fault, errnos: [EIO], scope: {ops: [write]}, window: {up: 1s, down: 500ms}}',
      ),
    );
    const fh = await createFile(stack, '/f');
    const at: string[] = [];
    for (let t = 0; t < 3000; t += 250) {
      at.push((await outcomes(stack, '/f', fh, 1))[0]!);
      await clock.advance(250);
    }
    // up 0-1000 ok, down 1000-1500 fail, up 1500-2500, down 2500-3000
    expect(at).toEqual([
      'ok',
      'ok',
      'ok',
      'ok',
      'EIO',
      'EIO',
      'ok',
      'ok',
      'ok',
      'ok',
      'EIO',
      'EIO',
    ]);
  });

  it('scope: only matching paths and callers', async () => {
    const { stack } = fixture(
      yamlConfig(
        '  - {type: fault, rate: 100, errnos: [EIO], scope: {paths: ["/db/**"], uids: [1234]}}',
      ),
    );
    await run(stack, 'mkdir', { path: '/db', mode: 0o777, umask: 0 });
    const fh = await createFile(stack, '/db/f');
    await expect(writeAt(stack, '/db/f', fh, 'a')).resolves.toBe(1);
    const other = { pid: 1, uid: 1234, gid: 1234 };
    await expect(
      run(
        stack,
        'write',
        { path: '/db/f', fh, buffer: Buffer.from('b'), offset: 0, flags: O_RDWR },
        { caller: other },
      ),
    ).rejects.toMatchObject({ code: 'EIO' });
  });

  it('short writes and reads transfer a strict prefix', async () => {
    const { stack, backend } = fixture(yamlConfig('  - {type: fault, shortIo: {rate: 100}}'));
    const plain = fixture(compactConfig(''), {}, backend).stack;
    const fh = await createFile(stack, '/f');
    const n = await writeAt(stack, '/f', fh, 'abcdefghij');
    expect(n).toBeGreaterThanOrEqual(1);
    expect(n).toBeLessThan(10);
    await expect(readAt(plain, '/f', fh, 10)).resolves.toEqual(
      Buffer.from('abcdefghij'.slice(0, n)),
    );
    await writeAt(plain, '/f', fh, 'abcdefghij');
    const got = await readAt(stack, '/f', fh, 10);
    expect(got.length).toBeGreaterThanOrEqual(1);
    expect(got.length).toBeLessThan(10);
    expect(got.toString()).toBe('abcdefghij'.slice(0, got.length));
  });

  it('dropped writes report success and leave the file unchanged', async () => {
    const { stack, backend } = fixture(yamlConfig('  - {type: fault, dropWrites: {rate: 100}}'));
    const plain = fixture(compactConfig(''), {}, backend).stack;
    await writeFile(plain, '/f', 'original');
    const { fh } = await run(stack, 'open', { path: '/f', flags: O_RDWR });
    await expect(writeAt(stack, '/f', fh, 'CHANGED!')).resolves.toBe(8);
    await expect(readAt(plain, '/f', fh, 100)).resolves.toEqual(Buffer.from('original'));
  });

  it('corrupts a bounded run of bytes, at most maxCount times', async () => {
    const { stack, backend } = fixture(
      yamlConfig(
        '  - {type: fault, corrupt: {rate: 100, fill: zero, maxBytes: 4, maxCount: 2}, scope: {ops: [read]}}',
      ),
    );
    const plain = fixture(compactConfig(''), {}, backend).stack;
    const data = 'x'.repeat(64);
    await writeFile(plain, '/f', data);
    const { fh } = await run(stack, 'open', { path: '/f', flags: O_RDWR });
    for (let i = 0; i < 2; i++) {
      const got = await readAt(stack, '/f', fh, 64);
      const zeros = [...got].filter((b) => b === 0).length;
      expect(zeros).toBeGreaterThanOrEqual(1);
      expect(zeros).toBeLessThanOrEqual(4);
    }
    await expect(readAt(stack, '/f', fh, 64)).resolves.toEqual(Buffer.from(data));
    await expect(readAt(plain, '/f', fh, 64)).resolves.toEqual(Buffer.from(data));
  });

  it('is a bare pass-through when inactive, and does not need data', () => {
    const { stack } = fixture(yamlConfig('  - {type: fault, rate: 0, errnos: [EIO]}'));
    expect(stack.needsData).toBe(false);
    const { stack: active } = fixture(compactConfig('fault=EIO@1%'));
    expect(active.needsData).toBe(true);
  });

  it('the same seed gives the same failures', async () => {
    const runOnce = async (): Promise<string[]> => {
      const { stack } = fixture(compactConfig('fault=EIO@10%'));
      const fh = await createFile(stack, '/f');
      return outcomes(stack, '/f', fh, 200);
    };
    expect(await runOnce()).toEqual(await runOnce());
  });
});
