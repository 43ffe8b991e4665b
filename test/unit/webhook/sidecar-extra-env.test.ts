import { describe, expect, it } from '@jest/globals';
import { webhookConfigFromEnv } from '../../../src/webhook/env-config.js';
import { mutatePod } from '../../../src/webhook/mutate-pod.js';
import type { EnvVar } from '../../../src/webhook/pod-types.js';
import { loadPod, mutateOptions } from './helpers.js';

const BASE_ENV = { FS_INTERPOSER_SIDECAR_IMAGE: 'registry.example/fsi:1', FS_INTERPOSER_NAMESPACE: 'fsi' };
const HEADERS: EnvVar = { name: 'OTEL_EXPORTER_OTLP_HEADERS', valueFrom: { secretKeyRef: { name: 'otlp', key: 'headers' } } };
const PROXY: EnvVar = { name: 'HTTPS_PROXY', value: 'http://proxy:3128' };

describe('sidecar.extraEnv reaches every injected sidecar', () => {
  it('reads FS_INTERPOSER_SIDECAR_EXTRA_ENV', () => {
    const r = webhookConfigFromEnv({ ...BASE_ENV, FS_INTERPOSER_SIDECAR_EXTRA_ENV: JSON.stringify([PROXY, HEADERS]) });
    expect(r.ok && r.value.sidecarExtraEnv).toEqual([PROXY, HEADERS]);
    const none = webhookConfigFromEnv({ ...BASE_ENV, FS_INTERPOSER_SIDECAR_EXTRA_ENV: '[]' });
    expect(none.ok && none.value.sidecarExtraEnv).toEqual([]);
  });

  it('appends them after the sidecar own variables, which stay as the webhook set them', () => {
    const plain = mutatePod(loadPod('pod-single-pvc.json'), mutateOptions());
    const extra = mutatePod(loadPod('pod-single-pvc.json'), mutateOptions({ sidecarExtraEnv: [PROXY, HEADERS] }));
    if (plain.kind !== 'mutated' || extra.kind !== 'mutated') throw new Error('expected both mutated');
    const own = plain.pod.spec!.containers[0]!.env!;
    expect(extra.pod.spec!.containers[0]!.env).toEqual([...own, PROXY, HEADERS]);
    expect(extra.pod.spec!.containers[1]!.env).toEqual(plain.pod.spec!.containers[1]!.env);
  });

  it.each([
    ['a variable the sidecar contract uses', [{ name: 'FS_INTERPOSER_VOLUMES', value: 'x' }], /FS_INTERPOSER_VOLUMES is set by the webhook/],
    ['an OTEL variable the chart tracing values set', [{ name: 'OTEL_EXPORTER_OTLP_ENDPOINT', value: 'http://x' }], /OTEL_EXPORTER_OTLP_ENDPOINT is set by the webhook/],
    ['a name that is not one', [{ name: '1 bad', value: 'x' }], /1 bad has no valid name/],
    ['value and valueFrom together', [{ name: 'A', value: 'x', valueFrom: {} }], /A needs a string value or a valueFrom, not both/],
    ['something that is not a list', { name: 'A' }, /not a list/],
  ])('refuses %s when the webhook starts, naming it', (_what, value, message) => {
    const r = webhookConfigFromEnv({ ...BASE_ENV, FS_INTERPOSER_SIDECAR_EXTRA_ENV: JSON.stringify(value) });
    expect(r.ok).toBe(false);
    expect(!r.ok && r.errors.join('\n')).toMatch(message);
  });
});
