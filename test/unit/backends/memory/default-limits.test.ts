import { describe, expect, it } from '@jest/globals';
import { DEFAULT_LIMITS } from '../../../../src/backends/memory/budget.js';
import {
  defaultLimits,
  readCgroupMemoryLimit,
} from '../../../../src/backends/memory/default-limits.js';
import { createMemoryBackend } from '../../../../src/backends/memory/memory-backend.js';
import { harness } from './harness.js';

const MiB = 1024 * 1024;

/** A read function over an in-memory file table (ENOENT for anything else). */
const files = (table: Record<string, string>) => (path: string) => {
  const text = table[path];
  if (text === undefined) throw Object.assign(new Error(path), { code: 'ENOENT' });
  return text;
};

describe('readCgroupMemoryLimit', () => {
  it.each([
    [
      'cgroup v2, own cgroup',
      {
        '/proc/self/cgroup': '0::/kubepods/pod1/c1\n',
        '/sys/fs/cgroup/kubepods/pod1/c1/memory.max': '536870912\n',
      },
      512 * MiB,
    ],
    [
      'cgroup v2 namespace root',
      { '/proc/self/cgroup': '0::/\n', '/sys/fs/cgroup/memory.max': '268435456\n' },
      256 * MiB,
    ],
    [
      'cgroup v2 without a limit',
      { '/proc/self/cgroup': '0::/\n', '/sys/fs/cgroup/memory.max': 'max\n' },
      undefined,
    ],
    [
      'cgroup v1 hybrid, own cgroup',
      {
        '/proc/self/cgroup': '4:memory:/docker/abc\n1:cpu:/\n0::/\n',
        '/sys/fs/cgroup/memory/docker/abc/memory.limit_in_bytes': '1073741824\n',
      },
      1024 * MiB,
    ],
    [
      'cgroup v1 unlimited',
      {
        '/proc/self/cgroup': '4:memory:/\n',
        '/sys/fs/cgroup/memory/memory.limit_in_bytes': '9223372036854771712\n',
      },
      undefined,
    ],
    ['no cgroup files at all', {}, undefined],
  ])('%s', (_name, table, want) => {
    expect(readCgroupMemoryLimit(files(table))).toBe(want);
  });
});

describe('defaultLimits', () => {
  it.each([
    ['no limit', undefined, 256 * MiB],
    ['a generous limit', 4096 * MiB, 256 * MiB],
    ['512 MiB', 512 * MiB, 208 * MiB],
    ['256 MiB', 256 * MiB, 80 * MiB],
    ['a tiny limit (floor)', 64 * MiB, 16 * MiB],
  ])('%s -> maxBytes %d', (_name, memoryLimit, maxBytes) => {
    expect(defaultLimits(memoryLimit)).toEqual({ maxBytes, maxInodes: DEFAULT_LIMITS.maxInodes });
  });

  it('shapes a backend created under a memory limit, unless maxBytes is given', async () => {
    const capped = harness(createMemoryBackend({ memoryLimit: 256 * MiB }));
    const st = await capped.call('statfs', { path: '/' });
    expect(st.blocks * st.bsize).toBe(80 * MiB);
    const explicit = harness(
      createMemoryBackend({ memoryLimit: 256 * MiB, limits: { maxBytes: 200 * MiB } }),
    );
    const st2 = await explicit.call('statfs', { path: '/' });
    expect(st2.blocks * st2.bsize).toBe(200 * MiB);
  });
});
