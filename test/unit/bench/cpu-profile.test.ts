import { describe, expect, it } from '@jest/globals';
import { renderProfile, summarizeProfiles } from '../../../bench/lib/cpu-profile.js';
import type { CpuProfile } from '../../../bench/lib/cpu-profile.js';

const frame = (functionName: string, url = '', lineNumber = 0) => ({ functionName, url, lineNumber });

/** 1 s of samples: 10 hits idle, 6 in serve, 3 in GC, 1 in an anonymous function. */
const profile: CpuProfile = {
  startTime: 0,
  endTime: 2_000_000,
  nodes: [
    { id: 1, callFrame: frame('(root)') },
    { id: 2, callFrame: frame('(idle)'), hitCount: 10 },
    { id: 3, callFrame: frame('serve', 'file:///work/main/dist/src/fuse/server.js', 41), hitCount: 6 },
    { id: 4, callFrame: frame('(garbage collector)'), hitCount: 3 },
    { id: 5, callFrame: frame('', 'file:///x/node_modules/pino/lib/a.js', 9), hitCount: 1 },
  ],
};

describe('cpu profile summary', () => {
  it('splits idle from busy time and ranks functions by self time', () => {
    const s = summarizeProfiles([profile]);
    expect(s.idleSeconds).toBeCloseTo(1);
    expect(s.busySeconds).toBeCloseTo(1);
    expect(s.gcShare).toBeCloseTo(0.3);
    expect(s.top.map((t) => t.name)).toEqual([
      'serve dist/src/fuse/server.js:42',
      '(garbage collector)',
      '(anonymous) node_modules/pino/lib/a.js:10',
    ]);
    expect(s.top[0]!.share).toBeCloseTo(0.6);
  });

  it('renders a table with the GC share', () => {
    const md = renderProfile(summarizeProfiles([profile]), 'seq read');
    expect(md).toContain('garbage collection 30.0% of busy time');
    expect(md).toContain('| 600 ms | 60.0% | `serve dist/src/fuse/server.js:42` |');
  });
});
