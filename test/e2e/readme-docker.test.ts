import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, startCluster } from './cluster.js';
import type { Cluster } from './cluster.js';
import { run, waitFor } from './cluster-tools.js';

/**
 * The README's quickstart for people who do not build ("Use it without building"), run as written
 * against the image scripts/image-build-local.sh makes, in the local node's dockerd. Two
 * substitutions only: the published image name becomes the local tag, and the container name is
 * made unique (others use the same dockerd). Then the image itself: tini as PID 1 reaps an
 * orphaned process and forwards `docker stop`'s SIGTERM to node (a clean exit, not SIGKILL), and
 * the OCI labels name this checkout.
 */
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const PUBLISHED = /ghcr\.io\/fs-interposer\/fs-interposer:[\w.-]+/g;
const NAME = `fsi-demo-${process.pid}`;

/** The bash block of the README's "Use it without building" section, one command per line. */
function quickstart(image: string): string[] {
  const section = README.slice(README.indexOf('## Use it without building'));
  const block = /```bash\n([\s\S]*?)```/.exec(section)?.[1] ?? '';
  return block.replace(/\\\n\s*/g, '').split('\n').filter((l) => l.trim() !== '')
    .map((l) => l.replace(PUBLISHED, image).replaceAll('fsi-demo', NAME));
}

let cluster: Cluster;
let dir: string;
let docker: (script: string) => Promise<{ status: number; stdout: string; stderr: string }>;

beforeAll(async () => {
  cluster = await startCluster();
  dir = mkdtempSync(join(tmpdir(), 'fsi-readme-docker-'));
  // The README says `docker`; here that is the node's dockerd through its 20.10 client.
  docker = (script) => run('bash', ['-c', `docker() { "$DOCKER" "$@"; }\n${script}`], {
    env: cluster.env, cwd: dir, timeoutMs: 120_000,
  });
}, 30 * 60_000);

afterAll(async () => {
  await docker?.(`docker rm -f ${NAME} >/dev/null 2>&1 || true`);
  rmSync(dir, { recursive: true, force: true });
  await cluster?.down();
}, 300_000);

describe('README quickstart with docker', () => {
  it('names the image the chart deploys, at the package version', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    expect([...README.matchAll(PUBLISHED)].map((m) => m[0])).toContain(`ghcr.io/fs-interposer/fs-interposer:${pkg.version}`);
    expect(README.startsWith('# fs-interposer\n\n```bash\nnpm start\nnpm test\n```\n')).toBe(true);
  });

  it('mounts through the container: a file written at the mount lands in the source directory', async () => {
    const lines = quickstart(cluster.image);
    expect(lines.at(-1)).toBe(`docker stop ${NAME} && docker rm ${NAME}`);
    const r = await docker(['set -e', ...lines.slice(0, -1)].join('\n'));
    if (r.status !== 0) {
      const logs = await docker(`docker logs ${NAME} 2>&1 | tail -40`);
      throw new Error(`quickstart failed (${r.status}):\n${r.stderr}\n${r.stdout}\n--- container log\n${logs.stdout}`);
    }
    expect(r.stdout).toContain('hello');
    expect(readFileSync(join(dir, 'demo', 'hello.txt'), 'utf8')).toBe('hello\n');
  }, 180_000);

  it('reaps a process orphaned inside the container (tini is PID 1)', async () => {
    const pid1 = await docker(`docker exec ${NAME} cat /proc/1/cmdline | tr '\\0' ' '`);
    expect(pid1.stdout).toMatch(/^\/usr\/bin\/tini-static -s -- node dist\/src\/cli\/main\.js mount /);
    // The shell exits at once: its background sleep is re-parented to PID 1, which must wait for it.
    await docker(`docker exec ${NAME} sh -c 'sleep 1 & exit 0'`);
    await waitFor('the orphaned sleep to be reaped (no zombie left)', async () => {
      const r = await docker(`docker exec ${NAME} sh -c 'cat /proc/[0-9]*/stat 2>/dev/null'`);
      const sleeps = r.stdout.split('\n').filter((l) => l.includes('(sleep)'));
      if (sleeps.length > 0) throw new Error(`still there: ${sleeps.join(' | ')}`);
      return true;
    }, { timeoutMs: 20_000, intervalMs: 500 });
  }, 60_000);

  it('docker stop: SIGTERM reaches node, which unmounts and exits 0 (not killed)', async () => {
    const r = await docker(`docker stop ${NAME} >/dev/null && docker inspect -f '{{.State.ExitCode}} {{.State.OOMKilled}}' ${NAME}`);
    expect(r.stdout.trim()).toBe('0 false');
    const last = quickstart(cluster.image).at(-1)!;
    expect((await docker(last)).status).toBe(0);
  }, 60_000);

  it('carries the OCI labels of this checkout', async () => {
    const r = await docker(`docker image inspect -f '{{json .Config.Labels}}' ${cluster.image}`);
    const labels = JSON.parse(r.stdout) as Record<string, string>;
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string; repository: { url: string } };
    expect(labels).toMatchObject({
      'org.opencontainers.image.version': pkg.version,
      'org.opencontainers.image.revision': execFileSync('git', ['-C', ROOT, 'rev-parse', 'HEAD'], { encoding: 'utf8' }).trim(),
      'org.opencontainers.image.source': pkg.repository.url.replace(/^git\+/, '').replace(/\.git$/, ''),
    });
  });
});
