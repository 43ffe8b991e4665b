/**
 * Child program of the benchmark: create, stat or unlink N empty files in DIR, timed, printed as
 * JSON. A separate process (never the server's): synchronous calls on the mount are fine here.
 *   node dist/bench/meta-ops.js create|stat|unlink DIR N
 */
import { closeSync, openSync, statSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';

const [phase, dir, count] = process.argv.slice(2);
const n = Number(count);
if (!dir || !Number.isInteger(n) || n <= 0 || !['create', 'stat', 'unlink'].includes(phase ?? '')) {
  console.error('usage: meta-ops create|stat|unlink DIR N');
  process.exit(2);
}
const names = Array.from({ length: n }, (_, i) => join(dir, `f${i}`));
const start = process.hrtime.bigint();
for (const name of names) {
  if (phase === 'create') closeSync(openSync(name, 'wx'));
  else if (phase === 'stat') statSync(name);
  else unlinkSync(name);
}
const seconds = Number(process.hrtime.bigint() - start) / 1e9;
console.log(JSON.stringify({ phase, ops: n, seconds }));
