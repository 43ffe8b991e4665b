import { parseArgs } from 'node:util';
import type { Scale } from './workloads.js';
import type { SystemSpec } from './systems.js';

export interface BenchOptions {
  quick: boolean;
  reps: number;
  only?: string[];
  scale: Scale;
  treeFiles: number;
  /** The docs/benchmarks.md section this run regenerates, or none. */
  section?: string;
  systems: SystemSpec[];
}

const FULL: Scale = { seqSize: '1G', randSize: '1G', runtime: 5, metaFiles: 10_000 };
const QUICK: Scale = { seqSize: '128M', randSize: '128M', runtime: 1, metaFiles: 1_000 };

const references = (hp: string): SystemSpec[] => [
  { kind: 'native', name: 'native' },
  { kind: 'hp', name: 'passthrough_hp', binary: hp },
];

function engineSystems(quick: boolean): SystemSpec[] {
  return [
    { kind: 'fsi', name: 'fsi' },
    ...(quick ? [] : [{ kind: 'fsi', name: 'fsi-1reader', options: 'readers=1' } as const]),
    { kind: 'fsi', name: 'fsi-passthrough', options: 'passthrough' },
    { kind: 'fsi', name: 'fsi-exclusive', options: 'exclusive' },
  ];
}

/** Configured-but-idle layers against the bare engine: what an inactive stack costs. */
/**
 * Every layer with a rate, delay or limit configured but inactive (rate 0, no window, no limit):
 * the cost of a stack that is ready for a fault run but not disturbing anything (issue 6).
 */
export const INACTIVE_STACK = [
  'apiVersion: fs-interposer/v1',
  'kind: LayerStack',
  'seed: 1',
  'layers:',
  '  - {type: fault, rate: 0}',
  '  - {type: latency}',
  '  - {type: throttle}',
  '  - {type: quota}',
  '  - {type: shuffle, readdir: false}',
  '',
].join('\n');

const inactiveSystems: SystemSpec[] = [
  { kind: 'fsi', name: 'fsi' },
  { kind: 'fsi', name: 'fsi+inactive', config: INACTIVE_STACK },
];

/** throttle and latency configured but never binding (ADR 0076 reader gate) against bare. */
const stackOf = (...layers: string[]): string =>
  ['apiVersion: fs-interposer/v1', 'kind: LayerStack', 'seed: 1', 'layers:', ...layers.map((l) => `  - ${l}`), ''].join('\n');
const ZERO_LATENCY = stackOf('{type: latency, read: {fixed: 0}, write: {fixed: 0}}');
const gateSystems: SystemSpec[] = [
  { kind: 'fsi', name: 'fsi' },
  {
    kind: 'fsi',
    name: 'fsi+throttle',
    config: stackOf('{type: throttle, bytesPerSecond: 1.0e+12, opsPerSecond: 1.0e+9}'),
  },
  { kind: 'fsi', name: 'fsi+latency', config: ZERO_LATENCY },
];

/**
 * `--reader-gate --gate-base DIR`: the same latency stack run from another checkout's dist/ as
 * `base+latency`, so that a change to the layers is measured A/B in the same interleaved run.
 */
const gateBase = (dir: string | undefined): SystemSpec[] =>
  dir === undefined ? [] : [{ kind: 'fsi', name: 'base+latency', config: ZERO_LATENCY, repo: dir }];

/**
 * `trace` at the production default: the chart samples 10 % of files and metadata ops
 * (ADR 0076, `tracing.sampleRatio: 0.1`); local mode's default (every file) is the row above it.
 */
const traceMetrics = (ratio: number): string =>
  stackOf(`{type: trace, sampleRatio: ${ratio}}`, '{type: metrics}');
const TRACE_10_METRICS = traceMetrics(0.1);

/** `traceN%,metrics`: trace sampling N % (0-100) with metrics, as a config; else undefined. */
const tracePercent = (layers: string | undefined): string | undefined => {
  const m = /^trace(\d+(?:\.\d+)?)%,metrics$/.exec(layers ?? '');
  return m === null ? undefined : traceMetrics(Math.min(100, Number(m[1])) / 100);
};

const layerSystems: SystemSpec[] = [
  { kind: 'fsi', name: 'fsi' },
  { kind: 'fsi', name: 'fsi+metrics', layers: 'metrics' },
  { kind: 'fsi', name: 'fsi+trace,metrics', layers: 'trace,metrics' },
  { kind: 'fsi', name: 'fsi+trace10%,metrics', config: TRACE_10_METRICS },
];

/**
 * `--fsi NAME=OPTS`: an fs-interposer system with those -o options (for measuring one lever).
 * `--fsi NAME@DIR=OPTS` runs the build in another checkout DIR (its dist/): a change that has no
 * switch is measured A/B against the commit before it, in the same interleaved run.
 * `--fsi NAME+LAYERS[@DIR]=OPTS` mounts with `--layers LAYERS` (e.g. `newm+metrics=`);
 * `NAME+traceN%,metrics` with trace sampling N % (10: the layers-overhead bench's config).
 */
function customSystems(specs: string[], cpuProfDir?: string): SystemSpec[] {
  return specs.map((s) => {
    const eq = s.indexOf('=');
    const head = eq < 0 ? s : s.slice(0, eq);
    const options = eq < 0 ? '' : s.slice(eq + 1);
    const [named, repo] = head.split('@', 2) as [string, string | undefined];
    const [name, layers] = named.split('+', 2) as [string, string | undefined];
    return {
      kind: 'fsi',
      name,
      // trace's sampling has no --layers form: `traceN%,metrics` is a config file (10 %: the
      // production default, as in the layers-overhead bench).
      ...(tracePercent(layers) !== undefined
        ? { config: tracePercent(layers)! }
        : layers
          ? { layers }
          : {}),
      ...(options ? { options } : {}),
      ...(repo ? { repo } : {}),
      ...(cpuProfDir ? { cpuProfDir } : {}),
    };
  });
}

export function parseOptions(argv: string[]): BenchOptions {
  const { values: v } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      reps: { type: 'string' },
      only: { type: 'string' },
      'hp-binary': { type: 'string' },
      'layers-overhead': { type: 'boolean', default: false },
      'inactive-layers': { type: 'boolean', default: false },
      'reader-gate': { type: 'boolean', default: false },
      'gate-base': { type: 'string' },
      'no-docs': { type: 'boolean', default: false },
      fsi: { type: 'string', multiple: true },
      'cpu-prof-dir': { type: 'string' },
    },
  });
  const quick = v.quick ?? false;
  const hp = v['hp-binary'];
  if (!hp) throw new Error('--hp-binary is required (bench/run.sh builds it)');
  const custom = v.fsi !== undefined || v['cpu-prof-dir'] !== undefined;
  const candidates = custom
    ? customSystems(v.fsi ?? ['fsi'], v['cpu-prof-dir'])
    : v['layers-overhead']
      ? layerSystems
      : v['inactive-layers']
        ? inactiveSystems
        : v['reader-gate']
          ? gateSystems.concat(gateBase(v['gate-base']))
          : engineSystems(quick);
  const o: BenchOptions = {
    quick,
    reps: v.reps ? Number(v.reps) : quick ? 2 : 5,
    scale: quick ? QUICK : FULL,
    treeFiles: quick ? 500 : 3000,
    systems: [...(v['cpu-prof-dir'] ? [] : references(hp)), ...candidates],
  };
  if (v.only) o.only = v.only.split(',');
  // Experiments (custom systems, profiles) never overwrite the published tables.
  if (!v['no-docs'] && !custom) {
    o.section = v['layers-overhead']
      ? 'Layers overhead'
      : v['inactive-layers']
        ? 'Inactive layers'
        : v['reader-gate']
          ? 'Reader-side throttle and latency'
          : 'Engine';
  }
  if (!Number.isInteger(o.reps) || o.reps < 1)
    throw new Error('--reps: expected a positive integer');
  return o;
}
