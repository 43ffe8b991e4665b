import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO, tempDir } from '../helpers/mount.js';
import { sh, shOk } from '../helpers/sh.js';

// Building the rootfs copies node_modules (~150 MB).
jest.setTimeout(120_000);

/**
 * The init process of the image (docs/adr/0084), without a container runtime: the rootfs of
 * scripts/image-build-local.sh, a new PID namespace (unshare) and chroot, started with the init
 * part of the image's ENTRYPOINT (everything before `node`). As PID 1 it must reap a process
 * orphaned to it and pass on a signal node has no handler for; node alone as PID 1 does neither
 * (the first test shows the zombie it leaves). test/e2e/readme-docker.test.ts runs the image itself.
 */
const script = readFileSync(join(REPO, 'scripts/image-build-local.sh'), 'utf8');
const entrypoint = JSON.parse(/^ENTRYPOINT (\[.*\])$/m.exec(script)![1]!) as string[];
const init = entrypoint.slice(0, entrypoint.indexOf('node'));
const dir = tempDir('image-init');
const rootfs = join(dir, 'rootfs');

// A shell whose background sleep outlives it: the sleep is re-parented to PID 1.
const ORPHAN = `const { execSync } = require('child_process');
process.stdout.write(execSync('sh -c "(sleep 0.2 &) && echo orphaned"').toString());
setTimeout(() => process.stdout.write(execSync('cat /proc/[0-9]*/stat').toString()), 1500);`;

function inNamespace(argv: string[]): string {
  const quoted = argv.map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(' ');
  return `exec unshare --pid --fork --mount-proc="${rootfs}/proc" chroot "${rootfs}" ${quoted}`;
}

const states = (stat: string): string[] =>
  stat.split('\n').filter((l) => l.includes('(sleep)')).map((l) => l.split(' ')[2]!);

beforeAll(async () => {
  await shOk(`IMAGE_ROOTFS="${rootfs}" SKIP_BUILD=1 ROOTFS_ONLY=1 bash scripts/image-build-local.sh`, { cwd: REPO, timeoutMs: 110_000 });
  mkdirSync(join(rootfs, 'proc'), { recursive: true });
  await shOk(`mkdir -p "${rootfs}/dev" && mknod -m 666 "${rootfs}/dev/null" c 1 3`);
  writeFileSync(join(rootfs, 'node-script.js'), ORPHAN);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('PID 1 of the image', () => {
  it('the entry point starts with tini, in the Dockerfile too', () => {
    expect(init).toEqual(['/usr/bin/tini-static', '-s', '--']);
    expect(readFileSync(join(REPO, 'Dockerfile'), 'utf8')).toContain(`ENTRYPOINT ${JSON.stringify(entrypoint).replaceAll(',', ', ')}`);
  });

  it('node alone as PID 1 leaves an orphan as a zombie (why tini is there)', async () => {
    const out = await shOk(inNamespace(['/usr/local/bin/node', '/node-script.js']));
    expect(out).toContain('orphaned\n');
    expect(states(out)).toEqual(['Z']);
  });

  it('tini reaps the orphan', async () => {
    const out = await shOk(inNamespace([...init, '/usr/local/bin/node', '/node-script.js']));
    expect(out).toContain('orphaned\n');
    expect(out).toMatch(/^1 \(tini-static\)/m);
    expect(states(out)).toEqual([]);
  });

  it('tini forwards a signal node has no handler for (SIGHUP ends node; PID 1 would ignore it)', async () => {
    const wait = 'setInterval(() => {}, 1000); process.stdout.write("ready\\n")';
    const run = (argv: string[]) => sh(`
      ${inNamespace(argv)} > "${dir}/out" 2>&1 & ns=$!
      for i in $(seq 100); do grep -q ready "${dir}/out" 2>/dev/null && break; sleep 0.1; done
      kill -HUP "$(pgrep -P $ns)"
      for i in $(seq 30); do kill -0 $ns 2>/dev/null || break; sleep 0.1; done
      if kill -0 $ns 2>/dev/null; then echo still-running; kill -KILL "$(pgrep -P $ns)"; fi
      wait $ns; echo "exit $?"`, { timeoutMs: 30_000 });
    const withTini = await run([...init, '/usr/local/bin/node', '-e', wait]);
    expect(withTini.stdout.trim()).toBe('exit 129'); // 128 + SIGHUP, passed back by tini
    const alone = await run(['/usr/local/bin/node', '-e', wait]);
    expect(alone.stdout).toContain('still-running');
  });
});
