/**
 * Memory of a serving process (issue 17). Run as root from the repository after a build:
 *
 *   node dist/bench/memory.js modules            # what each module costs when imported
 *   node dist/bench/memory.js mount [--layers metrics] [--seconds 30]
 *
 * `modules`: a fresh Node per row imports the modules of that row and all rows above it (the
 * serving process's own order), then runs a memory-reducing GC (as the serving process does once it
 * serves: src/sys/idle-heap-trim.ts) and reports VmRSS, RssAnon
 * and PSS (bench/lib/mem.ts says what each counts). `mount`: `fs-interposer mount` over a
 * 256 MiB file, idle after 3 s, then the peak over `fio` random 4 KiB reads (O_DIRECT, so every
 * read reaches the server) with 4 jobs, then idle again 25 s after fio (the serving process gives
 * an idle heap back within ~20 s: src/sys/idle-heap-trim.ts). The sidecar's processes:
 * bench/memory-sidecar.ts.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { fio } from './lib/fio.js';
import { AFTER_MS, fmtMem, maxMem, procMem } from './lib/mem.js';
import type { ProcMem } from './lib/mem.js';
import { sleep } from './lib/sh.js';

const REPO = resolve(import.meta.dirname, '../..');
const dist = (p: string): string => `file://${join(REPO, 'dist/src', p)}`;

/** [row, code run after the rows above]; import order of the sidecar's server. */
const ROWS: readonly [string, string][] = [
  ['bare Node', ''],
  ['logger (pino)', `await import('${dist('log/logger.js')}');`],
  ['FUSE engine (koffi, reader threads code)', `await import('${dist('fuse/index.js')}');`],
  ['passthrough backend', `await import('${dist('backends/passthrough/backend.js')}');`],
  ['layer runtime and controller', `await import('${dist('layers/stack/stack-runtime.js')}');`],
  ['config parser (no validation yet)', `const c = await import('${dist('config/index.js')}');`],
  ['validate `metrics` (ajv, its schema branch)', `c.parseLayerSpec('metrics');`],
  [
    'prom-client and the registry with process metrics',
    `(await import('${dist('telemetry/registry.js')}')).createTelemetryRegistry();`,
  ],
  ['the sidecar server, all modules', `await import('${dist('sidecar/run-server.js')}');`],
  [
    'validate every layer type (the whole schema)',
    `c.parseLayerSpec('trace,metrics,record,fault=EIO,latency=1ms,throttle=1MB,quota=1GB,powerloss,shuffle');`,
  ],
  ['for comparison: @kubernetes/client-node', `await import('@kubernetes/client-node');`],
];

function moduleRow(code: string): ProcMem {
  const script = `${code}
globalThis.gc({ type: 'major', execution: 'sync', flavor: 'last-resort' });
const { procMem } = await import('${`file://${join(REPO, 'dist/bench/lib/mem.js')}`}');
console.log(JSON.stringify(procMem(process.pid)));`;
  const r = spawnSync(process.execPath, ['--expose-gc', '--input-type=module', '-e', script], {
    cwd: REPO,
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`module row failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as ProcMem;
}

function modules(): void {
  console.log(
    '| modules loaded (cumulative) | VmRSS MiB | RssAnon MiB | PSS MiB |\n|---|---|---|---|',
  );
  let code = '';
  for (const [row, more] of ROWS) {
    // The comparison row stands alone: it is not part of the serving process.
    const m = moduleRow(row.startsWith('for comparison') ? more : (code += `\n${more}`));
    console.log(`| ${row} | ${fmtMem(m)} |`);
  }
}

async function mount(layers: string | undefined, seconds: number): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'fsi-memory-'));
  const src = join(root, 'src');
  const mnt = join(root, 'mnt');
  mkdirSync(src);
  mkdirSync(mnt);
  writeFileSync(join(src, 'data'), Buffer.alloc(256 << 20, 1));
  const args = [join(REPO, 'dist/src/cli/main.js'), 'mount', src, mnt, '--log-level', 'warn'];
  if (layers) args.push('--layers', layers, '--metrics-port', '0');
  const child = spawn(process.execPath, args, { stdio: 'ignore' });
  try {
    await sleep(3000);
    const idle = procMem(child.pid!);
    let peak = idle;
    const timer = setInterval(() => (peak = maxMem(peak, procMem(child.pid!))), 250);
    const r = await fio({
      filename: join(mnt, 'data'),
      rw: 'randread',
      bs: '4k',
      size: '256M',
      direct: true,
      numjobs: 4,
      runtime: seconds,
    });
    clearInterval(timer);
    await sleep(AFTER_MS);
    const after = procMem(child.pid!);
    console.log(`| server (${layers ?? 'no layers'}) | VmRSS | RssAnon | PSS |\n|---|---|---|---|`);
    console.log(
      `| idle | ${fmtMem(idle)} |\n| peak, fio randread 4 KiB 4 jobs ${seconds} s (${Math.round(r.iops)} IOPS) | ${fmtMem(peak)} |\n| idle again, ${AFTER_MS / 1000} s after fio | ${fmtMem(after)} |`,
    );
  } finally {
    spawnSync('umount', [mnt]);
    child.kill('SIGTERM');
    await sleep(500);
    rmSync(root, { recursive: true, force: true });
  }
}

const { values: v, positionals } = parseArgs({
  allowPositionals: true,
  options: { layers: { type: 'string' }, seconds: { type: 'string', default: '30' } },
});
if (positionals[0] === 'modules') modules();
else if (positionals[0] === 'mount') await mount(v.layers, Number(v.seconds));
else {
  console.error('usage: memory.js modules | mount [--layers SPEC] [--seconds N]');
  process.exit(2);
}
