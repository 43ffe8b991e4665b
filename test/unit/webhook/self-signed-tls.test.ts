import { X509Certificate } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { pino } from 'pino';
import { createFakeKubeApi } from '../../../src/webhook/kube/fake-kube-api.js';
import type { FakeKubeApi } from '../../../src/webhook/kube/fake-kube-api.js';
import type { RotationPolicy } from '../../../src/webhook/tls/rotation-plan.js';
import { ensureSelfSignedTls } from '../../../src/webhook/tls/self-signed-tls.js';
import type { SelfSignedOptions } from '../../../src/webhook/tls/self-signed-tls.js';

const DAY = 86_400_000;
const policy: RotationPolicy = {
  dnsNames: ['fs-interposer-webhook.fs-interposer.svc'],
  ipAddresses: ['127.0.0.1'],
  caValidityDays: 3650,
  certValidityDays: 365,
  certRenewBeforeMs: 30 * DAY,
  caRenewBeforeMs: 365 * DAY,
  overlapMs: DAY,
};

function setup(): { api: FakeKubeApi; clock: { t: number }; options: SelfSignedOptions } {
  const api = createFakeKubeApi();
  api.webhookConfigs.set('fs-interposer', ['', '']);
  const clock = { t: Date.parse('2026-11-28T00:00:00Z') };
  const options: SelfSignedOptions = {
    api,
    namespace: 'fs-interposer',
    secretName: 'fs-interposer-webhook-tls',
    webhookConfiguration: 'fs-interposer',
    policy,
    now: () => new Date(clock.t),
    logger: pino({ level: 'silent' }),
  };
  return { api, clock, options };
}

const certs = (bundle: string) => bundle.match(/-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g) ?? [];
function signedBy(certPem: string, bundle: string): boolean {
  const cert = new X509Certificate(certPem);
  return certs(bundle).some((ca) => cert.verify(new X509Certificate(ca).publicKey));
}

describe('self-signed TLS in one Secret', () => {
  it('creates the CA once, writes the caBundle to every webhook entry, cert covers the names', async () => {
    const { api, options } = setup();
    const m = await ensureSelfSignedTls(options);
    expect(signedBy(m.certPem, m.caBundle)).toBe(true);
    const cert = new X509Certificate(m.certPem);
    expect(cert.checkHost('fs-interposer-webhook.fs-interposer.svc')).toBe('fs-interposer-webhook.fs-interposer.svc');
    expect(cert.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(new X509Certificate(certs(m.caBundle)[0]!).ca).toBe(true);
    expect(api.webhookConfigs.get('fs-interposer')).toEqual([m.caBundle, m.caBundle]);
    // a second start reads, writes nothing
    api.calls.length = 0;
    const again = await ensureSelfSignedTls(options);
    expect(again).toEqual(m);
    expect(api.calls).toEqual(['readSecret', 'readCaBundles']);
  });

  it('replicas starting together end up with one CA (single writer, the loser adopts)', async () => {
    const { api, options } = setup();
    const [a, b, c] = await Promise.all([ensureSelfSignedTls(options), ensureSelfSignedTls(options), ensureSelfSignedTls(options)]);
    expect(b).toEqual(a);
    expect(c).toEqual(a);
    expect(api.calls.filter((x) => x === 'createSecret')).toHaveLength(3);
    expect(api.secrets.get('fs-interposer/fs-interposer-webhook-tls')!.resourceVersion).toBe('1');
  });

  it('re-issues the serving cert before expiry from the same CA: the bundle does not change', async () => {
    const { clock, options } = setup();
    const first = await ensureSelfSignedTls(options);
    clock.t += 340 * DAY;
    const second = await ensureSelfSignedTls(options);
    expect(second.certPem).not.toBe(first.certPem);
    expect(second.caBundle).toBe(first.caBundle);
    expect(signedBy(second.certPem, first.caBundle)).toBe(true);
  });

  it('rotates the CA in two steps: successor trusted first, promoted after the overlap', async () => {
    const { clock, options } = setup();
    const first = await ensureSelfSignedTls(options);
    clock.t += 3300 * DAY; // < 365 days left on the CA
    const staged = await ensureSelfSignedTls(options);
    expect(certs(staged.caBundle)).toHaveLength(2);
    expect(staged.certPem).not.toBe(first.certPem); // the serving cert was also due; still old CA
    expect(signedBy(staged.certPem, certs(first.caBundle)[0]!)).toBe(true);
    clock.t += DAY;
    const promoted = await ensureSelfSignedTls(options);
    const [current, previous] = certs(promoted.caBundle);
    expect(previous).toBe(certs(first.caBundle)[0]);
    expect(signedBy(promoted.certPem, current!)).toBe(true);
    expect(signedBy(promoted.certPem, previous!)).toBe(false);
    clock.t += 400 * DAY; // the old CA has expired: it leaves the bundle
    const later = await ensureSelfSignedTls(options);
    expect(certs(later.caBundle)).toHaveLength(1);
  });

  it('propagates API errors other than conflicts', async () => {
    const { api, options } = setup();
    api.failNext('readSecret', new Error('forbidden'));
    await expect(ensureSelfSignedTls(options)).rejects.toThrow('forbidden');
  });
});
