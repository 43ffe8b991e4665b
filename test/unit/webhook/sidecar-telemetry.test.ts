/**
 * Tracing from the chart to the sidecar: the webhook's environment (env-config.ts) becomes the
 * standard OTEL_* variables of every injected sidecar, and those, expanded the way the kubelet
 * expands `$(VAR)`, give the sidecar's spans the Pod's identity (telemetry/resource.ts, the code
 * the sidecar runs). Also the label the PodMonitor selects on.
 */
import { sampleRatioFromEnv } from '../../../src/layers/trace/trace-factory.js';
import { describe, expect, it } from '@jest/globals';
import { createResource } from '../../../src/telemetry/resource.js';
import { podIdentityFromEnv } from '../../../src/telemetry/registry.js';
import { webhookConfigFromEnv } from '../../../src/webhook/env-config.js';
import { applyPatch, diffPods } from '../../../src/webhook/json-patch.js';
import { mutatePod } from '../../../src/webhook/mutate-pod.js';
import type { MutateOptions } from '../../../src/webhook/mutate-pod.js';
import type { Container, Pod } from '../../../src/webhook/pod-types.js';
import { loadPod, mutateOptions } from './helpers.js';

const FIELDS: Record<string, string> = {
  'metadata.name': 'web-1',
  'metadata.namespace': 'apps',
  'metadata.uid': 'u-1',
  'spec.nodeName': 'node-a',
};

/** The container's environment as the kubelet resolves it: fieldRefs, then `$(VAR)` of earlier variables. */
function resolvedEnv(c: Container): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of c.env ?? []) {
    const raw = e.value ?? FIELDS[e.valueFrom?.fieldRef?.fieldPath ?? ''] ?? '';
    out[e.name] = raw.replace(
      /\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g,
      (ref, name: string) => out[name] ?? ref,
    );
  }
  return out;
}

function sidecarOf(options: Partial<MutateOptions> = {}): { pod: Pod; sidecar: Container } {
  const r = mutatePod(loadPod('deployment-pod.json'), mutateOptions(options));
  if (r.kind !== 'mutated') throw new Error(r.kind);
  const sidecar = r.pod.spec!.containers.find((c) => c.name === 'fs-interposer')!;
  return { pod: r.pod, sidecar };
}

// What the chart always sets (its common environment includes the release namespace).
const chartEnv = { FS_INTERPOSER_SIDECAR_IMAGE: 'ghcr.io/fs-interposer/fs-interposer:0.1.0', FS_INTERPOSER_NAMESPACE: 'fs-interposer' };

describe('tracing: chart values -> webhook -> sidecar OTEL_* environment', () => {
  it('an endpoint from the chart reaches every sidecar with its protocol and service name', () => {
    const config = webhookConfigFromEnv({
      ...chartEnv,
      FS_INTERPOSER_SIDECAR_OTLP_ENDPOINT: 'http://otel-collector.observability:4318',
      FS_INTERPOSER_SIDECAR_OTLP_PROTOCOL: 'grpc',
      FS_INTERPOSER_SIDECAR_SERVICE_NAME: 'storage-chaos',
    });
    if (!config.ok) throw new Error(config.errors.join('; '));
    const env = resolvedEnv(sidecarOf({ tracing: config.value.tracing }).sidecar);
    expect(env).toMatchObject({
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://otel-collector.observability:4318',
      OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc',
      OTEL_SERVICE_NAME: 'storage-chaos',
    });
    expect(env.OTEL_TRACES_EXPORTER).toBeUndefined();
  });

  it('samples 10 % of files by default, as the chart says, and the trace layer reads it', () => {
    const byDefault = webhookConfigFromEnv(chartEnv);
    if (!byDefault.ok) throw new Error(byDefault.errors.join('; '));
    const env = resolvedEnv(sidecarOf({ tracing: byDefault.value.tracing }).sidecar);
    expect(env).toMatchObject({
      OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
      OTEL_TRACES_SAMPLER_ARG: '0.1',
    });
    expect(sampleRatioFromEnv(env)).toBe(0.1);
    const all = webhookConfigFromEnv({
      ...chartEnv,
      FS_INTERPOSER_SIDECAR_TRACE_SAMPLE_RATIO: '1',
    });
    if (!all.ok) throw new Error(all.errors.join('; '));
    expect(sampleRatioFromEnv(resolvedEnv(sidecarOf({ tracing: all.value.tracing }).sidecar))).toBe(
      1,
    );
    const bad = webhookConfigFromEnv({
      ...chartEnv,
      FS_INTERPOSER_SIDECAR_TRACE_SAMPLE_RATIO: '10%',
    });
    expect(bad).toMatchObject({
      ok: false,
      errors: [expect.stringContaining('accepted: a number from 0 to 1')],
    });
  });

  it('every $(VAR) of the sidecar environment refers to a variable defined before it', () => {
    const { sidecar } = sidecarOf({
      tracing: {
        endpoint: 'http://c:4318',
        protocol: 'http/protobuf',
        serviceName: 'x',
        sampleRatio: 1,
      },
    });
    const seen = new Set<string>();
    for (const e of sidecar.env ?? []) {
      for (const m of (e.value ?? '').matchAll(/\$\(([^)]+)\)/g))
        expect([e.name, seen.has(m[1]!)]).toEqual([e.name, true]);
      seen.add(e.name);
    }
  });

  it("the spans' resource names the namespace, Pod, container and node, and the volume per tracer", () => {
    const env = resolvedEnv(sidecarOf().sidecar);
    const attrs = createResource({
      identity: podIdentityFromEnv(env),
      volume: 'data',
      env,
    }).attributes;
    expect(attrs).toMatchObject({
      'service.name': 'fs-interposer',
      'k8s.namespace.name': 'apps',
      'k8s.pod.name': 'web-1',
      'k8s.pod.uid': 'u-1',
      'k8s.container.name': 'fs-interposer',
      'k8s.node.name': 'node-a',
      'fs_interposer.volume': 'data',
    });
  });

  it('no endpoint in the chart: export is off by name, not sent to localhost inside the Pod', () => {
    const config = webhookConfigFromEnv(chartEnv);
    if (!config.ok) throw new Error(config.errors.join('; '));
    const env = resolvedEnv(sidecarOf({ tracing: config.value.tracing }).sidecar);
    expect(env.OTEL_TRACES_EXPORTER).toBe('none');
    expect(env.OTEL_EXPORTER_OTLP_ENDPOINT).toBeUndefined();
  });

  it.each([
    [
      { FS_INTERPOSER_SIDECAR_OTLP_PROTOCOL: 'http/json' },
      'FS_INTERPOSER_SIDECAR_OTLP_PROTOCOL: "http/json" is not accepted (accepted: http/protobuf, grpc)',
    ],
    [
      { FS_INTERPOSER_SIDECAR_OTLP_ENDPOINT: 'otel-collector:4318' },
      'FS_INTERPOSER_SIDECAR_OTLP_ENDPOINT: "otel-collector:4318" is not accepted (accepted: an http:// or https:// URL',
    ],
  ])('a bad chart value is refused at start, naming what is accepted: %j', (bad, message) => {
    const r = webhookConfigFromEnv({ ...chartEnv, ...bad });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors.join('\n')).toContain(message);
  });
});

describe('the injected label', () => {
  it('marks every injected Pod, and the patch carries it', () => {
    const before = loadPod('deployment-pod.json');
    const { pod } = sidecarOf();
    expect(pod.metadata?.labels?.['fs-interposer.dev/injected']).toBe('true');
    expect(applyPatch(before, diffPods(before, pod)).metadata?.labels).toEqual(
      pod.metadata?.labels,
    );
  });

  it('is not set on Pods that are skipped', () => {
    const r = mutatePod(loadPod('no-pvc.json'), mutateOptions());
    expect(r.kind).toBe('skipped');
    if (r.kind === 'skipped')
      expect(r.pod.metadata?.labels?.['fs-interposer.dev/injected']).toBeUndefined();
  });
});
