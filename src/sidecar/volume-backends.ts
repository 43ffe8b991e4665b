/**
 * Which backend holds each volume's data in the sidecar: the PV through passthrough (the
 * default), or the sidecar's own memory (`memory`: a scratch volume, bounded, gone with the Pod)
 * or nothing (`null`: a sink; writes are discarded, reads return zeros). The webhook writes the
 * choice from the `fs-interposer/backend.<volume>` annotations into FS_INTERPOSER_BACKENDS
 * (src/contract/volume-backends-env.ts).
 */
import type { Logger } from 'pino';
import { defaultLimits, readCgroupMemoryLimit } from '../backends/memory/default-limits.js';
import { createMemoryBackend } from '../backends/memory/memory-backend.js';
import { createNullBackend } from '../backends/null/null-backend.js';
import { createPassthroughBackend } from '../backends/passthrough/backend.js';
import type { VolumeBackend } from '../contract/volume-backends-env.js';
import { metaIoFor } from '../sys/fs-type.js';
import type { Backend } from '../vfs/types.js';

export interface BackendContext {
  sourceDir: string;
  logger: Logger;
  /** Memory volumes without a size in this process: they share what the memory limit allows. */
  sizelessMemoryVolumes: number;
  /** This process's memory cap (default: its cgroup's). */
  memoryLimit?: number;
  /**
   * The volume is served under the exclusive cache policy (nothing but this Pod writes it): the
   * passthrough backend keeps parent directories open by path (ADR 0010, amendment).
   */
  exclusive?: boolean;
}

export function createVolumeBackend(b: VolumeBackend, ctx: BackendContext): Backend {
  switch (b.kind) {
    case 'passthrough':
      return createPassthroughBackend({
        root: ctx.sourceDir,
        logger: ctx.logger,
        // Inline metadata calls where the volume is on a local filesystem (ADR 0074).
        inlineMeta: metaIoFor('auto', ctx.sourceDir, ctx.logger).inline,
        cacheDirs: ctx.exclusive ?? false,
      });
    case 'null':
      return createNullBackend();
    case 'memory': {
      const share = Math.max(1, ctx.sizelessMemoryVolumes);
      const limit = 'memoryLimit' in ctx ? ctx.memoryLimit : readCgroupMemoryLimit();
      const maxBytes = b.maxBytes ?? Math.floor(defaultLimits(limit).maxBytes / share);
      ctx.logger.info({ maxBytes, memoryLimit: limit }, 'memory backend: data held in the sidecar, gone with the Pod');
      return createMemoryBackend({ limits: { maxBytes } });
    }
  }
}
