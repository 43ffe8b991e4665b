import { afterAll, describe, expect, it } from '@jest/globals';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseLayerSpec } from '../../../src/config/index.js';
import { filesInsideMount, resolvesIntoMount } from '../../../src/cli/outside-mount.js';
import type { MountInfo } from '../../../src/fuse/index.js';

const tmp = mkdtempSync(join(tmpdir(), 'fsi-outside-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const mnt = join(tmp, 'mnt');
for (const d of ['mnt', 'mnt-other', 'out', 'dir', 'bind']) mkdirSync(join(tmp, d));
symlinkSync(mnt, join(tmp, 'abs-link'));
symlinkSync('./mnt', join(tmp, 'rel-link'));
symlinkSync('../mnt', join(tmp, 'dir', 'up-link'));
symlinkSync(join(mnt, 'x'), join(tmp, 'file-link'));
symlinkSync(join(tmp, 'loop-b'), join(tmp, 'loop-a'));
symlinkSync(join(tmp, 'loop-a'), join(tmp, 'loop-b'));

// The served mount and a bind mount of it share the connection's device.
const mounts = (): MountInfo[] => [
  { mountpoint: '/', device: '8:1', fsType: 'ext4' },
  { mountpoint: mnt, device: '0:77', fsType: 'fuse.fs-interposer' },
  { mountpoint: join(tmp, 'bind'), device: '0:77', fsType: 'fuse.fs-interposer' },
];

describe('resolvesIntoMount', () => {
  it.each([
    [`${mnt}/rec.jsonl`, true],
    [`${mnt}/sub/deeper/rec.jsonl`, true],
    [mnt, true],
    ['mnt/rec.jsonl', true],
    [`${tmp}/abs-link/rec.jsonl`, true],
    [`${tmp}/rel-link/rec.jsonl`, true],
    [`${tmp}/dir/up-link/rec.jsonl`, true],
    [`${tmp}/dir/../mnt/rec.jsonl`, true],
    [`${tmp}/out/../mnt/./rec.jsonl`, true],
    [`${tmp}/bind/rec.jsonl`, true],
    [`${tmp}/mnt-other/rec.jsonl`, false],
    [`${tmp}/out/rec.jsonl`, false],
    [`${tmp}/missing/rec.jsonl`, false],
    [`${tmp}/loop-a/rec.jsonl`, false],
    // The last component is opened with O_NOFOLLOW: a symlink there fails the open by itself.
    [`${tmp}/file-link`, false],
  ])('%s -> %s', (path, inside) => {
    expect(resolvesIntoMount(path, mnt, { mounts, cwd: tmp })).toBe(inside);
  });

  it('follows the last component for a file that is only read (replay)', () => {
    expect(resolvesIntoMount(`${tmp}/file-link`, mnt, { mounts, followLast: true })).toBe(true);
  });
});

describe('filesInsideMount', () => {
  it('names every server file inside the mount, with its position', () => {
    const r = parseLayerSpec(`metrics,record=${tmp}/out/ok.jsonl,record=${mnt}/bad.jsonl`);
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    const config = {
      ...r.value,
      decisionLog: { path: `${tmp}/abs-link/d.jsonl` },
      replay: { path: `${tmp}/file-link` },
    };
    const errors = filesInsideMount(config, mnt, mounts);
    expect(errors.map((e) => e.position)).toEqual([
      '/layers/2/path',
      '/decisionLog/path',
      '/replay/path',
    ]);
    expect(errors[0]!.message).toContain(`inside the mount being served (${mnt})`);
  });
});
