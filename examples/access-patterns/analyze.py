"""What the recorded run says: per-phase op mix, sizes, sequentiality, fsync storms, hot files,
negative lookups; plus the Prometheus view. Writes results.json, results.md, prometheus-ops.svg."""
import collections
import json
import os
import statistics
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from machine import machine  # noqa: E402
from svgplot import line_chart  # noqa: E402

record, phases_path, prom_path, out = sys.argv[1:5]
META = {"lookup", "getattr", "readdir", "readdirplus", "opendir", "releasedir", "access",
        "statfs", "getxattr", "listxattr", "readlink"}
phases = [json.loads(x) for x in open(phases_path) if x.strip()]
prom = json.load(open(prom_path))
ops = []
for line in open(record):
    try:
        r = json.loads(line)
    except json.JSONDecodeError:
        continue
    if "op" in r:
        ops.append(r)


def phase_of(t):
    name = phases[0]["phase"]
    for p in phases:
        if t >= p["t"]:
            name = p["phase"]
    return name


def summarize(rows):
    n = len(rows) or 1
    mix = collections.Counter(r["op"] for r in rows)
    data = [r for r in rows if r["op"] in ("read", "write")]
    sizes = [r.get("len", 0) for r in data]
    last_end, seq = {}, 0
    for r in data:
        if last_end.get(r["path"], 0) == r.get("off"):  # a first read at 0 is sequential too
            seq += 1
        last_end[r["path"]] = r.get("off", 0) + r.get("bytes", 0)
    fsync = [r for r in rows if r["op"] in ("fsync", "fdatasync")]
    per_sec = collections.Counter(int(r["t"] // 1000) for r in fsync)
    return {
        "ops": len(rows), "top_ops": mix.most_common(5),
        "metadata_share": sum(v for k, v in mix.items() if k in META) / n,
        "read_bytes": sum(r.get("bytes", 0) for r in rows if r["op"] == "read"),
        "written_bytes": sum(r.get("bytes", 0) for r in rows if r["op"] == "write"),
        "data_ops": len(data),
        "small_io_share": sum(1 for s in sizes if s <= 4096) / (len(sizes) or 1),
        "median_io": statistics.median(sizes) if sizes else 0,
        "sequential_share": seq / (len(data) or 1),
        "fsyncs": len(fsync), "fsync_peak_per_s": max(per_sec.values(), default=0),
        "fsync_files": collections.Counter(r["path"] for r in fsync).most_common(3),
        "enoent_lookups": sum(1 for r in rows if r["op"] == "lookup" and r["res"] == "ENOENT"),
        "hot_files": collections.Counter(r["path"] for r in rows if r["op"] not in META)
        .most_common(3),
        "seconds": (rows[-1]["t"] - rows[0]["t"]) / 1000 if rows else 0,
    }


by_phase = collections.defaultdict(list)
for r in ops:
    by_phase[phase_of(r["t"])].append(r)
names = [p["phase"] for p in phases if p["phase"] != "end"]
summary = {name: summarize(by_phase[name]) for name in names}
summary["all"] = summarize(ops)

series = [(s["labels"].get("op", "?"), s["points"]) for s in prom["range"]["ops_rate_by_op"]]
os.makedirs(out, exist_ok=True)
with open(f"{out}/prometheus-ops.svg", "w") as f:
    f.write(line_chart("Prometheus: sum by (op) (rate(fs_interposer_ops_total[3s]))", "ops/s",
                       sorted(series)))

pct = lambda x: f"{x * 100:.0f}%"  # noqa: E731
md = [f"Workload: `git clone` of this repository, `git status` + `grep -r` over the checkout, "
      f"then a SQLite load (100-row transactions, synchronous=FULL) and 200 indexed lookups. "
      f"Mounted with `--layers metrics --metrics-port N --record run.jsonl`. {machine()}", "",
      "| phase | ops | seconds | top ops | metadata share | data ops <= 4 KiB | median I/O "
      "| sequential | fsyncs (peak/s) | ENOENT lookups | hottest files (ops) |",
      "|---|---|---|---|---|---|---|---|---|---|---|"]
for name in names + ["all"]:
    s = summary[name]
    top = ", ".join(f"{k} {v}" for k, v in s["top_ops"][:4])
    hot = ", ".join(f"`{p}` {c}" for p, c in s["hot_files"])
    md.append(f"| {name} | {s['ops']} | {s['seconds']:.1f} | {top} | {pct(s['metadata_share'])} | "
              f"{pct(s['small_io_share'])} | {s['median_io']:.0f} B | "
              f"{pct(s['sequential_share'])} | {s['fsyncs']} ({s['fsync_peak_per_s']}) | "
              f"{s['enoent_lookups']} | {hot} |")
inst = prom["instant"]
lat = sorted(((r["labels"].get("op"), r["value"]) for r in inst["mean_latency_by_op"]),
             key=lambda x: -x[1])[:5]
p99 = {r["labels"].get("op"): r["value"] for r in inst["p99_by_op"]}
md += ["", "Prometheus view (queries in `results.json`; the same series the Grafana dashboard "
       "plots):", "",
       f"- written {inst['bytes_written'][0]['value'] / 1e6:.1f} MB, read "
       f"{inst['bytes_read'][0]['value'] / 1e6:.1f} MB (bytes that reached the server)",
       "- slowest ops by mean latency: " + ", ".join(
           f"{op} {v * 1e3:.2f} ms"
           + (f" (p99 <= {p99[op] * 1e3:.1f} ms)" if op in p99 else "")
           for op, v in lat),
       "- errors by errno: " + (", ".join(f"{r['labels'].get('errno')} {r['value']:.0f}"
                                          for r in inst["errors_by_errno"]) or "none"),
       "", "![ops per second by op](experiments/access-patterns/prometheus-ops.svg)", "",
       "The full HTML analysis of the record: "
       "[access-patterns/report.html](experiments/access-patterns/report.html)."]
with open(f"{out}/results.md", "w") as f:
    f.write("\n".join(md) + "\n")
with open(f"{out}/results.json", "w") as f:
    json.dump({"phases": summary, "prometheus": prom}, f, indent=1, allow_nan=False)
print("\n".join(md))
