import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { renderReport } from '../../src/report/render-report.js';
import { findChromium, openPage } from '../unit/report/chromium-cdp.js';
import type { PageRun } from '../unit/report/chromium-cdp.js';
import { recordFixtureRun } from '../unit/report/run-fixture.js';

jest.setTimeout(60_000);

interface Rendered {
  sections: string[];
  charts: { section: string; marks: number; width: number; height: number }[];
  title: string;
}

describe('HTML report in headless Chromium', () => {
  let page: PageRun;
  const artifacts = resolve('test-results');

  beforeAll(async () => {
    const chromium = findChromium();
    if (chromium === undefined) {
      throw new Error('chromium not found: apt-get install -y chromium (or set CHROMIUM_PATH)');
    }
    const dir = mkdtempSync(join(tmpdir(), 'report-browser-'));
    await recordFixtureRun(join(dir, 'run.jsonl'));
    await renderReport(join(dir, 'run.jsonl'), join(dir, 'report.html'));
    page = await openPage(chromium, pathToFileURL(join(dir, 'report.html')).href);
  });
  afterAll(() => page?.close());

  it('loads without console errors and draws every chart', async () => {
    const rendered = await page.evaluate<Rendered>(`({
      title: document.title,
      sections: [...document.querySelectorAll('section')].map((s) => s.id),
      charts: [...document.querySelectorAll('svg')].map((svg) => {
        const box = svg.getBoundingClientRect();
        const drawn = [...svg.querySelectorAll('.mark')].filter((m) => {
          const b = m.getBoundingClientRect();
          return b.width > 0 && b.height > 0;
        });
        return { section: svg.closest('section').id, marks: drawn.length, width: box.width, height: box.height };
      }),
    })`);
    mkdirSync(artifacts, { recursive: true });
    writeFileSync(join(artifacts, 'report-chromium.png'), await page.screenshot());

    expect(page.consoleErrors).toEqual([]);
    expect(rendered.title).toBe('fs-interposer run report: data');
    expect(rendered.sections).toEqual([
      'summary',
      'op-mix',
      'latency',
      'access',
      'bytes-files',
      'bytes-dirs',
      'errors',
      'pids',
    ]);
    for (const chart of rendered.charts) {
      expect(chart.width).toBeGreaterThan(100);
      expect(chart.marks).toBeGreaterThan(0);
    }
    const marksIn = (id: string) =>
      rendered.charts.filter((c) => c.section === id).reduce((s, c) => s + c.marks, 0);
    expect(marksIn('access')).toBe(96); // 55 writes + 40 reads of table.dat, 1 write of the odd file
    expect(marksIn('errors')).toBe(49);
  });
});
