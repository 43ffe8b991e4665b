/** Kubernetes version strings as servers and kubelets report them ("v1.29.3-eks-1234", "v1.30.0+k3s1"). */

export interface MinorVersion {
  major: number;
  minor: number;
}

export function parseKubeVersion(raw: string): MinorVersion | undefined {
  const m = /^v?(\d+)\.(\d+)/.exec(raw.trim());
  return m ? { major: Number(m[1]), minor: Number(m[2]) } : undefined;
}

export function atLeast(raw: string, want: MinorVersion): boolean {
  const v = parseKubeVersion(raw);
  if (!v) return false;
  return v.major > want.major || (v.major === want.major && v.minor >= want.minor);
}

/** Native sidecars (KEP-753): beta and on by default from 1.29, in the API server and the kubelet. */
export const NATIVE_SIDECAR_MIN: MinorVersion = { major: 1, minor: 29 };
