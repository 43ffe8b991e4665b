#!/usr/bin/env bash
# workloads.sh NAME DIR SIZE: one application-level workload in DIR (empty), timed by the caller.
# SIZE scales it (1 = full). The same commands run natively and through the mount.
set -euo pipefail
name="$1" dir="$2" size="$3"
REPO="$(cd "$(dirname "$0")/../.." && pwd)"
case "$name" in
  git-clone) git clone -q --no-hardlinks "file://$REPO" "$dir/repo" ;;
  sqlite-fsync)
    python3 - "$dir/app.db" $((100 * size)) <<'PY'
import sqlite3, sys
con = sqlite3.connect(sys.argv[1], isolation_level=None)
con.execute("PRAGMA synchronous=FULL")
con.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT)")
for i in range(int(sys.argv[2])):
    con.execute("INSERT INTO t(v) VALUES (?)", ("x" * 500,))  # one fsync'd commit each
PY
    ;;
  small-files) # 2,000 files of 4 KiB written, then read back (untar/scan-like)
    python3 - "$dir" $((2000 * size / 1)) <<'PY'
import os, sys
d, n = sys.argv[1], int(sys.argv[2])
blob = os.urandom(4096)
for i in range(n):
    os.makedirs(f"{d}/s/{i % 50}", exist_ok=True)
    with open(f"{d}/s/{i % 50}/{i}", "wb") as f:
        f.write(blob)
for root, _, files in os.walk(f"{d}/s"):
    for name in files:
        with open(os.path.join(root, name), "rb") as f:
            f.read()
PY
    ;;
  seq-write) dd if=/dev/zero of="$dir/big" bs=1M count=$((200 * size)) conv=fsync status=none ;;
  seq-read) # the file is written untimed by the caller's prepare step
    dd if="$dir/big" of=/dev/null bs=1M status=none ;;
  *) echo "unknown workload $name" >&2; exit 2 ;;
esac
