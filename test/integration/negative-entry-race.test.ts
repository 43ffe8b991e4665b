import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { forceUnmount, startMount, tempDir } from '../helpers/mount.js';
import { shOk } from '../helpers/sh.js';

jest.setTimeout(120_000);

/**
 * A LOOKUP computes its backend path from the node table when it arrives; a RENAME of its parent
 * directory served while the LOOKUP waits for the backend (metadata calls on the threadpool:
 * `-o meta_io=pool`, what a network volume gets) makes the backend answer ENOENT for a name that
 * exists. Under -o exclusive such a miss must not become a negative entry the kernel keeps for
 * a day (src/fuse/session/name-changes.ts): before, hundreds of the 2,000 names below read as
 * missing while `listdir` listed them, and stayed so.
 */
const cleanup: (() => void)[] = [];
afterEach(() => {
  for (const f of cleanup.splice(0)) f();
});

const RACE = `python3 - "$M" <<'PY'
import os, sys, threading
m = sys.argv[1]
stop = False
def flip():
    while not stop:
        for a, b in (("D", "E"), ("E", "D")):
            try: os.rename(os.path.join(m, a), os.path.join(m, b))
            except OSError: pass
t = threading.Thread(target=flip); t.start()
for i in range(2000):
    for d in ("D", "E"):
        try: os.stat(os.path.join(m, d, "sub", "f%d" % i))
        except OSError: pass
stop = True; t.join()
top = "D" if os.path.isdir(os.path.join(m, "D")) else "E"
sub = os.path.join(m, top, "sub")
names = os.listdir(sub)
hidden = [n for n in names if not os.path.exists(os.path.join(sub, n))]
print(len(names), len(hidden))
PY`;

describe('negative entries and renames through the mount', () => {
  it('a LOOKUP that overlapped a rename of its parent keeps no negative entry', async () => {
    const src = tempDir('neg-race-src');
    mkdirSync(join(src, 'D', 'sub'), { recursive: true });
    for (let i = 0; i < 2000; i++) writeFileSync(join(src, 'D', 'sub', `f${i}`), '');
    const m = await startMount({ source: src, args: ['-o', 'exclusive,meta_io=pool'] });
    cleanup.push(() => {
      forceUnmount(m.mountpoint);
      rmSync(src, { recursive: true, force: true });
    });
    const out = await shOk(RACE, { env: { M: m.mountpoint }, timeoutMs: 90_000 });
    const [listed, hidden] = out.trim().split(' ').map(Number);
    expect(listed).toBe(2000);
    expect(hidden).toBe(0);
  });
});
