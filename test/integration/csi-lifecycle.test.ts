// The life of an injected volume around its sidecar, through real mounts (csi-rig.ts): the
// regular-container sidecar stops when the driver says the apps ended (no API access in the Pod),
// the native sidecar stops on SIGTERM, and a volume whose sidecar never comes is given up by the
// driver within its bound, so the app's call fails instead of waiting in the kernel for ever.
import { afterEach, describe, expect, it, jest } from '@jest/globals';
import type { V1Pod } from '@kubernetes/client-node';
import { closeSync } from 'node:fs';
import { pino } from 'pino';
import { lifecycleActions } from '../../src/csi/lifecycle-actions.js';
import { createPodLifecycle } from '../../src/csi/pod-lifecycle.js';
import { sh } from '../helpers/sh.js';
import { makeRig, publish, startSidecar, teardown } from './csi-rig.js';
import type { Rig } from './csi-rig.js';

jest.setTimeout(120_000);
const logger = pino({ level: 'silent' });
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const POD_UID = '11111111-2222-3333-4444-555555555555'; // csi-rig.ts publishes for this Pod

function pod(sidecar: object, app: object, restartPolicy = 'Never'): V1Pod {
  return {
    metadata: { uid: POD_UID, name: 'app', namespace: 'default' },
    spec: { restartPolicy, containers: [{ name: 'fs-interposer', image: 'x' }, { name: 'app', image: 'y' }] },
    status: { containerStatuses: [{ name: 'fs-interposer', ...sidecar }, { name: 'app', ...app }] as never },
  };
}

function driverWatch(r: Rig, p: () => V1Pod, events: string[] = [], sidecarWaitMs = 60_000) {
  return createPodLifecycle({
    listPods: () => Promise.resolve([p()]),
    volumes: lifecycleActions({ live: r.publisher.live, closeFds: (fds) => fds.forEach((fd) => closeSync(fd)), logger }),
    events: { warn: (_pod, reason, message) => Promise.resolve(void events.push(`${reason}: ${message}`)) },
    logger,
    sidecarWaitMs,
  });
}

/** Serve through the real sidecar; the first stat answers once it took the fds. */
async function served(r: Rig, kind: 'regular' | 'native'): Promise<void> {
  await publish(r);
  startSidecar(r, undefined, { FS_INTERPOSER_SIDECAR_KIND: kind, FS_INTERPOSER_GRACE_SECONDS: '60' });
  const first = await sh(`cat "${r.target}/hello.txt"`, { timeoutMs: 60_000 });
  if (first.code !== 0) throw new Error(`${first.stderr}\n--- sidecar\n${r.sidecar!.logs()}`);
}

async function exitWithin(r: Rig, ms: number): Promise<number | null | 'running'> {
  let timer: NodeJS.Timeout | undefined;
  const running = new Promise<'running'>((resolve) => (timer = setTimeout(() => resolve('running'), ms)));
  const got = await Promise.race([r.sidecar!.exited, running]);
  clearTimeout(timer);
  if (process.env.CSI_LIFECYCLE_LOGS) process.stderr.write(r.sidecar!.logs());
  return got;
}

describe("a volume's sidecar and the app's life (real mounts)", () => {
  let rig: Rig | undefined;
  afterEach(() => {
    teardown(rig);
    rig = undefined;
  });

  it('regular container (a Job): exits 0 once the driver sees the app ended, with no API access', async () => {
    rig = makeRig();
    await served(rig, 'regular');
    let appState: object = { state: { running: {} } };
    const watch = driverWatch(rig, () => pod({ state: { running: {} } }, appState));
    await watch.tick();
    expect(await exitWithin(rig, 1500)).toBe('running');
    appState = { state: { terminated: { exitCode: 0 } } };
    await watch.tick();
    expect(await exitWithin(rig, 30_000)).toBe(0);
  });

  it('regular container: SIGTERM keeps it serving until the driver sees the app ended', async () => {
    rig = makeRig();
    await served(rig, 'regular');
    process.kill(rig.sidecar!.child.pid!, 'SIGTERM');
    expect(await exitWithin(rig, 1500)).toBe('running');
    expect((await sh(`cat "${rig.target}/hello.txt"`, { timeoutMs: 20_000 })).stdout).toBe('hello through the sidecar\n');
    await driverWatch(rig, () => pod({ state: { running: {} } }, { state: { terminated: { exitCode: 0 } } })).tick();
    expect(await exitWithin(rig, 30_000)).toBe(0);
  });

  it('native sidecar: SIGTERM (sent after the apps exited) stops it at once with exit 0', async () => {
    rig = makeRig();
    await served(rig, 'native');
    process.kill(rig.sidecar!.child.pid!, 'SIGTERM');
    expect(await exitWithin(rig, 30_000)).toBe(0);
    expect(rig.sidecar!.logs()).toMatch(/sigterm/i);
  });

  it('a sidecar that never comes: the waiting app call fails (ECONNABORTED, then ENOTCONN) once the driver gives up, and an Event says why', async () => {
    rig = makeRig();
    await publish(rig);
    const events: string[] = [];
    const sidecar = { state: { waiting: { reason: 'ErrImageNeverPull', message: 'image "local/nope:1" is not present' } } };
    const watch = driverWatch(rig, () => pod(sidecar, { state: { running: {} } }), events, 1000);
    const app = sh(`cat "${rig.target}/hello.txt"`, { timeoutMs: 30_000 });
    await watch.tick(); // the wait starts
    await sleep(1100);
    await watch.tick();
    const r = await app;
    expect(r.code).not.toBe(124); // not killed by the timeout: the kernel answered
    // The call that was waiting is aborted; every later one finds no connection.
    expect(r.stderr).toMatch(/Software caused connection abort/);
    const later = await sh(`ls "${rig.target}"`, { timeoutMs: 30_000 });
    expect(later.stderr).toMatch(/Transport endpoint is not connected/);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatch(/^FsInterposerSidecarMissing: no running fs-interposer sidecar held volume data for 1 s \(container fs-interposer: waiting: ErrImageNeverPull/);
    // Nothing is offered any more: a late sidecar finds no fds to take.
    expect(rig.publisher.live.get(rig.target)?.fds).toEqual([]);
  });
});
