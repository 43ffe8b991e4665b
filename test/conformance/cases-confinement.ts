import { describe, expect } from '@jest/globals';
import fs from 'node:fs';
import path from 'node:path';
import type { Harness, SuiteContext } from './harness.js';
import { O_RDWR, errnoOf } from './harness.js';

/**
 * A directory next to the volume (outside it) with a file the backend must never touch, and
 * symlinks planted in the volume's host directory that point at it.
 */
function plantTraps(h: Harness): { outside: string; secret: string } {
  const host = h.target.hostDir!;
  const outside = `${host}.outside`;
  fs.mkdirSync(outside, { recursive: true });
  const secret = path.join(outside, 'secret');
  fs.writeFileSync(secret, 'secret', { mode: 0o600 });
  fs.symlinkSync(outside, path.join(host, 'abs'));
  fs.symlinkSync('../' + path.basename(outside), path.join(host, 'rel'));
  fs.symlinkSync(secret, path.join(host, 'file-link'));
  return { outside, secret };
}

function untouched(trap: { outside: string; secret: string }): void {
  expect(fs.readdirSync(trap.outside)).toEqual(['secret']);
  expect(fs.readFileSync(trap.secret, 'utf8')).toBe('secret');
  expect(fs.statSync(trap.secret).mode & 0o7777).toBe(0o600);
}

/** No way out of the served directory: '..', absolute and relative symlinks, racing renames. */
export function confinementCases(s: SuiteContext): void {
  describe('confinement', () => {
    s.test()('paths with empty, "." or ".." components are refused', async () => {
      const h = s.h();
      await h.run('mkdir', { path: '/d', mode: 0o755, umask: 0 });
      for (const p of ['/..', '/d/..', '/d/../..', '/.', '//d', '/d/', 'relative']) {
        expect([p, await errnoOf(h.run('lookup', { path: p }))]).toEqual([p, 'EINVAL']);
      }
      expect(await errnoOf(h.run('mkdir', { path: '/../escape', mode: 0o755, umask: 0 }))).toBe(
        'EINVAL',
      );
    });

    s.test('hostDir')('symlinks to the outside are never followed by any op', async () => {
      const h = s.h();
      const trap = plantTraps(h);
      for (const dir of ['/abs', '/rel']) {
        expect(await errnoOf(h.run('lookup', { path: `${dir}/secret` }))).toBe('ELOOP');
        expect(await errnoOf(h.run('open', { path: `${dir}/secret`, flags: O_RDWR }))).toBe(
          'ELOOP',
        );
        const c = h.run('create', { path: `${dir}/new`, flags: O_RDWR, mode: 0o644, umask: 0 });
        expect(await errnoOf(c)).toBe('ELOOP');
        expect(await errnoOf(h.run('unlink', { path: `${dir}/secret` }))).toBe('ELOOP');
        expect(
          await errnoOf(h.run('rename', { path: `${dir}/secret`, newPath: '/stolen', flags: 0 })),
        ).toBe('ELOOP');
        // open(O_DIRECTORY | O_NOFOLLOW) of a symlink reports ENOTDIR on Linux: either is a refusal.
        expect(['ELOOP', 'ENOTDIR']).toContain(
          await errnoOf(h.run('opendir', { path: dir, flags: 0 })),
        );
        expect(
          await errnoOf(
            h.run('setxattr', {
              path: `${dir}/secret`,
              name: 'user.x',
              value: Buffer.from('1'),
              flags: 0,
            }),
          ),
        ).toBe('ELOOP');
      }
      expect(await errnoOf(h.run('open', { path: '/file-link', flags: O_RDWR }))).toBe('ELOOP');
      expect(await errnoOf(h.run('setattr', { path: '/file-link', size: 0 }))).toBe('ELOOP');
      expect(await errnoOf(h.run('setattr', { path: '/file-link', mode: 0o666 }))).toBe(
        'EOPNOTSUPP',
      );
      const before = fs.statSync(trap.secret, { bigint: true }).mtimeNs;
      await h.run('setattr', { path: '/file-link', mtime: 5n });
      expect(fs.statSync(trap.secret, { bigint: true }).mtimeNs).toBe(before);
      expect(await h.run('readlink', { path: '/file-link' })).toBe(trap.secret);
      untouched(trap);
    });

    s.test('hostDir')('racing renames cannot redirect ops outside the root', async () => {
      const h = s.h();
      const trap = plantTraps(h);
      const host = h.target.hostDir!;
      fs.mkdirSync(path.join(host, 'a'));
      fs.writeFileSync(path.join(host, 'a', 'secret'), 'inside');
      fs.symlinkSync(trap.outside, path.join(host, 'b'));
      // Swap the real directory and the symlink to the outside as fast as the threadpool allows
      // while the backend works on /a/...: whatever wins, nothing outside may change.
      let stop = false;
      const swapper = (async () => {
        let swaps = 0;
        while (!stop && swaps < 2000) {
          await fs.promises.rename(path.join(host, 'a'), path.join(host, 'tmp'));
          await fs.promises.rename(path.join(host, 'b'), path.join(host, 'a'));
          await fs.promises.rename(path.join(host, 'tmp'), path.join(host, 'b'));
          swaps++;
        }
        return swaps;
      })();
      const outcomes = new Set<string>();
      for (let i = 0; i < 150; i++) {
        const ops = [
          h.run('create', { path: `/a/new${i}`, flags: O_RDWR, mode: 0o644, umask: 0 }),
          h.run('setattr', { path: '/a/secret', mode: 0o666 }),
          h.run('setattr', { path: '/a/secret', size: 1 }),
          h.run('mkdir', { path: `/a/dir${i}`, mode: 0o755, umask: 0 }),
          h.run('setxattr', {
            path: '/a/secret',
            name: 'user.x',
            value: Buffer.from('1'),
            flags: 0,
          }),
          h.run('lookup', { path: '/a/secret' }),
        ];
        for (const r of await Promise.allSettled(ops)) {
          outcomes.add(r.status === 'fulfilled' ? 'OK' : await errnoOf(Promise.reject(r.reason)));
        }
      }
      stop = true;
      expect(await swapper).toBeGreaterThan(0);
      expect(outcomes.has('ELOOP')).toBe(true);
      untouched(trap);
    });
  });
}
