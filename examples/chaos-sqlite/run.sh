#!/usr/bin/env bash
# CTO chaos, SQLite: which injected failures does SQLite detect, which does it survive, and is any
# acknowledged transaction silently lost? Fault runs (EIO/ENOSPC on writes and fsync, seeded, with
# a decision log) are repeated with the same seed and replayed from the log; powerloss runs drop
# un-fsynced data under a running writer and restart the database.
# FSI_SMOKE=1: a tiny variant for the integration test; FSI_OUT=DIR: write results there.
source "$(dirname "$0")/../lib/fsi.sh"
HERE="$FSI_REPO/examples/chaos-sqlite"
fsi_build; fsi_workdir chaos-sqlite; fsi_outdir chaos-sqlite
if [[ "${FSI_SMOKE:-0}" == 1 ]]; then N=60; FAULT_MODES=(rollback-full); PL_MODES=(rollback-full)
else N=300; FAULT_MODES=(rollback-full wal-full); PL_MODES=(rollback-full wal-full wal-normal off); fi
RATE="${FSI_FAULT_RATE:-2}"

fault_config() { # fault_config FILE SEED_OR_REPLAY DECISIONS
  cat >"$1" <<YAML
apiVersion: fs-interposer/v1
kind: LayerStack
$2
decisionLog: {path: $3}
layers:
  - type: fault
    rate: $RATE
    errnos: [EIO, ENOSPC]
    scope: {ops: [write, fsync], paths: ['/db/**']}
YAML
}

# fault_run DIR MODE CONFIG-LINE: fresh database directory, write N transactions through the
# faulty mount, unmount, then "restart": reopen the database natively and compare with the acks.
fault_run() {
  local d="$1" mode="$2"
  mkdir -p "$d/src/db"
  fault_config "$d/config.yaml" "$3" "$d/decisions.jsonl"
  # --record too: a replay writes no decision log, but the record shows every injected error.
  fsi_mount "$d/mount.log" --config "$d/config.yaml" --record "$d/record.jsonl" "$d/src" "$d/mnt"
  python3 "$HERE/workload.py" write "$d/mnt/db/app.db" "$N" "$mode" >"$d/acks.jsonl"
  fsi_umount "$FSI_PID" "$d/mnt"
  python3 "$HERE/workload.py" check "$d/src/db/app.db" "$d/acks.jsonl" >"$d/check.json"
}

for mode in "${FAULT_MODES[@]}"; do
  fsi_log "fault: $mode, seed 42, twice, then a replay of the first run's log under seed 7"
  fault_run "$FSI_WORK/fault-$mode-a" "$mode" "seed: 42"
  if [[ "${FSI_SMOKE:-0}" == 1 ]]; then  # the smoke test checks the replay only
    cp -r "$FSI_WORK/fault-$mode-a" "$FSI_WORK/fault-$mode-b"
  else
    fault_run "$FSI_WORK/fault-$mode-b" "$mode" "seed: 42"
  fi
  fault_run "$FSI_WORK/fault-$mode-replay" "$mode" \
    "seed: 7
replay: {path: $FSI_WORK/fault-$mode-a/decisions.jsonl}"
done

for mode in "${PL_MODES[@]}"; do
  fsi_log "powerloss: $mode"
  d="$FSI_WORK/powerloss-$mode"; mkdir -p "$d/src/db"
  fsi_mount "$d/mount.log" --layers powerloss "$d/src" "$d/mnt"
  python3 "$HERE/workload.py" write "$d/mnt/db/app.db" "$N" "$mode" --hold >"$d/acks.jsonl" &
  writer=$!; FSI_CHILDREN+=("$writer")
  for _ in $(seq 1 600); do grep -q '"done"' "$d/acks.jsonl" && break; sleep 0.1; done
  fsi_ctl "$d/mnt" powerloss report >"$d/unsynced.json"
  # The power goes out: the application dies mid-flight, then un-fsynced data is dropped.
  kill -KILL "$writer"; wait "$writer" 2>/dev/null || true
  fsi_ctl "$d/mnt" powerloss drop >"$d/drop.txt"
  # Restart: SQLite recovers (hot journal rollback / WAL replay) when it opens the file.
  python3 "$HERE/workload.py" check "$d/mnt/db/app.db" "$d/acks.jsonl" >"$d/check.json"
  fsi_umount "$FSI_PID" "$d/mnt"
done

python3 "$HERE/report.py" "$FSI_WORK" "$FSI_RESULTS" "$RATE" "${FAULT_MODES[*]}" "${PL_MODES[*]}"
[[ -n "${FSI_OUT:-}" ]] || python3 "$FSI_REPO/examples/lib/splice.py" \
  "$FSI_REPO/docs/experiments.md" chaos-sqlite "$FSI_RESULTS/results.md"
fsi_log "done: $FSI_RESULTS"
