import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { forceUnmount, startMount, tempDir } from '../helpers/mount.js';
import type { MountHandle } from '../helpers/mount.js';
import { py } from './layers-rig.js';

/**
 * A reader's GETXATTR(security.capability) that lasts (issue 17): the source's root is local,
 * so the readers answer it with fgetxattr, but the file lies on a slow filesystem mounted below
 * that root (here a second mount whose getxattr waits SLOW_MS). When the handle whose fd the
 * reader reads is released meanwhile, the main thread must serve on: its fd is closed once the
 * reader is done, not before, and not never. Before, the main thread waited for the reader.
 */
jest.setTimeout(120_000);

const SLOW_MS = 4000;
const undo: (() => void)[] = [];
afterEach(() => {
  while (undo.length) undo.pop()!();
});

function track(m: MountHandle): MountHandle {
  undo.push(() => {
    forceUnmount(m.mountpoint);
    m.child.kill('SIGKILL');
  });
  return m;
}

describe('a released handle under a reader GETXATTR on a slow filesystem below the source', () => {
  it('the main thread serves on; the fd is closed after the reader is done', async () => {
    const src = tempDir('src');
    const innerSrc = tempDir('inner');
    const dir = tempDir('rig');
    undo.push(() =>
      [src, innerSrc, dir].forEach((d) => rmSync(d, { recursive: true, force: true })),
    );
    writeFileSync(join(innerSrc, 'f'), 'data');
    writeFileSync(join(src, 'g'), 'data');
    mkdirSync(join(src, 'sub'));
    const cfg = join(dir, 'slow-getxattr.json');
    const latency = { type: 'latency', metadata: { fixed: SLOW_MS }, scope: { ops: ['getxattr'] } };
    writeFileSync(
      cfg,
      JSON.stringify({ apiVersion: 'fs-interposer/v1', kind: 'LayerStack', layers: [latency] }),
    );
    const inner = track(
      await startMount({ source: innerSrc, mountpoint: join(src, 'sub'), args: ['--config', cfg] }),
    );
    const m = track(await startMount({ source: src }));
    const r = await py<{
      inReader: boolean;
      stat: number;
      xattr: number;
      xattrErr: string;
      closed: boolean;
    }>(`import os, json, threading, time, errno
f = '${m.mountpoint}/sub/f'
fd = os.open(f, os.O_RDWR)
out = {}
def ask():
    try:
        os.getxattr(f, 'security.capability')
        out['xattrErr'] = ''
    except OSError as e:
        out['xattrErr'] = errno.errorcode[e.errno]
    out['xattr'] = time.monotonic()
# fgetxattr(2): only a reader of the server calls it (the main thread calls getxattr).
FGETXATTR = {'x86_64': 193, 'aarch64': 10}[os.uname().machine]
def in_fgetxattr():
    base = '/proc/${m.pid}/task'
    for tid in os.listdir(base):
        try:
            if open(base + '/' + tid + '/syscall').read().split()[0] == str(FGETXATTR): return True
        except (OSError, IndexError):
            pass
    return False
t = threading.Thread(target=ask)
t.start()
for _ in range(${SLOW_MS / 20}):
    if in_fgetxattr(): break
    time.sleep(0.01)
out['inReader'] = in_fgetxattr()
# The reader is in its fgetxattr on the handle's fd (SLOW_MS long): release the handle.
os.close(fd)
time.sleep(0.3)
# A LOOKUP: the main thread's.
os.stat('${m.mountpoint}/g')
out['stat'] = time.monotonic()
t.join()
# The server's fds of the released file, other than the node's O_PATH one: none, once the reader is done.
def open_fds():
    n = 0
    base = '/proc/${m.pid}/fd'
    for name in os.listdir(base):
        try:
            if os.readlink(base + '/' + name) != '${inner.mountpoint}/f': continue
            flags = int(open('/proc/${m.pid}/fdinfo/' + name).read().split('flags:')[1].split()[0], 8)
        except OSError:
            continue
        if not flags & 0o10000000: n += 1
    return n
for _ in range(100):
    if open_fds() == 0: break
    time.sleep(0.05)
out['closed'] = open_fds() == 0
print(json.dumps(out))`);
    expect(r.inReader).toBe(true);
    expect(r.xattrErr).toBe('ENODATA');
    // Served while the reader was still in its fgetxattr (before: only after it).
    expect(r.stat).toBeLessThan(r.xattr);
    expect(r.closed).toBe(true);
  });
});
