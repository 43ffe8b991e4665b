import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { METRIC_NAMES } from '../../../src/telemetry/fs-metrics.js';

/** The control socket's counter (src/telemetry/control-metrics.ts). */
const CONTROL_ACTIONS = 'fs_interposer_control_actions_total';

interface Panel {
  id: number;
  type: string;
  title: string;
  gridPos: { x: number; y: number; w: number; h: number };
  datasource?: { uid: string };
  targets?: { expr: string; refId: string }[];
}

const DASHBOARD_PATH = resolve(
  import.meta.dirname,
  '../../../charts/fs-interposer/dashboards/fs-interposer.json',
);
const dashboard = JSON.parse(readFileSync(DASHBOARD_PATH, 'utf8')) as {
  uid: string;
  panels: Panel[];
  templating: { list: { name: string }[] };
};
const queries = dashboard.panels.filter((p) => p.type !== 'row');

describe('Grafana dashboard', () => {
  it('queries only metrics the metrics layer exports', () => {
    const known = new Set(
      [...Object.values(METRIC_NAMES), CONTROL_ACTIONS].flatMap((n) => [n, `${n}_bucket`, `${n}_sum`, `${n}_count`]),
    );
    const used = queries.flatMap((p) =>
      (p.targets ?? []).flatMap((t) => t.expr.match(/fs_interposer_\w+/g) ?? []),
    );
    expect(used.length).toBeGreaterThan(20);
    expect(used.filter((n) => !known.has(n))).toEqual([]);
  });

  it('filters every query by the namespace, pod and volume variables', () => {
    expect(dashboard.templating.list.map((v) => v.name)).toEqual([
      'datasource',
      'namespace',
      'pod',
      'volume',
    ]);
    for (const p of queries) {
      expect(p.datasource?.uid).toBe('${datasource}');
      for (const t of p.targets ?? []) {
        for (const sel of t.expr.match(/fs_interposer_\w+\{[^}]*\}/g) ?? []) {
          expect(sel).toContain('namespace=~"$namespace", pod=~"$pod", volume=~"$volume"');
        }
      }
    }
  });

  it('has unique ids and panels that do not overlap', () => {
    const ids = dashboard.panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    const cells = new Set<string>();
    for (const p of dashboard.panels) {
      for (let x = p.gridPos.x; x < p.gridPos.x + p.gridPos.w; x++) {
        for (let y = p.gridPos.y; y < p.gridPos.y + p.gridPos.h; y++) {
          const key = `${x},${y}`;
          expect(cells.has(key) ? `${p.title} overlaps at ${key}` : '').toBe('');
          cells.add(key);
        }
      }
      expect(p.gridPos.x + p.gridPos.w).toBeLessThanOrEqual(24);
    }
  });
});
