import { afterAll, beforeAll, jest } from '@jest/globals';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { createPassthroughBackend } from '../../src/backends/passthrough/backend.js';
import { describeConformance, passthroughCapabilities } from '../conformance/suite.js';
import { startMount, tempDir } from '../helpers/mount.js';
import type { MountHandle } from '../helpers/mount.js';

jest.setTimeout(60_000);

/**
 * The POSIX suite again, but every operation goes through a real FUSE mount: the suite drives a
 * passthrough backend (in this process) whose root is a directory on the mount, served by
 * `fs-interposer mount` in a child process over the real source directory. So each case checks
 * syscall -> kernel FUSE -> our engine -> our passthrough backend -> the host filesystem.
 */
const isRoot = process.getuid?.() === 0;
const caps = passthroughCapabilities({ root: isRoot, lockOwners: false });

let mount: MountHandle;
let src: string;
let n = 0;

beforeAll(async () => {
  src = tempDir('conf-src');
  // Attribute and entry caching off: the suite checks effects made behind the mount's back.
  mount = await startMount({ source: src, args: ['-o', 'entry_timeout=0,attr_timeout=0'] });
});

afterAll(async () => {
  await mount?.stop();
  rmSync(src, { recursive: true, force: true });
});

describeConformance(
  `through a real FUSE mount (${isRoot ? 'root' : 'unprivileged'})`,
  async () => {
    const name = `case${++n}`;
    mkdirSync(join(src, name));
    const backend = createPassthroughBackend({ root: join(mount.mountpoint, name) });
    return {
      backend,
      caps,
      hostDir: join(src, name),
      async cleanup() {
        await backend.close();
        rmSync(join(src, name), { recursive: true, force: true });
      },
    };
  },
  caps,
);
