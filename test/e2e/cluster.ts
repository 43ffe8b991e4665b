import { createConnection } from 'node:net';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { acquireClusterLock } from './cluster-lock.js';
import { parseEnvFile, run, runOk, waitFor } from './cluster-tools.js';
import type { RunOptions } from './cluster-tools.js';

/**
 * The shared e2e harness: a real kube-apiserver + controller-manager + scheduler + kubelet (1.20.2)
 * from ../shared/k8s, with our image imported into the node's dockerd. One cluster at a time (fixed
 * ports): every e2e file calls startCluster() in beforeAll and cluster.down() in afterAll, and the
 * e2e project runs in band.
 */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const K8S_DIR = process.env.K8S_DIR ?? resolve(ROOT, '..', 'shared', 'k8s');
const K8S_CACHE = process.env.K8S_CACHE ?? '/var/cache/k8s-local';
/** Our own state dir: down.sh must never stop a cluster somebody else started. */
const K8S_STATE = process.env.FSI_E2E_STATE ?? '/tmp/k8s-fsi-e2e';
export const LOCAL_IMAGE = 'local/fs-interposer:dev';
const API_PORT = 16443;

export interface Cluster {
  env: NodeJS.ProcessEnv;
  kubeconfig: string;
  /** Host path of the kubelet's root dir (the chart's kubeletDir). */
  kubeletRoot: string;
  apiHost: string;
  apiPort: number;
  image: string;
  kubectl(args: readonly string[], o?: RunOptions): Promise<string>;
  helm(args: readonly string[], o?: RunOptions): Promise<string>;
  /** Pod/container logs and events, for a failing test's message. */
  diagnostics(namespace: string): Promise<string>;
  down(): Promise<void>;
}

export interface StartOptions {
  /** Build and import local/fs-interposer:dev (default true). */
  image?: boolean;
  log?: (msg: string) => void;
}

function portInUse(port: number): Promise<boolean> {
  return new Promise((res) => {
    const s = createConnection({ host: '127.0.0.1', port });
    s.once('connect', () => (s.destroy(), res(true)));
    s.once('error', () => res(false));
  });
}

async function installRunning(): Promise<boolean> {
  const r = await run('pgrep', ['-f', `${K8S_DIR}/install.sh`]);
  return r.status === 0;
}

/** install.sh is idempotent (1-5 s warm); cold it builds Kubernetes (10-30 min). */
async function ensureInstalled(log: (m: string) => void): Promise<void> {
  if (await installRunning()) {
    log('waiting for a running install.sh');
    await waitFor('install.sh to finish', async () => ((await installRunning()) ? undefined : true), {
      timeoutMs: 40 * 60_000, intervalMs: 10_000,
    });
  }
  log('install.sh');
  await runOk(join(K8S_DIR, 'install.sh'), [], { timeoutMs: 40 * 60_000 });
}

async function buildImage(env: NodeJS.ProcessEnv, log: (m: string) => void): Promise<void> {
  const built = existsSync(join(ROOT, 'dist', 'src', 'cli', 'main.js'));
  log(`image ${LOCAL_IMAGE} (${built ? 'dist as built' : 'building dist'})`);
  await runOk(join(ROOT, 'scripts', 'image-build-local.sh'), [LOCAL_IMAGE], {
    env: { ...env, K8S_DIR, SKIP_BUILD: built ? '1' : '0' },
    timeoutMs: 10 * 60_000,
  });
}

export async function startCluster(o: StartOptions = {}): Promise<Cluster> {
  const log = o.log ?? ((m: string) => process.stderr.write(`[cluster] ${m}\n`));
  const release = await acquireClusterLock(20 * 60_000);
  const baseEnv: NodeJS.ProcessEnv = { ...process.env, K8S_STATE, K8S_CACHE };
  try {
    await ensureInstalled(log);
    // A stale state dir of ours (a killed run) is cleaned; someone else's cluster is waited for.
    if (existsSync(join(K8S_STATE, 'pids'))) await run(join(K8S_DIR, 'down.sh'), [], { env: baseEnv, timeoutMs: 120_000 });
    await waitFor('the apiserver port to be free (another cluster is up)', async () =>
      ((await portInUse(API_PORT)) ? undefined : true), { timeoutMs: 15 * 60_000, intervalMs: 5_000 });
    log('up.sh --with-node');
    const out = await runOk(join(K8S_DIR, 'up.sh'), ['--with-node'], { env: baseEnv, timeoutMs: 5 * 60_000 });
    const kubeconfig = out.trim().split('\n').pop() ?? '';
    const env = parseEnvFile(readFileSync(join(K8S_STATE, 'env'), 'utf8'), baseEnv);
    const cluster = makeCluster(env, kubeconfig, release, o.image ?? true);
    if (o.image ?? true) await buildImage(env, log);
    return cluster;
  } catch (e) {
    await run(join(K8S_DIR, 'down.sh'), [], { env: baseEnv, timeoutMs: 180_000 });
    release();
    throw e;
  }
}

function makeCluster(env: NodeJS.ProcessEnv, kubeconfig: string, release: () => void, image: boolean): Cluster {
  const bin = (name: string): string => join(K8S_CACHE, 'bin', name);
  const kubectl = (args: readonly string[], o: RunOptions = {}): Promise<string> =>
    runOk(bin('kubectl'), args, { env, timeoutMs: 120_000, ...o });
  const helm = (args: readonly string[], o: RunOptions = {}): Promise<string> =>
    runOk(bin('helm'), args, { env, timeoutMs: 600_000, ...o });
  let stopped = false;
  return {
    env,
    kubeconfig,
    kubeletRoot: env.K8S_KUBELET_ROOT ?? join(K8S_STATE, 'kubelet'),
    apiHost: '127.0.0.1',
    apiPort: API_PORT,
    image: image ? LOCAL_IMAGE : '',
    kubectl,
    helm,
    async diagnostics(namespace) {
      const overview = await run(bin('kubectl'), ['get', 'pods,ds,deploy,events', '-n', namespace, '-o', 'wide'], { env });
      const pods = (await run(bin('kubectl'), ['get', 'pods', '-n', namespace, '-o', 'name'], { env })).stdout.split('\n').filter(Boolean);
      const logs = await Promise.all(pods.map((p) =>
        run(bin('kubectl'), ['logs', '-n', namespace, p, '--all-containers', '--prefix', '--tail=40'], { env })));
      return [overview, ...logs].map((r) => r.stdout + r.stderr).join('\n');
    },
    async down() {
      if (stopped) return;
      stopped = true;
      const r = await run(join(K8S_DIR, 'down.sh'), [], { env, timeoutMs: 180_000 });
      release();
      if (r.status !== 0) throw new Error(`down.sh failed: ${r.stderr}`);
    },
  };
}
