/**
 * The benchmark harness (bench/run.sh runs it): mounts one source directory as native,
 * passthrough_hp and fs-interposer, runs every workload on every system interleaved, and writes
 * a markdown table (stdout and docs/benchmarks.md) plus JSON (bench/results/).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, hostname, loadavg, release, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { prepareDataset } from './lib/dataset.js';
import { parseOptions } from './lib/options.js';
import { cpuSeconds, memory } from './lib/proc.js';
import { renderMarkdown, writeSection } from './lib/report.js';
import type { RunResults } from './lib/report.js';
import { sh } from './lib/sh.js';
import { createSystem } from './lib/systems.js';
import type { System } from './lib/systems.js';
import { WORKLOADS } from './lib/workloads.js';
import type { Measured, RunContext } from './lib/workloads.js';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '../..'); // dist/bench -> repo
const root = process.env.BENCH_ROOT ?? '/var/tmp/fs-interposer-bench';
const o = parseOptions(process.argv.slice(2));

/** The arguments the user gave run.sh (without the binary path it adds). */
function userArgs(): string[] {
  const a = process.argv.slice(2);
  const i = a.indexOf('--hp-binary');
  if (i >= 0) a.splice(i, 2);
  return a;
}

async function dropCaches(): Promise<void> {
  await sh('sync', [], { timeoutMs: 120_000, allowFail: true });
  writeFileSync('/proc/sys/vm/drop_caches', '3');
}

const source = join(root, 'src');
const systems: System[] = o.systems.map((s) => createSystem(s, { source, mountRoot: join(root, 'mnt'), repo }));
const workloads = WORKLOADS.filter((w) => !o.only || o.only.includes(w.name));
const results: RunResults = {
  meta: {
    date: new Date().toISOString(),
    host: hostname(),
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memGiB: totalmem() / 2 ** 30,
    kernel: release(),
    node: process.version,
    fio: execFileSync('fio', ['--version'], { encoding: 'utf8' }).trim(),
    load: loadavg().map((l) => l.toFixed(1)).join(' '),
    mode: o.quick ? 'quick' : 'full',
    reps: o.reps,
    command: `bench/run.sh ${userArgs().join(' ')}`.trim(),
    systems: systems.map((s) => s.name),
  },
  metrics: workloads.flatMap((w) => w.metrics.map((m) => ({ ...m }))),
  samples: [],
  memory: {},
  errors: [],
};

// A stopped harness must not leave mounts behind.
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    void Promise.allSettled(systems.map((s) => s.stop())).then(() => process.exit(130));
  });
}

async function main(): Promise<void> {
  const ds = await prepareDataset({ source, cache: join(root, 'cache'), seqBytes: o.quick ? 128 << 20 : 1 << 30, treeFiles: o.treeFiles });
  for (const s of systems) await s.start();
  await new Promise((r) => setTimeout(r, 1000));
  for (const s of systems) {
    const pid = s.pid();
    if (pid !== undefined) results.memory[s.name] = { idleMiB: memory(pid).rssMiB, peakMiB: Number.NaN };
  }
  try {
    for (const w of workloads) {
      for (let rep = 0; rep < o.reps; rep++) {
        // Rotate the order every repetition (A B C, B C A, C A B, ...): no system always runs right
        // after the same other one, so position effects (page cache, memory compaction after
        // drop_caches) average out instead of biasing one column.
        for (const sys of rotate(systems, rep)) {
          const ctx = contextFor(sys, rep, ds);
          process.stderr.write(`[bench] ${w.name} rep ${rep + 1}/${o.reps} ${sys.name}\n`);
          await w.run(sys, ctx).catch((err: Error) => {
            results.errors.push(`${w.name} on ${sys.name} (rep ${rep + 1}): ${err.message.split('\n')[0]}`);
          });
        }
      }
    }
    for (const s of systems) {
      const pid = s.pid();
      const why = s.died();
      if (why !== undefined) results.errors.push(why);
      else if (pid !== undefined && results.memory[s.name]) results.memory[s.name]!.peakMiB = memory(pid).hwmMiB;
    }
  } finally {
    for (const s of systems) await s.stop().catch(() => undefined);
  }
  const md = renderMarkdown(results);
  mkdirSync(join(repo, 'bench/results'), { recursive: true });
  const stamp = results.meta.date.replace(/[:.]/g, '-');
  writeFileSync(join(repo, 'bench/results', `${stamp}-${results.meta.mode}.json`), `${JSON.stringify(results, null, 2)}\n`);
  if (o.section) writeSection(join(repo, 'docs/benchmarks.md'), o.section, md);
  process.stdout.write(md);
}

function rotate<T>(list: readonly T[], by: number): T[] {
  const k = by % list.length;
  return [...list.slice(k), ...list.slice(0, k)];
}

function contextFor(sys: System, rep: number, ds: { data: string; tarball: string; treeEntries: number }): RunContext {
  return {
    scale: o.scale,
    ...ds,
    node: process.execPath,
    metaScript: join(here, 'meta-ops.js'),
    dropCaches,
    async measure(metric: string, fn: () => Promise<Measured>) {
      const pid = sys.pid();
      const before = pid !== undefined ? cpuSeconds(pid) : undefined;
      const m = await fn();
      const cpu = pid !== undefined && before !== undefined ? cpuSeconds(pid) - before : undefined;
      results.samples.push({ system: sys.name, metric, rep, value: m.value, ops: m.ops, ...(cpu !== undefined ? { cpuSeconds: cpu } : {}) });
    },
  };
}

await main();
