import { expect, it } from '@jest/globals';
import type { Cluster } from './cluster.js';
import { waitFor } from './cluster-tools.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- kubectl JSON is read structurally */
/**
 * The lifecycle of an injected Pod around its sidecar, registered into a suite that has the chart
 * installed with `lifecycleChartValues`: a Job whose ServiceAccount has no RBAC at all completes
 * (the sidecar learns from the CSI driver that the app ended, it never calls the API); a Pod
 * whose app exits is not kept alive; a sidecar that cannot start (an image that is not on the
 * node, pull policy Never) fails the volume within csi.sidecarWaitSeconds with an Event.
 */
export const SIDECAR_WAIT_SECONDS = 30;
const MISSING_IMAGE = 'local/fs-interposer:not-on-this-node';

export function lifecycleChartValues(): Record<string, unknown> {
  return { csi: { sidecarWaitSeconds: SIDECAR_WAIT_SECONDS }, sidecar: { allowedImages: [MISSING_IMAGE] } };
}

interface Ctx {
  cluster: () => Cluster;
  ns: string;
  explain: (e: unknown) => Promise<never>;
}

const ANNOTATIONS = { 'fs-interposer/layers': 'metrics', 'fs-interposer/backend.scratch': 'memory=8Mi' };

function podSpec(script: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    hostNetwork: true,
    restartPolicy: 'Never',
    terminationGracePeriodSeconds: 5,
    securityContext: { runAsUser: 1000, runAsGroup: 1000 },
    containers: [{
      name: 'app', image: 'local/busybox:1', imagePullPolicy: 'Never', command: ['sh', '-c', script],
      volumeMounts: [{ name: 'scratch', mountPath: '/scratch' }],
    }],
    volumes: [{ name: 'scratch', emptyDir: {} }],
    ...extra,
  };
}

export function lifecycleCases(c: Ctx): void {
  const kubectl = (args: string[], o = {}): Promise<string> => c.cluster().kubectl(args, o);
  const json = async (args: string[]): Promise<any> => JSON.parse(await kubectl([...args, '-n', c.ns, '-o', 'json']));
  const apply = (obj: object): Promise<string> =>
    waitFor(`${(obj as any).kind} to be created`, async () => kubectl(['apply', '-f', '-'], { input: JSON.stringify(obj) }), { timeoutMs: 30_000 });
  const terminated = (pod: any, name: string): any =>
    pod.status.containerStatuses?.find((s: any) => s.name === name)?.state?.terminated;

  it('a Job whose ServiceAccount has no RBAC completes: the sidecar exits 0 once the app ended, without the API', async () => {
    await kubectl(['create', 'serviceaccount', 'no-rbac', '-n', c.ns]);
    const script = 'echo finished > /scratch/f && cat /scratch/f';
    await apply({
      apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'job', namespace: c.ns },
      spec: { backoffLimit: 0, template: { metadata: { annotations: ANNOTATIONS }, spec: podSpec(script, { serviceAccountName: 'no-rbac' }) } },
    });
    // A bare Pod too: its app exits, and the sidecar does not keep it alive.
    await apply({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'short', namespace: c.ns, annotations: ANNOTATIONS }, spec: podSpec(script) });
    await waitFor('the Job to complete', async () => {
      const job = await json(['get', 'job', 'job']);
      return job.status.conditions?.some((k: any) => k.type === 'Complete' && k.status === 'True') ? true : undefined;
    }, { timeoutMs: 180_000, intervalMs: 2_000 }).catch(c.explain);
    const pod = (await json(['get', 'pods', '-l', 'job-name=job'])).items[0];
    expect(pod.spec.serviceAccountName).toBe('no-rbac');
    expect(pod.spec.containers.map((k: any) => k.name)).toContain('fs-interposer');
    expect(terminated(pod, 'app')?.exitCode).toBe(0);
    expect(terminated(pod, 'fs-interposer')?.exitCode).toBe(0);
    expect(await kubectl(['logs', '-n', c.ns, pod.metadata.name, '-c', 'app'])).toBe('finished\n');
    const short = await waitFor('the short Pod to succeed', async () => {
      const p = await json(['get', 'pod', 'short']);
      return p.status.phase === 'Succeeded' ? p : undefined;
    }, { timeoutMs: 120_000, intervalMs: 2_000 }).catch(c.explain);
    expect(terminated(short, 'fs-interposer')?.exitCode).toBe(0);
  }, 360_000);

  it(`a sidecar that cannot start: within ${SIDECAR_WAIT_SECONDS} s the volume fails and an Event names the cause`, async () => {
    const script = 'ls /scratch; echo rc=$?; sleep 3600';
    const annotations = { ...ANNOTATIONS, 'fs-interposer/image': MISSING_IMAGE };
    const created = Date.now();
    await apply({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'nosidecar', namespace: c.ns, annotations }, spec: podSpec(script) });
    const event = await waitFor('the FsInterposerSidecarMissing event', async () => {
      const events = await json(['get', 'events', '--field-selector', 'involvedObject.name=nosidecar,reason=FsInterposerSidecarMissing']);
      return events.items[0];
    }, { timeoutMs: (SIDECAR_WAIT_SECONDS + 90) * 1000, intervalMs: 1_000 }).catch(c.explain);
    const seconds = (Date.now() - created) / 1000;
    process.stderr.write(`[lifecycle] sidecar missing: event after ${seconds.toFixed(1)} s (bound ${SIDECAR_WAIT_SECONDS} s + the driver's 2 s list period)\n`);
    expect(event.type).toBe('Warning');
    expect(event.message).toContain(`no running fs-interposer sidecar held volume scratch for ${SIDECAR_WAIT_SECONDS} s`);
    expect(event.message).toContain('ErrImageNeverPull');
    // The app is not left waiting in the kernel: it runs and its call fails, or its container
    // cannot be created on the dead mount; either way the Pod says so.
    const outcome = await waitFor('the app to see the error', async () => {
      const pod = await json(['get', 'pod', 'nosidecar']);
      const app = pod.status.containerStatuses?.find((s: any) => s.name === 'app');
      if (app?.state?.running !== undefined) {
        const logs = await kubectl(['logs', '-n', c.ns, 'nosidecar', '-c', 'app']);
        return /rc=/.test(logs) ? `app: ${logs}` : undefined;
      }
      const t = app?.state?.terminated;
      if (t !== undefined) return `terminated: ${t.reason}: ${t.message}`;
      const w = app?.state?.waiting;
      return w !== undefined && w.reason !== 'ContainerCreating' ? `waiting: ${w.reason}: ${w.message}` : undefined;
    }, { timeoutMs: 120_000, intervalMs: 2_000 }).catch(c.explain);
    process.stderr.write(`[lifecycle] the app: ${outcome}\n`);
    // Measured on 1.20/dockershim: the runtime's start of the app was blocked on the mount point
    // until the driver gave up, then failed: ContainerCannotRun "... mount source path ...: file exists".
    expect(outcome).toMatch(/not connected|connection abort|rc=1|CreateContainerError|RunContainerError|ContainerCannotRun/);
    await kubectl(['delete', 'pod', 'nosidecar', '-n', c.ns, '--wait=true', '--timeout=90s'], { timeoutMs: 120_000 });
  }, 360_000);
}
