"""An application writing to SQLite one acknowledged transaction at a time.

  workload.py write DB N MODE [--hold]   prints one JSON line per transaction: ack or error
  workload.py check DB ACKS              reopens DB (recovery happens here), compares with ACKS

MODE: rollback-full (journal_mode=DELETE, synchronous=FULL), wal-full, wal-normal, off
(synchronous=OFF). --hold keeps the connection open after the last commit until killed: the
power goes out under a running application, not after a clean close.
"""
import json
import random
import sqlite3
import sys
import time

MODES = {"rollback-full": ("DELETE", "FULL"), "wal-full": ("WAL", "FULL"),
         "wal-normal": ("WAL", "NORMAL"), "off": ("DELETE", "OFF")}


def emit(**kv):
    print(json.dumps(kv), flush=True)


def connect(db, mode):
    journal, sync = MODES[mode]
    con = sqlite3.connect(db, isolation_level=None, timeout=1)
    con.execute(f"PRAGMA journal_mode={journal}")
    con.execute(f"PRAGMA synchronous={sync}")
    con.execute("CREATE TABLE IF NOT EXISTS t(id INTEGER PRIMARY KEY, v BLOB)")
    return con


def write(db, n, mode, hold):
    rng = random.Random(1)  # same bytes every run: the op sequence, hence the faults, repeat
    con = None
    for i in range(1, n + 1):
        try:
            if con is None:
                con = connect(db, mode)
            con.execute("BEGIN")
            con.execute("INSERT INTO t VALUES (?, ?)", (i, rng.randbytes(2000)))
            con.execute("COMMIT")
            emit(id=i, ok=True)
        except sqlite3.Error as e:
            emit(id=i, ok=False, error=f"{type(e).__name__}: {e}")
            try:  # what an application does: roll back, or reconnect if the handle is unusable
                if con is not None:
                    con.execute("ROLLBACK")
            except sqlite3.Error:
                con = None
    emit(done=True)
    while hold:
        time.sleep(1)


def check(db, acks_path):
    acked, failed = set(), set()
    for line in open(acks_path):
        r = json.loads(line)
        if "id" in r:
            (acked if r["ok"] else failed).add(r["id"])
    out = {"acked": len(acked), "failed": len(failed)}
    try:
        con = sqlite3.connect(db)
        out["integrity"] = con.execute("PRAGMA integrity_check").fetchone()[0]
    except sqlite3.Error as e:
        out.update(integrity=f"{type(e).__name__}: {e}", present=0, lost=len(acked),
                   lost_ids=sorted(acked)[:20], failed_but_present=0)
        return out
    try:
        present = {row[0] for row in con.execute("SELECT id FROM t")}
    except sqlite3.Error as e:  # e.g. the table itself was never durable
        out["note"] = f"{type(e).__name__}: {e}"
        present = set()
    lost = sorted(acked - present)
    out.update(present=len(present), lost=len(lost), lost_ids=lost[:20],
               failed_but_present=len(failed & present))
    return out

if __name__ == "__main__":
    if sys.argv[1] == "write":
        write(sys.argv[2], int(sys.argv[3]), sys.argv[4], "--hold" in sys.argv)
    elif sys.argv[1] == "check":
        print(json.dumps(check(sys.argv[2], sys.argv[3])))
    else:
        raise SystemExit(__doc__)
