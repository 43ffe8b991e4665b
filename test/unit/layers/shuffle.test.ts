import { describe, expect, it } from '@jest/globals';
import { createDecisionLog } from '../../../src/layers/stack/decision-log.js';
import { loadReplay } from '../../../src/layers/stack/decisions.js';
import { compactConfig, fixture, yamlConfig } from './build.js';
import { createFile, run } from './fs-helpers.js';
import type { Stack } from '../../../src/vfs/stack.js';

async function listing(stack: Stack): Promise<string[]> {
  const { fh } = await run(stack, 'opendir', { path: '/', flags: 0 });
  const entries = await run(stack, 'readdir', { path: '/', fh });
  await run(stack, 'releasedir', { path: '/', fh });
  return entries.map((e) => e.name);
}

describe('shuffle layer', () => {
  it('shuffles readdir order, keeps the set, and is reproducible by seed', async () => {
    const { backend } = fixture(compactConfig(''));
    const plain = fixture(compactConfig(''), {}, backend).stack;
    for (let i = 0; i < 20; i++) await createFile(plain, `/f${String(i).padStart(2, '0')}`);
    const base = await listing(plain);
    const a = fixture(compactConfig('shuffle'), {}, backend).stack;
    const b = fixture(compactConfig('shuffle'), {}, backend).stack;
    const first = await listing(a);
    expect(first).not.toEqual(base);
    expect([...first].sort()).toEqual([...base].sort());
    expect(await listing(a)).not.toEqual(first);
    expect(await listing(b)).toEqual(first);
  });

  it('jitters mtime and atime within the bound', async () => {
    const { backend } = fixture(compactConfig(''));
    const plain = fixture(compactConfig(''), {}, backend).stack;
    await createFile(plain, '/f');
    const real = await run(plain, 'getattr', { path: '/f' });
    const { stack } = fixture(
      yamlConfig('  - {type: shuffle, readdir: false, mtimeJitter: 2s, atimeJitter: 1ms}'),
      {},
      backend,
    );
    const seen = new Set<bigint>();
    for (let i = 0; i < 50; i++) {
      const attr = await run(stack, 'getattr', { path: '/f' });
      const dm = attr.mtimeNs - real.mtimeNs;
      const da = attr.atimeNs - real.atimeNs;
      expect(dm <= 2_000_000_000n && dm >= -2_000_000_000n).toBe(true);
      expect(da <= 1_000_000n && da >= -1_000_000n).toBe(true);
      expect(attr.size).toBe(real.size);
      seen.add(dm);
    }
    expect(seen.size).toBeGreaterThan(40);
  });
});

describe('shuffle replay', () => {
  it('a replayed log gives the same listing order under another seed', async () => {
    const { backend } = fixture(compactConfig(''));
    const plain = fixture(compactConfig(''), {}, backend).stack;
    for (let i = 0; i < 12; i++) await createFile(plain, `/f${i}`);
    const log = createDecisionLog();
    const recorded = fixture(compactConfig('shuffle'), { decisionLog: log }, backend).stack;
    const orders = [await listing(recorded), await listing(recorded)];
    const replay = loadReplay(
      log
        .entries()
        .map((e) => JSON.stringify(e))
        .join('\n'),
    );
    const other = fixture({ ...compactConfig('shuffle'), seed: 12345 }, { replay }, backend).stack;
    expect([await listing(other), await listing(other)]).toEqual(orders);
    const unreplayed = fixture({ ...compactConfig('shuffle'), seed: 12345 }, {}, backend).stack;
    expect(await listing(unreplayed)).not.toEqual(orders[0]);
  });
});
