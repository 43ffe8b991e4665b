// The cache policy the driver decides at NodePublish (src/csi/cache-decision.ts): exclusive only
// for a ReadWriteOncePod claim or the Pod's explicit opt-in; anything unreadable falls back to the
// safe default, says so, and never fails the mount. The offer carries it to the sidecar.
import { afterEach, describe, expect, it } from '@jest/globals';
import { openSync } from 'node:fs';
import { join } from 'node:path';
import { fetchOffer } from '../../../src/handoff/client.js';
import { closeFd } from '../../../src/handoff/unix-socket.js';
import { emptyDirPath } from '../../../src/csi/constants.js';
import {
  createStaticClaimInspector,
  decideCachePolicy,
  lookupCachePolicy,
} from '../../../src/csi/cache-decision.js';
import type { CacheInput, ClaimInspector } from '../../../src/csi/cache-decision.js';
import type { PodEvents } from '../../../src/csi/pod-events.js';
import { cachePolicyFromExtra } from '../../../src/contract/cache-policy.js';
import { volumeFacts } from '../../../src/csi/kube-pod-inspector.js';
import type { V1Pod } from '@kubernetes/client-node';
import { POD_UID, publishRequest, startHarness } from './harness.js';
import type { Harness } from './harness.js';

const claim = (claimModes: string[], pvModes = claimModes): CacheInput['claim'] => ({
  claim: 'data-pvc',
  claimModes,
  pv: 'pv-1',
  pvModes,
});

describe('decideCachePolicy', () => {
  it.each<[string, CacheInput, 'exclusive' | 'default', RegExp]>([
    ['ReadWriteOncePod', { volume: 'data', claim: claim(['ReadWriteOncePod']) }, 'exclusive', /one Pod writes it/],
    ['ReadWriteOnce', { volume: 'data', claim: claim(['ReadWriteOnce']) }, 'default', /not ReadWriteOncePod, other Pods may write it \(fs-interposer\/cache\.data: exclusive opts in\)/],
    ['ReadWriteMany', { volume: 'data', claim: claim(['ReadWriteMany']) }, 'default', /not ReadWriteOncePod/],
    ['RWOP claim on a PV without it', { volume: 'data', claim: claim(['ReadWriteOncePod'], ['ReadWriteOnce']) }, 'default', /not ReadWriteOncePod/],
    ['unbound claim', { volume: 'data', claim: { claim: 'data-pvc', claimModes: ['ReadWriteOncePod'] } }, 'default', /PV \? \(none\)/],
    ['annotation exclusive on RWX', { volume: 'data', annotation: 'exclusive', claim: claim(['ReadWriteMany']) }, 'exclusive', /^fs-interposer\/cache\.data: exclusive$/],
    ['annotation default on RWOP', { volume: 'data', annotation: 'default', claim: claim(['ReadWriteOncePod']) }, 'default', /^fs-interposer\/cache\.data: default$/],
    ['annotation with a bad value', { volume: 'data', annotation: 'yes', claim: claim(['ReadWriteOncePod']) }, 'default', /"yes" is not accepted \(accepted: exclusive, default\): safe default/],
    ['annotation exclusive on a non-PVC volume', { volume: 'scratch', annotation: 'exclusive' }, 'exclusive', /exclusive/],
    ['not a PVC', { volume: 'scratch' }, 'default', /not a PersistentVolumeClaim/],
    ['lookup failed', { volume: 'data', claim: { claim: 'data-pvc', error: 'forbidden' } }, 'default', /could not read the claim's access modes \(forbidden\): safe default/],
  ])('%s', (_name, input, mode, reason) => {
    const got = decideCachePolicy(input);
    expect(got.mode).toBe(mode);
    expect(got.reason).toMatch(reason);
  });

  it('marks only the unreadable cases as a fallback', () => {
    expect(decideCachePolicy({ volume: 'd', claim: claim(['ReadWriteOnce']) }).fallback).toBeUndefined();
    expect(decideCachePolicy({ volume: 'd', annotation: 'on' }).fallback).toBe(true);
    expect(decideCachePolicy({ volume: 'd', claim: { error: 'x' } }).fallback).toBe(true);
  });
});

describe('lookupCachePolicy', () => {
  const claims = createStaticClaimInspector({
    'ns/rwop': { claimModes: ['ReadWriteOncePod'], pv: 'pv-a', pvModes: ['ReadWriteOncePod'] },
    'ns/rwo': { claimModes: ['ReadWriteOnce'], pv: 'pv-b', pvModes: ['ReadWriteOnce'] },
  });
  const base = { claims, namespace: 'ns', volume: 'data', annotation: undefined };

  it('reads the claim and its PV', async () => {
    expect((await lookupCachePolicy({ ...base, claimName: 'rwop' })).mode).toBe('exclusive');
    expect((await lookupCachePolicy({ ...base, claimName: 'rwo' })).mode).toBe('default');
  });

  it('falls back to the safe default when the API refuses or has no such claim', async () => {
    const got = await lookupCachePolicy({ ...base, claimName: 'gone' });
    expect(got).toMatchObject({ mode: 'default', fallback: true });
    expect(got.reason).toMatch(/persistentvolumeclaims "gone" not found/);
    const none = await lookupCachePolicy({ ...base, claims: undefined, claimName: 'rwop' });
    expect(none.reason).toMatch(/no Kubernetes API access/);
  });

  it('asks no API when the annotation decides', async () => {
    const refusing: ClaimInspector = { accessModes: () => Promise.reject(new Error('must not be called')) };
    const got = await lookupCachePolicy({ ...base, claims: refusing, annotation: 'exclusive', claimName: 'rwo' });
    expect(got).toEqual({ mode: 'exclusive', reason: 'fs-interposer/cache.data: exclusive' });
  });
});

describe('volumeFacts (what the driver reads from the Pod)', () => {
  it('finds each volume\'s claim, a generic ephemeral one by its <pod>-<volume> name', () => {
    const pod = {
      metadata: { name: 'app', annotations: { 'fs-interposer/cache.data': 'exclusive' } },
      spec: {
        containers: [],
        volumes: [
          { name: 'data', persistentVolumeClaim: { claimName: 'data-pvc' } },
          { name: 'scratch', ephemeral: { volumeClaimTemplate: { spec: {} } } },
          { name: 'tmp', emptyDir: {} },
        ],
      },
    } as V1Pod;
    expect(volumeFacts(pod)).toEqual({
      annotations: { 'fs-interposer/cache.data': 'exclusive' },
      claims: { data: 'data-pvc', scratch: 'app-scratch' },
    });
  });
});

describe('cachePolicyFromExtra (the sidecar side of the offer)', () => {
  it('reads the policy, and serves the safe default for an offer without one or a bad one', () => {
    expect(cachePolicyFromExtra({ cache: { mode: 'exclusive', reason: 'r' } })).toEqual({ mode: 'exclusive', reason: 'r' });
    expect(cachePolicyFromExtra(undefined)).toMatchObject({ mode: 'default', reason: /sent no cache policy/ });
    expect(cachePolicyFromExtra({ cache: { mode: 'always' } })).toMatchObject({ mode: 'default', reason: /unreadable cache policy/ });
  });
});

describe('NodePublish hands the decided policy to the sidecar (fake mounter)', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });
  const warnings: string[] = [];
  const events: PodEvents = {
    warn: (_pod, reason, message) => {
      warnings.push(`${reason}: ${message}`);
      return Promise.resolve();
    },
  } as PodEvents;
  const offerOf = async (x: Harness) => {
    const got = await fetchOffer({
      socketPath: join(emptyDirPath(x.kubeletRoot, POD_UID, 'fs-interposer-handoff'), 'data.fuse.sock'),
      timeoutMs: 3000,
    });
    got.fds.forEach(closeFd);
    return got.offer;
  };
  const claims = createStaticClaimInspector({
    'default/data-pvc': { claimModes: ['ReadWriteOncePod'], pv: 'pv-1', pvModes: ['ReadWriteOncePod'] },
    'default/shared': { claimModes: ['ReadWriteOnce'], pv: 'pv-2', pvModes: ['ReadWriteOnce'] },
  });

  it.each([
    ['a ReadWriteOncePod claim', { claims: { data: 'data-pvc' } }, 'exclusive'],
    ['a ReadWriteOnce claim', { claims: { data: 'shared' } }, 'default'],
    ['a ReadWriteOnce claim opted in', { claims: { data: 'shared' }, annotations: { 'fs-interposer/cache.data': 'exclusive' } }, 'exclusive'],
  ])('%s', async (_name, facts, mode) => {
    h = await startHarness({ 'default/app': { hasSidecar: true, ...facts } }, events, claims);
    const req = publishRequest(h);
    await h.call(h.clients.node, 'NodePublishVolume', req);
    expect((await offerOf(h)).extra?.cache).toMatchObject({ mode });
    expect((await h.state.load(req.target_path as string))?.cache).toMatchObject({ mode });
  });

  it('a restarted driver offers the policy decided at first publish again (from its state)', async () => {
    h = await startHarness({ 'default/app': { hasSidecar: true, claims: { data: 'data-pvc' } } }, events, claims);
    const req = publishRequest(h);
    await h.call(h.clients.node, 'NodePublishVolume', req);
    const saved = (await h.state.load(req.target_path as string))!;
    h.publisher.close(); // the old driver's custody ends; a new one adopts from the state
    await h.publisher.adopt(saved, [openSync('/dev/null', 'r')]);
    expect((await offerOf(h)).extra?.cache).toMatchObject({ mode: 'exclusive', reason: /PVC data-pvc \(ReadWriteOncePod\)/ });
  });

  it('a claim it cannot read is served with the safe default, with a Warning Event', async () => {
    warnings.length = 0;
    h = await startHarness({ 'default/app': { hasSidecar: true, claims: { data: 'missing' } } }, events, claims);
    await h.call(h.clients.node, 'NodePublishVolume', publishRequest(h));
    expect((await offerOf(h)).extra?.cache).toMatchObject({ mode: 'default', reason: /could not read/ });
    expect(warnings).toEqual([expect.stringMatching(/^FsInterposerCacheDefault: volume data: could not read the claim's access modes/)]);
    expect(h.logLines.join('')).toMatch(/fell back to the safe default/);
  });
});
