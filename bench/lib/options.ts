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
  cpuProfDir?: string;
}

const FULL: Scale = { seqSize: '1G', randSize: '1G', runtime: 5, metaFiles: 10_000 };
const QUICK: Scale = { seqSize: '128M', randSize: '128M', runtime: 1, metaFiles: 1_000 };

function engineSystems(hp: string, quick: boolean, cpuProfDir?: string): SystemSpec[] {
  const prof = cpuProfDir ? { cpuProfDir } : {};
  return [
    { kind: 'native', name: 'native' },
    { kind: 'hp', name: 'passthrough_hp', binary: hp },
    { kind: 'fsi', name: 'fsi', ...prof },
    ...(quick ? [] : [{ kind: 'fsi', name: 'fsi-1reader', readers: 1 } as const]),
    { kind: 'fsi', name: 'fsi-passthrough', passthrough: true },
  ];
}

/** Configured-but-idle layers against the bare engine: what an inactive stack costs. */
function layerSystems(hp: string): SystemSpec[] {
  return [
    { kind: 'native', name: 'native' },
    { kind: 'hp', name: 'passthrough_hp', binary: hp },
    { kind: 'fsi', name: 'fsi' },
    { kind: 'fsi', name: 'fsi+metrics', layers: 'metrics' },
    { kind: 'fsi', name: 'fsi+trace,metrics', layers: 'trace,metrics' },
  ];
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
      'no-docs': { type: 'boolean', default: false },
      'cpu-prof-dir': { type: 'string' },
    },
  });
  const quick = v.quick ?? false;
  const hp = v['hp-binary'];
  if (!hp) throw new Error('--hp-binary is required (bench/run.sh builds it)');
  const layers = v['layers-overhead'] ?? false;
  const o: BenchOptions = {
    quick,
    reps: v.reps ? Number(v.reps) : quick ? 2 : 5,
    scale: quick ? QUICK : FULL,
    treeFiles: quick ? 500 : 3000,
    systems: layers ? layerSystems(hp) : engineSystems(hp, quick, v['cpu-prof-dir']),
  };
  if (v.only) o.only = v.only.split(',');
  if (v['cpu-prof-dir']) o.cpuProfDir = v['cpu-prof-dir'];
  if (!v['no-docs']) o.section = layers ? 'Layers overhead' : 'Engine';
  if (!Number.isInteger(o.reps) || o.reps < 1) throw new Error('--reps: expected a positive integer');
  return o;
}
