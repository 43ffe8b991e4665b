import { describe, it, jest } from '@jest/globals';
import { withMount } from '../helpers/apps.js';
import { checkPostgres, killCluster, postgresScript } from '../helpers/apps-postgres.js';

jest.setTimeout(300_000);

describe('PostgreSQL on a passthrough mount served by root', () => {
  it('initdb as postgres, pgbench, kill -9 mid-run, WAL replay, pg_amcheck clean', async () => {
    const out = await withMount(
      'pg',
      (a) => a.run(postgresScript(a, 20_000 + (process.pid % 10_000)), 280_000),
      {
        cleanup: killCluster,
      },
    );
    checkPostgres(out);
  });
});
