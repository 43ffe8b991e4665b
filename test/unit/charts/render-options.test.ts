import { describe, expect, it } from '@jest/globals';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ALL_FEATURES, CHART_DIR, findObject, helmTemplate, renderChart } from './helm.js';
import type { K8sObject } from './helm.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- rendered YAML is read structurally */
const spec = (o: K8sObject): any => (o as any).spec;
const podSpec = (o: K8sObject): any => spec(o).template.spec;
const env = (container: any): Record<string, string> =>
  Object.fromEntries((container.env ?? []).filter((e: any) => 'value' in e).map((e: any) => [e.name, e.value]));

describe('optional features', () => {
  const objects = renderChart(ALL_FEATURES);

  it('wires cert-manager: Issuer -> Certificate -> mounted Secret, CA injected into the webhook config', () => {
    const cert = findObject(objects, 'Certificate') as any;
    const issuer = findObject(objects, 'Issuer');
    expect(cert.spec.issuerRef).toEqual({ name: issuer.metadata.name, kind: 'Issuer' });
    expect(cert.spec.dnsNames).toContain(`${cert.metadata.name}.fs-interposer.svc`);
    const mwc = findObject(objects, 'MutatingWebhookConfiguration');
    expect(mwc.metadata.annotations?.['cert-manager.io/inject-ca-from']).toBe(`fs-interposer/${cert.metadata.name}`);
    const ps = podSpec(findObject(objects, 'Deployment'));
    expect(ps.volumes).toContainEqual({ name: 'tls', secret: { secretName: cert.spec.secretName } });
    expect(env(ps.containers[0]).FS_INTERPOSER_TLS_MODE).toBe('cert-manager');
    // cert-manager writes the TLS Secret; the chart renders only the provenance key's.
    expect(objects.filter((o) => o.kind === 'Secret').map((o) => o.metadata.name)).toEqual(['fsi-fs-interposer-provenance']);
  });

  it('labels its namespace for privileged Pod Security', () => {
    expect(findObject(objects, 'Namespace').metadata.labels).toMatchObject({
      'pod-security.kubernetes.io/enforce': 'privileged',
    });
  });

  it('scrapes the webhook and driver (ServiceMonitor) and every sidecar (PodMonitor)', () => {
    const sm = findObject(objects, 'ServiceMonitor') as any;
    const metricServices = objects.filter((o) => o.kind === 'Service' && o.metadata.labels?.['fs-interposer.dev/metrics']);
    expect(metricServices).toHaveLength(2);
    for (const s of metricServices) expect(s.metadata.labels).toMatchObject(sm.spec.selector.matchLabels);
    expect(findObject(objects, 'PodMonitor', '-sidecars')).toMatchObject({
      spec: { namespaceSelector: { any: true }, podMetricsEndpoints: [{ port: 'fsi-metrics', path: '/metrics' }] },
    });
  });

  it('ships the default layer stack as a file both roles read', () => {
    const cm = findObject(objects, 'ConfigMap', '-config') as any;
    expect(cm.data['default.yaml']).toMatch(/kind: LayerStack/);
    for (const kind of ['Deployment', 'DaemonSet']) {
      expect(env(podSpec(findObject(objects, kind)).containers[0]).FS_INTERPOSER_DEFAULT_CONFIG).toBe('/etc/fs-interposer/config/default.yaml');
    }
  });
});

describe('versions and refusals', () => {
  it('uses policy/v1beta1 on Kubernetes 1.20', () => {
    expect(findObject(renderChart({ kubeVersion: '1.20.2' }), 'PodDisruptionBudget').apiVersion).toBe('policy/v1beta1');
  });

  it('drops the PDB with a single replica (it would block every drain)', () => {
    expect(renderChart({ values: { webhook: { replicas: 1 } } }).some((o) => o.kind === 'PodDisruptionBudget')).toBe(false);
  });

  it('makes the webhook Service an ExternalName where there is no kube-proxy', () => {
    const svc = findObject(renderChart({ values: { webhook: { service: { externalName: 'localhost', port: 8443 } } } }), 'Service', '-webhook');
    expect(spec(svc)).toEqual({ type: 'ExternalName', externalName: 'localhost', ports: [{ name: 'https', port: 8443, targetPort: 'https', protocol: 'TCP' }] });
  });

  it.each([
    ['cert-manager without its CRDs', { certManager: { enabled: true } }, /no cert-manager.io\/v1 CRDs/],
    ['a ServiceMonitor without the operator', { metrics: { serviceMonitor: { enabled: true } } }, /no monitoring.coreos.com\/v1 ServiceMonitor/],
    ['a misspelt key', { webhok: { replicas: 3 } }, /Additional property webhok is not allowed/],
    ['an unknown failure policy', { webhook: { failurePolicy: 'Retry' } }, /failurePolicy/],
    ['a negative volume limit', { csi: { maxVolumesPerNode: -1 } }, /maxVolumesPerNode/],
    ['a sidecar wait above the kubelet runtime timeout', { csi: { sidecarWaitSeconds: 120 } }, /sidecarWaitSeconds/],
    ['a layer stack the sidecar would reject', {
      defaultConfig: { apiVersion: 'fs-interposer/v1', kind: 'LayerStack', layers: [{ type: 'latency', bogus: 1 }] },
    }, /Additional property bogus is not allowed/],
  ])('refuses %s', (_name, values, message) => {
    const r = helmTemplate({ values });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(message);
  });
});

describe('dashboards', () => {
  it('ships each dashboards/*.json as a ConfigMap the Grafana sidecar picks up', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fsi-chart-copy-'));
    try {
      const chart = join(dir, 'fs-interposer');
      cpSync(CHART_DIR, chart, { recursive: true });
      mkdirSync(join(chart, 'dashboards'), { recursive: true });
      const dashboard = JSON.stringify({ title: 'e2e', panels: [{ type: 'timeseries' }] });
      writeFileSync(join(chart, 'dashboards', 'zz-test-dashboard.json'), dashboard);
      const objects = renderChart({ chartDir: chart, values: { dashboards: { enabled: true } } });
      const cm = objects.find((o) => o.kind === 'ConfigMap' && (o as any).data?.['zz-test-dashboard.json']) as any;
      expect(cm.metadata.labels.grafana_dashboard).toBe('1');
      expect(cm.data['zz-test-dashboard.json']).toBe(dashboard);
      const off = renderChart({ chartDir: chart });
      expect(off.some((o) => o.kind === 'ConfigMap')).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
