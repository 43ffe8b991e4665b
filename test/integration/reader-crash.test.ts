import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { CLI, forceUnmount, startMount, tempDir } from '../helpers/mount.js';
import type { MountHandle } from '../helpers/mount.js';
import { shOk } from '../helpers/sh.js';

jest.setTimeout(90_000);

/**
 * A reader thread that fails. Neither can be caused from outside (a reader allocates nothing per
 * request and its serving code catches every system call's error), so the engine's own
 * failpoints (src/fuse/session/failpoints.ts) cause them. Before the engine handled it, the
 * request a dying reader held was never answered: its caller blocked until the connection was
 * aborted, and with one reader running (an idle mount) nothing of the mount was served again.
 */
const cleanup: (() => void)[] = [];
afterEach(() => {
  for (const f of cleanup.splice(0)) f();
});

interface Status {
  engine: {
    readers: { running: number; max: number; crashed: number };
    readerServeErrors: number;
    directIo: { served: number; nodesMade: number };
  };
}

async function status(m: MountHandle): Promise<Status['engine']> {
  return (JSON.parse(await shOk(`node "${CLI}" ctl "${m.mountpoint}" status`)) as Status).engine;
}

async function mount(failpoints: string, args: string[] = []): Promise<MountHandle> {
  const src = tempDir('reader-crash-src');
  writeFileSync(join(src, 'data'), Buffer.alloc(1 << 20, 7));
  const m = await startMount({ source: src, args, env: { FS_INTERPOSER_FAILPOINTS: failpoints } });
  cleanup.push(() => {
    forceUnmount(m.mountpoint);
    rmSync(src, { recursive: true, force: true });
  });
  return m;
}

/**
 * 64 O_DIRECT reads of 4 KiB, each its own request; prints one line per read: "ok" or the
 * error's errno name. A read never answered would hang here (the test's timeout).
 */
const READS = `python3 - "$M/data" <<'PY'
import errno, mmap, os, sys
fd = os.open(sys.argv[1], os.O_RDONLY | os.O_DIRECT)
buf = mmap.mmap(-1, 4096)
for i in range(64):
    try:
        n = os.preadv(fd, [buf], i * 4096)
        print("ok" if n == 4096 else f"short {n}")
    except OSError as e:
        print(errno.errorcode[e.errno])
PY`;

async function reads(m: MountHandle): Promise<string[]> {
  const out = await shOk(READS, { env: { M: m.mountpoint }, timeoutMs: 30_000 });
  return out.trim().split('\n');
}

describe('a reader thread that fails', () => {
  it('dies with a request in flight: the request gets EIO, the reader is replaced, the mount serves on', async () => {
    // One reader (readers=1): its death without a replacement would end every request.
    const m = await mount('reader-crash=30', ['-o', 'readers=1']);
    const first = await reads(m);
    // The 30th request the reader read (a READ: the mount's start-up requests come before) is
    // the one in flight: answered EIO, every other read served.
    expect(first.filter((r) => r !== 'ok')).toEqual(['EIO']);
    expect(first).toHaveLength(64);
    const s = await status(m);
    expect(s.readers).toEqual({ running: 1, max: 1, crashed: 1 });
    // The replacement serves READs itself again (no failpoint: it does not die).
    const before = s.directIo.served;
    expect((await reads(m)).every((r) => r === 'ok')).toBe(true);
    expect((await status(m)).directIo.served).toBeGreaterThanOrEqual(before + 64);
    expect((await status(m)).readers.crashed).toBe(1);
    await shOk(`ls "${m.mountpoint}" > /dev/null`);
  });

  it('throws while serving a request itself: that request gets EIO and the thread serves on', async () => {
    const m = await mount('reader-serve-throw=5', ['-o', 'readers=1']);
    const out = await reads(m);
    expect(out.filter((r) => r !== 'ok')).toEqual(['EIO']);
    const s = await status(m);
    // The fifth request the reader served: the fifth read, or the fourth when the reader also
    // made the file's node for its LOOKUP (direct-new-node.ts).
    expect(out[4 - s.directIo.nodesMade]).toBe('EIO');
    expect(s.readerServeErrors).toBe(1);
    expect(s.readers).toEqual({ running: 1, max: 1, crashed: 0 });
    expect((await reads(m)).every((r) => r === 'ok')).toBe(true);
    // Logged as an error naming the failure.
    expect(m.logs()).toMatch(/failed serving a request: answered EIO/);
  });

  it('a malformed failpoint is refused at start, naming what is accepted', async () => {
    const src = tempDir('reader-crash-bad');
    cleanup.push(() => rmSync(src, { recursive: true, force: true }));
    await expect(
      startMount({ source: src, env: { FS_INTERPOSER_FAILPOINTS: 'reader-crash=0,oops' } }),
    ).rejects.toThrow(/reader-crash=N, reader-serve-throw=N/);
    // Mounted before the session refused to start: the mount is gone again, not left dead.
    expect(readFileSync('/proc/self/mounts', 'utf8')).not.toContain(src);
  });
});
