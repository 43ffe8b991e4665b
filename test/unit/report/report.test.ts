import { mkdtempSync, readFileSync, writeFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from '@jest/globals';
import {
  POINTS_PER_FILE,
  addRecord,
  bucketOf,
  createAnalysis,
  percentileUs,
} from '../../../src/report/analysis.js';
import { loadRun } from '../../../src/report/load-run.js';
import { renderReport } from '../../../src/report/render-report.js';
import { errorSection } from '../../../src/report/sections.js';
import type { RecordLine } from '../../../src/layers/record/record-format.js';
import { recordFixtureRun } from './run-fixture.js';

describe('report from a recorded run', () => {
  const dir = mkdtempSync(join(tmpdir(), 'report-'));
  const run = join(dir, 'run.jsonl');
  const out = join(dir, 'report.html');
  let html = '';
  beforeAll(async () => {
    await recordFixtureRun(run);
    appendFileSync(run, '{"t": 1, "op": "rea'); // a line cut by a crash
    await renderReport(run, out);
    html = readFileSync(out, 'utf8');
  });

  it('aggregates what the record layer wrote', async () => {
    const a = await loadRun([run]);
    expect(a.volume).toBe('data');
    expect(a.totals.ops).toBe(2 + 64 + 80 + 5 + 1 + 3);
    expect(a.totals.written).toBe((64 - 9) * 4096 + 10); // 9 of 64 writes were injected EIOs
    expect(a.totals.read).toBe(40 * 4096);
    // The 5 negative lookups are expected answers, not failures (docs/adr/0078).
    expect(a.totals.errors).toBe(9 + 40);
    expect(a.totals.expected).toBe(5);
    expect(a.totals.injected).toBe(9);
    expect(a.injectors).toEqual(new Map([['fault', 9]]));
    expect(a.errnos.get('EIO')).toEqual({ real: 0, injected: 9, expected: 0 });
    expect(a.errnos.get('ENOENT')).toEqual({ real: 40, injected: 0, expected: 5 });
    expect(a.pids.get(200)).toEqual({ ops: 85, bytes: 40 * 4096, errors: 40 });
    expect(a.dirs.get('/db')).toMatchObject({ written: 55 * 4096, read: 40 * 4096 });
    expect(a.files.get('/db/table.dat')?.points).toHaveLength(55 + 40);
    expect(a.skipped).toBe(1);
  });

  it('renders every section with marks, self-contained and escaped', () => {
    for (const id of [
      'summary',
      'op-mix',
      'latency',
      'access',
      'bytes-files',
      'bytes-dirs',
      'errors',
      'pids',
    ]) {
      expect(html).toContain(`<section id="${id}">`);
    }
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
    expect(html).not.toContain('<script');
    expect(html).toContain('/&#60;script&#62;alert(1)&#60;/script&#62;');
    expect(html).toContain('<b>/db/table.dat</b>: 160.0 KiB read, 220.0 KiB written');
    // 55 writes + 40 reads in the access scatter; 49 error dots.
    const access = html.slice(
      html.indexOf('<section id="access">'),
      html.indexOf('<section id="bytes-files">'),
    );
    expect(access.match(/<circle class="mark"/g)).toHaveLength(95 + 1);
    const errors = html.slice(
      html.indexOf('<section id="errors">'),
      html.indexOf('<section id="pids">'),
    );
    expect(errors.match(/<circle class="mark"/g)).toHaveLength(49);
    expect(errors).toContain('<tr><td>EIO</td><td>0</td><td>9</td><td>0</td></tr>');
    expect(errors).toContain('<tr><td>ENOENT</td><td>40</td><td>0</td><td>5</td></tr>');
    expect(html).toContain('<tr><th>Expected errno answers (not failures)</th><td>5</td></tr>');
    expect(html).toContain('<tr><th>Injected by layer</th><td>fault: 9</td></tr>');
    expect(html).toContain('<tr><td>200</td><td>85</td><td>160.0 KiB</td><td>40</td></tr>');
  });

  it('reports an empty run without failing', async () => {
    const empty = join(dir, 'empty.jsonl');
    writeFileSync(empty, '');
    const a = await renderReport(empty, join(dir, 'empty.html'));
    expect(a.totals.ops).toBe(0);
    expect(readFileSync(join(dir, 'empty.html'), 'utf8')).toContain('No operations in this run.');
  });
});

describe('analysis', () => {
  it.each([
    [0, 0],
    [1, 0],
    [2, 1],
    [3, 2],
    [1_000, 9],
    [10_000_000, 21],
    [20_000_000, 22],
  ])('%d us falls in bucket %d', (us, bucket) => {
    expect(bucketOf(us)).toBe(bucket);
  });

  it('takes percentiles as bucket upper bounds', () => {
    const hist = new Array<number>(23).fill(0);
    hist[3] = 90; // <= 10 us
    hist[9] = 10; // <= 1 ms
    expect(percentileUs(hist, 0.5)).toBe(10);
    expect(percentileUs(hist, 0.95)).toBe(1_000);
  });

  it('thins access points evenly instead of keeping only the start', () => {
    const a = createAnalysis();
    const n = POINTS_PER_FILE * 3;
    for (let i = 0; i < n; i++) {
      addRecord(a, {
        t: i,
        op: 'read',
        path: '/big',
        off: i,
        bytes: 1,
        us: 1,
        res: 'ok',
        pid: 1,
        uid: 0,
      });
    }
    const f = a.files.get('/big')!;
    expect(f.points.length).toBeLessThan(POINTS_PER_FILE);
    expect(f.points.length).toBeGreaterThan(POINTS_PER_FILE / 4);
    expect(f.points.at(-1)!.t).toBeGreaterThan(n * 0.9);
    expect(f.read).toBe(n);
  });

  it('tells expected answers from failures; an injected one is always a failure', () => {
    const a = createAnalysis();
    const line = (op: string, res: string, inj?: true): RecordLine => ({
      t: 1,
      op,
      path: '/x',
      us: 1,
      res,
      pid: 1,
      uid: 0,
      ...(inj && { inj, by: 'fault' }),
    });
    addRecord(a, line('lookup', 'ENOENT'));
    addRecord(a, line('getxattr', 'ENODATA'));
    expect(a.totals).toMatchObject({ errors: 0, expected: 2 });
    const html = errorSection(a);
    expect(html).toContain('No failures in this run.');
    expect(html).toContain('<tr><td>ENODATA</td><td>0</td><td>0</td><td>1</td></tr>');
    addRecord(a, line('lookup', 'ENOENT', true));
    addRecord(a, line('getattr', 'ENOENT'));
    expect(a.totals).toMatchObject({ errors: 2, injected: 1, expected: 2 });
    expect(a.errnos.get('ENOENT')).toEqual({ real: 1, injected: 1, expected: 1 });
  });
});
