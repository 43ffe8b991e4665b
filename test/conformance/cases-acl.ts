import { describe, expect } from '@jest/globals';
import type { SuiteContext } from './harness.js';
import { errnoOf, S_IFIFO } from './harness.js';

const ACCESS = 'system.posix_acl_access';
const DEFAULT = 'system.posix_acl_default';

// The kernel's xattr form of an ACL (include/uapi/linux/posix_acl_xattr.h): a version word,
// then {tag u16, perm u16, id u32} entries sorted by tag, then id.
const VERSION = 2;
const Tag = { USER_OBJ: 0x01, USER: 0x02, GROUP_OBJ: 0x04, GROUP: 0x08, MASK: 0x10, OTHER: 0x20 };
const NO_ID = 0xffff_ffff;
const NAMED = 65534;

interface Entry {
  tag: number;
  perm: number;
  id: number;
}

function encodeAcl(entries: Entry[]): Buffer {
  const buf = Buffer.alloc(4 + 8 * entries.length);
  buf.writeUInt32LE(VERSION, 0);
  entries.forEach((e, i) => {
    buf.writeUInt16LE(e.tag, 4 + 8 * i);
    buf.writeUInt16LE(e.perm, 6 + 8 * i);
    buf.writeUInt32LE(e.id, 8 + 8 * i);
  });
  return buf;
}

function decodeAcl(buf: Buffer): Entry[] {
  const out: Entry[] = [];
  for (let o = 4; o + 8 <= buf.length; o += 8)
    out.push({
      tag: buf.readUInt16LE(o),
      perm: buf.readUInt16LE(o + 2),
      id: buf.readUInt32LE(o + 4),
    });
  return out;
}

/** user::rwx user:65534:rwx group::r-x mask::<mask> other::<other> */
const acl = (mask: number, other: number): Buffer =>
  encodeAcl([
    { tag: Tag.USER_OBJ, perm: 7, id: NO_ID },
    { tag: Tag.USER, perm: 7, id: NAMED },
    { tag: Tag.GROUP_OBJ, perm: 5, id: NO_ID },
    { tag: Tag.MASK, perm: mask, id: NO_ID },
    { tag: Tag.OTHER, perm: other, id: NO_ID },
  ]);

const permOf = (entries: Entry[], tag: number): number | undefined =>
  entries.find((e) => e.tag === tag)?.perm;

/**
 * POSIX ACLs (system.posix_acl_* attributes) keep their meaning: an access ACL and the mode stay
 * in step both ways, and a directory's default ACL decides a new object's permissions in place
 * of the caller's umask (POSIX 1003.1e; acl(5)).
 */
export function aclCases(s: SuiteContext): void {
  describe('POSIX ACLs', () => {
    s.test('posixAcl')('an object without an ACL has none (ENODATA)', async () => {
      const h = s.h();
      await h.writeFile('/f', 'x');
      expect(await errnoOf(h.run('getxattr', { path: '/f', name: ACCESS }))).toBe('ENODATA');
    });

    s.test('posixAcl')(
      'an access ACL sets the group bits from its mask; chmod rewrites the mask',
      async () => {
        const h = s.h();
        await h.writeFile('/f', 'x', 0o600);
        await h.run('setxattr', { path: '/f', name: ACCESS, value: acl(6, 0), flags: 0 });
        expect((await h.run('getattr', { path: '/f' })).mode & 0o777).toBe(0o760);
        await h.run('setattr', { path: '/f', mode: 0o640 });
        const after = decodeAcl(await h.run('getxattr', { path: '/f', name: ACCESS }));
        expect({ mask: permOf(after, Tag.MASK), named: permOf(after, Tag.USER) }).toEqual({
          mask: 4,
          named: 7,
        });
      },
    );

    s.test('posixAcl')(
      'a default ACL, not the umask, decides the permissions of new objects',
      async () => {
        const h = s.h();
        await h.run('mkdir', { path: '/d', mode: 0o777, umask: 0 });
        await h.run('setxattr', { path: '/d', name: DEFAULT, value: acl(7, 5), flags: 0 });
        const umask = 0o077;
        const f = await h.run('create', { path: '/d/f', flags: 0o102, mode: 0o666, umask });
        await h.run('release', { path: '/d/f', fh: f.fh, flags: 2 });
        const sub = await h.run('mkdir', { path: '/d/sub', mode: 0o777, umask });
        const fifo = await h.run('mknod', { path: '/d/p', mode: S_IFIFO | 0o666, rdev: 0, umask });
        // user::rwx, mask::rwx and other::r-x, each narrowed by the requested mode.
        expect([f.attr.mode, sub.mode, fifo.mode].map((m) => m & 0o777)).toEqual([
          0o664, 0o775, 0o664,
        ]);
        const fileAcl = decodeAcl(await h.run('getxattr', { path: '/d/f', name: ACCESS }));
        expect({ named: permOf(fileAcl, Tag.USER), mask: permOf(fileAcl, Tag.MASK) }).toEqual({
          named: 7,
          mask: 6,
        });
        // A directory passes its default ACL on as its own default ACL.
        expect(await h.run('getxattr', { path: '/d/sub', name: DEFAULT })).toEqual(acl(7, 5));
      },
    );

    s.test('posixAcl')('without a default ACL the umask applies', async () => {
      const h = s.h();
      await h.run('mkdir', { path: '/d', mode: 0o777, umask: 0 });
      const sub = await h.run('mkdir', { path: '/d/sub', mode: 0o777, umask: 0o027 });
      expect(sub.mode & 0o777).toBe(0o750);
      expect(await errnoOf(h.run('getxattr', { path: '/d/sub', name: DEFAULT }))).toBe('ENODATA');
    });
  });
}
