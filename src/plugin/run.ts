import { fileSink, createKube } from './kube-exec.js';
import type { Kube } from './kube-exec.js';
import { resolveTarget } from './target.js';
import type { Target } from './target.js';
import { planVerb } from './verbs.js';

export interface PluginOptions {
  namespace?: string;
  volume?: string;
  container?: string;
  output?: string;
}

const fail = (message: string, code = 1): number => {
  process.stderr.write(`kubectl fs-interposer: ${message}\n`);
  return code;
};

const where = (t: Target): string =>
  `Pod ${t.namespace}/${t.pod}, container ${t.container}, volume ${t.volume}`;

/** POD is the last positional; VERB first; set-layers and powerloss take one ARG between them. */
export function splitPositionals(p: readonly string[]): {
  verb?: string;
  arg?: string;
  pod?: string;
} {
  const [verb, ...rest] = p;
  if (rest.length === 2) return { verb, arg: rest[0], pod: rest[1] };
  return { verb, pod: rest[0] };
}

async function ctl(
  kube: Kube,
  t: Target,
  words: string[],
): Promise<{ code: number; out: string; err: string }> {
  const r = await kube.exec(t, ['fs-interposer', 'ctl', '--socket', t.socket, ...words]);
  return { code: r.code, out: r.stdout, err: r.stderr.trim() };
}

async function fetchRecord(kube: Kube, t: Target, output: string | undefined): Promise<number> {
  const status = await ctl(kube, t, ['status']);
  if (status.code !== 0) return fail(`${where(t)}: status failed: ${status.err || status.out}`);
  const records = (JSON.parse(status.out) as { records?: string[] }).records ?? [];
  if (records.length === 0)
    return fail(`${where(t)}: the current stack has no record layer (add one: set-layers record)`);
  const sink = output === undefined ? process.stdout : fileSink(output);
  const r = await kube.exec(t, ['cat', records[0]!], sink);
  if (r.code !== 0) return fail(`${where(t)}: cannot read ${records[0]}: ${r.stderr.trim()}`);
  if (output !== undefined) process.stderr.write(`wrote ${output} (${where(t)}, ${records[0]})\n`);
  return 0;
}

export async function runPlugin(
  positionals: string[],
  o: PluginOptions,
  usage: string,
  kube?: Kube,
): Promise<number> {
  const { verb, arg, pod } = splitPositionals(positionals);
  const plan = planVerb(verb, arg);
  if ('error' in plan) return fail(`${plan.error}\n${usage}`, 2);
  if (pod === undefined) return fail(`which Pod?\n${usage}`, 2);
  if (kube === undefined) {
    const { KubeConfig } = await import('@kubernetes/client-node');
    const kc = new KubeConfig();
    kc.loadFromDefault();
    kube = await createKube(kc);
  }
  const namespace = o.namespace ?? kube.defaultNamespace();
  const view = await kube.readPod(namespace, pod).catch((err: Error) => err);
  if (view instanceof Error) return fail(`cannot read Pod ${namespace}/${pod}: ${view.message}`);
  const t = resolveTarget(view, o);
  if (typeof t === 'string') return fail(t);
  if ('record' in plan) return fetchRecord(kube, t, o.output);
  const r = await ctl(kube, t, plan.ctl);
  if (r.code !== 0) return fail(`${where(t)}: ${r.err || r.out.trim() || `exit ${r.code}`}`);
  process.stdout.write(r.out);
  return 0;
}
