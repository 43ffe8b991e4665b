import { createMemoryBackend } from '../../src/backends/memory/memory-backend.js';
import type { Capability } from './suite.js';
import { describeConformance } from './suite.js';

// Everything but 'hostDir': the memory backend has no host directory to plant traps in or to
// share with other processes. It acts as a privileged filesystem (trusted.* xattrs, devices).
const caps = new Set<Capability>([
  'xattr',
  'fallocate',
  'seekHole',
  'copyFileRange',
  'locks',
  'lockOwners',
  'ownership',
  'privileged',
  'devices',
  'strictSymlinks',
  'blocks',
]);

describeConformance(
  'memory backend',
  async () => {
    const backend = createMemoryBackend({
      limits: { maxBytes: 64 * 1024 * 1024, maxInodes: 10_000 },
    });
    return { backend, caps, cleanup: () => backend.close?.() ?? Promise.resolve() };
  },
  caps,
);
