import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import type { DecodedSpan } from '../helpers/otlp/trace-decode.js';
import { DASHBOARD } from '../helpers/prometheus.js';
import { ADMIN_NS, adminPods, startAdminNamespace, stopAdminNamespace } from './admin-namespace.js';
import type { Cluster } from './cluster.js';
import { waitFor } from './cluster-tools.js';
import { CHART, NS, RELEASE, localValues } from './cluster-chart.js';
import { startE2ePrometheus } from './e2e-prometheus.js';
import type { E2ePrometheus } from './e2e-prometheus.js';
import { monitorJobs, startSdServer } from './monitor-sd.js';
import type { SdServer } from './monitor-sd.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- kubectl JSON and rendered YAML are read structurally */
/**
 * Issue 16's observability in the installed chart: the admin namespace's two hostNetwork Pods get
 * metrics ports of their own; a real Prometheus scrapes the targets the chart's PodMonitor and
 * ServiceMonitor select (rendered by helm, resolved against the API server), with pod and
 * namespace from discovery; every dashboard query answers for those Pods; their spans carry paths
 * and fault events at the OTLP receiver running in the cluster; the chart's alerts evaluate.
 * Registered inside a suite that installed the chart with tracing to `receiver`.
 */
const RANGE = { first: 19464, last: 19963 }; // the chart's sidecar.hostNetworkMetricsPorts
const SOCKET = '/run/fs-interposer/data.state/ctl.sock';

export function describeObservability(ctx: { cluster: () => Cluster; receiver: () => { spans: readonly DecodedSpan[] } }): void {
  describe('observability: admin namespace, Prometheus through the monitors, dashboard, spans, alerts', () => {
    let cluster: Cluster;
    let prom: E2ePrometheus | undefined;
    let sd: SdServer | undefined;
    let pods: any[] = [];
    let podRegex = '';

    beforeAll(async () => {
      const started = Date.now();
      cluster = ctx.cluster();
      await startAdminNamespace(cluster);
      pods = await adminPods(cluster).catch(async (e: Error) => {
        throw new Error(`${e.message}\n${await cluster.diagnostics(ADMIN_NS)}`);
      });
      podRegex = pods.map((p) => p.metadata.name).join('|');
      const values = { ...localValues(cluster), metrics: { serviceMonitor: { enabled: true }, podMonitor: { enabled: true } }, alerts: { enabled: true } };
      const text = await cluster.helm(['template', RELEASE, CHART, '-n', NS, '--api-versions', 'monitoring.coreos.com/v1', '-f', '-'], { input: JSON.stringify(values) });
      const rendered = parseAllDocuments(text).map((d) => d.toJS() as any).filter((o) => o !== null);
      const jobs = await monitorJobs(cluster, rendered);
      sd = await startSdServer(jobs);
      prom = await startE2ePrometheus(jobs, sd, rendered.find((o) => o.kind === 'PrometheusRule').spec.groups);
      // One control action per Pod, for the dashboard's control actions panel.
      for (const p of pods) {
        await cluster.kubectl(['exec', '-n', ADMIN_NS, p.metadata.name, '-c', 'fs-interposer', '--', 'fs-interposer', 'ctl', '--socket', SOCKET, 'status']);
      }
      process.stderr.write(`[observability] admin namespace, monitors and Prometheus ready in ${Date.now() - started} ms\n`);
    }, 8 * 60_000);

    afterAll(async () => {
      await prom?.close();
      await sd?.close();
      if (cluster) await stopAdminNamespace(cluster);
    }, 4 * 60_000);

    it('two hostNetwork Pods on the node get distinct metrics ports of the chart range, and both are scraped', async () => {
      const ports = pods.map((p) => p.spec.containers.find((c: any) => c.name === 'fs-interposer').ports);
      expect(ports.map((x) => x.length)).toEqual([1, 1]);
      const [a, b] = ports.map((x) => x[0]);
      expect(a.containerPort).not.toBe(b.containerPort);
      for (const port of [a, b]) {
        expect(port).toMatchObject({ name: 'fsi-metrics', hostPort: port.containerPort });
        expect(port.containerPort).toBeGreaterThanOrEqual(RANGE.first);
        expect(port.containerPort).toBeLessThanOrEqual(RANGE.last);
      }
      const up = await waitFor('both sidecars up', async () => {
        const r = await prom!.query(`up{namespace="${ADMIN_NS}", container="fs-interposer"} == 1`);
        return r.length === 2 ? r : undefined;
      }, { timeoutMs: 60_000 });
      expect(up.map((s) => s.metric.instance).sort()).toEqual([a, b].map((p) => `127.0.0.1:${p.containerPort}`).sort());
      expect(sd!.errors).toEqual([]);
    }, 120_000);

    it('pod and namespace come from discovery, never exported_*; the driver and webhook through the ServiceMonitor', async () => {
      const series = await prom!.query(`fs_interposer_ops_total{namespace="${ADMIN_NS}"}`);
      expect(series.length).toBeGreaterThan(0);
      for (const s of series) {
        expect(s.metric).toMatchObject({ container: 'fs-interposer', endpoint: 'fsi-metrics', fs_interposer_dev_injected: 'true', volume: 'data' });
        expect(s.metric.pod).toMatch(new RegExp(`^(${podRegex})$`));
      }
      expect(await prom!.query('{__name__=~".+", exported_namespace=~".+"} or {__name__=~".+", exported_pod=~".+"}')).toEqual([]);
      const driver = await waitFor('the driver scraped', async () => {
        const r = await prom!.query(`fs_interposer_csi_build_info{namespace="${NS}"}`);
        return r.length > 0 ? r : undefined;
      }, { timeoutMs: 60_000 });
      expect(driver[0]!.metric.pod).toMatch(/-csi-/);
      expect(driver[0]!.metric.service).toMatch(/-csi-metrics$/);
      // Discovery and the first scrape of the webhook come on their own schedule: wait as for the driver.
      const webhook = await waitFor('the webhook scraped', async () => {
        const r = await prom!.query(`up{namespace="${NS}", service=~".*-webhook-metrics"}`);
        return r.length > 0 && r.every((s) => s.value[1] === '1') ? r : undefined;
      }, { timeoutMs: 60_000 });
      expect(webhook.map((s) => s.value[1])).toEqual(['1']);
    }, 120_000);

    it("every dashboard query answers with data for the admin namespace's Pods", async () => {
      const d = JSON.parse(readFileSync(DASHBOARD, 'utf8'));
      const queries = (d.panels as any[]).flatMap((p) => (p.targets ?? []).map((t: any) => ({
        title: p.title as string,
        // Grafana's macros for these Pods; the `or vector(0)` fallbacks dropped: real series only.
        expr: (t.expr as string).replaceAll('$__rate_interval', '30s').replaceAll('$__range', '5m')
          .replaceAll('$namespace', ADMIN_NS).replaceAll('$pod', podRegex).replaceAll('$volume', '.*')
          .replace(/\s+or on\(\) vector\(0\)$/, ''),
      })));
      expect(queries.length).toBeGreaterThan(20);
      const empty = async () => {
        const out: string[] = [];
        for (const q of queries) if ((await prom!.query(q.expr)).length === 0) out.push(`${q.title}: ${q.expr}`);
        return out;
      };
      await waitFor('every panel to have data', async () => ((await empty()).length === 0 ? true : undefined),
        { timeoutMs: 150_000, intervalMs: 5_000 }).catch(() => undefined);
      expect(await empty()).toEqual([]);
      for (const q of queries) {
        for (const s of await prom!.query(q.expr)) {
          if (s.metric.pod !== undefined) expect(s.metric.pod).toMatch(new RegExp(`^(${podRegex})$`));
        }
      }
      const perPod = await prom!.query(`sum by (pod) (fs_interposer_ops_total{namespace="${ADMIN_NS}"})`);
      expect(perPod.map((s) => s.metric.pod).sort()).toEqual(pods.map((p) => p.metadata.name).sort());
    }, 240_000);

    it("the admin Pods' spans reach the OTLP receiver with file paths and fault, delay and throttle events", async () => {
      const mine = () => ctx.receiver().spans.filter((s) => s.resource['k8s.namespace.name'] === ADMIN_NS);
      const withEvent = (name: string) => mine().find((s) => s.events.some((e) => e.name === name) && typeof s.attributes['fs.path'] === 'string');
      // A fault on a Pod's own file: the volume's root ("/"), which both Pods' path walks ask for
      // (its attributes expire every second), carries no Pod's name, and at 1 % it draws a fault too.
      const podFault = () => mine().find((s) => s.events.some((e) => e.name === 'fault') && typeof s.attributes['fs.path'] === 'string' && s.attributes['fs.path'] !== '/');
      const fault = await waitFor('a span with a fault event', async () => podFault(), { timeoutMs: 120_000, intervalMs: 2_000 });
      const event = fault.events.find((e) => e.name === 'fault')!;
      expect(event.attributes).toMatchObject({ 'fs_interposer.layer': 'fault', 'fs_interposer.fault.kind': 'EIO', 'fs_interposer.fault.errno': 'EIO' });
      expect(fault.attributes['fs.path']).toMatch(new RegExp(`^/(${podRegex})(/|$)`));
      expect(fault.resource).toMatchObject({ 'k8s.pod.name': expect.stringMatching(new RegExp(`^(${podRegex})$`)), 'fs_interposer.volume': 'data' });
      const wait = await waitFor('a throttle.wait event', async () => withEvent('throttle.wait'), { timeoutMs: 60_000, intervalMs: 2_000 });
      expect(wait.events.find((e) => e.name === 'throttle.wait')!.attributes['fs_interposer.delay_ms']).toBeGreaterThan(0);
      expect(withEvent('delay')?.events.find((e) => e.name === 'delay')!.attributes).toMatchObject({ 'fs_interposer.delay_ms': 1 });
    }, 240_000);

    it("the chart's alerts evaluate on that Prometheus; injected faults raise no error-ratio alert", async () => {
      const rules = await waitFor('every rule evaluated', async () => {
        const r = await prom!.rules();
        return r.length > 0 && r.every((x) => x.health !== 'unknown') ? r : undefined;
      }, { timeoutMs: 60_000 });
      expect(rules.map((r) => ({ name: r.name, health: r.health, lastError: r.lastError ?? '' }))).toEqual(
        ['FsInterposerErrorRatioHigh', 'FsInterposerLatencyHigh', 'FsInterposerCustodyRecoveryFailed',
          'FsInterposerHandoffErrors', 'FsInterposerSidecarRestarts'].map((name) => ({ name, health: 'ok', lastError: '' })),
      );
      // The ratio has a series for a Pod once it answered an error (fault=EIO@1 %): each Pod's
      // first one comes on its workload's own schedule, so wait for both as for the panels.
      const expr = rules[0]!.query.replace(/>\s*[\d.]+\s*$/, '');
      const ratio = await waitFor('the error ratio of both admin Pods', async () => {
        const r = (await prom!.query(expr)).filter((s) => s.metric.namespace === ADMIN_NS);
        return r.length === 2 ? r : undefined;
      }, { timeoutMs: 150_000, intervalMs: 5_000 });
      expect(ratio.length).toBe(2);
      expect(rules.find((r) => r.name === 'FsInterposerErrorRatioHigh')!.state).toBe('inactive');
      expect(rules.find((r) => r.name === 'FsInterposerCustodyRecoveryFailed')!.state).toBe('inactive');
    }, 300_000);
  });
}
