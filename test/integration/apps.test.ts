import { describe, expect, it, jest } from '@jest/globals';
import { withMount } from '../helpers/apps.js';
import { APP_CASES } from '../helpers/apps-cases.js';

jest.setTimeout(200_000);

/**
 * Real applications through a real mount served by root, each case on its own fresh mount
 * served by a child process, every client command in a child process with a hard timeout; once
 * with every READ/WRITE served by our engine, once with kernel passthrough (the data path of
 * files no layer needs to see). PostgreSQL is in apps-postgres.test.ts; the same cases served by
 * an unprivileged user are in apps-unprivileged.test.ts.
 */
const MODES: [string, string[], boolean][] = [
  ['served by the engine', [], false],
  ['with kernel passthrough', ['-o', 'passthrough'], true],
];

describe.each(MODES)(
  'real applications through a passthrough mount served by root, %s',
  (_mode, args, passthrough) => {
    it.each(APP_CASES)('$title', async (c) => {
      const out = await withMount(
        c.prefix,
        async (a) => {
          // The negotiated INIT is logged: the mode under test must really be in force.
          expect(a.m.logs()).toContain(`"passthrough":${passthrough}`);
          return a.run(c.script(a), c.timeoutMs);
        },
        { args },
      );
      c.check(out);
    });
  },
);
