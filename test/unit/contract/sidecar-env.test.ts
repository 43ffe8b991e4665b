import { describe, expect, it } from '@jest/globals';
import {
  encodeSidecarEnv,
  parseSidecarEnv,
  SidecarEnvError,
} from '../../../src/contract/sidecar-env.js';
import type { SidecarEnvEntry, SidecarEnvSpec } from '../../../src/contract/sidecar-env.js';

const MiB = 2 ** 20;
const POD_FIELDS: Record<string, string> = {
  'metadata.name': 'web-1',
  'metadata.namespace': 'apps',
  'metadata.uid': 'u-1',
  'spec.nodeName': 'node-a',
};

/** What the kubelet gives the container: values as written, fields from the Pod. */
function asKubeletWould(entries: readonly SidecarEnvEntry[]): Record<string, string> {
  return Object.fromEntries(
    entries.map((e) => [
      e.name,
      'value' in e ? e.value : (POD_FIELDS[e.valueFrom.fieldRef.fieldPath] ?? ''),
    ]),
  );
}

const minimal: SidecarEnvSpec = {
  volumes: ['data'],
  handoffDir: '/run/fs-interposer',
  podinfoDir: '/etc/fs-interposer/podinfo',
  sourceRoot: '/var/lib/fs-interposer/volumes',
  backends: new Map([['data', { kind: 'passthrough' }]]),
  nativeSidecar: false,
  graceMs: 25_000,
};

const full: SidecarEnvSpec = {
  volumes: ['data', 'scratch', 'sink', 'tmp'],
  handoffDir: '/run/fs-interposer',
  podinfoDir: '/etc/fs-interposer/podinfo',
  sourceRoot: '/var/lib/fs-interposer/volumes',
  backends: new Map([
    ['data', { kind: 'passthrough' }],
    ['scratch', { kind: 'memory', maxBytes: 64 * MiB }],
    ['sink', { kind: 'null' }],
    ['tmp', { kind: 'memory' }],
  ]),
  metricsListen: 'unix:/run/fs-interposer/metrics.sock',
  controlDir: '/tmp/ctl',
  configFile: '/etc/fs-interposer/config/config.yaml',
  nativeSidecar: true,
  graceMs: 2_500,
  acquireTimeoutMs: 90_000,
};

describe('the sidecar environment: webhook writes, sidecar reads', () => {
  it.each([
    ['only what is required', minimal],
    ['every setting', full],
  ])('round-trips %s', (_, spec) => {
    const parsed = parseSidecarEnv(asKubeletWould(encodeSidecarEnv(spec)));
    expect(parsed).toEqual({
      acquireTimeoutMs: 60_000,
      ...spec,
      pod: { name: 'web-1', namespace: 'apps', uid: 'u-1' },
    });
  });

  it('writes the Pod identity as downward-API fields, before any value that may refer to it', () => {
    const entries = encodeSidecarEnv(minimal);
    expect(entries.slice(0, 4)).toEqual([
      { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
      { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
      { name: 'POD_UID', valueFrom: { fieldRef: { fieldPath: 'metadata.uid' } } },
      { name: 'NODE_NAME', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
    ]);
    // Passthrough is the default: no FS_INTERPOSER_BACKENDS when every volume is passthrough.
    expect(entries.map((e) => e.name)).not.toContain('FS_INTERPOSER_BACKENDS');
  });

  it('reports every bad variable at once, naming each and what it accepts', () => {
    const bad = {
      FS_INTERPOSER_VOLUMES: 'a,b',
      FS_INTERPOSER_SIDECAR_KIND: 'sometimes',
      FS_INTERPOSER_GRACE_SECONDS: '-1',
      FS_INTERPOSER_ACQUIRE_TIMEOUT_SECONDS: 'soon',
      FS_INTERPOSER_BACKENDS: 'a=tmpfs,b=null:5,c=memory',
    };
    let error: unknown;
    try {
      parseSidecarEnv(bad);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SidecarEnvError);
    expect((error as SidecarEnvError).code).toBe('ESIDECARENV');
    expect((error as Error).message.split('\n')).toEqual([
      'sidecar environment:',
      '  - FS_INTERPOSER_SIDECAR_KIND: native or regular (got sometimes)',
      '  - FS_INTERPOSER_HANDOFF_DIR is required',
      '  - FS_INTERPOSER_PODINFO_DIR is required',
      '  - FS_INTERPOSER_SOURCE_ROOT is required',
      '  - FS_INTERPOSER_BACKENDS: "a=tmpfs" is not accepted (accepted: <volume>=passthrough|null|memory[:<bytes>])',
      '  - FS_INTERPOSER_BACKENDS: "b=null:5" is not accepted (accepted: <volume>=passthrough|null|memory[:<bytes>])',
      '  - FS_INTERPOSER_BACKENDS: volume "c" is not served by this sidecar (accepted: a, b)',
      '  - FS_INTERPOSER_GRACE_SECONDS must be a non-negative number of seconds (got -1)',
      '  - FS_INTERPOSER_ACQUIRE_TIMEOUT_SECONDS must be a non-negative number of seconds (got soon)',
    ]);
  });

  it('takes the defaults for what the webhook leaves out', () => {
    const env = parseSidecarEnv({
      FS_INTERPOSER_VOLUMES: 'data, logs',
      FS_INTERPOSER_HANDOFF_DIR: '/run/fs-interposer',
      FS_INTERPOSER_PODINFO_DIR: '/etc/fs-interposer/podinfo',
      FS_INTERPOSER_SOURCE_ROOT: '/var/lib/fs-interposer/volumes',
    });
    expect(env).toEqual({
      volumes: ['data', 'logs'],
      handoffDir: '/run/fs-interposer',
      podinfoDir: '/etc/fs-interposer/podinfo',
      sourceRoot: '/var/lib/fs-interposer/volumes',
      backends: new Map([
        ['data', { kind: 'passthrough' }],
        ['logs', { kind: 'passthrough' }],
      ]),
      pod: { name: '', namespace: '', uid: '' },
      nativeSidecar: false,
      graceMs: 25_000,
      acquireTimeoutMs: 60_000,
    });
  });
});
