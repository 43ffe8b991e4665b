import { describe, expect, it } from '@jest/globals';
import { applyPatch, diffPods } from '../../../src/webhook/json-patch.js';
import { mutatePod } from '../../../src/webhook/mutate-pod.js';
import type { MutateResult } from '../../../src/webhook/mutate-pod.js';
import type { Container, Pod } from '../../../src/webhook/pod-types.js';
import { loadPod, mutateOptions } from './helpers.js';

function mutated(r: MutateResult): Pod {
  if (r.kind !== 'mutated') throw new Error(`expected mutated, got ${JSON.stringify(r)}`);
  return r.pod;
}
const byName = (cs: Container[] | undefined, name: string) => cs?.find((c) => c.name === name);
const mountNames = (c: Container | undefined) => c?.volumeMounts?.map((m) => m.name);

describe('mutatePod on AdmissionReview fixtures', () => {
  it.each([
    ['pod-single-pvc.json', 'mutated'],
    ['deployment-pod.json', 'mutated'],
    ['multi-container-subpath-readonly.json', 'mutated'],
    ['init-containers.json', 'mutated'],
    ['istio-sidecar.json', 'mutated'],
    ['subpathexpr-projected.json', 'mutated'],
    ['block-and-filesystem.json', 'mutated'],
    ['ephemeral-hostnetwork.json', 'mutated'],
    ['no-pvc.json', 'skipped'],
    ['windows.json', 'skipped'],
    ['root-pod.json', 'denied'],
    ['not-opted-in.json', 'unchanged'],
    // Looks injected, but no webhook signed it: written by hand (provenance-check.test.ts).
    ['already-injected.json', 'denied'],
    ['apiserver-1.20-deployment-pod.json', 'mutated'],
    ['apiserver-1.20-pod.json', 'mutated'],
  ])('%s -> %s, idempotent, patch round-trips', (fixture, kind) => {
    for (const nativeSidecars of [false, true]) {
      const pod = loadPod(fixture);
      const r = mutatePod(pod, mutateOptions({ nativeSidecars }));
      expect(r.kind).toBe(kind);
      expect(pod).toEqual(loadPod(fixture)); // the input is never modified
      if (r.kind !== 'mutated' && r.kind !== 'skipped') continue;
      expect(applyPatch(pod, diffPods(pod, r.pod))).toEqual(r.pod);
      const again = mutatePod(structuredClone(r.pod), mutateOptions({ nativeSidecars }));
      const second = again.kind === 'skipped' || again.kind === 'mutated' ? again.pod : r.pod;
      expect(diffPods(r.pod, second)).toEqual([]);
    }
  });

  it('fallback: the sidecar is the first container, the app mount moves to the CSI volume', () => {
    const pod = mutated(mutatePod(loadPod('pod-single-pvc.json'), mutateOptions()));
    const spec = pod.spec!;
    expect(spec.containers.map((c) => c.name)).toEqual(['fs-interposer', 'app']);
    expect(spec.initContainers).toBeUndefined();
    expect(mountNames(byName(spec.containers, 'app'))).toEqual(['fsi-data', 'default-token-x7k2p']);
    expect(spec.volumes?.find((v) => v.name === 'fsi-data')).toEqual({
      name: 'fsi-data',
      csi: {
        driver: 'csi.fs-interposer.dev',
        volumeAttributes: {
          'fs-interposer.dev/source-volume': 'data',
          'fs-interposer.dev/layers': 'trace,metrics,latency=10ms',
        },
      },
    });
    expect(spec.volumes?.find((v) => v.name === 'data')?.persistentVolumeClaim?.claimName).toBe('data-claim');
    const sidecar = spec.containers[0]!;
    expect(sidecar.restartPolicy).toBeUndefined();
    expect(sidecar.volumeMounts).toEqual([
      { name: 'fs-interposer-handoff', mountPath: '/run/fs-interposer' },
      { name: 'fs-interposer-podinfo', mountPath: '/etc/fs-interposer/podinfo', readOnly: true },
      { name: 'data', mountPath: '/var/lib/fs-interposer/volumes/data' },
    ]);
    expect(sidecar.securityContext).toEqual({
      allowPrivilegeEscalation: false, privileged: false, readOnlyRootFilesystem: true,
      seccompProfile: { type: 'RuntimeDefault' }, runAsUser: 1000, runAsGroup: 1000, runAsNonRoot: true,
      capabilities: { drop: ['ALL'] },
    });
    expect(sidecar.resources).toEqual({ requests: { cpu: '10m', memory: '32Mi' }, limits: { memory: '128Mi' } });
    expect(sidecar.ports).toEqual([{ name: 'fsi-metrics', containerPort: 9464, protocol: 'TCP' }]);
    expect(pod.metadata?.annotations).toMatchObject({
      'fs-interposer/injected': 'data',
      'cluster-autoscaler.kubernetes.io/safe-to-evict-local-volumes': 'fs-interposer-handoff',
      'kubectl.kubernetes.io/default-container': 'app',
    });
  });

  it('native: the sidecar is the first init container with restartPolicy Always', () => {
    const pod = mutated(mutatePod(loadPod('init-containers.json'), mutateOptions({ nativeSidecars: true })));
    const inits = pod.spec!.initContainers!;
    expect(inits.map((c) => c.name)).toEqual(['fs-interposer', 'schema', 'wait-db']);
    expect(inits[0]!.restartPolicy).toBe('Always');
    expect(mountNames(byName(inits, 'schema'))).toContain('fsi-data');
    expect(pod.spec!.containers.map((c) => c.name)).toEqual(['app']);
    expect(pod.metadata?.annotations?.['kubectl.kubernetes.io/default-container']).toBeUndefined();
  });

  it('fallback: init containers keep the raw PVC', () => {
    const pod = mutated(mutatePod(loadPod('init-containers.json'), mutateOptions({ nativeSidecars: false })));
    expect(mountNames(byName(pod.spec!.initContainers, 'schema'))).toContain('data');
    expect(mountNames(byName(pod.spec!.containers, 'app'))).toContain('fsi-data');
  });

  it.each([
    ['native', true, 'initContainers'],
    ['regular', true, 'containers'],
    ['native', false, 'initContainers'],
    ['regular', false, 'containers'],
  ] as const)('the sidecar-mode annotation %s wins over cluster support %s', (mode, nativeSidecars, where) => {
    const pod = loadPod('pod-single-pvc.json');
    pod.metadata!.annotations!['fs-interposer/sidecar-mode'] = mode;
    const out = mutated(mutatePod(pod, mutateOptions({ nativeSidecars })));
    expect(out.spec![where]?.[0]?.name).toBe('fs-interposer');
  });

  it('forcing native where the cluster lacks it is allowed with a warning', () => {
    const pod = loadPod('pod-single-pvc.json');
    pod.metadata!.annotations!['fs-interposer/sidecar-mode'] = 'native';
    const r = mutatePod(pod, mutateOptions({ nativeSidecars: false }));
    expect(r.kind === 'mutated' && r.warnings).toEqual([
      'native sidecar forced, but the API server or a kubelet is older than 1.29: the Pod may hang in Init',
    ]);
    expect(mutatePod(loadPod('pod-single-pvc.json'), mutateOptions({ nativeSidecars: true }))).toMatchObject({ warnings: [] });
  });

  it('the chart switch forces a mode when the Pod says auto', () => {
    const out = mutated(mutatePod(loadPod('pod-single-pvc.json'), mutateOptions({ sidecarMode: 'native' })));
    expect(out.spec!.initContainers?.[0]?.restartPolicy).toBe('Always');
  });

  it('selects volumes, applies per-volume layers, leaves other mounts alone', () => {
    const pod = mutated(mutatePod(loadPod('deployment-pod.json'), mutateOptions()));
    expect(mountNames(byName(pod.spec!.containers, 'web'))).toEqual(['fsi-data', 'cache', 'default-token-x7k2p']);
    const csi = pod.spec!.volumes!.find((v) => v.name === 'fsi-data')!.csi!;
    expect(csi.volumeAttributes!['fs-interposer.dev/layers']).toBe('trace,fault=EIO@1%');
    expect(pod.spec!.volumes!.some((v) => v.name === 'fsi-cache')).toBe(false);
    expect(pod.metadata!.generateName).toBe('web-6d4cf56db6-');
  });

  it('keeps subPath and readOnly; the source is writable when one user writes; avoids a used port', () => {
    const pod = mutated(mutatePod(loadPod('multi-container-subpath-readonly.json'), mutateOptions()));
    const backup = byName(pod.spec!.containers, 'backup')!.volumeMounts![0];
    expect(backup).toEqual({ name: 'fsi-pgdata', mountPath: '/backup/source', readOnly: true, subPath: 'pg16' });
    expect(byName(pod.spec!.containers, 'postgres')!.volumeMounts![0]!.subPath).toBe('pg16');
    const sidecar = pod.spec!.containers[0]!;
    expect(sidecar.volumeMounts![2]).toEqual({ name: 'pgdata', mountPath: '/var/lib/fs-interposer/volumes/pgdata' });
    expect(sidecar.ports![0]!.containerPort).toBe(9465);
  });

  it('read-only everywhere: the CSI volume and the source mount are read-only', () => {
    const pod = loadPod('pod-single-pvc.json');
    pod.spec!.containers[0]!.volumeMounts![0]!.readOnly = true;
    const out = mutated(mutatePod(pod, mutateOptions()));
    expect(out.spec!.volumes!.find((v) => v.name === 'fsi-data')!.csi!.readOnly).toBe(true);
    expect(out.spec!.containers[0]!.volumeMounts![2]!.readOnly).toBe(true);
  });

  it('istio: existing sidecars keep their identity and mounts; ours takes the app uid', () => {
    const before = loadPod('istio-sidecar.json');
    const pod = mutated(mutatePod(before, mutateOptions()));
    expect(byName(pod.spec!.containers, 'istio-proxy')).toEqual(byName(before.spec!.containers, 'istio-proxy'));
    expect(pod.spec!.initContainers).toEqual(before.spec!.initContainers);
    expect(pod.spec!.containers[0]!.securityContext!.runAsUser).toBe(1000);
    // the Pod already names its default container: kept
    expect(pod.metadata!.annotations!['kubectl.kubernetes.io/default-container']).toBe('reviews');
  });

  it('subPathExpr and projected volumes are left as they are', () => {
    const before = loadPod('subpathexpr-projected.json');
    const pod = mutated(mutatePod(before, mutateOptions()));
    const app = byName(pod.spec!.containers, 'app')!;
    expect(app.volumeMounts![0]).toEqual({ name: 'fsi-logs', mountPath: '/logs', subPathExpr: '$(POD_NAME)' });
    expect(pod.spec!.volumes!.find((v) => v.name === 'config')).toEqual(before.spec!.volumes!.find((v) => v.name === 'config'));
  });

  it('skips Block-mode volumes with a reason and interposes the rest', () => {
    const r = mutatePod(loadPod('block-and-filesystem.json'), mutateOptions());
    expect(r.kind === 'mutated' && r.volumes).toEqual(['wal']);
    expect(r.kind === 'mutated' && r.warnings).toEqual(['raw: Block-mode volume (only Filesystem volumes can be interposed)']);
    expect(mutated(r).metadata!.annotations!['fs-interposer/skipped']).toMatch(/^raw: Block-mode/);
  });

  it('generic ephemeral volume on a hostNetwork Pod: no metrics port, a unix socket instead', () => {
    const pod = mutated(mutatePod(loadPod('ephemeral-hostnetwork.json'), mutateOptions()));
    const sidecar = pod.spec!.containers[0]!;
    expect(sidecar.ports).toBeUndefined();
    expect(sidecar.env).toContainEqual({ name: 'FS_INTERPOSER_METRICS_LISTEN', value: 'unix:/run/fs-interposer/metrics.sock' });
    expect(mountNames(byName(pod.spec!.containers, 'worker'))).toContain('fsi-scratch');
  });

  it.each([
    ['no-pvc.json', 'no PVC or ephemeral volume to interpose'],
    ['windows.json', 'Windows Pod (the interposer runs on Linux nodes only)'],
  ])('%s is skipped with the reason in an annotation', (fixture, reason) => {
    const r = mutatePod(loadPod(fixture), mutateOptions());
    expect(r.kind === 'skipped' && r.pod.metadata!.annotations!['fs-interposer/skipped']).toBe(reason);
  });

  it('a namespace default opts in a Pod without annotations and becomes its annotation', () => {
    const pod = mutated(mutatePod(loadPod('not-opted-in.json'), mutateOptions({ namespaceDefaultLayers: 'trace' })));
    expect(pod.spec!.volumes!.find((v) => v.name === 'fsi-data')!.csi!.volumeAttributes!['fs-interposer.dev/layers']).toBe('trace');
    expect(pod.metadata!.annotations!['fs-interposer/layers']).toBe('trace');
  });

  it("the Pod's own layers win over the namespace default", () => {
    const pod = mutated(mutatePod(loadPod('pod-single-pvc.json'), mutateOptions({ namespaceDefaultLayers: 'trace' })));
    expect(pod.metadata!.annotations!['fs-interposer/layers']).toBe('trace,metrics,latency=10ms');
  });

  it('a config ConfigMap alone opts in, goes to the driver, and is mounted into the sidecar only', () => {
    const pod = loadPod('not-opted-in.json');
    pod.metadata!.annotations = { 'fs-interposer/config': 'chaos-profile' };
    const out = mutated(mutatePod(pod, mutateOptions()));
    expect(out.spec!.volumes!.find((v) => v.name === 'fsi-data')!.csi!.volumeAttributes).toEqual({
      'fs-interposer.dev/source-volume': 'data',
      'fs-interposer.dev/config': 'chaos-profile',
    });
    expect(out.spec!.volumes!.find((v) => v.name === 'fs-interposer-config')).toEqual({
      name: 'fs-interposer-config',
      configMap: { name: 'chaos-profile', items: [{ key: 'config.yaml', path: 'config.yaml' }] },
    });
    const sidecar = out.spec!.containers[0]!;
    expect(sidecar.volumeMounts).toContainEqual({ name: 'fs-interposer-config', mountPath: '/etc/fs-interposer/config', readOnly: true });
    expect(sidecar.env).toContainEqual({ name: 'FS_INTERPOSER_CONFIG_FILE', value: '/etc/fs-interposer/config/config.yaml' });
    expect(mountNames(out.spec!.containers[1])).not.toContain('fs-interposer-config');
  });

  it('tells the sidecar its kind and grace period (the environment src/contract/sidecar-env.ts reads)', () => {
    const pod = loadPod('pod-single-pvc.json');
    pod.spec!.terminationGracePeriodSeconds = 60;
    const env = mutated(mutatePod(pod, mutateOptions({ nativeSidecars: true }))).spec!.initContainers![0]!.env;
    expect(env).toContainEqual({ name: 'FS_INTERPOSER_SIDECAR_KIND', value: 'native' });
    expect(env).toContainEqual({ name: 'FS_INTERPOSER_GRACE_SECONDS', value: '55' });
    expect(env).toContainEqual({ name: 'FS_INTERPOSER_VOLUMES', value: 'data' });
  });

  it('long volume names stay valid DNS labels', () => {
    const long = 'a'.repeat(63);
    const pod = loadPod('pod-single-pvc.json');
    pod.spec!.volumes![0]!.name = long;
    pod.spec!.containers[0]!.volumeMounts![0]!.name = long;
    const out = mutated(mutatePod(pod, mutateOptions()));
    const name = out.spec!.containers[1]!.volumeMounts![0]!.name;
    expect(name).toMatch(/^fsi-a{50}-[0-9a-f]{8}$/);
    expect(out.spec!.volumes!.some((v) => v.name === name)).toBe(true);
  });

  it('chart values: driver name, pull policy and metrics port', () => {
    const out = mutated(mutatePod(loadPod('pod-single-pvc.json'),
      mutateOptions({ csiDriver: 'csi.example.dev', sidecarPullPolicy: 'Never', metricsPort: 9500 })));
    expect(out.spec!.volumes!.find((v) => v.name === 'fsi-data')!.csi!.driver).toBe('csi.example.dev');
    expect(out.spec!.containers[0]!.imagePullPolicy).toBe('Never');
    expect(out.spec!.containers[0]!.ports![0]!.containerPort).toBe(9500);
  });

  it('captured from kube-apiserver 1.20: a Deployment Pod with an init container, subPath and a read-only second PVC', () => {
    const before = loadPod('apiserver-1.20-deployment-pod.json');
    const pod = mutated(mutatePod(before, mutateOptions()));
    expect(pod.spec!.containers.map((c) => c.name)).toEqual(['fs-interposer', 'web']);
    expect(byName(pod.spec!.containers, 'web')!.volumeMounts!.slice(0, 2)).toEqual([
      { name: 'fsi-data', mountPath: '/var/lib/web', subPath: 'web' },
      { name: 'cache', readOnly: true, mountPath: '/cache' },
    ]);
    expect(pod.spec!.initContainers).toEqual(before.spec!.initContainers); // fallback: raw PVC
    expect(pod.metadata!.managedFields).toEqual(before.metadata!.managedFields);
    expect(diffPods(before, pod).map((o) => `${o.op} ${o.path}`)).toEqual([
      'add /metadata/labels/fs-interposer.dev~1injected',
      'add /metadata/annotations/fs-interposer~1injected',
      'add /metadata/annotations/cluster-autoscaler.kubernetes.io~1safe-to-evict-local-volumes',
      'add /metadata/annotations/kubectl.kubernetes.io~1default-container',
      'add /metadata/annotations/fs-interposer~1provenance',
      'add /spec/volumes/3',
      'add /spec/volumes/4',
      'add /spec/volumes/5',
      'add /spec/containers/0',
      'replace /spec/containers/1/volumeMounts/0/name',
    ]);
  });

  it('several volumes: every PVC the app mounts is interposed, each with its own CSI volume and source mount', () => {
    const pod = loadPod('deployment-pod.json');
    pod.metadata!.annotations = { 'fs-interposer/layers': 'trace' };
    const r = mutatePod(pod, mutateOptions());
    expect(r.kind === 'mutated' && r.volumes).toEqual(['data', 'cache']);
    const out = mutated(r);
    expect(mountNames(byName(out.spec!.containers, 'web'))).toEqual(['fsi-data', 'fsi-cache', 'default-token-x7k2p']);
    expect(out.spec!.volumes!.map((v) => v.name)).toEqual([
      'data', 'cache', 'default-token-x7k2p', 'fsi-data', 'fsi-cache', 'fs-interposer-handoff', 'fs-interposer-podinfo',
    ]);
    expect(out.spec!.containers[0]!.volumeMounts!.map((m) => m.mountPath)).toEqual([
      '/run/fs-interposer', '/etc/fs-interposer/podinfo', '/var/lib/fs-interposer/volumes/data', '/var/lib/fs-interposer/volumes/cache',
    ]);
    expect(out.metadata!.annotations!['fs-interposer/injected']).toBe('data,cache');
  });

  it('fs-interposer/inject: "false" opts a Pod out of its namespace default', () => {
    const pod = loadPod('not-opted-in.json');
    pod.metadata!.annotations = { 'fs-interposer/inject': 'false' };
    expect(mutatePod(pod, mutateOptions({ namespaceDefaultLayers: 'trace' }))).toEqual({ kind: 'unchanged', reason: 'not opted in' });
    pod.metadata!.annotations = { 'fs-interposer/inject': 'true' };
    expect(mutatePod(pod, mutateOptions({ namespaceDefaultLayers: 'trace' })).kind).toBe('mutated');
    pod.metadata!.annotations = { 'fs-interposer/inject': 'no' };
    const r = mutatePod(pod, mutateOptions({ namespaceDefaultLayers: 'trace' }));
    expect(r.kind === 'denied' && r.message).toBe('fs-interposer: fs-interposer/inject: "no" is not accepted (accepted: true, false)');
  });
});

