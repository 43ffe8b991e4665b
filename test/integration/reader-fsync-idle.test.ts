import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { CLI, forceUnmount, startMount } from '../helpers/mount.js';
import type { MountHandle } from '../helpers/mount.js';
import { shOk } from '../helpers/sh.js';
import { createLayerRig, py } from './layers-rig.js';

jest.setTimeout(120_000);

const rig = createLayerRig();
const outer: MountHandle[] = [];
afterEach(() => {
  // The outer mount first: it holds fds on the inner one.
  for (const m of outer.splice(0)) {
    forceUnmount(m.mountpoint);
    m.child.kill('SIGKILL');
  }
  rig.cleanup();
});

/**
 * How long the inner mount holds each fsync (and nothing else): far longer than a stat takes,
 * with room for three interpreters to start on a loaded machine after the first fsync is held.
 */
const FSYNC_MS = 12_000;

/**
 * Three fsyncs of the outer mount, each in a process of its own (the script holds no fd of the
 * outer mount: a child it spawns would close such fds at exec, and that FLUSH waits for the
 * file's fsync). Once all three have opened their file and the inner mount holds `held` fsyncs
 * (as many as the outer mount has readers), a name never looked up is stat'ed and another file
 * read. Prints the events in the order they completed.
 */
const SCRIPT = (outerMnt: string, innerMnt: string, held: number): string => `
import json, os, subprocess, sys, threading, time
outer, inner = ${JSON.stringify(outerMnt)}, ${JSON.stringify(innerMnt)}
events, lock = [], threading.Lock()
def note(e):
    with lock: events.append(e)
SYNC = "import os, sys\\nfd = os.open(sys.argv[1], os.O_RDWR)\\nprint('open', flush=True)\\nos.fsync(fd)\\nos.close(fd)"
# Requests the kernel sent the inner mount and has no answer for yet, read from fusectl: no
# request of either mount is needed (\`ctl\` stats the mounts to find its socket, and the outer
# one may be the mount that stopped answering).
conn = '/sys/fs/fuse/connections'
minor = next(l.split()[2].split(':')[1] for l in open('/proc/self/mountinfo') if l.split()[4] == inner)
if not os.path.exists(conn + '/' + minor):
    subprocess.run(['mount', '-t', 'fusectl', 'fusectl', conn], check=True)
def held():
    with open(conn + '/' + minor + '/waiting') as f: return int(f.read())
procs = [subprocess.Popen([sys.executable, '-c', SYNC, outer + '/f%d' % i], stdout=subprocess.PIPE, text=True) for i in range(3)]
for p in procs: assert p.stdout.readline() == 'open\\n'
def wait(p):
    p.wait()
    note('fsync' if p.returncode == 0 else 'fsync failed')
threads = [threading.Thread(target=wait, args=(p,)) for p in procs]
for t in threads: t.start()
# Every open is answered and nothing else of this test is in flight: only fsyncs wait now.
deadline = time.monotonic() + 30
while held() < ${held}:
    if time.monotonic() > deadline: raise SystemExit('the inner mount never held ${held} fsyncs')
    time.sleep(0.05)
note('held')
os.stat(outer + '/other')
note('stat')
with open(outer + '/other') as f: f.read()
note('read')
for t in threads: t.join()
print(json.dumps(events))`;

/**
 * A reader thread that serves a slow FSYNC itself holds that reader for the whole fsync: with
 * as many slow fsyncs at once as there are readers, nothing else of the mount would be read from
 * /dev/fuse until one returns. The outer mount's source is an inner mount whose latency layer
 * holds every fsync, so the outer readers' fsync(2) of the backing fd blocks.
 */
describe('slow fsyncs do not hold every reader thread', () => {
  it.each([2, 1])(
    'readers=%d: answers a stat and a read of another file while fsyncs are held',
    async (readers) => {
      const inner = await rig.mount(
        [{ type: 'latency', flush: { fixed: FSYNC_MS }, scope: { ops: ['fsync'] } }],
        {
          prepare: (src) => {
            for (let i = 0; i < 3; i++) writeFileSync(join(src, `f${i}`), 'data');
            writeFileSync(join(src, 'other'), 'other data');
          },
        },
      );
      const m = await startMount({
        source: inner.m.mountpoint,
        args: ['-o', `readers=${readers}`],
      });
      outer.push(m);
      // The first OPEN lets the readers serve data: from then on every open file is theirs.
      await shOk(`cat ${m.mountpoint}/f0`);
      const events = await py<string[]>(SCRIPT(m.mountpoint, inner.m.mountpoint, readers), {
        timeoutMs: 90_000,
      });
      // The stat and the read completed while every fsync was still held.
      expect(events).toEqual(['held', 'stat', 'read', 'fsync', 'fsync', 'fsync']);
      // The readers handed fsyncs to the main thread: with one reader, every one of them.
      const status = JSON.parse(await shOk(`node "${CLI}" ctl "${m.mountpoint}" status`)) as {
        engine: { directIo: { fsyncHandedOver: number } };
      };
      const handed = status.engine.directIo.fsyncHandedOver;
      if (readers === 1) expect(handed).toBe(3);
      else expect(handed).toBeGreaterThanOrEqual(1);
    },
  );
});
