import { afterAll, beforeAll, jest } from '@jest/globals';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { createPassthroughBackend } from '../../src/backends/passthrough/backend.js';
import type { ConformanceTarget } from '../conformance/suite.js';
import {
  coherenceCases,
  describeConformance,
  passthroughCapabilities,
} from '../conformance/suite.js';
import { startMount, tempDir } from '../helpers/mount.js';
import type { MountHandle } from '../helpers/mount.js';

jest.setTimeout(60_000);

/**
 * The POSIX suite again, but every operation goes through a real FUSE mount: the suite drives a
 * passthrough backend (in this process) whose root is a directory on the mount, served by
 * `fs-interposer mount` in a child process over the real source directory. So each case checks
 * syscall -> kernel FUSE -> our engine -> our passthrough backend -> the host filesystem.
 * Attribute and entry caching are off (the suite checks effects made behind the mount's back);
 * the hard-link coherence cases run again on a second mount that caches for a minute.
 */
const isRoot = process.getuid?.() === 0;
const caps = passthroughCapabilities({ root: isRoot, lockOwners: false });
const UNCACHED = 'entry_timeout=0,attr_timeout=0';
const CACHED = 'entry_timeout=60,attr_timeout=60';
const EXCLUSIVE = 'exclusive';

const mounts: { mount: MountHandle; src: string }[] = [];
let n = 0;

beforeAll(async () => {
  for (const opts of [UNCACHED, CACHED, EXCLUSIVE]) {
    const src = tempDir('conf-src');
    mounts.push({ src, mount: await startMount({ source: src, args: ['-o', opts] }) });
  }
});

afterAll(async () => {
  for (const { mount, src } of mounts) {
    await mount.stop();
    rmSync(src, { recursive: true, force: true });
  }
});

/** A fresh directory on mount `i`, as the root of an in-process passthrough backend. */
async function caseOn(i: number): Promise<ConformanceTarget> {
  const { mount, src } = mounts[i]!;
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
}

const who = isRoot ? 'root' : 'unprivileged';
describeConformance(`through a real FUSE mount (${who})`, () => caseOn(0), caps);
describeConformance(`through a real FUSE mount, cached (${who})`, () => caseOn(1), caps, [
  coherenceCases,
]);
describeConformance(`through a real FUSE mount, -o exclusive (${who})`, () => caseOn(2), caps, [
  coherenceCases,
]);
