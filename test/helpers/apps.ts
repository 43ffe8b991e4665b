import { chmodSync, chownSync, rmdirSync, rmSync } from 'node:fs';
import { startMount, tempDir } from './mount.js';
import type { MountHandle } from './mount.js';
import { shOk } from './sh.js';
import { shAs, startMountAs } from './apps-user.js';
import type { User } from './apps-user.js';

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
  /** Run a bash script as the mount's client (root, or the user who serves the mount); throws on failure. */
  run(script: string, timeoutMs: number): Promise<string>;
}

async function runAs(user: User, script: string, timeoutMs: number): Promise<string> {
  const r = await shAs(user, script, { timeoutMs });
  if (r.code !== 0)
    throw new Error(
      `script as ${user.name} failed (${r.code}):\n${script}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`,
    );
  return r.stdout;
}

/**
 * Run `fn` against a fresh passthrough mount, served by root (mount(2), allow_other) or, with
 * `user`, by that user through fusermount3. The source root is 0755 so that other users can
 * traverse the mount root, whose attributes are the source's. `cleanup` runs before the unmount
 * even when `fn` throws (stop what holds files open on the mount, or the unmount is forced).
 */
export async function withMount<T>(
  prefix: string,
  fn: (a: AppMount) => Promise<T>,
  o: { args?: string[]; user?: User; cleanup?: (a: AppMount) => Promise<void> } = {},
): Promise<T> {
  const src = tempDir(`${prefix}-src`);
  chmodSync(src, 0o755);
  const user = o.user;
  let m: MountHandle;
  if (user) {
    const mountpoint = tempDir(`${prefix}-mnt`);
    chownSync(src, user.uid, user.gid);
    chownSync(mountpoint, user.uid, user.gid);
    m = await startMountAs(user, { source: src, mountpoint, args: o.args ?? [] });
  } else {
    m = await startMount({ source: src, args: o.args ?? [] });
  }
  const a: AppMount = {
    m,
    src,
    mnt: m.mountpoint,
    run: (script, timeoutMs) =>
      user ? runAs(user, script, timeoutMs) : shOk(script, { timeoutMs }),
  };
  try {
    return await fn(a);
  } catch (err) {
    // What the server logged says whether the app met an error of the mount's making.
    if (err instanceof Error) err.message += `\n--- server log (end)\n${m.logs().slice(-3000)}`;
    throw err;
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
