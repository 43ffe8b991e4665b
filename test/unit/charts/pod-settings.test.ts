import { describe, expect, it } from '@jest/globals';
import { webhookConfigFromEnv } from '../../../src/webhook/env-config.js';
import { findObject, helmTemplate, renderChart } from './helm.js';
import type { K8sObject } from './helm.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- rendered YAML is read structurally */
const template = (o: K8sObject): any => (o as any).spec.template;
const env = (o: K8sObject): any[] => template(o).spec.containers[0].env ?? [];
const envMap = (o: K8sObject): Record<string, string> =>
  Object.fromEntries(env(o).filter((e: any) => 'value' in e).map((e: any) => [e.name, e.value]));

// The three Pod-making components and the values key of each.
const COMPONENTS = [
  ['webhook', 'Deployment', '-webhook'],
  ['csi', 'DaemonSet', '-csi'],
  ['uninstall', 'Job', '-uninstall-check'],
] as const;

function settings(component: string) {
  return {
    nodeSelector: { pool: component },
    affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: [component] }] }] } } },
    tolerations: [{ key: 'dedicated', operator: 'Equal', value: component, effect: 'NoSchedule' }],
    priorityClassName: `${component}-priority`,
    podLabels: { team: component },
    podAnnotations: { 'example.com/owner': component },
    extraEnv: [
      { name: 'HTTPS_PROXY', value: `http://proxy-${component}:3128` },
      { name: 'FROM_SECRET', valueFrom: { secretKeyRef: { name: 's', key: component } } },
    ],
  };
}

describe('per-component Pod settings', () => {
  const values = Object.fromEntries(COMPONENTS.map(([key]) => [key, settings(key)]));
  const objects = renderChart({ values: { ...values, imagePullSecrets: [{ name: 'regcred' }, { name: 'mirror' }] } });

  it.each(COMPONENTS)('%s: placement, metadata and extra environment land on its own Pod', (key, kind, suffix) => {
    const t = template(findObject(objects, kind, suffix));
    const want = settings(key);
    expect(t.spec.nodeSelector).toEqual({ 'kubernetes.io/os': 'linux', pool: key });
    expect(t.spec.affinity).toEqual(want.affinity);
    expect(t.spec.tolerations).toEqual(want.tolerations);
    expect(t.spec.priorityClassName).toBe(`${key}-priority`);
    expect(t.metadata.labels).toMatchObject({ team: key, 'app.kubernetes.io/name': 'fs-interposer' });
    expect(t.metadata.annotations).toMatchObject({ 'example.com/owner': key });
    expect(env(findObject(objects, kind, suffix)).slice(-2)).toEqual(want.extraEnv);
    expect(t.spec.imagePullSecrets).toEqual([{ name: 'regcred' }, { name: 'mirror' }]);
  });

  it('imagePullSecrets reach the webhook, which adds them to every Pod it injects', () => {
    const deployment = findObject(objects, 'Deployment', '-webhook');
    const rendered = envMap(deployment);
    expect(rendered.FS_INTERPOSER_SIDECAR_IMAGE_PULL_SECRETS).toBe('regcred,mirror');
    // The webhook's own reading of the environment the chart wrote.
    const config = webhookConfigFromEnv({ ...rendered, FS_INTERPOSER_NAMESPACE: 'fs-interposer' });
    expect(config.ok && config.value.sidecarPullSecrets).toEqual(['regcred', 'mirror']);
    for (const sa of objects.filter((o) => o.kind === 'ServiceAccount')) {
      expect((sa as any).imagePullSecrets).toEqual([{ name: 'regcred' }, { name: 'mirror' }]);
    }
  });
});

describe('sidecar.extraEnv', () => {
  it('reaches the webhook as JSON, which reads it back as the list given', () => {
    const extraEnv = [{ name: 'HTTPS_PROXY', value: 'http://proxy:3128' }, { name: 'OTEL_EXPORTER_OTLP_HEADERS', valueFrom: { secretKeyRef: { name: 'otlp', key: 'h' } } }];
    const rendered = envMap(findObject(renderChart({ values: { sidecar: { extraEnv } } }), 'Deployment', '-webhook'));
    const config = webhookConfigFromEnv({ ...rendered, FS_INTERPOSER_NAMESPACE: 'fs-interposer' });
    expect(config.ok && config.value.sidecarExtraEnv).toEqual(extraEnv);
    expect(envMap(findObject(renderChart(), 'Deployment', '-webhook')).FS_INTERPOSER_SIDECAR_EXTRA_ENV).toBe('[]');
  });
});

describe('defaults', () => {
  const objects = renderChart();

  it('keeps the webhook spread over nodes, the driver system-node-critical and tolerating every taint', () => {
    const webhook = template(findObject(objects, 'Deployment', '-webhook')).spec;
    expect(webhook.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].podAffinityTerm.topologyKey).toBe('kubernetes.io/hostname');
    expect(webhook.priorityClassName).toBeUndefined();
    expect(webhook.imagePullSecrets).toBeUndefined();
    const csi = template(findObject(objects, 'DaemonSet', '-csi')).spec;
    expect(csi.priorityClassName).toBe('system-node-critical');
    expect(csi.tolerations).toEqual([{ operator: 'Exists' }]);
    expect(csi.nodeSelector).toEqual({ 'kubernetes.io/os': 'linux' });
    expect(envMap(findObject(objects, 'Deployment', '-webhook')).FS_INTERPOSER_SIDECAR_IMAGE_PULL_SECRETS).toBe('');
  });

  it('lets a component move off the chart-wide nodeSelector key by overriding it', () => {
    const csi = template(findObject(renderChart({ values: { csi: { nodeSelector: { 'kubernetes.io/os': 'linux', gpu: 'true' } } } }), 'DaemonSet', '-csi')).spec;
    expect(csi.nodeSelector).toEqual({ 'kubernetes.io/os': 'linux', gpu: 'true' });
  });
});

describe('refusals name the value and what to do', () => {
  it.each([
    ['a pod label the selector uses', { webhook: { podLabels: { 'app.kubernetes.io/component': 'x' } } },
      /webhook.podLabels: "app.kubernetes.io\/component" is set by the chart/],
    ['extraEnv shadowing a chart variable', { csi: { extraEnv: [{ name: 'FS_INTERPOSER_STATE_DIR', value: '/x' }] } },
      /csi.extraEnv: FS_INTERPOSER_STATE_DIR is set by the chart/],
    ['extraEnv with both value and valueFrom', { webhook: { extraEnv: [{ name: 'A', value: 'x', valueFrom: {} }] } }, /extraEnv/],
    ['a toleration with an unknown effect', { csi: { tolerations: [{ operator: 'Exists', effect: 'Sometimes' }] } }, /effect/],
    ['an affinity key that is not one', { webhook: { affinity: { nodeAffinty: {} } } }, /nodeAffinty/],
    ['a pull secret name with capitals', { imagePullSecrets: [{ name: 'RegCred' }] }, /imagePullSecrets/],
  ])('refuses %s', (_name, values, message) => {
    const r = helmTemplate({ values });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(message);
  });
});
