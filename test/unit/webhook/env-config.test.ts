import { describe, expect, it } from '@jest/globals';
import { webhookConfigFromEnv } from '../../../src/webhook/env-config.js';

describe('webhookConfigFromEnv', () => {
  it('defaults to cert-manager files and the chart defaults', () => {
    const r = webhookConfigFromEnv({ FSI_SIDECAR_IMAGE: 'ghcr.io/fs-interposer/fs-interposer:0.1.0' });
    expect(r.ok && r.value).toMatchObject({
      port: 8443,
      host: '0.0.0.0',
      sidecarMode: 'auto',
      tls: { mode: 'files', certPath: '/etc/fs-interposer/tls/tls.crt' },
      defaultResources: { cpuRequest: '10m', memoryRequest: '32Mi', memoryLimit: '128Mi' },
    });
  });

  it('self-signed mode derives the service names', () => {
    const r = webhookConfigFromEnv({ FSI_SIDECAR_IMAGE: 'x', FSI_TLS_MODE: 'self-signed', POD_NAMESPACE: 'fsi', FSI_SIDECAR_MEMORY_LIMIT: '' });
    expect(r.ok && r.value.tls.mode === 'self-signed' && r.value.tls.policy.dnsNames).toEqual([
      'fs-interposer-webhook', 'fs-interposer-webhook.fsi', 'fs-interposer-webhook.fsi.svc',
    ]);
    expect(r.ok && r.value.defaultResources.memoryLimit).toBeUndefined();
  });

  it('reports every bad variable at once', () => {
    const r = webhookConfigFromEnv({ FSI_WEBHOOK_PORT: '99999', FSI_SIDECAR_MODE: 'x', FSI_TLS_MODE: 'acme', FSI_SIDECAR_CPU_LIMIT: 'lots' });
    expect(!r.ok && r.errors).toEqual([
      'FSI_WEBHOOK_PORT: "99999" is not a port',
      'FSI_TLS_MODE: "acme" is not accepted (accepted: files, self-signed)',
      'POD_NAMESPACE: required in self-signed mode',
      'FSI_SIDECAR_IMAGE: required (the chart sets it to its own image)',
      'FSI_SIDECAR_MODE: "x" is not accepted (accepted: auto, native, regular)',
      'FSI_SIDECAR_CPU_LIMIT: "lots" is not accepted (accepted: a Kubernetes quantity)',
    ]);
  });
});
