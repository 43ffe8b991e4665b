import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fio } from './fio.js';
import { bash, sh } from './sh.js';
import type { System } from './systems.js';

/** Sizes that differ between --quick and the full run. */
export interface Scale {
  seqSize: string;
  randSize: string;
  runtime: number;
  metaFiles: number;
}

export interface Measured {
  /** Higher is better (MB/s, IOPS, ops/s). */
  value: number;
  /** Operations of the workload (fio I/Os, files, entries): the unit of CPU time per op. */
  ops: number;
}

/** What a workload gets: where the shared data lives and how to measure one metric. */
export interface RunContext {
  scale: Scale;
  data: string; // bench-data inside the source (native path)
  tarball: string;
  treeEntries: number;
  node: string;
  metaScript: string;
  dropCaches(): Promise<void>;
  /** Measure `fn`, recording wall value and the server's CPU time for `metric`. */
  measure(metric: string, fn: () => Promise<Measured>): Promise<void>;
}

export interface Workload {
  name: string;
  metrics: ReadonlyArray<{ metric: string; unit: string; title: string }>;
  run(sys: System, ctx: RunContext): Promise<void>;
}

const MB = 1e6;
const dataIn = (sys: System): string => join(sys.dir, 'bench-data');
const scratch = (sys: System): string => join(sys.dir, 'bench-scratch', sys.name);

async function warmSeqFile(ctx: RunContext): Promise<void> {
  await ctx.dropCaches();
  await bash(`cat '${join(ctx.data, 'seq.dat')}' >/dev/null`, 300_000);
}

const seqRead: Workload = {
  name: 'seqread',
  metrics: [{ metric: 'seqread', unit: 'MB/s', title: 'seq read 1 MiB' }],
  async run(sys, ctx) {
    await warmSeqFile(ctx);
    await ctx.measure('seqread', async () => {
      const r = await fio({ filename: join(dataIn(sys), 'seq.dat'), rw: 'read', bs: '1M', size: ctx.scale.seqSize, invalidate: sys.directRandomReads });
      return { value: r.bytesPerSecond / MB, ops: r.ios };
    });
  },
};

const seqWrite: Workload = {
  name: 'seqwrite',
  metrics: [{ metric: 'seqwrite', unit: 'MB/s', title: 'seq write 1 MiB' }],
  async run(sys, ctx) {
    const file = join(scratch(sys), 'seq-w.dat');
    await ctx.dropCaches();
    await ctx.measure('seqwrite', async () => {
      const r = await fio({ filename: file, rw: 'write', bs: '1M', size: ctx.scale.seqSize });
      return { value: r.bytesPerSecond / MB, ops: r.ios };
    });
    await sh('rm', ['-f', file]);
  },
};

function randRead(jobs: number): Workload {
  const metric = `randread${jobs}`;
  return {
    name: metric,
    metrics: [{ metric, unit: 'IOPS', title: `rand read 4 KiB, ${jobs} job${jobs > 1 ? 's' : ''}` }],
    async run(sys, ctx) {
      await warmSeqFile(ctx);
      await ctx.measure(metric, async () => {
        const r = await fio({
          filename: join(dataIn(sys), 'seq.dat'),
          rw: 'randread',
          bs: '4k',
          size: ctx.scale.randSize,
          direct: sys.directRandomReads,
          invalidate: sys.directRandomReads,
          numjobs: jobs,
          runtime: ctx.scale.runtime,
        });
        return { value: r.iops, ops: r.ios };
      });
    },
  };
}

/**
 * Random reads as an outside harness measures them: buffered psync (no O_DIRECT), one pass over
 * a 256 MiB file in which no block is read twice (fio's random map; with several jobs each
 * takes its own quarter), after the caches were dropped and the file was read through the
 * native path: the backing page cache is hot, the FUSE page cache cold. `randread{1,4}` above
 * send O_DIRECT instead, which libfuse's passthrough_hp passes on to the backing file (a disk
 * read per request) while our backend drops it (Node's buffers are not aligned), so those
 * rows compare our page-cache reads with passthrough_hp's disk reads (docs/benchmarks.md).
 */
function randReadPass(jobs: number): Workload {
  const metric = `randreadpass${jobs}`;
  return {
    name: metric,
    metrics: [{ metric, unit: 'IOPS', title: `rand read 4 KiB buffered one pass, ${jobs} job${jobs > 1 ? 's' : ''}` }],
    async run(sys, ctx) {
      // 256 MiB, or the whole data file when it is smaller (128 MiB at --quick).
      const fileMiB = parseInt(ctx.scale.seqSize, 10) * (ctx.scale.seqSize.endsWith('G') ? 1024 : 1);
      const total = Math.min(256, fileMiB);
      await warmSeqFile(ctx);
      await ctx.measure(metric, async () => {
        const r = await fio({
          filename: join(dataIn(sys), 'seq.dat'),
          rw: 'randread',
          bs: '4k',
          size: `${total / jobs}M`,
          offsetIncrement: `${total / jobs}M`,
          invalidate: false,
          numjobs: jobs,
        });
        return { value: r.iops, ops: r.ios };
      });
    },
  };
}

const randWriteFsync: Workload = {
  name: 'randwrite',
  metrics: [{ metric: 'randwrite-fsync', unit: 'IOPS', title: 'rand write 4 KiB + fsync' }],
  async run(sys, ctx) {
    const file = join(scratch(sys), 'rand-w.dat');
    await ctx.dropCaches();
    await ctx.measure('randwrite-fsync', async () => {
      const r = await fio({ filename: file, rw: 'randwrite', bs: '4k', size: '16M', fsync: 1, runtime: ctx.scale.runtime });
      return { value: r.iops, ops: r.ios };
    });
    await sh('rm', ['-f', file]);
  },
};

async function metaOps(ctx: RunContext, phase: string, dir: string): Promise<Measured> {
  const r = await sh(ctx.node, [ctx.metaScript, phase, dir, String(ctx.scale.metaFiles)], { timeoutMs: 600_000 });
  const out = JSON.parse(r.stdout) as { ops: number; seconds: number };
  return { value: out.ops / out.seconds, ops: out.ops };
}

const metadata: Workload = {
  name: 'metadata',
  metrics: [
    { metric: 'create', unit: 'ops/s', title: 'create (empty files)' },
    { metric: 'stat', unit: 'ops/s', title: 'stat (cold)' },
    { metric: 'unlink', unit: 'ops/s', title: 'unlink' },
  ],
  async run(sys, ctx) {
    const dir = join(scratch(sys), 'meta');
    mkdirSync(dir, { recursive: true });
    await ctx.dropCaches();
    await ctx.measure('create', () => metaOps(ctx, 'create', dir));
    await ctx.dropCaches();
    await ctx.measure('stat', () => metaOps(ctx, 'stat', dir));
    await ctx.dropCaches();
    await ctx.measure('unlink', () => metaOps(ctx, 'unlink', dir));
  },
};

const tarX: Workload = {
  name: 'tarx',
  metrics: [{ metric: 'tarx', unit: 'files/s', title: 'tar x (small-file tree)' }],
  async run(sys, ctx) {
    const dir = join(scratch(sys), 'tar');
    await sh('rm', ['-rf', dir], { timeoutMs: 300_000 });
    mkdirSync(dir, { recursive: true });
    await ctx.dropCaches();
    await ctx.measure('tarx', async () => {
      // -m: no mtime restore (passthrough_hp 3.14 answers utimensat with EOPNOTSUPP); same work everywhere.
      const r = await sh('tar', ['xmf', ctx.tarball, '-C', dir], { timeoutMs: 600_000 });
      return { value: ctx.treeEntries / r.seconds, ops: ctx.treeEntries };
    });
    await sh('rm', ['-rf', dir], { timeoutMs: 300_000 });
  },
};

const findDu: Workload = {
  name: 'find',
  metrics: [
    { metric: 'find-du', unit: 'entries/s', title: 'find + du (cold)' },
    { metric: 'smallread', unit: 'files/s', title: 'small-file read' },
  ],
  async run(sys, ctx) {
    const tree = join(dataIn(sys), 'tree');
    await ctx.dropCaches();
    await ctx.measure('find-du', async () => {
      const r = await bash(`find '${tree}' >/dev/null && du -s '${tree}' >/dev/null`, 300_000);
      if (r.code !== 0) throw new Error(`find/du failed: ${r.stderr}`);
      return { value: (2 * ctx.treeEntries) / r.seconds, ops: 2 * ctx.treeEntries };
    });
    await ctx.dropCaches();
    // Warm the source so the run measures the FUSE path, not the disk.
    await bash(`find '${join(ctx.data, 'tree')}' -type f -print0 | xargs -0 cat >/dev/null`, 300_000);
    await ctx.measure('smallread', async () => {
      const r = await bash(`find '${tree}' -type f -print0 | xargs -0 cat >/dev/null`, 300_000);
      if (r.code !== 0) throw new Error(`small-file read failed: ${r.stderr}`);
      return { value: ctx.treeEntries / r.seconds, ops: ctx.treeEntries };
    });
  },
};

/**
 * What a cache policy is for: the same file read again, and the same tree walked again, right
 * after a first pass through the mount (the outside harness's "seq read warm" and "find warm").
 * Under the default policy both go back to the server; under -o exclusive the kernel keeps the
 * pages, names and attributes.
 */
const warm: Workload = {
  name: 'warm',
  metrics: [
    { metric: 'seqread-warm', unit: 'MB/s', title: 'seq read 1 MiB, same file again' },
    { metric: 'find-warm', unit: 'entries/s', title: 'find + stat, same tree again' },
  ],
  async run(sys, ctx) {
    const file = join(dataIn(sys), 'seq.dat');
    const tree = join(dataIn(sys), 'tree');
    await warmSeqFile(ctx);
    await bash(`cat '${file}' >/dev/null`, 300_000);
    await ctx.measure('seqread-warm', async () => {
      const r = await fio({ filename: file, rw: 'read', bs: '1M', size: ctx.scale.seqSize, invalidate: false });
      return { value: r.bytesPerSecond / MB, ops: r.ios };
    });
    await bash(`find '${tree}' -printf '%s\\n' >/dev/null`, 300_000);
    await ctx.measure('find-warm', async () => {
      const r = await bash(`find '${tree}' -printf '%s\\n' >/dev/null`, 300_000);
      if (r.code !== 0) throw new Error(`find failed: ${r.stderr}`);
      return { value: ctx.treeEntries / r.seconds, ops: ctx.treeEntries };
    });
  },
};

export const WORKLOADS: readonly Workload[] = [
  seqRead,
  seqWrite,
  randRead(1),
  randRead(4),
  randReadPass(1),
  randReadPass(4),
  randWriteFsync,
  metadata,
  tarX,
  findDu,
  warm,
];
