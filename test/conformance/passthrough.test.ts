import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createPassthroughBackend } from '../../src/backends/passthrough/backend.js';
import type { Capability } from './suite.js';
import { describeConformance } from './suite.js';

const isRoot = process.getuid?.() === 0;

const caps = new Set<Capability>([
  'hostDir',
  'xattr',
  'fallocate',
  'seekHole',
  'copyFileRange',
  'locks',
  'lockOwners',
  'strictSymlinks',
  'blocks',
  ...(isRoot ? (['ownership', 'devices', 'privileged'] as const) : []),
]);

describeConformance(
  `passthrough over a temp dir (${isRoot ? 'root' : 'unprivileged'})`,
  async () => {
    const base = fs.mkdtempSync(path.join(os.tmpdir(), 'conf-pt-'));
    const hostDir = path.join(base, 'vol');
    fs.mkdirSync(hostDir);
    const backend = createPassthroughBackend({ root: hostDir });
    return {
      backend,
      caps,
      hostDir,
      async cleanup() {
        await backend.close();
        fs.rmSync(base, { recursive: true, force: true });
      },
    };
  },
  caps,
);
