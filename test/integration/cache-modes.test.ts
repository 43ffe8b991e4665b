import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { rmSync } from 'node:fs';
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
