import { closeSync, ftruncateSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { CLI, forceUnmount, startMount, tempDir } from '../helpers/mount.js';
import type { MountHandle } from '../helpers/mount.js';
import { shOk } from '../helpers/sh.js';

jest.setTimeout(90_000);

const cleanup: (() => void)[] = [];
afterEach(() => {
  for (const f of cleanup.splice(0)) f();
});

interface Status {
  engine: { readers: { running: number; max: number; crashed: number } };
}

async function readers(m: MountHandle): Promise<Status['engine']['readers']> {
  const out = await shOk(`node "${CLI}" ctl "${m.mountpoint}" status`);
  return (JSON.parse(out) as Status).engine.readers;
}

/** The readers once `want` run, or what runs after `ms`: growth is looked at every 250 ms. */
async function readersOnce(m: MountHandle, want: number, ms = 5_000): Promise<Status['engine']['readers']> {
  const end = Date.now() + ms;
  for (;;) {
    const r = await readers(m);
    if (r.running >= want || Date.now() > end) return r;
    await new Promise((res) => setTimeout(res, 100));
  }
}

async function mount(files: Record<string, Buffer>): Promise<MountHandle> {
  const src = tempDir('growth-src');
  for (const [name, data] of Object.entries(files)) writeFileSync(join(src, name), data);
  const m = await startMount({ source: src });
  cleanup.push(() => {
    forceUnmount(m.mountpoint);
    rmSync(src, { recursive: true, force: true });
  });
  return m;
}

/**
 * An idle mount runs one reader thread (each is a V8 isolate, ~7 MiB); the others of
 * `-o readers=N` (default 2) start when the load asks for them (src/fuse/session/reader-growth.ts).
 */
describe('reader threads start as the load asks', () => {
  it('an idle mount runs one; parallel reads start the second', async () => {
    const m = await mount({ data: Buffer.alloc(8 << 20, 3) });
    await shOk(`ls -la "${m.mountpoint}" > /dev/null`);
    expect(await readers(m)).toEqual({ running: 1, max: 2, crashed: 0 });
    // The mount gave its start-up garbage back before serving (src/sys/idle-heap-trim.ts).
    const status = JSON.parse(await shOk(`node "${CLI}" ctl "${m.mountpoint}" status`)) as {
      engine: { heapTrims: number };
    };
    expect(status.engine.heapTrims).toBeGreaterThanOrEqual(1);
    // O_DIRECT 4 KiB reads in 4 processes: every one reaches the server, thousands a second.
    // Each dd's status counts (a bare `wait` would return 0 whatever they did).
    await shOk(
      `pids=""
       for i in 1 2 3 4; do dd if="${m.mountpoint}/data" of=/dev/null bs=4k iflag=direct status=none & pids="$pids $!"; done
       for p in $pids; do wait $p || exit 1; done`,
      { timeoutMs: 60_000 },
    );
    // The reads take ~0.1 s, less than the 250 ms between two looks: the look after them starts
    // the second reader, which a status asked at once can precede (seen on a CI machine).
    expect(await readersOnce(m, 2)).toEqual({ running: 2, max: 2, crashed: 0 });
  });

  it('a store milliseconds away: parallel reads far under the busy rate start the second', async () => {
    // The store: a mount of our own that delays every READ by 2 ms. Random O_DIRECT reads in 4
    // jobs reach it one at a time through a single reader, ~400 a second: under the 1,000 a
    // second that starts a reader, with that reader busy all the time (2 readers: ~800).
    const src = tempDir('growth-slow-src');
    const fd = openSync(join(src, 'data'), 'w');
    ftruncateSync(fd, 64 << 20);
    closeSync(fd);
    const store = await startMount({ source: src, args: ['--layers', 'latency=2ms'] });
    const m = await startMount({ source: store.mountpoint });
    cleanup.push(() => {
      forceUnmount(m.mountpoint);
      forceUnmount(store.mountpoint);
      rmSync(src, { recursive: true, force: true });
    });
    expect(await readers(m)).toEqual({ running: 1, max: 2, crashed: 0 });
    await shOk(
      `fio --name=slow --filename="${m.mountpoint}/data" --rw=randread --bs=4k --numjobs=4 --direct=1 \
         --ioengine=psync --size=64M --runtime=2 --time_based --group_reporting > /dev/null`,
      { timeoutMs: 60_000 },
    );
    expect(await readersOnce(m, 2)).toEqual({ running: 2, max: 2, crashed: 0 });
  });

  it('one reader with every slot held by a lock wait starts the next, which reads the unlock', async () => {
    const m = await mount({ f: Buffer.from('x') });
    const f = join(m.mountpoint, 'f');
    // The holder keeps the lock while 8 waiters (a reader's 8 slots) queue behind it. With one
    // reader only, the holder's release could never be read: every waiter would hang for ever.
    await shOk(
      `flock -x "${f}" sleep 2 & sleep 0.5
       for i in 1 2 3 4 5 6 7 8 9; do flock -x "${f}" true & done
       wait`,
      { timeoutMs: 60_000 },
    );
    expect(await readers(m)).toEqual({ running: 2, max: 2, crashed: 0 });
  });
});
