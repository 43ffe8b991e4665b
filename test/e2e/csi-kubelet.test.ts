import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import {
  chownSync,
  readdirSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { findMount, listMounts } from '../../src/fuse/index.js';
import { signPod } from '../../src/csi/provenance.js';
import { ROOT, startCluster } from './cluster.js';
import type { Cluster } from './cluster.js';
import { waitFor } from './cluster-tools.js';

/**
 * Issue 10 with the real kubelet (../shared/k8s, 1.20.2 with the grpc authority backport): our CSI
 * node driver runs on the host (as a DaemonSet container would, privileged, sharing the kubelet
 * dir), registers itself through plugins_registry, and serves an inline volume to a Pod that
 * carries the sidecar (written by hand here, as the webhook would). The app container writes and
 * reads through the FUSE mount; the sidecar (uid 65534, no capabilities) serves it over a hostPath
 * "PV" with the metrics layer; deleting the Pod unpublishes and unmounts.
 * The Pod carries the webhook's signature, made here with the same code and a key the test puts in
 * the Secret the driver reads (issue 15, item 12); the same Pod unsigned is refused.
 */
const DRIVER = 'csi.fs-interposer.dev';
const NS = 'csi-e2e';
/** Where the driver finds the provenance key (the chart's release namespace). */
const SYSTEM_NS = 'csi-e2e-system';
const KEY = randomBytes(32).toString('base64');
const NOBODY = 65534;

let cluster: Cluster;
let driver: ChildProcess | undefined;
let driverLog = '';
let work = '';

const kubectl = (args: string[], input?: string): Promise<string> =>
  cluster.kubectl(args, input === undefined ? {} : { input });

function startDriver(): void {
  const env = {
    ...cluster.env,
    FS_INTERPOSER_CSI_DRIVER: DRIVER,
    FS_INTERPOSER_KUBELET_DIR: cluster.kubeletRoot,
    FS_INTERPOSER_STATE_DIR: join(work, 'state'),
    FS_INTERPOSER_NODE_NAME: 'node1',
    FS_INTERPOSER_NAMESPACE: SYSTEM_NS,
    FS_INTERPOSER_PROVENANCE_LEGACY_GRACE_SECONDS: '0',
    KUBECONFIG: cluster.kubeconfig,
    FS_INTERPOSER_LOG_LEVEL: 'debug',
  };
  driver = spawn(process.execPath, [join(ROOT, 'dist/src/csi/main.js')], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  driver.stdout!.on('data', (d: Buffer) => (driverLog += d.toString()));
  driver.stderr!.on('data', (d: Buffer) => (driverLog += d.toString()));
}

const csiDriverObject = {
  apiVersion: 'storage.k8s.io/v1',
  kind: 'CSIDriver',
  metadata: { name: DRIVER },
  spec: {
    attachRequired: false,
    podInfoOnMount: true,
    volumeLifecycleModes: ['Ephemeral'],
    fsGroupPolicy: 'None',
  },
};

/** The Pod as the webhook would write it, signed as the webhook signs (name bound). */
function signedPod(source: string, name = 'app'): object {
  const p = pod(source, name) as { metadata: { annotations: Record<string, string> } };
  const value = signPod(p as never, { namespace: NS, driver: DRIVER, key: KEY });
  p.metadata.annotations['fs-interposer/provenance'] = value!;
  return p;
}

function pod(source: string, name = 'app'): object {
  const env = (name: string, value: string) => ({ name, value });
  const field = (name: string, fieldPath: string) => ({
    name,
    valueFrom: { fieldRef: { fieldPath } },
  });
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: NS, annotations: { 'fs-interposer/layers': 'metrics' } },
    spec: {
      hostNetwork: true,
      restartPolicy: 'Never',
      terminationGracePeriodSeconds: 5,
      containers: [
        {
          name: 'fs-interposer',
          image: cluster.image,
          imagePullPolicy: 'Never',
          command: ['node', 'dist/src/sidecar/main.js'],
          securityContext: {
            runAsUser: NOBODY,
            runAsGroup: NOBODY,
            capabilities: { drop: ['ALL'] },
          },
          env: [
            field('POD_NAME', 'metadata.name'),
            field('POD_NAMESPACE', 'metadata.namespace'),
            field('POD_UID', 'metadata.uid'),
            env('FS_INTERPOSER_VOLUMES', 'data'),
            env('FS_INTERPOSER_HANDOFF_DIR', '/run/fs-interposer'),
            env('FS_INTERPOSER_PODINFO_DIR', '/etc/fs-interposer/podinfo'),
            env('FS_INTERPOSER_SOURCE_ROOT', '/var/lib/fs-interposer/volumes'),
            env('FS_INTERPOSER_GRACE_SECONDS', '3'),
          ],
          volumeMounts: [
            { name: 'fs-interposer-handoff', mountPath: '/run/fs-interposer' },
            {
              name: 'fs-interposer-podinfo',
              mountPath: '/etc/fs-interposer/podinfo',
              readOnly: true,
            },
            { name: 'data', mountPath: '/var/lib/fs-interposer/volumes/data' },
          ],
        },
        {
          name: 'app',
          image: 'local/busybox:1',
          imagePullPolicy: 'Never',
          command: [
            'sh',
            '-c',
            'cat /data/in.txt && echo from-the-app > /data/out.txt && grep " /data " /proc/mounts && sleep 3600',
          ],
          volumeMounts: [{ name: 'fsi-data', mountPath: '/data' }],
        },
      ],
      volumes: [
        { name: 'data', hostPath: { path: source, type: 'Directory' } },
        { name: 'fs-interposer-handoff', emptyDir: {} },
        {
          name: 'fs-interposer-podinfo',
          downwardAPI: {
            items: [{ path: 'annotations', fieldRef: { fieldPath: 'metadata.annotations' } }],
          },
        },
        {
          name: 'fsi-data',
          csi: { driver: DRIVER, volumeAttributes: { 'fs-interposer.dev/source-volume': 'data' } },
        },
      ],
    },
  };
}

const explain = (e: unknown): never => {
  throw new Error(`${(e as Error).message}\n--- driver log (tail) ---\n${driverLog.slice(-6000)}`);
};

beforeAll(async () => {
  cluster = await startCluster();
  work = mkdtempSync('/tmp/fsi-csi-e2e-');
  await kubectl(['create', 'namespace', SYSTEM_NS]);
  const secret = {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'fs-interposer-provenance', namespace: SYSTEM_NS },
    stringData: { key: KEY, created: new Date().toISOString() },
  };
  await kubectl(['apply', '-f', '-'], JSON.stringify(secret));
  startDriver();
}, 45 * 60_000);

afterAll(async () => {
  await kubectl(['delete', 'namespace', NS, '--wait=false']).catch(() => '');
  driver?.kill('SIGTERM');
  await cluster?.down();
  for (const m of listMounts().filter((x) =>
    x.mountpoint.startsWith(cluster?.kubeletRoot ?? '/nonexistent'),
  )) {
    if (m.fsType === 'fuse.fs-interposer') spawn('umount', ['-l', m.mountpoint]);
  }
  if (work) rmSync(work, { recursive: true, force: true });
}, 5 * 60_000);

describe('CSI inline volume through the real kubelet', () => {
  it('registers with the kubelet through plugins_registry', async () => {
    await kubectl(['apply', '-f', '-'], JSON.stringify(csiDriverObject));
    await waitFor(
      'CSINode to list the driver',
      async () => {
        const out = await kubectl([
          'get',
          'csinode',
          'node1',
          '-o',
          'jsonpath={.spec.drivers[*].name}',
        ]);
        return out.includes(DRIVER) ? true : undefined;
      },
      { timeoutMs: 60_000 },
    ).catch(explain);
  }, 120_000);

  it(
    'runs a Pod whose container reads and writes through the sidecar; deletion unmounts',
    async () => {
      const source = join(work, 'pv');
      mkdirSync(source, { recursive: true });
      writeFileSync(join(source, 'in.txt'), 'hello from the PV\n');
      chownSync(work, NOBODY, NOBODY);
      chownSync(source, NOBODY, NOBODY);
      await kubectl(['create', 'namespace', NS]);
      const apply = () => kubectl(['apply', '-f', '-'], JSON.stringify(signedPod(source)));
      await waitFor('the Pod to be accepted', () => apply().then(() => true), {
        timeoutMs: 60_000,
        intervalMs: 2000,
      });
      const logs = await waitFor(
        'the app to read and write through the mount',
        async () => {
          const out = await kubectl(['logs', '-n', NS, 'app', '-c', 'app']).catch(() => '');
          return out.includes('fuse.fs-interposer') ? out : undefined;
        },
        { timeoutMs: 180_000, intervalMs: 2000 },
      ).catch(explain);
      expect(logs).toContain('hello from the PV');
      expect(readFileSync(join(source, 'out.txt'), 'utf8')).toBe('from-the-app\n');
      // Written by root in the app container, owned by the sidecar's uid: it went through the sidecar.
      expect(statSync(join(source, 'out.txt')).uid).toBe(NOBODY);
      const uid = (
        await kubectl(['get', 'pod', '-n', NS, 'app', '-o', 'jsonpath={.metadata.uid}'])
      ).trim();
      const target = join(
        cluster.kubeletRoot,
        'pods',
        uid,
        'volumes',
        'kubernetes.io~csi',
        'fsi-data',
        'mount',
      );
      expect(findMount(target)?.fsType).toBe('fuse.fs-interposer');

      await kubectl(['delete', 'pod', '-n', NS, 'app', '--wait=true', '--timeout=120s']);
      await waitFor(
        'the mount to be gone',
        async () => (findMount(target) === undefined ? true : undefined),
        {
          timeoutMs: 60_000,
        },
      ).catch(explain);
      const left = readdirSync(join(work, 'state', 'volumes')).filter((f) => f.endsWith('.json'));
      expect(left).toEqual([]); // the driver forgot the volume
    },
    8 * 60_000,
  );

  it(
    'refuses the same Pod unsigned: the volume never publishes, the event names the reason',
    async () => {
      const source = join(work, 'pv');
      await kubectl(['apply', '-f', '-'], JSON.stringify(pod(source, 'look-alike')));
      const message = await waitFor(
        'a FailedMount event naming the missing provenance',
        async () => {
          const out = await kubectl([
            'get',
            'events',
            '-n',
            NS,
            '--field-selector',
            'involvedObject.name=look-alike,reason=FailedMount',
            '-o',
            'jsonpath={.items[*].message}',
          ]);
          return out.includes('no webhook provenance') ? out : undefined;
        },
        { timeoutMs: 180_000, intervalMs: 3000 },
      ).catch(explain);
      expect(message).toContain('PermissionDenied');
      const uid = (
        await kubectl(['get', 'pod', '-n', NS, 'look-alike', '-o', 'jsonpath={.metadata.uid}'])
      ).trim();
      const fuse = listMounts().filter(
        (m) => m.mountpoint.includes(uid) && m.fsType.startsWith('fuse'),
      );
      expect(fuse).toEqual([]);
      const phase = await kubectl([
        'get',
        'pod',
        '-n',
        NS,
        'look-alike',
        '-o',
        'jsonpath={.status.phase}',
      ]);
      expect(phase).toBe('Pending');
      await kubectl(['delete', 'pod', '-n', NS, 'look-alike', '--wait=false']);
    },
    4 * 60_000,
  );
});
