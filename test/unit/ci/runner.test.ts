import { describe, expect, it, jest } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

jest.setTimeout(180_000);

const REPO = fileURLToPath(new URL('../../..', import.meta.url));

/** scripts/test.sh on the fixture only, without the static checks, results in a scratch dir. */
function runner(fixture: 'pass' | 'fail' | 'suite-error', stages: string) {
  const results = mkdtempSync(join(tmpdir(), 'fsi-runner-'));
  try {
    const r = spawnSync('bash', ['scripts/test.sh'], {
      cwd: REPO,
      encoding: 'utf8',
      timeout: 170_000,
      env: {
        ...process.env,
        CHECKS: '0',
        STAGES: stages,
        JEST_ARGS: 'test/unit/ci/runner-fixture.test.ts',
        TEST_RESULTS: results,
        FSI_RUNNER_FIXTURE: fixture,
      },
    });
    return { code: r.status, lines: r.stdout.trim().split('\n') };
  } finally {
    rmSync(results, { recursive: true, force: true });
  }
}

describe('scripts/test.sh', () => {
  it('reports every failing stage, runs the ones after it, and ends with the summary line', () => {
    const r = runner('fail', 'unit unit');
    expect(r.lines.filter((l) => /^\[stage\] unit(-2)? rc=1 /.test(l))).toHaveLength(2);
    expect(r.lines.at(-1)).toBe('0 passed, 2 failed, 0 skipped');
    expect(r.code).toBe(1);
  });

  it('passes when every stage passes', () => {
    const r = runner('pass', 'unit');
    expect(r.lines.at(-1)).toBe('1 passed, 0 failed, 0 skipped');
    expect(r.code).toBe(0);
  });

  it('counts a suite that failed outside its tests (every test passed) as a failure, and names it', () => {
    const r = runner('suite-error', 'unit');
    expect(r.lines).toContain('  FAIL test/unit/ci/runner-fixture.test.ts (suite failed outside its tests)');
    expect(r.lines.at(-1)).toBe('1 passed, 1 failed, 0 skipped');
    expect(r.code).toBe(1);
  });

  it('counts an unknown stage as a failure instead of skipping it', () => {
    const r = runner('pass', 'unit bogus');
    expect(r.lines).toContain('[stage] bogus: unknown stage (unit, integration, e2e)');
    expect(r.lines.at(-1)).toBe('1 passed, 1 failed, 0 skipped');
  });
});
