/**
 * What a Pod's layer configuration may say (src/sidecar/pod-config-rules.ts), as the webhook
 * applies it at admission through the parser main.ts composes, and as the sidecar applies it to
 * ConfigMap files: pids scopes are refused (ADR 0043), files must be in the sidecar's writable
 * space, and a bare `record` gets a default path there.
 */
import { describe, expect, it } from '@jest/globals';
import { join } from 'node:path';
import { parseConfigFile, parseLayerSpec } from '../../../src/config/index.js';
import { parseSidecarEnv } from '../../../src/contract/sidecar-env.js';
import { checkPodConfig, inPodParser, withPodDefaults } from '../../../src/sidecar/pod-config-rules.js';
import { RECORD_DIR_NAME } from '../../../src/sidecar/server.js';
import { HANDOFF_MOUNT_PATH, RECORD_DIR } from '../../../src/contract/pod.js';
import { mutatePod } from '../../../src/webhook/mutate-pod.js';
import { validateUpdate } from '../../../src/webhook/validate-update.js';
import { loadPod, mutateOptions } from './helpers.js';

const ctx = { recordDir: RECORD_DIR };
const parse = inPodParser(parseLayerSpec, ctx);

function admit(layers: string) {
  const pod = loadPod('deployment-pod.json');
  pod.metadata!.annotations!['fs-interposer/layers'] = layers;
  return mutatePod(pod, mutateOptions({ parseLayerSpec: parse }));
}

function file(yaml: string[]) {
  const r = parseConfigFile(['apiVersion: fs-interposer/v1', 'kind: LayerStack', ...yaml].join('\n'), 'config.yaml');
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.value;
}

describe('Pod configuration rules at admission', () => {
  it.each(['record', 'trace,metrics,record', `record=${RECORD_DIR}/run-1.jsonl`])('admits %s', (layers) => {
    expect(admit(layers).kind).toBe('mutated');
  });

  it.each([
    ['record=/data/rec.jsonl', '"/data/rec.jsonl"'],
    ['record=/tmp/rec.jsonl', '"/tmp/rec.jsonl"'],
    [`record=${RECORD_DIR}/../server.pid`, `"${RECORD_DIR}/../server.pid"`],
    [`record=${RECORD_DIR}/a/b.jsonl`, `"${RECORD_DIR}/a/b.jsonl"`],
  ])('denies %s, naming what is accepted', (layers, shown) => {
    const r = admit(layers);
    expect(r.kind).toBe('denied');
    if (r.kind !== 'denied') return;
    expect(r.message).toContain(`fs-interposer/layers: "${layers}": layers[0] (record): record path ${shown} is not writable in the sidecar`);
    expect(r.message).toContain(`accepted: record (writes ${RECORD_DIR}/<volume>.jsonl), record=${RECORD_DIR}/<name>.jsonl`);
  });

  it('a live change to an unwritable record path is denied like a creation', () => {
    const r = admit('metrics');
    if (r.kind !== 'mutated') throw new Error(r.kind);
    const next = structuredClone(r.pod);
    next.metadata!.annotations!['fs-interposer/layers'] = 'metrics,record=/var/log/rec.jsonl';
    const u = validateUpdate(r.pod, next, { parseLayerSpec: parse, imageAllowList: [] });
    expect(u.allowed).toBe(false);
    if (!u.allowed) expect(u.message).toContain('is not writable in the sidecar');
  });

  it("the webhook's record directory is the sidecar's", () => {
    const env = parseSidecarEnv({
      FS_INTERPOSER_VOLUMES: 'data', FS_INTERPOSER_HANDOFF_DIR: HANDOFF_MOUNT_PATH,
      FS_INTERPOSER_PODINFO_DIR: '/p', FS_INTERPOSER_SOURCE_ROOT: '/s',
    });
    expect(join(env.handoffDir, RECORD_DIR_NAME)).toBe(RECORD_DIR);
  });
});

describe('Pod configuration rules on configuration files', () => {
  it('refuses pids scopes in every layer that has one, naming uids and gids', () => {
    const errors = checkPodConfig(file([
      'layers:',
      '  - {type: latency, read: {fixed: 1ms}, scope: {pids: [1]}}',
      '  - {type: fault, name: db, errnos: [EIO], rate: 1, scope: {uids: [999]}}',
      '  - {type: throttle, bytesPerSecond: 1MB, scope: {pids: [7, 8], uids: [1]}}',
    ]), ctx);
    expect(errors.map((e) => [e.message.split(':')[0], e.accepted])).toEqual([
      ['layers[0] (latency)', ['scope.uids', 'scope.gids']],
      ['layers[2] (throttle)', ['scope.uids', 'scope.gids']],
    ]);
    expect(errors[0]!.message).toContain('docs/adr/0043-caller-pid-namespace.md');
  });

  it('refuses a decision log outside the writable space', () => {
    const errors = checkPodConfig(file(['layers: []', 'decisionLog: {path: /var/log/decisions.jsonl}']), ctx);
    expect(errors).toEqual([expect.objectContaining({ message: expect.stringContaining('decisionLog.path "/var/log/decisions.jsonl" is not writable') })]);
    expect(checkPodConfig(file(['layers: []', `decisionLog: {path: ${RECORD_DIR}/d.jsonl}`]), ctx)).toEqual([]);
  });

  it('fills in a per-volume path and the size limits, keeping what was given', () => {
    const config = file(['layers:', '  - {type: record, maxBytes: 1MiB}', '  - {type: metrics}']);
    expect(withPodDefaults(config, 'data', ctx).layers).toEqual([
      { type: 'record', path: `${RECORD_DIR}/data.jsonl`, maxBytes: 2 ** 20, maxFiles: 2 },
      { type: 'metrics' },
    ]);
  });
});
