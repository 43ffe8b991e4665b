import { describe, expect } from '@jest/globals';
import fs from 'node:fs';
import { decodeName } from '../../src/vfs/names.js';
import type { Harness, SuiteContext } from './harness.js';
import { O_RDONLY, errnoOf } from './harness.js';

/** The volume name for raw bytes (what the FUSE engine hands a backend, docs/adr/0075). */
const n = (...bytes: number[]): string => decodeName(Buffer.from(bytes));
const utf8 = (text: string): number[] => [...Buffer.from(text)];

/** A host path as bytes: Node's fs takes Buffer paths exactly, never as lossy UTF-8. */
const hostPath = (h: Harness, ...names: Buffer[]): Buffer =>
  Buffer.concat([Buffer.from(h.target.hostDir!), ...names.flatMap((b) => [Buffer.from('/'), b])]);

const hostNames = (h: Harness, dir: Buffer = Buffer.from(h.target.hostDir!)): string[] =>
  fs
    .readdirSync(dir, { encoding: 'buffer' })
    .map((b) => b.toString('hex'))
    .sort();

const hex = (...bytes: number[]): string => Buffer.from(bytes).toString('hex');

/**
 * Names are bytes (docs/adr/0075): names that are not UTF-8 never alias each other, keep their
 * exact bytes on the host, and count in bytes against NAME_MAX, on every backend and through a
 * real mount (where each op crosses the FUSE boundary twice).
 */
export function nameCases(s: SuiteContext): void {
  describe('names that are not UTF-8', () => {
    const y80 = n(0x79, 0x80);
    const y81 = n(0x79, 0x81);

    s.test()(
      'two names differing in one invalid byte stay two files with their own data',
      async () => {
        const h = s.h();
        await h.writeFile(`/${y80}`, 'first');
        await h.writeFile(`/${y81}`, 'second');
        expect(await h.names('/')).toEqual([y80, y81].sort());
        expect((await h.readFile(`/${y80}`)).toString()).toBe('first');
        expect((await h.readFile(`/${y81}`)).toString()).toBe('second');
        if (h.target.hostDir !== undefined) {
          expect(hostNames(h)).toEqual([hex(0x79, 0x80), hex(0x79, 0x81)]);
          expect(fs.readFileSync(hostPath(h, Buffer.of(0x79, 0x80)), 'utf8')).toBe('first');
        }
      },
    );

    s.test('hostDir')('names already on the host list distinctly and can be used', async () => {
      const h = s.h();
      fs.writeFileSync(hostPath(h, Buffer.of(0x62, 0xfe)), 'fe data');
      fs.writeFileSync(hostPath(h, Buffer.of(0x62, 0xfd)), 'fd data');
      const bfe = n(0x62, 0xfe);
      const bfd = n(0x62, 0xfd);
      expect(await h.names('/')).toEqual([bfd, bfe].sort());
      expect((await h.readFile(`/${bfe}`)).toString()).toBe('fe data');
      expect((await h.readFile(`/${bfd}`)).toString()).toBe('fd data');
      const moved = n(0x6d, 0xff, 0xc3, 0xa9);
      await h.run('rename', { path: `/${bfe}`, newPath: `/${moved}`, flags: 0 });
      await h.run('unlink', { path: `/${bfd}` });
      expect(hostNames(h)).toEqual([hex(0x6d, 0xff, 0xc3, 0xa9)]);
      expect(fs.readFileSync(hostPath(h, Buffer.of(0x6d, 0xff, 0xc3, 0xa9)), 'utf8')).toBe(
        'fe data',
      );
    });

    s.test()('directories, links, renames and listings below invalid names', async () => {
      const h = s.h();
      const dir = `/${n(0x64, 0xc0, 0xaf)}`; // an overlong '/': must stay a plain name byte pair
      await h.run('mkdir', { path: dir, mode: 0o755, umask: 0 });
      const file = `${dir}/${n(0xe2, 0x82)}`; // a truncated euro sign
      await h.writeFile(file, 'deep');
      const hard = `${dir}/${n(0xed, 0xa0, 0x80)}`; // an encoded surrogate
      expect((await h.run('link', { path: file, newPath: hard })).nlink).toBe(2);
      expect(await h.names(dir)).toEqual([n(0xe2, 0x82), n(0xed, 0xa0, 0x80)].sort());
      await h.run('rename', { path: hard, newPath: `/${n(0xff)}`, flags: 0 });
      expect((await h.readFile(`/${n(0xff)}`)).toString()).toBe('deep');
      await h.run('unlink', { path: file });
      await h.run('rmdir', { path: dir });
      expect(await errnoOf(h.run('lookup', { path: file }))).toBe('ENOENT');
      expect(await errnoOf(h.run('lookup', { path: dir }))).toBe('ENOENT');
      if (h.target.hostDir !== undefined) expect(hostNames(h)).toEqual([hex(0xff)]);
    });

    s.test()('a symlink target with invalid bytes reads back byte for byte', async () => {
      const h = s.h();
      const bytes = [...utf8('../x/'), 0x80, 0xfe, ...utf8('/é')];
      const target = n(...bytes);
      const link = `/${n(0x6c, 0xf8)}`;
      const attr = await h.run('symlink', { path: link, target });
      expect(attr.size).toBe(bytes.length);
      expect(await h.run('readlink', { path: link })).toBe(target);
      if (h.target.hostDir !== undefined) {
        const raw = fs.readlinkSync(hostPath(h, Buffer.of(0x6c, 0xf8)), 'buffer');
        expect(raw.toString('hex')).toBe(hex(...bytes));
      }
    });

    s.test('xattr')(
      'xattr names with invalid bytes are set, listed, read and removed',
      async () => {
        const h = s.h();
        await h.writeFile('/f', 'x');
        const a = n(...utf8('user.'), 0xff);
        const b = n(...utf8('user.'), 0xfe);
        await h.run('setxattr', { path: '/f', name: a, value: Buffer.from('A'), flags: 0 });
        await h.run('setxattr', { path: '/f', name: b, value: Buffer.from('B'), flags: 0 });
        const listed = (await h.run('listxattr', { path: '/f' })).filter((x) =>
          x.startsWith('user.'),
        );
        expect(listed.sort()).toEqual([a, b].sort());
        expect((await h.run('getxattr', { path: '/f', name: a })).toString()).toBe('A');
        expect((await h.run('getxattr', { path: '/f', name: b })).toString()).toBe('B');
        await h.run('removexattr', { path: '/f', name: a });
        expect(await errnoOf(h.run('getxattr', { path: '/f', name: a }))).toBe('ENODATA');
        expect((await h.run('getxattr', { path: '/f', name: b })).toString()).toBe('B');
      },
    );

    s.test()('NAME_MAX counts bytes: 255 invalid bytes work, 256 are ENAMETOOLONG', async () => {
      const h = s.h();
      const max = n(...Array<number>(255).fill(0xff));
      expect(max.length).toBe(255);
      await h.writeFile(`/${max}`, '255');
      expect((await h.readFile(`/${max}`)).toString()).toBe('255');
      await h.run('mkdir', {
        path: `/${n(...Array<number>(255).fill(0x80))}`,
        mode: 0o755,
        umask: 0,
      });
      const mixed = n(...utf8('é'.repeat(100)), ...Array<number>(55).fill(0xfe));
      await h.writeFile(`/${mixed}`, 'mixed');
      expect((await h.names('/')).length).toBe(3);
      const over = `/${n(...Array<number>(256).fill(0xff))}`;
      expect(await errnoOf(h.run('lookup', { path: over }))).toBe('ENAMETOOLONG');
      expect(await errnoOf(h.run('mkdir', { path: over, mode: 0o755, umask: 0 }))).toBe(
        'ENAMETOOLONG',
      );
      expect(await errnoOf(h.writeFile(over, 'x'))).toBe('ENAMETOOLONG');
      if (h.target.hostDir !== undefined) {
        expect(fs.readFileSync(hostPath(h, Buffer.alloc(255, 0xff)), 'utf8')).toBe('255');
      }
    });

    s.test()(
      'a string that stands for no byte string is refused (EILSEQ), never aliased',
      async () => {
        const h = s.h();
        await h.writeFile('/é', 'real');
        // Escapes of C3 A9 would be the bytes of "é": accepting them would alias that file.
        const fake = `/${String.fromCharCode(0xdcc3, 0xdca9)}`;
        expect(await errnoOf(h.run('lookup', { path: fake }))).toBe('EILSEQ');
        expect(await errnoOf(h.writeFile(fake, 'alias'))).toBe('EILSEQ');
        expect(await errnoOf(h.run('open', { path: '/\ud800', flags: O_RDONLY }))).toBe('EILSEQ');
        expect((await h.readFile('/é')).toString()).toBe('real');
        expect(await h.names('/')).toEqual(['é']);
      },
    );
  });
}
