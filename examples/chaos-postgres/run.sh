#!/usr/bin/env bash
# CTO chaos, PostgreSQL: the cluster's data directory on an fs-interposer mount, as the postgres
# user. Fault run: EIO/ENOSPC on WAL and heap writes and fsyncs (file config with a seed and a
# decision log, switched on live once the server is up), then faults off and a restart. Powerloss
# run: commits with synchronous_commit on and off, SIGKILL of every server process, drop of
# un-fsynced data, restart (crash recovery). Which failures were detected, survived, lost?
# FSI_SMOKE=1: a tiny variant for the integration test; FSI_OUT=DIR: write results there.
source "$(dirname "$0")/../lib/fsi.sh"
HERE="$FSI_REPO/examples/chaos-postgres"
source "$HERE/pg.sh"
fsi_build; fsi_workdir chaos-postgres; fsi_outdir chaos-postgres
chmod 755 "$FSI_WORK"   # the postgres user must reach its data directory
if [[ "${FSI_SMOKE:-0}" == 1 ]]; then N=20; else N=200; fi
RATE="${FSI_FAULT_RATE:-2}"
W="$HERE/pgwork.py"
PGDATAS=()
pg_cleanup() { local p; for p in "${PGDATAS[@]}"; do pg_running "$p" && pg_kill9 "$p"; done; true; }
trap 'set +e; pg_cleanup; fsi_cleanup; [[ "${FSI_KEEP:-0}" == 1 ]] || rm -rf "$FSI_WORK"' EXIT
trap 'exit 143' INT TERM

# fault_phase NAME SEED-LINES: a fresh cluster, faults on live, the workload, faults off, restart.
fault_phase() {
  fsi_log "$1: rate $RATE%, $2"
  d="$FSI_WORK/$1"; pg_init "$d"; PGDATAS+=("$d/mnt/pgdata")
  # The record layer (outermost, writes and fsyncs only) shows the injected calls in call order,
  # also in a replay, which writes no decision log.
  cat >"$d/fault.yaml" <<YAML
apiVersion: fs-interposer/v1
kind: LayerStack
$2
decisionLog: {path: $d/decisions.jsonl}
layers:
  - type: record
    path: $d/record.jsonl
    ops: [write, fsync]
  - type: fault
    rate: $RATE
    errnos: [EIO, ENOSPC]
    scope: {ops: [write, fsync], paths: ['/pgdata/pg_wal/**', '/pgdata/base/**', '/pgdata/global/**']}
YAML
  fsi_mount "$d/mount.log" --layers '' "$d/src" "$d/mnt"
  pg_start "$d" "$d/mnt/pgdata"
  fsi_ctl "$d/mnt" set-config "$d/fault.yaml" >/dev/null
  python3 "$W" write "$d/sock" "$PGPORT" 1 "$N" on >"$d/acks.jsonl"
  # A checkpoint writes and fsyncs the heap files: the faults reach data files, not only the WAL.
  psql -h "$d/sock" -p "$PGPORT" -U postgres -qc CHECKPOINT >"$d/checkpoint.txt" 2>&1 || true
  fsi_ctl "$d/mnt" set-layers '' >/dev/null      # the disk is healthy again
  # A server that crashed on an injected error is still recovering: a shutdown request during
  # crash recovery leaves the postmaster waiting, so let it come up (or give up) first.
  pg_wait_ready "$d" 60 && echo "accepting connections" >"$d/state-after" || echo down >"$d/state-after"
  pg_stop "$d" "$d/mnt/pgdata"
  pg_running "$d/mnt/pgdata" && pg_kill9 "$d/mnt/pgdata"
  pg_start "$d" "$d/mnt/pgdata"
  python3 "$W" check "$d/sock" "$PGPORT" "$d/acks.jsonl" >"$d/check.json"
  pg_stop "$d" "$d/mnt/pgdata"
  fsi_umount "$FSI_PID" "$d/mnt"
}
# The smoke variant runs the powerloss part only (each fault run costs minutes of crash loops).
if [[ "${FSI_SMOKE:-0}" != 1 ]]; then
  fault_phase fault "seed: 42"
  fault_phase fault-replay "seed: 7
replay: {path: $FSI_WORK/fault/decisions.jsonl}"
fi

fsi_log "powerloss"
d="$FSI_WORK/powerloss"; pg_init "$d"; PGDATAS+=("$d/mnt/pgdata")
fsi_mount "$d/mount.log" --layers powerloss "$d/src" "$d/mnt"
pg_start "$d" "$d/mnt/pgdata"
python3 "$W" write "$d/sock" "$PGPORT" 1 "$N" on >"$d/acks-sync.jsonl"
python3 "$W" write "$d/sock" "$PGPORT" 100001 "$N" off >"$d/acks-async.jsonl"
pg_kill9 "$d/mnt/pgdata"
fsi_ctl "$d/mnt" powerloss report >"$d/unsynced.json"
fsi_ctl "$d/mnt" powerloss drop >"$d/drop.txt"
pg_start "$d" "$d/mnt/pgdata"
python3 "$W" check "$d/sock" "$PGPORT" "$d/acks-sync.jsonl" >"$d/check-sync.json"
python3 "$W" check "$d/sock" "$PGPORT" "$d/acks-async.jsonl" >"$d/check-async.json"
pg_stop "$d" "$d/mnt/pgdata"
fsi_umount "$FSI_PID" "$d/mnt"

python3 "$HERE/report.py" "$FSI_WORK" "$FSI_RESULTS" "$RATE"
[[ -n "${FSI_OUT:-}" ]] || python3 "$FSI_REPO/examples/lib/splice.py" \
  "$FSI_REPO/docs/experiments.md" chaos-postgres "$FSI_RESULTS/results.md"
fsi_log "done: $FSI_RESULTS"
