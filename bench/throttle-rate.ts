/**
 * Throttle accuracy: the achieved rate of a sequential reader (and writer) through a real mount
 * with `throttle=RATE[,EXTRA]`, against the target, over several rates. Run as root after a build:
 *   node dist/bench/throttle-rate.js [--rates 1MB,5MB,20MB] [--seconds 20] [--extra latency=2ms]
 *                                    [--block 1048576] [--options -o,...]
 * The steady rate is the slope of bytes over time after the first 2 s (the bucket's one-second
 * burst is spent by then), so it is what the bucket refills; the error is that slope / target - 1.
 * The rate including the burst (bytes / whole time) is printed too. Results: docs/benchmarks.md.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { parseSize } from '../src/config/units.js';
import { createSystem } from './lib/systems.js';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const { values } = parseArgs({
  options: {
    rates: { type: 'string', default: '1MB,2MB,5MB,20MB' },
    seconds: { type: 'string', default: '20' },
    extra: { type: 'string', default: 'latency=2ms' },
    block: { type: 'string', default: String(1 << 20) },
    options: { type: 'string', default: '' },
    direction: { type: 'string', default: 'read,write' },
  },
});
const seconds = Number(values.seconds);
const block = Number(values.block);

/** The workload in its own process (a server must not be its own client): samples once a second. */
const APP = `
const fs = require('fs');
const [file, dir, seconds, block] = [process.argv[1], process.argv[2], Number(process.argv[3]), Number(process.argv[4])];
const buf = Buffer.alloc(block, 7);
const fd = fs.openSync(file, dir === 'read' ? 'r' : 'w');
const out = [];
let total = 0, next = 1000;
const t0 = performance.now();
for (;;) {
  const n = dir === 'read' ? fs.readSync(fd, buf, 0, block, null) : fs.writeSync(fd, buf, 0, block, null);
  if (n === 0) { console.error('file exhausted'); process.exit(3); }
  total += n;
  const ms = performance.now() - t0;
  if (ms >= next) { out.push([ms, total]); next = (Math.floor(ms / 1000) + 1) * 1000; if (ms >= seconds * 1000) break; }
}
console.log(JSON.stringify(out));`;

function app(file: string, dir: string): Promise<[number, number][]> {
  return new Promise((res, rej) => {
    const c = spawn(process.execPath, ['-e', APP, file, dir, String(seconds), String(block)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    c.stdout.on('data', (b: Buffer) => (out += b.toString()));
    c.stderr.on('data', (b: Buffer) => (err += b.toString()));
    c.on('close', (code) => (code === 0 ? res(JSON.parse(out) as [number, number][]) : rej(new Error(`${dir} app exited ${code}: ${err}`))));
  });
}

/** Least-squares slope of bytes over seconds for the samples after the first 2 s. */
function slope(samples: [number, number][]): number {
  const pts = samples.filter(([ms]) => ms >= 2000).map(([ms, b]) => [ms / 1000, b] as const);
  const n = pts.length;
  const mx = pts.reduce((s, p) => s + p[0], 0) / n;
  const my = pts.reduce((s, p) => s + p[1], 0) / n;
  const num = pts.reduce((s, p) => s + (p[0] - mx) * (p[1] - my), 0);
  const den = pts.reduce((s, p) => s + (p[0] - mx) ** 2, 0);
  return num / den;
}

const root = mkdtempSync('/var/tmp/fsi-throttle-bench-');
const pct = (x: number): string => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(2)} %`;
const mbs = (x: number): string => (x / 1e6).toFixed(3);
const rows: string[] = [];
try {
  for (const rate of values.rates.split(',')) {
    const target = parseSize(rate);
    if (target === undefined || target <= 0) throw new Error(`--rates: ${JSON.stringify(rate)} is not a size (accepted: 1MB, 5MiB, 2000000)`);
    const source = join(root, `src-${rate}`);
    mkdirSync(source);
    // Sparse is enough: the backing reads are cheap, the throttle is what is measured.
    writeFileSync(join(source, 'data'), '');
    truncateSync(join(source, 'data'), Math.ceil(target * (seconds + 4) * 1.5) + 64 * block);
    const layers = [`throttle=${rate}`, ...(values.extra ? [values.extra] : [])].join(',');
    const sys = createSystem({ kind: 'fsi', name: `mnt-${rate}`, layers, options: values.options || undefined }, { source, mountRoot: root, repo });
    await sys.start();
    try {
      for (const dir of values.direction.split(',')) {
        // Reads and writes share the bucket: let it refill, so each direction starts with its burst.
        await new Promise((r) => setTimeout(r, 1500));
        const samples = await app(join(sys.dir, dir === 'read' ? 'data' : 'written'), dir);
        const [lastMs, lastBytes] = samples.at(-1)!;
        const steady = slope(samples);
        const whole = (lastBytes * 1000) / lastMs;
        const row = `| ${layers} | ${dir} | ${mbs(target)} | ${mbs(steady)} | ${pct(steady / target - 1)} | ${mbs(whole)} | ${pct(whole / target - 1)} | ${(lastMs / 1000).toFixed(1)} |`;
        process.stdout.write(`${row}\n`);
        rows.push(row);
      }
    } finally {
      await sys.stop();
    }
    rmSync(source, { recursive: true, force: true });
  }
} finally {
  rmSync(root, { recursive: true, force: true });
}
process.stdout.write(`\n${new Date().toISOString()}, ${cpus().length}x ${cpus()[0]?.model ?? '?'}, Linux ${release()}, Node ${process.version}, load ${loadavg().map((l) => l.toFixed(1)).join(' ')}\n`);
