/**
 * Which backend holds each volume's data in the sidecar: the PV through passthrough (the
 * default), or the sidecar's own memory (`memory`: a scratch volume, bounded, gone with the Pod)
 * or nothing (`null`: a sink; writes are discarded, reads return zeros). The webhook writes the
 * choice from the `fs-interposer/backend.<volume>` annotations into FS_INTERPOSER_BACKENDS as
 * `scratch=memory:268435456,sink=null` (bytes; `memory` alone: sized to the sidecar's memory limit).
 */
import type { Logger } from 'pino';
import { defaultLimits, readCgroupMemoryLimit } from '../backends/memory/default-limits.js';
import { createMemoryBackend } from '../backends/memory/memory-backend.js';
import { createNullBackend } from '../backends/null/null-backend.js';
import { createPassthroughBackend } from '../backends/passthrough/backend.js';
import type { Backend } from '../vfs/types.js';

export type VolumeBackend =
  | { kind: 'passthrough' }
  | { kind: 'memory'; maxBytes?: number }
  | { kind: 'null' };

export const BACKENDS_ENV = 'FS_INTERPOSER_BACKENDS';

function parseOne(entry: string, problems: string[]): [string, VolumeBackend] | undefined {
  const m = /^([a-z0-9-]+)=(passthrough|null|memory)(?::([0-9]+))?$/.exec(entry);
  if (m === null || (m[3] !== undefined && m[2] !== 'memory')) {
    problems.push(`${BACKENDS_ENV}: "${entry}" is not accepted (accepted: <volume>=passthrough|null|memory[:<bytes>])`);
    return undefined;
  }
  const kind = m[2] as VolumeBackend['kind'];
  if (kind !== 'memory') return [m[1]!, { kind }];
  return [m[1]!, m[3] === undefined ? { kind } : { kind, maxBytes: Number(m[3]) }];
}

/** Every volume's backend; volumes the variable does not name are passthrough. */
export function parseBackendsEnv(raw: string | undefined, volumes: readonly string[]): Map<string, VolumeBackend> {
  const out = new Map<string, VolumeBackend>(volumes.map((v) => [v, { kind: 'passthrough' }]));
  const problems: string[] = [];
  for (const entry of (raw ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '')) {
    const parsed = parseOne(entry, problems);
    if (parsed === undefined) continue;
    if (!out.has(parsed[0])) problems.push(`${BACKENDS_ENV}: volume "${parsed[0]}" is not served by this sidecar (accepted: ${volumes.join(', ')})`);
    else out.set(parsed[0], parsed[1]);
  }
  if (problems.length > 0) throw new Error(problems.join('; '));
  return out;
}

export interface BackendContext {
  sourceDir: string;
  logger: Logger;
  /** Memory volumes without a size in this process: they share what the memory limit allows. */
  sizelessMemoryVolumes: number;
  /** This process's memory cap (default: its cgroup's). */
  memoryLimit?: number;
}

export function createVolumeBackend(b: VolumeBackend, ctx: BackendContext): Backend {
  switch (b.kind) {
    case 'passthrough':
      return createPassthroughBackend({ root: ctx.sourceDir, logger: ctx.logger });
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
