/**
 * The few Kubernetes API calls the webhook makes, behind one small interface: the real one is
 * client-node-kube-api.ts, the in-memory one (fake-kube-api.ts) backs the unit tests.
 */

export interface StoredSecret {
  /** Decoded values (PEM text). */
  data: Record<string, string>;
  resourceVersion: string;
}

export interface KubeApi {
  /** `gitVersion` of the API server, e.g. "v1.29.3-eks-1234". */
  serverVersion(): Promise<string>;
  /** `status.nodeInfo.kubeletVersion` of every node. */
  kubeletVersions(): Promise<string[]>;
  namespaceAnnotations(namespace: string): Promise<Record<string, string>>;
  /** The sidecar metrics ports (fsi-metrics) the injected hostNetwork Pods of the cluster declare. */
  hostMetricsPorts(): Promise<number[]>;
  readSecret(namespace: string, name: string): Promise<StoredSecret | undefined>;
  /** Throws KubeConflictError if it exists already (another replica won). */
  createSecret(namespace: string, name: string, data: Record<string, string>): Promise<StoredSecret>;
  /** Throws KubeConflictError if resourceVersion is stale (another replica wrote first). */
  replaceSecret(namespace: string, name: string, data: Record<string, string>, resourceVersion: string): Promise<StoredSecret>;
  /** The caBundle (PEM) of every webhook entry of a MutatingWebhookConfiguration. */
  readCaBundles(configuration: string): Promise<string[]>;
  /** Sets the caBundle of every webhook entry of a MutatingWebhookConfiguration. */
  writeCaBundle(configuration: string, pem: string): Promise<void>;
}

export class KubeConflictError extends Error {
  readonly code = 'KUBE_CONFLICT';
  constructor(message: string) {
    super(message);
    this.name = 'KubeConflictError';
  }
}
