import { join } from 'node:path';
import { INJECTION_LABEL, INJECTION_LABEL_VALUE } from '../../src/contract/pod.js';
import { ROOT } from './cluster.js';
import { waitFor } from './cluster-tools.js';
import type { Cluster } from './cluster.js';

/** Installing charts/fs-interposer into the local cluster, shared by the chart e2e files. */
export const NS = 'fs-interposer';
export const RELEASE = 'fsi';
export const DRIVER = 'csi.fs-interposer.dev';
export const CHART = join(ROOT, 'charts', 'fs-interposer');
/** `kubectl label namespace NS <this>` opts a namespace in to injection. */
export const OPT_IN_LABEL = `${INJECTION_LABEL}=${INJECTION_LABEL_VALUE}`;


/**
 * Values for a cluster without kube-proxy, DNS or CNI (docs/adr/0063-local-cluster-e2e.md): host
 * network, the webhook Service as ExternalName to localhost, the apiserver's loopback address for
 * in-cluster clients, the kubelet's real root, one webhook replica (host port), the local image.
 */
export function localValues(cluster: Cluster): object {
  const [repository, tag] = cluster.image.split(':');
  return {
    image: { repository, tag, pullPolicy: 'Never' },
    hostNetwork: true,
    kubeletDir: cluster.kubeletRoot,
    apiServer: { host: cluster.apiHost, port: String(cluster.apiPort) },
    webhook: { replicas: 1, port: 8443, service: { externalName: 'localhost', port: 8443 } },
  };
}

/** helm install; returns the release manifest (`helm get manifest`). `extra`: top-level values. */
export async function installChart(cluster: Cluster, extra: Record<string, unknown> = {}): Promise<string> {
  await cluster.helm(['install', RELEASE, CHART, '-n', NS, '--create-namespace', '-f', '-'], {
    input: JSON.stringify({ ...localValues(cluster), ...extra }),
  });
  return cluster.helm(['get', 'manifest', RELEASE, '-n', NS]);
}

/**
 * Waits until the chart serves: the CSI driver registered on the node and the webhook Deployment
 * with an available replica. `explain` turns a timeout into an error with diagnostics.
 */
export async function waitChartReady(cluster: Cluster, explain: (e: unknown) => Promise<never>): Promise<void> {
  const json = async (args: string[]): Promise<{ spec?: { drivers?: { name: string }[] }; items?: { status: { availableReplicas?: number } }[] }> =>
    JSON.parse(await cluster.kubectl([...args, '-o', 'json']));
  await waitFor(`${DRIVER} registered and the webhook available`, async () => {
    const node = await json(['get', 'csinode', cluster.env.K8S_NODE ?? 'node1']).catch(() => undefined);
    const deploy = await json(['get', 'deploy', '-n', NS, '-l', 'app.kubernetes.io/component=webhook']);
    const registered = node?.spec?.drivers?.some((d) => d.name === DRIVER);
    return registered && (deploy.items?.[0]?.status.availableReplicas ?? 0) >= 1 ? true : undefined;
  }, { timeoutMs: 240_000 }).catch(explain);
}

/** Kind/name of every object of a manifest, sorted. */
export function manifestObjects(manifest: string, parse: (text: string) => unknown[]): string[] {
  return parse(manifest)
    .filter((o): o is { kind: string; metadata: { name: string } } => typeof o === 'object' && o !== null)
    .map((o) => `${o.kind}/${o.metadata.name}`)
    .sort();
}
