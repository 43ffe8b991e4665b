import { describe, expect } from '@jest/globals';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { SuiteContext } from './harness.js';
import { O_APPEND, O_RDWR, O_WRONLY, errnoOf } from './harness.js';

/** How the volume and other users of the same host directory see each other. */
export function hostCases(s: SuiteContext): void {
  describe('sharing the host directory', () => {
    s.test('hostDir', 'locks')('flock is visible to other processes on the host', async () => {
      const h = s.h();
      await h.writeFile('/f', 'x');
      const fh = await h.open('/f', O_RDWR);
      await h.run('flock', { path: '/f', fh, owner: 1n, type: 1, wait: false });
      const other = () =>
        new Promise<number>((resolve) => {
          execFile('flock', ['-n', path.join(h.target.hostDir!, 'f'), 'true'], (err) =>
            resolve(err === null ? 0 : ((err as { code?: number }).code ?? -1)),
          );
        });
      expect(await other()).toBe(1);
      await h.run('release', { path: '/f', fh, flags: O_RDWR });
      expect(await other()).toBe(0);
    });

    s.test('hostDir')(
      'O_APPEND writes land at the end even after another writer grew the file',
      async () => {
        const h = s.h();
        await h.writeFile('/log', 'a\n');
        const flags = O_WRONLY | O_APPEND;
        const fh = await h.open('/log', flags);
        fs.appendFileSync(path.join(h.target.hostDir!, 'log'), 'outside\n');
        // The kernel computed the offset from the size it knew (2); the backing fd appends anyway.
        await h.run('write', { path: '/log', fh, buffer: Buffer.from('b\n'), offset: 2, flags });
        await h.run('release', { path: '/log', fh, flags });
        expect(fs.readFileSync(path.join(h.target.hostDir!, 'log'), 'utf8')).toBe(
          'a\noutside\nb\n',
        );
      },
    );

    s.test('hostDir')(
      'changes made on the host are seen at once (no caching in the backend)',
      async () => {
        const h = s.h();
        await h.writeFile('/f', 'one');
        const host = path.join(h.target.hostDir!, 'f');
        fs.writeFileSync(host, 'three');
        expect((await h.run('lookup', { path: '/f' })).size).toBe(5);
        fs.renameSync(host, path.join(h.target.hostDir!, 'g'));
        expect(await errnoOf(h.run('lookup', { path: '/f' }))).toBe('ENOENT');
        expect(await h.names('/')).toEqual(['g']);
      },
    );
  });
}
