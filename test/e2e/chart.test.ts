import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { startCluster } from './cluster.js';
import type { Cluster } from './cluster.js';
import { run, waitFor } from './cluster-tools.js';
import { CHART, DRIVER, NS, OPT_IN_LABEL, RELEASE, installChart, localValues, manifestObjects } from './cluster-chart.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- kubectl JSON is read structurally */
/**
 * Issue 11 in a real cluster (../shared/k8s: kube-apiserver, controller-manager, scheduler and a
 * kubelet 1.20.2 with dockerd): `helm install` of charts/fs-interposer with the locally built image,
 * then what an admin checks: every object exists, the CSI node driver runs and is registered with the
 * kubelet, the apiserver reaches the webhook, and `helm uninstall` leaves nothing.
 * The cluster has no kube-proxy, DNS or CNI: Pods run on the host network, the webhook Service is
 * an ExternalName to localhost, in-cluster clients are pointed at the apiserver's loopback address.
 */

let cluster: Cluster;
let manifest = '';

const json = async (args: string[]): Promise<any> => JSON.parse(await cluster.kubectl([...args, '-o', 'json']));
const explain = async (e: unknown): Promise<never> => {
  throw new Error(`${(e as Error).message}\n--- diagnostics ---\n${await cluster.diagnostics(NS)}`);
};

beforeAll(async () => {
  cluster = await startCluster();
}, 45 * 60_000);

afterAll(async () => {
  await cluster?.down();
}, 5 * 60_000);

describe('helm install of charts/fs-interposer into a real cluster', () => {
  it('renders for the server it talks to, which accepts every object (1.20: PDB policy/v1beta1)', async () => {
    // `helm template --validate` takes the API versions from the live server and validates every
    // object against its OpenAPI schema, as an install does; two replicas make the PDB appear.
    const out = await cluster.helm(['template', RELEASE, CHART, '-n', NS, '--validate', '-f', '-', '--set', 'webhook.replicas=2'], {
      input: JSON.stringify(localValues(cluster)),
    });
    expect(out).toMatch(/apiVersion: policy\/v1beta1\nkind: PodDisruptionBudget/);
  }, 120_000);

  it('installs', async () => {
    manifest = await installChart(cluster);
    expect(manifest).toContain('kind: DaemonSet');
  }, 10 * 60_000);

  it('created every object of the release', async () => {
    const expected = manifestObjects(manifest, (t) => parseAllDocuments(t).map((d) => d.toJS()));
    const got = await cluster.kubectl(['get', '-f', '-', '-o', 'jsonpath={range .items[*]}{.kind}/{.metadata.name}{"\\n"}{end}'], { input: manifest });
    expect(got.trim().split('\n').sort()).toEqual(expected);
    expect(expected).toEqual(expect.arrayContaining([`CSIDriver/${DRIVER}`, 'MutatingWebhookConfiguration/fsi-fs-interposer-webhook']));
  }, 60_000);

  it('runs the CSI node driver on the node', async () => {
    await waitFor('the driver Pod to be Ready', async () => {
      const pods = await json(['get', 'pods', '-n', NS, '-l', 'app.kubernetes.io/component=csi']);
      const ready = pods.items.find((p: any) => p.status.conditions?.some((c: any) => c.type === 'Ready' && c.status === 'True'));
      return ready ? true : undefined;
    }, { timeoutMs: 180_000 }).catch(explain);
  }, 200_000);

  it('registers the driver with the kubelet (CSINode)', async () => {
    const node = cluster.env.K8S_NODE ?? 'node1';
    await waitFor(`${DRIVER} in CSINode ${node}`, async () => {
      const csiNode = await json(['get', 'csinode', node]);
      return csiNode.spec.drivers?.some((d: any) => d.name === DRIVER) ? true : undefined;
    }, { timeoutMs: 120_000 }).catch(explain);
  }, 150_000);

  it('answers the apiserver (self-signed CA written into the webhook configuration)', async () => {
    await waitFor('the webhook Deployment to be available', async () => {
      const d = await json(['get', 'deploy', '-n', NS, '-l', 'app.kubernetes.io/component=webhook']);
      return d.items[0]?.status.availableReplicas >= 1 ? true : undefined;
    }, { timeoutMs: 180_000 }).catch(explain);
    const mwc = await json(['get', 'mutatingwebhookconfiguration', 'fsi-fs-interposer-webhook']);
    expect(Buffer.from(mwc.webhooks[0].clientConfig.caBundle ?? '', 'base64').toString()).toContain('BEGIN CERTIFICATE');
    await cluster.kubectl(['create', 'namespace', 'e2e-reach']);
    await cluster.kubectl(['label', 'namespace', 'e2e-reach', OPT_IN_LABEL]);
    const pod = {
      apiVersion: 'v1', kind: 'Pod',
      metadata: { name: 'probe', namespace: 'e2e-reach', annotations: { 'fs-interposer/layers': 'trace' } },
      spec: { hostNetwork: true, containers: [{ name: 'app', image: 'local/busybox:1', imagePullPolicy: 'Never', command: ['true'] }] },
    };
    // Server-side dry run: admission runs (sideEffects None), nothing is stored.
    const admitted = await waitFor('the apiserver to reach the webhook', async () =>
      JSON.parse(await cluster.kubectl(['create', '--dry-run=server', '-f', '-', '-o', 'json'], { input: JSON.stringify(pod) })),
      { timeoutMs: 60_000, intervalMs: 3_000 }).catch(explain);
    const annotations = Object.keys(admitted.metadata.annotations ?? {});
    expect(annotations.some((k) => k === 'fs-interposer/injected' || k === 'fs-interposer/skipped')).toBe(true);
    await cluster.kubectl(['delete', 'namespace', 'e2e-reach', '--wait=false']);
  }, 300_000);

  it('refuses helm uninstall while an injected Pod runs (pre-delete check)', async () => {
    await cluster.kubectl(['create', 'namespace', 'e2e-guard']);
    const pod = {
      apiVersion: 'v1', kind: 'Pod',
      metadata: { name: 'guarded', namespace: 'e2e-guard', annotations: { 'fs-interposer/injected': 'data' } },
      spec: { hostNetwork: true, containers: [{ name: 'app', image: 'local/busybox:1', imagePullPolicy: 'Never', command: ['sleep', '600'] }] },
    };
    // A fresh namespace may reject Pods until its ServiceAccount token exists: retry.
    await waitFor('the guarded Pod to be created', async () =>
      (await cluster.kubectl(['apply', '-f', '-'], { input: JSON.stringify(pod) })) ? true : undefined, { timeoutMs: 30_000 });
    const refused = await run(join(cluster.env.K8S_CACHE ?? '/var/cache/k8s-local', 'bin', 'helm'),
      ['uninstall', RELEASE, '-n', NS, '--timeout', '150s'], { env: cluster.env, timeoutMs: 200_000 });
    expect(refused.status).not.toBe(0);
    const logs = await cluster.kubectl(['logs', '-n', NS, 'job/fsi-fs-interposer-uninstall-check']).catch(explain);
    expect(logs).toContain('refusing to uninstall fs-interposer: 1 injected Pod(s) still run: e2e-guard/guarded');
    await cluster.kubectl(['delete', 'namespace', 'e2e-guard', '--wait=true', '--timeout=120s'], { timeoutMs: 150_000 });
  }, 400_000);

  it('helm uninstall removes everything it installed', async () => {
    await cluster.helm(['uninstall', RELEASE, '-n', NS, '--wait', '--timeout', '120s']);
    const left = await run(join(cluster.env.K8S_CACHE ?? '/var/cache/k8s-local', 'bin', 'kubectl'),
      ['get', '-f', '-', '--ignore-not-found', '-o', 'name'], { env: cluster.env, input: manifest });
    expect(left.stdout.trim()).toBe('');
    await waitFor('the release\'s Pods to be gone', async () => {
      const pods = await json(['get', 'pods', '-n', NS]);
      return pods.items.length === 0 ? true : undefined;
    }, { timeoutMs: 120_000 });
  }, 300_000);
});
