import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import {
  chmod,
  chown,
  lstat,
  mkdir,
  open,
  readFile,
  rm,
  stat,
  truncate,
  unlink,
  utimes,
  writeFile,
} from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createPassthroughBackend } from '../../src/backends/passthrough/backend.js';
import type { ConformanceTarget } from '../conformance/suite.js';
import {
  coherenceCases,
  describeConformance,
  passthroughCapabilities,
} from '../conformance/suite.js';
import { startMount, tempDir } from './mount.js';
import type { MountHandle } from './mount.js';

/**
 * Not a test file of any jest project: test/integration/conformance-unprivileged.test.ts runs it
 * in a child jest as an unprivileged uid, in one of two modes (FSI_CONF_MODE):
 * - `root-server`: the parent serves FSI_CONF_SRC at FSI_CONF_MNT as root; this process is only a
 *   client, so the kernel checks its permissions (default_permissions) against root-made fixtures
 *   in `fixtures/` (see the parent for what they are).
 * - `user-server`: the server runs as this uid too: this process mounts by itself (fusermount3),
 *   or, where no user may open /dev/fuse, the parent has started the server as this uid on a
 *   connection it mounted (FSI_CONF_MNT set).
 */
const MODE = process.env.FSI_CONF_MODE;
if (MODE !== 'root-server' && MODE !== 'user-server')
  throw new Error(`FSI_CONF_MODE=${MODE ?? ''}`);
const uid = process.getuid!();
const gid = process.getgid!();

// What a non-root client can do: like the root run of conformance-mount, minus ownership,
// device nodes and trusted.* xattrs.
const caps = passthroughCapabilities({ root: false, lockOwners: false });

const UNCACHED = 'entry_timeout=0,attr_timeout=0';
const CACHED = 'entry_timeout=60,attr_timeout=60';

/** The mount the suite runs on (no caching) and one that caches (the coherence cases again). */
interface Served {
  src: string;
  mnt: string;
  mount?: MountHandle;
}
const served: Served[] = [
  { src: process.env.FSI_CONF_SRC ?? '', mnt: process.env.FSI_CONF_MNT ?? '' },
  { src: process.env.FSI_CONF_SRC_CACHED ?? '', mnt: process.env.FSI_CONF_MNT_CACHED ?? '' },
];
const mnt = (): string => served[0]!.mnt;
let n = 0;

beforeAll(async () => {
  if (MODE === 'root-server') return;
  for (const [i, opts] of [UNCACHED, CACHED].entries()) {
    if (served[i]!.mnt !== '') continue; // served by the parent (brokered)
    const src = tempDir('uconf-src');
    const mount = await startMount({ source: src, args: ['-o', opts] });
    served[i] = { src, mnt: mount.mountpoint, mount };
  }
}, 30_000);

afterAll(async () => {
  for (const { mount, src } of served) {
    if (!mount) continue;
    const code = await mount.stop();
    await rm(src, { recursive: true, force: true });
    expect(code).toBe(0);
  }
}, 30_000);

async function caseOn(i: number): Promise<ConformanceTarget> {
  const { src, mnt: root } = served[i]!;
  const name = `case${++n}`;
  await mkdir(join(root, name)); // through the mount, so it is the client's
  const backend = createPassthroughBackend({ root: join(root, name) });
  return {
    backend,
    caps,
    hostDir: join(src, name),
    async cleanup() {
      await backend.close();
      // On the host side: names that are not UTF-8 cannot be removed through the mount.
      await rm(join(src, name), { recursive: true, force: true });
    },
  };
}

describeConformance(`through a real FUSE mount, client uid ${uid}, ${MODE}`, () => caseOn(0), caps);
describeConformance(
  `through a real FUSE mount, cached, client uid ${uid}, ${MODE}`,
  () => caseOn(1),
  caps,
  [coherenceCases],
);

const run = promisify(execFile);

async function errnoOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'OK';
  } catch (err) {
    return (err as NodeJS.ErrnoException).code ?? String(err);
  }
}

describe(`kernel permission checks for uid ${uid} (${MODE})`, () => {
  const f = (p: string): string => join(mnt(), 'fixtures', p);
  const mine = (p: string): string => join(mnt(), 'own', p);
  beforeAll(async () => {
    await mkdir(join(mnt(), 'own'));
  });
  afterAll(async () => {
    await rm(join(mnt(), 'own'), { recursive: true, force: true });
  });

  it('the mount is served by the expected identity (user_id in the mount options)', async () => {
    const line = (await readFile('/proc/self/mountinfo', 'utf8'))
      .split('\n')
      .find((l) => l.split(' ')[4] === mnt());
    expect(line).toMatch(/ - fuse\.fs-interposer /);
    expect(line).toMatch(new RegExp(`[ ,]user_id=${MODE === 'root-server' ? 0 : uid}[ ,]`));
    expect(line).toMatch(/[ ,]default_permissions[ ,]?/);
  });

  it('new objects belong to the client, on the mount and on the backing directory', async () => {
    await writeFile(mine('new'), 'x');
    await mkdir(mine('dir'));
    for (const p of ['own/new', 'own/dir']) {
      for (const s of [await lstat(join(mnt(), p)), await lstat(join(served[0]!.src, p))])
        expect([s.uid, s.gid]).toEqual([uid, gid]);
    }
  });

  it('own files: no write without the w bit, no chown away, chmod and utimes allowed', async () => {
    await writeFile(mine('ro'), 'x', { mode: 0o444 });
    expect(await errnoOf(open(mine('ro'), 'r+'))).toBe('EACCES');
    expect(await errnoOf(truncate(mine('ro'), 0))).toBe('EACCES');
    expect(await errnoOf(chown(mine('ro'), 0, 0))).toBe('EPERM');
    expect(await errnoOf(chmod(mine('ro'), 0o644))).toBe('OK');
    expect(await errnoOf(utimes(mine('ro'), 1000, 2000))).toBe('OK');
    await mkdir(mine('closed'), { mode: 0o555 });
    expect(await errnoOf(writeFile(mine('closed/x'), 'x'))).toBe('EACCES');
    await chmod(mine('closed'), 0o755);
  });

  const rootOnly = MODE === 'root-server' ? it : it.skip;

  rootOnly(
    "root's files: open for write EACCES, chmod/chown/utimes EPERM, UTIME_NOW with write access OK",
    async () => {
      expect(await errnoOf(open(f('root-644'), 'r+'))).toBe('EACCES');
      expect(await errnoOf(truncate(f('root-644'), 0))).toBe('EACCES');
      expect(await errnoOf(chmod(f('root-644'), 0o666))).toBe('EPERM');
      expect(await errnoOf(chown(f('root-644'), uid, gid))).toBe('EPERM');
      expect(await errnoOf(utimes(f('root-666'), 1000, 2000))).toBe('EPERM');
      const before = (await stat(f('root-666'))).mtimeMs;
      await new Promise((r) => setTimeout(r, 20));
      // touch(1) sets both times to now (utimensat with NULL): write access is enough for that.
      await run('touch', [f('root-666')]);
      expect((await stat(f('root-666'))).mtimeMs).toBeGreaterThan(before);
    },
  );

  rootOnly(
    'directories: no create in a 0755 root dir, sticky dir protects root files, set-group-ID is inherited',
    async () => {
      expect(await errnoOf(writeFile(f('closed/x'), 'x'))).toBe('EACCES');
      expect(await errnoOf(unlink(f('sticky/root-file')))).toBe('EPERM');
      await writeFile(f('sticky/mine'), 'x');
      expect(await errnoOf(unlink(f('sticky/mine')))).toBe('OK');
      await writeFile(f('sgid/file'), 'x');
      await mkdir(f('sgid/sub'));
      const [file, sub] = [await stat(f('sgid/file')), await stat(f('sgid/sub'))];
      expect([file.uid, file.gid, sub.gid]).toEqual([uid, 100, 100]);
      expect(sub.mode & 0o2000).toBe(0o2000);
      await rm(f('sgid/file'));
      await rm(f('sgid/sub'), { recursive: true });
    },
  );
});
