import { describe, expect, it } from '@jest/globals';
import { layerSpecFor } from '../../../src/contract/pod.js';
import { parseAnnotationsFile } from '../../../src/sidecar/annotations.js';

describe('downward API annotations file', () => {
  it.each([
    ['a="b"', 'a', 'b'],
    ['fs-interposer/layers="trace,latency=10ms"', 'fs-interposer/layers', 'trace,latency=10ms'],
    ['k="line1\\nline2 \\"q\\""', 'k', 'line1\nline2 "q"'],
    ['k="\\x41\\U0001F600"', 'k', 'A\u{1F600}'],
    ['k=unquoted', 'k', 'unquoted'],
  ])('parses %s', (line, key, value) => {
    expect(parseAnnotationsFile(`other="x"\n${line}\n`).get(key)).toBe(value);
  });

  it('prefers the per-volume override', () => {
    const a = parseAnnotationsFile(
      'fs-interposer/layers="trace"\nfs-interposer/layers.data="fault=EIO@1%"',
    );
    expect(layerSpecFor(a, 'data')).toBe('fault=EIO@1%');
    expect(layerSpecFor(a, 'logs')).toBe('trace');
    expect(layerSpecFor(new Map(), 'logs')).toBeUndefined();
  });
});
