import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { CLI, forceUnmount, startMount, tempDir } from '../helpers/mount.js';
import { sh, shOk } from '../helpers/sh.js';

jest.setTimeout(180_000);

const cleanup: (() => void)[] = [];
afterEach(() => {
  for (const f of cleanup.splice(0)) f();
});

interface Status {
  layers: string[];
  inFlight: number;
}

/**
 * A live swap closes the previous stack only after its requests have settled (ADR 0076): FUSE
 * requests are counted in flight through the stack holder, so a record layer's file is never
 * closed under a request that is about to write to it (its fd number could by then belong to a
 * data file).
 */
describe('live reconfiguration under load', () => {
  it('drains the old stack before closing it: fio verify passes, every record line is whole, inFlight is counted', async () => {
    const src = tempDir('drain-src');
    const rec = tempDir('drain-rec');
    const m = await startMount({ source: src, args: ['--layers', `record=${rec}/r0.jsonl`] });
    cleanup.push(() => {
      forceUnmount(m.mountpoint);
      rmSync(src, { recursive: true, force: true });
      rmSync(rec, { recursive: true, force: true });
    });
    const ctl = async (...words: string[]): Promise<Status> =>
      JSON.parse(
        await shOk(`node "${CLI}" ctl "${m.mountpoint}" ${words.map((w) => `'${w}'`).join(' ')}`, {
          timeoutMs: 30_000,
        }),
      ) as Status;

    const fio = sh(
      `fio --name=drain --directory="${m.mountpoint}" --size=16m --bs=4k --rw=randwrite --ioengine=psync \
         --numjobs=2 --verify=crc32c --verify_fatal=1 --verify_state_save=0 --do_verify=1 --loops=3 \
         --group_reporting --output-format=terse`,
      { timeoutMs: 170_000 },
    );
    let done = false;
    void fio.finally(() => (done = true));
    let swaps = 0;
    let maxInFlight = 0;
    while (!done && swaps < 40) {
      swaps++;
      const next = swaps % 3 === 0 ? 'metrics' : `record=${rec}/r${swaps}.jsonl`;
      const status = await ctl('set-layers', next);
      maxInFlight = Math.max(maxInFlight, status.inFlight, (await ctl('status')).inFlight);
    }
    const r = await fio;
    expect({ code: r.code, err: r.stderr.slice(-2000) }).toEqual({ code: 0, err: '' });
    expect(swaps).toBeGreaterThan(3);
    expect(maxInFlight).toBeGreaterThan(0);

    // Every record file holds whole JSON lines only, and no record text reached a data file.
    const files = readdirSync(rec).filter((f) => f.endsWith('.jsonl'));
    expect(files.length).toBeGreaterThan(1);
    for (const f of files) {
      const lines = readFileSync(join(rec, f), 'utf8').split('\n').filter((l) => l !== '');
      for (const line of lines) expect(() => JSON.parse(line) as unknown).not.toThrow();
    }
    const leaked = await sh(`grep -rl '"op":' "${src}"`, { timeoutMs: 60_000 });
    expect(leaked.stdout).toBe('');
  });
});
