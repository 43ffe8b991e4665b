import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { CLI, REPO, forceUnmount, startMount, tempDir } from '../helpers/mount.js';
import { sh, shOk } from '../helpers/sh.js';

jest.setTimeout(120_000);

const cleanup: (() => void)[] = [];
afterEach(() => {
  for (const f of cleanup.splice(0)) f();
});

/**
 * An app whose processes are signalled all the time (a database's latches) over a mount with
 * two reader threads: an INTERRUPT read on one queue may reach the main thread before, or while,
 * its request is served. A request that fails on its own (a missing name) or succeeds keeps its
 * answer: an EINTR there fails the app's open, stat or rename, which the kernel does not restart.
 */
describe('a signalled app', () => {
  it('sees exactly the answers an unsignalled one does, with two readers running', async () => {
    const src = tempDir('signalled-src');
    writeFileSync(join(src, 'warm'), Buffer.alloc(8 << 20, 1));
    const m = await startMount({ source: src });
    cleanup.push(() => {
      forceUnmount(m.mountpoint);
      rmSync(src, { recursive: true, force: true });
    });
    // Parallel reads start the second reader (an idle mount runs one: reader-growth.ts).
    await shOk(
      `for i in 1 2 3 4; do dd if="${m.mountpoint}/warm" of=/dev/null bs=4k iflag=direct status=none & done; wait`,
      { timeoutMs: 60_000 },
    );
    const r = await sh(`python3 "${join(REPO, 'test/helpers/signalled-db.py')}" "${m.mountpoint}" 4 6`, {
      timeoutMs: 90_000,
    });
    const status = JSON.parse(await shOk(`node "${CLI}" ctl "${m.mountpoint}" status`)) as {
      engine: { readers: { running: number } };
    };
    expect(status.engine.readers.running).toBe(2);
    expect(r.stdout.split('\n').filter((l) => l !== '' && !l.startsWith('workers with errors'))).toEqual([]);
    expect(r.stdout).toContain('workers with errors: 0');
    expect(r.code).toBe(0);
  });
});
