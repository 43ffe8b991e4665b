/**
 * The sidecar's settings, from the environment the webhook gives the container
 * (src/webhook/sidecar-container.ts). One parse, one error listing every problem.
 */
export interface SidecarEnv {
  volumes: string[];
  handoffDir: string;
  podinfoDir: string;
  sourceRoot: string;
  metricsListen?: string;
  /**
   * Where the per-volume control sockets go (VOLUME.sock); default: each volume's state dir in
   * the handoff volume. For hosts whose handoff path is longer than a socket path may be.
   */
  controlDir?: string;
  configFile?: string;
  pod: { name: string; namespace: string; uid: string };
  nativeSidecar: boolean;
  graceMs: number;
  acquireTimeoutMs: number;
}

export class SidecarEnvError extends Error {
  readonly code = 'ESIDECARENV';
}

type Env = Readonly<Record<string, string | undefined>>;

export function parseSidecarEnv(env: Env): SidecarEnv {
  const problems: string[] = [];
  const need = (key: string): string => {
    const v = env[key];
    if (v === undefined || v === '') problems.push(`${key} is required`);
    return v ?? '';
  };
  const num = (key: string, dflt: number): number => {
    const raw = env[key];
    if (raw === undefined || raw === '') return dflt;
    const n = Number(raw);
    if (!Number.isFinite(n) || n < 0)
      problems.push(`${key} must be a non-negative number (got ${raw})`);
    return n;
  };
  const kind = env.FS_INTERPOSER_SIDECAR_KIND ?? 'regular';
  if (kind !== 'native' && kind !== 'regular')
    problems.push(`FS_INTERPOSER_SIDECAR_KIND: native or regular (got ${kind})`);
  const out: SidecarEnv = {
    volumes: need('FS_INTERPOSER_VOLUMES')
      .split(',')
      .map((v) => v.trim())
      .filter((v) => v !== ''),
    handoffDir: need('FS_INTERPOSER_HANDOFF_DIR'),
    podinfoDir: need('FS_INTERPOSER_PODINFO_DIR'),
    sourceRoot: need('FS_INTERPOSER_SOURCE_ROOT'),
    pod: { name: env.POD_NAME ?? '', namespace: env.POD_NAMESPACE ?? '', uid: env.POD_UID ?? '' },
    nativeSidecar: kind === 'native',
    graceMs: num('FS_INTERPOSER_GRACE_SECONDS', 25) * 1000,
    acquireTimeoutMs: num('FS_INTERPOSER_ACQUIRE_TIMEOUT_SECONDS', 60) * 1000,
    ...(env.FS_INTERPOSER_CONTROL_DIR ? { controlDir: env.FS_INTERPOSER_CONTROL_DIR } : {}),
    ...(env.FS_INTERPOSER_METRICS_LISTEN
      ? { metricsListen: env.FS_INTERPOSER_METRICS_LISTEN }
      : {}),
    ...(env.FS_INTERPOSER_CONFIG_FILE ? { configFile: env.FS_INTERPOSER_CONFIG_FILE } : {}),
  };
  if (problems.length > 0)
    throw new SidecarEnvError(`sidecar environment:\n  - ${problems.join('\n  - ')}`);
  return out;
}
