import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import {
  closeSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import koffi from 'koffi';
import { pino } from 'pino';
import { fetchOffer } from '../../../src/handoff/client.js';
import { openRootDir } from '../../../src/handoff/safe-path.js';
import { sendWithFds } from '../../../src/sys/scm-rights.js';
import { createHandoffServer } from '../../../src/handoff/server.js';
import type { HandoffServer } from '../../../src/handoff/server.js';
import { acceptOne, closeFd, connectTo, listenBeneath } from '../../../src/handoff/unix-socket.js';
import { runTsChild } from './fixtures/run-child.js';

const logger = pino({ level: 'silent' });
const libc = koffi.load('libc.so.6');
const pipe2 = libc.func('int pipe2(_Out_ int *fds, int flags)');

function makePipe(): [number, number] {
  const fds = [0, 0];
  if (pipe2(fds, 0o2000000) !== 0) throw new Error('pipe2 failed');
  return [fds[0]!, fds[1]!];
}

const openFdCount = (): number => readdirSync('/proc/self/fd').length;

describe('fd handoff over SCM_RIGHTS', () => {
  let dir: string;
  let dirFd: number;
  let server: HandoffServer | undefined;
  const owned: number[] = [];
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'handoff-'));
    dirFd = openRootDir(dir);
  });
  afterEach(() => {
    server?.close();
    server = undefined;
    for (const fd of owned.splice(0)) closeSync(fd);
    closeSync(dirFd);
    rmSync(dir, { recursive: true, force: true });
  });

  it('hands a pipe and a file to a child process, where both work', async () => {
    const [readEnd, writeEnd] = makePipe();
    writeFileSync(join(dir, 'data.txt'), 'file content from the parent');
    const fileFd = openSync(join(dir, 'data.txt'), 'r');
    owned.push(readEnd, writeEnd, fileFd);
    server = createHandoffServer({
      dirFd,
      name: 'fuse.sock',
      logger,
      source: () => ({
        message: { volumeId: 'vol-1', init: { major: 7, minor: 45 }, fds: ['primary', 'queue'] },
        fds: [writeEnd, fileFd],
      }),
    });
    expect(statSync(join(dir, 'fuse.sock')).mode & 0o777).toBe(0o660);
    const out = (await runTsChild('fetch-child.ts', [join(dir, 'fuse.sock'), '5000'])) as {
      ok: boolean;
      offer: { volumeId: string; init: unknown };
      results: { kind: string; text?: string }[];
    };
    expect(out.ok).toBe(true);
    expect(out.offer.volumeId).toBe('vol-1');
    expect(out.offer.init).toEqual({ major: 7, minor: 45 });
    expect(out.results).toEqual([
      { kind: 'fifo', wrote: true },
      { kind: 'file', text: 'file content from the parent' },
    ]);
    const buf = Buffer.alloc(200);
    const n = readSync(readEnd, buf, 0, buf.length, null);
    expect(buf.toString('utf8', 0, n)).toMatch(/^hello from pid \d+ via fd \d+\n$/);
    expect(server.served).toBe(1);
  });

  it('serves again after a client died mid-way, and replaces a stale socket', async () => {
    const stale = listenBeneath(dirFd, 'fuse.sock');
    closeFd(stale); // the socket file stays behind, as after a crash
    const [, writeEnd] = makePipe();
    owned.push(writeEnd);
    server = createHandoffServer({
      dirFd,
      name: 'fuse.sock',
      logger,
      source: () => ({ message: { volumeId: 'v', init: {}, fds: ['queue'] }, fds: [writeEnd] }),
    });
    closeFd(connectTo(join(dir, 'fuse.sock'))); // connect and vanish
    const got = await fetchOffer({ socketPath: join(dir, 'fuse.sock'), timeoutMs: 3000 });
    expect(got.fds).toHaveLength(1);
    got.fds.forEach(closeFd);
  });

  it('refuses to steal the address of a live server', () => {
    server = createHandoffServer({ dirFd, name: 's.sock', logger, source: () => undefined });
    expect(() =>
      createHandoffServer({ dirFd, name: 's.sock', logger, source: () => undefined }),
    ).toThrow(expect.objectContaining({ code: 'ADDRESS_IN_USE' }) as unknown as Error);
  });

  it.each([
    ['garbage bytes', Buffer.from('GARBAGE-GARBAGE-GARBAGE'), 'BAD_MAGIC'],
    [
      'a truncated offer',
      Buffer.from('FSIH\x01\x00\x01\x00\x01\x00\x00\x00\xff\x00\x00\x00{"vo'),
      'TRUNCATED',
    ],
    ['an empty datagram', Buffer.alloc(0), 'TRUNCATED'],
  ])('rejects %s and closes the fds that came with it', async (_name, bytes, code) => {
    const listenFd = listenBeneath(dirFd, 'evil.sock');
    const [readEnd, writeEnd] = makePipe();
    owned.push(readEnd, writeEnd);
    const before = openFdCount();
    const pending = fetchOffer({ socketPath: join(dir, 'evil.sock'), timeoutMs: 3000 });
    let conn: number | null = null;
    for (let i = 0; i < 100 && conn === null; i++) {
      await new Promise((r) => setTimeout(r, 10));
      conn = acceptOne(listenFd);
    }
    expect(conn).not.toBeNull();
    sendWithFds(conn!, bytes, [writeEnd, readEnd]);
    await expect(pending).rejects.toMatchObject({ code });
    closeFd(conn!);
    closeFd(listenFd);
    // <=: unrelated fds (a previous child's pipes) may close meanwhile; a leak of the two
    // received fds would still show.
    expect(openFdCount()).toBeLessThanOrEqual(before);
  });

  it('times out when nobody serves', async () => {
    await expect(
      fetchOffer({ socketPath: join(dir, 'none.sock'), timeoutMs: 100 }),
    ).rejects.toMatchObject({
      code: 'TIMEOUT',
    });
  });
});
