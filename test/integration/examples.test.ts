import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { REPO, tempDir } from '../helpers/mount.js';
import { sh } from '../helpers/sh.js';

/**
 * Smoke variants of the examples in examples/ (FSI_SMOKE=1): each runs its real workload against
 * real mounts served by child processes, writes its results into a temporary FSI_OUT instead of
 * docs/, and the assertions read those results. `timeout -s TERM` lets an example's EXIT trap
 * unmount and stop what it started before the hard kill.
 */
jest.setTimeout(240_000);

let out: string;

async function runExample(name: string, seconds: number): Promise<Record<string, unknown>> {
  const script = join(REPO, 'examples', name, 'run.sh');
  const r = await sh(`timeout -s TERM -k 20 ${seconds} bash ${script}`, {
    timeoutMs: (seconds + 30) * 1000,
    env: { FSI_SMOKE: '1', FSI_OUT: out },
  });
  if (r.code !== 0) throw new Error(`${name} failed (${r.code}):\n${r.stdout}\n${r.stderr}`);
  return JSON.parse(readFileSync(join(out, name, 'results.json'), 'utf8')) as Record<string, unknown>;
}

interface Check { profile: string; latency_ms: number | null; lat_p50_ms: number; achieved_mb_s?: number }
interface DbCheck { acked: number; failed: number; lost: number; integrity: string; present: number }

beforeAll(() => {
  out = tempDir('examples-out');
});

afterAll(() => {
  rmSync(out, { recursive: true, force: true });
});

describe('examples (smoke variants)', () => {
  it('ml-loader: the achieved latency and bandwidth match the configured profile', async () => {
    const res = await runExample('ml-loader', 150);
    const checks = res.checks as Check[];
    const p = checks.find((c) => c.profile === 'latency=5ms,throttle=20MB');
    const native = checks.find((c) => c.profile === 'native');
    expect(p).toBeDefined();
    expect(p!.lat_p50_ms).toBeGreaterThanOrEqual(5);
    expect(p!.lat_p50_ms).toBeLessThan(5 + 20); // a loaded 2-core machine adds milliseconds
    expect(p!.achieved_mb_s).toBeGreaterThan(20 * 0.85);
    expect(p!.achieved_mb_s).toBeLessThan(20 * 1.15);
    expect(native!.lat_p50_ms).toBeLessThan(5);
    expect(existsSync(join(out, 'ml-loader', 'epoch-time.svg'))).toBe(true);
  });

  it('chaos-sqlite: faults are detected, nothing acknowledged is lost, the replay repeats them', async () => {
    const res = await runExample('chaos-sqlite', 200);
    const [fault] = res.fault as {
      check: DbCheck; decisions: number; injected_calls: number;
      same_decisions_replay: boolean; same_failed_txns_replay: boolean;
    }[];
    expect(fault!.decisions).toBeGreaterThan(0);
    expect(fault!.injected_calls).toBe(fault!.decisions);
    expect(fault!.check.failed).toBeGreaterThan(0);
    expect(fault!.check).toMatchObject({ integrity: 'ok', lost: 0 });
    expect(fault!.same_decisions_replay).toBe(true);
    expect(fault!.same_failed_txns_replay).toBe(true);
    const [power] = res.powerloss as { mode: string; check: DbCheck }[];
    expect(power!.mode).toBe('rollback-full');
    expect(power!.check).toMatchObject({ integrity: 'ok', lost: 0, acked: 60, present: 60 });
  });

  it('chaos-postgres: fsync-acknowledged commits survive a power loss and crash recovery', async () => {
    const res = await runExample('chaos-postgres', 200);
    const power = res.powerloss as { sync: DbCheck; async: DbCheck; log: { recoveries: number } };
    expect(power.sync).toMatchObject({ integrity: 'ok', lost: 0, acked: 20, present: 20 });
    expect(power.async.integrity).toBe('ok');
    expect(power.log.recoveries).toBeGreaterThanOrEqual(1);
  });

  it('access-patterns: a recorded git clone and SQLite load, its report and Prometheus view', async () => {
    const res = await runExample('access-patterns', 150);
    const phases = res.phases as Record<string, { ops: number; fsyncs: number; enoent_lookups: number }>;
    expect(phases.clone!.ops).toBeGreaterThan(100);
    expect(phases.clone!.enoent_lookups).toBeGreaterThan(0);
    expect(phases.sqlite!.fsyncs).toBeGreaterThanOrEqual(10);
    const prom = res.prometheus as { instant: { ops_by_op: { labels: { op: string }; value: number }[] } };
    const lookups = prom.instant.ops_by_op.find((s) => s.labels.op === 'lookup');
    expect(lookups?.value).toBeGreaterThan(0);
    const html = readFileSync(join(out, 'access-patterns', 'report.html'), 'utf8');
    expect(html).toContain('<svg');
  });

  it('fuse-overhead: every workload timed natively and through the mount', async () => {
    const res = await runExample('fuse-overhead', 150);
    const rows = res.rows as { workload: string; native_s: number; fuse_s: number }[];
    expect(rows.map((r) => r.workload)).toEqual(['sqlite-fsync', 'seq-write', 'seq-read']);
    for (const r of rows) {
      expect(r.native_s).toBeGreaterThan(0);
      expect(r.fuse_s).toBeGreaterThan(0);
    }
  });
});
