// Names every failed test of one jest --json result, with the first lines of its message, so that a
// CI log that keeps only the script's own output still says what failed and where.
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';

const [file] = process.argv.slice(2);
let result;
try {
  result = JSON.parse(readFileSync(file, 'utf8'));
} catch {
  process.exit(0); // no JSON: the stage line already says so
}
for (const suite of result.testResults ?? []) {
  const where = relative(process.cwd(), suite.name);
  const failedTests = (suite.assertionResults ?? []).filter((t) => t.status === 'failed');
  if (suite.status === 'failed' && failedTests.length === 0) {
    const what = (suite.assertionResults ?? []).length === 0 ? 'suite did not run' : 'suite failed outside its tests';
    console.log(`  FAIL ${where} (${what})`);
    console.log(`       ${firstLines(suite.message, 8)}`);
  }
  for (const t of failedTests) {
    console.log(`  FAIL ${where} > ${t.fullName}`);
    console.log(`       ${firstLines((t.failureMessages ?? []).join('\n'), 8)}`);
  }
}

function firstLines(text, n) {
  const plain = String(text ?? '').replace(/\u001b\[[0-9;]*m/g, '');
  return plain.split('\n').map((l) => l.trim()).filter(Boolean).slice(0, n).join('\n       ');
}
