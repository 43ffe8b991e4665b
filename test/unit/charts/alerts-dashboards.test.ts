/**
 * The chart's Grafana dashboard ConfigMap (namespace and folder values) and its opt-in
 * PrometheusRule, checked by promtool as Prometheus would load it.
 */
import { describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { findObject, helmTemplate, renderChart } from './helm.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- rendered YAML is read structurally */
const MONITORING = ['monitoring.coreos.com/v1'];

describe('dashboard ConfigMap', () => {
  it('goes to dashboards.namespace, labelled for the Grafana sidecar, filed in the folder annotation', () => {
    const values = { dashboards: { enabled: true, namespace: 'monitoring', folder: 'Storage' } };
    const cm = findObject(renderChart({ values }), 'ConfigMap', '-dashboard-fs-interpose');
    expect(cm.metadata.namespace).toBe('monitoring');
    expect(cm.metadata.labels).toMatchObject({ grafana_dashboard: '1' });
    expect(cm.metadata.annotations).toEqual({ grafana_folder: 'Storage' });
    expect(JSON.parse((cm as any).data['fs-interposer.json']).uid).toBe('fs-interposer');
  });

  it('defaults to the release namespace; an empty folder means no annotation', () => {
    const cm = findObject(renderChart({ values: { dashboards: { enabled: true, folder: '' } } }), 'ConfigMap', '-dashboard-fs-interpose');
    expect(cm.metadata.namespace).toBe('fs-interposer');
    expect(cm.metadata.annotations).toBeUndefined();
  });
});

describe('PrometheusRule (alerts.enabled)', () => {
  const rule = (values: object = {}): any =>
    findObject(renderChart({ apiVersions: MONITORING, values: { alerts: { enabled: true, ...values } } }), 'PrometheusRule');

  it('is not rendered by default', () => {
    expect(renderChart({ apiVersions: MONITORING }).filter((o) => o.kind === 'PrometheusRule')).toEqual([]);
  });

  it('refuses to render without the Prometheus Operator CRDs, naming them', () => {
    const r = helmTemplate({ values: { alerts: { enabled: true } } });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('alerts.enabled=true, but the cluster has no monitoring.coreos.com/v1 PrometheusRule CRD');
  });

  it('has the error ratio, latency, custody, handoff and sidecar restart alerts, with the thresholds of the values', () => {
    const rules = rule({ errorRatio: 0.2, latencyP99Seconds: 2.5, for: '3m', sidecarRestarts: 5 }).spec.groups[0].rules;
    expect(rules.map((r: any) => r.alert)).toEqual([
      'FsInterposerErrorRatioHigh', 'FsInterposerLatencyHigh', 'FsInterposerCustodyRecoveryFailed',
      'FsInterposerHandoffErrors', 'FsInterposerSidecarRestarts',
    ]);
    expect(rules[0].expr).toMatch(/> 0\.2\s*$/);
    expect(rules[0].for).toBe('3m');
    expect(rules[1].expr).toMatch(/> 2\.5\s*$/);
    expect(rules[4].expr).toContain('>= 5');
  });

  it('passes promtool check rules', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fsi-rules-'));
    try {
      const file = join(dir, 'rules.yml');
      writeFileSync(file, stringify({ groups: rule().spec.groups }));
      const r = spawnSync('promtool', ['check', 'rules', file], { encoding: 'utf8', timeout: 30_000 });
      expect(`${r.stdout}${r.stderr}`).toContain('SUCCESS: 5 rules found');
      expect(r.status).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
