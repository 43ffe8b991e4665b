import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startOtlpReceiver } from '../helpers/otlp/receiver.js';
import type { OtlpReceiver } from '../helpers/otlp/receiver.js';
import { tempDir } from '../helpers/mount.js';
import { py } from './layers-rig.js';
import { traceRun } from './trace-sample-rig.js';
import type { TracedRun } from './trace-sample-rig.js';

/**
 * `trace` of setattr sampled at 0.5, with metrics, under `-o exclusive`: fchmod of an open file
 * sends SETATTR without a handle, which the reader threads answer through the file's fd
 * (src/fuse/session/direct-setattr.ts) once they have drawn trace's sample; the drawn ones they
 * answer too and list for trace (span-ring.ts), which records them without drawing again. About
 * half of them become spans (a second draw would give a quarter, no draw at all none), metrics
 * counts every one, the readers answer them (before the readers drew, every one went to the main
 * thread, which drew 0.5 too: `served` is what tells), and the file's mode is the last one set.
 */
jest.setTimeout(120_000);

const CHMODS = 300;
const src = tempDir('trace-setattr-src');
const work = tempDir('trace-setattr');
let receiver: OtlpReceiver;
let run: TracedRun;

beforeAll(async () => {
  receiver = await startOtlpReceiver();
  writeFileSync(join(src, 'f'), 'x');
  run = await traceRun({
    src,
    work,
    receiver,
    layers: '  - {type: trace, sampleRatio: 0.5, ops: [setattr]}\n  - {type: metrics}\n',
    args: ['-o', 'exclusive'],
    op: 'setattr',
    // trace samples files at open too (at 0.5): of 16 handles at least one is untraced with
    // probability 1 - 2^-16, and the readers act through such a handle's fd.
    act: (m) =>
      py<number>(`import os
fds = [os.open('${m}/f', os.O_RDWR) for _ in range(16)]
for i in range(${CHMODS}): os.fchmod(fds[0], 0o600 if i % 2 else 0o640)
for fd in fds: os.close(fd)
print(0)`),
  });
});

afterAll(async () => {
  await receiver?.close();
  rmSync(src, { recursive: true, force: true });
  rmSync(work, { recursive: true, force: true });
});

describe('trace sampling setattr at 0.5, drawn by the reader threads', () => {
  it('counts every SETATTR, answers the undrawn in the readers, leaves the last mode set', () => {
    expect(run.ops).toBe(CHMODS);
    expect(run.served).toBeGreaterThan(CHMODS * 0.3);
    expect(run.drawnServed).toBeGreaterThan(CHMODS * 0.2);
    expect(statSync(join(src, 'f')).mode & 0o7777).toBe(0o600);
  });

  it('records about half of them as spans, each drawn once', () => {
    const share = run.spans.filter((s) => s.name === 'setattr').length / run.ops;
    expect(share).toBeGreaterThan(0.38);
    expect(share).toBeLessThan(0.62);
  });
});
