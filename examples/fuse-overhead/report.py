"""Median time per workload natively and through the mount; results.json, results.md."""
import collections
import json
import os
import statistics
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from machine import machine  # noqa: E402

times_path, out = sys.argv[1:3]
runs = [json.loads(x) for x in open(times_path) if x.strip()]
by = collections.defaultdict(list)
for r in runs:
    by[(r["workload"], r["system"])].append(r["seconds"])
order = list(dict.fromkeys(r["workload"] for r in runs))
WHAT = {"git-clone": "git clone of this repository (file://, no hardlinks)",
        "sqlite-fsync": "SQLite, 100 single-row commits, synchronous=FULL",
        "small-files": "2,000 files of 4 KiB written, then walked and read",
        "seq-write": "dd 200 MiB, bs=1M, conv=fsync",
        "seq-read": "dd read of that 200 MiB file (backing file in the host page cache)"}
rows = []
for wl in order:
    n, f = statistics.median(by[(wl, "native")]), statistics.median(by[(wl, "fuse")])
    rows.append({"workload": wl, "native_s": n, "fuse_s": f, "ratio": f / n if n else None,
                 "reps": len(by[(wl, "fuse")])})
md = [f"Median of {rows[0]['reps']} runs each, alternating native and mounted; "
      f"`fs-interposer mount --layers ''` over the passthrough backend, default options. "
      f"{machine()}", "",
      "| workload | native s | fs-interposer (no layers) s | slowdown |", "|---|---|---|---|"]
for r in rows:
    md.append(f"| {WHAT.get(r['workload'], r['workload'])} | {r['native_s']:.3f} | "
              f"{r['fuse_s']:.3f} | {r['ratio']:.1f}x |")
os.makedirs(out, exist_ok=True)
with open(f"{out}/results.md", "w") as fh:
    fh.write("\n".join(md) + "\n")
with open(f"{out}/results.json", "w") as fh:
    json.dump({"rows": rows, "runs": runs}, fh, indent=1)
print("\n".join(md))
