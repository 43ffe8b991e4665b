import { expect, it } from '@jest/globals';

// Passes in the normal unit stage; runner.test.ts runs it with FSI_RUNNER_FIXTURE=fail to make
// a stage of scripts/test.sh fail on purpose.
it('passes unless the runner self-test tells it to fail', () => {
  expect(process.env.FSI_RUNNER_FIXTURE).not.toBe('fail');
});
