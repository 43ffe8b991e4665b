#!/usr/bin/env bash
# A/B of LOOKUP and GETATTR of known nodes in the reader threads (ADR 0087 step 2,
# docs/performance.md step 31): two builds of the CLI, interleaved with the order rotated, one
# fresh mount per build, repetition and workload.
#   bench/known-lookups.sh NEW_CLI OLD_CLI [REPS] [FILES]
# Prints one line per repetition, workload and build: rep workload build seconds cpu_us_per_stat
# (the server process's utime + stime, all threads, from /proc/PID/stat, over the timed part).
# A tree of FILES files (default 2,000) in 20 directories; a first walk makes the nodes (not
# timed); then, timed:
#   restat          5 rounds of stat(2) of every file, -o entry_timeout=0,attr_timeout=0: every
#                   stat revalidates each name of its path (LOOKUP) and the file (GETATTR)
#   restat-metrics  the same with --layers metrics
#   walk-default    the default policy (1 s timeouts): sleep 1.2 s, then one round (what a
#                   second `find`/`make` a second later costs)
set -euo pipefail
NEW=$1 OLD=$2 REPS=${3:-5} FILES=${4:-2000}
WORK=$(mktemp -d /var/tmp/fsi-known-lookups-XXXXXX)
trap 'rm -rf "$WORK"' EXIT
cat > "$WORK/statloop.c" <<'C'
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
/* statloop ROOT FILES ROUNDS: stat ROOT/dK/fI for every file, ROUNDS times; waits for a line on
 * stdin first (the caller samples the server's CPU). */
int main(int argc, char **argv) {
  long files = atol(argv[2]), rounds = atol(argv[3]);
  char path[4096], line[8];
  struct stat st;
  if (!fgets(line, sizeof line, stdin)) return 1;
  for (long r = 0; r < rounds; r++)
    for (long i = 0; i < files; i++) {
      snprintf(path, sizeof path, "%s/d%ld/f%ld", argv[1], i % 20, i);
      if (stat(path, &st) != 0) { perror(path); return 1; }
    }
  return 0;
}
C
gcc -O2 -o "$WORK/statloop" "$WORK/statloop.c"
SRC0="$WORK/src0"
mkdir -p "$SRC0"
for d in $(seq 0 19); do mkdir -p "$SRC0/d$d"; done
for i in $(seq 0 $((FILES - 1))); do : > "$SRC0/d$((i % 20))/f$i"; done

cpu() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

run_one() { # rep workload build cli
  local rep=$1 wl=$2 build=$3 cli=$4 mnt pid t c0 rounds=5 args=() pre=0
  [[ $wl == restat* ]] && args=(-o entry_timeout=0,attr_timeout=0)
  [[ $wl == restat-metrics ]] && args+=(--layers metrics)
  [[ $wl == walk-default ]] && rounds=1 pre=1
  mnt=$(mktemp -d "$WORK/mnt-XXXX")
  node "$cli" mount "${args[@]}" "$SRC0" "$mnt" > "$WORK/log" 2>&1 & pid=$!
  for _ in $(seq 300); do grep -q 'serving ' "$WORK/log" 2>/dev/null && break; sleep 0.1; done
  mountpoint -q "$mnt" || { echo "$rep $wl $build: no mount after 30 s" >&2; cat "$WORK/log" >&2; exit 1; }
  echo go | "$WORK/statloop" "$mnt" "$FILES" 1 # the nodes exist from here
  [[ $pre == 1 ]] && sleep 1.2
  exec 5> >("$WORK/statloop" "$mnt" "$FILES" "$rounds")
  local lp=$!
  sleep 0.2
  c0=$(cpu "$pid")
  t=$(date +%s.%N)
  echo go >&5; exec 5>&-
  while kill -0 "$lp" 2>/dev/null; do sleep 0.005; done
  t=$(echo "$(date +%s.%N) - $t" | bc)
  printf '%s %s %s %.4f %.1f\n' "$rep" "$wl" "$build" "$t" "$(echo "($(cpu "$pid") - $c0) * 10000 / ($FILES * $rounds)" | bc -l)"
  kill "$pid"; wait "$pid" 2>/dev/null || true
  umount "$mnt" 2>/dev/null || true
  rmdir "$mnt" 2>/dev/null || true
}

systems=(new old); clis=("$NEW" "$OLD")
for rep in $(seq 1 "$REPS"); do
  for wl in ${WORKLOADS:-restat restat-metrics walk-default}; do
    for k in 0 1; do # the order rotated each repetition
      i=$(( (k + rep) % 2 ))
      run_one "$rep" "$wl" "${systems[$i]}" "${clis[$i]}"
    done
  done
done
