import { chmodSync, rmdirSync, rmSync } from 'node:fs';
import { startMount, tempDir } from './mount.js';
import type { MountHandle } from './mount.js';

/**
 * Helpers for the real-application integration tests: each test gets its own source directory
 * and its own mount (served by `fs-interposer mount` in a child process), so one application's
 * failure or leftovers cannot disturb the next.
 */
export interface AppMount {
  readonly m: MountHandle;
  /** The backing directory: what the applications wrote must be there too. */
  readonly src: string;
  readonly mnt: string;
}

/**
 * Run `fn` against a fresh passthrough mount. The source root is 0755 so that other users
 * (postgres, the unprivileged uid) can traverse the mount root, whose attributes are the
 * source's. `cleanup` runs before the unmount even when `fn` throws (stop what holds files
 * open on the mount, or the unmount falls back to a forced abort).
 */
export async function withMount<T>(
  prefix: string,
  fn: (a: AppMount) => Promise<T>,
  o: { args?: string[]; cleanup?: (a: AppMount) => Promise<void> } = {},
): Promise<T> {
  const src = tempDir(`${prefix}-src`);
  chmodSync(src, 0o755);
  const m = await startMount({ source: src, args: o.args ?? [] });
  const a: AppMount = { m, src, mnt: m.mountpoint };
  try {
    return await fn(a);
  } finally {
    try {
      await o.cleanup?.(a);
    } finally {
      const code = await m.stop();
      rmSync(src, { recursive: true, force: true });
      try {
        rmdirSync(m.mountpoint); // never recursive: a mount left behind must not be walked
      } catch {
        // still mounted (forced lazy detach) or already gone
      }
      // A server that exits non-zero (or had to be killed) is a failure of the test too.
      if (code !== 0) throw new Error(`server exited with ${code}:\n${m.logs().slice(-4000)}`);
    }
  }
}

/** The newest installed PostgreSQL server binaries (Debian layout), or undefined. */
export const PG_BIN_SCRIPT = `ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1`;

/** Bash prelude: `as_user USER cmd...` runs cmd with USER's uid, gid and groups (no login). */
export const AS_USER = `as_user() { local u="$1"; shift; setpriv --reuid="$u" --regid="$(id -g "$u")" --init-groups "$@"; }`;
