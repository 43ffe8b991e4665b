import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fioArgs, parseFio } from '../../../bench/lib/fio.js';
import { renderMarkdown, writeSection } from '../../../bench/lib/report.js';
import type { RunResults } from '../../../bench/lib/report.js';
import { median, ratio, summarize } from '../../../bench/lib/stats.js';

describe('bench statistics', () => {
  it.each([
    [[3, 1, 2], 2],
    [[4, 1, 3, 2], 2.5],
    [[7], 7],
  ])('median of %j is %d', (values, m) => expect(median(values)).toBe(m));

  it('reports the spread relative to the median and skips failed samples', () => {
    expect(summarize([90, 100, 110, Number.NaN])).toEqual({ median: 100, min: 90, max: 110, spread: 0.2, n: 3 });
    expect(ratio(50, 100)).toBe(0.5);
    expect(ratio(50, undefined)).toBeNaN();
  });
});

describe('fio', () => {
  it('asks for direct I/O, a time limit and fsync only when told', () => {
    const a = fioArgs({ filename: '/m/f', rw: 'randread', bs: '4k', size: '1G', direct: true, numjobs: 4, runtime: 5 });
    expect(a).toEqual(expect.arrayContaining(['--direct=1', '--numjobs=4', '--time_based', '--runtime=5']));
    expect(a.some((x) => x.startsWith('--fsync'))).toBe(false);
  });

  it('reads the side of the job that ran, after any warning lines', () => {
    const doc = { jobs: [{ read: { bw_bytes: 5e8, iops: 476, total_ios: 1024 }, write: { bw_bytes: 0, iops: 0, total_ios: 0 } }] };
    const out = `fio: some warning\n${JSON.stringify(doc)}`;
    expect(parseFio(out, 'read')).toEqual({ bytesPerSecond: 5e8, iops: 476, ios: 1024 });
    expect(parseFio(out, 'randwrite').ios).toBe(0);
  });
});

function results(): RunResults {
  const sample = (system: string, value: number, cpuSeconds?: number) => ({
    system, metric: 'seqread', rep: 0, value, ops: 1000, ...(cpuSeconds === undefined ? {} : { cpuSeconds }),
  });
  return {
    meta: {
      date: '2026-01-01T00:00:00Z', host: 'h', cpu: 'cpu', cores: 2, memGiB: 8, kernel: '6.18', node: 'v26',
      fio: 'fio-3.33', load: '1 1 1', mode: 'quick', reps: 1, command: 'bench/run.sh --quick',
      systems: ['native', 'passthrough_hp', 'fsi'],
    },
    metrics: [{ metric: 'seqread', unit: 'MB/s', title: 'seq read 1 MiB' }],
    samples: [sample('native', 1000), sample('passthrough_hp', 400, 0.2), sample('fsi', 500, 0.1)],
    memory: { fsi: { idleMiB: 60, peakMiB: 90 } },
    errors: [],
  };
}

describe('markdown report', () => {
  it('gives each candidate its ratios to native and to passthrough_hp, and CPU µs per op', () => {
    const md = renderMarkdown(results());
    expect(md).toContain('| seq read 1 MiB | MB/s | 1000 ±0% | 400 ±0% | 500 ±0% | 0.50 / 1.25 |');
    expect(md).toContain('| seq read 1 MiB | 200 ±0% | 100 ±0% |');
    expect(md).toContain('| fsi | 60.0 | 90.0 |');
  });

  it('judges an idle stack against the bare engine pair by pair, CPU per op included', () => {
    const r = results();
    r.meta.systems = ['fsi', 'fsi+idle', 'fsi+slow'];
    const s = (system: string, rep: number, value: number, cpuSeconds: number) => ({ system, metric: 'seqread', rep, value, ops: 1000, cpuSeconds });
    // Rep 0 was a noisy minute for everyone; the pairs still agree for fsi+idle.
    r.samples = [
      s('fsi', 0, 400, 0.1), s('fsi+idle', 0, 380, 0.1), s('fsi+slow', 0, 300, 0.13),
      s('fsi', 1, 500, 0.1), s('fsi+idle', 1, 480, 0.1), s('fsi+slow', 1, 400, 0.13),
      s('fsi', 2, 510, 0.1), s('fsi+idle', 2, 520, 0.101), s('fsi+slow', 2, 420, 0.12),
    ];
    const md = renderMarkdown(r);
    expect(md).toMatch(/\| seq read 1 MiB \| fsi\+idle \| 0\.960 \(0\.95–1\.02\) \| 1\.000 \(1\.00–1\.01\) \| yes \(difference below the noise floor; CPU per op agrees\) \|/);
    expect(md).toMatch(/\| seq read 1 MiB \| fsi\+slow \| 0\.800 .*\| no \(CPU per op\) \|/);
  });

  it('replaces only its own section of docs/benchmarks.md', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'bench-')), 'benchmarks.md');
    writeFileSync(file, '# Benchmarks\n\n## Webhook\n\nkeep me\n\n## Engine\n\nold\n\n## Crash\n\nkeep too\n');
    writeSection(file, 'Engine', 'new table');
    writeSection(file, 'Layers overhead', 'layers table');
    const text = readFileSync(file, 'utf8');
    expect(text).toContain('## Webhook\n\nkeep me');
    expect(text).toContain('## Engine\n\nnew table\n\n## Crash\n\nkeep too');
    expect(text).not.toContain('old');
    expect(text.trimEnd().endsWith('## Layers overhead\n\nlayers table')).toBe(true);
  });
});
