import { describe, expect, it } from '@jest/globals';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { applyPatch } from '../../../src/webhook/json-patch.js';
import type { PatchOperation } from '../../../src/webhook/json-patch.js';
import { createHostPortAllocator, parsePortRange } from '../../../src/webhook/host-metrics-ports.js';
import type { HostPortAllocator } from '../../../src/webhook/host-metrics-ports.js';
import { createWebhookMetrics } from '../../../src/webhook/metrics.js';
import { createReviewProcessor } from '../../../src/webhook/review-processor.js';
import type { Container, Pod } from '../../../src/webhook/pod-types.js';
import { loadPod, mutateOptions } from './helpers.js';

/** hostNetwork Pods get a sidecar metrics port from the chart's range, unique in the cluster. */
const range = { first: 19464, last: 19466 };

function allocator(inUse: number[] | (() => Promise<number[]>), now = () => 0): HostPortAllocator {
  return createHostPortAllocator({ range, portsInUse: typeof inUse === 'function' ? inUse : async () => inUse, now, reserveMs: 1000 });
}

async function admit(pod: Pod, hostPorts: HostPortAllocator): Promise<{ pod: Pod; warnings: string[] }> {
  const processReview = createReviewProcessor({
    mutate: mutateOptions(),
    cluster: { nativeSidecars: async () => false, namespaceDefaultLayers: async () => undefined },
    hostPorts,
    metrics: createWebhookMetrics(new Registry()),
    logger: pino({ level: 'silent' }),
  });
  const out = await processReview({
    apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview',
    request: { uid: 'u1', kind: { group: '', version: 'v1', kind: 'Pod' }, resource: { group: '', version: 'v1', resource: 'pods' }, operation: 'CREATE', namespace: 'apps', object: pod, oldObject: null },
  });
  const response = (out.body as { response: { patch?: string; warnings?: string[] } }).response;
  const patch = JSON.parse(Buffer.from(response.patch ?? '', 'base64').toString()) as PatchOperation[];
  return { pod: applyPatch(pod, patch) as Pod, warnings: response.warnings ?? [] };
}

const sidecarOf = (pod: Pod): Container => pod.spec!.containers.find((c) => c.name === 'fs-interposer')!;
const listen = (c: Container) => c.env?.find((e) => e.name === 'FS_INTERPOSER_METRICS_LISTEN')?.value;

describe('metrics ports of hostNetwork Pods', () => {
  it('the lowest port of the range that no injected hostNetwork Pod declares, as container and host port', async () => {
    const { pod, warnings } = await admit(loadPod('ephemeral-hostnetwork.json'), allocator([19464]));
    expect(sidecarOf(pod).ports).toEqual([{ name: 'fsi-metrics', containerPort: 19465, hostPort: 19465, protocol: 'TCP' }]);
    expect(listen(sidecarOf(pod))).toBe('0.0.0.0:19465');
    expect(warnings).toEqual([]);
  });

  it('never hands out one port twice while the API server does not list the first Pod yet', async () => {
    const a = allocator([]);
    const ports = await Promise.all([0, 1, 2].map(() => a.allocate(loadPod('ephemeral-hostnetwork.json'))));
    expect(ports.sort()).toEqual([19464, 19465, 19466]);
    expect(await a.allocate(loadPod('ephemeral-hostnetwork.json'))).toBeUndefined();
  });

  it('a reservation lapses once the API server had time to list the Pod', async () => {
    let t = 0;
    const a = allocator([], () => t);
    expect(await a.allocate(loadPod('ephemeral-hostnetwork.json'))).toBe(19464);
    t = 5000;
    expect(await a.allocate(loadPod('ephemeral-hostnetwork.json'))).toBe(19464);
  });

  it("skips the ports the Pod's own containers declare", async () => {
    const pod = loadPod('ephemeral-hostnetwork.json');
    pod.spec!.containers[0]!.ports = [{ containerPort: 19464 }];
    expect(await allocator([]).allocate(pod)).toBe(19465);
  });

  it('a used-up range: admitted with a unix socket, and a warning naming the range and the chart value', async () => {
    const { pod, warnings } = await admit(loadPod('ephemeral-hostnetwork.json'), allocator([19464, 19465, 19466]));
    expect(sidecarOf(pod).ports).toBeUndefined();
    expect(listen(sidecarOf(pod))).toBe('unix:/run/fs-interposer/metrics.sock');
    expect(warnings).toContainEqual(expect.stringContaining('no free sidecar metrics port in 19464-19466 (chart sidecar.hostNetworkMetricsPorts)'));
  });

  it('a failed Pod list costs the Pod its port, not its admission', async () => {
    const { pod, warnings } = await admit(loadPod('ephemeral-hostnetwork.json'), allocator(() => Promise.reject(new Error('forbidden'))));
    expect(listen(sidecarOf(pod))).toBe('unix:/run/fs-interposer/metrics.sock');
    expect(warnings.join()).toContain('no free sidecar metrics port');
  });

  it.each([['9000-8000'], ['x'], ['0-10'], ['1-70000']])('refuses the range %s naming the form', (text) => {
    expect(parsePortRange(text)).toContain('is not accepted (accepted: a port range FIRST-LAST within 1-65535');
  });
});
