import { hostname } from 'node:os';
import { join } from 'node:path';
import { CSI_DRIVER_NAME } from '../contract/pod.js';
import { DEFAULT_KUBELET_ROOT, DEFAULT_STATE_DIR } from './constants.js';
import type { InitDefaults } from './init-policy.js';
import { DEFAULT_INIT } from './init-policy.js';
import type { LegacyPolicy } from './provenance-judge.js';

/** The driver's settings, from the environment the chart gives the DaemonSet (csi-daemonset.yaml). */
export interface DriverEnv {
  driverName: string;
  kubeletRoot: string;
  csiSocket: string;
  /** undefined: node-driver-registrar registers us instead. */
  registrationSocket?: string;
  stateDir: string;
  nodeId: string;
  healthPort?: number;
  queues: number;
  /** Reported in NodeGetInfo (CSINode allocatable); 0: no limit of our own. */
  maxVolumesPerNode: number;
  /** A volume without a running sidecar holding it this long is given up (pod-lifecycle.ts). */
  sidecarWaitSeconds: number;
  init: InitDefaults;
  version: string;
  provenance: {
    /** The release namespace, where the webhook keeps its signing key (required in a cluster). */
    namespace?: string;
    secretName: string;
    legacy: LegacyPolicy;
  };
}

/** Under the kubelet's 2-minute runtime request timeout: a container create stuck on the mount fails with our error. */
export const DEFAULT_SIDECAR_WAIT_SECONDS = 60;

type Env = Readonly<Record<string, string | undefined>>;

/** Reads integer variables, collecting every bad one in `problems`. */
function integers(env: Env, problems: string[]) {
  return (key: string, dflt: number, min: 0 | 1 = 1): number => {
    const raw = env[key];
    if (raw === undefined || raw === '') return dflt;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min)
      problems.push(`${key} must be ${min === 1 ? 'a positive integer' : 'an integer >= 0'} (got ${raw})`);
    return n;
  };
}

function nonNegative(env: Env, key: string, dflt: number, problems: string[]): number {
  const raw = env[key];
  if (raw === undefined || raw === '') return dflt;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0)
    problems.push(`${key} must be a whole number of seconds, 0 or more (got ${raw})`);
  return n;
}

function legacyPolicy(env: Env, problems: string[]): LegacyPolicy {
  const mode = env.FS_INTERPOSER_PROVENANCE_LEGACY_PODS ?? 'accept';
  if (mode !== 'accept' && mode !== 'refuse')
    problems.push(`FS_INTERPOSER_PROVENANCE_LEGACY_PODS must be accept or refuse (got ${mode})`);
  const grace = nonNegative(env, 'FS_INTERPOSER_PROVENANCE_LEGACY_GRACE_SECONDS', 300, problems);
  return { accept: mode === 'accept', graceMs: grace * 1000 };
}

function provenanceEnv(env: Env, problems: string[]): DriverEnv['provenance'] {
  const namespace = env.FS_INTERPOSER_NAMESPACE;
  return {
    ...(namespace ? { namespace } : {}),
    secretName: env.FS_INTERPOSER_PROVENANCE_SECRET ?? 'fs-interposer-provenance',
    legacy: legacyPolicy(env, problems),
  };
}

export function parseDriverEnv(env: Env): DriverEnv {
  const problems: string[] = [];
  const integer = integers(env, problems);
  const driverName = env.FS_INTERPOSER_CSI_DRIVER ?? CSI_DRIVER_NAME;
  const kubeletRoot = (env.FS_INTERPOSER_KUBELET_DIR ?? DEFAULT_KUBELET_ROOT).replace(/\/+$/, '');
  const endpoint =
    env.FS_INTERPOSER_CSI_ENDPOINT ??
    `unix://${join(kubeletRoot, 'plugins', driverName, 'csi.sock')}`;
  if (!endpoint.startsWith('unix:///'))
    problems.push(`FS_INTERPOSER_CSI_ENDPOINT must be unix:///absolute/path (got ${endpoint})`);
  const regDir = env.FS_INTERPOSER_CSI_REGISTRATION_DIR ?? join(kubeletRoot, 'plugins_registry');
  const queues = integer('FS_INTERPOSER_FUSE_QUEUES', 2);
  const maxWrite = integer('FS_INTERPOSER_FUSE_MAX_WRITE', DEFAULT_INIT.maxWrite);
  const health = env.FS_INTERPOSER_HEALTH_PORT;
  const out: DriverEnv = {
    driverName,
    kubeletRoot,
    csiSocket: endpoint.slice('unix://'.length),
    ...(regDir === 'none' ? {} : { registrationSocket: join(regDir, `${driverName}-reg.sock`) }),
    stateDir: env.FS_INTERPOSER_STATE_DIR ?? DEFAULT_STATE_DIR,
    nodeId: env.FS_INTERPOSER_NODE_NAME ?? hostname(),
    ...(health ? { healthPort: integer('FS_INTERPOSER_HEALTH_PORT', 0) } : {}),
    queues,
    maxVolumesPerNode: integer('FS_INTERPOSER_CSI_MAX_VOLUMES_PER_NODE', 0, 0),
    sidecarWaitSeconds: integer('FS_INTERPOSER_CSI_SIDECAR_WAIT_SECONDS', DEFAULT_SIDECAR_WAIT_SECONDS),
    init: {
      maxWrite,
      writebackCache: env.FS_INTERPOSER_FUSE_WRITEBACK_CACHE === 'true',
      passthrough: env.FS_INTERPOSER_FUSE_PASSTHROUGH === 'true',
      posixAcl: DEFAULT_INIT.posixAcl,
    },
    version: env.FS_INTERPOSER_VERSION ?? '0.1.0',
    provenance: provenanceEnv(env, problems),
  };
  if (problems.length > 0)
    throw new Error(`csi driver environment:\n  - ${problems.join('\n  - ')}`);
  return out;
}
