"""Ask Prometheus what it scraped from the mount during the workload; print JSON."""
import json
import math
import sys
import urllib.parse
import urllib.request

base, phases_path = sys.argv[1:3]
phases = [json.loads(x) for x in open(phases_path) if x.strip()]
start, end = phases[0]["t"] / 1000 - 2, phases[-1]["t"] / 1000 + 2


def get(path, **params):
    url = f"{base}/api/v1/{path}?{urllib.parse.urlencode(params)}"
    with urllib.request.urlopen(url, timeout=10) as r:
        body = json.load(r)
    if body["status"] != "success":
        raise SystemExit(f"{params}: {body}")
    return body["data"]["result"]


INSTANT = {
    "ops_by_op": "sum by (op) (fs_interposer_ops_total)",
    "bytes_written": "sum(fs_interposer_written_bytes_total)",
    "bytes_read": "sum(fs_interposer_read_bytes_total)",
    "errors_by_errno": "sum by (errno) (fs_interposer_errors_total)",
    "mean_latency_by_op": "sum by (op) (fs_interposer_op_duration_seconds_sum)"
                          " / sum by (op) (fs_interposer_op_duration_seconds_count)",
    "p99_by_op": "histogram_quantile(0.99, sum by (le, op) "
                 "(increase(fs_interposer_op_duration_seconds_bucket[10m])))",
    "max_open_files": "max_over_time(sum(fs_interposer_open_files)[10m:1s])",
}
RANGE = {
    "ops_rate_by_op": 'sum by (op) (rate(fs_interposer_ops_total'
                      '{op=~"lookup|getattr|write|read|fsync|create|open"}[3s]))',
}
out = {"queries": {**INSTANT, **RANGE}, "instant": {}, "range": {}}
for name, q in INSTANT.items():
    # NaN (0/0: an op with no samples in the window) is not JSON: leave those series out.
    out["instant"][name] = [{"labels": r["metric"], "value": float(r["value"][1])}
                            for r in get("query", query=q, time=end)
                            if math.isfinite(float(r["value"][1]))]
for name, q in RANGE.items():
    out["range"][name] = [{"labels": r["metric"],
                           "points": [(float(t) - start, float(v)) for t, v in r["values"]
                                      if math.isfinite(float(v))]}
                          for r in get("query_range", query=q, start=start, end=end, step=1)]
print(json.dumps(out))
