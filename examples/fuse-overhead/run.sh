#!/usr/bin/env bash
# FUSE overhead: the same application workloads natively and through fs-interposer with no
# layers (passthrough backend), median of REPS runs each. The micro-benchmarks (fio, metadata
# rates, libfuse's passthrough_hp as a reference) are bench/run.sh's job; this is the
# application-level view. FSI_SMOKE=1: tiny variant; FSI_OUT=DIR: write results there.
source "$(dirname "$0")/../lib/fsi.sh"
HERE="$FSI_REPO/examples/fuse-overhead"
fsi_build; fsi_workdir fuse-overhead; fsi_outdir fuse-overhead
if [[ "${FSI_SMOKE:-0}" == 1 ]]; then REPS=1; SIZE=1; WL=(sqlite-fsync seq-write seq-read)
else REPS=3; SIZE=1; WL=(git-clone sqlite-fsync small-files seq-write seq-read); fi
mkdir -p "$FSI_WORK/native" "$FSI_WORK/src"
fsi_mount "$FSI_WORK/mount.log" --layers '' "$FSI_WORK/src" "$FSI_WORK/mnt"
RESULTS="$FSI_WORK/times.jsonl"; : >"$RESULTS"
now() { date +%s%N; }
for rep in $(seq 1 "$REPS"); do
  for wl in "${WL[@]}"; do
    for sys in native fuse; do
      dir="$FSI_WORK/native/run"; [[ $sys == fuse ]] && dir="$FSI_WORK/mnt/run"
      rm -rf "$dir"; mkdir -p "$dir"
      [[ $wl == seq-read ]] && bash "$HERE/workloads.sh" seq-write "$dir" "$SIZE"
      t0=$(now); bash "$HERE/workloads.sh" "$wl" "$dir" "$SIZE"; t1=$(now)
      printf '{"workload":"%s","system":"%s","rep":%d,"seconds":%s}\n' \
        "$wl" "$sys" "$rep" "$(awk "BEGIN { printf \"%.4f\", ($t1 - $t0) / 1e9 }")" >>"$RESULTS"
      rm -rf "$dir"
    done
  done
  fsi_log "repetition $rep of $REPS done"
done
fsi_umount "$FSI_PID" "$FSI_WORK/mnt"
python3 "$HERE/report.py" "$RESULTS" "$FSI_RESULTS"
if [[ -z "${FSI_OUT:-}" ]]; then
  for doc in experiments.md benchmarks.md; do
    python3 "$FSI_REPO/examples/lib/splice.py" "$FSI_REPO/docs/$doc" fuse-overhead "$FSI_RESULTS/results.md"
  done
fi
fsi_log "done: $FSI_RESULTS"
