import { describe, expect, it } from '@jest/globals';
import { webhookConfigFromEnv } from '../../../src/webhook/env-config.js';

const IMAGE = { FS_INTERPOSER_SIDECAR_IMAGE: 'ghcr.io/fs-interposer/fs-interposer:0.1.0', FS_INTERPOSER_NAMESPACE: 'fsi' };

describe('webhookConfigFromEnv (the chart contract, docs/adr/0060)', () => {
  it('defaults to cert-manager files and the built-in defaults', () => {
    const r = webhookConfigFromEnv(IMAGE);
    expect(r.ok && r.value).toMatchObject({
      port: 8443,
      host: '0.0.0.0',
      path: '/mutate',
      sidecarMode: 'auto',
      csiDriver: 'csi.fs-interposer.dev',
      metricsPort: 9464,
      tls: { mode: 'files', certPath: '/etc/fs-interposer/tls/tls.crt', keyPath: '/etc/fs-interposer/tls/tls.key' },
      defaultResources: { cpuRequest: '10m', memoryRequest: '32Mi', memoryLimit: '128Mi' },
      provenance: { namespace: 'fsi', secretName: 'fs-interposer-provenance' },
    });
  });

  it('reads what the chart writes', () => {
    const r = webhookConfigFromEnv({
      ...IMAGE,
      FS_INTERPOSER_WEBHOOK_PORT: '9443',
      FS_INTERPOSER_WEBHOOK_PATH: '/inject',
      FS_INTERPOSER_TLS_MODE: 'self-signed',
      FS_INTERPOSER_NAMESPACE: 'fsi',
      FS_INTERPOSER_TLS_SECRET: 'tls',
      FS_INTERPOSER_WEBHOOK_CONFIGURATION: 'fsi-webhook',
      FS_INTERPOSER_WEBHOOK_SERVICE: 'fsi-webhook',
      FS_INTERPOSER_SIDECAR_ALLOWED_IMAGES: 'a:1, b:2',
      FS_INTERPOSER_SIDECAR_MODE: 'native',
      FS_INTERPOSER_SIDECAR_RESOURCES: '{"requests":{"cpu":"20m","memory":"64Mi"},"limits":{"memory":"256Mi"}}',
      FS_INTERPOSER_SIDECAR_METRICS_PORT: '9500',
      FS_INTERPOSER_SIDECAR_IMAGE_PULL_POLICY: 'Never',
      FS_INTERPOSER_PROVENANCE_SECRET: 'fsi-provenance',
    });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value).toMatchObject({
      port: 9443, path: '/inject', sidecarMode: 'native', metricsPort: 9500, sidecarPullPolicy: 'Never',
      imageAllowList: ['a:1', 'b:2'],
      provenance: { namespace: 'fsi', secretName: 'fsi-provenance' },
      defaultResources: { cpuRequest: '20m', cpuLimit: undefined, memoryRequest: '64Mi', memoryLimit: '256Mi' },
    });
    expect(r.value.tls).toMatchObject({
      mode: 'self-signed', namespace: 'fsi', secretName: 'tls', webhookConfiguration: 'fsi-webhook',
      policy: { dnsNames: ['fsi-webhook', 'fsi-webhook.fsi', 'fsi-webhook.fsi.svc'] },
    });
  });

  it('reports every bad variable at once', () => {
    const r = webhookConfigFromEnv({
      FS_INTERPOSER_WEBHOOK_PORT: '99999', FS_INTERPOSER_SIDECAR_MODE: 'x', FS_INTERPOSER_TLS_MODE: 'acme',
      FS_INTERPOSER_SIDECAR_RESOURCES: '{"limits":{"cpu":"lots"}}',
    });
    expect(!r.ok && r.errors).toEqual([
      'FS_INTERPOSER_NAMESPACE: required (the release namespace: the provenance key Secret, and the TLS Secret in self-signed mode)',
      'FS_INTERPOSER_WEBHOOK_PORT: "99999" is not a port',
      'FS_INTERPOSER_TLS_MODE: "acme" is not accepted (accepted: cert-manager, self-signed)',
      'FS_INTERPOSER_SIDECAR_IMAGE: required (the chart sets it to its own image)',
      'FS_INTERPOSER_SIDECAR_MODE: "x" is not accepted (accepted: auto, native, regular)',
      'FS_INTERPOSER_SIDECAR_RESOURCES: limits.cpu "lots" is not a Kubernetes quantity',
    ]);
  });
});
