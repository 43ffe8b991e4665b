#!/usr/bin/env bash
# ML researcher: how much slower is an epoch on object-storage-like storage?
# A thread-pool data loader reads a synthetic dataset natively, through a bare fs-interposer mount,
# and under latency/throttle profiles; probes check that achieved latency and bandwidth match the
# configuration. Results: docs/experiments/ml-loader/ (JSON, Markdown table, SVG plots).
# FSI_SMOKE=1: a tiny variant for the integration test; FSI_OUT=DIR: write results there.
source "$(dirname "$0")/../lib/fsi.sh"
HERE="$FSI_REPO/examples/ml-loader"
fsi_build; fsi_workdir ml-loader; fsi_outdir ml-loader

if [[ "${FSI_SMOKE:-0}" == 1 ]]; then
  FILES=200; BIG_MB=30; WORKERS=(8)
  PROFILES=("native" "latency=5ms,throttle=20MB")
else
  FILES=2000; BIG_MB=160; WORKERS=(8 32)
  PROFILES=("native" "" "latency=20ms" "throttle=50MB" "latency=20ms,throttle=50MB"
            "latency=50ms" "throttle=20MB" "latency=50ms,throttle=20MB")
fi
SRC="$FSI_WORK/src"; MNT="$FSI_WORK/mnt"; RUNS="$FSI_WORK/runs.jsonl"; : >"$RUNS"
fsi_log "dataset: $FILES files"
python3 "$HERE/loader.py" gen "$SRC" "$FILES" 1 >"$FSI_WORK/dataset.json"
head -c $((BIG_MB * 1000000)) /dev/urandom >"$SRC/probe/big.bin"
# Warm the host page cache once, so every run reads the same (memory-speed) backing store and
# only the interposed profile differs.
cat "$SRC"/samples/* "$SRC"/probe/* >/dev/null

for profile in "${PROFILES[@]}"; do
  label="${profile:-no layers}"
  if [[ "$profile" == native ]]; then
    root="$SRC"
  else
    fsi_mount "$FSI_WORK/mount.log" --layers "$profile" "$SRC" "$MNT"; root="$MNT"
  fi
  fsi_log "profile: $label"
  bw='null'
  # Bandwidth first, while the token bucket is still full (its burst is one second's worth).
  if [[ "$profile" == *throttle* ]]; then bw=$(python3 "$HERE/loader.py" probe-bw "$root/probe/big.bin" 32); fi
  lat=$(python3 "$HERE/loader.py" probe-lat "$root")
  epochs=()
  # Each epoch starts with a full token bucket (idle for its one-second refill), so runs compare.
  for w in "${WORKERS[@]}"; do sleep 1.1; epochs+=("$(python3 "$HERE/loader.py" epoch "$root" "$w" 7)"); done
  [[ "$profile" == native ]] || fsi_umount "$FSI_PID" "$MNT"
  printf '{"profile":"%s","bw":%s,"lat":%s,"epochs":[%s]}\n' "$label" "$bw" "$lat" \
    "$(IFS=,; echo "${epochs[*]}")" >>"$RUNS"
done

python3 "$HERE/report.py" "$FSI_WORK/dataset.json" "$RUNS" "$FSI_RESULTS"
[[ -n "${FSI_OUT:-}" ]] || python3 "$FSI_REPO/examples/lib/splice.py" \
  "$FSI_REPO/docs/experiments.md" ml-loader "$FSI_RESULTS/results.md"
fsi_log "done: $FSI_RESULTS"
