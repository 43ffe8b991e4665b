/**
 * The admission webhook against a real kube-apiserver 1.20 (../shared/k8s, control plane only: no
 * kubelet is needed to admit Pods). The webhook runs in this process in self-signed mode, so the
 * real API also exercises the Secret bootstrap and the caBundle patch through client-node.
 * Own state dir and ports, so it never collides with the node-bearing e2e cluster.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { parseLayerSpec } from '../../src/config/index.js';
import { verifyPod } from '../../src/csi/provenance.js';
import { createClientNodeKubeApi } from '../../src/webhook/kube/client-node-kube-api.js';
import type { KubeApi } from '../../src/webhook/kube/kube-api.js';
import { ensureSelfSignedTls } from '../../src/webhook/tls/self-signed-tls.js';
import { INJECTION_LABEL, INJECTION_LABEL_VALUE, NAMESPACE_DEFAULT_LAYERS } from '../../src/contract/pod.js';
import { DEFAULT_SIDECAR_RESOURCES } from '../../src/webhook/resources.js';
import { startWebhook } from '../../src/webhook/start-webhook.js';
import type { RunningWebhook, WebhookConfig } from '../../src/webhook/start-webhook.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const K8S_DIR = process.env.K8S_DIR ?? resolve(ROOT, '..', 'shared', 'k8s');
const K8S_CACHE = process.env.K8S_CACHE ?? '/var/cache/k8s-local';
const STATE = '/tmp/k8s-webhook-e2e';
const CLUSTER_ENV = {
  ...process.env, K8S_STATE: STATE, K8S_CACHE, API_PORT: '26443', ETCD_PORT: '22379', ETCD_PEER_PORT: '22380',
  KCM_PORT: '20257', SCHEDULER_PORT: '20259',
};
const KUBECTL = join(K8S_CACHE, 'bin', 'kubectl');
const KUBECONFIG = join(STATE, 'kubeconfig');
const CONFIG_NAME = 'fs-interposer-e2e';

const missing = ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kubectl']
  .map((b) => join(K8S_CACHE, 'bin', b))
  .concat(join(K8S_DIR, 'up.sh'))
  .filter((p) => !existsSync(p));
if (missing.length > 0) console.log(`webhook e2e skipped: cluster binaries absent (${missing.join(', ')}); run ${K8S_DIR}/install.sh`);
const suite = missing.length > 0 ? describe.skip : describe;

interface Result { code: number; stdout: string; stderr: string }

function sh(file: string, args: readonly string[], input?: string, timeoutMs = 60_000): Promise<Result> {
  return new Promise((res) => {
    const child = execFile(file, [...args], { env: CLUSTER_ENV, timeout: timeoutMs, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      res({ code, stdout, stderr });
    });
    if (input !== undefined) child.stdin?.end(input);
  });
}

const kubectl = (args: readonly string[], input?: string) => sh(KUBECTL, ['--kubeconfig', KUBECONFIG, ...args], input);
async function kubectlOk(args: readonly string[], input?: string): Promise<string> {
  const r = await kubectl(args, input);
  if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

interface PodJson {
  metadata: { annotations?: Record<string, string> };
  spec: { containers: { name: string; volumeMounts?: { name: string }[] }[]; volumes?: { name: string; csi?: { driver: string; volumeAttributes?: Record<string, string> } }[] };
}

function pod(name: string, annotations: Record<string, string>): string {
  return JSON.stringify({
    apiVersion: 'v1', kind: 'Pod',
    metadata: { name, annotations },
    spec: {
      automountServiceAccountToken: false,
      securityContext: { runAsUser: 1000, runAsGroup: 1000, fsGroup: 1000 },
      containers: [{ name: 'app', image: 'local/busybox:1', command: ['sleep', '3600'], volumeMounts: [{ name: 'data', mountPath: '/data' }] }],
      volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'data-claim' } }],
    },
  });
}

/** Creates a Pod; a namespace's first seconds may lack its ServiceAccount, which is retried. */
async function createPod(ns: string, manifest: string, extra: string[] = []): Promise<Result> {
  for (let i = 0; ; i++) {
    const r = await kubectl(['create', '-n', ns, '-o', 'json', ...extra, '-f', '-'], manifest);
    if (r.code === 0 || !/service ?account/i.test(r.stderr) || i >= 20) return r;
    await new Promise((w) => setTimeout(w, 1000));
  }
}

const parsed = (r: Result) => JSON.parse(r.stdout) as PodJson;

/** Retries while the apiserver has not yet picked up a configuration change (caBundle, policy). */
async function eventually(attempt: () => Promise<Result>, ok: (r: Result) => boolean, timeoutMs = 30_000): Promise<Result> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = await attempt();
    if (ok(r) || Date.now() > deadline) return r;
    await new Promise((w) => setTimeout(w, 500));
  }
}

function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => res(port));
    });
  });
}

function webhookConfiguration(port: number, failurePolicy: 'Fail' | 'Ignore'): string {
  return JSON.stringify({
    apiVersion: 'admissionregistration.k8s.io/v1', kind: 'MutatingWebhookConfiguration',
    metadata: { name: CONFIG_NAME },
    webhooks: [{
      name: 'pods.fs-interposer.dev', admissionReviewVersions: ['v1'], sideEffects: 'None', failurePolicy,
      reinvocationPolicy: 'IfNeeded', timeoutSeconds: 5,
      namespaceSelector: { matchLabels: { [INJECTION_LABEL]: INJECTION_LABEL_VALUE } },
      rules: [{ operations: ['CREATE', 'UPDATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'], scope: 'Namespaced' }],
      clientConfig: { url: `https://127.0.0.1:${port}/mutate` },
    }],
  });
}

suite('webhook against a real kube-apiserver', () => {
  let webhook: RunningWebhook | undefined;
  let port = 0;

  beforeAll(async () => {
    if (existsSync(STATE)) await sh(join(K8S_DIR, 'down.sh'), [], undefined, 120_000);
    const up = await sh(join(K8S_DIR, 'up.sh'), [], undefined, 240_000);
    if (up.code !== 0) throw new Error(`up.sh failed: ${up.stderr.slice(-3000)}`);
    for (const ns of ['fsi-system', 'fsi-on', 'fsi-off', 'fsi-default']) await kubectlOk(['create', 'namespace', ns]);
    await kubectlOk(['label', 'namespace', 'fsi-on', 'fsi-default', `${INJECTION_LABEL}=${INJECTION_LABEL_VALUE}`]);
    await kubectlOk(['annotate', 'namespace', 'fsi-default', `${NAMESPACE_DEFAULT_LAYERS}=trace,metrics`]);
    // Port first (the configuration names it), then the webhook writes its caBundle into it.
    const config = (p: number): WebhookConfig => ({
      port: p, host: '127.0.0.1', sidecarImage: 'local/fs-interposer:dev', imageAllowList: [], sidecarMode: 'auto',
      defaultResources: DEFAULT_SIDECAR_RESOURCES,
      provenance: { namespace: 'fsi-system', secretName: 'fs-interposer-provenance' },
      tls: {
        mode: 'self-signed', namespace: 'fsi-system', secretName: 'fs-interposer-webhook-tls', webhookConfiguration: CONFIG_NAME,
        policy: { dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'], caValidityDays: 30, certValidityDays: 7, certRenewBeforeMs: 0, caRenewBeforeMs: 0, overlapMs: 0 },
      },
    });
    port = await freePort();
    await kubectlOk(['apply', '-f', '-'], webhookConfiguration(port, 'Fail'));
    const deps = { logger: pino({ level: 'warn' }), registry: new Registry(), api: createClientNodeKubeApi({ kubeconfig: KUBECONFIG }), parseLayerSpec };
    webhook = await startWebhook(config(port), deps);
    // the apiserver picks up the new caBundle asynchronously
    const probe = await eventually(() => createPod('fsi-on', pod('probe', {}), ['--dry-run=server']), (r) => r.code === 0);
    if (probe.code !== 0) throw new Error(`webhook not reachable from the apiserver: ${probe.stderr}`);
  }, 300_000);

  afterAll(async () => {
    await webhook?.close();
    const down = await sh(join(K8S_DIR, 'down.sh'), [], undefined, 180_000);
    if (down.code !== 0) console.log(`down.sh: ${down.stderr}`);
  }, 200_000);

  it('wrote the CA Secret and the caBundle through the real API', async () => {
    const bundle = await kubectlOk(['get', 'mutatingwebhookconfiguration', CONFIG_NAME, '-o', 'jsonpath={.webhooks[0].clientConfig.caBundle}']);
    expect(Buffer.from(bundle, 'base64').toString()).toMatch(/^-----BEGIN CERTIFICATE-----/);
    expect(await kubectlOk(['get', 'secret', '-n', 'fsi-system', 'fs-interposer-webhook-tls', '-o', 'name'])).toMatch(/secret/);
  });

  it('single writer through the real API: a stale create or replace gets a conflict and adopts the winner', async () => {
    const real = createClientNodeKubeApi({ kubeconfig: KUBECONFIG });
    const logger = pino({ level: 'silent' });
    const policy = { dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'], caValidityDays: 30, certValidityDays: 7, certRenewBeforeMs: 0, caRenewBeforeMs: 0, overlapMs: 0 };
    // A replica whose first read is stale: it saw `first` (or nothing) before another replica wrote.
    const stale = (first: Awaited<ReturnType<KubeApi['readSecret']>>): KubeApi => {
      let reads = 0;
      return { ...real, readSecret: (ns, name) => (reads++ === 0 ? Promise.resolve(first) : real.readSecret(ns, name)) };
    };
    // its own configuration (matching no namespace), so the running webhook's caBundle stays as it is
    const raceConfig = JSON.parse(webhookConfiguration(1, 'Ignore')) as { metadata: { name: string }; webhooks: { namespaceSelector: object }[] };
    raceConfig.metadata.name = 'fsi-race';
    raceConfig.webhooks[0]!.namespaceSelector = { matchLabels: { 'fsi-race': 'never' } };
    await kubectlOk(['apply', '-f', '-'], JSON.stringify(raceConfig));
    const base = { namespace: 'fsi-system', webhookConfiguration: 'fsi-race', now: () => new Date(), logger };
    // create race: the Secret exists, the stale replica thinks it does not -> AlreadyExists (409)
    const winnerA = await ensureSelfSignedTls({ ...base, api: real, secretName: 'race-create', policy });
    const loserA = await ensureSelfSignedTls({ ...base, api: stale(undefined), secretName: 'race-create', policy });
    expect(loserA.certPem).toBe(winnerA.certPem);
    // replace race: both see version 1; the winner re-issues for new names, the loser's replace is stale (409)
    const v1 = await real.readSecret('fsi-system', 'race-create');
    const renamed = { ...policy, dnsNames: ['localhost', 'fs-interposer-webhook.fsi-system.svc'] };
    const winnerB = await ensureSelfSignedTls({ ...base, api: real, secretName: 'race-create', policy: renamed });
    const loserB = await ensureSelfSignedTls({ ...base, api: stale(v1), secretName: 'race-create', policy: renamed });
    expect(winnerB.certPem).not.toBe(winnerA.certPem);
    expect(loserB.certPem).toBe(winnerB.certPem);
    const bundle = await kubectlOk(['get', 'mutatingwebhookconfiguration', 'fsi-race', '-o', 'jsonpath={.webhooks[0].clientConfig.caBundle}']);
    expect(Buffer.from(bundle, 'base64').toString()).toBe(winnerB.caBundle);
  }, 60_000);

  it('mutates an annotated Pod in an opted-in namespace', async () => {
    const r = await createPod('fsi-on', pod('annotated', { 'fs-interposer/layers': 'trace,latency=10ms' }));
    expect(r.stderr).toBe('');
    const p = parsed(r);
    expect(p.spec.containers.map((c) => c.name)).toEqual(['fs-interposer', 'app']);
    expect(p.spec.containers[1]!.volumeMounts![0]!.name).toBe('fsi-data');
    const csi = p.spec.volumes!.find((v) => v.name === 'fsi-data')!.csi!;
    expect(csi.driver).toBe('csi.fs-interposer.dev');
    expect(csi.volumeAttributes).toEqual({ 'fs-interposer.dev/source-volume': 'data', 'fs-interposer.dev/layers': 'trace,latency=10ms' });
    expect(p.metadata.annotations!['fs-interposer/injected']).toBe('data');
  }, 60_000);

  it('applies the namespace default layers to a Pod without annotations', async () => {
    const p = parsed(await createPod('fsi-default', pod('by-default', {})));
    expect(p.spec.volumes!.find((v) => v.name === 'fsi-data')?.csi?.volumeAttributes?.['fs-interposer.dev/layers']).toBe('trace,metrics');
    expect(p.metadata.annotations!['fs-interposer/layers']).toBe('trace,metrics');
  }, 60_000);

  it("injects the Pods a Deployment's ReplicaSet creates (the controller-manager as the client)", async () => {
    const template = JSON.parse(pod('ignored', { 'fs-interposer/layers': 'metrics' })) as { metadata: object; spec: object };
    const deployment = {
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' },
      spec: { replicas: 1, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' }, annotations: { 'fs-interposer/layers': 'metrics' } }, spec: template.spec } },
    };
    await kubectlOk(['apply', '-n', 'fsi-on', '-f', '-'], JSON.stringify(deployment));
    const listed = await eventually(
      () => kubectl(['get', 'pods', '-n', 'fsi-on', '-l', 'app=web', '-o', 'jsonpath={.items[*].spec.containers[*].name}']),
      (r) => r.stdout.trim() !== '',
    );
    expect(listed.stdout.trim()).toBe('fs-interposer app');
  }, 60_000);

  it('answers a server-side dry run with the mutation and stores nothing', async () => {
    const r = await createPod('fsi-on', pod('dry', { 'fs-interposer/layers': 'trace' }), ['--dry-run=server']);
    expect(parsed(r).spec.containers[0]!.name).toBe('fs-interposer');
    expect((await kubectl(['get', 'pod', '-n', 'fsi-on', 'dry'])).code).not.toBe(0);
  }, 60_000);

  it('denies a bad annotation with a message naming the token and the accepted values', async () => {
    const r = await createPod('fsi-on', pod('bad', { 'fs-interposer/layers': 'trace,fault=EXX@1%' }));
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/admission webhook "pods.fs-interposer.dev" denied the request: fs-interposer: fs-interposer\/layers: "trace,fault=EXX@1%".*EXX.*accepted: /);
  }, 60_000);

  it('signs what it injects: the Pods the API server stored verify with the key in the Secret', async () => {
    const secret = JSON.parse(await kubectlOk(['get', 'secret', '-n', 'fsi-system', 'fs-interposer-provenance', '-o', 'json'])) as { data: Record<string, string> };
    const key = Buffer.from(secret.data.key!, 'base64').toString();
    expect(new Date(Buffer.from(secret.data.created!, 'base64').toString()).getTime()).toBeLessThanOrEqual(Date.now());
    // A Pod with a name, and the Deployment's Pod (generateName at admission, named after it).
    const named = JSON.parse(await kubectlOk(['get', 'pod', '-n', 'fsi-on', 'annotated', '-o', 'json'])) as never;
    const list = JSON.parse(await kubectlOk(['get', 'pods', '-n', 'fsi-on', '-l', 'app=web', '-o', 'json'])) as { items: never[] };
    for (const stored of [named, list.items[0]!]) {
      expect(verifyPod(stored, { namespace: 'fsi-on', driver: 'csi.fs-interposer.dev', key })).toEqual({ ok: true });
    }
  }, 60_000);

  it('denies a hand-written Pod with our inline volume and a look-alike container, naming them', async () => {
    const fake = JSON.parse(pod('look-alike', {})) as { spec: { containers: object[]; volumes: object[] } };
    fake.spec.containers.unshift({ name: 'fs-interposer', image: 'local/busybox:1', command: ['sleep', '3600'] });
    fake.spec.volumes.push({ name: 'fsi-data', csi: { driver: 'csi.fs-interposer.dev', volumeAttributes: { 'fs-interposer.dev/source-volume': 'data' } } });
    const r = await createPod('fsi-on', JSON.stringify(fake));
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/denied the request: fs-interposer: the Pod already carries a container named "fs-interposer", the inline volume "fsi-data" of csi.fs-interposer.dev, without valid provenance from this webhook \(no fs-interposer\/provenance annotation\)/);
  }, 60_000);

  it('denies a new sidecar image on a running injected Pod', async () => {
    const r = await kubectl(['set', 'image', '-n', 'fsi-on', 'pod/annotated', 'fs-interposer=local/busybox:1']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/the fs-interposer container cannot change on a running Pod: image/);
  }, 60_000);

  it('leaves Pods in an unlabelled namespace untouched', async () => {
    const p = parsed(await createPod('fsi-off', pod('untouched', { 'fs-interposer/layers': 'trace' })));
    expect(p.spec.containers.map((c) => c.name)).toEqual(['app']);
    expect(p.metadata.annotations!['fs-interposer/injected']).toBeUndefined();
  }, 60_000);

  it('denies a bad live annotation change and accepts a good one', async () => {
    const bad = await kubectl(['annotate', '-n', 'fsi-on', 'pod', 'annotated', '--overwrite', 'fs-interposer/layers=trace,latency=forever']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/denied the request: fs-interposer: fs-interposer\/layers: "trace,latency=forever".*forever/);
    await kubectlOk(['annotate', '-n', 'fsi-on', 'pod', 'annotated', '--overwrite', 'fs-interposer/layers=trace,metrics']);
    const now = await kubectlOk(['get', 'pod', '-n', 'fsi-on', 'annotated', '-o', 'jsonpath={.metadata.annotations.fs-interposer/layers}']);
    expect(now).toBe('trace,metrics');
  }, 60_000);

  it('webhook down: failurePolicy Fail rejects opted-in Pods, Ignore admits them unmutated', async () => {
    await webhook!.close();
    webhook = undefined;
    const failed = await createPod('fsi-on', pod('while-down', { 'fs-interposer/layers': 'trace' }));
    expect(failed.code).not.toBe(0);
    expect(failed.stderr).toMatch(/failed calling webhook "pods.fs-interposer.dev"/);
    expect((await createPod('fsi-off', pod('elsewhere', {}))).code).toBe(0);
    await kubectlOk(['patch', 'mutatingwebhookconfiguration', CONFIG_NAME, '--type=json', '-p', '[{"op":"replace","path":"/webhooks/0/failurePolicy","value":"Ignore"}]']);
    const ignored = await eventually(() => createPod('fsi-on', pod('while-down-ignored', { 'fs-interposer/layers': 'trace' })), (r) => r.code === 0);
    expect(ignored.stderr).toBe('');
    expect(parsed(ignored).spec.containers.map((c) => c.name)).toEqual(['app']);
  }, 90_000);
});
