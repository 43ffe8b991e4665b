import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createPassthroughBackend } from '../../src/backends/passthrough/backend.js';
import { describeConformance, passthroughCapabilities } from './suite.js';
import type { CaseGroup } from './suite.js';

/** The conformance suite over a passthrough backend on a fresh temp dir (root or not). */
export function describePassthroughConformance(
  label: string,
  options: { inlineMeta?: boolean; cacheDirs?: boolean } = {},
  groups?: readonly CaseGroup[],
): void {
  const isRoot = process.getuid?.() === 0;
  const caps = passthroughCapabilities({ root: isRoot, lockOwners: true });
  describeConformance(
    `passthrough over a temp dir${label} (${isRoot ? 'root' : 'unprivileged'})`,
    async () => {
      const base = fs.mkdtempSync(path.join(os.tmpdir(), 'conf-pt-'));
      const hostDir = path.join(base, 'vol');
      fs.mkdirSync(hostDir);
      const backend = createPassthroughBackend({ root: hostDir, ...options });
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
    groups,
  );
}
