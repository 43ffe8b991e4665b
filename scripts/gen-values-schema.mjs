#!/usr/bin/env node
// Writes charts/fs-interposer/values.schema.json: the chart's own keys
// (charts/fs-interposer/schema/values.base.json) plus the layer configuration schema that the code
// validates with (stackConfigSchema from the built dist/src/config), so `helm install` rejects a
// `defaultConfig` that the sidecar would reject, with the same rules.
//   node scripts/gen-values-schema.mjs            write it (run `npm run build` first)
//   node scripts/gen-values-schema.mjs --check    exit 1 if the committed file is out of date
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const CHART_DIR = join(ROOT, 'charts', 'fs-interposer');
export const BASE_PATH = join(CHART_DIR, 'schema', 'values.base.json');
export const OUT_PATH = join(CHART_DIR, 'values.schema.json');
// Where the config component exports stackConfigSchema, most specific last.
const CANDIDATES = ['dist/src/config/index.js', 'dist/src/config/schema/stack.js'];

/** Pure: the values schema for a base schema and the layer stack schema. */
export function buildValuesSchema(base, stackSchema) {
  const out = structuredClone(base);
  // An embedded resource keeps its $id (its internal #/$defs refs resolve against it); only the
  // root may declare the dialect.
  const embedded = structuredClone(stackSchema);
  delete embedded.$schema;
  out.$defs = { ...out.$defs, layerStack: embedded };
  out.properties.defaultConfig = {
    description:
      'Layer stack for Pods that opt in without their own layers (the `fs-interposer mount --config` format)',
    anyOf: [{ type: 'null' }, { $ref: '#/$defs/layerStack' }],
  };
  return out;
}

export function render(schema) {
  return `${JSON.stringify(schema, null, 2)}\n`;
}

async function loadStackSchema() {
  for (const rel of CANDIDATES) {
    const file = join(ROOT, rel);
    if (!existsSync(file)) continue;
    const mod = await import(pathToFileURL(file).href);
    if (mod.stackConfigSchema) return mod.stackConfigSchema;
  }
  throw new Error(`stackConfigSchema not found in ${CANDIDATES.join(' or ')}: run \`npm run build\` first`);
}

async function main() {
  const base = JSON.parse(readFileSync(BASE_PATH, 'utf8'));
  const text = render(buildValuesSchema(base, await loadStackSchema()));
  if (process.argv.includes('--check')) {
    const current = existsSync(OUT_PATH) ? readFileSync(OUT_PATH, 'utf8') : '';
    if (current !== text) {
      console.error(`${OUT_PATH} is out of date: run node scripts/gen-values-schema.mjs`);
      process.exit(1);
    }
    return;
  }
  writeFileSync(OUT_PATH, text);
  console.log(`wrote ${OUT_PATH}`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main();
