#!/usr/bin/env node
// Copies the non-TypeScript files of src/ (the CSI .proto files) next to the compiled modules in
// dist/src, as the Dockerfile's build stage does: the npm package ships dist/src only.
//   node scripts/copy-assets.mjs      (after `npm run build`; `npm pack` runs both as prepack)
import { cpSync, readdirSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const copied = [];
for (const entry of readdirSync(join(ROOT, 'src'), { recursive: true, withFileTypes: true })) {
  if (!entry.isFile() || entry.name.endsWith('.ts')) continue;
  const from = join(entry.parentPath, entry.name);
  const rel = relative(ROOT, from);
  cpSync(from, join(ROOT, 'dist', rel));
  copied.push(rel);
}
console.log(`copied ${copied.length} asset(s) into dist/: ${copied.join(', ')}`);
