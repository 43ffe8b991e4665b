import { describe, expect, it } from '@jest/globals';
import { CHART_DIR, helmRun } from './helm.js';

describe('helm lint --strict', () => {
  it.each([
    ['defaults', []],
    ['Kubernetes 1.20', ['--kube-version', '1.20.2']],
    // (helm lint has no --api-versions: the CRD-gated objects are linted through openapi.test.ts)
    ['namespace, default stack, dashboards', [
      '--set', 'namespace.create=true,dashboards.enabled=true,defaultConfig.apiVersion=fs-interposer/v1',
      '--set', 'defaultConfig.kind=LayerStack,defaultConfig.layers[0].type=trace',
    ]],
  ])('%s: no warning', (_name, extra) => {
    const r = helmRun(['lint', '--strict', CHART_DIR, ...extra]);
    expect(`${r.stdout}${r.stderr}`).toMatch(/1 chart\(s\) linted, 0 chart\(s\) failed/);
    expect(r.stdout).not.toMatch(/\[(WARNING|ERROR)\]/);
    expect(r.status).toBe(0);
  });

  it('fails on a values file that breaks the schema (lint is not a no-op)', () => {
    const r = helmRun(['lint', '--strict', CHART_DIR, '--set', 'webhook.timeoutSeconds=99']);
    expect(r.status).not.toBe(0);
    expect(r.stdout).toMatch(/timeoutSeconds/);
  });
});
