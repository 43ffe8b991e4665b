import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startOtlpReceiver } from '../helpers/otlp/receiver.js';
import type { OtlpReceiver } from '../helpers/otlp/receiver.js';
import { tempDir } from '../helpers/mount.js';
import { py } from './layers-rig.js';
import { traceRun } from './trace-sample-rig.js';
import type { TracedRun } from './trace-sample-rig.js';

/**
 * `trace` sampling metadata ops at 0.5, with metrics, and entry and attribute timeouts of 0 (so
 * every stat(2) asks LOOKUP and GETATTR again): the reader threads draw trace's sample for the
 * requests they may answer (ADR 0087 step 5 for trace). What they do not draw they answer; what
 * they draw they answer too and list for trace (span-ring.ts), or hand to the main thread marked
 * when they cannot list it, and trace records it without drawing again: about half of the
 * lookups become spans (a second draw would make it a quarter), and metrics counts every lookup
 * either way.
 */
jest.setTimeout(120_000);

const FILES = 40;
const ROUNDS = 5;
const src = tempDir('trace-meta-src');
const work = tempDir('trace-meta');
let receiver: OtlpReceiver;
let run: TracedRun;

beforeAll(async () => {
  receiver = await startOtlpReceiver();
  mkdirSync(join(src, 'd'));
  for (let i = 0; i < FILES; i++) writeFileSync(join(src, `d/f${i}`), 'x');
  const loop = (m: string, rounds: number) =>
    py<number>(`import os
n = 0
for r in range(${rounds}):
    for i in range(${FILES}):
        n += os.stat('${m}/d/f%d' % i).st_size
print(n)`);
  run = await traceRun({
    src,
    work,
    receiver,
    layers: '  - {type: trace, sampleRatio: 0.5}\n  - {type: metrics}\n',
    args: ['-o', 'entry_timeout=0,attr_timeout=0'],
    op: 'lookup',
    // The first round makes the nodes; its spans are not the ones counted.
    warm: async (m) => expect(await loop(m, 1)).toBe(FILES),
    act: async (m) => expect(await loop(m, ROUNDS)).toBe(FILES * ROUNDS),
  });
});

afterAll(async () => {
  await receiver?.close();
  rmSync(src, { recursive: true, force: true });
  rmSync(work, { recursive: true, force: true });
});

describe('trace sampling metadata at 0.5, drawn by the reader threads', () => {
  it('answers the requests it does not draw in the reader threads', () => {
    // Per stat: LOOKUPs of d and the file, a GETATTR; about half of them not drawn.
    expect(run.ops).toBeGreaterThanOrEqual(FILES * ROUNDS);
    expect(run.served).toBeGreaterThan(run.ops * 0.3);
    // The drawn ones too (trace-reader-spans.test.ts checks their spans).
    expect(run.drawnServed).toBeGreaterThan(run.ops * 0.2);
  });

  it('records about half of the lookups as spans, each drawn once', () => {
    const traced = run.spans.filter((s) => s.name === 'lookup').length;
    const share = traced / run.ops;
    // Binomial with p = 0.5 over >= 200 lookups: well inside; a second draw would give ~0.25.
    expect(share).toBeGreaterThan(0.38);
    expect(share).toBeLessThan(0.62);
  });
});
