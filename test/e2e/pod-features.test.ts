import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../helpers/prometheus.js';
import { ROOT, startCluster } from './cluster.js';
import type { Cluster } from './cluster.js';
import { waitFor } from './cluster-tools.js';
import { NS, OPT_IN_LABEL, RELEASE, installChart, waitChartReady } from './cluster-chart.js';
import { lifecycleCases, lifecycleChartValues } from './pod-lifecycle-cases.js';
import { describeObservability } from './observability-story.js';
import { startClusterOtlpReceiver } from './cluster-otlp-receiver.js';
import type { ClusterOtlpReceiver } from './cluster-otlp-receiver.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- kubectl JSON is read structurally */
/**
 * Issue 16 in one Pod's life on the local cluster: the chart's tracing values reach the injected
 * sidecar as OTEL_* and its spans reach an OTLP receiver running in the cluster (a Pod); a bare `record` writes into the sidecar's handoff emptyDir and the record, fetched
 * with kubectl exec, becomes the HTML report; memory and null volumes by annotation; the CSI
 * driver's /metrics (the port the ServiceMonitor scrapes) counts the publishes and unpublishes;
 * what a Pod cannot run is denied at admission.
 */
const APP_NS = 'features';
const PV_DIR = `/tmp/fs-interposer-e2e-features-${process.pid}`;
const HEALTH_PORT = 9809; // the chart's csi.healthPort (hostNetwork: on the node's loopback)
const MiB = 2 ** 20;

let cluster: Cluster;
let receiver: ClusterOtlpReceiver;
let podUid = '';
let work = '';

const json = async (args: string[]): Promise<any> => JSON.parse(await cluster.kubectl([...args, '-o', 'json']));
const apply = (obj: object, extra: string[] = []): Promise<string> =>
  cluster.kubectl(['apply', ...extra, '-f', '-'], { input: JSON.stringify(obj) });
const explain = async (e: unknown): Promise<never> => {
  const d = await Promise.all([cluster.diagnostics(NS), cluster.diagnostics(APP_NS)]);
  throw new Error(`${(e as Error).message}\n--- diagnostics ---\n${d.join('\n')}`);
};
const inApp = (cmd: string): Promise<string> =>
  cluster.kubectl(['exec', '-n', APP_NS, 'app', '-c', 'app', '--', 'sh', '-c', cmd], { timeoutMs: 60_000 });
const inSidecar = (script: string): Promise<string> =>
  cluster.kubectl(['exec', '-n', APP_NS, 'app', '-c', 'fs-interposer', '--', 'node', '-e', script], { timeoutMs: 60_000 });
const hostEmptyDir = (volume: string): string =>
  `${cluster.kubeletRoot}/pods/${podUid}/volumes/kubernetes.io~empty-dir/${volume}`;
/** What the node holds of an emptyDir (the kubelet does not even create one nobody mounts). */
const onNode = (volume: string): string[] => (existsSync(hostEmptyDir(volume)) ? readdirSync(hostEmptyDir(volume)) : []);

async function driverMetrics(): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${HEALTH_PORT}/metrics`);
  if (res.status !== 200) throw new Error(`driver /metrics answered ${res.status}`);
  return res.text();
}
const sample = (text: string, series: string): number =>
  Number(text.split('\n').find((l) => l.startsWith(`${series} `))?.slice(series.length + 1) ?? NaN);

function appPod(annotations: Record<string, string>, name = 'app'): object {
  return {
    apiVersion: 'v1', kind: 'Pod',
    metadata: { name, namespace: APP_NS, annotations },
    spec: {
      hostNetwork: true,
      terminationGracePeriodSeconds: 5,
      securityContext: { runAsUser: 1000, runAsGroup: 1000 },
      containers: [{
        name: 'app', image: 'local/busybox:1', imagePullPolicy: 'Never', command: ['sleep', '3600'],
        volumeMounts: [
          { name: 'data', mountPath: '/data' },
          { name: 'scratch', mountPath: '/scratch' },
          { name: 'sink', mountPath: '/sink' },
        ],
      }],
      volumes: [
        { name: 'data', persistentVolumeClaim: { claimName: 'data' } },
        { name: 'scratch', emptyDir: {} },
        { name: 'sink', emptyDir: {} },
      ],
    },
  };
}

const ANNOTATIONS = {
  'fs-interposer/layers': 'trace,metrics,record',
  'fs-interposer/backend.scratch': 'memory=16Mi',
  'fs-interposer/backend.sink': 'null',
};

describe('an injected Pod: tracing, record, memory and null volumes, driver metrics', () => {
  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'fsi-e2e-features-'));
    cluster = await startCluster();
    // Running before the chart, so that no span of an injected Pod finds nobody listening.
    receiver = await startClusterOtlpReceiver(cluster, await freePort());
    // Every file traced (the production default samples 10 %): the test looks for one write.
    const tracing = { otlpEndpoint: receiver.url, protocol: 'http/protobuf', serviceName: 'fs-interposer', sampleRatio: 1 };
    await installChart(cluster, { tracing, ...lifecycleChartValues() });
    await waitChartReady(cluster, explain);
    mkdirSync(PV_DIR, { recursive: true });
    chmodSync(PV_DIR, 0o777);
    await cluster.kubectl(['create', 'namespace', APP_NS]);
    await cluster.kubectl(['label', 'namespace', APP_NS, OPT_IN_LABEL]);
    await apply({
      apiVersion: 'v1', kind: 'PersistentVolume',
      metadata: { name: 'features-pv', labels: { e2e: 'features' } },
      spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], storageClassName: '', hostPath: { path: PV_DIR } },
    });
    await apply({
      apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data', namespace: APP_NS },
      spec: { accessModes: ['ReadWriteOnce'], storageClassName: '', selector: { matchLabels: { e2e: 'features' } }, resources: { requests: { storage: '1Gi' } } },
    });
  }, 50 * 60_000);

  afterAll(async () => {
    if (cluster) {
      await cluster.kubectl(['delete', 'namespace', APP_NS, '--wait=true', '--timeout=120s'], { timeoutMs: 150_000 }).catch(() => '');
      await cluster.helm(['uninstall', RELEASE, '-n', NS, '--no-hooks']).catch(() => '');
      await cluster.kubectl(['delete', 'pv', 'features-pv', '--ignore-not-found']).catch(() => '');
      await receiver?.close();
      await cluster.down();
    }
    rmSync(PV_DIR, { recursive: true, force: true });
    if (work) rmSync(work, { recursive: true, force: true });
  }, 6 * 60_000);

  it('denies at admission what a sidecar cannot run, naming what is accepted', async () => {
    const attempt = (annotations: Record<string, string>) =>
      waitFor('an admission answer', async () => {
        const r = await apply(appPod(annotations, 'denied'), ['--dry-run=server']).then(() => 'admitted', (e: Error) => e.message);
        // A fresh namespace may refuse Pods until its ServiceAccount exists: that is not our answer.
        return /serviceaccount/i.test(r) ? undefined : r;
      }, { timeoutMs: 60_000 });
    expect(await attempt({ 'fs-interposer/layers': 'record=/data/run.jsonl' })).toContain(
      'record path "/data/run.jsonl" is not writable in the sidecar',
    );
    expect(await attempt({ 'fs-interposer/layers': 'metrics', 'fs-interposer/backend.scratch': 'tmpfs' })).toContain(
      'fs-interposer/backend.scratch: "tmpfs" is not accepted (accepted: passthrough, memory, memory=<size, e.g. 256Mi>, null)',
    );
  }, 120_000);

  it('injects the Pod, labelled for the PodMonitor, its sidecar told where spans go', async () => {
    await waitFor('the Pod to be created', async () => ((await apply(appPod(ANNOTATIONS))) ? true : undefined), { timeoutMs: 30_000 });
    const pod = await waitFor('the app Pod to run', async () => {
      const p = await json(['get', 'pod', 'app', '-n', APP_NS]);
      return p.status.containerStatuses?.every((c: any) => c.ready) ? p : undefined;
    }, { timeoutMs: 180_000 }).catch(explain);
    podUid = pod.metadata.uid;
    expect(pod.metadata.labels['fs-interposer.dev/injected']).toBe('true');
    expect(pod.metadata.annotations['fs-interposer/injected']).toBe('data,scratch,sink');
    const env = JSON.parse(await inSidecar('console.log(JSON.stringify(process.env))'));
    expect(env).toMatchObject({
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
      OTEL_SERVICE_NAME: 'fs-interposer',
      OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
      OTEL_TRACES_SAMPLER_ARG: '1',
      OTEL_RESOURCE_ATTRIBUTES: `k8s.namespace.name=${APP_NS},k8s.pod.name=app,k8s.pod.uid=${podUid},k8s.container.name=fs-interposer,k8s.node.name=${pod.spec.nodeName}`,
    });
    const logs = await cluster.kubectl(['logs', '-n', APP_NS, 'app', '-c', 'fs-interposer']);
    expect(logs).toContain(`spans are exported to ${receiver.url}/v1/traces`);
  }, 240_000);

  it("the app's file operations arrive as spans at the OTLP receiver, with paths and the Pod's identity", async () => {
    await inApp('echo traced > /data/traced.txt && cat /data/traced.txt');
    const span = await waitFor('a span of /traced.txt', async () =>
      receiver.spans.find((s) => s.attributes['fs.path'] === '/traced.txt' && s.name === 'write'),
    { timeoutMs: 90_000, intervalMs: 1_000 });
    expect(span.resource).toMatchObject({
      'service.name': 'fs-interposer',
      'k8s.namespace.name': APP_NS,
      'k8s.pod.name': 'app',
      'k8s.container.name': 'fs-interposer',
      'fs_interposer.volume': 'data',
    });
    expect(span.attributes).toMatchObject({ 'fs.op': 'write', 'fs.path': '/traced.txt' });
  }, 120_000);

  it('a bare record writes into the handoff emptyDir; fetched with kubectl exec, it becomes the report', async () => {
    const recorded = await waitFor('/traced.txt in the record', async () => {
      const text = await inSidecar("process.stdout.write(require('fs').readFileSync('/run/fs-interposer/record/data.jsonl'))");
      return text.includes('/traced.txt') ? text : undefined;
    }, { timeoutMs: 60_000, intervalMs: 2_000 });
    const file = join(work, 'data.jsonl');
    writeFileSync(file, recorded);
    const html = join(work, 'report.html');
    execFileSync(process.execPath, [join(ROOT, 'dist', 'src', 'cli', 'main.js'), 'report', file, '-o', html], { timeout: 60_000 });
    expect(readFileSync(html, 'utf8')).toContain('/traced.txt');
    // On the node it is the Pod's own emptyDir, nothing else's.
    expect(existsSync(`${hostEmptyDir('fs-interposer-handoff')}/record/data.jsonl`)).toBe(true);
  }, 120_000);

  it('memory: a bounded scratch volume held by the sidecar, not on the node disk', async () => {
    await inApp('echo scratch > /scratch/a && cat /scratch/a');
    const full = await inApp('dd if=/dev/zero of=/scratch/big bs=1048576 count=32 2>&1; echo rc=$?');
    expect(full).toMatch(/No space left on device[\s\S]*rc=1/);
    expect(onNode('scratch')).toEqual([]);
  }, 120_000);

  it('null: a sink that takes every write and returns zeros', async () => {
    await inApp('dd if=/dev/urandom of=/sink/x bs=1048576 count=4 2>/dev/null');
    expect(await inApp('wc -c < /sink/x')).toMatch(new RegExp(`^\\s*${4 * MiB}\\s*$`));
    expect(await inApp("tr -d '\\000' < /sink/x | wc -c")).toMatch(/^\s*0\s*$/);
    expect(onNode('sink')).toEqual([]);
  }, 120_000);

  it("the driver's /metrics counts the publishes, and then the unpublishes of the deleted Pod", async () => {
    const before = await driverMetrics();
    const ok = (method: string) => `fs_interposer_csi_requests_total{service="Node",method="${method}",code="OK"}`;
    expect(sample(before, ok('NodePublishVolume'))).toBeGreaterThanOrEqual(3);
    expect(sample(before, 'fs_interposer_csi_volumes')).toBe(3);
    expect(before).toMatch(/^fs_interposer_csi_build_info\{version="[^"]+",nodejs="v[^"]+"\} 1$/m);
    expect(execFileSync('promtool', ['check', 'metrics'], { input: before, encoding: 'utf8' })).toBe('');
    await cluster.kubectl(['delete', 'pod', 'app', '-n', APP_NS, '--wait=true', '--timeout=120s'], { timeoutMs: 150_000 });
    const after = await waitFor('the three unpublishes', async () => {
      const t = await driverMetrics();
      return sample(t, 'fs_interposer_csi_volumes') === 0 ? t : undefined;
    }, { timeoutMs: 60_000 });
    expect(sample(after, ok('NodeUnpublishVolume')) - (sample(before, ok('NodeUnpublishVolume')) || 0)).toBeGreaterThanOrEqual(3);
  }, 240_000);

  it('cache policy: the opt-in annotation serves a re-read from the page cache; a ReadWriteOnce claim alone does not', async () => {
    // This 1.20 apiserver predates ReadWriteOncePod (alpha in 1.22): the RWOP branch is proven by
    // test/unit/csi/cache-policy.test.ts and test/integration/csi-cache-policy.test.ts instead.
    const rwop = await apply({
      apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'rwop', namespace: APP_NS },
      spec: { accessModes: ['ReadWriteOncePod'], storageClassName: '', resources: { requests: { storage: '1Gi' } } },
    }, ['--dry-run=server']).then(() => 'accepted', (e: Error) => e.message);
    expect(rwop).toContain('Unsupported value: "ReadWriteOncePod"');
    writeFileSync(join(PV_DIR, 'cached.bin'), Buffer.alloc(MiB, 7));
    const pod = (name: string, annotations: Record<string, string>): any => {
      const p = appPod({ 'fs-interposer/layers': 'metrics', ...annotations }, name) as any;
      p.spec.containers[0].volumeMounts = [{ name: 'data', mountPath: '/data' }];
      p.spec.volumes = [{ name: 'data', persistentVolumeClaim: { claimName: 'data' } }];
      return p;
    };
    const names = ['cached', 'uncached'];
    await apply(pod('cached', { 'fs-interposer/cache.data': 'exclusive' }));
    await apply(pod('uncached', {}));
    await waitFor('both Pods to run', async () => {
      const ps = await Promise.all(names.map((n) => json(['get', 'pod', n, '-n', APP_NS])));
      return ps.every((p) => p.status.containerStatuses?.every((c: any) => c.ready)) ? true : undefined;
    }, { timeoutMs: 180_000 }).catch(explain);
    const exec = (name: string, container: string, cmd: string[]): Promise<string> =>
      cluster.kubectl(['exec', '-n', APP_NS, name, '-c', container, '--', ...cmd], { timeoutMs: 60_000 });
    // The sidecar's own /metrics (a hostNetwork Pod's is a unix socket in the handoff volume).
    const scrapeReads = async (name: string): Promise<number> => {
      const text = await exec(name, 'fs-interposer', ['node', '-e', [
        "const l = process.env.FS_INTERPOSER_METRICS_LISTEN; const i = l.lastIndexOf(':');",
        "const at = l.startsWith('unix:') ? { socketPath: l.slice(5) } : { host: l.slice(0, i), port: Number(l.slice(i + 1)) };",
        "require('http').get({ ...at, path: '/metrics' }, (r) => r.pipe(process.stdout));",
      ].join('\n')]);
      return [...text.matchAll(/^fs_interposer_ops_total\{([^}]*)\} (\S+)$/gm)]
        .filter((m) => /op="read"/.test(m[1]!) && /result="ok"/.test(m[1]!) && /volume="data"/.test(m[1]!))
        .reduce((sum, m) => sum + Number(m[2]), 0);
    };
    const cost = async (name: string): Promise<{ first: number; second: number }> => {
      const cat = async (): Promise<void> => {
        expect((await exec(name, 'app', ['sh', '-c', 'cat /data/cached.bin | wc -c'])).trim()).toBe(String(MiB));
      };
      await cat();
      const first = await scrapeReads(name);
      await cat();
      return { first, second: (await scrapeReads(name)) - first };
    };
    const cached = await cost('cached');
    const uncached = await cost('uncached');
    process.stderr.write(`[features] READs of a 1 MiB re-read: opted in ${cached.second} (first read ${cached.first}), ReadWriteOnce ${uncached.second} (first read ${uncached.first})\n`);
    expect(cached.first).toBeGreaterThan(0);
    expect(cached.second).toBe(0);
    expect(uncached.second).toBeGreaterThan(0);
    // The policy and why, in each volume's status: the driver read the claim and the PV (its RBAC).
    const status = async (name: string): Promise<any> => JSON.parse(await exec(name, 'fs-interposer',
      ['fs-interposer', 'ctl', '--socket', '/run/fs-interposer/data.state/ctl.sock', 'status']));
    expect((await status('cached')).engine.cache).toEqual({ mode: 'exclusive', reason: 'fs-interposer/cache.data: exclusive' });
    expect((await status('uncached')).engine.cache).toEqual({
      mode: 'default',
      reason: expect.stringMatching(/^PVC data \(ReadWriteOnce\), PV features-pv \(ReadWriteOnce\): not ReadWriteOncePod/),
    });
    await cluster.kubectl(['delete', 'pod', ...names, '-n', APP_NS, '--wait=true', '--timeout=120s'], { timeoutMs: 150_000 });
  }, 400_000);

  it('a ConfigMap the sidecar cannot run (a pids scope) fails every request, until the ConfigMap is fixed', async () => {
    const config = (scope: string) => ({
      apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'pids-config', namespace: APP_NS },
      data: { 'config.yaml': ['apiVersion: fs-interposer/v1', 'kind: LayerStack', 'layers:', `  - {type: latency, read: {fixed: 1ms}, scope: ${scope}}`].join('\n') },
    });
    await apply(config('{pids: [1]}'));
    const pod = appPod({ 'fs-interposer/config': 'pids-config', 'fs-interposer/backend.scratch': 'memory' }, 'refused') as any;
    pod.spec.containers[0].volumeMounts = [{ name: 'scratch', mountPath: '/scratch' }];
    pod.spec.volumes = [{ name: 'scratch', emptyDir: {} }];
    await apply(pod);
    await waitFor('the refused Pod to run', async () => {
      const p = await json(['get', 'pod', 'refused', '-n', APP_NS]);
      return p.status.containerStatuses?.every((c: any) => c.ready) ? true : undefined;
    }, { timeoutMs: 180_000 }).catch(explain);
    const exec = (container: string, cmd: string[]) =>
      cluster.kubectl(['exec', '-n', APP_NS, 'refused', '-c', container, '--', ...cmd], { timeoutMs: 60_000 });
    const ls = await exec('app', ['sh', '-c', 'ls /scratch 2>&1; echo rc=$?']);
    expect(ls).toMatch(/Input\/output error[\s\S]*rc=1/);
    const error = await exec('fs-interposer', ['node', '-e', "process.stdout.write(require('fs').readFileSync('/run/fs-interposer/scratch.error'))"]);
    expect(error).toContain('volume not served (every request fails with EIO)');
    expect(error).toContain('scope.pids never matches in a Pod');
    expect(error).toContain('accepted: scope.uids, scope.gids');
    // The kubelet updates the mounted ConfigMap within its sync period; the sidecar applies it.
    await apply(config('{uids: [1000]}'));
    await waitFor('the volume to be served', async () =>
      ((await exec('app', ['sh', '-c', 'echo ok > /scratch/f && cat /scratch/f'])).trim() === 'ok' ? true : undefined),
    { timeoutMs: 240_000, intervalMs: 5_000 });
  }, 600_000);

  // Last: the admin namespace's Pods add volumes, which the driver metrics test above counts.
  describeObservability({ cluster: () => cluster, receiver: () => receiver });

  // After the observability cases: these Pods end (a Job, a Pod whose app exits, one without a
  // sidecar), and the scrape targets above must not include them.
  lifecycleCases({ cluster: () => cluster, ns: APP_NS, explain });
});
