import { execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { forceUnmount, startMount, tempDir } from '../helpers/mount.js';
import type { MountHandle } from '../helpers/mount.js';
import { sh } from '../helpers/sh.js';
import { renderChart } from '../unit/charts/helm.js';
import { stringify } from 'yaml';

/**
 * The dashboard's queries against a real Prometheus scraping a real mount under load: every
 * panel query must parse and return data. Grafana's macros are replaced the way Grafana would
 * ($__rate_interval >= 4 scrape intervals; "All" is the regex .*).
 */
jest.setTimeout(120_000);

const DASHBOARD = resolve(
  import.meta.dirname,
  '../../charts/fs-interposer/dashboards/fs-interposer.json',
);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => res(port));
    });
  });
}

interface PromResult {
  status: string;
  error?: string;
  data?: {
    resultType: string;
    result: { metric: Record<string, string>; value: [number, string] }[];
  };
}

async function query(base: string, expr: string): Promise<PromResult> {
  const r = await fetch(`${base}/api/v1/query?query=${encodeURIComponent(expr)}`);
  return (await r.json()) as PromResult;
}

async function until<T>(
  what: string,
  fn: () => Promise<T | undefined>,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(250);
  }
}

const panelQueries = (): { title: string; expr: string }[] => {
  const d = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as {
    panels: { title: string; targets?: { expr: string }[] }[];
  };
  return d.panels.flatMap((p) =>
    (p.targets ?? []).map((t) => ({
      title: p.title,
      expr: t.expr
        .replaceAll('$__rate_interval', '15s')
        .replaceAll('$__range', '1m')
        .replace(/\$(namespace|pod|volume)\b/g, '.*'),
    })),
  );
};

describe('Grafana dashboard against Prometheus scraping a real mount', () => {
  const work = tempDir('dash');
  const src = tempDir('dash-src');
  let mount: MountHandle | undefined;
  let prom: ChildProcess | undefined;
  let promUrl = '';
  let metricsPort = 0;

  beforeAll(async () => {
    metricsPort = await freePort();
    const promPort = await freePort();
    mount = await startMount({
      source: src,
      args: ['--layers', 'metrics,fault=EIO@2%', '--metrics-port', String(metricsPort)],
    });
    // The chart's PrometheusRule, as the Prometheus Operator would hand it to Prometheus.
    const rule = renderChart({ apiVersions: ['monitoring.coreos.com/v1'], values: { alerts: { enabled: true } } })
      .find((o) => o.kind === 'PrometheusRule') as unknown as { spec: { groups: unknown[] } };
    writeFileSync(join(work, 'rules.yml'), stringify({ groups: rule.spec.groups }));
    writeFileSync(
      join(work, 'prometheus.yml'),
      `global: { scrape_interval: 1s, evaluation_interval: 1s }\nrule_files: ['${join(work, 'rules.yml')}']\nscrape_configs:\n  - job_name: fsi\n    static_configs: [{ targets: ['127.0.0.1:${metricsPort}'] }]\n`,
    );
    prom = spawn(
      'prometheus',
      [
        `--config.file=${join(work, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(work, 'tsdb')}`,
        `--web.listen-address=127.0.0.1:${promPort}`,
      ],
      { stdio: 'ignore' },
    );
    promUrl = `http://127.0.0.1:${promPort}`;
    await until('prometheus ready', async () =>
      (await fetch(`${promUrl}/-/ready`)).ok ? true : undefined,
    );
    // A mixed workload for ~8 s: writes, reads, directory churn, lookups of missing files. The
    // fault layer makes ~2% of them fail with EIO, so every command tolerates failure.
    const m = mount.mountpoint;
    await sh(
      `end=$((SECONDS+8)); i=0; while [ $SECONDS -lt $end ]; do i=$((i+1));
        mkdir -p "${m}/d$i" 2>/dev/null; head -c 65536 /dev/urandom > "${m}/d$i/f" 2>/dev/null;
        cat "${m}/d$i/f" > /dev/null 2>&1; ls "${m}/missing-$i" > /dev/null 2>&1;
        [ $((i % 3)) -eq 0 ] && { rm -f "${m}/d$i/f"; rmdir "${m}/d$i"; } 2>/dev/null; true; done`,
      { timeoutMs: 60_000 },
    );
    // Enough scrapes for a 15 s rate window after the load.
    await sleep(3_000);
  });

  afterAll(async () => {
    if (prom !== undefined && prom.exitCode === null) {
      const exited = new Promise((r) => prom?.once('exit', r));
      prom.kill('SIGTERM');
      await Promise.race([exited, sleep(10_000)]);
    }
    if (mount !== undefined) {
      await mount.stop();
      forceUnmount(mount.mountpoint);
    }
    rmSync(work, { recursive: true, force: true });
    rmSync(src, { recursive: true, force: true });
  });

  it('scrapes a clean exposition (promtool check metrics)', async () => {
    const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    expect(text).toContain('fs_interposer_ops_total');
    expect(execFileSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' })).toBe(
      '',
    );
    const up = await query(promUrl, 'up{job="fsi"}');
    expect(up.data?.result[0]?.value[1]).toBe('1');
  });

  it('answers every panel query with data', async () => {
    const queries = panelQueries();
    expect(queries.length).toBeGreaterThan(15);
    const empty: string[] = [];
    for (const q of queries) {
      const r = await query(promUrl, q.expr);
      expect({ panel: q.title, status: r.status, error: r.error }).toEqual({
        panel: q.title,
        status: 'success',
        error: undefined,
      });
      if ((r.data?.result.length ?? 0) === 0) empty.push(`${q.title}: ${q.expr}`);
    }
    expect(empty).toEqual([]);
  });

  it("evaluates every alert of the chart's PrometheusRule without error; injected faults raise no error-ratio alert", async () => {
    interface Rule { name: string; query: string; health: string; lastError?: string; state: string }
    const rules = await until('every rule evaluated', async () => {
      const r = (await (await fetch(`${promUrl}/api/v1/rules`)).json()) as { data: { groups: { rules: Rule[] }[] } };
      const all = r.data.groups.flatMap((g) => g.rules);
      return all.length > 0 && all.every((x) => x.health !== 'unknown') ? all : undefined;
    });
    expect(rules.map((x) => ({ name: x.name, health: x.health, lastError: x.lastError ?? '' }))).toEqual(
      ['FsInterposerErrorRatioHigh', 'FsInterposerLatencyHigh', 'FsInterposerCustodyRecoveryFailed',
        'FsInterposerHandoffErrors', 'FsInterposerSidecarRestarts'].map((name) => ({ name, health: 'ok', lastError: '' })),
    );
    // The error-ratio expression without its threshold: ~2% of ops fail, all of them injected.
    const ratio = rules[0]!.query.replace(/>\s*[\d.]+\s*$/, '');
    const r = await query(promUrl, ratio);
    expect(r.status).toBe('success');
    expect(r.data?.result.length).toBeGreaterThan(0);
    for (const s of r.data?.result ?? []) expect(Number(s.value[1])).toBeLessThan(0.005);
    expect(rules[0]!.state).toBe('inactive');
  });

  it('shows the injected faults with their layer and kind, not just the fallback 0', async () => {
    const r = await query(promUrl, 'sum by (layer, kind) (fs_interposer_injected_faults_total)');
    expect(r.data?.result.map((s) => s.metric)).toContainEqual({ layer: 'fault', kind: 'EIO' });
  });
});
