import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const DASHBOARD = resolve(
  import.meta.dirname,
  '../../charts/fs-interposer/dashboards/fs-interposer.json',
);

/** A TCP port nobody listens on right now (on 127.0.0.1). */
export function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => res(port));
    });
  });
}

/** One sample of a text exposition: `name{labels}` exactly as written, and its value. */
export interface Sample {
  series: string;
  name: string;
  labels: Record<string, string>;
  value: number;
}

const LABEL = /(\w+)="((?:[^"\\]|\\.)*)"/g;

export function parseExposition(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^(\w+)(\{.*\})?\s+(\S+)$/.exec(line);
    if (m === null) throw new Error(`unparsable exposition line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, k, v] of (m[2] ?? '').matchAll(LABEL)) labels[k!] = v!;
    samples.push({ series: m[1]! + (m[2] ?? ''), name: m[1]!, labels, value: Number(m[3]) });
  }
  return samples;
}

export async function scrape(port: number): Promise<Sample[]> {
  const r = await fetch(`http://127.0.0.1:${port}/metrics`);
  if (!r.ok) throw new Error(`GET /metrics: HTTP ${r.status}`);
  return parseExposition(await r.text());
}

/** Sum of the samples of `name` whose labels include every pair of `match`. */
export function total(
  samples: readonly Sample[],
  name: string,
  match: Record<string, string> = {},
) {
  return samples
    .filter((s) => s.name === name && Object.entries(match).every(([k, v]) => s.labels[k] === v))
    .reduce((n, s) => n + s.value, 0);
}

/** The panel's query with Grafana's macros replaced as Grafana would ("All" is `.*`). */
export function panelExpr(title: string, rateInterval: string): string {
  const d = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as {
    panels: { title: string; targets?: { expr: string }[] }[];
  };
  const expr = d.panels.find((p) => p.title === title)?.targets?.[0]?.expr;
  if (expr === undefined) throw new Error(`no dashboard panel titled ${title}`);
  return expr
    .replaceAll('$__rate_interval', rateInterval)
    .replaceAll('$__range', rateInterval)
    .replace(/\$(namespace|pod|volume)\b/g, '.*');
}

/**
 * Evaluate `expr` with Prometheus's own engine (`promtool test rules`) over the scraped
 * fs_interposer_* counters, as if each had grown from 0 to its value twice in two minutes:
 * rate() of every series then scales by the same factor, so a ratio of rates is the ratio of
 * the totals. Resolves with promtool's verdict that the single result equals `expected`.
 */
export async function promqlEquals(
  samples: readonly Sample[],
  expr: string,
  expected: number,
): Promise<{ ok: boolean; output: string }> {
  const series = samples
    .filter((s) => s.name.startsWith('fs_interposer_') && s.name.endsWith('_total'))
    .map((s) => `      - series: '${s.series}'\n        values: '0 ${s.value} ${2 * s.value}'`);
  const dir = mkdtempSync(join(tmpdir(), 'fsi-promtool-'));
  const file = join(dir, 'test.yml');
  writeFileSync(
    file,
    [
      'evaluation_interval: 1m',
      'tests:',
      '  - interval: 1m',
      '    input_series:',
      ...series,
      '    promql_expr_test:',
      `      - expr: ${JSON.stringify(expr)}`,
      '        eval_time: 2m',
      '        exp_samples:',
      `          - { labels: '{}', value: ${expected} }`,
      '',
    ].join('\n'),
  );
  try {
    return await new Promise((res) => {
      execFile('promtool', ['test', 'rules', file], { timeout: 30_000 }, (err, stdout, stderr) =>
        res({ ok: err === null, output: `${stdout}${stderr}` }),
      );
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
