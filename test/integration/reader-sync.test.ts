import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { CLI, forceUnmount, startMount, tempDir } from '../helpers/mount.js';
import type { MountHandle } from '../helpers/mount.js';
import { freePort, scrape, total } from '../helpers/prometheus.js';
import { shOk } from '../helpers/sh.js';

jest.setTimeout(90_000);

const cleanup: (() => void)[] = [];
afterEach(() => {
  for (const f of cleanup.splice(0)) f();
});

interface DirectIo {
  enabled: boolean;
  served: number;
  lockedNodes: number;
  fsyncHandedOver: number;
  /** LOOKUPs the readers answered with a node they made (the file's first open). */
  nodesMade: number;
}

async function directIo(m: MountHandle): Promise<DirectIo> {
  const s = JSON.parse(await shOk(`node "${CLI}" ctl "${m.mountpoint}" status`)) as {
    engine: { directIo: DirectIo | 'off' };
  };
  if (s.engine.directIo === 'off') throw new Error('direct I/O is off');
  return s.engine.directIo;
}

async function mount(source: string, args: string[] = []): Promise<MountHandle> {
  const m = await startMount({ source, args });
  cleanup.push(() => forceUnmount(m.mountpoint));
  return m;
}

const py = (script: string): Promise<string> =>
  shOk(`python3 - <<'PY'\n${script}\nPY`, { timeoutMs: 60_000 });

/**
 * FSYNC and FLUSH of files the readers serve stay in the reader threads (issue 17): no hop to
 * the main thread, still counted by `metrics`; a FLUSH that may have POSIX locks to release
 * still goes to the main thread.
 */
describe('FSYNC and FLUSH in the reader threads', () => {
  it('serves fsync, fdatasync and close in the readers and metrics counts each one', async () => {
    const src = tempDir('rsync-src');
    cleanup.push(() => rmSync(src, { recursive: true, force: true }));
    writeFileSync(join(src, 'f'), 'data');
    const port = await freePort();
    const m = await mount(src, ['--layers', 'metrics', '--metrics-port', String(port)]);
    const before = await scrape(port);
    const { served, fsyncHandedOver, nodesMade } = await directIo(m);
    // One OPEN (main thread), 20 FSYNC + 5 FDATASYNC + one FLUSH (readers), one RELEASE (main);
    // the LOOKUP before the OPEN a reader may answer too (nodesMade).
    // An FSYNC that comes while the other reader is not in read(2) (it may still be writing the
    // previous reply) goes to the main thread, and is counted as handed over.
    await py(`import os
fd = os.open('${m.mountpoint}/f', os.O_RDWR)
for _ in range(20): os.fsync(fd)
for _ in range(5): os.fdatasync(fd)
os.close(fd)`);
    const after = await directIo(m);
    const made = after.nodesMade - nodesMade;
    expect(after.served - served + after.fsyncHandedOver - fsyncHandedOver - made).toBe(26);
    const now = await scrape(port);
    const delta = (name: string, match: Record<string, string>): number =>
      total(now, name, match) - total(before, name, match);
    expect(delta('fs_interposer_ops_total', { op: 'fsync', result: 'ok' })).toBe(25);
    expect(delta('fs_interposer_ops_total', { op: 'flush', result: 'ok' })).toBe(1);
    expect(delta('fs_interposer_op_duration_seconds_count', { op: 'fsync' })).toBe(25);
    expect(delta('fs_interposer_op_duration_seconds_sum', { op: 'fsync' })).toBeGreaterThan(0);
  });

  it('reports a failed fsync to the caller and counts it by errno', async () => {
    // fsync of a /proc file is EINVAL: a source whose files cannot be synced.
    const port = await freePort();
    const m = await mount('/proc/sys/kernel', [
      '--layers',
      'metrics',
      '--metrics-port',
      String(port),
    ]);
    const before = await scrape(port);
    const { served, fsyncHandedOver, nodesMade } = await directIo(m);
    const out = await py(`import os
fd = os.open('${m.mountpoint}/ostype', os.O_RDONLY)
for sync in (os.fsync, os.fdatasync):
    try:
        sync(fd)
        print('ok')
    except OSError as e:
        print(e.errno)
os.close(fd)`);
    expect(out.trim().split('\n')).toEqual(['22', '22']);
    const after = await directIo(m);
    const made = after.nodesMade - nodesMade;
    expect(after.served - served + after.fsyncHandedOver - fsyncHandedOver - made).toBe(3);
    const now = await scrape(port);
    const delta = (name: string, match: Record<string, string>): number =>
      total(now, name, match) - total(before, name, match);
    expect(delta('fs_interposer_errors_total', { op: 'fsync', errno: 'EINVAL' })).toBe(2);
    expect(delta('fs_interposer_ops_total', { op: 'fsync', result: 'error' })).toBe(2);
    expect(delta('fs_interposer_ops_total', { op: 'fsync', result: 'ok' })).toBe(0);
  });

  it('still releases a POSIX lock when its owner closes another fd of the file', async () => {
    const src = tempDir('rsync-lock');
    cleanup.push(() => rmSync(src, { recursive: true, force: true }));
    writeFileSync(join(src, 'db'), 'x'.repeat(100));
    writeFileSync(join(src, 'other'), 'y');
    const m = await mount(src);
    const file = `${m.mountpoint}/db`;
    // Another process tries the lock: "free" or "locked".
    const probe = `import fcntl, os
fd = os.open('${file}', os.O_RDWR)
try:
    fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    print('free')
except OSError:
    print('locked')
os.close(fd)`;
    const out = await py(`import fcntl, os, subprocess, sys, json, time
probe = ${JSON.stringify(probe)}
def seen():
    return subprocess.run([sys.executable, '-c', probe], capture_output=True, text=True, check=True).stdout.strip()
def status():
    s = subprocess.run(['node', '${CLI}', 'ctl', '${m.mountpoint}', 'status'], capture_output=True, text=True, check=True).stdout
    return json.loads(s)['engine']['directIo']
fd = os.open('${file}', os.O_RDWR)
fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
res = [seen(), status()['lockedNodes']]
# close(2) of any fd of the file drops the owner's locks: the FLUSH must reach the backend.
other = os.open('${file}', os.O_RDONLY)
os.close(other)
res.append(seen())
# An unrelated file closed while a lock is held: its FLUSH goes to the main thread too. (Counted
# from after the open: a reader may answer its LOOKUP.)
o = os.open('${m.mountpoint}/other', os.O_RDONLY)
s0 = status()['served']
os.close(o)
res.append(status()['served'] - s0)
os.close(fd)
# close(2) returns once FLUSH is answered; the RELEASE that forgets the lock comes after it.
deadline = time.monotonic() + 10
while status()['lockedNodes'] != 0 and time.monotonic() < deadline: time.sleep(0.05)
res.append(status()['lockedNodes'])
o = os.open('${m.mountpoint}/other', os.O_RDONLY)
s0 = status()['served']
os.close(o)
res.append(status()['served'] - s0)
print(json.dumps(res))`);
    // locked while held, one locked node, free after the other fd's close, that close's FLUSH
    // not served by a reader, no locked node once the file is closed, FLUSH served again.
    expect(JSON.parse(out) as unknown[]).toEqual(['locked', 1, 'free', 0, 0, 1]);
  });
});
