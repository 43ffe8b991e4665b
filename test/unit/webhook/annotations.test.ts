import { describe, expect, it } from '@jest/globals';
import { parseLayerSpec } from '../../../src/config/index.js';
import { ACCEPTED_KEYS, readPodSettings } from '../../../src/webhook/annotations.js';
import { mutatePod } from '../../../src/webhook/mutate-pod.js';
import { loadPod, mutateOptions } from './helpers.js';

const options = { parseLayerSpec, imageAllowList: ['ghcr.io/fs-interposer/fs-interposer:debug'] };

function errorsOf(annotations: Record<string, string>, namespaceDefaultLayers?: string): string[] {
  const r = readPodSettings(annotations, { ...options, namespaceDefaultLayers });
  return r.ok ? [] : r.errors;
}

describe('readPodSettings with the real layer grammar (src/config)', () => {
  it('accepts the grammar of ARCHITECTURE.md section 4', () => {
    const r = readPodSettings(
      {
        'fs-interposer/layers': 'trace,metrics,throttle=5MB,latency=10ms,fault=EIO@1%',
        'fs-interposer/layers.logs': 'metrics',
        'fs-interposer/volumes': 'data, logs',
        'fs-interposer/config': 'chaos-profile',
        'fs-interposer/sidecar-mode': 'native',
        'fs-interposer/cpu-request': '50m',
        'fs-interposer/memory-limit': '1Gi',
        'fs-interposer/image': 'ghcr.io/fs-interposer/fs-interposer:debug',
        'app.kubernetes.io/name': 'not ours, ignored',
      },
      options,
    );
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.volumes).toEqual(['data', 'logs']);
    expect([...r.value.layersByVolume]).toEqual([['logs', 'metrics']]);
    expect(r.value.sidecarMode).toBe('native');
    expect(r.value.resources).toEqual({ cpuRequest: '50m', cpuLimit: undefined, memoryRequest: undefined, memoryLimit: '1Gi' });
  });

  it.each([
    ['fs-interposer/layers', 'trace,bogus', /fs-interposer\/layers: "trace,bogus": .*bogus.*\(accepted: .*trace.*\)/],
    ['fs-interposer/layers', 'fault=EXX@1%', /fs-interposer\/layers: "fault=EXX@1%": .*EXX.*accepted: /],
    ['fs-interposer/layers', 'throttle=fast', /fs-interposer\/layers: "throttle=fast": .*fast.*accepted: .*5MB/],
    ['fs-interposer/layers.data', 'latency=soon', /fs-interposer\/layers.data: "latency=soon": .*soon.*accepted: /],
    ['fs-interposer/layers', Array(33).fill('shuffle').join(','), /fs-interposer\/layers: .*has 33 entries; at most 32 accepted/],
    ['fs-interposer/sidecar-mode', 'sometimes', /"sometimes" is not accepted \(accepted: native, regular, auto\)/],
    ['fs-interposer/identity', 'root', /"root" is not accepted \(accepted: default, privileged\)/],
    ['fs-interposer/cpu-limit', 'lots', /"lots" is not accepted \(accepted: a Kubernetes quantity/],
    ['fs-interposer/memory-limit', '999999999999999999999Ei', /memory-limit: "999999999999999999999Ei" is out of range \(accepted: 32Mi to 64Gi\)/],
    ['fs-interposer/memory-limit', '1Mi', /memory-limit: "1Mi" is out of range \(accepted: 32Mi to 64Gi\)/],
    ['fs-interposer/memory-request', '1e30', /memory-request: "1e30" is out of range \(accepted: 1Mi to 64Gi\)/],
    ['fs-interposer/cpu-limit', '100000', /cpu-limit: "100000" is out of range \(accepted: 1m to 64\)/],
    ['fs-interposer/cpu-request', '0.0001', /cpu-request: "0.0001" is out of range \(accepted: 1m to 64\)/],
    ['fs-interposer/volumes', 'Data_1', /"Data_1" is not accepted \(accepted: comma-separated volume names/],
    ['fs-interposer/config', 'Bad Name', /"Bad Name" is not accepted \(accepted: the name of a ConfigMap/],
    ['fs-interposer/image', 'evil.example/miner:1', /not on the allow-list \(accepted: ghcr.io\/fs-interposer\/fs-interposer:debug\)/],
    ['fs-interposer/layer', 'trace', /fs-interposer\/layer: unknown annotation \(accepted: fs-interposer\/layers, /],
  ])('%s: %s is denied naming the token and the accepted values', (key, value, message) => {
    const errors = errorsOf({ [key]: value });
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(message);
  });

  it.each([
    ['fs-interposer/memory-limit', '64Gi'],
    ['fs-interposer/memory-limit', '32Mi'],
    ['fs-interposer/cpu-limit', '64'],
    ['fs-interposer/cpu-request', '1m'],
    ['fs-interposer/memory-request', '1Mi'],
  ])('%s: %s (a bound) is accepted', (key, value) => {
    expect(errorsOf({ [key]: value })).toEqual([]);
  });

  it('reports every error at once', () => {
    const errors = errorsOf({
      'fs-interposer/layers': 'bogus',
      'fs-interposer/sidecar-mode': 'x',
      'fs-interposer/memory-request': 'y',
    });
    expect(errors).toHaveLength(3);
  });

  it('validates the namespace default when the Pod has no layers of its own', () => {
    expect(errorsOf({}, 'nonsense=1')[0]).toMatch(/^namespace annotation fs-interposer\/default-layers: "nonsense=1"/);
    expect(errorsOf({ 'fs-interposer/layers': 'trace' }, 'nonsense=1')).toEqual([]);
  });

  it('lists the accepted keys, including the per-volume form', () => {
    expect(ACCEPTED_KEYS).toContain('fs-interposer/layers.<volume>');
    expect(ACCEPTED_KEYS).toContain('fs-interposer/volumes');
  });
});

describe('mutatePod denials', () => {
  const deny = (annotations: Record<string, string>) => {
    const pod = loadPod('deployment-pod.json');
    pod.metadata!.annotations = { 'fs-interposer/layers': 'trace', ...annotations };
    return mutatePod(pod, mutateOptions({ parseLayerSpec }));
  };

  it.each([
    [{ 'fs-interposer/layers': 'trace,wat' }, 'invalid-annotation', /wat/],
    [{ 'fs-interposer/volumes': 'data,missing' }, 'invalid-annotation', /volume "missing" does not exist in this Pod \(accepted: data, cache\)/],
    [{ 'fs-interposer/volumes': 'default-token-x7k2p' }, 'invalid-annotation', /"default-token-x7k2p" is not a PVC or ephemeral volume \(accepted: data, cache\)/],
    [{ 'fs-interposer/volumes': 'data', 'fs-interposer/layers.cache': 'trace' }, 'invalid-annotation', /layers.cache: volume "cache" is not interposed in this Pod \(accepted: data\)/],
    [{ 'fs-interposer/memory-request': '2Gi', 'fs-interposer/memory-limit': '1Gi' }, 'resources', /memory-request 2Gi exceeds fs-interposer\/memory-limit 1Gi/],
  ])('%j -> %s', (annotations, reason, message) => {
    const r = mutatePod(loadPod('deployment-pod.json'), mutateOptions());
    expect(r.kind).toBe('mutated'); // the fixture itself is fine
    const d = deny(annotations);
    expect(d.kind === 'denied' && d.reason).toBe(reason);
    expect(d.kind === 'denied' && d.message).toMatch(message);
  });

  it('a root Pod is denied with the way out, and admitted with the privileged identity', () => {
    const r = mutatePod(loadPod('root-pod.json'), mutateOptions());
    expect(r.kind === 'denied' && r.message).toMatch(/containers app set no runAsUser.*fs-interposer\/identity: privileged/);
    const pod = loadPod('root-pod.json');
    pod.metadata!.annotations!['fs-interposer/identity'] = 'privileged';
    const ok = mutatePod(pod, mutateOptions());
    expect(ok.kind === 'mutated' && ok.pod.spec!.containers[0]!.securityContext).toMatchObject({
      runAsUser: 0,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'], add: ['CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'SETUID', 'SETGID'] },
    });
  });

  it.each([
    [{ runAsUser: 0 }, {}, /run as root \(uid 0\)/],
    [{ runAsUser: 1000, runAsGroup: 1000 }, { runAsUser: 1000, runAsGroup: 5 }, /different users \(uid 1000, gid 1000, 5\)/],
  ])('Pod %j with a user container %j is denied', (podCtx, ctx, message) => {
    const pod = loadPod('multi-container-subpath-readonly.json');
    pod.spec!.securityContext = podCtx;
    pod.spec!.containers[1]!.securityContext = ctx;
    const r = mutatePod(pod, mutateOptions());
    expect(r.kind === 'denied' && r.message).toMatch(message);
  });

  it('resources: one side given, the default side follows it', () => {
    const pod = loadPod('pod-single-pvc.json');
    pod.metadata!.annotations!['fs-interposer/memory-request'] = '512Mi';
    const r = mutatePod(pod, mutateOptions());
    expect(r.kind === 'mutated' && r.pod.spec!.containers[0]!.resources).toEqual({
      requests: { cpu: '10m', memory: '512Mi' },
      limits: { memory: '512Mi' },
    });
  });

  it('an allowed image override replaces the image', () => {
    const pod = loadPod('pod-single-pvc.json');
    pod.metadata!.annotations!['fs-interposer/image'] = 'ghcr.io/fs-interposer/fs-interposer:0.1.0-debug';
    const r = mutatePod(pod, mutateOptions());
    expect(r.kind === 'mutated' && r.pod.spec!.containers[0]!.image).toBe('ghcr.io/fs-interposer/fs-interposer:0.1.0-debug');
  });
});
