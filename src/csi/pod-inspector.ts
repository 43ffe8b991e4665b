/** What the driver checks about the Pod that asked for a volume. */
export interface PodFacts {
  /** The Pod carries our sidecar (as a container or a native-sidecar init container). */
  hasSidecar: boolean;
  /** The sidecar's runAsUser/runAsGroup, when set: the handoff socket is made theirs. */
  sidecarUid?: number;
  sidecarGid?: number;
}

export interface PodInspector {
  /** NOT_FOUND-style errors propagate; undefined means "cannot tell" (no API access configured). */
  inspect(namespace: string, name: string): Promise<PodFacts | undefined>;
}

/** Test double: a table of Pods by "namespace/name". */
export function createStaticPodInspector(pods: Record<string, PodFacts>): PodInspector {
  return { inspect: (ns, name) => Promise.resolve(pods[`${ns}/${name}`]) };
}
