"""Turn the ml-loader runs into results.json, results.md and two SVG plots."""
import json
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from svgplot import bar_chart  # noqa: E402
from machine import machine  # noqa: E402

dataset_path, runs_path, out = sys.argv[1:4]
dataset = json.load(open(dataset_path))
runs = [json.loads(line) for line in open(runs_path) if line.strip()]


def configured(profile):
    lat = re.search(r"latency=(\d+)ms", profile)
    thr = re.search(r"throttle=(\d+)MB", profile)
    return (int(lat.group(1)) if lat else None, int(thr.group(1)) if thr else None)


checks = []
for r in runs:
    lat_ms, thr_mb = configured(r["profile"])
    row = {"profile": r["profile"], "latency_ms": lat_ms, "lat_p50_ms": r["lat"]["p50_ms"],
           "throttle_mb_s": thr_mb}
    if thr_mb and r["bw"]:
        # The bucket starts full with one second's worth (the default burst), then refills at the
        # configured rate: what is read after the burst, over the whole time, is the rate.
        bw = r["bw"]
        row["achieved_mb_s"] = (bw["bytes"] / 1e6 - thr_mb) / bw["seconds"]
        row["overall_mb_s"] = bw["mb_per_s_overall"]
    checks.append(row)

workers = [e["workers"] for e in runs[0]["epochs"]]
groups = [r["profile"].replace(",", ",\n") for r in runs]
labels = [r["profile"] for r in runs]
epoch_s = [[r["epochs"][i]["seconds"] for r in runs] for i in range(len(workers))]
mbps = [[r["epochs"][i]["mb_per_s"] for r in runs] for i in range(len(workers))]
series = [f"{w} loader threads" for w in workers]
os.makedirs(out, exist_ok=True)
short = [label.replace("latency=", "L").replace("throttle=", "T") for label in labels]
with open(f"{out}/epoch-time.svg", "w") as f:
    f.write(bar_chart(f"Epoch time, {dataset['files']} files, {dataset['bytes'] / 1e6:.0f} MB "
                      "(L = latency per read, T = throttle)", "seconds", short, series, epoch_s))
with open(f"{out}/throughput.svg", "w") as f:
    f.write(bar_chart("Loader throughput by storage profile", "MB/s", short, series, mbps))

md = [f"Dataset: {dataset['files']} files, {dataset['bytes'] / 1e6:.1f} MB "
      f"(lognormal sizes around 48 KiB). {machine()}", "",
      "| profile | " + " | ".join(f"epoch s ({w} thr) | MB/s ({w} thr) | files/s ({w} thr)"
                                    for w in workers) + " |",
      "|---|" + "---|---|---|" * len(workers)]
for r in runs:
    cells = [f"{e['seconds']:.2f} | {e['mb_per_s']:.1f} | {e['files_per_s']:.0f}" for e in r["epochs"]]
    md.append(f"| `{r['profile']}` | " + " | ".join(cells) + " |")
md += ["", "Achieved vs configured (probes: 100 files of 4 KiB read one at a time; one file "
       "read with 32 parallel 1 MiB preads, rate after the one-second burst):", "",
       "| profile | configured latency | measured p50 per 4 KiB file | configured throttle "
       "| achieved after burst | deviation |", "|---|---|---|---|---|---|"]
for c in checks:
    lat = f"{c['latency_ms']} ms" if c["latency_ms"] else "-"
    thr = f"{c['throttle_mb_s']} MB/s" if c["throttle_mb_s"] else "-"
    ach = f"{c['achieved_mb_s']:.1f} MB/s" if "achieved_mb_s" in c else "-"
    dev = (f"{(c['achieved_mb_s'] / c['throttle_mb_s'] - 1) * 100:+.1f}%"
           if "achieved_mb_s" in c else "-")
    md.append(f"| `{c['profile']}` | {lat} | {c['lat_p50_ms']:.2f} ms | {thr} | {ach} | {dev} |")
md += ["", "![epoch time](experiments/ml-loader/epoch-time.svg)",
       "![throughput](experiments/ml-loader/throughput.svg)"]
with open(f"{out}/results.md", "w") as f:
    f.write("\n".join(md) + "\n")
with open(f"{out}/results.json", "w") as f:
    json.dump({"dataset": dataset, "runs": runs, "checks": checks}, f, indent=1)
print("\n".join(md))
