import { chmodSync, mkdirSync, rmSync } from 'node:fs';
import { NAMESPACE_DEFAULT_LAYERS } from '../../src/contract/pod.js';
import type { Cluster } from './cluster.js';
import { waitFor } from './cluster-tools.js';
import { OPT_IN_LABEL } from './cluster-chart.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- kubectl JSON is read structurally */
/**
 * The admin persona: a namespace opted in with default layers (no annotation on the workload),
 * a Deployment of two hostNetwork Pods on one PVC (each in its own directory), a small steady
 * workload of writes, reads, misses and directory churn, under throttle, latency and injected
 * EIO, so that every dashboard panel has something to show.
 */
export const ADMIN_NS = 'storage-admin';
/** Outermost first: trace sees every fault, delay and wait; metrics counts the injected faults. */
export const ADMIN_LAYERS = 'trace,metrics,throttle=256KiB,latency=1ms,fault=EIO@1%';
const PV_NAME = 'storage-admin-pv';
const PV_DIR = `/tmp/fs-interposer-e2e-admin-${process.pid}`;

/** Every command tolerates the injected EIO: the loop must keep going. */
const WORKLOAD = [
  'd=/data/$POD_NAME; mkdir -p $d 2>/dev/null; i=0',
  'while true; do i=$((i+1))',
  '  echo "line $i" >> $d/log 2>/dev/null',
  '  dd if=/dev/zero of=$d/blob bs=65536 count=4 2>/dev/null',
  '  cat $d/blob > /dev/null 2>&1',
  '  ls $d/missing-$i > /dev/null 2>&1',
  '  mkdir $d/dir-$i 2>/dev/null && rmdir $d/dir-$i 2>/dev/null',
  '  sleep 1',
  'done',
].join('\n');

const apply = (cluster: Cluster, obj: object): Promise<string> =>
  cluster.kubectl(['apply', '-f', '-'], { input: JSON.stringify(obj) });

export async function startAdminNamespace(cluster: Cluster): Promise<void> {
  mkdirSync(PV_DIR, { recursive: true });
  chmodSync(PV_DIR, 0o777);
  await cluster.kubectl(['create', 'namespace', ADMIN_NS]);
  await cluster.kubectl(['label', 'namespace', ADMIN_NS, OPT_IN_LABEL]);
  await cluster.kubectl(['annotate', 'namespace', ADMIN_NS, `${NAMESPACE_DEFAULT_LAYERS}=${ADMIN_LAYERS}`]);
  await apply(cluster, {
    apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: PV_NAME, labels: { e2e: 'storage-admin' } },
    spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], storageClassName: '', hostPath: { path: PV_DIR } },
  });
  await apply(cluster, {
    apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'shared', namespace: ADMIN_NS },
    spec: { accessModes: ['ReadWriteOnce'], storageClassName: '', selector: { matchLabels: { e2e: 'storage-admin' } }, resources: { requests: { storage: '1Gi' } } },
  });
  await apply(cluster, {
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'worker', namespace: ADMIN_NS },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: 'worker' } },
      template: {
        metadata: { labels: { app: 'worker' } },
        spec: {
          hostNetwork: true,
          terminationGracePeriodSeconds: 5,
          securityContext: { runAsUser: 1000, runAsGroup: 1000 },
          containers: [{
            name: 'worker', image: 'local/busybox:1', imagePullPolicy: 'Never', command: ['sh', '-c', WORKLOAD],
            // hostNetwork: $HOSTNAME is the node's, the same in both Pods.
            env: [{ name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }],
            volumeMounts: [{ name: 'data', mountPath: '/data' }],
          }],
          volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'shared' } }],
        },
      },
    },
  });
}

/** The two worker Pods, once both run with every container ready. */
export function adminPods(cluster: Cluster): Promise<any[]> {
  return waitFor('two ready worker Pods', async () => {
    const pods = JSON.parse(await cluster.kubectl(['get', 'pods', '-n', ADMIN_NS, '-l', 'app=worker', '-o', 'json'])).items as any[];
    const ready = pods.filter((p) => p.metadata.deletionTimestamp === undefined &&
      p.status.containerStatuses?.length === 2 && p.status.containerStatuses.every((c: any) => c.ready));
    return ready.length === 2 ? ready : undefined;
  }, { timeoutMs: 240_000, intervalMs: 2_000 });
}

export async function stopAdminNamespace(cluster: Cluster): Promise<void> {
  await cluster.kubectl(['delete', 'namespace', ADMIN_NS, '--wait=true', '--timeout=120s'], { timeoutMs: 150_000 }).catch(() => '');
  await cluster.kubectl(['delete', 'pv', PV_NAME, '--ignore-not-found']).catch(() => '');
  rmSync(PV_DIR, { recursive: true, force: true });
}
