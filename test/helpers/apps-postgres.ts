import { expect } from '@jest/globals';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AppMount } from './apps.js';
import { sh } from './sh.js';

/**
 * PostgreSQL as its own user on the mount: initdb, pgbench, a crash in the middle of a pgbench
 * run (the postmaster and every backend killed with SIGKILL, as an OOM kill or a node loss would),
 * a restart that must replay the WAL, then the pgbench balance invariants (history is not
 * vacuumed: -n) and pg_amcheck (heap + every btree index, with heapallindexed). The script runs
 * as root (a root-served mount) or as postgres (a mount postgres serves itself).
 */

/** The newest installed PostgreSQL server binaries (Debian layout). */
const PG_BIN = `ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1`;

/** `as_user USER cmd...`: cmd with USER's uid, gid and groups; as is when already USER. */
const AS_USER = `as_user() { local u="$1"; shift
  if [ "$(id -u)" = "$(id -u "$u")" ]; then "$@"; else setpriv --reuid="$u" --regid="$(id -g "$u")" --init-groups "$@"; fi; }`;

/**
 * `afterCrash` runs between the SIGKILL and the restart, with $SOCK (a scratch directory) and
 * $D (the data directory) set: e.g. a simulated power loss.
 */
export function postgresScript(
  a: Pick<AppMount, 'mnt' | 'src'>,
  port: number,
  afterCrash = '',
): string {
  return `set -euo pipefail; ${AS_USER}
           PGBIN=$(${PG_BIN}); [ -n "$PGBIN" ] || { echo "PostgreSQL is not installed" >&2; exit 1; }
           SOCK=$(mktemp -d /tmp/fsi-pgsock-XXXXXX); chown postgres: "$SOCK"
           # On a failure, what the server and pgbench said goes to stderr before the scratch goes.
           trap 'rc=$?; if [ $rc -ne 0 ]; then for f in "$SOCK"/*.log; do [ -e "$f" ] && { echo "--- $f" >&2; tail -40 "$f" >&2; }; done; fi; rm -rf "$SOCK"' EXIT
           mkdir "${a.mnt}/pg"; chown postgres: "${a.mnt}/pg"; chmod 700 "${a.mnt}/pg"
           D="${a.mnt}/pg/data"; OPTS="-c listen_addresses= -k $SOCK -p ${port} -c shared_buffers=16MB -c max_connections=10"
           pg() { as_user postgres "$PGBIN/$@"; }
           pg initdb -D "$D" -A trust -U postgres -E UTF8 --locale=C >/dev/null
           echo "owner $(stat -c %U:%G "${a.src}/pg/data/PG_VERSION")"
           pg pg_ctl -D "$D" -l "$SOCK/server1.log" -w -t 120 -o "$OPTS" start >/dev/null
           C="-h $SOCK -p ${port} -U postgres"
           pg pgbench $C -i -s 1 -q postgres 2>"$SOCK/pgbench-init.log"
           pg pgbench $C -n -c 2 -j 2 -t 150 postgres | grep -E '^(number of (transactions actually processed|failed)|tps)'
           # The crash: SIGKILL to the postmaster and every backend while pgbench is committing.
           pg pgbench $C -n -c 2 -j 2 -T 60 postgres >/dev/null 2>"$SOCK/pgbench-crash.log" & bench=$!
           sleep 4
           pm=$(head -1 "$D/postmaster.pid"); kids=$(ps -o pid= --ppid "$pm" | tr '\\n' ' ')
           kill -9 "$pm" $kids
           for i in $(seq 1 100); do kill -0 "$pm" $kids 2>/dev/null || break; sleep 0.2; done
           wait $bench || true
           ${afterCrash}
           pg pg_ctl -D "$D" -l "$SOCK/server2.log" -w -t 120 -o "$OPTS" start >/dev/null
           grep -q 'was interrupted' "$SOCK/server2.log" && echo "crash recovery"
           grep -q 'redo done' "$SOCK/server2.log" && echo "redo done"
           pg psql $C -XAtq -d postgres -c "SELECT (SELECT sum(abalance) FROM pgbench_accounts) = (SELECT sum(delta) FROM pgbench_history),
             (SELECT sum(bbalance) FROM pgbench_branches) = (SELECT sum(delta) FROM pgbench_history),
             (SELECT sum(tbalance) FROM pgbench_tellers) = (SELECT sum(delta) FROM pgbench_history),
             (SELECT count(*) FROM pgbench_accounts), (SELECT count(*) > 300 FROM pgbench_history)"
           rc=0; pg pg_amcheck $C --install-missing --heapallindexed --all > "$SOCK/amcheck" 2>&1 || rc=$?
           echo "amcheck exit $rc"; cat "$SOCK/amcheck" >&2
           pg psql $C -XAtq -d postgres -c "SELECT count(*) FROM pg_class c JOIN pg_am a ON a.oid = c.relam WHERE a.amname = 'btree'" | sed 's/^/btrees /'
           pg pg_ctl -D "$D" -m fast -w stop >/dev/null`;
}

export function checkPostgres(out: string): void {
  const lines = out.trim().split('\n');
  expect(lines).toContain('owner postgres:postgres');
  expect(lines).toContain('number of transactions actually processed: 300/300');
  expect(lines).toContain('number of failed transactions: 0 (0.000%)');
  expect(lines).toContain('crash recovery');
  expect(lines).toContain('redo done');
  expect(lines).toContain('t|t|t|100000|t');
  expect(lines).toContain('amcheck exit 0');
  const btrees = Number(lines.find((l) => l.startsWith('btrees '))?.slice(7));
  expect(btrees).toBeGreaterThan(100);
  // Informational only (a loaded CI box): the clean pgbench run's rate.
  console.log(
    `pgbench: ${lines.find((l) => l.startsWith('tps')) ?? 'no tps line'}; ${btrees} btree indexes checked`,
  );
}

/** Kill (by PID) whatever is left of the cluster, so the unmount is not held up by it. */
export async function killCluster(a: AppMount): Promise<void> {
  const pidFile = join(a.src, 'pg/data/postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pm = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  if (!Number.isInteger(pm) || pm <= 1) return;
  await sh(`kids=$(ps -o pid= --ppid ${pm} || true); kill -9 ${pm} $kids 2>/dev/null; sleep 1`, {
    timeoutMs: 10_000,
  });
}
