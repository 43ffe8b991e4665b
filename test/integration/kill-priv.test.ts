import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { chmodSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, scrape, total } from '../helpers/prometheus.js';
import { startMount, tempDir } from '../helpers/mount.js';
import type { MountHandle } from '../helpers/mount.js';
import { shOk } from '../helpers/sh.js';

jest.setTimeout(120_000);

/** A caller without CAP_FSETID (and not the files' owner: they belong to root). */
const AS_NOBODY = 'setpriv --reuid 65534 --regid 65534 --clear-groups --';

/**
 * HANDLE_KILLPRIV_V2: the kernel no longer asks GETXATTR(security.capability) before each write
 * and the server clears setuid/setgid itself, with the VFS's rule (a caller without CAP_FSETID;
 * setgid only with group execute). Checked on the reader-thread path (bare engine) and on the
 * main-thread path (`-o no_reader_io`), counting requests with the metrics layer.
 */
describe.each([
  ['reader threads', [] as string[]],
  ['main thread', ['-o', 'no_reader_io']],
])('setuid/setgid through a mount (%s)', (_name, opts) => {
  let m: MountHandle;
  let root: string;
  let src: string;
  let port: number;
  beforeAll(async () => {
    root = tempDir('killpriv');
    chmodSync(root, 0o755);
    src = join(root, 'src');
    mkdirSync(src, { mode: 0o755 });
    chmodSync(src, 0o755);
    mkdirSync(join(root, 'mnt'));
    port = await freePort();
    m = await startMount({
      source: src,
      mountpoint: join(root, 'mnt'),
      args: [...opts, '--layers', 'metrics', '--metrics-port', String(port)],
    });
  });
  afterAll(async () => {
    expect(await m?.stop()).toBe(0);
    rmSync(root, { recursive: true, force: true });
  });

  /** A root-owned file in the source with `mode`; returns its path in the mount. */
  const file = (name: string, mode: number): string => {
    writeFileSync(join(src, name), 'x'.repeat(8192));
    chmodSync(join(src, name), mode);
    return join(m.mountpoint, name);
  };
  const modeOf = (name: string): string => (statSync(join(src, name)).mode & 0o7777).toString(8);
  const getxattrs = async (): Promise<number> =>
    total(await scrape(port), 'fs_interposer_ops_total', { op: 'getxattr' });

  it('a write by a non-owner clears setuid, and setgid when group-executable', async () => {
    const suid = file('suid', 0o4777);
    const both = file('both', 0o6777);
    const lock = file('sgid-no-gx', 0o2767);
    for (const f of [suid, both, lock]) {
      await shOk(`${AS_NOBODY} dd if=/dev/zero of="${f}" bs=4k count=1 conv=notrunc status=none`);
    }
    expect([modeOf('suid'), modeOf('both'), modeOf('sgid-no-gx')]).toEqual(['777', '777', '2767']);
  });

  it('a write by root (CAP_FSETID) keeps the bits', async () => {
    const f = file('root-suid', 0o6777);
    await shOk(`dd if=/dev/zero of="${f}" bs=4k count=1 conv=notrunc status=none`);
    expect(modeOf('root-suid')).toBe('6777');
  });

  it('truncate and an O_TRUNC open by a non-owner clear setuid', async () => {
    const t = file('trunc', 0o4777);
    const o = file('otrunc', 0o4777);
    await shOk(`${AS_NOBODY} truncate -s 10 "${t}"; ${AS_NOBODY} sh -c ': > "${o}"'`);
    expect([modeOf('trunc'), modeOf('otrunc')]).toEqual(['777', '777']);
    expect(statSync(join(src, 'otrunc')).size).toBe(0);
  });

  it('N writes cost no GETXATTR(security.capability), as root or not', async () => {
    const f = file('plain', 0o666);
    const before = await getxattrs();
    await shOk(`dd if=/dev/zero of="${f}" bs=4k count=200 conv=notrunc status=none`);
    const asRoot = (await getxattrs()) - before;
    await shOk(`${AS_NOBODY} dd if=/dev/zero of="${f}" bs=4k count=200 conv=notrunc status=none`);
    const asNobody = (await getxattrs()) - before - asRoot;
    // Before: one per write(2), 200 each. Now the kernel checks an inode once and then marks it
    // S_NOSEC; the non-owner's path walk may also fetch the ACLs of the mount root and of the
    // file (POSIX ACLs, docs/performance.md step 13). A few per file, never one per write.
    expect(asRoot).toBeLessThanOrEqual(1);
    expect(asNobody).toBeLessThanOrEqual(3);
    expect(statSync(join(src, 'plain')).size).toBe(800 * 1024);
  });
});
