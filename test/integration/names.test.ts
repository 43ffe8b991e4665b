import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import {
  mkdirSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { bytesClient, hexOf } from '../helpers/bytes-client.js';
import { startMount, tempDir } from '../helpers/mount.js';
import type { MountHandle } from '../helpers/mount.js';

jest.setTimeout(120_000);

/**
 * File names are bytes through a real mount (docs/adr/0075): a python3 client (bytes paths, no
 * encoding anywhere) works on the mount served by `fs-interposer mount` in a child process, and
 * the source directory is read back as bytes. Before the ADR, names that are not UTF-8 were
 * decoded with U+FFFD: distinct names aliased each other and one file's data was lost.
 */
let src: string;
let native: string;
let mount: MountHandle;

const sourcePath = (hex: string): Buffer =>
  Buffer.concat([Buffer.from(`${src}/`), Buffer.from(hex, 'hex')]);
/** The names in a source directory (its path below the source in hex) as hex: Buffer names are exact. */
const sourceNames = (hex = ''): string[] =>
  readdirSync(sourcePath(hex), { encoding: 'buffer' })
    .map((b) => b.toString('hex'))
    .sort();

beforeAll(async () => {
  src = tempDir('names-src');
  native = tempDir('names-native');
  // Already on the volume before the mount: two names differing in one invalid byte.
  writeFileSync(sourcePath(hexOf('b', 0xfe)), 'fe data');
  writeFileSync(sourcePath(hexOf('b', 0xfd)), 'fd data');
  mount = await startMount({ source: src, args: ['-o', 'entry_timeout=0,attr_timeout=0'] });
});

afterAll(async () => {
  await mount?.stop();
  rmSync(src, { recursive: true, force: true });
  rmSync(native, { recursive: true, force: true });
});

describe('names that are not UTF-8, through a real mount', () => {
  it('y\\x80 and y\\x81 written through the mount are two backing files with their own data', async () => {
    const y80 = hexOf('y', 0x80);
    const y81 = hexOf('y', 0x81);
    const r = await bytesClient(mount.mountpoint, [
      ['write', y80, 'first'],
      ['write', y81, 'second'],
      ['read', y80],
      ['read', y81],
    ]);
    expect(r).toEqual([{ ok: null }, { ok: null }, { ok: 'first' }, { ok: 'second' }]);
    expect(sourceNames()).toEqual(expect.arrayContaining([y80, y81]));
    expect(sourceNames()).not.toContain(hexOf('y', 0xef, 0xbf, 0xbd));
    expect(readFileSync(sourcePath(y80), 'utf8')).toBe('first');
    expect(readFileSync(sourcePath(y81), 'utf8')).toBe('second');
  });

  it('b\\xfe and b\\xfd from the source list distinctly and can be read, renamed and unlinked', async () => {
    const bfe = hexOf('b', 0xfe);
    const bfd = hexOf('b', 0xfd);
    const moved = hexOf('m', 0xff);
    const r = await bytesClient(mount.mountpoint, [
      ['list', ''],
      ['read', bfe],
      ['read', bfd],
      ['rename', bfe, moved],
      ['unlink', bfd],
      ['read', moved],
    ]);
    expect((r[0] as { ok: string[] }).ok).toEqual(expect.arrayContaining([bfd, bfe]));
    expect(r.slice(1)).toEqual([
      { ok: 'fe data' },
      { ok: 'fd data' },
      { ok: null },
      { ok: null },
      { ok: 'fe data' },
    ]);
    const names = sourceNames();
    expect(names).toContain(moved);
    expect(names).not.toContain(bfe);
    expect(names).not.toContain(bfd);
  });

  it('255-byte invalid names work and 256 bytes are ENAMETOOLONG, exactly as on the native fs', async () => {
    const ops = (dir: string): unknown[][] => [
      ['mkdir', dir],
      ['write', `${dir}2f${hexOf(Array<number>(255).fill(0xff))}`, 'max'],
      ['read', `${dir}2f${hexOf(Array<number>(255).fill(0xff))}`],
      ['mkdir', `${dir}2f${hexOf(Array<number>(255).fill(0x80))}`],
      ['write', `${dir}2f${hexOf('é'.repeat(100), Array<number>(55).fill(0xfe))}`, 'mixed'],
      ['write', `${dir}2f${hexOf(Array<number>(256).fill(0xff))}`, 'over'],
      ['mkdir', `${dir}2f${hexOf(Array<number>(256).fill(0x80))}`],
      ['list', dir],
    ];
    const dir = hexOf('long', 0xc0);
    const through = await bytesClient(mount.mountpoint, ops(dir));
    const direct = await bytesClient(native, ops(dir));
    expect(through).toEqual(direct);
    expect(through[5]).toEqual({ errno: 'ENAMETOOLONG' });
    expect((through[7] as { ok: string[] }).ok).toHaveLength(3);
    expect(
      readFileSync(sourcePath(`${dir}2f${hexOf(Array<number>(255).fill(0xff))}`), 'utf8'),
    ).toBe('max');
  });

  it('readlink of a symlink whose target has invalid bytes returns them exactly', async () => {
    const target = hexOf('../t', 0x80, 0xfe, '/é', 0xff);
    mkdirSync(join(src, 'links'));
    writeFileSync(join(src, 'links', 'plain'), '');
    // One made through the mount, one that was already on the source.
    symlinkSync(Buffer.from(target, 'hex'), sourcePath(hexOf('links/pre', 0xf0)));
    const r = await bytesClient(mount.mountpoint, [
      ['symlink', target, hexOf('links/new', 0xf1)],
      ['readlink', hexOf('links/new', 0xf1)],
      ['readlink', hexOf('links/pre', 0xf0)],
      ['size', hexOf('links/new', 0xf1)],
    ]);
    expect(r).toEqual([{ ok: null }, { ok: target }, { ok: target }, { ok: target.length / 2 }]);
    expect(readlinkSync(sourcePath(hexOf('links/new', 0xf1)), 'buffer').toString('hex')).toBe(
      target,
    );
  });

  it('xattr names with invalid bytes are set, listed, read and removed exactly', async () => {
    const f = hexOf('xattrs');
    const a = hexOf('user.a', 0xff);
    const b = hexOf('user.a', 0xfe);
    const r = await bytesClient(mount.mountpoint, [
      ['write', f, ''],
      ['setxattr', f, a, 'A'],
      ['setxattr', f, b, 'B'],
      ['listxattr', f],
      ['getxattr', f, a],
      ['getxattr', f, b],
      ['removexattr', f, a],
      ['getxattr', f, a],
      ['getxattr', f, b],
    ]);
    expect(r[3]).toEqual({ ok: expect.arrayContaining([a, b]) });
    expect(r.slice(4)).toEqual([
      { ok: 'A' },
      { ok: 'B' },
      { ok: null },
      { errno: 'ENODATA' },
      { ok: 'B' },
    ]);
    // On the source itself, the attribute names are the same bytes.
    const direct = await bytesClient(src, [['listxattr', f]]);
    expect(direct[0]).toEqual({ ok: expect.arrayContaining([b]) });
  });

  it('directories and hard links with invalid names, across renames', async () => {
    const d = hexOf('d', 0xed, 0xa0, 0x80);
    const r = await bytesClient(mount.mountpoint, [
      ['mkdir', d],
      ['write', `${d}2f${hexOf(0xe2, 0x82)}`, 'deep'],
      ['link', `${d}2f${hexOf(0xe2, 0x82)}`, `${d}2f${hexOf(0xe2, 0x83)}`],
      ['rename', d, hexOf('e', 0xc1)],
      ['list', hexOf('e', 0xc1)],
      ['read', `${hexOf('e', 0xc1)}2f${hexOf(0xe2, 0x83)}`],
    ]);
    expect(r.slice(0, 4)).toEqual([{ ok: null }, { ok: null }, { ok: null }, { ok: null }]);
    expect(r[4]).toEqual({ ok: [hexOf(0xe2, 0x82), hexOf(0xe2, 0x83)] });
    expect(r[5]).toEqual({ ok: 'deep' });
    expect(sourceNames(hexOf('e', 0xc1))).toEqual([hexOf(0xe2, 0x82), hexOf(0xe2, 0x83)]);
  });
});
