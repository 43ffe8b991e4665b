import { describe, expect, it } from '@jest/globals';
import { pino } from 'pino';
import { createClusterFacts } from '../../../src/webhook/cluster-facts.js';
import { createFakeKubeApi } from '../../../src/webhook/kube/fake-kube-api.js';
import { atLeast, parseKubeVersion } from '../../../src/webhook/kube-version.js';

const logger = pino({ level: 'silent' });

describe('kube versions', () => {
  it.each([
    ['v1.29.0', true], ['v1.29.3-eks-1234', true], ['v1.30.0+k3s1', true], ['v2.0.0', true],
    ['v1.28.9', false], ['v1.20.2', false], ['garbage', false], ['', false],
  ])('%s >= 1.29: %s', (v, want) => {
    expect(atLeast(v, { major: 1, minor: 29 })).toBe(want);
  });
  it('parses major and minor', () => expect(parseKubeVersion('1.31.2')).toEqual({ major: 1, minor: 31 }));
});

describe('cluster facts', () => {
  it.each([
    ['v1.30.1', ['v1.30.1', 'v1.29.4'], true],
    ['v1.30.1', ['v1.30.1', 'v1.28.9'], false],
    ['v1.28.2', [], false],
    ['v1.29.0', [], true],
  ])('server %s kubelets %j -> native %s', async (server, kubelets, want) => {
    const api = createFakeKubeApi();
    api.version = server;
    api.kubelets = kubelets;
    expect(await createClusterFacts({ api, logger }).nativeSidecars()).toBe(want);
  });

  it('caches the sidecar mode for its TTL and shares one lookup between concurrent callers', async () => {
    const api = createFakeKubeApi();
    let t = 0;
    const facts = createClusterFacts({ api, logger, now: () => t, versionTtlMs: 1000 });
    await Promise.all([facts.nativeSidecars(), facts.nativeSidecars(), facts.nativeSidecars()]);
    expect(api.calls.filter((c) => c === 'serverVersion')).toHaveLength(1);
    t = 999;
    await facts.nativeSidecars();
    expect(api.calls.filter((c) => c === 'serverVersion')).toHaveLength(1);
    t = 1000;
    api.kubelets = ['v1.27.0'];
    expect(await facts.nativeSidecars()).toBe(false);
    expect(api.calls.filter((c) => c === 'serverVersion')).toHaveLength(2);
  });

  it('keeps the last answer when the lookup fails, and falls back to regular with none', async () => {
    const api = createFakeKubeApi();
    let t = 0;
    const facts = createClusterFacts({ api, logger, now: () => t, versionTtlMs: 10 });
    api.failNext('serverVersion', new Error('down'));
    expect(await facts.nativeSidecars()).toBe(false);
    expect(await facts.nativeSidecars()).toBe(true);
    t = 100;
    api.failNext('kubeletVersions', new Error('down'));
    expect(await facts.nativeSidecars()).toBe(true);
  });

  it('reads namespace defaults, caches them, serves stale on failure, fails with nothing cached', async () => {
    const api = createFakeKubeApi();
    api.namespaces.set('apps', { 'fs-interposer/default-layers': 'trace' });
    api.namespaces.set('plain', {});
    let t = 0;
    const facts = createClusterFacts({ api, logger, now: () => t, namespaceTtlMs: 10 });
    expect(await facts.namespaceDefaultLayers('apps')).toBe('trace');
    expect(await facts.namespaceDefaultLayers('plain')).toBeUndefined();
    api.namespaces.set('apps', { 'fs-interposer/default-layers': 'metrics' });
    expect(await facts.namespaceDefaultLayers('apps')).toBe('trace');
    t = 20;
    expect(await facts.namespaceDefaultLayers('apps')).toBe('metrics');
    t = 40;
    api.failNext('namespaceAnnotations', new Error('down'));
    expect(await facts.namespaceDefaultLayers('apps')).toBe('metrics');
    await expect(facts.namespaceDefaultLayers('missing')).rejects.toThrow('namespaces "missing" not found');
  });
});
