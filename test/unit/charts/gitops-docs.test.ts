import { describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { CHART_DIR, ROOT, k8sBinDir, parseObjects } from './helm.js';
import type { K8sObject } from './helm.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- rendered YAML and the docs are read structurally */
// docs/install.md's "Rendering without a cluster" section, run and checked as written.
const doc = readFileSync(join(ROOT, 'docs/install.md'), 'utf8');
const section = doc.slice(doc.indexOf('## Rendering without a cluster'), doc.indexOf('## Uninstall'));
const blocks = (lang: string): string[] =>
  [...section.matchAll(new RegExp('```' + lang + '\\n([\\s\\S]*?)```', 'g'))].map((m) => m[1]!);

/** The `helm template` commands of the bash block, continuation lines joined, output redirect dropped. */
const commands = blocks('bash')[0]!
  .replace(/\\\n\s*/g, '')
  .split('\n')
  .filter((l) => l.startsWith('helm template '))
  .map((l) => l.replace(/\s*>\s*\S+$/, ''));

function run(command: string): K8sObject[] {
  const r = spawnSync('bash', ['-c', command], {
    cwd: ROOT, encoding: 'utf8', timeout: 60_000, env: { ...process.env, PATH: `${k8sBinDir()}:${process.env.PATH ?? ''}` },
  });
  if (r.status !== 0) throw new Error(`${command}\n${r.stderr}`);
  return parseObjects(r.stdout);
}

const application = parse(blocks('yaml')[0]!) as any;

describe('helm template without a cluster (docs/install.md)', () => {
  it('documents two commands, both render', () => {
    expect(commands).toHaveLength(2);
    for (const c of commands) expect(run(c).length).toBeGreaterThan(10);
  });

  it('leaves the pre-delete hook out and renders the labelled namespace offline', () => {
    const objects = run(commands[0]!);
    expect(objects.some((o) => o.metadata.annotations?.['helm.sh/hook'])).toBe(false);
    expect(objects.find((o) => o.kind === 'Namespace')?.metadata.labels).toMatchObject({ 'pod-security.kubernetes.io/enforce': 'privileged' });
  });

  it('renders the cert-manager and Prometheus Operator objects when told the API groups exist', () => {
    const kinds = run(commands[1]!).map((o) => o.kind);
    for (const kind of ['Certificate', 'Issuer', 'ServiceMonitor', 'PodMonitor']) expect(kinds).toContain(kind);
  });
});

describe('Argo CD ignoreDifferences (docs/install.md)', () => {
  const rendered = [...run(commands[0]!), ...run(commands[1]!)];

  it('names objects the chart renders for that release, in the Application destination namespace', () => {
    expect(application.spec.source.helm.releaseName).toBe('fs-interposer');
    for (const ignore of application.spec.ignoreDifferences as any[]) {
      const found = rendered.find((o) => o.kind === ignore.kind && o.metadata.name === ignore.name);
      expect(found).toBeDefined();
      if (ignore.namespace !== undefined) expect(found!.metadata.namespace).toBe(application.spec.destination.namespace);
    }
  });

  it('ignores exactly what the running system writes: never rendered, so a plain diff sees nothing either', () => {
    const mwcs = rendered.filter((o) => o.kind === 'MutatingWebhookConfiguration') as any[];
    for (const mwc of mwcs) for (const w of mwc.webhooks) expect(w.clientConfig.caBundle).toBeUndefined();
    const ignoredSecrets = (application.spec.ignoreDifferences as any[]).filter((i) => i.kind === 'Secret').map((i) => i.name);
    for (const secret of rendered.filter((o) => o.kind === 'Secret' && ignoredSecrets.includes(o.metadata.name)) as any[]) {
      expect(secret.data).toBeUndefined();
    }
    // The webhook patches /webhooks/<i>/clientConfig/caBundle (src/webhook/kube/client-node-kube-api.ts).
    const api = readFileSync(join(ROOT, 'src/webhook/kube/client-node-kube-api.ts'), 'utf8');
    expect(api).toContain('/webhooks/${i}/clientConfig/caBundle');
    const mwcIgnore = (application.spec.ignoreDifferences as any[]).find((i) => i.kind === 'MutatingWebhookConfiguration');
    expect(mwcIgnore.jqPathExpressions).toEqual(['.webhooks[]?.clientConfig.caBundle']);
  });

  it('labels the namespace as the chart requires', () => {
    const labels = parse(readFileSync(join(CHART_DIR, 'values.yaml'), 'utf8')).namespace.labels;
    expect(application.spec.syncPolicy.managedNamespaceMetadata.labels).toEqual(labels);
    expect(application.spec.syncPolicy.syncOptions).toEqual(expect.arrayContaining(['RespectIgnoreDifferences=true', 'CreateNamespace=true']));
  });
});
