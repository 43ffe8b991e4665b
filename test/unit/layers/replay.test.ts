import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import type { Logger } from 'pino';
import { createDecisionLog } from '../../../src/layers/stack/decision-log.js';
import { createDecisions, loadReplay } from '../../../src/layers/stack/decisions.js';
import { createFakeClock } from '../../../src/vfs/fake-clock.js';
import { fixture, yamlConfig } from './build.js';
import { createFile, mkCall, writeAt } from './fs-helpers.js';
import type { Stack } from '../../../src/vfs/stack.js';

const LAYERS = `  - {type: fault, rate: 20, errnos: [EIO], scope: {ops: [write]}}
  - {type: fault, name: corrupter, corrupt: {rate: 30, maxBytes: 3}, scope: {ops: [write]}}
  - {type: latency, write: {min: 1ms, max: 9ms}}
  - {type: latency, name: fixed, write: {fixed: 1ms}}`;

/** Writes to several files in an order given by `order`; returns the outcome per (file, i). */
async function workload(
  stack: Stack,
  advance: () => Promise<void>,
  order: number[],
): Promise<Record<string, string>> {
  const fhs = new Map<string, number>();
  for (const f of [0, 1, 2]) fhs.set(`/f${f}`, await createFile(stack, `/f${f}`));
  const out: Record<string, string> = {};
  const counters = [0, 0, 0];
  for (const f of order) {
    const path = `/f${f}`;
    const i = counters[f]!++;
    const p = writeAt(stack, path, fhs.get(path)!, 'abcdef', i * 6).then(
      (n) => `ok:${n}`,
      (e: { code: string }) => e.code,
    );
    await advance();
    out[`${path}#${i}`] = await p;
  }
  return out;
}

describe('decision log and replay', () => {
  it('a logged run replays identically, even with a different interleaving of files', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fsi-replay-'));
    const logPath = join(dir, 'decisions.jsonl');
    const recorded = fixture(yamlConfig(LAYERS, `seed: 99\ndecisionLog: {path: ${logPath}}`));
    const order = Array.from({ length: 90 }, (_v, i) => i % 3);
    const first = await workload(recorded.stack, () => recorded.clock.advance(10), order);
    const lines = readFileSync(logPath, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.length).toBeGreaterThan(20);
    expect(Object.keys(lines[0]!).sort()).toEqual([
      'decision',
      'layer',
      'n',
      'op',
      'path',
      't',
      'value',
    ]);
    expect(new Set(lines.map((l) => l.decision))).toEqual(new Set(['errno', 'corrupt', 'delay']));
    // A fixed delay is not random: it is applied but not logged.
    expect(lines.filter((l) => l.layer === 'fixed')).toEqual([]);

    // A different seed would change everything; replay must ignore it and follow the log.
    const replayed = fixture(yamlConfig(LAYERS, `seed: 1\nreplay: {path: ${logPath}}`));
    expect(replayed.stack.replaying).toBe(true);
    const shuffled = [...order].sort((a, b) => b - a);
    const second = await workload(replayed.stack, () => replayed.clock.advance(10), shuffled);
    expect(second).toEqual(first);
    expect(Object.values(first)).toContain('EIO');
  });

  it('keeps a bounded in-memory ring and stops the file at maxBytes with one error', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fsi-log-'));
    const errors: unknown[] = [];
    const logger = { error: (o: unknown) => errors.push(o) } as unknown as Logger;
    const log = createDecisionLog({
      path: join(dir, 'l.jsonl'),
      maxBytes: 500,
      maxEntries: 3,
      logger,
    });
    for (let n = 1; n <= 10; n++)
      log.append({
        t: n,
        layer: 'fault',
        op: 'write',
        path: '/f',
        n,
        decision: 'errno',
        value: 'EIO',
      });
    expect(log.entries().map((e) => e.n)).toEqual([8, 9, 10]);
    expect(log.written + log.dropped).toBe(10);
    expect(log.dropped).toBeGreaterThan(0);
    expect(readFileSync(join(dir, 'l.jsonl'), 'utf8').length).toBeLessThanOrEqual(500);
    expect(errors).toHaveLength(1);
  });

  it('rejects a corrupt log with the line number', () => {
    expect(() =>
      loadReplay('{"layer":"a","n":1,"decision":"x","op":"read","path":"/"}\nnot json\n'),
    ).toThrow('line 2');
  });
});

describe('decision counters', () => {
  it('are bounded: past maxKeys, new files are drawn but not logged', () => {
    const log = createDecisionLog();
    const d = createDecisions({ clock: createFakeClock(), log, maxKeys: 2 }).forLayer('fault');
    for (const path of ['/a', '/b', '/c', '/a'])
      d.decide(mkCall('getattr', { path }), 'errno', () => 'EIO');
    expect(log.entries().map((e) => `${e.path}#${e.n}`)).toEqual(['/a#1', '/b#1', '/a#2']);
  });
});
