import { describe, expect, it } from '@jest/globals';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import type { PassthroughBackend } from '../../../src/backends/passthrough/backend.js';
import { createStack } from '../../../src/vfs/stack.js';
import { registryIdentity } from '../../../src/sidecar/metrics-identity.js';
import { createVolumeBackend } from '../../../src/sidecar/volume-backends.js';
import type { TreeBackend } from '../../../src/backends/memory/tree-backend.js';

const logger = pino({ level: 'silent' });
const MiB = 2 ** 20;

describe('memory volumes and the memory limit', () => {
  const limits = (b: unknown) => (b as TreeBackend).usage().limits.maxBytes;
  const ctx = { sourceDir: '/nonexistent', logger };

  it('a sized volume holds exactly its size', () => {
    expect(limits(createVolumeBackend({ kind: 'memory', maxBytes: 5 * MiB }, { ...ctx, sizelessMemoryVolumes: 0, memoryLimit: 128 * MiB }))).toBe(5 * MiB);
  });

  it('sizeless volumes share what the memory limit leaves after the server', () => {
    const one = limits(createVolumeBackend({ kind: 'memory' }, { ...ctx, sizelessMemoryVolumes: 1, memoryLimit: 256 * MiB }));
    const two = limits(createVolumeBackend({ kind: 'memory' }, { ...ctx, sizelessMemoryVolumes: 2, memoryLimit: 256 * MiB }));
    expect(one).toBe(80 * MiB); // (256 - 96) / 2
    expect(two).toBe(40 * MiB);
  });

  it('null holds no data at all', () => {
    const sink = createVolumeBackend({ kind: 'null' }, { ...ctx, sizelessMemoryVolumes: 0 });
    expect(sink.name).toBe('null');
  });
});

describe('passthrough volumes and the cache policy', () => {
  // An exclusive volume keeps parent directories open (ADR 0010, amendment); a default one never.
  it.each([
    [true, 1],
    [false, 0],
    [undefined, 0],
  ])('exclusive %s: %d directory fd kept after a lookup below a subdirectory', async (exclusive, kept) => {
    const dir = mkdtempSync(join(tmpdir(), 'sidecar-vb-'));
    mkdirSync(join(dir, 'a'));
    writeFileSync(join(dir, 'a/f'), '');
    const b = createVolumeBackend(
      { kind: 'passthrough' },
      { sourceDir: dir, logger, sizelessMemoryVolumes: 0, ...(exclusive === undefined ? {} : { exclusive }) },
    ) as PassthroughBackend;
    try {
      const args = { path: '/a/f' };
      const signal = new AbortController().signal;
      const caller = { pid: 1, uid: 0, gid: 0 };
      await createStack([], b).run({ op: 'lookup', path: '/a/f', args, caller, signal });
      expect(b.cachedDirs).toBe(kept);
    } finally {
      await b.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('metrics identity labels', () => {
  const env = { POD_NAME: 'app', POD_NAMESPACE: 'story' };
  it.each([
    ['0.0.0.0:9464', {}],
    [undefined, {}],
    ['unix:/run/fs-interposer/metrics.sock', { pod: 'app', namespace: 'story' }],
  ])('listening on %s: %j', (listen, identity) => {
    expect(registryIdentity(listen, env)).toEqual(identity);
  });
});
