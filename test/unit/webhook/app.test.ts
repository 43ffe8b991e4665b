import { describe, expect, it } from '@jest/globals';
import { inject } from 'light-my-request';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { parseLayerSpec } from '../../../src/config/index.js';
import type { AdmissionReviewResponse } from '../../../src/webhook/admission-response.js';
import { createWebhookApp } from '../../../src/webhook/app.js';
import { applyPatch } from '../../../src/webhook/json-patch.js';
import type { PatchOperation } from '../../../src/webhook/json-patch.js';
import { createWebhookMetrics } from '../../../src/webhook/metrics.js';
import { createReviewProcessor } from '../../../src/webhook/review-processor.js';
import type { ClusterFacts } from '../../../src/webhook/review-processor.js';
import { loadReview, mutateOptions } from './helpers.js';
import type { Review } from './helpers.js';

type Reply = AdmissionReviewResponse & { error?: string };

interface Harness {
  registry: Registry;
  post(body: unknown): Promise<{ status: number; json: Reply }>;
  get(path: string): Promise<{ status: number; body: string }>;
}

function harness(cluster: Partial<ClusterFacts> = {}, ready = true): Harness {
  const registry = new Registry();
  const logger = pino({ level: 'silent' });
  const metrics = createWebhookMetrics(registry);
  const processReview = createReviewProcessor({
    mutate: mutateOptions({ parseLayerSpec }),
    cluster: {
      nativeSidecars: async () => false,
      namespaceDefaultLayers: async () => undefined,
      ...cluster,
    },
    metrics,
    logger,
  });
  const app = createWebhookApp({
    processReview, registry, ready: () => ready, logger,
    countRejected: (result) => metrics.requests.inc({ operation: 'unknown', result }),
  });
  return {
    registry,
    async post(body) {
      const payload = typeof body === 'string' ? body : JSON.stringify(body);
      const res = await inject(app, { method: 'POST', url: '/mutate', payload, headers: { 'content-type': 'application/json' } });
      return { status: res.statusCode, json: res.json<Reply>() };
    },
    async get(path) {
      const res = await inject(app, { method: 'GET', url: path });
      return { status: res.statusCode, body: res.payload };
    },
  };
}

function patchOf(json: Reply): PatchOperation[] {
  return JSON.parse(Buffer.from(json.response.patch as string, 'base64').toString()) as PatchOperation[];
}

async function metric(h: Harness, name: string): Promise<string[]> {
  return (await h.registry.metrics()).split('\n').filter((l) => l.startsWith(name));
}

describe('webhook HTTP app (in-process, no socket)', () => {
  it('mutates an opted-in Pod with a JSONPatch that yields an injected Pod', async () => {
    const h = harness();
    const review = loadReview('pod-single-pvc.json');
    const res = await h.post(review);
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview' });
    expect(res.json.response).toMatchObject({ uid: review.request.uid, allowed: true, patchType: 'JSONPatch' });
    const pod = applyPatch(review.request.object, patchOf(res.json));
    expect(pod.spec!.containers[0]!.name).toBe('fs-interposer');
    expect(await metric(h, 'fs_interposer_webhook_patches_applied_total')).toEqual([
      'fs_interposer_webhook_patches_applied_total{mode="regular"} 1',
    ]);
    expect(await metric(h, 'fs_interposer_webhook_requests_total')).toEqual([
      'fs_interposer_webhook_requests_total{operation="CREATE",result="mutated"} 1',
    ]);
  });

  it('re-invocation on the patched Pod answers without a patch (idempotent)', async () => {
    const h = harness();
    const review = loadReview('pod-single-pvc.json');
    const first = await h.post(review);
    review.request.object = applyPatch(review.request.object, patchOf(first.json));
    const second = await h.post(review);
    expect(second.json.response).toEqual({ uid: review.request.uid, allowed: true });
  });

  it('dryRun gets the same patch but counts no injection', async () => {
    const h = harness();
    const review = loadReview('pod-single-pvc.json');
    review.request.dryRun = true;
    const res = await h.post(review);
    expect(res.json.response.patch).toBeDefined();
    expect(await metric(h, 'fs_interposer_webhook_patches_applied_total')).toEqual([]);
  });

  it('uses native sidecars when the cluster has them', async () => {
    const h = harness({ nativeSidecars: async () => true });
    const review = loadReview('pod-single-pvc.json');
    const pod = applyPatch(review.request.object, patchOf((await h.post(review)).json));
    expect(pod.spec!.initContainers![0]!.restartPolicy).toBe('Always');
  });

  it('denies a bad annotation with a 200 AdmissionReview naming the token, counted by reason', async () => {
    const h = harness();
    const review = loadReview('pod-single-pvc.json');
    review.request.object.metadata!.annotations!['fs-interposer/layers'] = 'trace,fault=EXX@1%';
    const res = await h.post(review);
    expect(res.status).toBe(200);
    expect(res.json.response.allowed).toBe(false);
    expect(res.json.response.status?.code).toBe(403);
    expect(res.json.response.status?.message).toMatch(/fs-interposer\/layers: "trace,fault=EXX@1%".*EXX.*accepted: /);
    expect(await metric(h, 'fs_interposer_webhook_denials_total')).toEqual([
      'fs_interposer_webhook_denials_total{reason="invalid-annotation"} 1',
    ]);
  });

  it('skips a Windows Pod with a warning and the reason annotation', async () => {
    const res = await harness().post(loadReview('windows.json'));
    expect(res.json.response.allowed).toBe(true);
    expect(res.json.response.warnings).toEqual(['fs-interposer: Windows Pod (the interposer runs on Linux nodes only)']);
    expect(patchOf(res.json)).toEqual([
      { op: 'add', path: '/metadata/annotations/fs-interposer~1skipped', value: 'Windows Pod (the interposer runs on Linux nodes only)' },
    ]);
  });

  it('applies the namespace default to Pods without annotations', async () => {
    const h = harness({ namespaceDefaultLayers: async (ns) => (ns === 'apps' ? 'trace' : undefined) });
    const review = loadReview('not-opted-in.json');
    expect((await h.post(review)).json.response.patch).toBeDefined();
  });

  it('denies a bad live annotation change on UPDATE and allows a good one', async () => {
    const h = harness();
    const create = loadReview('pod-single-pvc.json');
    const injected = applyPatch(create.request.object, patchOf((await h.post(create)).json));
    const update = (layers: string): Review => {
      const r = loadReview('pod-single-pvc.json');
      r.request.operation = 'UPDATE';
      r.request.oldObject = injected;
      r.request.object = structuredClone(injected);
      r.request.object.metadata!.annotations!['fs-interposer/layers'] = layers;
      return r;
    };
    expect((await h.post(update('trace,latency=1ms'))).json.response).toEqual({ uid: create.request.uid, allowed: true });
    const bad = (await h.post(update('latency=forever'))).json.response;
    expect(bad.allowed).toBe(false);
    expect(bad.status?.message).toMatch(/forever/);
  });

  it('allows what it does not handle: DELETE, other kinds', async () => {
    const h = harness();
    const review = loadReview('pod-single-pvc.json') as unknown as { request: Record<string, unknown> };
    review.request.operation = 'DELETE';
    expect((await h.post(review)).json.response).toEqual({ uid: '7f6e5d4c-0001-4a1b-9c2d-000000000001', allowed: true });
  });

  it.each([
    ['{"apiVersion":', 400, /^invalid AdmissionReview: /],
    [{ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview' }, 400, /request is missing/],
    [`{"pad":"${'x'.repeat(3 * 1024 * 1024)}"}`, 413, /^invalid AdmissionReview: body larger than 3145728 bytes$/],
  ])('a malformed body %# -> %i with a clear message, counted', async (body, status, message) => {
    const h = harness();
    const res = await h.post(body);
    expect(res.status).toBe(status);
    expect(res.json.error).toMatch(message);
    expect(await metric(h, 'fs_interposer_webhook_requests_total')).toEqual([
      'fs_interposer_webhook_requests_total{operation="unknown",result="invalid"} 1',
    ]);
  });

  it('internal errors answer 500 and count in metrics', async () => {
    const h = harness({ namespaceDefaultLayers: async () => { throw new Error('apiserver unreachable'); } });
    const res = await h.post(loadReview('pod-single-pvc.json'));
    expect(res.status).toBe(500);
    expect(res.json.error).toBe('internal error: apiserver unreachable');
    expect(await metric(h, 'fs_interposer_webhook_requests_total')).toEqual([
      'fs_interposer_webhook_requests_total{operation="CREATE",result="error"} 1',
    ]);
  });

  it('probes and metrics', async () => {
    expect(await harness().get('/healthz')).toEqual({ status: 200, body: 'ok' });
    expect(await harness().get('/readyz')).toEqual({ status: 200, body: 'ok' });
    expect((await harness({}, false).get('/readyz')).status).toBe(503);
    const h = harness();
    await h.post(loadReview('pod-single-pvc.json'));
    const m = await h.get('/metrics');
    expect(m.status).toBe(200);
    expect(m.body).toContain('fs_interposer_webhook_request_duration_seconds_count{operation="CREATE"} 1');
  });

  it('captured UPDATE (kubectl annotate) of a Pod that was never injected: allowed, no patch', async () => {
    const review = loadReview('apiserver-1.20-update-annotation.json');
    const res = await harness().post(review);
    expect(res.json.response).toEqual({ uid: review.request.uid, allowed: true });
  });

  it('UPDATE does not depend on the namespace lookup', async () => {
    const h = harness({ namespaceDefaultLayers: async () => { throw new Error('apiserver unreachable'); } });
    const review = loadReview('apiserver-1.20-update-annotation.json');
    expect((await h.post(review)).json.response?.allowed).toBe(true);
  });
});

