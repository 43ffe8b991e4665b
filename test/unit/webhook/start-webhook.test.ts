import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { connect } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from '@jest/globals';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { parseLayerSpec } from '../../../src/config/index.js';
import { createFakeKubeApi } from '../../../src/webhook/kube/fake-kube-api.js';
import { DEFAULT_SIDECAR_RESOURCES } from '../../../src/webhook/resources.js';
import { startWebhook } from '../../../src/webhook/start-webhook.js';
import type { RunningWebhook, TlsConfig } from '../../../src/webhook/start-webhook.js';
import { createCa, createServingCert } from '../../../src/webhook/tls/certificates.js';
import { loadReview } from './helpers.js';

const logger = pino({ level: 'silent' });
const running: RunningWebhook[] = [];
const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((r) => r.close()));
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function post(port: number, ca: string, body: unknown): Promise<{ status: number; json: { response?: { allowed: boolean; patch?: string } } }> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path: '/mutate', method: 'POST', ca, headers: { 'content-type': 'application/json' }, agent: false },
      (res) => {
        let data = '';
        res.on('data', (c: Buffer) => (data += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(data) as never }));
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

const PROVENANCE = { namespace: 'fs-interposer', secretName: 'fs-interposer-provenance' };

async function start(tls: TlsConfig, api = createFakeKubeApi(), now?: () => number) {
  api.namespaces.set('apps', {});
  const r = await startWebhook(
    { port: 0, host: '127.0.0.1', tls, sidecarImage: 'img:1', imageAllowList: [], sidecarMode: 'auto', defaultResources: DEFAULT_SIDECAR_RESOURCES, provenance: PROVENANCE },
    { logger, registry: new Registry(), api, parseLayerSpec, now },
  );
  running.push(r);
  return r;
}

function pair(now = new Date()) {
  const ca = createCa({ commonName: 'test-ca', now, validityDays: 2 });
  const serving = createServingCert(ca, { dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'], now, validityDays: 1 });
  return { ca, serving };
}

describe('startWebhook over real HTTPS on loopback', () => {
  it('files mode: serves, then reloads a rotated certificate without a restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fsi-webhook-'));
    dirs.push(dir);
    const first = pair();
    const certPath = join(dir, 'tls.crt');
    const keyPath = join(dir, 'tls.key');
    writeFileSync(certPath, first.serving.certPem);
    writeFileSync(keyPath, first.serving.keyPem);
    const r = await start({ mode: 'files', certPath, keyPath, pollMs: 25 });
    const res = await post(r.port, first.ca.certPem, loadReview('pod-single-pvc.json'));
    expect(res.status).toBe(200);
    expect(res.json.response?.allowed).toBe(true);
    expect(res.json.response?.patch).toBeDefined();

    const second = pair();
    writeFileSync(keyPath, second.serving.keyPem);
    writeFileSync(certPath, second.serving.certPem);
    const deadline = Date.now() + 5000;
    let ok = false;
    while (!ok && Date.now() < deadline) {
      ok = await post(r.port, second.ca.certPem, loadReview('pod-single-pvc.json')).then(() => true, () => false);
      if (!ok) await new Promise((res2) => setTimeout(res2, 50));
    }
    expect(ok).toBe(true);
    await expect(post(r.port, first.ca.certPem, loadReview('pod-single-pvc.json'))).rejects.toThrow();
  });

  it('self-signed mode: the caBundle it writes is what the client must trust', async () => {
    const api = createFakeKubeApi();
    api.webhookConfigs.set('fs-interposer', ['']);
    const r = await start({
      mode: 'self-signed',
      namespace: 'fs-interposer',
      secretName: 'fs-interposer-webhook-tls',
      webhookConfiguration: 'fs-interposer',
      policy: {
        dnsNames: ['fs-interposer-webhook.fs-interposer.svc'], ipAddresses: ['127.0.0.1'], caValidityDays: 10,
        certValidityDays: 5, certRenewBeforeMs: 0, caRenewBeforeMs: 0, overlapMs: 0,
      },
    }, api);
    const bundle = api.webhookConfigs.get('fs-interposer')![0]!;
    expect(bundle).toMatch(/BEGIN CERTIFICATE/);
    const res = await post(r.port, bundle, loadReview('windows.json'));
    expect(res.json.response?.allowed).toBe(true);
    await expect(post(r.port, pair().ca.certPem, loadReview('windows.json'))).rejects.toThrow();
  });

  it('self-signed mode: rotates the serving certificate before expiry while serving, trusted throughout', async () => {
    const api = createFakeKubeApi();
    api.webhookConfigs.set('fs-interposer', ['']);
    const DAY = 86_400_000;
    let t = Date.now();
    const r = await start({
      mode: 'self-signed', namespace: 'fsi', secretName: 'tls', webhookConfiguration: 'fs-interposer', checkEveryMs: 20,
      policy: {
        dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'], caValidityDays: 3650, certValidityDays: 5,
        certRenewBeforeMs: 5 * DAY - 30_000, caRenewBeforeMs: 365 * DAY, overlapMs: DAY,
      },
    }, api, () => t);
    const bundle = api.webhookConfigs.get('fs-interposer')![0]!;
    const serial = () => new Promise<string>((resolve, reject) => {
      const s2 = connect({ host: '127.0.0.1', port: r.port, ca: bundle, servername: 'localhost' }, () => {
        resolve(s2.getPeerCertificate().serialNumber);
        s2.end();
      });
      s2.on('error', reject);
    });
    const first = await serial();
    t += 60_000; // inside the renewal window (and the new cert is valid by the real clock: backdated 5 min)
    const deadline = Date.now() + 5000;
    let next = first;
    while (next === first && Date.now() < deadline) {
      await new Promise((w) => setTimeout(w, 25));
      next = await serial(); // every handshake verifies against the unchanged bundle
    }
    expect(next).not.toBe(first);
    expect(api.webhookConfigs.get('fs-interposer')![0]).toBe(bundle);
  });

  it('close drains: not ready at once, admissions still answered until the port closes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fsi-webhook-'));
    dirs.push(dir);
    const p = pair();
    writeFileSync(join(dir, 'tls.crt'), p.serving.certPem);
    writeFileSync(join(dir, 'tls.key'), p.serving.keyPem);
    const r = await startWebhook(
      { port: 0, host: '127.0.0.1', tls: { mode: 'files', certPath: join(dir, 'tls.crt'), keyPath: join(dir, 'tls.key') }, sidecarImage: 'img:1', imageAllowList: [], sidecarMode: 'regular', defaultResources: DEFAULT_SIDECAR_RESOURCES, provenance: PROVENANCE },
      { logger, registry: new Registry(), api: Object.assign(createFakeKubeApi(), { namespaces: new Map([['apps', {}]]) }), parseLayerSpec },
    );
    const get = (path: string) => new Promise<number>((resolve, reject) => {
      request({ host: '127.0.0.1', port: r.port, path, ca: p.ca.certPem, agent: false }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      }).on('error', reject).end();
    });
    expect(await get('/readyz')).toBe(200);
    const closing = r.close({ drainMs: 400 });
    expect(await get('/readyz')).toBe(503);
    expect((await post(r.port, p.ca.certPem, loadReview('windows.json'))).json.response?.allowed).toBe(true);
    await closing;
    await expect(get('/healthz')).rejects.toThrow();
  });
});

