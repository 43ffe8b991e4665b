import { describe, expect, it } from '@jest/globals';
import { loadYaml } from '@kubernetes/client-node';
import type { V1Container, V1Pod } from '@kubernetes/client-node';
import { signPod, verifyPod } from '../../../src/csi/provenance.js';
import { judgePod } from '../../../src/csi/provenance-judge.js';
import type { JudgeOptions } from '../../../src/csi/provenance-judge.js';
import { toProvenanceKey } from '../../../src/csi/provenance-keys.js';
import { mutatePod } from '../../../src/webhook/mutate-pod.js';
import { loadPod, mutateOptions, TEST_PROVENANCE_KEY } from '../webhook/helpers.js';

/**
 * The driver's side of issue 15 item 12: it re-checks, on the Pod the API server stored, the
 * signature the webhook wrote at admission. The live Pod here is the webhook's output after what
 * the API server does to it (defaults, a generated name, uid, creation time), read back through
 * client-node's model classes as the driver reads it.
 */
const DRIVER = 'csi.fs-interposer.dev';
const KEY = { secret: TEST_PROVENANCE_KEY, created: new Date('2027-03-01T12:00:00Z') };
const LEGACY = { accept: true, graceMs: 300_000 };
const judge = (pod: V1Pod, over: Partial<JudgeOptions> = {}) =>
  judgePod(pod, { driver: DRIVER, key: KEY, legacy: LEGACY, sourceVolume: 'data', ...over });

function containers(p: V1Pod): V1Container[] {
  return [...(p.spec?.initContainers ?? []), ...(p.spec?.containers ?? [])];
}

const TOKEN_MOUNT = {
  name: 'default-token-x7k2p',
  mountPath: '/var/run/secrets/kubernetes.io/serviceaccount',
  readOnly: true,
};

/**
 * Container defaults kube-apiserver fills in (only fields that matter here), and the token mount
 * the ServiceAccount plugin adds to every container when the admission chain runs again.
 */
function defaulted(c: V1Container, hostNetwork: boolean): void {
  const mounts = c.volumeMounts ?? [];
  if (!mounts.some((m) => m.mountPath === TOKEN_MOUNT.mountPath))
    c.volumeMounts = [...mounts, TOKEN_MOUNT];
  c.terminationMessagePath = '/dev/termination-log';
  c.terminationMessagePolicy = 'File';
  for (const e of c.env ?? []) if (e.valueFrom?.fieldRef) e.valueFrom.fieldRef.apiVersion = 'v1';
  for (const port of c.ports ?? []) if (hostNetwork) port.hostPort = port.containerPort;
}

/** What kube-apiserver 1.20 stores for the webhook's output, read back through client-node. */
function stored(pod: V1Pod, created = '2027-03-02T08:00:00Z'): V1Pod {
  const p = structuredClone(pod);
  const meta = p.metadata!;
  meta.namespace = 'apps';
  meta.name ||= `${meta.generateName}x7k2p`;
  meta.uid = '5f0c1e2d-aaaa-bbbb-cccc-0123456789ab';
  meta.creationTimestamp = created as unknown as Date;
  containers(p).forEach((c) => defaulted(c, p.spec!.hostNetwork === true));
  for (const v of p.spec!.volumes ?? []) if (v.downwardAPI) v.downwardAPI.defaultMode = 420;
  p.spec!.serviceAccountName = 'default';
  if (!p.spec!.volumes!.some((v) => v.name === TOKEN_MOUNT.name)) {
    p.spec!.volumes!.push({ name: TOKEN_MOUNT.name, secret: { secretName: TOKEN_MOUNT.name } });
  }
  Object.assign(p.spec!, { restartPolicy: 'Always', dnsPolicy: 'ClusterFirst' });
  return loadYaml<V1Pod>(JSON.stringify({ apiVersion: 'v1', kind: 'Pod', ...p }));
}

function injected(fixture = 'pod-single-pvc.json'): V1Pod {
  const r = mutatePod(loadPod(fixture), mutateOptions({ namespace: 'apps' }));
  if (r.kind !== 'mutated') throw new Error(`${fixture}: ${r.kind}`);
  return r.pod;
}

const sidecar = (p: V1Pod): V1Container => containers(p).find((c) => c.name === 'fs-interposer')!;

describe('the driver verifies the webhook provenance on the live Pod', () => {
  it.each([
    'pod-single-pvc.json',
    'deployment-pod.json',
    'ephemeral-hostnetwork.json',
    'init-containers.json',
  ])('serves %s as the API server stored it', (fixture) => {
    expect(judge(stored(injected(fixture)), { sourceVolume: undefined })).toEqual({
      kind: 'signed',
    });
  });

  it.each<[string, (p: V1Pod) => void, RegExp]>([
    [
      'another image',
      (p) => (sidecar(p).image = 'evil.example/miner:1'),
      /fs-interposer container/,
    ],
    ['a command', (p) => (sidecar(p).command = ['sh', '-c', 'evil']), /fs-interposer container/],
    ['other args', (p) => (sidecar(p).args = ['csi']), /fs-interposer container/],
    [
      'a working dir with planted code',
      (p) => (sidecar(p).workingDir = '/run/fs-interposer'),
      /container/,
    ],
    [
      'NODE_OPTIONS',
      (p) => sidecar(p).env!.push({ name: 'NODE_OPTIONS', value: '-r /x' }),
      /container/,
    ],
    ['envFrom', (p) => (sidecar(p).envFrom = [{ configMapRef: { name: 'x' } }]), /container/],
    [
      'a mount over the code',
      (p) => sidecar(p).volumeMounts!.push({ name: 'x', mountPath: '/app/dist' }),
      /container/,
    ],
    [
      'another volume where the token goes',
      (p) => {
        p.spec!.volumes!.push({ name: 'fake-token', configMap: { name: 'x' } });
        sidecar(p).volumeMounts!.push({ ...TOKEN_MOUNT, name: 'fake-token' });
      },
      /container/,
    ],
    ['privileged', (p) => (sidecar(p).securityContext!.privileged = true), /container/],
    [
      'CAP_SYS_ADMIN',
      (p) => (sidecar(p).securityContext!.capabilities = { add: ['SYS_ADMIN'] }),
      /container/,
    ],
    ['root', (p) => (sidecar(p).securityContext!.runAsUser = 0), /container/],
    [
      'an exec probe',
      (p) => (sidecar(p).livenessProbe = { exec: { command: ['sh'] } }),
      /container/,
    ],
    [
      'a postStart hook',
      (p) => (sidecar(p).lifecycle = { postStart: { exec: { command: ['sh'] } } }),
      /container/,
    ],
    [
      'other layers',
      (p) =>
        (p.spec!.volumes!.find((v) => v.csi)!.csi!.volumeAttributes!['fs-interposer.dev/layers'] =
          'trace'),
      /volumes/,
    ],
    [
      'another inline volume',
      (p) => p.spec!.volumes!.push({ name: 'fsi-x', csi: { driver: DRIVER } }),
      /volumes/,
    ],
    [
      'a read-only flip',
      (p) => (p.spec!.volumes!.find((v) => v.csi)!.csi!.readOnly = true),
      /volumes/,
    ],
  ])('refuses a Pod with %s', (_what, edit, part) => {
    const pod = injected();
    edit(pod);
    const v = judge(stored(pod));
    expect(v.kind).toBe('refused');
    expect(v.kind === 'refused' && v.reason).toMatch(part);
    expect(v.kind === 'refused' && v.reason).toMatch(/differ from what the webhook injected/);
  });

  it('refuses a verbatim copy in another namespace, under another name, or signed with another key', () => {
    const pod = stored(injected());
    expect(judge({ ...pod, metadata: { ...pod.metadata, namespace: 'other' } })).toMatchObject({
      kind: 'refused',
      reason: expect.stringMatching(
        /not this webhook's for a Pod "writer" in namespace "other"/,
      ) as unknown as string,
    });
    expect(judge({ ...pod, metadata: { ...pod.metadata, name: 'writer-copy' } }).kind).toBe(
      'refused',
    );
    expect(judge(pod, { key: { ...KEY, secret: 'x'.repeat(44) } }).kind).toBe('refused');
  });

  it('a generateName binding holds only for names generated from that prefix', () => {
    const pod = stored(injected('deployment-pod.json'));
    expect(judge(pod, { sourceVolume: undefined }).kind).toBe('signed');
    const v = judge({ ...pod, metadata: { ...pod.metadata, name: 'other-x7k2p' } });
    expect(v).toMatchObject({
      kind: 'refused',
      reason: expect.stringMatching(/generateName "web-6d4cf56db6-"/) as unknown as string,
    });
  });

  it('refuses a volume the signed Pod does not have', () => {
    expect(judge(stored(injected()), { sourceVolume: 'logs' })).toMatchObject({
      kind: 'refused',
      reason:
        'no signed inline volume of csi.fs-interposer.dev in this Pod has source volume "logs"',
    });
  });

  it('refuses a malformed signature, naming the accepted form', () => {
    const pod = stored(injected());
    pod.metadata!.annotations!['fs-interposer/provenance'] = 'v2.x';
    expect(verifyPod(pod, { namespace: 'apps', driver: DRIVER, key: KEY.secret })).toEqual({
      ok: false,
      reason: 'fs-interposer/provenance is malformed (accepted: v1.<n|g>.<mac>.<mac>)',
    });
  });

  it('never signs or verifies with a short key', () => {
    expect(() => signPod(injected(), { namespace: 'apps', driver: DRIVER, key: 'short' })).toThrow(
      /at least 32/,
    );
  });
});

describe('unsigned Pods of an earlier release (legacy policy)', () => {
  /** A Pod as the previous release injected it: everything but the signature. */
  function unsigned(created: string): V1Pod {
    const pod = injected();
    delete pod.metadata!.annotations!['fs-interposer/provenance'];
    return stored(pod, created);
  }

  it('serves one created before the key (plus grace), saying so', () => {
    const v = judge(unsigned('2027-03-01T12:04:00Z'));
    expect(v).toMatchObject({
      kind: 'legacy',
      reason: expect.stringMatching(/re-create the Pod to have it signed/) as unknown as string,
    });
  });

  it('refuses one created after: a hand-written look-alike made today', () => {
    const v = judge(unsigned('2027-03-01T12:05:00Z'));
    expect(v).toMatchObject({
      kind: 'refused',
      reason: expect.stringMatching(
        /created 2027-03-01T12:05:00.000Z, not before 2027-03-01T12:05:00.000Z/,
      ) as unknown as string,
    });
  });

  it('refuses every unsigned Pod when the chart says refuse, and one without the marker for this volume', () => {
    expect(
      judge(unsigned('2020-01-01T00:00:00Z'), { legacy: { accept: false, graceMs: 0 } }).kind,
    ).toBe('refused');
    const pod = unsigned('2020-01-01T00:00:00Z');
    pod.metadata!.annotations!['fs-interposer/injected'] = 'logs';
    expect(judge(pod)).toMatchObject({
      kind: 'refused',
      reason: expect.stringMatching(/^no webhook provenance/) as unknown as string,
    });
  });

  it('a key Secret without a creation time accepts no unsigned Pod', () => {
    const key = toProvenanceKey({ key: TEST_PROVENANCE_KEY })!;
    expect(key.created.getTime()).toBe(0);
    expect(judge(unsigned('2020-01-01T00:00:00Z'), { key }).kind).toBe('refused');
    expect(toProvenanceKey({ key: 'short' })).toBeUndefined();
  });
});
