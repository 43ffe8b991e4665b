import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './helm.js';

// The Dockerfile cannot be built here (no registry for the base image): these checks keep it
// consistent with the repository it packages; scripts/image-build-local.sh is exercised by the e2e.
const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { bin: Record<string, string> };
const stages = dockerfile.split(/^FROM /m).slice(1);
const runtime = stages.at(-1) ?? '';

describe('Dockerfile', () => {
  it('pins the Node version of .node-version on a slim base', () => {
    const version = readFileSync(join(ROOT, '.node-version'), 'utf8').trim();
    expect(dockerfile).toContain(`ARG NODE_VERSION=${version}\n`);
    for (const stage of stages) expect(stage).toMatch(/^(--platform=\$BUILDPLATFORM )?node:\$\{NODE_VERSION\}-bookworm-slim AS /);
  });

  it('is multi-stage, and the runtime takes only dist and production node_modules', () => {
    expect(stages.length).toBe(3);
    expect(dockerfile).toMatch(/npm ci --omit=dev/);
    expect([...runtime.matchAll(/^COPY --from=(\w+) (\S+)/gm)].map((m) => `${m[1]} ${m[2]}`)).toEqual([
      'deps /app/node_modules',
      'build /src/dist',
    ]);
  });

  it('runs as a non-root user with a healthcheck, entry point = tini, then the package bin', () => {
    expect(runtime).toMatch(/^USER 65532:65532$/m);
    expect(runtime).toMatch(/^HEALTHCHECK /m);
    expect(runtime).toContain(`ENTRYPOINT ["/usr/bin/tini-static", "-s", "--", "node", "${pkg.bin['fs-interposer']}"]`);
    expect(runtime).toMatch(/apt-get install -y -qq --no-install-recommends tini/);
  });

  it('labels the image with its source, revision and version (OCI), set at build time', () => {
    for (const [label, arg] of [['source', 'SOURCE'], ['revision', 'REVISION'], ['version', 'VERSION']]) {
      expect(runtime).toContain(`org.opencontainers.image.${label}="\${${arg}}"`);
      expect(runtime).toMatch(new RegExp(`^ARG ${arg}=`, 'm'));
    }
    const repo = (pkg as unknown as { repository: { url: string } }).repository.url;
    expect(runtime).toContain(`ARG SOURCE=${repo.replace(/^git\+/, '').replace(/\.git$/, '')}\n`);
  });

  it('selects koffi for the target architecture of a cross build (amd64 and arm64)', () => {
    expect(dockerfile).toMatch(/amd64\) cpu=x64 ;; arm64\) cpu=arm64/);
    expect(dockerfile).toMatch(/--os=linux --cpu="\$cpu"/);
  });

  it('keeps the offline build (image-build-local.sh) on the same user and entry point', () => {
    const local = readFileSync(join(ROOT, 'scripts', 'image-build-local.sh'), 'utf8');
    expect(local).toMatch(/^USER 65532:65532$/m);
    expect(local).toContain(`ENTRYPOINT ["/usr/bin/tini-static", "-s", "--", "node", "${pkg.bin['fs-interposer']}"]`);
    for (const label of ['source', 'revision', 'version']) expect(local).toContain(`org.opencontainers.image.${label}=`);
  });

  it('sends only what the build copies as context', () => {
    const ignore = readFileSync(join(ROOT, '.dockerignore'), 'utf8');
    const allowed = [...ignore.matchAll(/^!(\S+)$/gm)].map((m) => (m[1] ?? '').replace(/\/$/, ''));
    const copied = [...dockerfile.matchAll(/^COPY (?!--from)(.+) \S+$/gm)].flatMap((m) => (m[1] ?? '').split(' '));
    for (const c of copied) expect(allowed).toContain(c.replace(/\/$/, ''));
  });
});
