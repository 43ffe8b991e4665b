import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { freePort } from '../helpers/prometheus.js';
import { sleep, waitFor } from './cluster-tools.js';
import type { MonitorJob, SdServer } from './monitor-sd.js';

/**
 * Debian's Prometheus (/usr/bin/prometheus) on the host, scraping what the monitors' jobs find
 * through http_sd (every Pod here is hostNetwork, so the host reaches them), evaluating the
 * chart's alert rules. Scrapes every second instead of the monitors' 30 s, to keep the test short.
 */
export interface PromSample {
  metric: Record<string, string>;
  value: [number, string];
}

export interface E2ePrometheus {
  url: string;
  /** An instant query; throws with Prometheus's error when it does not parse or evaluate. */
  query(expr: string): Promise<PromSample[]>;
  rules(): Promise<{ name: string; health: string; lastError?: string; state: string; query: string }[]>;
  close(): Promise<void>;
}

export async function startE2ePrometheus(
  jobs: readonly MonitorJob[],
  sd: SdServer,
  ruleGroups: unknown[],
): Promise<E2ePrometheus> {
  const dir = mkdtempSync(join(tmpdir(), 'fsi-e2e-prom-'));
  const scrapeConfigs = jobs.map((job, i) => {
    let tls = {};
    if (job.tls !== undefined) {
      writeFileSync(join(dir, `ca-${i}.crt`), job.tls.ca);
      tls = { tls_config: { ca_file: join(dir, `ca-${i}.crt`), server_name: job.tls.serverName } };
    }
    return {
      job_name: job.name, metrics_path: job.path, scheme: job.scheme, honor_labels: job.honorLabels,
      scrape_interval: '1s', http_sd_configs: [{ url: sd.url(i), refresh_interval: '2s' }], ...tls,
    };
  });
  writeFileSync(join(dir, 'rules.yml'), stringify({ groups: ruleGroups }));
  writeFileSync(join(dir, 'prometheus.yml'), stringify({
    global: { scrape_interval: '1s', evaluation_interval: '1s' },
    rule_files: [join(dir, 'rules.yml')],
    scrape_configs: scrapeConfigs,
  }));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const prom: ChildProcess = spawn('prometheus', [
    `--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'tsdb')}`,
    `--web.listen-address=127.0.0.1:${port}`,
  ], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  prom.stderr?.on('data', (b: Buffer) => (log = (log + b.toString()).slice(-4000)));
  const exited = new Promise((r) => prom.once('exit', r));
  await waitFor(`prometheus ready (${log})`, async () => ((await fetch(`${url}/-/ready`)).ok ? true : undefined), { timeoutMs: 60_000 });
  return {
    url,
    async query(expr) {
      const r = (await (await fetch(`${url}/api/v1/query?query=${encodeURIComponent(expr)}`)).json()) as
        { status: string; error?: string; data: { result: PromSample[] } };
      if (r.status !== 'success') throw new Error(`${expr}: ${r.error}`);
      return r.data.result;
    },
    async rules() {
      const r = (await (await fetch(`${url}/api/v1/rules`)).json()) as
        { data: { groups: { rules: { name: string; health: string; lastError?: string; state: string; query: string }[] }[] } };
      return r.data.groups.flatMap((g) => g.rules);
    },
    async close() {
      prom.kill('SIGTERM');
      await Promise.race([exited, sleep(10_000)]);
      if (prom.exitCode === null) prom.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
