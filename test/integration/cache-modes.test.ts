import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, scrape, total } from '../helpers/prometheus.js';
import { startMount, tempDir } from '../helpers/mount.js';
import type { MountHandle } from '../helpers/mount.js';
import { shOk } from '../helpers/sh.js';

jest.setTimeout(120_000);

/** The writeback cache changes who does appends and reads (the kernel): data must stay exact. */
describe('-o writeback_cache', () => {
  let m: MountHandle;
  let src: string;
  beforeAll(async () => {
    src = tempDir('wb');
    m = await startMount({ source: src, args: ['-o', 'writeback_cache'] });
  });
  afterAll(async () => {
    expect(await m?.stop()).toBe(0);
    rmSync(src, { recursive: true, force: true });
  });

  it('appends through write-only and O_APPEND handles without corrupting the file', async () => {
    const out = await shOk(
      `cd "${m.mountpoint}" && printf abc > f && echo d >> f
       python3 -c 'import os; fd = os.open("f", os.O_RDWR | os.O_APPEND); os.write(fd, b"e"); os.close(fd)'
       sync; od -An -c "${src}/f" | tr -d ' \\n'`,
    );
    expect(out).toBe('abcd\\ne');
  });

  it('keeps an sqlite database and a git repository intact', async () => {
    const out = await shOk(
      `set -e; cd "${m.mountpoint}"
       sqlite3 db 'CREATE TABLE t(v); WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c WHERE x < 5000) INSERT INTO t SELECT hex(randomblob(32)) FROM c;'
       sqlite3 db 'PRAGMA integrity_check; SELECT count(*) FROM t;'
       mkdir r && cd r && git init -q . && git config user.email t@e && git config user.name t
       for i in $(seq 1 30); do echo $i >> log; git add log; git commit -qm "c$i"; done
       git fsck --strict 2>&1 | wc -l; git log --oneline | wc -l`,
      { timeoutMs: 100_000 },
    );
    expect(out.trim().split('\n')).toEqual(['ok', '5000', '0', '30']);
  });
});

/**
 * `-o exclusive`: nothing else writes the source, so pages stay cached across opens and names
 * and attributes for a day. A re-read must not reach the server; data through the mount must
 * stay exact; a layer that needs to see reads turns the page keeping off.
 */
describe('-o exclusive', () => {
  const opsOf = async (port: number, op: string): Promise<number> =>
    total(await scrape(port), 'fs_interposer_ops_total', { op, result: 'ok' });

  /** READs of a second `cat` and READDIRs of a second `ls` of the same file and directory. */
  async function secondPassCost(opts: string[]): Promise<{ first: number; second: number; relist: number }> {
    const src = tempDir('excl');
    writeFileSync(join(src, 'f'), Buffer.alloc(1 << 20, 1));
    const port = await freePort();
    const m = await startMount({
      source: src,
      args: [...opts, '--layers', 'metrics', '--metrics-port', String(port)],
    });
    try {
      const before = await opsOf(port, 'read');
      await shOk(`cat "${m.mountpoint}/f" > /dev/null`);
      const first = (await opsOf(port, 'read')) - before;
      await shOk(`cat "${m.mountpoint}/f" > /dev/null`);
      const second = (await opsOf(port, 'read')) - before - first;
      await shOk(`ls "${m.mountpoint}" > /dev/null`);
      const listed = await opsOf(port, 'readdir');
      await shOk(`ls "${m.mountpoint}" > /dev/null`);
      return { first, second, relist: (await opsOf(port, 'readdir')) - listed };
    } finally {
      expect(await m.stop()).toBe(0);
      rmSync(src, { recursive: true, force: true });
    }
  }

  it('serves a re-read and a re-listing from the kernel caches; the default policy asks again', async () => {
    const exclusive = await secondPassCost(['-o', 'exclusive']);
    expect(exclusive.first).toBeGreaterThan(0);
    expect(exclusive.second).toBe(0);
    expect(exclusive.relist).toBe(0);
    const safe = await secondPassCost([]);
    expect(safe.second).toBeGreaterThan(0);
    expect(safe.relist).toBeGreaterThan(0);
  });

  it('keeps an sqlite database, a git repository and a hard-linked file exact', async () => {
    const src = tempDir('excl-apps');
    const m = await startMount({ source: src, args: ['-o', 'exclusive'] });
    try {
      const out = await shOk(
        `set -e; cd "${m.mountpoint}"
         sqlite3 db 'CREATE TABLE t(v); WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c WHERE x < 5000) INSERT INTO t SELECT hex(randomblob(32)) FROM c;'
         sqlite3 db 'PRAGMA integrity_check; SELECT count(*) FROM t;'
         mkdir r && cd r && git init -q . && git config user.email t@e && git config user.name t
         for i in $(seq 1 30); do echo $i >> log; git add log; git commit -qm "c$i"; done
         git fsck --strict 2>&1 | wc -l; git log --oneline | wc -l
         echo one > a; ln a b; chmod 600 a; echo two >> b; stat -c %a b; cat a | wc -l
         mkdir d; touch d/x; ls d | tr '\\n' ' '; touch d/y; ls d | tr '\\n' ' '
         mv d/x d/z; rm d/y; ls d | tr '\\n' ' '; echo`,
        { timeoutMs: 100_000 },
      );
      // Listings kept by the kernel (FOPEN_CACHE_DIR) follow every change made through the mount.
      expect(out.trim().split('\n')).toEqual(['ok', '5000', '0', '30', '600', '2', 'x x y z']);
    } finally {
      expect(await m.stop()).toBe(0);
      rmSync(src, { recursive: true, force: true });
    }
  });
});
