import { describe, expect } from '@jest/globals';
import type { Harness, SuiteContext } from './harness.js';
import { O_RDWR, errnoOf } from './harness.js';

const F_RDLCK = 0;
const F_WRLCK = 1;
const F_UNLCK = 2;
const A = 0xa1n;
const B = 0xb2n;

function lock(type: number, start: number, end: number, pid: number) {
  return { type, start, end, pid };
}

async function twoHandles(h: Harness): Promise<[number, number]> {
  await h.writeFile('/db', 'x'.repeat(200));
  return [await h.open('/db', O_RDWR), await h.open('/db', O_RDWR)];
}

/** POSIX record locks (per lock owner) and BSD flock (per open file). */
export function lockCases(s: SuiteContext): void {
  describe('locks', () => {
    s.test('locks')(
      'a write lock conflicts with other owners and getlk names the holder',
      async () => {
        const h = s.h();
        const [fa, fb] = await twoHandles(h);
        await h.run('setlk', {
          path: '/db',
          fh: fa,
          owner: A,
          lock: lock(F_WRLCK, 0, 99, 111),
          wait: false,
        });
        const seen = await h.run('getlk', {
          path: '/db',
          fh: fb,
          owner: B,
          lock: lock(F_WRLCK, 50, 60, 222),
        });
        expect(seen).toMatchObject({ type: F_WRLCK, start: 0, end: 99, pid: 111 });
        // The holder itself sees no conflict, and a range next to it is free for others.
        const own = await h.run('getlk', {
          path: '/db',
          fh: fa,
          owner: A,
          lock: lock(F_WRLCK, 50, 60, 111),
        });
        expect(own.type).toBe(F_UNLCK);
        const free = await h.run('getlk', {
          path: '/db',
          fh: fb,
          owner: B,
          lock: lock(F_WRLCK, 100, 150, 222),
        });
        expect(free.type).toBe(F_UNLCK);
        const busy = h.run('setlk', {
          path: '/db',
          fh: fb,
          owner: B,
          lock: lock(F_RDLCK, 10, 10, 222),
          wait: false,
        });
        expect(await errnoOf(busy)).toBe('EAGAIN');
        await h.run('setlk', {
          path: '/db',
          fh: fb,
          owner: B,
          lock: lock(F_WRLCK, 100, 150, 222),
          wait: false,
        });
      },
    );

    s.test('locks')(
      'a lock to end of file (end = OFFSET_MAX as the engine decodes it) covers huge offsets',
      async () => {
        const h = s.h();
        const [fa, fb] = await twoHandles(h);
        const TO_EOF = 2 ** 63 - 1;
        await h.run('setlk', {
          path: '/db',
          fh: fa,
          owner: A,
          lock: lock(F_WRLCK, 100, TO_EOF, 1),
          wait: false,
        });
        const far = await h.run('getlk', {
          path: '/db',
          fh: fb,
          owner: B,
          lock: lock(F_RDLCK, 2 ** 40, 2 ** 40, 2),
        });
        expect(far.type).toBe(F_WRLCK);
        expect(far.start).toBe(100);
        expect(far.end).toBeGreaterThanOrEqual(Number.MAX_SAFE_INTEGER);
        const before = await h.run('getlk', {
          path: '/db',
          fh: fb,
          owner: B,
          lock: lock(F_WRLCK, 0, 99, 2),
        });
        expect(before.type).toBe(F_UNLCK);
      },
    );

    s.test('locks')('one owner never conflicts with itself, even through two opens', async () => {
      const h = s.h();
      const [f1, f2] = await twoHandles(h);
      await h.run('setlk', {
        path: '/db',
        fh: f1,
        owner: A,
        lock: lock(F_WRLCK, 0, 10, 1),
        wait: false,
      });
      await h.run('setlk', {
        path: '/db',
        fh: f2,
        owner: A,
        lock: lock(F_WRLCK, 5, 20, 1),
        wait: false,
      });
      await h.run('setlk', {
        path: '/db',
        fh: f2,
        owner: A,
        lock: lock(F_RDLCK, 0, 20, 1),
        wait: false,
      });
      const shared = h.run('setlk', {
        path: '/db',
        fh: f1,
        owner: B,
        lock: lock(F_RDLCK, 0, 20, 2),
        wait: false,
      });
      expect(await errnoOf(shared)).toBe('OK');
    });

    s.test('locks')('a waiting lock is granted when the holder unlocks', async () => {
      const h = s.h();
      const [fa, fb] = await twoHandles(h);
      await h.run('setlk', {
        path: '/db',
        fh: fa,
        owner: A,
        lock: lock(F_WRLCK, 0, 0, 1),
        wait: false,
      });
      let granted = false;
      const waiting = h
        .run('setlk', { path: '/db', fh: fb, owner: B, lock: lock(F_WRLCK, 0, 0, 2), wait: true })
        .then(() => (granted = true));
      await new Promise((r) => setTimeout(r, 30));
      expect(granted).toBe(false);
      await h.run('setlk', {
        path: '/db',
        fh: fa,
        owner: A,
        lock: lock(F_UNLCK, 0, 0, 1),
        wait: false,
      });
      await waiting;
      expect(granted).toBe(true);
    });

    s.test('locks')('an interrupted wait ends with EINTR', async () => {
      const h = s.h();
      const [fa, fb] = await twoHandles(h);
      await h.run('setlk', {
        path: '/db',
        fh: fa,
        owner: A,
        lock: lock(F_WRLCK, 0, 0, 1),
        wait: false,
      });
      const ac = new AbortController();
      const waiting = h.run(
        'setlk',
        { path: '/db', fh: fb, owner: B, lock: lock(F_WRLCK, 0, 0, 2), wait: true },
        { signal: ac.signal },
      );
      setTimeout(() => ac.abort(), 20);
      expect(await errnoOf(waiting)).toBe('EINTR');
    });

    s.test('locks', 'lockOwners')('flush by the owner (any close) drops its locks', async () => {
      const h = s.h();
      const [fa, fb] = await twoHandles(h);
      await h.run('setlk', {
        path: '/db',
        fh: fa,
        owner: A,
        lock: lock(F_WRLCK, 0, 199, 1),
        wait: false,
      });
      await h.run('flush', { path: '/db', fh: fa, lockOwner: B });
      const still = h.run('setlk', {
        path: '/db',
        fh: fb,
        owner: B,
        lock: lock(F_WRLCK, 0, 0, 2),
        wait: false,
      });
      expect(await errnoOf(still)).toBe('EAGAIN');
      await h.run('flush', { path: '/db', fh: fa, lockOwner: A });
      await h.run('setlk', {
        path: '/db',
        fh: fb,
        owner: B,
        lock: lock(F_WRLCK, 0, 0, 2),
        wait: false,
      });
    });

    s.test('locks')('flock is per open file and released with it', async () => {
      const h = s.h();
      const [f1, f2] = await twoHandles(h);
      await h.run('flock', { path: '/db', fh: f1, owner: A, type: F_WRLCK, wait: false });
      const second = h.run('flock', { path: '/db', fh: f2, owner: A, type: F_RDLCK, wait: false });
      expect(await errnoOf(second)).toBe('EAGAIN');
      await h.run('release', { path: '/db', fh: f1, flags: O_RDWR });
      await h.run('flock', { path: '/db', fh: f2, owner: A, type: F_RDLCK, wait: false });
      await h.run('flock', { path: '/db', fh: f2, owner: A, type: F_UNLCK, wait: false });
    });
  });
}
