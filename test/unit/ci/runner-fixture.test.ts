import { afterAll, expect, it } from '@jest/globals';

// Passes in the normal unit stage; runner.test.ts runs it with FSI_RUNNER_FIXTURE=fail to make
// a stage of scripts/test.sh fail on purpose, and with `suite-error` to fail the suite after its
// test passed (as an error outside any test does: a hook, an unhandled stream error).
it('passes unless the runner self-test tells it to fail', () => {
  expect(process.env.FSI_RUNNER_FIXTURE).not.toBe('fail');
});

afterAll(() => {
  if (process.env.FSI_RUNNER_FIXTURE === 'suite-error') throw new Error('the suite fails outside its tests');
});
