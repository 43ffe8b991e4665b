import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { chmodSync, chownSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { listMounts } from '../../src/fuse/index.js';
import { startCluster } from './cluster.js';
import type { Cluster } from './cluster.js';
import { run, waitFor } from './cluster-tools.js';
import { CHART, DRIVER, NS, OPT_IN_LABEL, RELEASE, localValues } from './cluster-chart.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- kubectl JSON is read structurally */
/**
 * Issue 15, item 12 in the local cluster, with the chart installed (webhook and driver in Pods):
 * only Pods the webhook made get the driver's FUSE fds. A hand-written Pod with our inline volume
 * and a look-alike `fs-interposer` container is refused by the driver in an unlabelled namespace
 * (the volume never publishes; the FailedMount event says why) and denied at admission in an
 * opted-in one, whatever labels it carries; an annotated Pod is injected, signed and served; a
 * Pod shaped like the previous release's (no signature), created before the chart made its key,
 * is still served, with a Warning event (the upgrade path, docs/adr/0077-pod-provenance.md).
 */
const NOBODY = 65534;
const SRC = `/tmp/fs-interposer-e2e-prov-${process.pid}`;

let cluster: Cluster;

const json = async (args: string[]): Promise<any> => JSON.parse(await cluster.kubectl([...args, '-o', 'json']));
const apply = (obj: object): Promise<string> => cluster.kubectl(['apply', '-f', '-'], { input: JSON.stringify(obj) });
const explain = async (e: unknown): Promise<never> => {
  const d = await Promise.all(['prov-legacy', 'prov-off', 'prov-on', NS].map((n) => cluster.diagnostics(n)));
  throw new Error(`${(e as Error).message}\n--- diagnostics ---\n${d.join('\n').slice(-20_000)}`);
};

/**
 * A Pod as the previous release's webhook wrote it (or as someone copies that by hand): a working
 * sidecar over a hostPath source, our inline volume, the `fs-interposer/injected` marker, and no
 * signature.
 */
function unsignedLookAlike(namespace: string, name: string): object {
  const env = (n: string, value: string) => ({ name: n, value });
  return {
    apiVersion: 'v1', kind: 'Pod',
    metadata: { name, namespace, annotations: { 'fs-interposer/layers': 'metrics', 'fs-interposer/injected': 'data' } },
    spec: {
      hostNetwork: true, terminationGracePeriodSeconds: 5,
      containers: [
        {
          name: 'fs-interposer', image: cluster.image, imagePullPolicy: 'Never',
          command: ['node', 'dist/src/sidecar/main.js'],
          securityContext: { runAsUser: NOBODY, runAsGroup: NOBODY, capabilities: { drop: ['ALL'] } },
          env: [
            { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
            { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
            { name: 'POD_UID', valueFrom: { fieldRef: { fieldPath: 'metadata.uid' } } },
            env('FS_INTERPOSER_VOLUMES', 'data'), env('FS_INTERPOSER_HANDOFF_DIR', '/run/fs-interposer'),
            env('FS_INTERPOSER_PODINFO_DIR', '/etc/fs-interposer/podinfo'),
            env('FS_INTERPOSER_SOURCE_ROOT', '/var/lib/fs-interposer/volumes'), env('FS_INTERPOSER_GRACE_SECONDS', '3'),
            env('FS_INTERPOSER_METRICS_LISTEN', 'unix:/run/fs-interposer/metrics.sock'),
          ],
          volumeMounts: [
            { name: 'fs-interposer-handoff', mountPath: '/run/fs-interposer' },
            { name: 'fs-interposer-podinfo', mountPath: '/etc/fs-interposer/podinfo', readOnly: true },
            { name: 'data', mountPath: '/var/lib/fs-interposer/volumes/data' },
          ],
        },
        {
          name: 'app', image: 'local/busybox:1', imagePullPolicy: 'Never',
          command: ['sh', '-c', 'cat /data/in.txt && sleep 3600'],
          volumeMounts: [{ name: 'fsi-data', mountPath: '/data' }],
        },
      ],
      volumes: [
        { name: 'data', hostPath: { path: SRC, type: 'Directory' } },
        { name: 'fs-interposer-handoff', emptyDir: {} },
        { name: 'fs-interposer-podinfo', downwardAPI: { items: [{ path: 'annotations', fieldRef: { fieldPath: 'metadata.annotations' } }] } },
        { name: 'fsi-data', csi: { driver: DRIVER, volumeAttributes: { 'fs-interposer.dev/source-volume': 'data', 'fs-interposer.dev/layers': 'metrics' } } },
      ],
    },
  };
}

/** An app Pod that asks for interposition the documented way. */
const annotatedPod = {
  apiVersion: 'v1', kind: 'Pod',
  metadata: { name: 'app', namespace: 'prov-on', annotations: { 'fs-interposer/layers': 'metrics' } },
  spec: {
    hostNetwork: true, terminationGracePeriodSeconds: 5,
    securityContext: { runAsUser: NOBODY, runAsGroup: NOBODY },
    containers: [{
      name: 'app', image: 'local/busybox:1', imagePullPolicy: 'Never',
      command: ['sh', '-c', 'cat /data/in.txt && echo written-by-app > /data/out.txt && sleep 3600'],
      volumeMounts: [{ name: 'data', mountPath: '/data' }],
    }],
    volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'data' } }],
  },
};

/** Retries while a fresh namespace has no ServiceAccount token yet. */
async function create(obj: object): Promise<void> {
  await waitFor('the object to be created', async () => ((await apply(obj)) ? true : undefined), { timeoutMs: 30_000, intervalMs: 2_000 });
}

async function events(namespace: string, name: string): Promise<string> {
  const list = await json(['get', 'events', '-n', namespace, '--field-selector', `involvedObject.name=${name}`]);
  return list.items.map((e: any) => `${e.reason}: ${e.message}`).join('\n');
}

async function podRunning(namespace: string, name: string): Promise<any> {
  return waitFor(`${namespace}/${name} to run`, async () => {
    const p = await json(['get', 'pod', name, '-n', namespace]);
    return p.status.containerStatuses?.every((c: any) => c.ready) ? p : undefined;
  }, { timeoutMs: 240_000, intervalMs: 3_000 }).catch(explain);
}

describe('Pod provenance: only Pods the webhook made get the FUSE fds', () => {
  beforeAll(async () => {
    cluster = await startCluster();
    mkdirSync(SRC, { recursive: true });
    writeFileSync(`${SRC}/in.txt`, 'hello through fs-interposer\n');
    chmodSync(SRC, 0o777);
    chownSync(`${SRC}/in.txt`, NOBODY, NOBODY);
    // A Pod of "the previous release", there before the chart (and so its key) exists.
    await cluster.kubectl(['create', 'namespace', 'prov-legacy']);
    await create(unsignedLookAlike('prov-legacy', 'legacy'));
    const values = { ...localValues(cluster), provenance: { legacyPods: 'accept', legacyGraceSeconds: 0 } };
    await cluster.helm(['install', RELEASE, CHART, '-n', NS, '--create-namespace', '-f', '-'], { input: JSON.stringify(values) });
    await waitFor(`${DRIVER} registered and the webhook available`, async () => {
      const node = await json(['get', 'csinode', cluster.env.K8S_NODE ?? 'node1']).catch(() => undefined);
      const deploy = await json(['get', 'deploy', '-n', NS, '-l', 'app.kubernetes.io/component=webhook']);
      const registered = node?.spec.drivers?.some((d: any) => d.name === DRIVER);
      return registered && deploy.items[0]?.status.availableReplicas >= 1 ? true : undefined;
    }, { timeoutMs: 240_000 }).catch(explain);
    for (const ns of ['prov-off', 'prov-on']) await cluster.kubectl(['create', 'namespace', ns]);
    await cluster.kubectl(['label', 'namespace', 'prov-on', OPT_IN_LABEL]);
    await apply({
      apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: 'prov-pv', labels: { e2e: 'prov' } },
      spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], storageClassName: '', hostPath: { path: SRC } },
    });
    await apply({
      apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data', namespace: 'prov-on' },
      spec: { accessModes: ['ReadWriteOnce'], storageClassName: '', selector: { matchLabels: { e2e: 'prov' } }, resources: { requests: { storage: '1Gi' } } },
    });
  }, 50 * 60_000);

  afterAll(async () => {
    if (cluster) {
      for (const ns of ['prov-legacy', 'prov-off', 'prov-on']) {
        await cluster.kubectl(['delete', 'namespace', ns, '--wait=true', '--timeout=120s'], { timeoutMs: 150_000 }).catch(() => '');
      }
      await cluster.helm(['uninstall', RELEASE, '-n', NS, '--no-hooks']).catch(() => '');
      await cluster.kubectl(['delete', 'pv', 'prov-pv']).catch(() => '');
      await cluster.down();
    }
    rmSync(SRC, { recursive: true, force: true });
  }, 8 * 60_000);

  it('refuses a hand-written look-alike in an unlabelled namespace: never published, the event says why', async () => {
    await create(unsignedLookAlike('prov-off', 'fake'));
    const seen = await waitFor('a FailedMount event naming the missing provenance', async () => {
      const e = await events('prov-off', 'fake');
      return /FailedMount: .*PermissionDenied.*no webhook provenance/.test(e) ? e : undefined;
    }, { timeoutMs: 240_000, intervalMs: 3_000 }).catch(explain);
    // It even carries the old marker: made after the key, it cannot pass for a Pod of the previous release.
    expect(seen).toMatch(/it carries fs-interposer\/injected like a Pod of an earlier release, but was created/);
    const pod = await json(['get', 'pod', 'fake', '-n', 'prov-off']);
    expect(pod.status.phase).toBe('Pending');
    expect(listMounts().filter((m) => m.mountpoint.includes(pod.metadata.uid) && m.fsType.startsWith('fuse'))).toEqual([]);
  }, 300_000);

  it('denies the same look-alike at admission in an opted-in namespace, even with the chart\'s own label', async () => {
    const fake: any = unsignedLookAlike('prov-on', 'fake');
    fake.metadata.labels = { 'app.kubernetes.io/part-of': 'fs-interposer' };
    // A fresh namespace may reject Pods until its ServiceAccount token exists: retry that only.
    const r = await waitFor('an admission answer', async () => {
      const out = await run(`${cluster.env.K8S_CACHE ?? '/var/cache/k8s-local'}/bin/kubectl`, ['create', '-f', '-'], {
        env: cluster.env, input: JSON.stringify(fake),
      });
      return /service ?account/i.test(out.stderr) ? undefined : out;
    }, { timeoutMs: 30_000, intervalMs: 2_000 });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(
      /admission webhook "pods.fs-interposer.dev" denied the request: fs-interposer: the Pod already carries a container named "fs-interposer", the inline volume "fsi-data" of csi.fs-interposer.dev, the annotation fs-interposer\/injected, without valid provenance from this webhook/,
    );
  }, 120_000);

  it('injects, signs and serves an annotated Pod', async () => {
    await create(annotatedPod);
    const pod = await podRunning('prov-on', 'app');
    expect(pod.metadata.annotations['fs-interposer/provenance']).toMatch(/^v1\.n\./);
    const mounts = await cluster.kubectl(['exec', '-n', 'prov-on', 'app', '-c', 'app', '--', 'cat', '/proc/mounts']);
    expect(mounts).toMatch(/ \/data fuse\.fs-interposer /);
    const logs = await cluster.kubectl(['logs', '-n', 'prov-on', 'app', '-c', 'app']);
    expect(logs).toContain('hello through fs-interposer');
  }, 300_000);

  it('denies a new image for the sidecar of a running injected Pod', async () => {
    const r = await run(`${cluster.env.K8S_CACHE ?? '/var/cache/k8s-local'}/bin/kubectl`,
      ['set', 'image', '-n', 'prov-on', 'pod/app', 'fs-interposer=local/busybox:1'], { env: cluster.env });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/the fs-interposer container cannot change on a running Pod: image/);
  }, 60_000);

  it('still serves the Pod of the previous release, created before the key, with a Warning event', async () => {
    await podRunning('prov-legacy', 'legacy');
    const logs = await cluster.kubectl(['logs', '-n', 'prov-legacy', 'legacy', '-c', 'app']);
    expect(logs).toContain('hello through fs-interposer');
    const e = await events('prov-legacy', 'legacy');
    expect(e).toMatch(/FsInterposerUnsignedPod: served without webhook provenance: injected by a release before it/);
  }, 300_000);
});
