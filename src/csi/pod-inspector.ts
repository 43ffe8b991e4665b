/** Which Pod a publish is for, as the kubelet names it (podInfoOnMount). */
export interface PodQuery {
  namespace: string;
  name: string;
  /** The uid the kubelet publishes for: a Pod re-created under the same name is another Pod. */
  uid?: string;
  /** The source volume being published (must be one the webhook signed). */
  sourceVolume?: string;
}

/**
 * Whether the driver may hand this Pod FUSE fds (docs/adr/0077-pod-provenance.md): signed by the
 * webhook; injected by a release before provenance (served, with a warning); or refused, saying
 * why. `unavailable`: not decidable right now (no key yet), so the kubelet should retry.
 */
export type Provenance =
  | { kind: 'signed' }
  | { kind: 'legacy'; reason: string }
  | { kind: 'refused'; reason: string; unavailable?: boolean };

/** What the driver checks about the Pod that asked for a volume. */
export interface PodFacts {
  /** The Pod carries our sidecar (as a container or a native-sidecar init container). */
  hasSidecar: boolean;
  /** The sidecar's runAsUser/runAsGroup, when set: the handoff socket is made theirs. */
  sidecarUid?: number;
  sidecarGid?: number;
  provenance: Provenance;
  /** The Pod's annotations (the cache policy opt-in, `fs-interposer/cache.<volume>`). */
  annotations?: Readonly<Record<string, string>>;
  /** Claim name of each PVC volume of the Pod, by volume name. */
  claims?: Readonly<Record<string, string>>;
}

export interface PodInspector {
  /** API errors propagate; undefined means "cannot tell" (no API access configured). */
  inspect(q: PodQuery): Promise<PodFacts | undefined>;
}

/** Test double: a table of Pods by "namespace/name"; provenance defaults to signed. */
export function createStaticPodInspector(
  pods: Record<string, Omit<PodFacts, 'provenance'> & Partial<Pick<PodFacts, 'provenance'>>>,
): PodInspector {
  return {
    inspect: (q) => {
      const facts = pods[`${q.namespace}/${q.name}`];
      return Promise.resolve(
        facts === undefined ? undefined : { provenance: { kind: 'signed' }, ...facts },
      );
    },
  };
}
