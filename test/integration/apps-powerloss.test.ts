import { describe, expect, it, jest } from '@jest/globals';
import { withMount } from '../helpers/apps.js';
import { checkPostgres, killCluster, postgresScript } from '../helpers/apps-postgres.js';
import { CLI } from '../helpers/mount.js';

jest.setTimeout(300_000);

/**
 * PostgreSQL through the powerloss layer (LazyFS-style): after the SIGKILL, everything it wrote
 * since its last fsync is dropped (or torn), as a power cut would. A database that fsyncs
 * correctly must still recover: crash recovery, the pgbench invariants, pg_amcheck clean. The
 * layer's report must show that writes were really rolled back, or the test proves nothing.
 */
describe.each(['drop', 'tear'])('PostgreSQL after a power loss (powerloss %s)', (command) => {
  it('recovers with consistent balances and clean indexes', async () => {
    const port = 21_000 + (command === 'tear' ? 1000 : 0) + (process.pid % 1000);
    const powerCut = (mnt: string): string =>
      `"${process.execPath}" "${CLI}" ctl "${mnt}" powerloss ${command} > "$SOCK/powerloss.json"
       echo "rolled back $(grep -cE '"undone": [1-9]' "$SOCK/powerloss.json" || true)"`;
    const out = await withMount(
      'pg-powerloss',
      (a) => a.run(postgresScript(a, port, powerCut(a.mnt)), 280_000),
      {
        args: ['--layers', 'powerloss'],
        cleanup: killCluster,
      },
    );
    checkPostgres(out);
    const rolledBack = Number(/^rolled back (\d+)$/m.exec(out)?.[1]);
    console.log(`powerloss ${command}: writes rolled back in ${rolledBack} files`);
    expect(rolledBack).toBeGreaterThan(0);
  });
});
