// Names every failed test of one jest --json result, with the first and the last lines of its
// message (stack frames left out: a script's stderr or a server's log comes at the end), so that
// a CI log that keeps only the script's own output still says what failed, where and why.
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
    console.log(`       ${excerpt(suite.message)}`);
  }
  for (const t of failedTests) {
    console.log(`  FAIL ${where} > ${t.fullName}`);
    console.log(`       ${excerpt((t.failureMessages ?? []).join('\n'))}`);
  }
}

function excerpt(text, head = 8, tail = 30) {
  const plain = String(text ?? '').replace(/\u001b\[[0-9;]*m/g, '');
  const lines = plain.split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('at '));
  const shown = lines.length <= head + tail ? lines : [...lines.slice(0, head), '...', ...lines.slice(-tail)];
  return shown.join('\n       ');
}
