#!/usr/bin/env bash
# The admin's "real workload", run on the mount MNT: a git clone of a local repository, a scan
# of the checkout (git status, grep), then a SQLite load with fsync'd transactions. Prints
# phase boundaries (epoch ms) as JSON lines, so the analysis can split the record by phase.
set -euo pipefail
MNT="$1" REPO="$2" TXNS="$3"
phase() { printf '{"phase":"%s","t":%s}\n' "$1" "$(date +%s%3N)"; }
phase clone
git clone -q --no-hardlinks "file://$REPO" "$MNT/repo"
phase scan
git -C "$MNT/repo" status --porcelain >/dev/null
grep -rIl 'import' "$MNT/repo" >/dev/null || true
phase sqlite
python3 - "$MNT/app.db" "$TXNS" <<'PY'
import random, sqlite3, sys
con = sqlite3.connect(sys.argv[1], isolation_level=None)
con.execute("PRAGMA journal_mode=DELETE"); con.execute("PRAGMA synchronous=FULL")
con.execute("CREATE TABLE events(id INTEGER PRIMARY KEY, k INTEGER, v TEXT)")
con.execute("CREATE INDEX events_k ON events(k)")
rng = random.Random(3)
for t in range(int(sys.argv[2])):
    con.execute("BEGIN")
    con.executemany("INSERT INTO events(k, v) VALUES (?, ?)",
                    [(rng.randrange(10**6), "x" * rng.randrange(20, 400)) for _ in range(100)])
    con.execute("COMMIT")
for _ in range(200):  # point lookups through the index: small random reads
    con.execute("SELECT count(*) FROM events WHERE k BETWEEN ? AND ?",
                ((k := rng.randrange(10**6)), k + 500)).fetchone()
con.close()
PY
phase end
