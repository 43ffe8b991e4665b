/**
 * An in-memory KubeApi with the API server's concurrency semantics (AlreadyExists on create,
 * Conflict on a stale resourceVersion), for unit tests of the TLS bootstrap and cluster facts.
 */
import { KubeConflictError } from './kube-api.js';
import type { KubeApi, StoredSecret } from './kube-api.js';

export interface FakeKubeApi extends KubeApi {
  version: string;
  kubelets: string[];
  namespaces: Map<string, Record<string, string>>;
  /** What hostMetricsPorts answers. */
  hostPorts: number[];
  secrets: Map<string, StoredSecret>;
  /** configuration name -> caBundle PEM per webhook entry */
  webhookConfigs: Map<string, string[]>;
  calls: string[];
  /** Makes the next call of that method fail once with this error. */
  failNext(method: keyof KubeApi, error: Error): void;
}

export function createFakeKubeApi(): FakeKubeApi {
  let rv = 0;
  const failures = new Map<string, Error>();
  const call = (name: keyof KubeApi) => {
    fake.calls.push(name);
    const err = failures.get(name);
    if (err) {
      failures.delete(name);
      throw err;
    }
  };
  const store = (key: string, data: Record<string, string>): StoredSecret => {
    const s = { data: { ...data }, resourceVersion: String(++rv) };
    fake.secrets.set(key, s);
    return structuredClone(s);
  };
  const fake: FakeKubeApi = {
    version: 'v1.30.1',
    kubelets: [],
    namespaces: new Map(),
    hostPorts: [],
    secrets: new Map(),
    webhookConfigs: new Map(),
    calls: [],
    failNext: (method, error) => void failures.set(method, error),
    async serverVersion() {
      call('serverVersion');
      return fake.version;
    },
    async kubeletVersions() {
      call('kubeletVersions');
      return [...fake.kubelets];
    },
    async namespaceAnnotations(namespace) {
      call('namespaceAnnotations');
      const a = fake.namespaces.get(namespace);
      if (!a) throw new Error(`namespaces "${namespace}" not found`);
      return { ...a };
    },
    async hostMetricsPorts() {
      call('hostMetricsPorts');
      return [...fake.hostPorts];
    },
    async readSecret(namespace, name) {
      call('readSecret');
      const s = fake.secrets.get(`${namespace}/${name}`);
      return s ? structuredClone(s) : undefined;
    },
    async createSecret(namespace, name, data) {
      call('createSecret');
      const key = `${namespace}/${name}`;
      if (fake.secrets.has(key)) throw new KubeConflictError(`secrets "${name}" already exists`);
      return store(key, data);
    },
    async replaceSecret(namespace, name, data, resourceVersion) {
      call('replaceSecret');
      const key = `${namespace}/${name}`;
      if (fake.secrets.get(key)?.resourceVersion !== resourceVersion) {
        throw new KubeConflictError(`the object has been modified (secrets "${name}")`);
      }
      return store(key, data);
    },
    async readCaBundles(configuration) {
      call('readCaBundles');
      const c = fake.webhookConfigs.get(configuration);
      if (!c) throw new Error(`mutatingwebhookconfigurations "${configuration}" not found`);
      return [...c];
    },
    async writeCaBundle(configuration, pem) {
      call('writeCaBundle');
      const c = fake.webhookConfigs.get(configuration);
      if (!c) throw new Error(`mutatingwebhookconfigurations "${configuration}" not found`);
      fake.webhookConfigs.set(configuration, c.map(() => pem));
    },
  };
  return fake;
}
