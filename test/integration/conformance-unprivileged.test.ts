import { describe, expect, it, jest } from '@jest/globals';
import { chmodSync, chownSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO, startMount, tempDir } from '../helpers/mount.js';
import { sh } from '../helpers/sh.js';
import { lookupUser, startMountAs, usersCanOpenFuse } from '../helpers/apps-user.js';
import type { User } from '../helpers/apps-user.js';

/** A server run by `user` on a source and mount point of its own (both under a 0755 root dir). */
async function startServerAs(user: User, args: string[]) {
  const root = tempDir('uconf-user');
  chmodSync(root, 0o755);
  const src = join(root, 'src');
  const mnt = join(root, 'mnt');
  mkdirSync(src);
  mkdirSync(mnt);
  chownSync(src, user.uid, user.gid);
  chownSync(mnt, user.uid, user.gid);
  const m = await startMountAs(user, { source: src, mountpoint: mnt, args });
  return { m, src, root };
}

jest.setTimeout(330_000);

/**
 * The POSIX suite through a real mount with an unprivileged client (uid 65534). The suite runs
 * in-process under jest, so a child jest runs test/helpers/apps-conformance-client.ts as that
 * uid (setpriv) and its JSON results come back here: any failed case fails this test.
 */
const NOBODY = 65534;
const USERS_GID = 100;

interface JestJson {
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests: number;
  numRuntimeErrorTestSuites: number;
  testResults: {
    message: string;
    assertionResults: { fullName: string; status: string; failureMessages: string[] }[];
  }[];
}

/** The same transform as jest.config.js, with a cache the unprivileged uid can write. */
function childConfig(cacheDirectory: string): string {
  return JSON.stringify({
    rootDir: REPO,
    roots: ['<rootDir>/test'],
    testMatch: ['<rootDir>/test/helpers/apps-conformance-client.ts'],
    extensionsToTreatAsEsm: ['.ts'],
    moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
    transform: { '^.+\\.ts$': ['ts-jest', { useESM: true, diagnostics: false }] },
    testEnvironment: 'node',
    cacheDirectory,
    testTimeout: 60_000,
  });
}

/** Names of the cases the child did not pass (skipped: the failed ones already failed the test). */
function notPassed(json: JestJson): string[] {
  return json.testResults.flatMap((t) =>
    t.assertionResults.filter((a) => a.status !== 'passed').map((a) => a.fullName),
  );
}

/** A case may only be skipped for a capability no unprivileged client has (its name ends in [caps]). */
const ROOT_CAPS = /\[[^\]]*\b(ownership|devices|privileged|lockOwners)\b[^\]]*\]$/;

async function runClientSuite(env: Record<string, string>): Promise<JestJson> {
  const work = tempDir('uconf-jest');
  chownSync(work, NOBODY, NOBODY);
  const out = join(work, 'result.json');
  try {
    const r = await sh(
      `cd "${REPO}" && exec setpriv --reuid=${NOBODY} --regid=${NOBODY} --clear-groups \
         "${process.execPath}" --experimental-vm-modules node_modules/jest/bin/jest.js \
         --config '${childConfig(join(work, 'cache'))}' --ci --forceExit --json --outputFile="${out}"`,
      { timeoutMs: 300_000, env: { ...env, HOME: work, JEST_WORKER_ID: '' } },
    );
    let json: JestJson;
    try {
      json = JSON.parse(readFileSync(out, 'utf8')) as JestJson;
    } catch {
      throw new Error(`child jest left no results (exit ${r.code}):\n${r.stderr.slice(-6000)}`);
    }
    const failed = json.testResults.flatMap((t) =>
      t.assertionResults
        .filter((a) => a.status === 'failed')
        .map((a) => `${a.fullName}\n${a.failureMessages.join('\n').slice(0, 1500)}`),
    );
    const suiteErrors = json.testResults.map((t) => t.message).filter((m) => m !== '');
    // Shown as the assertion's diff, so CI names every failing case.
    expect({ failed, suiteErrors }).toEqual({ failed: [], suiteErrors: [] });
    expect(r.code).toBe(0);
    console.log(
      `${env.FSI_CONF_MODE}: ${json.numPassedTests} passed, ${json.numPendingTests} skipped\n${notPassed(json).join('\n')}`,
    );
    return json;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** Root-owned objects the unprivileged client must be kept out of by the kernel. */
function plantFixtures(src: string): void {
  const d = join(src, 'fixtures');
  mkdirSync(join(d, 'closed'), { recursive: true });
  writeFileSync(join(d, 'root-644'), 'root');
  chmodSync(join(d, 'root-644'), 0o644);
  writeFileSync(join(d, 'root-666'), 'root');
  chmodSync(join(d, 'root-666'), 0o666);
  mkdirSync(join(d, 'sticky'));
  chmodSync(join(d, 'sticky'), 0o1777);
  writeFileSync(join(d, 'sticky/root-file'), 'root');
  chmodSync(join(d, 'sticky/root-file'), 0o666);
  mkdirSync(join(d, 'sgid'));
  chownSync(join(d, 'sgid'), 0, USERS_GID);
  chmodSync(join(d, 'sgid'), 0o2777);
}

describe('POSIX conformance through a real mount, unprivileged client', () => {
  it('server as root, client as uid 65534 (kernel permission checks, caller-owned objects)', async () => {
    const src = tempDir('uconf-src');
    const cachedSrc = tempDir('uconf-src');
    for (const d of [src, cachedSrc]) {
      chownSync(d, NOBODY, NOBODY);
      chmodSync(d, 0o755);
    }
    plantFixtures(src);
    const m = await startMount({ source: src, args: ['-o', 'entry_timeout=0,attr_timeout=0'] });
    const cached = await startMount({
      source: cachedSrc,
      args: ['-o', 'entry_timeout=60,attr_timeout=60'],
    });
    try {
      const json = await runClientSuite({
        FSI_CONF_MODE: 'root-server',
        FSI_CONF_MNT: m.mountpoint,
        FSI_CONF_SRC: src,
        FSI_CONF_MNT_CACHED: cached.mountpoint,
        FSI_CONF_SRC_CACHED: cachedSrc,
      });
      expect(json.numPassedTests).toBeGreaterThanOrEqual(64);
      expect(notPassed(json).filter((name) => !ROOT_CAPS.test(name))).toEqual([]);
    } finally {
      expect(await m.stop()).toBe(0);
      expect(await cached.stop()).toBe(0);
      for (const d of [src, cachedSrc]) rmSync(d, { recursive: true, force: true });
    }
  });

  it('fully unprivileged: server (fusermount3 or brokered) and client both uid 65534', async () => {
    // Where users may not open /dev/fuse, root mounts for uid 65534 and hands its server the fd.
    // The second server caches attributes: the hard-link coherence cases run on it again.
    const brokered = usersCanOpenFuse()
      ? []
      : [
          await startServerAs(lookupUser('nobody'), ['-o', 'entry_timeout=0,attr_timeout=0']),
          await startServerAs(lookupUser('nobody'), ['-o', 'entry_timeout=60,attr_timeout=60']),
        ];
    const env: Record<string, string> = { FSI_CONF_MODE: 'user-server' };
    const [plain, cached] = brokered;
    if (plain && cached)
      Object.assign(env, {
        FSI_CONF_MNT: plain.m.mountpoint,
        FSI_CONF_SRC: plain.src,
        FSI_CONF_MNT_CACHED: cached.m.mountpoint,
        FSI_CONF_SRC_CACHED: cached.src,
      });
    let json: JestJson;
    try {
      json = await runClientSuite(env);
    } finally {
      for (const b of brokered) {
        expect(await b.m.stop()).toBe(0);
        rmSync(b.root, { recursive: true, force: true });
      }
    }
    expect(json.numPassedTests).toBeGreaterThanOrEqual(62);
    // The root-owned fixtures exist only when root serves; everything else must pass.
    const other = notPassed(json).filter((name) => !ROOT_CAPS.test(name));
    expect(other.map((name) => name.replace(/.*\(user-server\) /, ''))).toEqual([
      "root's files: open for write EACCES, chmod/chown/utimes EPERM, UTIME_NOW with write access OK",
      'directories: no create in a 0755 root dir, sticky dir protects root files, set-group-ID is inherited',
    ]);
  });
});
