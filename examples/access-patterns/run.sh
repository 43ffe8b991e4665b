#!/usr/bin/env bash
# Cluster admin: what does this workload do to its volume? Record a real workload (git clone, a
# scan of the checkout, a SQLite load) with --record and the metrics layer, scrape the metrics with
# Debian's Prometheus, query it, render the HTML report, and name what the pattern reveals.
# FSI_SMOKE=1: a tiny variant for the integration test; FSI_OUT=DIR: write results there.
source "$(dirname "$0")/../lib/fsi.sh"
HERE="$FSI_REPO/examples/access-patterns"
fsi_build; fsi_workdir access-patterns; fsi_outdir access-patterns
if [[ "${FSI_SMOKE:-0}" == 1 ]]; then TXNS=10; else TXNS=100; fi
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
MPORT=$(free_port); PPORT=$(free_port)
cat >"$FSI_WORK/prometheus.yml" <<YAML
global: {scrape_interval: 1s, evaluation_interval: 1s}
scrape_configs:
  - job_name: fs-interposer
    static_configs: [{targets: ['127.0.0.1:$MPORT']}]
YAML
prometheus --config.file="$FSI_WORK/prometheus.yml" --storage.tsdb.path="$FSI_WORK/tsdb" \
  --web.listen-address="127.0.0.1:$PPORT" >"$FSI_WORK/prometheus.log" 2>&1 &
FSI_CHILDREN+=("$!")
mkdir -p "$FSI_WORK/src"
fsi_mount "$FSI_WORK/mount.log" --layers metrics --metrics-port "$MPORT" \
  --record "$FSI_WORK/run.jsonl" "$FSI_WORK/src" "$FSI_WORK/mnt"
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PPORT/-/ready" >/dev/null && break; sleep 0.2; done
# Wait for a first scrape, so that every counter has a zero point before the workload starts.
for _ in $(seq 1 50); do
  curl -sf "http://127.0.0.1:$PPORT/api/v1/query?query=up" | grep -q '"1"' && break; sleep 0.2
done
fsi_log "workload (git clone of $FSI_REPO, scan, SQLite $TXNS transactions)"
bash "$HERE/workload.sh" "$FSI_WORK/mnt" "$FSI_REPO" "$TXNS" >"$FSI_WORK/phases.jsonl"
sleep 3   # two more scrapes after the last operation
python3 "$HERE/prom_queries.py" "http://127.0.0.1:$PPORT" "$FSI_WORK/phases.jsonl" >"$FSI_WORK/prom.json"
fsi_umount "$FSI_PID" "$FSI_WORK/mnt"   # flushes the record
node "$FSI_CLI" report "$FSI_WORK/run.jsonl" -o "$FSI_RESULTS/report.html"
python3 "$HERE/analyze.py" "$FSI_WORK/run.jsonl" "$FSI_WORK/phases.jsonl" "$FSI_WORK/prom.json" "$FSI_RESULTS"
[[ -n "${FSI_OUT:-}" ]] || python3 "$FSI_REPO/examples/lib/splice.py" \
  "$FSI_REPO/docs/experiments.md" access-patterns "$FSI_RESULTS/results.md"
fsi_log "done: $FSI_RESULTS"
