"""An application writing to PostgreSQL one acknowledged transaction at a time, through psql
(no driver package needed). Each transaction is its own psql run, so the application reconnects
by itself after the server crashed and restarted, as a pooled client would.

  pgwork.py write SOCKDIR PORT FIRST N SYNC   SYNC: on | off (synchronous_commit); JSON lines
  pgwork.py check SOCKDIR PORT ACKS...        after restart: which acknowledged rows survived
"""
import json
import subprocess
import sys
import time


def psql(sockdir, port, sql, timeout=20):
    return subprocess.run(
        ["psql", "-h", sockdir, "-p", port, "-U", "postgres", "-d", "postgres", "-Atq",
         "-v", "ON_ERROR_STOP=1", "-c", sql], capture_output=True, text=True, timeout=timeout)


def write(sockdir, port, first, n, sync):
    for i in range(first, first + n):
        sql = (f"SET synchronous_commit={sync}; "
               f"INSERT INTO t VALUES ({i}, repeat(md5('{i}'), 64)) RETURNING id")
        try:
            r = psql(sockdir, port, sql)
            ok = r.returncode == 0 and r.stdout.strip() == str(i)
            lines = [x.strip() for x in r.stderr.splitlines() if x.strip()]
            # The first line naming the failure (psql adds HINT/DETAIL lines after it).
            err = "" if ok else next((x for x in lines if "FATAL" in x or "ERROR" in x or
                                      "lost" in x), lines[0] if lines else f"exit {r.returncode}")
        except subprocess.TimeoutExpired:
            ok, err = False, "timeout"
        rec = {"id": i, "ok": ok}
        if not ok:
            rec["error"] = err
            time.sleep(0.3)  # a crashed server is restarting: do not spin
        print(json.dumps(rec), flush=True)
    print(json.dumps({"done": True}), flush=True)


def check(sockdir, port, ack_files):
    acked, failed = set(), set()
    for path in ack_files:
        for line in open(path):
            r = json.loads(line)
            if "id" in r:
                (acked if r["ok"] else failed).add(r["id"])
    out = {"acked": len(acked), "failed": len(failed)}
    r = psql(sockdir, port, "SELECT id FROM t", timeout=60)
    if r.returncode != 0:
        out.update(integrity=r.stderr.strip(), present=0, lost=len(acked), failed_but_present=0)
        return out
    # Only this batch's ids: other batches share the table.
    present = {int(x) for x in r.stdout.split()} & (acked | failed)
    # Reading every row of the heap and its index: a torn or missing page fails here.
    heap = psql(sockdir, port, "SET enable_indexscan=off; SET enable_bitmapscan=off; "
                "SELECT count(*) FROM t")
    index = psql(sockdir, port, "SET enable_seqscan=off; SELECT count(*) FROM t WHERE id > 0")
    same = heap.returncode == 0 and index.returncode == 0 and heap.stdout == index.stdout
    out["integrity"] = "ok" if same else \
        f"heap/index mismatch: {heap.stdout.strip()} vs {index.stdout.strip()} {index.stderr.strip()}"
    lost = sorted(acked - present)
    out.update(present=len(present), lost=len(lost), lost_ids=lost[:20],
               failed_but_present=len(failed & present))
    return out


if __name__ == "__main__":
    a = sys.argv
    if a[1] == "write":
        write(a[2], a[3], int(a[4]), int(a[5]), a[6])
    elif a[1] == "check":
        print(json.dumps(check(a[2], a[3], a[4:])))
    else:
        raise SystemExit(__doc__)
