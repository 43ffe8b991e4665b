import { describe, expect, it } from '@jest/globals';
import { parseConfigFile } from '../../../src/config/index.js';

const stack = (delay: string): string => `apiVersion: fs-interposer/v1
kind: LayerStack
layers:
  - type: latency
    flush: ${delay}
`;

describe('latency distributions the schema cannot check', () => {
  it.each([
    [
      '{ median: 50ms, p99: 10ms }',
      /p99 \(10ms\) is below median \(50ms\).*accepted: \{median: 5ms, p99: 50ms\}/,
    ],
    [
      '{ min: 50ms, max: 10ms }',
      /max \(10ms\) is below min \(50ms\).*accepted: \{min: 5ms, max: 20ms\}/,
    ],
  ])('refuses %s, naming what is accepted', (delay, message) => {
    const r = parseConfigFile(stack(delay), 's.yaml');
    expect(r.ok).toBe(false);
    if (!r.ok)
      expect(
        r.errors.map((e) => `${e.message}; accepted: ${(e.accepted ?? []).join(', ')}`).join('\n'),
      ).toMatch(message);
  });

  it.each(['{ median: 5ms, p99: 50ms }', '{ min: 5ms, max: 5ms }', '{ median: 5ms, p99: 5ms }'])(
    'accepts %s',
    (delay) => {
      expect(parseConfigFile(stack(delay), 's.yaml').ok).toBe(true);
    },
  );
});
