import { describe, expect, it, jest } from '@jest/globals';
import { withMount } from '../helpers/apps.js';
import { checkPostgres, killCluster, postgresScript } from '../helpers/apps-postgres.js';

jest.setTimeout(300_000);

const MODES: [string, string[], number][] = [
  ['served by the engine', [], 20_000],
  ['with kernel passthrough', ['-o', 'passthrough'], 30_000],
];

describe.each(MODES)(
  'PostgreSQL on a passthrough mount served by root, %s',
  (_mode, args, portBase) => {
    it('initdb as postgres, pgbench, kill -9 mid-run, WAL replay, pg_amcheck clean', async () => {
      const out = await withMount(
        'pg',
        async (a) => {
          expect(a.m.logs()).toContain(`"passthrough":${args.length > 0}`);
          return a.run(postgresScript(a, portBase + (process.pid % 10_000)), 280_000);
        },
        { args, cleanup: killCluster },
      );
      checkPostgres(out);
    });
  },
);
