// Sums jest's --json outputs of every stage and the static checks into the plain summary line.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const [dir, checksFailedArg] = process.argv.slice(2);
let passed = 0;
let failed = Number(checksFailedArg ?? 0);
let skipped = 0;
for (const file of readdirSync(dir)) {
  if (file.endsWith('.check') && readFileSync(join(dir, file), 'utf8').trim() === 'pass') passed += 1;
  if (!file.endsWith('.json')) continue;
  try {
    const r = JSON.parse(readFileSync(join(dir, file), 'utf8'));
    passed += r.numPassedTests ?? 0;
    failed += r.numFailedTests ?? 0;
    skipped += (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
    // A suite that failed to load has no tests but must count as a failure.
    failed += (r.testResults ?? []).filter((t) => t.status === 'failed' && t.assertionResults.length === 0).length;
  } catch {
    failed += 1;
  }
}
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed === 0 ? 0 : 1);
