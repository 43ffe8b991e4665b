/**
 * The chart's observability wiring, read back by the code on the other end: the `tracing` values
 * are parsed by the webhook's own env reader, the monitors select what the webhook labels and the
 * driver serves, and the dashboard selects the PodMonitor's target label.
 */
import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { INJECTED_LABEL, INJECTED_LABEL_VALUE } from '../../../src/contract/pod.js';
import { webhookConfigFromEnv } from '../../../src/webhook/env-config.js';
import { ALL_FEATURES, CHART_DIR, findObject, renderChart } from './helm.js';
import type { K8sObject } from './helm.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- rendered YAML is read structurally */
const podSpec = (o: K8sObject): any => (o as any).spec.template.spec;
const env = (container: any): Record<string, string> =>
  Object.fromEntries(
    (container.env ?? []).filter((e: any) => 'value' in e).map((e: any) => [e.name, e.value]),
  );

describe('tracing values -> webhook', () => {
  it.each([
    [{}, { protocol: 'http/protobuf', serviceName: 'fs-interposer', sampleRatio: 0.1 }],
    [
      {
        tracing: {
          otlpEndpoint: 'http://otel-collector.observability:4317',
          protocol: 'grpc',
          serviceName: 'chaos',
          sampleRatio: 1,
        },
      },
      {
        endpoint: 'http://otel-collector.observability:4317',
        protocol: 'grpc',
        serviceName: 'chaos',
        sampleRatio: 1,
      },
    ],
  ])('values %j reach the webhook as %j', (values, tracing) => {
    const deployment = findObject(renderChart({ values }), 'Deployment', '-webhook');
    const config = webhookConfigFromEnv({
      FS_INTERPOSER_NAMESPACE: 'fs-interposer',
      ...env(podSpec(deployment).containers[0]),
    });
    if (!config.ok) throw new Error(config.errors.join('; '));
    expect(config.value.tracing).toEqual(tracing);
  });

  it('refuses a protocol the sidecar cannot speak, at install', () => {
    expect(() => renderChart({ values: { tracing: { protocol: 'http/json' } } })).toThrow(
      /protocol/,
    );
  });
});

describe('monitors', () => {
  const objects = renderChart(ALL_FEATURES);

  it('the PodMonitor selects exactly the Pods the webhook labels, with discovery naming pod and namespace', () => {
    const pm = findObject(objects, 'PodMonitor', '-sidecars') as any;
    expect(pm.spec.selector).toEqual({ matchLabels: { [INJECTED_LABEL]: INJECTED_LABEL_VALUE } });
    expect(pm.spec.namespaceSelector).toEqual({ any: true });
    expect(pm.spec.podTargetLabels).toEqual([INJECTED_LABEL]);
    expect(pm.spec.podMetricsEndpoints).toEqual([
      expect.objectContaining({ port: 'fsi-metrics', path: '/metrics', honorLabels: false }),
    ]);
  });

  it("the ServiceMonitor scrapes /metrics on the driver's health port, where the driver serves it", () => {
    const sm = findObject(objects, 'ServiceMonitor') as any;
    const service = objects.find(
      (o) => o.kind === 'Service' && o.metadata.name.endsWith('-csi-metrics'),
    ) as any;
    const daemonset = findObject(objects, 'DaemonSet', '-csi');
    const container = podSpec(daemonset).containers[0];
    const endpoint = sm.spec.endpoints.find((e: any) => e.port === 'http-metrics');
    expect(endpoint.path).toBe('/metrics');
    const servicePort = service.spec.ports.find((p: any) => p.name === 'http-metrics');
    const containerPort = container.ports.find((p: any) => p.name === servicePort.targetPort);
    expect(String(containerPort.containerPort)).toBe(env(container).FS_INTERPOSER_HEALTH_PORT);
  });

  it('the dashboard lists the namespaces, Pods and volumes of injected Pods', () => {
    const dashboard = JSON.parse(
      readFileSync(join(CHART_DIR, 'dashboards', 'fs-interposer.json'), 'utf8'),
    );
    const label = INJECTED_LABEL.replace(/[^a-zA-Z0-9_]/g, '_');
    const vars = dashboard.templating.list.filter((v: any) => v.type === 'query');
    // Chained: the Pods of the chosen namespaces, the volumes of the chosen Pods.
    expect(vars.map((v: any) => v.query.query)).toEqual([
      `label_values(fs_interposer_ops_total{${label}="${INJECTED_LABEL_VALUE}"}, namespace)`,
      `label_values(fs_interposer_ops_total{${label}="${INJECTED_LABEL_VALUE}", namespace=~"$namespace"}, pod)`,
      `label_values(fs_interposer_ops_total{${label}="${INJECTED_LABEL_VALUE}", namespace=~"$namespace", pod=~"$pod"}, volume)`,
    ]);
  });
});
