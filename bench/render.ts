/**
 * Re-render a docs/benchmarks.md section from a run's JSON (after a change to the report format,
 * without measuring again): node dist/bench/render.js bench/results/RUN.json 'Engine'
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderMarkdown, writeSection } from './lib/report.js';
import type { RunResults } from './lib/report.js';

const [file, section] = process.argv.slice(2);
if (file === undefined || section === undefined) {
  process.stderr.write('usage: node dist/bench/render.js RESULTS.json SECTION\n');
  process.exit(2);
}
const repo = join(dirname(fileURLToPath(import.meta.url)), '../..');
const results = JSON.parse(readFileSync(file, 'utf8')) as RunResults;
writeSection(join(repo, 'docs/benchmarks.md'), section, renderMarkdown(results));
process.stdout.write(`${section}: rendered from ${file}\n`);
