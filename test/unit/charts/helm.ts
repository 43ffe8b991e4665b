import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';

/** Test helpers that run the real helm binary (helm 3.17, from scripts/k8s-tools.sh). */
export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const CHART_DIR = join(ROOT, 'charts', 'fs-interposer');

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  [key: string]: unknown;
}

let binDir: string | undefined;

export function k8sBinDir(): string {
  binDir ??= execFileSync('bash', [join(ROOT, 'scripts', 'k8s-tools.sh')], { encoding: 'utf8' }).trim();
  return binDir;
}

export interface HelmResult {
  status: number;
  stdout: string;
  stderr: string;
}

export function helmRun(args: readonly string[]): HelmResult {
  const r = spawnSync(join(k8sBinDir(), 'helm'), args, { encoding: 'utf8', timeout: 60_000 });
  if (r.error) throw r.error;
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

export interface RenderOptions {
  values?: object;
  apiVersions?: readonly string[];
  kubeVersion?: string;
  namespace?: string;
  release?: string;
  chartDir?: string;
}

/** `helm template` arguments for the options; values go through a temp file (JSON is YAML). */
export function templateArgs(opts: RenderOptions, valuesFile?: string): string[] {
  const args = ['template', opts.release ?? 'fsi', opts.chartDir ?? CHART_DIR];
  args.push('--namespace', opts.namespace ?? 'fs-interposer');
  args.push('--kube-version', opts.kubeVersion ?? '1.31.0');
  for (const v of opts.apiVersions ?? []) args.push('--api-versions', v);
  if (valuesFile) args.push('-f', valuesFile);
  return args;
}

export function helmTemplate(opts: RenderOptions = {}): HelmResult {
  const dir = mkdtempSync(join(tmpdir(), 'fsi-chart-'));
  try {
    let file: string | undefined;
    if (opts.values) {
      file = join(dir, 'values.json');
      writeFileSync(file, JSON.stringify(opts.values));
    }
    return helmRun(templateArgs(opts, file));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function parseObjects(text: string): K8sObject[] {
  return parseAllDocuments(text)
    .map((d) => d.toJS() as K8sObject | null)
    .filter((o): o is K8sObject => o !== null);
}

/** Renders the chart or throws with helm's message. */
export function renderChart(opts: RenderOptions = {}): K8sObject[] {
  const r = helmTemplate(opts);
  if (r.status !== 0) throw new Error(`helm template failed: ${r.stderr}`);
  return parseObjects(r.stdout);
}

export function findObject(objects: readonly K8sObject[], kind: string, nameSuffix = ''): K8sObject {
  const found = objects.find((o) => o.kind === kind && o.metadata.name.endsWith(nameSuffix));
  if (!found) throw new Error(`no ${kind} *${nameSuffix} among ${objects.map((o) => o.kind).join(',')}`);
  return found;
}

/** The API groups rendered in every optional feature (CRD checks satisfied). */
export const ALL_FEATURES: RenderOptions = {
  apiVersions: ['cert-manager.io/v1', 'monitoring.coreos.com/v1'],
  values: {
    namespace: { create: true },
    certManager: { enabled: true },
    metrics: { serviceMonitor: { enabled: true }, podMonitor: { enabled: true } },
    dashboards: { enabled: true },
    alerts: { enabled: true },
    defaultConfig: { apiVersion: 'fs-interposer/v1', kind: 'LayerStack', layers: [{ type: 'metrics' }] },
  },
};
