import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { findMount } from '../../src/fuse/index.js';
import { controlSocketPath } from '../../src/control/socket-path.js';
import { REPO, forceUnmount, startMount, tempDir } from '../helpers/mount.js';
import { sh } from '../helpers/sh.js';

jest.setTimeout(90_000);

const PRELOAD = join(REPO, 'test/fixtures/preload/fatal-on-signal.mjs');

const cleanup: (() => void)[] = [];
afterEach(() => {
  while (cleanup.length) cleanup.pop()!();
});

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * A server whose main thread throws (or leaves a rejection unhandled) while it serves used to
 * stay alive with its reader threads holding the queue: every caller of the mount hung for ever.
 * Now the connection is aborted, the mount detached, the control socket removed, and the process
 * ends, so a caller blocked in the mount at that moment gets an error back.
 */
describe('an error on the main thread of a serving process ends the mount', () => {
  it.each(['throw', 'reject'])(
    '%s: the blocked caller gets ENOTCONN, the server exits',
    async (mode) => {
      const src = tempDir('fatal-src');
      writeFileSync(join(src, 'slow.txt'), 'data\n');
      // Every read waits 120 s in the latency layer: a caller is inside the mount when it fails.
      const m = await startMount({
        source: src,
        args: ['--layers', 'latency=120s'],
        env: { NODE_OPTIONS: `--import ${PRELOAD}`, FSI_TEST_FATAL: mode },
      });
      cleanup.push(() => {
        forceUnmount(m.mountpoint);
        m.child.kill('SIGKILL');
        rmSync(src, { recursive: true, force: true });
      });
      const socket = controlSocketPath(m.mountpoint);
      expect(existsSync(socket)).toBe(true);
      const caller = sh(`cat "${m.mountpoint}/slow.txt"`, { timeoutMs: 45_000 });
      await sleep(1000); // the read is in the latency layer by now
      m.child.kill('SIGPWR');
      const r = await caller;
      // 124 would be our timeout: the caller hung.
      expect(r.code).not.toBe(124);
      expect(r.stderr).toContain('Transport endpoint is not connected');
      const exited = await Promise.race([m.exited, sleep(20_000).then(() => 'hung' as const)]);
      expect(exited).toBe(70);
      expect(findMount(m.mountpoint)).toBeUndefined();
      expect(existsSync(socket)).toBe(false);
      expect(m.logs()).toContain(mode === 'throw' ? 'injected exception' : 'injected rejection');
      expect(m.logs()).toContain('fatal error on the main thread');
    },
  );
});
