import { describe, expect, it } from '@jest/globals';
import type { V1Pod } from '@kubernetes/client-node';
import { pino } from 'pino';
import { createPodLifecycle, SIDECAR_MISSING_REASON } from '../../../src/csi/pod-lifecycle.js';
import type { LifecycleTarget } from '../../../src/csi/pod-lifecycle.js';
import { podLife } from '../../../src/csi/pod-status.js';
import type { LiveVolume } from '../../../src/csi/volume-publisher.js';

const logger = pino({ level: 'silent' });
type State = 'running' | 'ok' | 'failed' | 'pull' | 'creating';
const status = (name: string, s: State) => ({
  name,
  restartCount: 0,
  state:
    s === 'running' ? { running: {} }
      : s === 'pull' ? { waiting: { reason: 'ErrImageNeverPull', message: 'image "nope:1" is not present' } }
        : s === 'creating' ? { waiting: { reason: 'ContainerCreating' } }
        : { terminated: { exitCode: s === 'ok' ? 0 : 1 } },
});
function pod(o: { sidecar: State; apps: State[]; policy?: string; native?: boolean; uid?: string }): V1Pod {
  const apps = o.apps.map((_, i) => ({ name: `app${i}` }));
  return {
    metadata: { uid: o.uid ?? 'u1', name: 'p', namespace: 'ns' },
    spec: {
      restartPolicy: o.policy ?? 'Never',
      containers: o.native ? apps : [{ name: 'fs-interposer' }, ...apps],
      ...(o.native ? { initContainers: [{ name: 'fs-interposer', restartPolicy: 'Always' }] } : {}),
    },
    status: {
      containerStatuses: [...(o.native ? [] : [status('fs-interposer', o.sidecar)]), ...o.apps.map((s, i) => status(`app${i}`, s))],
      ...(o.native ? { initContainerStatuses: [status('fs-interposer', o.sidecar)] } : {}),
    },
  } as V1Pod;
}

describe("a served Pod's life as the driver reads it", () => {
  it.each([
    ['Never', ['ok'], true],
    ['Never', ['failed'], true],
    ['Never', ['ok', 'running'], false],
    ['OnFailure', ['ok', 'ok'], true],
    ['OnFailure', ['failed'], false], // restarted by the kubelet: not done
    ['Always', ['ok'], false],
  ] as const)('restartPolicy %s, apps %j -> done for good: %s', (policy, apps, done) => {
    expect(podLife(pod({ sidecar: 'running', apps: [...apps], policy }), 'fs-interposer').appsDoneForGood).toBe(done);
  });
  it('a Pod being deleted restarts nothing: its apps are done once they exit (the sidecar stops before the grace period)', () => {
    const p = pod({ sidecar: 'running', apps: ['ok'], policy: 'Always' });
    p.metadata!.deletionTimestamp = new Date();
    expect(podLife(p, 'fs-interposer').appsDoneForGood).toBe(true);
  });
  it('names the state of a sidecar that cannot start', () => {
    const life = podLife(pod({ sidecar: 'pull', apps: ['running'] }), 'fs-interposer');
    expect(life).toMatchObject({ regularSidecar: true, sidecarRunning: false });
    expect(life.sidecarState).toBe('waiting: ErrImageNeverPull: image "nope:1" is not present');
    expect(podLife(pod({ sidecar: 'running', apps: ['running'], native: true }), 'fs-interposer')).toMatchObject({ regularSidecar: false, sidecarRunning: true });
  });
});

describe('the driver watching the Pods it serves', () => {
  const rig = (p: () => V1Pod, served = 0, adopted = false) => {
    let t = 0;
    const said: string[] = [];
    const events: string[] = [];
    const volume = { state: { podUid: 'u1', podNamespace: 'ns', podName: 'p', sourceVolume: 'data' }, server: { served }, adopted } as unknown as LiveVolume;
    const live = new Map([['/t', volume]]);
    const volumes: LifecycleTarget = {
      live,
      signalAppsDone: (target) => said.push(`done ${target}`),
      giveUp: (target, reason) => {
        volume.gaveUp = reason;
        said.push(`gave up ${target}`);
      },
    };
    const lc = createPodLifecycle({
      listPods: () => Promise.resolve([p()]),
      volumes,
      events: { warn: (_pod, reason, message) => Promise.resolve(void events.push(`${reason}: ${message}`)) },
      logger,
      sidecarWaitMs: 30_000,
      now: () => t,
    });
    return { lc, said, events, advance: (ms: number) => (t += ms) };
  };

  it('tells a regular-container sidecar once that the apps ended (a Job completes)', async () => {
    let apps: State[] = ['running'];
    const r = rig(() => pod({ sidecar: 'running', apps }), 1);
    await r.lc.tick();
    expect(r.said).toEqual([]);
    apps = ['ok'];
    await r.lc.tick();
    await r.lc.tick();
    expect(r.said).toEqual(['done /t']);
  });

  it('never tells a native sidecar (the kubelet stops it) nor a Pod whose apps restart', async () => {
    const native = rig(() => pod({ sidecar: 'running', apps: ['ok'], native: true }), 1);
    await native.lc.tick();
    const always = rig(() => pod({ sidecar: 'running', apps: ['ok'], policy: 'Always' }), 1);
    await always.lc.tick();
    expect([...native.said, ...always.said]).toEqual([]);
  });

  it('gives a volume up when no running sidecar held it for the wait, with an Event naming why', async () => {
    const r = rig(() => pod({ sidecar: 'pull', apps: ['running'] }));
    await r.lc.tick();
    r.advance(29_000);
    await r.lc.tick();
    expect(r.said).toEqual([]);
    r.advance(1_000);
    await r.lc.tick();
    await r.lc.tick();
    expect(r.said).toEqual(['gave up /t']);
    expect(r.events).toHaveLength(1);
    expect(r.events[0]).toContain(`${SIDECAR_MISSING_REASON}: no running fs-interposer sidecar held volume data for 30 s`);
    expect(r.events[0]).toContain('waiting: ErrImageNeverPull');
    expect(r.events[0]).toContain('ENOTCONN');
  });

  it("records the Event once the kubelet reports the sidecar's state, at most 15 s after giving up", async () => {
    let sidecar: State = 'creating'; // the kubelet's sync is stuck creating the app on the mount
    const r = rig(() => pod({ sidecar, apps: ['running'] }));
    await r.lc.tick();
    r.advance(30_000);
    await r.lc.tick();
    expect(r.said).toEqual(['gave up /t']);
    expect(r.events).toEqual([]);
    sidecar = 'pull';
    r.advance(2_000);
    await r.lc.tick();
    expect(r.events).toHaveLength(1);
    expect(r.events[0]).toContain('waiting: ErrImageNeverPull');
    const never = rig(() => pod({ sidecar: 'creating', apps: ['running'] }));
    await never.lc.tick();
    never.advance(30_000);
    await never.lc.tick();
    never.advance(15_000);
    await never.lc.tick();
    expect(never.events[0]).toContain('waiting: ContainerCreating');
  });

  it('keeps a volume a running sidecar holds, and one adopted after a driver restart', async () => {
    for (const r of [rig(() => pod({ sidecar: 'running', apps: ['running'] }), 1), rig(() => pod({ sidecar: 'running', apps: ['running'] }), 0, true)]) {
      await r.lc.tick();
      r.advance(120_000);
      await r.lc.tick();
      expect(r.said).toEqual([]);
    }
  });

  it('counts the wait afresh once the sidecar runs again (a crash that recovered)', async () => {
    let sidecar: State = 'failed';
    const r = rig(() => pod({ sidecar, apps: ['running'] }), 1);
    await r.lc.tick();
    r.advance(20_000);
    sidecar = 'running';
    await r.lc.tick();
    sidecar = 'failed';
    r.advance(20_000);
    await r.lc.tick();
    expect(r.said).toEqual([]);
  });
});
