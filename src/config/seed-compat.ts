import type { ConfigError } from './result.js';
import { API_VERSION, KIND } from './types.js';

/**
 * The seed project's config.json (a FUSE fault injector) mapped onto a layer stack; the mapping
 * and its reasoning are in docs/adr/0021-seed-config-mapping.md:
 *   file_fail_rate (probability 0..1)      -> fault on open/read/write/flush, EIO/ENOSPC/ENOENT
 *   directory_fail_rate (probability 0..1) -> fault on opendir/readdir, same errnos
 *   delay_time (seconds)                   -> latency on those same ops
 *   use_seednum + seed                     -> seed (use_seednum false: no fixed seed)
 *   local_log_path                         -> decisionLog.path
 */
export const SEED_KEYS = [
  'file_fail_rate',
  'directory_fail_rate',
  'use_seednum',
  'seed',
  'delay_time',
  'local_log_path',
];

export const SEED_FILE_OPS = ['open', 'read', 'write', 'flush'];
export const SEED_DIR_OPS = ['opendir', 'readdir'];
const SEED_ERRNOS = ['EIO', 'ENOSPC', 'ENOENT'];

export function looksLikeSeedConfig(obj: unknown): obj is Record<string, unknown> {
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj) || 'apiVersion' in obj)
    return false;
  return Object.keys(obj).some((k) => SEED_KEYS.includes(k));
}

type Check = (v: unknown) => boolean;
const isRate: Check = (v) => typeof v === 'number' && v >= 0 && v <= 1;
const CHECKS: Record<string, [Check, string]> = {
  file_fail_rate: [isRate, 'a probability 0..1'],
  directory_fail_rate: [isRate, 'a probability 0..1'],
  use_seednum: [(v) => typeof v === 'boolean' || v === 0 || v === 1, 'true or false'],
  seed: [(v) => Number.isSafeInteger(v) && (v as number) >= 0, 'a non-negative integer'],
  delay_time: [(v) => typeof v === 'number' && v >= 0, 'seconds (a non-negative number)'],
  local_log_path: [(v) => typeof v === 'string' && v.length > 0, 'a file path'],
};

/** Map a seed config; violations carry JSON pointers into the seed object. */
export function mapSeedConfig(seed: Record<string, unknown>): {
  value: object;
  errors: (ConfigError & { pointer: string })[];
} {
  const errors: (ConfigError & { pointer: string })[] = [];
  for (const [key, v] of Object.entries(seed)) {
    const check = CHECKS[key];
    if (check === undefined)
      errors.push({
        pointer: `/${key}`,
        message: `unknown seed config key '${key}'`,
        accepted: SEED_KEYS,
      });
    else if (!check[0](v))
      errors.push({ pointer: `/${key}`, message: `'${key}' must be ${check[1]}` });
  }
  const layers: object[] = [];
  const delayMs = typeof seed.delay_time === 'number' ? seed.delay_time * 1000 : 0;
  if (delayMs > 0) {
    layers.push({
      type: 'latency',
      name: 'seed-delay',
      scope: { ops: [...SEED_FILE_OPS, ...SEED_DIR_OPS] },
      read: { fixed: delayMs },
      write: { fixed: delayMs },
      flush: { fixed: delayMs },
      metadata: { fixed: delayMs },
    });
  }
  const fault = (name: string, rate: unknown, ops: string[]): void => {
    if (typeof rate === 'number' && rate > 0) {
      layers.push({
        type: 'fault',
        name,
        scope: { ops },
        rate: Math.min(rate, 1) * 100,
        errnos: SEED_ERRNOS,
        perOp: Object.fromEntries(
          ops.map((op) => [op, Object.fromEntries(SEED_ERRNOS.map((e) => [e, 1]))]),
        ),
      });
    }
  };
  fault('seed-file-faults', seed.file_fail_rate, SEED_FILE_OPS);
  fault('seed-dir-faults', seed.directory_fail_rate, SEED_DIR_OPS);
  const useSeed = seed.use_seednum === true || seed.use_seednum === 1;
  const value: Record<string, unknown> = { apiVersion: API_VERSION, kind: KIND, layers };
  if (useSeed && typeof seed.seed === 'number') value.seed = seed.seed;
  if (typeof seed.local_log_path === 'string') value.decisionLog = { path: seed.local_log_path };
  return { value, errors };
}
