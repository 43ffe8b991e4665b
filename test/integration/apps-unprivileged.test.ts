import { describe, it, jest } from '@jest/globals';
import { withMount } from '../helpers/apps.js';
import { APP_CASES } from '../helpers/apps-cases.js';
import { checkPostgres, killCluster, postgresScript } from '../helpers/apps-postgres.js';
import { lookupUser } from '../helpers/apps-user.js';

jest.setTimeout(300_000);

/**
 * The application cases on a mount served by an unprivileged user through fusermount3, the
 * applications running as that same user: the sidecar's situation in a Pod (the app's uid, no
 * capabilities). PostgreSQL serves its own data directory as postgres.
 */
describe('real applications through a mount served by an unprivileged user (fusermount3)', () => {
  const nobody = lookupUser('nobody');

  it.each(APP_CASES)('$title (uid 65534)', async (c) => {
    c.check(await withMount(c.prefix, (a) => a.run(c.script(a), c.timeoutMs), { user: nobody }));
  });

  it('PostgreSQL as postgres, serving its own mount: initdb, pgbench, kill -9, WAL replay, pg_amcheck', async () => {
    const postgres = lookupUser('postgres');
    const port = 40_000 + (process.pid % 10_000);
    const out = await withMount('pg-user', (a) => a.run(postgresScript(a, port), 280_000), {
      user: postgres,
      cleanup: killCluster,
    });
    checkPostgres(out);
  });
});
