import { spawn } from 'node:child_process';
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

/** Swap host/a and host/b (a directory and a symlink) until the stop file appears; print the count. */
const SWAPPER = `
import os, sys
host, stop = sys.argv[1], sys.argv[2]
a, b, t = (os.path.join(host, n) for n in ('a', 'b', 'tmp'))
n = 0
while n < 200000 and not os.path.exists(stop):
    os.rename(a, t); os.rename(b, a); os.rename(t, b); n += 1
    if n == 1: open(stop + '.started', 'w').close()
print(n)
`;

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
      // Another process swaps the real directory and the symlink to the outside as fast as it
      // can while the backend works on /a/... (a process, not this event loop: with metadata calls
      // inline the ops would otherwise only ever see the states between two awaits). Whatever
      // wins, nothing outside may change.
      const stopFile = path.join(trap.outside, '..', `stop-${process.pid}`);
      const swapper = new Promise<number>((resolve, reject) => {
        const py = spawn('python3', ['-c', SWAPPER, host, stopFile], {
          stdio: ['ignore', 'pipe', 'inherit'],
        });
        let out = '';
        py.stdout.on('data', (d: Buffer) => (out += d.toString()));
        py.on('error', reject);
        py.on('close', () => resolve(Number(out.trim())));
      });
      // Start the ops only once the swapper is swapping (inline ops can all finish in a few ms).
      for (let i = 0; i < 500 && !fs.existsSync(`${stopFile}.started`); i++) {
        await new Promise((r) => setTimeout(r, 10));
      }
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
      fs.writeFileSync(stopFile, '');
      expect(await swapper).toBeGreaterThan(0);
      fs.rmSync(stopFile, { force: true });
      fs.rmSync(`${stopFile}.started`, { force: true });
      expect(outcomes.has('ELOOP')).toBe(true);
      untouched(trap);
    });
  });
}
