import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createPassthroughBackend } from '../../src/backends/passthrough/backend.js';
import { setInlineSyscalls } from '../../src/sys/libc.js';
import { describeConformance, passthroughCapabilities } from './suite.js';

// The same suite with metadata system calls run inline (the default on local filesystems,
// `-o meta_io=auto`): errors must still arrive as rejections with the same codes.
setInlineSyscalls(true);

const isRoot = process.getuid?.() === 0;
const caps = passthroughCapabilities({ root: isRoot, lockOwners: true });

describeConformance(
  `passthrough over a temp dir, metadata calls inline (${isRoot ? 'root' : 'unprivileged'})`,
  async () => {
    const base = fs.mkdtempSync(path.join(os.tmpdir(), 'conf-pti-'));
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
