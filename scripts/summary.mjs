// Sums jest's --json outputs of every stage and the static checks into the plain summary line.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const [dir, checksFailedArg] = process.argv.slice(2);
let passed = 0;
let failed = Number(checksFailedArg ?? 0);
let skipped = 0;
const files = readdirSync(dir);
// A stage that exited non-zero counts as failed even when its JSON shows no failed test (no JSON
// at all, a budget exceeded, a crash after the last test, a suite that did not load).
for (const file of files.filter((f) => f.endsWith('.rc'))) {
  const rc = Number(readFileSync(join(dir, file), 'utf8').trim());
  let failedTests = 0;
  let haveJson = true;
  try {
    const r = JSON.parse(readFileSync(join(dir, file.replace(/\.rc$/, '.json')), 'utf8'));
    failedTests = (r.numFailedTests ?? 0) + (r.numFailedTestSuites ?? 0);
  } catch {
    haveJson = false;
  }
  if ((rc !== 0 && failedTests === 0) || (rc === 0 && !haveJson)) {
    console.log(`[summary] ${file.replace(/\.rc$/, '')}: exit ${rc}, ${haveJson ? 'no failed test reported' : 'no results'}: counted as 1 failure`);
    failed += 1;
  }
}
for (const file of files) {
  if (file.endsWith('.check') && readFileSync(join(dir, file), 'utf8').trim() === 'pass') passed += 1;
  if (!file.endsWith('.json')) continue;
  try {
    const r = JSON.parse(readFileSync(join(dir, file), 'utf8'));
    passed += r.numPassedTests ?? 0;
    failed += r.numFailedTests ?? 0;
    skipped += (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
    // A suite that failed with no failed test (it did not load, a hook threw, an unhandled error
    // came between tests) must count as a failure: its passed tests do not make it pass.
    failed += (r.testResults ?? []).filter((t) => t.status === 'failed' && !(t.assertionResults ?? []).some((a) => a.status === 'failed')).length;
  } catch {
    failed += 1;
  }
}
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed === 0 ? 0 : 1);
