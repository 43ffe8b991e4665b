import { describe, it, jest } from '@jest/globals';
import { withMount } from '../helpers/apps.js';
import { APP_CASES } from '../helpers/apps-cases.js';

jest.setTimeout(200_000);

/**
 * Real applications through a real mount served by root, each case on its own fresh mount
 * served by a child process, every client command in a child process with a hard timeout.
 * PostgreSQL is in apps-postgres.test.ts; the same cases served by an unprivileged user are in
 * apps-unprivileged.test.ts.
 */
describe('real applications through a passthrough mount served by root', () => {
  it.each(APP_CASES)('$title', async (c) => {
    c.check(await withMount(c.prefix, (a) => a.run(c.script(a), c.timeoutMs)));
  });
});
