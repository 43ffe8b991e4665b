import type { PodIdentity } from '../telemetry/registry.js';
import { podIdentityFromEnv } from '../telemetry/registry.js';

/**
 * Which `pod`/`namespace` labels the sidecar puts on its own series (ADR 0051, amended). On a
 * TCP port, Prometheus finds the sidecar through Pod discovery (the chart's PodMonitor), whose
 * target labels already name the Pod and namespace: labels of our own with the same names would
 * come out as `exported_pod`/`exported_namespace`, and the target labels are the ones a Pod cannot
 * forge. On the unix socket (hostNetwork Pods) no discovery sees the sidecar, and whoever reads it
 * from the node needs to know whose series they are: there the sidecar names them itself.
 */
export function registryIdentity(
  metricsListen: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
): PodIdentity {
  return metricsListen?.startsWith('unix:') === true ? podIdentityFromEnv(env) : {};
}
