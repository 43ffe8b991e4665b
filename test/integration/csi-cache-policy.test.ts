// The cache policy the driver decides at NodePublish reaches the real sidecar's engine (real
// mounts, csi-rig.ts): a ReadWriteOncePod claim, or a ReadWriteOnce one opted in with
// fs-interposer/cache.data: exclusive, serves a re-read from the page cache (no READ reaches the
// sidecar) and keeps a missing name as a negative entry; a plain ReadWriteOnce claim, or one the
// driver cannot read, asks the sidecar again.
import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { chownSync, readdirSync, readlinkSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createStaticClaimInspector } from '../../src/csi/cache-decision.js';
import { CLI } from '../helpers/mount.js';
import { parseExposition, total } from '../helpers/prometheus.js';
import { shOk } from '../helpers/sh.js';
import { makeRig, publish, serverPid, startSidecar, teardown } from './csi-rig.js';
import type { Rig, RigOptions } from './csi-rig.js';

jest.setTimeout(120_000);
const NOBODY = 65534;

const claims = createStaticClaimInspector({
  'default/solo': { claimModes: ['ReadWriteOncePod'], pv: 'pv-solo', pvModes: ['ReadWriteOncePod'] },
  'default/shared': { claimModes: ['ReadWriteOnce'], pv: 'pv-shared', pvModes: ['ReadWriteOnce'] },
});

describe('cache policy of an injected volume (real mounts, real sidecar)', () => {
  let rig: Rig | undefined;
  afterEach(() => {
    teardown(rig);
    rig = undefined;
  });

  const opsOf = async (r: Rig, labels: Record<string, string>): Promise<number> => {
    const text = await shOk(`curl -sf --unix-socket "${r.metricsSocket}" http://x/metrics`, { timeoutMs: 10_000 });
    return total(parseExposition(text), 'fs_interposer_ops_total', labels);
  };
  const reads = (r: Rig): Promise<number> => opsOf(r, { op: 'read', result: 'ok' });

  /** LOOKUPs the sidecar served for 10 stats of a missing name (negative entries, exclusive only). */
  const missCost = async (r: Rig): Promise<number> => {
    const before = await opsOf(r, { op: 'lookup' });
    await shOk(`for i in 1 2 3 4 5 6 7 8 9 10; do stat "${r.target}/missing" 2>/dev/null; done; true`, { timeoutMs: 20_000 });
    return (await opsOf(r, { op: 'lookup' })) - before;
  };

  /** The server's directory fds below the volume's root: under exclusive, those it keeps open. */
  const heldDirs = (pid: number, source: string): string[] =>
    readdirSync(`/proc/${pid}/fd`).flatMap((fd) => {
      try {
        const target = readlinkSync(`/proc/${pid}/fd/${fd}`);
        return target.startsWith(`${source}/`) && statSync(target).isDirectory() ? [target] : [];
      } catch {
        return [];
      }
    });

  /**
   * READs the sidecar served for a first and a second `cat` of a 1 MiB file, its status, and the
   * directory fds its server holds after a file is made and looked at in a subdirectory.
   */
  async function rereadCost(o: RigOptions): Promise<{ first: number; second: number; misses: number; held: string[]; source: string; status: { engine: { cache: unknown; heapTrims: number } } }> {
    const r = (rig = makeRig({ ...o, claims }));
    const file = join(r.source, 'big');
    writeFileSync(file, Buffer.alloc(1 << 20, 7));
    chownSync(file, NOBODY, NOBODY);
    await publish(r);
    const sc = startSidecar(r);
    const cat = (): Promise<string> =>
      shOk(`cat "${r.target}/big" | wc -c`, { timeoutMs: 20_000 }).catch((err: Error) => {
        throw new Error(`${err.message}\n--- sidecar\n${sc.logs()}`);
      });
    expect((await cat()).trim()).toBe(String(1 << 20));
    const first = await reads(r);
    await cat();
    const second = (await reads(r)) - first;
    const status = JSON.parse(
      await shOk(`node "${CLI}" ctl --socket "${r.controlDir}/data.sock" status`, { timeoutMs: 20_000 }),
    ) as { engine: { cache: unknown; heapTrims: number } };
    await shOk(`mkdir -p "${r.target}/sub/dir" && touch "${r.target}/sub/dir/f" && stat "${r.target}/sub/dir/f" >/dev/null`, { timeoutMs: 20_000 });
    const held = heldDirs(await serverPid(r), r.source);
    return { first, second, misses: await missCost(r), held, source: r.source, status };
  }

  it.each([
    ['a ReadWriteOncePod claim', { pod: { claims: { data: 'solo' } } }, /PVC solo \(ReadWriteOncePod\)/],
    [
      'a ReadWriteOnce claim opted in',
      { pod: { claims: { data: 'shared' }, annotations: { 'fs-interposer/cache.data': 'exclusive' } } },
      /^fs-interposer\/cache\.data: exclusive$/,
    ],
  ])('%s: a re-read never reaches the sidecar', async (_name, o, reason) => {
    const got = await rereadCost(o);
    expect(got.first).toBeGreaterThan(0);
    expect(got.second).toBe(0);
    // A missing name is a negative entry the kernel keeps (docs/fuse-engine.md).
    expect(got.misses).toBe(1);
    expect(got.status.engine.cache).toEqual({ mode: 'exclusive', reason: expect.stringMatching(reason) });
    // The passthrough backend keeps parent directories open under exclusive (ADR 0010, amendment).
    expect(got.held).toContain(join(got.source, 'sub/dir'));
    // The serving process gave its start-up garbage back (src/sys/idle-heap-trim.ts).
    expect(got.status.engine.heapTrims).toBeGreaterThanOrEqual(1);
  });

  it('a server restarted after kill -9 keeps serving with the decided policy', async () => {
    const { status } = await rereadCost({ pod: { claims: { data: 'solo' } } });
    expect(status.engine.cache).toMatchObject({ mode: 'exclusive' });
    const r = rig!;
    const before = await serverPid(r);
    process.kill(before, 'SIGKILL');
    await shOk(`cat "${r.target}/big" > /dev/null`, { timeoutMs: 20_000 });
    const after = await serverPid(r, before);
    expect(after).not.toBe(before);
    // A successor starts with no directory kept open: the predecessor's cache died with it.
    expect(heldDirs(after, r.source)).toEqual([]);
    const again = JSON.parse(
      await shOk(`node "${CLI}" ctl --socket "${r.controlDir}/data.sock" status`, { timeoutMs: 20_000 }),
    ) as { engine: { cache: unknown } };
    expect(again.engine.cache).toMatchObject({ mode: 'exclusive', reason: expect.stringMatching(/PVC solo/) });
  });

  it.each([
    ['a ReadWriteOnce claim', { pod: { claims: { data: 'shared' } } }, /not ReadWriteOncePod, other Pods may write it/],
    ['a claim the driver cannot read', { pod: { claims: { data: 'gone' } } }, /could not read the claim's access modes/],
  ])('%s: a re-read asks the sidecar again (safe default)', async (_name, o, reason) => {
    const got = await rereadCost(o);
    expect(got.second).toBeGreaterThan(0);
    expect(got.misses).toBe(10);
    expect(got.status.engine.cache).toEqual({ mode: 'default', reason: expect.stringMatching(reason) });
    expect(got.held).toEqual([]);
  });
});
