import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { stackConfigSchema } from '../../../src/config/index.js';
import { CHART_DIR, ROOT } from './helm.js';

interface Generator {
  buildValuesSchema(base: object, stack: object): Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  render(schema: object): string;
  BASE_PATH: string;
  OUT_PATH: string;
}

// A path in a variable: the generator is plain ESM run by node on dist, not part of the TS build.
const generatorPath = join(ROOT, 'scripts', 'gen-values-schema.mjs');
const gen = (await import(generatorPath)) as Generator;
const base = JSON.parse(readFileSync(gen.BASE_PATH, 'utf8')) as object;

describe('values.schema.json', () => {
  it('is up to date with src/config (run: npm run build && node scripts/gen-values-schema.mjs)', () => {
    const committed = readFileSync(join(CHART_DIR, 'values.schema.json'), 'utf8');
    expect(committed).toBe(gen.render(gen.buildValuesSchema(base, stackConfigSchema)));
  });

  it('embeds the layer stack schema itself, so a change there changes the chart', () => {
    const schema = gen.buildValuesSchema(base, stackConfigSchema);
    const embedded: Record<string, unknown> = { ...stackConfigSchema };
    delete embedded.$schema;
    expect(schema.$defs.layerStack).toEqual(embedded);
    expect(schema.properties.defaultConfig.anyOf).toEqual([{ type: 'null' }, { $ref: '#/$defs/layerStack' }]);
    const changed = gen.buildValuesSchema(base, { ...stackConfigSchema, title: 'changed' });
    expect(gen.render(changed)).not.toBe(gen.render(schema));
  });

  it('describes every key of values.yaml', () => {
    const text = readFileSync(join(CHART_DIR, 'values.yaml'), 'utf8');
    const topKeys = [...text.matchAll(/^([a-zA-Z]+):/gm)].map((m) => m[1]);
    const schema = gen.buildValuesSchema(base, stackConfigSchema);
    expect(topKeys.filter((k) => !(k && k in schema.properties))).toEqual([]);
  });
});
