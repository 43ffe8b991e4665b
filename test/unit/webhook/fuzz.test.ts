/**
 * Seeded, bounded fuzzing: random annotation values through the real grammar, and random
 * structural damage to real AdmissionReviews through the whole processor. The properties: no
 * exception escapes, a denial always names the annotation, a broken review is a 400 with a
 * message, never a 500 (a 500 here means a crash in our code).
 */
import { describe, expect, it } from '@jest/globals';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { parseLayerSpec } from '../../../src/config/index.js';
import { applyPatch, diffPods } from '../../../src/webhook/json-patch.js';
import { createWebhookMetrics } from '../../../src/webhook/metrics.js';
import { mutatePod } from '../../../src/webhook/mutate-pod.js';
import { createReviewProcessor } from '../../../src/webhook/review-processor.js';
import { loadPod, loadReview, mutateOptions } from './helpers.js';
import { mulberry32 } from '../../helpers/prng.js';

const TOKENS = ['trace', 'metrics', 'fault', 'latency', 'throttle', 'quota', 'record', 'powerloss', 'shuffle',
  '=', ',', '@', '%', '|', 'EIO', 'ENOSPC', 'EXX', '10ms', '5MB', '5MiB', '1..5ms', '100iops', '1.5', '-1', '',
  ' ', '\u0000', 'é', '\n', '..', '/', '9'.repeat(40), 'data', '"', '\\'];

function randomSpec(rand: () => number): string {
  let s = '';
  const n = Math.floor(rand() * 8);
  for (let i = 0; i < n; i++) s += TOKENS[Math.floor(rand() * TOKENS.length)];
  return s;
}

const KEYS = ['fs-interposer/layers', 'fs-interposer/layers.data', 'fs-interposer/layers.x', 'fs-interposer/volumes',
  'fs-interposer/sidecar-mode', 'fs-interposer/cpu-request', 'fs-interposer/memory-limit', 'fs-interposer/config',
  'fs-interposer/identity', 'fs-interposer/nope'];

describe('fuzz: annotations (seeded)', () => {
  it.each([1, 2, 3])('seed %i: 600 random annotation sets never throw, denials name the key', (seed) => {
    const rand = mulberry32(seed);
    const kinds = new Set<string>();
    for (let i = 0; i < 600; i++) {
      const pod = loadPod('deployment-pod.json');
      const annotations: Record<string, string> = {};
      const n = 1 + Math.floor(rand() * 3);
      for (let k = 0; k < n; k++) annotations[KEYS[Math.floor(rand() * KEYS.length)]!] = randomSpec(rand);
      pod.metadata!.annotations = annotations;
      const r = mutatePod(pod, mutateOptions({ parseLayerSpec }));
      kinds.add(r.kind);
      if (r.kind === 'denied') {
        expect(r.message).toMatch(/^fs-interposer: /);
        expect(Object.keys(annotations).some((key) => r.message.includes(key))).toBe(true);
      }
    }
    expect(kinds).toContain('denied');
    expect(kinds).toContain('mutated');
  });
});

const JUNK: unknown[] = [null, 0, -1, 1e308, '', 'x', true, [], {}, [null], [{}], { name: 1 }, { name: 'data' }];

function damage(value: unknown, rand: () => number, depth = 0): unknown {
  if (typeof value !== 'object' || value === null) return value;
  const keys = Object.keys(value);
  if (keys.length === 0) return value;
  const key = keys[Math.floor(rand() * keys.length)]!;
  const target = value as Record<string, unknown>;
  const r = rand();
  if (r < 0.15) delete target[key];
  else if (r < 0.45 || depth > 8) target[key] = structuredClone(JUNK[Math.floor(rand() * JUNK.length)]);
  else target[key] = damage(target[key], rand, depth + 1);
  return value;
}

describe('fuzz: AdmissionReview decoder and processor (seeded)', () => {
  const fixtures = ['pod-single-pvc.json', 'deployment-pod.json', 'istio-sidecar.json', 'init-containers.json',
    'ephemeral-hostnetwork.json', 'block-and-filesystem.json'];

  it('1000 damaged reviews: 200 or 400 with a message, never a crash', async () => {
    const rand = mulberry32(42);
    const processReview = createReviewProcessor({
      mutate: mutateOptions({ parseLayerSpec }),
      cluster: { nativeSidecars: async () => rand() < 0.5, namespaceDefaultLayers: async () => undefined },
      metrics: createWebhookMetrics(new Registry()),
      logger: pino({ level: 'silent' }),
    });
    const statuses = new Map<number, number>();
    for (let i = 0; i < 1000; i++) {
      const review = loadReview(fixtures[i % fixtures.length]!);
      const hits = 1 + Math.floor(rand() * 3);
      let body: unknown = review;
      for (let h = 0; h < hits; h++) body = damage(body, rand);
      const out = await processReview(body);
      statuses.set(out.status, (statuses.get(out.status) ?? 0) + 1);
      if (out.status === 500) throw new Error(`crash on ${JSON.stringify(body).slice(0, 2000)}: ${JSON.stringify(out.body)}`);
      if (out.status === 400) expect('error' in out.body && out.body.error).toMatch(/^invalid AdmissionReview: .+/);
      else expect('response' in out.body && typeof out.body.response.allowed).toBe('boolean');
    }
    expect(statuses.get(200)).toBeGreaterThan(50);
    expect(statuses.get(400)).toBeGreaterThan(50);
  });
});

describe('fuzz: the JSON diff (seeded)', () => {
  const NAMED = [{ name: 'a', v: 1 }, { name: 'b', v: 2 }, { name: 'c' }, { name: 'd', x: [1, 2] }, { name: 'data', mountPath: '/m' }, { name: 'fsi-data', mountPath: '/data' }];
  function reshapeArray(value: unknown[], rand: () => number, depth: number): unknown[] {
    const out = value.map((v) => (rand() < 0.3 ? reshape(v, rand, depth + 1) : v)).filter(() => rand() > 0.15);
    if (rand() < 0.3) out.splice(Math.floor(rand() * (out.length + 1)), 0, structuredClone(NAMED[Math.floor(rand() * NAMED.length)]));
    return out;
  }
  function reshapeObject(value: object, rand: () => number, depth: number): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const r = rand();
      if (r >= 0.1) out[k] = r < 0.5 ? reshape(v, rand, depth + 1) : v;
    }
    if (rand() < 0.2) out[`k/~${Math.floor(rand() * 3)}`] = structuredClone(NAMED.slice(0, 1 + Math.floor(rand() * 4)));
    return out;
  }
  function reshape(value: unknown, rand: () => number, depth = 0): unknown {
    if (Array.isArray(value)) return reshapeArray(value, rand, depth);
    if (typeof value !== 'object' || value === null || depth > 6) return rand() < 0.2 ? structuredClone(JUNK[Math.floor(rand() * JUNK.length)]) : value;
    return reshapeObject(value, rand, depth);
  }

  it('1000 random edits of real Pods: applying the diff gives the edited Pod', () => {
    const rand = mulberry32(7);
    const fixtures = ['deployment-pod.json', 'istio-sidecar.json', 'init-containers.json', 'multi-container-subpath-readonly.json'];
    for (let i = 0; i < 1000; i++) {
      const before = loadPod(fixtures[i % fixtures.length]!);
      const after = reshape(structuredClone(before), rand) as typeof before;
      expect(applyPatch(before, diffPods(before, after))).toEqual(after);
    }
  });
});

