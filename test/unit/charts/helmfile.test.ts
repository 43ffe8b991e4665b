import { describe, expect, it } from '@jest/globals';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { CHART_DIR, ROOT, helmRun, renderChart } from './helm.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- the helmfile is read structurally */
// helmfile itself cannot be installed here: check the file's structure, and render our release the
// way helmfile would (its .gotmpl values file with each environment's values, then helm template).
const docs = parseAllDocuments(readFileSync(join(ROOT, 'helmfile.yaml'), 'utf8')).map((d) => d.toJS() as any);
const environments = docs[0].environments as Record<string, { values: object[] }>;
const state = docs[1];
const releases = state.releases as any[];
const byName = (name: string): any => releases.find((r) => r.name === name);

/** Renders a .gotmpl values file like helmfile: Go templates with .Values = environment values. */
function renderGotmpl(file: string, envValues: object): any {
  const dir = mkdtempSync(join(tmpdir(), 'fsi-helmfile-'));
  try {
    mkdirSync(join(dir, 'templates'));
    writeFileSync(join(dir, 'Chart.yaml'), 'apiVersion: v2\nname: gotmpl\nversion: 0.0.0\n');
    writeFileSync(join(dir, 'templates', 'values.yaml'), readFileSync(file, 'utf8'));
    writeFileSync(join(dir, 'env.json'), JSON.stringify(envValues));
    const r = helmRun(['template', 'x', dir, '-f', join(dir, 'env.json')]);
    if (r.status !== 0) throw new Error(r.stderr);
    return parse(r.stdout.replace(/^---\n# Source:.*\n/m, ''));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const envValues = (env: string, overrides: object = {}): any =>
  Object.assign({}, ...(environments[env]?.values ?? []), overrides);

describe('helmfile.yaml', () => {
  it('has the environments default (cert-manager) and dev (self-signed)', () => {
    expect(Object.keys(environments).sort()).toEqual(['default', 'dev']);
    expect(envValues('default').certManager.enabled).toBe(true);
    expect(envValues('dev').certManager.enabled).toBe(false);
  });

  it('installs cert-manager first, as its own release, and ours needs it', () => {
    expect(releases[0]).toMatchObject({ name: 'cert-manager', chart: 'jetstack/cert-manager', condition: 'certManager.enabled' });
    expect(releases.at(-1).name).toBe('fs-interposer');
    const needs = byName('fs-interposer').needs as string[];
    for (const r of releases.filter((x) => x.name !== 'fs-interposer')) expect(needs).toContain(`${r.namespace}/${r.name}`);
  });

  it('pins every remote chart to a version from a declared repository', () => {
    const repos = new Set((state.repositories as any[]).map((r) => r.name));
    for (const r of releases.filter((x) => !String(x.chart).startsWith('./'))) {
      expect(repos.has(String(r.chart).split('/')[0])).toBe(true);
      expect(r.version).toMatch(/^v?\d+\.\d+\.\d+$/);
    }
  });

  it('points at our chart and labels its namespace as the chart expects, before helm runs', () => {
    const ours = byName('fs-interposer');
    expect(existsSync(join(ROOT, ours.chart, 'Chart.yaml'))).toBe(true);
    const hook = ours.hooks[0];
    expect(hook.events).toEqual(['presync']);
    const labels = parse(readFileSync(join(CHART_DIR, 'values.yaml'), 'utf8')).namespace.labels as Record<string, string>;
    for (const [k, v] of Object.entries(labels)) expect(hook.args.join(' ')).toContain(`${k}=${v}`);
    expect(hook.args.join(' ')).toContain(`namespace ${ours.namespace}`);
  });

  it.each([
    ['default', {}, 'cert-manager', ['Certificate', 'Issuer']],
    ['dev', {}, 'self-signed', ['Secret']],
    ['default', { observability: { enabled: true }, tracing: { enabled: true } }, 'cert-manager', ['ServiceMonitor', 'PodMonitor']],
  ])('renders our release in %s %j (TLS %s)', (env, overrides, tls, kinds) => {
    const ours = byName('fs-interposer');
    const values = renderGotmpl(join(ROOT, ours.values[0]), envValues(env, overrides));
    // What the `needs` releases provide by the time ours is applied.
    const apiVersions = [
      ...(values.certManager.enabled ? ['cert-manager.io/v1'] : []),
      ...(values.metrics.serviceMonitor.enabled ? ['monitoring.coreos.com/v1'] : []),
    ];
    const objects = renderChart({ values, apiVersions, namespace: ours.namespace, release: ours.name });
    const deployment = objects.find((o) => o.kind === 'Deployment') as any;
    const envVars = deployment.spec.template.spec.containers[0].env as Array<{ name: string; value?: string }>;
    expect(envVars.find((e) => e.name === 'FS_INTERPOSER_TLS_MODE')?.value).toBe(tls);
    for (const kind of kinds) expect(objects.map((o) => o.kind)).toContain(kind);
    expect(envVars.some((e) => e.name === 'OTEL_EXPORTER_OTLP_ENDPOINT')).toBe(Boolean((overrides as any).tracing));
  });
});

describe('helmfile pins (docs/adr/0083-helmfile-pins.md)', () => {
  const adr = readFileSync(join(ROOT, 'docs/adr/0083-helmfile-pins.md'), 'utf8');

  it.each(releases.filter((r) => !String(r.chart).startsWith('./')).map((r) => [r.name, r.version]))(
    '%s is pinned to %s, the version the ADR cites',
    (name, version) => {
      const row = adr.split('\n').find((l) => l.startsWith(`| ${name} |`));
      expect(row?.split('|').map((c) => c.trim())[3]).toBe(version);
    },
  );

  it('sends spans to the Service the pinned Jaeger chart names after its release', () => {
    const jaeger = byName('jaeger');
    const values = renderGotmpl(join(ROOT, byName('fs-interposer').values[0]), envValues('default', { tracing: { enabled: true } }));
    expect(values.tracing.otlpEndpoint).toBe(`http://${jaeger.name}.${jaeger.namespace}.svc:4318`);
  });
});
