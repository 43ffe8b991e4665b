import { afterAll, describe, expect, it, jest } from '@jest/globals';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { forceUnmount, REPO, tempDir } from '../helpers/mount.js';
import { shOk } from '../helpers/sh.js';

// Packing, installing (~20 s with the npm cache warm) and one mount.
jest.setTimeout(120_000);

const root = tempDir('npm-package');
const prefix = join(root, 'prefix');
const bin = join(prefix, 'node_modules', '.bin', 'fs-interposer');
// npm and npx of the Node that runs the tests (the pinned one).
const env = { PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ''}`, npm_config_update_notifier: 'false' };
let tarball = '';

afterAll(() => {
  forceUnmount(join(root, 'mnt'));
  rmSync(root, { recursive: true, force: true });
});

interface PackResult {
  filename: string;
  files: { path: string }[];
}

describe('the npm package (npm pack -> npm install into an empty prefix)', () => {
  it('packs the built CLI, the CSI .proto files and the docs it names, and nothing of the tests', async () => {
    // prepack (build + assets) is skipped: the integration stage tests the dist/ it already built.
    await shOk('node scripts/copy-assets.mjs >/dev/null', { cwd: REPO, env });
    const out = await shOk(`npm pack --ignore-scripts --json --pack-destination "${root}"`, { cwd: REPO, env });
    const [packed] = JSON.parse(out) as PackResult[];
    tarball = join(root, packed!.filename);
    const paths = packed!.files.map((f) => f.path);
    expect(paths).toEqual(expect.arrayContaining([
      'package.json', 'README.md', 'dist/src/cli/main.js', 'dist/src/plugin/main.js',
      'dist/src/csi/proto/csi.proto', 'dist/src/csi/proto/pluginregistration.proto',
    ]));
    expect(paths.filter((p) => /^(test|src|bench|charts|dist\/test)\/|\.map$|\.d\.ts$/.test(p))).toEqual([]);
    const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as Record<string, unknown>;
    expect(pkg.private).toBeUndefined();
    expect(pkg.scripts).toMatchObject({ prepack: 'npm run build && node scripts/copy-assets.mjs' });
  });

  it('installs from the tarball alone (registry metadata, tarballs from the npm cache when there)', async () => {
    mkdirSync(prefix);
    await shOk(`npm install --prefer-offline --no-audit --no-fund --prefix "${prefix}" "${tarball}"`, {
      cwd: prefix, env, timeoutMs: 100_000,
    });
    expect(existsSync(bin)).toBe(true);
  });

  it('npx fs-interposer --version and validate run from the installed package', async () => {
    const version = await shOk('npx --no-install fs-interposer --version', { cwd: prefix, env });
    const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string };
    expect(version).toBe(`fs-interposer ${pkg.version} (node ${process.version})\n`);
    const valid = await shOk(`"${bin}" validate --layers trace,throttle=5MB`, { cwd: prefix, env });
    expect(valid).toBe('valid: 2 layer(s), outermost first: trace, throttle\n');
  });

  it('mounts with the installed package (its native koffi binding loads): a write lands in the source', async () => {
    const [src, mnt] = [join(root, 'src'), join(root, 'mnt')];
    mkdirSync(src);
    mkdirSync(mnt);
    // The server runs in its own process; the test only touches the mount from this shell.
    await shOk(`
      "${bin}" mount --layers metrics "${src}" "${mnt}" > "${root}/mount.log" 2>&1 & pid=$!
      for i in $(seq 100); do grep -q " ${mnt} " /proc/self/mountinfo && break; sleep 0.1; done
      echo through-the-package > "${mnt}/hello.txt"
      "${bin}" umount "${mnt}"
      wait $pid`, { env, timeoutMs: 30_000 });
    expect(readFileSync(join(src, 'hello.txt'), 'utf8')).toBe('through-the-package\n');
  });
});
