import { readFileSync } from 'node:fs';
import type { Limits } from './budget.js';
import { DEFAULT_LIMITS } from './budget.js';

const MiB = 1024 * 1024;
/** What the server itself needs besides the filesystem: Node, its heap, buffers in flight. */
const SERVER_RESERVE = 96 * MiB;
/** Never below this: a volume too small to hold anything helps nobody. */
const FLOOR = 16 * MiB;
/** RSS was measured at about 1.5x the data held; keep data under half of what is left. */
const SHARE = 0.5;

const UNLIMITED_V1 = 2 ** 60;

/**
 * Files that may hold this process's memory limit, most specific first: its own cgroup (from
 * /proc/self/cgroup, v2 then v1), then the root of the cgroup mount (what a container with a
 * cgroup namespace sees as its own).
 */
function limitFiles(read: (path: string) => string): string[] {
  const files: string[] = [];
  let table = '';
  try {
    table = read('/proc/self/cgroup');
  } catch {
    // not Linux, or no procfs: only the fixed locations below
  }
  for (const line of table.split('\n')) {
    const [, controllers, path] = line.split(':');
    if (path === undefined || path === '/') continue;
    if (controllers === '') files.push(`/sys/fs/cgroup${path}/memory.max`);
    else if (controllers?.split(',').includes('memory')) {
      files.push(`/sys/fs/cgroup/memory${path}/memory.limit_in_bytes`);
    }
  }
  files.push('/sys/fs/cgroup/memory.max', '/sys/fs/cgroup/memory/memory.limit_in_bytes');
  return files;
}

/** A limit file's value in bytes; undefined for "max" or v1's huge "unlimited". */
function parseLimit(text: string): number | undefined {
  const bytes = Number(text.trim());
  return Number.isFinite(bytes) && bytes > 0 && bytes < UNLIMITED_V1 ? bytes : undefined;
}

/**
 * This process's cgroup memory limit in bytes, or undefined when there is none or it cannot be
 * read. Read once at backend creation, never on the served mount.
 */
export function readCgroupMemoryLimit(
  read: (path: string) => string = (path) => readFileSync(path, 'utf8'),
): number | undefined {
  for (const file of limitFiles(read)) {
    let text: string;
    try {
      text = read(file);
    } catch {
      continue; // not this cgroup version or layout; try the next
    }
    return parseLimit(text);
  }
  return undefined;
}

/**
 * Default limits for a process whose memory is capped at `memoryLimit` bytes: the usual
 * 256 MiB, shrunk so that a full volume plus the server still fits under the cap.
 */
export function defaultLimits(memoryLimit: number | undefined): Limits {
  if (memoryLimit === undefined) return { ...DEFAULT_LIMITS };
  const fitting = Math.floor(((memoryLimit - SERVER_RESERVE) * SHARE) / MiB) * MiB;
  return {
    ...DEFAULT_LIMITS,
    maxBytes: Math.min(DEFAULT_LIMITS.maxBytes, Math.max(FLOOR, fitting)),
  };
}

/**
 * The memory cap a server needs to hold `maxBytes` of data: the inverse of `defaultLimits`, for
 * whoever sets the cap (the webhook sizes a sidecar that serves memory volumes with it).
 */
export function memoryLimitFor(maxBytes: number): number {
  return SERVER_RESERVE + Math.ceil(maxBytes / SHARE);
}
