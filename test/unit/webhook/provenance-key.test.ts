import { describe, expect, it } from '@jest/globals';
import { pino } from 'pino';
import { createFakeKubeApi } from '../../../src/webhook/kube/fake-kube-api.js';
import { KubeConflictError } from '../../../src/webhook/kube/kube-api.js';
import { ensureProvenanceKey } from '../../../src/webhook/provenance-key.js';

const logger = pino({ level: 'silent' });
const NOW = new Date('2027-01-02T03:04:05.000Z');
const KEY = 'k'.repeat(44);

function options(api = createFakeKubeApi(), generate = () => KEY) {
  return { api, namespace: 'fsi', secretName: 'fsi-provenance', now: () => NOW, logger, generate };
}

describe('ensureProvenanceKey (the Secret shared with the CSI driver)', () => {
  it('fills the empty Secret the chart renders, recording when the key was made', async () => {
    const api = createFakeKubeApi();
    await api.createSecret('fsi', 'fsi-provenance', {});
    expect(await ensureProvenanceKey(options(api))).toBe(KEY);
    expect(api.secrets.get('fsi/fsi-provenance')!.data).toEqual({ key: KEY, created: NOW.toISOString() });
  });

  it('creates the Secret when there is none', async () => {
    const api = createFakeKubeApi();
    expect(await ensureProvenanceKey(options(api))).toBe(KEY);
    expect(api.calls).toContain('createSecret');
  });

  it('adopts the key already there and never rewrites it', async () => {
    const api = createFakeKubeApi();
    await api.createSecret('fsi', 'fsi-provenance', { key: 'x'.repeat(40), created: '2026-01-01T00:00:00Z' });
    expect(await ensureProvenanceKey(options(api, () => 'y'.repeat(44)))).toBe('x'.repeat(40));
    expect(api.calls.filter((c) => c === 'replaceSecret')).toHaveLength(0);
  });

  it('a replica that loses the race adopts the winner\'s key', async () => {
    const api = createFakeKubeApi();
    await api.createSecret('fsi', 'fsi-provenance', {});
    const winner = 'w'.repeat(44);
    const replace = api.replaceSecret.bind(api);
    api.replaceSecret = async (ns, name, data, rv) => {
      await replace(ns, name, { key: winner, created: NOW.toISOString() }, rv); // the other replica
      throw new KubeConflictError('the object has been modified');
    };
    expect(await ensureProvenanceKey(options(api))).toBe(winner);
  });

  it('refuses a key too short to sign with, saying what is accepted', async () => {
    const api = createFakeKubeApi();
    await api.createSecret('fsi', 'fsi-provenance', { key: 'short' });
    await expect(ensureProvenanceKey(options(api))).rejects.toThrow(
      'secret fsi/fsi-provenance: "key" has 5 characters (accepted: at least 32; delete it and the webhook generates one)',
    );
  });
});
