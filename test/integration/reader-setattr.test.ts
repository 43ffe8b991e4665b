import { mkdirSync, statSync, writeFileSync, chmodSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { shOk } from '../helpers/sh.js';
import { createLayerRig, py } from './layers-rig.js';
import { directIoServed, mountCounted } from './reader-served-rig.js';

/**
 * SETATTR of mode and times through an open file in the reader threads
 * (src/fuse/session/direct-setattr.ts), on a real mount with `metrics`: fchmod and futimens of
 * an open file, and `tar x` (which sets each file's mode and times before closing it), land in
 * the backend exactly, every SETATTR is counted once, and the readers answer them.
 */
jest.setTimeout(180_000);

const rig = createLayerRig();
afterEach(() => rig.cleanup());

describe('SETATTR through an open file in the reader threads', () => {
  it('fchmod and futimens of an open file: exact in the backend, counted, the readers answer', async () => {
    const t = await mountCounted(rig, [], 1, ['-o', 'exclusive']);
    writeFileSync(join(t.src, 'f'), 'data\n');
    const s0 = await directIoServed(t.m.mountpoint);
    const a0 = await t.ops('setattr');
    const out = await py<{ mode: number; atime: number; mtime: number }>(`import os, json
fd = os.open('${t.m.mountpoint}/f', os.O_RDWR)
os.fchmod(fd, 0o640)
os.utime(fd, ns=(1600000000123456789, 1500000000987654321))
st = os.fstat(fd)
os.close(fd)
print(json.dumps({'mode': st.st_mode & 0o7777, 'atime': st.st_atime_ns, 'mtime': st.st_mtime_ns}))`);
    expect(out).toEqual({ mode: 0o640, atime: 1600000000123456789, mtime: 1500000000987654321 });
    const st = statSync(join(t.src, 'f'), { bigint: true });
    expect([st.mode & 0o7777n, st.atimeNs, st.mtimeNs]).toEqual([
      0o640n,
      1_600_000_000_123_456_789n,
      1_500_000_000_987_654_321n,
    ]);
    expect((await t.ops('setattr')) - a0).toBe(2);
    // The two SETATTRs and the close's FLUSH (OPEN and RELEASE are the main thread's).
    expect((await directIoServed(t.m.mountpoint)) - s0).toBeGreaterThanOrEqual(3);
  });

  it('tar x through the mount keeps every mode and mtime of the archive', async () => {
    const t = await mountCounted(rig, [], 1, ['-o', 'exclusive']);
    const tree = join(t.dir, 'tree');
    mkdirSync(join(tree, 'sub'), { recursive: true });
    const files = Array.from({ length: 40 }, (_, i) => join(i % 2 ? 'sub' : '', `f${i}`));
    files.forEach((f, i) => {
      writeFileSync(join(tree, f), `${i}\n`.repeat(i + 1));
      chmodSync(join(tree, f), i % 3 === 0 ? 0o600 : i % 3 === 1 ? 0o751 : 0o644);
      utimesSync(join(tree, f), 1_000_000_000 + i, 1_200_000_000 + i * 7);
    });
    await shOk(`tar -C "${tree}" -cf "${t.dir}/a.tar" .`);
    const s0 = await directIoServed(t.m.mountpoint);
    await shOk(`mkdir "${t.m.mountpoint}/x" && tar -C "${t.m.mountpoint}/x" -xf "${t.dir}/a.tar"`);
    for (const f of files) {
      const want = statSync(join(tree, f));
      const got = statSync(join(t.src, 'x', f));
      expect([got.mode, got.mtimeMs, got.size]).toEqual([want.mode, want.mtimeMs, want.size]);
    }
    expect(await t.ops('setattr')).toBeGreaterThanOrEqual(files.length);
    expect((await directIoServed(t.m.mountpoint)) - s0).toBeGreaterThan(files.length);
  });
});
