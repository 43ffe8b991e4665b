import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { lookupUser, shAs } from '../helpers/apps-user.js';
import { startMount, tempDir } from '../helpers/mount.js';
import type { MountHandle } from '../helpers/mount.js';
import { shOk } from '../helpers/sh.js';

jest.setTimeout(120_000);

/**
 * POSIX ACLs on the source hold through the mount: a root server (as the CSI sidecar and `mount`
 * as root run), clients of another uid. The kernel checks the ACLs itself (FUSE_POSIX_ACL) from
 * the system.posix_acl_* attributes the server passes through, and objects created through the
 * mount inherit a default ACL exactly as they do when created on the source directly.
 */
const nobody = lookupUser('nobody');
let src: string;
let mount: MountHandle;
let mnt: string;

function file(name: string, mode: number): void {
  writeFileSync(join(src, name), `${name}\n`);
  chmodSync(join(src, name), mode);
}

async function asNobody(script: string): Promise<{ code: number; out: string }> {
  const r = await shAs(nobody, `set -u\n${script}`);
  return { code: r.code, out: r.stdout + r.stderr };
}

/** What the ACL of `path` says, without the header naming the file and its owner. */
const acl = (path: string): Promise<string> => shOk(`getfacl -cp "${path}"`);

beforeAll(async () => {
  src = tempDir('acl-src');
  chmodSync(src, 0o755);
  file('secret', 0o644);
  file('open', 0o644);
  file('granted', 0o640);
  file('via-mount', 0o644);
  // Set before the mount: the kernel reads them on first access, with nothing cached.
  await shOk(`cd "${src}" && setfacl -m u:nobody:--- secret && setfacl -m u:nobody:r granted`);
  mnt = tempDir('acl-mnt');
  chmodSync(mnt, 0o755);
  mount = await startMount({ source: src, mountpoint: mnt });
});

afterAll(async () => {
  await mount?.stop();
  rmSync(src, { recursive: true, force: true });
  rmSync(mnt, { recursive: true, force: true });
});

describe('POSIX ACLs through a mount served by root', () => {
  it('a user an ACL entry denies cannot read a world-readable file', async () => {
    expect((await asNobody(`cat "${src}/secret"`)).code).not.toBe(0); // the source itself
    expect(await asNobody(`cat "${mnt}/open"`)).toEqual({ code: 0, out: 'open\n' });
    const r = await asNobody(`cat "${mnt}/secret"`);
    expect(r.out).toContain('Permission denied');
    expect(r.code).not.toBe(0);
    expect(await acl(join(mnt, 'secret'))).toBe(await acl(join(src, 'secret')));
  });

  it('an entry grants what the mode bits deny, until chmod through the mount narrows the mask', async () => {
    expect(await asNobody(`cat "${mnt}/granted"`)).toEqual({ code: 0, out: 'granted\n' });
    await shOk(`chmod 0600 "${mnt}/granted"`);
    expect(await acl(join(src, 'granted'))).toContain('mask::---');
    const r = await asNobody(`cat "${mnt}/granted"`);
    expect(r.out).toContain('Permission denied');
  });

  it('an ACL set through the mount lands on the source and is enforced at once', async () => {
    expect((await asNobody(`cat "${mnt}/via-mount"`)).code).toBe(0);
    await shOk(`setfacl -m u:nobody:--- "${mnt}/via-mount"`);
    expect(await acl(join(src, 'via-mount'))).toContain('user:nobody:---');
    expect((await asNobody(`cat "${mnt}/via-mount"`)).out).toContain('Permission denied');
    expect((await asNobody(`cat "${src}/via-mount"`)).out).toContain('Permission denied');
  });

  it('objects created through the mount inherit a default ACL exactly as on the source', async () => {
    mkdirSync(join(src, 'shared'));
    chmodSync(join(src, 'shared'), 0o777);
    await shOk(`setfacl -m d:u:postgres:rwx,d:o::r-x "${join(src, 'shared')}"`);
    const make = (dir: string, p: string): string =>
      `umask 022 && cd "${dir}/shared" && touch ${p}file && mkdir ${p}dir && mkfifo ${p}fifo`;
    expect((await asNobody(`${make(mnt, 'm-')} && ${make(src, 'n-')}`)).code).toBe(0);
    for (const kind of ['file', 'dir', 'fifo']) {
      const native = await acl(join(src, 'shared', `n-${kind}`));
      expect(native).toContain('user:postgres:rwx');
      expect({ kind, acl: await acl(join(src, 'shared', `m-${kind}`)) }).toEqual({
        kind,
        acl: native,
      });
      expect({ kind, acl: await acl(join(mnt, 'shared', `m-${kind}`)) }).toEqual({
        kind,
        acl: native,
      });
    }
    const modes = await shOk(`cd "${src}/shared" && stat -c '%n %a %U' m-* n-*`);
    const byName = Object.fromEntries(
      modes
        .trim()
        .split('\n')
        .map((l) => l.split(' '))
        .map(([n, ...rest]) => [n, rest.join(' ')]),
    );
    for (const kind of ['file', 'dir', 'fifo'])
      expect({ kind, m: byName[`m-${kind}`] }).toEqual({ kind, m: byName[`n-${kind}`] });
  });

  it("without a default ACL the caller's umask still applies to what it creates", async () => {
    mkdirSync(join(src, 'plain'));
    chmodSync(join(src, 'plain'), 0o777);
    const r = await asNobody(
      `umask 027 && cd "${mnt}/plain" && touch f && mkdir d && mkfifo p && stat -c '%n %a' f d p`,
    );
    expect(r).toEqual({ code: 0, out: 'f 640\nd 750\np 640\n' });
  });
});

describe("the mount root's ACL, which the kernel cannot cache itself", () => {
  let root: string;
  let rootMount: MountHandle;
  let record: string;

  beforeAll(async () => {
    root = tempDir('acl-root');
    chmodSync(root, 0o755);
    writeFileSync(join(root, 'f'), 'f\n');
    chmodSync(join(root, 'f'), 0o644);
    record = join(tempDir('acl-record'), 'ops.jsonl');
    const mountpoint = tempDir('acl-root-mnt');
    chmodSync(mountpoint, 0o755);
    // Attributes kept a minute: whatever is asked again is not the kernel's attribute timeout.
    rootMount = await startMount({
      source: root,
      mountpoint,
      args: ['--record', record, '-o', 'attr_timeout=60,entry_timeout=60'],
    });
  });

  afterAll(async () => {
    await rootMount?.stop();
    for (const dir of [root, dirname(record), rootMount?.mountpoint])
      if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  const rootAclReads = (): number =>
    readFileSync(record, 'utf8')
      .split('\n')
      .filter((l) => l.includes('"op":"getxattr"') && l.includes('"path":"/",')).length;

  it('is asked of the backend once, not on every path walk of another user', async () => {
    const stats = `for i in $(seq 1 200); do stat -c %s "${rootMount.mountpoint}/f" >/dev/null || exit 1; done`;
    expect((await asNobody(stats)).code).toBe(0);
    expect(rootAclReads()).toBeLessThanOrEqual(2);
  });

  it('is enforced at once when changed through the mount (setfacl, chmod)', async () => {
    const m = rootMount.mountpoint;
    await shOk(`setfacl -m u:nobody:--- "${m}"`);
    expect((await asNobody(`cat "${m}/f"`)).out).toContain('Permission denied');
    await shOk(`setfacl -m u:nobody:rx "${m}"`);
    expect(await asNobody(`cat "${m}/f"`)).toEqual({ code: 0, out: 'f\n' });
    await shOk(`chmod 0700 "${m}"`); // the mask goes to ---: the named entry no longer grants
    expect((await asNobody(`cat "${m}/f"`)).out).toContain('Permission denied');
  });
});
