import { describe, expect, it } from '@jest/globals';
import {
  MAX_CONFIG_BYTES,
  MAX_LAYERS,
  MAX_SPEC_BYTES,
  parseConfigFile,
  parseLayerSpec,
} from '../../../src/config/index.js';
import { aliasBomb } from '../../helpers/config-bombs.js';

const HEAD = 'apiVersion: fs-interposer/v1\nkind: LayerStack\n';

describe('limits on every parsed configuration document', () => {
  it('an alias bomb is a config error naming the limit, not an exception', () => {
    const r = parseConfigFile(aliasBomb(), 'bomb.yaml');
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors).toEqual([
      { message: expect.stringContaining('maxAliasCount 100'), position: 'bomb.yaml' },
    ]);
  });

  it('a few aliases within the limit still work', () => {
    const text = `${HEAD}layers:\n  - &l {type: latency, read: {fixed: 1ms}}\n  - *l\n`;
    const r = parseConfigFile(text);
    expect(r.ok && r.value.layers.length).toBe(2);
  });

  it.each([
    ['YAML', (): string => `${HEAD}layers: []\n# ${'x'.repeat(MAX_CONFIG_BYTES)}\n`],
    [
      'JSON',
      (): string =>
        `{"apiVersion":"fs-interposer/v1","kind":"LayerStack","layers":[]${' '.repeat(MAX_CONFIG_BYTES)}}`,
    ],
  ])(`a %s document over ${MAX_CONFIG_BYTES} bytes is refused before parsing`, (_, make) => {
    const text = make();
    const r = parseConfigFile(text, 'big');
    expect(r).toEqual({
      ok: false,
      errors: [
        {
          message: `the document is ${Buffer.byteLength(text)} bytes; at most ${MAX_CONFIG_BYTES} accepted`,
          position: 'big',
        },
      ],
    });
  });

  it('a compact spec over the limit is refused before parsing', () => {
    const spec = `record=/${'x'.repeat(MAX_SPEC_BYTES)}`;
    const r = parseLayerSpec(spec);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors[0]!.message).toContain(`at most ${MAX_SPEC_BYTES} accepted`);
  });

  it.each([MAX_LAYERS + 1, 5000])('%s layers are refused, naming the limit', (n) => {
    const compact = parseLayerSpec(Array(n).fill('metrics').join(','));
    const file = parseConfigFile(`${HEAD}layers:\n${'  - {type: metrics}\n'.repeat(n)}`, 'f.yaml');
    for (const r of [compact, file]) {
      expect(r.ok).toBe(false);
      if (!r.ok)
        expect(r.errors).toContainEqual(
          expect.objectContaining({ message: `has ${n} entries; at most ${MAX_LAYERS} accepted` }),
        );
    }
  });

  it(`${MAX_LAYERS} layers are accepted`, () => {
    expect(parseLayerSpec(Array(MAX_LAYERS).fill('metrics').join(',')).ok).toBe(true);
  });
});
