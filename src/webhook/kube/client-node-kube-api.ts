/** KubeApi over @kubernetes/client-node (in-cluster service account, or a kubeconfig). */
import {
  AdmissionregistrationV1Api, ApiException, CoreV1Api, KubeConfig, PatchStrategy, VersionApi, setHeaderOptions,
} from '@kubernetes/client-node';
import { INJECTED_LABEL, INJECTED_LABEL_VALUE } from '../../contract/pod.js';
import { declaredMetricsPort } from '../host-metrics-ports.js';
import { KubeConflictError } from './kube-api.js';
import type { KubeApi, StoredSecret } from './kube-api.js';

export interface ClientNodeKubeApiOptions {
  /** A kubeconfig file; default: in-cluster config, else ~/.kube/config. */
  kubeconfig?: string;
}

function status(err: unknown): number | undefined {
  return err instanceof ApiException ? err.code : undefined;
}

function conflictOr(err: unknown, what: string): never {
  if (status(err) === 409) throw new KubeConflictError(`${what}: conflict`);
  throw err;
}

const encode = (data: Record<string, string>) =>
  Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString('base64')]));
const decode = (data: Record<string, string> | undefined) =>
  Object.fromEntries(Object.entries(data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString()]));

export function createClientNodeKubeApi(options: ClientNodeKubeApiOptions = {}): KubeApi {
  const kc = new KubeConfig();
  if (options.kubeconfig !== undefined) kc.loadFromFile(options.kubeconfig);
  else kc.loadFromDefault();
  const core = kc.makeApiClient(CoreV1Api);
  const admission = kc.makeApiClient(AdmissionregistrationV1Api);
  const version = kc.makeApiClient(VersionApi);
  const stored = (s: { data?: Record<string, string>; metadata?: { resourceVersion?: string } }): StoredSecret =>
    ({ data: decode(s.data), resourceVersion: s.metadata?.resourceVersion ?? '' });

  return {
    async serverVersion() {
      return (await version.getCode()).gitVersion;
    },
    async kubeletVersions() {
      const nodes = await core.listNode();
      return nodes.items.map((n) => n.status?.nodeInfo?.kubeletVersion ?? '');
    },
    async namespaceAnnotations(namespace) {
      return (await core.readNamespace({ name: namespace })).metadata?.annotations ?? {};
    },
    async hostMetricsPorts() {
      const pods = await core.listPodForAllNamespaces({ labelSelector: `${INJECTED_LABEL}=${INJECTED_LABEL_VALUE}` });
      return pods.items
        .filter((p) => p.spec?.hostNetwork === true && p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed')
        .flatMap((p) => declaredMetricsPort(p) ?? []);
    },
    async readSecret(namespace, name) {
      try {
        return stored(await core.readNamespacedSecret({ namespace, name }));
      } catch (err) {
        if (status(err) === 404) return undefined;
        throw err;
      }
    },
    async createSecret(namespace, name, data) {
      const body = { metadata: { name, namespace }, type: 'Opaque', data: encode(data) };
      return stored(await core.createNamespacedSecret({ namespace, body }).catch((e: unknown) => conflictOr(e, name)));
    },
    async replaceSecret(namespace, name, data, resourceVersion) {
      const body = { metadata: { name, namespace, resourceVersion }, type: 'Opaque', data: encode(data) };
      return stored(await core.replaceNamespacedSecret({ namespace, name, body }).catch((e: unknown) => conflictOr(e, name)));
    },
    async readCaBundles(configuration) {
      const c = await admission.readMutatingWebhookConfiguration({ name: configuration });
      return (c.webhooks ?? []).map((w) => Buffer.from(w.clientConfig.caBundle ?? '', 'base64').toString());
    },
    async writeCaBundle(configuration, pem) {
      const c = await admission.readMutatingWebhookConfiguration({ name: configuration });
      const value = Buffer.from(pem).toString('base64');
      // `test` on the resourceVersion makes a concurrent edit of the entries fail instead of
      // patching the wrong index.
      const body = [
        { op: 'test', path: '/metadata/resourceVersion', value: c.metadata?.resourceVersion },
        ...(c.webhooks ?? []).map((_, i) => ({ op: 'add', path: `/webhooks/${i}/clientConfig/caBundle`, value })),
      ];
      await admission.patchMutatingWebhookConfiguration(
        { name: configuration, body },
        setHeaderOptions('Content-Type', PatchStrategy.JsonPatch),
      );
    },
  };
}
