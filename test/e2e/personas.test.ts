import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../helpers/prometheus.js';
import { ROOT, startCluster } from './cluster.js';
import type { Cluster } from './cluster.js';
import { run, runOk, waitFor } from './cluster-tools.js';
import { NS, OPT_IN_LABEL, RELEASE, installChart, waitChartReady } from './cluster-chart.js';
import { PERSONAS_NS, acks, commitScript, parseSamples, postgresPod, pvAndClaim, readerJob } from './personas-workloads.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- kubectl JSON is read structurally */
/**
 * Issue 16's personas as Kubernetes workloads on PVCs (hostPath PVs): the researcher's data
 * loader as a Job under `throttle`+`latency`, whose achieved read rate stays within the bucket's
 * bound and at 90 % of the target or more over 30 s; the database owner's PostgreSQL in a Pod
 * on a `powerloss` volume, cut with `kubectl fs-interposer powerloss drop` in the middle of a
 * committing client, restarted, recovered, pg_amcheck clean, no acknowledged commit lost.
 */
const RATE = 2_000_000; // throttle=2MB: bytes/s; the default burst is one second's worth
const SECONDS = 32;
const MiB = 2 ** 20;
const PLUGIN = join(ROOT, 'dist/src/plugin/main.js');
const PG_BIN = readdirSync('/usr/lib/postgresql').sort((a, b) => Number(b) - Number(a)).map((v) => `/usr/lib/postgresql/${v}/bin`)[0];

let cluster: Cluster;
let work = '';
/** Built while the chart comes up (the cluster is otherwise idle then). */
let pgImage: Promise<string>;

const json = async (args: string[]): Promise<any> => JSON.parse(await cluster.kubectl([...args, '-o', 'json']));
const apply = (obj: object): Promise<string> => cluster.kubectl(['apply', '-f', '-'], { input: JSON.stringify(obj) });
const explain = async (e: unknown): Promise<never> => {
  const d = await Promise.all([cluster.diagnostics(NS), cluster.diagnostics(PERSONAS_NS)]);
  throw new Error(`${(e as Error).message}\n--- diagnostics ---\n${d.join('\n')}`);
};
/** `kubectl fs-interposer ...` as a user runs it (the npm bin kubectl-fs_interposer). */
const plugin = (...args: string[]): Promise<string> =>
  runOk(process.execPath, [PLUGIN, ...args, '-n', PERSONAS_NS], { env: cluster.env, timeoutMs: 60_000 });
const hostDir = (name: string): string => {
  const dir = join(work, name); // unique: below the test's own mkdtemp dir
  mkdirSync(dir);
  return dir;
};

describe('the personas on the cluster: an ML reader Job, PostgreSQL through a power loss', () => {
  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'fsi-e2e-personas-'));
    const t0 = Date.now();
    chmodSync(work, 0o755);
    cluster = await startCluster();
    pgImage = runOk(join(ROOT, 'scripts', 'image-build-postgres-local.sh'), [], { env: cluster.env, timeoutMs: 300_000 }).then((o) => o.trim());
    pgImage.catch(() => undefined); // awaited (and reported) by the PostgreSQL test
    await installChart(cluster);
    await waitChartReady(cluster, explain);
    await cluster.kubectl(['create', 'namespace', PERSONAS_NS]);
    await cluster.kubectl(['label', 'namespace', PERSONAS_NS, OPT_IN_LABEL]);
    await pgImage.catch(() => undefined); // not concurrently with the ML sample
    process.stderr.write(`[personas] cluster, image, chart and the PostgreSQL image: ${((Date.now() - t0) / 1000).toFixed(0)} s (with any wait for the cluster lock)\n`);
  }, 50 * 60_000);

  afterAll(async () => {
    const t0 = Date.now();
    if (cluster) {
      // The database first, while its volume is served: it shuts down cleanly, nothing hangs.
      await cluster.kubectl(['delete', 'pod', 'pg', '-n', PERSONAS_NS, '--ignore-not-found', '--wait=true', '--timeout=90s'], { timeoutMs: 120_000 }).catch(() => '');
      // Nothing else holds a volume in use (the reader has exited): down.sh removes the rest.
      const t1 = Date.now();
      await cluster.helm(['uninstall', RELEASE, '-n', NS, '--no-hooks']).catch(() => '');
      const t2 = Date.now();
      await cluster.down();
      process.stderr.write(`[personas] teardown: pg ${((t1 - t0) / 1000).toFixed(0)} s, uninstall ${((t2 - t1) / 1000).toFixed(0)} s, down ${((Date.now() - t2) / 1000).toFixed(0)} s\n`);
    }
    if (work) rmSync(work, { recursive: true, force: true });
  }, 6 * 60_000);

  it(`the ML reader Job: never above target plus burst, at least 90 % of target, over ${SECONDS} s`, async () => {
    const dataset = hostDir('dataset');
    chmodSync(dataset, 0o755);
    // More than the Job can read in its sample: every byte comes through the mount, none from a cache.
    const need = Math.ceil((RATE * (SECONDS + 4) * 1.5) / (8 * MiB));
    for (let i = 0; i < need; i += 1) writeFileSync(join(dataset, `shard-${String(i).padStart(3, '0')}.bin`), Buffer.alloc(8 * MiB, i));
    for (const o of pvAndClaim('dataset', dataset)) await apply(o);
    await waitFor('the Job to be created', async () =>
      ((await apply(readerJob(cluster.image, 'throttle=2MB,latency=2ms', SECONDS))) ? true : undefined), { timeoutMs: 30_000 });
    const done = await waitFor('the reader to finish', async () => {
      const pods = await json(['get', 'pods', '-n', PERSONAS_NS, '-l', 'job-name=ml-reader']);
      const reader = pods.items[0]?.status.containerStatuses?.find((c: any) => c.name === 'reader');
      return reader?.state.terminated ? pods.items[0] : undefined;
    }, { timeoutMs: (SECONDS + 150) * 1000, intervalMs: 2_000 }).catch(explain);
    expect(done.metadata.annotations['fs-interposer/injected']).toBe('dataset');
    const log = await cluster.kubectl(['logs', '-n', PERSONAS_NS, done.metadata.name, '-c', 'reader']);
    expect(done.status.containerStatuses.find((c: any) => c.name === 'reader').state.terminated.exitCode).toBe(0);
    const samples = parseSamples(log);
    const last = samples.at(-1)!;
    expect(last.ms).toBeGreaterThanOrEqual(SECONDS * 1000);
    const burst = RATE; // one second's worth
    let prev = { ms: 0, bytes: 0 };
    for (const s of samples) {
      // Never above the bucket: what it holds at the start plus what refills since (1 % for clocks).
      expect(s.bytes).toBeLessThanOrEqual((burst + (RATE * s.ms) / 1000) * 1.01);
      // No single second above target plus burst.
      expect(((s.bytes - prev.bytes) * 1000) / (s.ms - prev.ms)).toBeLessThanOrEqual(RATE + burst);
      prev = s;
    }
    const achieved = (last.bytes * 1000) / last.ms;
    const steady = ((last.bytes - burst) * 1000) / last.ms;
    process.stderr.write(`[personas] ML reader: ${samples.length} samples over ${(last.ms / 1000).toFixed(1)} s, `
      + `achieved ${(achieved / 1e6).toFixed(3)} MB/s (${((achieved / RATE - 1) * 100).toFixed(2)} % vs target), `
      + `after the burst ${(steady / 1e6).toFixed(3)} MB/s (${((steady / RATE - 1) * 100).toFixed(2)} %)\n`);
    expect(achieved).toBeGreaterThanOrEqual(0.9 * RATE);
    // The sidecar learns from the CSI driver that the reader is done and exits: the Job completes.
    await waitFor('the Job to complete', async () => {
      const job = await json(['get', 'job', 'ml-reader', '-n', PERSONAS_NS]);
      return job.status.conditions?.some((c: any) => c.type === 'Complete' && c.status === 'True') ? true : undefined;
    }, { timeoutMs: 60_000, intervalMs: 1_000 }).catch(explain);
  }, (SECONDS + 240) * 1000);

  it('PostgreSQL on a powerloss volume: drop mid-load, restart, recovery, pg_amcheck, no acknowledged commit lost', async () => {
    const image = await pgImage;
    const pgdata = hostDir('pgdata');
    chmodSync(pgdata, 0o777);
    for (const o of pvAndClaim('pgdata', pgdata)) await apply(o);
    const port = await freePort();
    await waitFor('the Pod to be created', async () => ((await apply(postgresPod(image, port))) ? true : undefined), { timeoutMs: 30_000 });
    const psql = (sql: string) => run(`${PG_BIN}/psql`, ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', '-XAtq', '-c', sql], { timeoutMs: 60_000 });
    await waitFor('PostgreSQL to accept connections', async () => ((await psql('SELECT 1')).status === 0 ? true : undefined),
      { timeoutMs: 180_000, intervalMs: 2_000 }).catch(explain);

    // The client: one committed INSERT after another, each acknowledged line printed after its commit.
    const script = join(work, 'commits.sql');
    writeFileSync(script, commitScript(50_000));
    const client = spawn(`${PG_BIN}/psql`, ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', '-Xq', '-v', 'ON_ERROR_STOP=1', '-f', script],
      { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    client.stdout.on('data', (b: Buffer) => (out += b.toString()));
    const exited = new Promise<number>((res) => client.on('close', (code) => res(code ?? -1)));
    await waitFor('200 acknowledged commits', async () => (acks(out).length >= 200 ? true : undefined), { timeoutMs: 120_000, intervalMs: 250 });

    // The power cut: everything in the container stops at once (SIGSTOP: nothing writes between the
    // drop and the crash), the un-fsynced writes are dropped, then the processes die.
    await cluster.kubectl(['exec', '-n', PERSONAS_NS, 'pg', '-c', 'postgres', '--', 'kill', '-STOP', '-1']);
    // One report per powerloss layer in the stack.
    const drop = JSON.parse(await plugin('powerloss', 'drop', 'pg')) as { files: { path: string; undone: number }[] }[];
    // kill(-1) spares the kill itself, but not the end of the container: once its processes die,
    // the container's first process exits and the runtime kills what is left, the kill with it
    // (exit 137, seen on a clean-clone run). Either way everything was killed.
    await cluster
      .kubectl(['exec', '-n', PERSONAS_NS, 'pg', '-c', 'postgres', '--', 'kill', '-KILL', '-1'])
      .catch((err: Error) => {
        if (!/exited 137/.test(err.message)) throw err;
      });
    expect(await exited).not.toBe(0);
    const acked = acks(out);
    const rolledBack = drop.flatMap((r) => r.files).filter((f) => f.undone > 0);
    expect(rolledBack.length).toBeGreaterThan(0);

    await waitFor('the restarted PostgreSQL to accept connections', async () => ((await psql('SELECT 1')).status === 0 ? true : undefined),
      { timeoutMs: 180_000, intervalMs: 2_000 }).catch(explain);
    const pod = await json(['get', 'pod', 'pg', '-n', PERSONAS_NS]);
    expect(pod.status.containerStatuses.find((c: any) => c.name === 'postgres').restartCount).toBeGreaterThanOrEqual(1);
    const log = await cluster.kubectl(['logs', '-n', PERSONAS_NS, 'pg', '-c', 'postgres']);
    expect(log).toMatch(/database system was interrupted|was not properly shut down/);
    expect(log).toContain('redo done');

    const rows = await psql('SELECT id FROM acked');
    expect(rows.status).toBe(0);
    const present = new Set(rows.stdout.split('\n').filter(Boolean).map(Number));
    const lost = acked.filter((id) => !present.has(id));
    expect(lost).toEqual([]);
    expect((await psql('SELECT count(*) FROM bulk')).stdout.trim()).toBe('100000');
    const amcheck = await cluster.kubectl(['exec', '-n', PERSONAS_NS, 'pg', '-c', 'postgres', '--', 'pg_amcheck', '-h', '/tmp',
      '-p', String(port), '-U', 'postgres', '--install-missing', '--heapallindexed', '--all'], { timeoutMs: 120_000 }).then((o) => `clean${o}`, (e: Error) => e.message);
    expect(amcheck).toBe('clean');
    process.stderr.write(`[personas] PostgreSQL: ${acked.length} commits acknowledged before the cut, all ${present.size >= acked.length ? 'recovered' : 'NOT recovered'} `
      + `(${present.size} rows after recovery); powerloss drop rolled back writes in ${rolledBack.length} files `
      + `(${rolledBack.map((f) => `${f.path}:${f.undone}`).slice(0, 6).join(', ')})\n`);
  }, 600_000);
});
