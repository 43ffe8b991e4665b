#!/usr/bin/env bash
# A/B of open + read 4 KiB + close over FILES files, PASSES times (docs/performance.md step 30):
# two builds of the CLI, interleaved with the order rotated, one fresh bare mount per build and
# repetition (default cache policy: every open is an OPEN, a READ, a FLUSH and a RELEASE).
#   bench/open-read-close.sh NEW_CLI OLD_CLI [REPS] [FILES] [PASSES]
# Prints one line per repetition and build: rep build seconds wall_us_per_op server_cpu_us_per_op
# (the server process's utime + stime, all threads, from /proc/PID/stat, over the loop only).
set -euo pipefail
NEW=$1 OLD=$2 REPS=${3:-5} FILES=${4:-2000} PASSES=${5:-10}
WORK=$(mktemp -d /tmp/fsi-openread-bench-XXXXXX)
trap 'rm -rf "$WORK"' EXIT
cat > "$WORK/loop.c" <<'C'
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
int main(int argc, char **argv) {
  char buf[4096], line[8], name[4096];
  long files = atol(argv[2]), passes = atol(argv[3]);
  if (!fgets(line, sizeof line, stdin)) return 1;
  for (long p = 0; p < passes; p++)
    for (long i = 0; i < files; i++) {
      snprintf(name, sizeof name, "%s/f%ld", argv[1], i);
      int fd = open(name, O_RDONLY);
      if (fd < 0) { perror("open"); return 1; }
      if (read(fd, buf, sizeof buf) < 0) { perror("read"); return 1; }
      close(fd);
    }
  return 0;
}
C
gcc -O2 -o "$WORK/loop" "$WORK/loop.c"
cpu() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
run_one() { # rep build cli
  local rep=$1 build=$2 cli=$3 src mnt pid t c0 c1 ops=$((FILES * PASSES))
  src=$(mktemp -d "$WORK/src-XXXX") mnt=$(mktemp -d "$WORK/mnt-XXXX")
  for i in $(seq 0 $((FILES - 1))); do printf 'data %d\n' "$i" > "$src/f$i"; done
  node "$cli" mount "$src" "$mnt" > "$WORK/log" 2>&1 & pid=$!
  for _ in $(seq 300); do grep -q 'serving ' "$WORK/log" 2>/dev/null && break; sleep 0.1; done
  mountpoint -q "$mnt" || { echo "no mount" >&2; cat "$WORK/log" >&2; exit 1; }
  exec 5> >("$WORK/loop" "$mnt" "$FILES" "$PASSES")
  local lp=$!
  sleep 0.3
  c0=$(cpu "$pid"); t=$(date +%s.%N)
  echo go >&5; exec 5>&-
  while kill -0 "$lp" 2>/dev/null; do sleep 0.01; done
  t=$(echo "$(date +%s.%N) - $t" | bc); c1=$(cpu "$pid")
  printf '%s %s %.4f %.2f %.2f\n' "$rep" "$build" "$t" "$(echo "$t * 1000000 / $ops" | bc -l)" "$(echo "($c1 - $c0) * 10000 / $ops" | bc -l)"
  kill "$pid"; wait "$pid" 2>/dev/null || true
  rm -rf "$src"; rmdir "$mnt" 2>/dev/null || true
}
systems=(new old); clis=("$NEW" "$OLD")
echo "rep build seconds wall_us_per_op server_cpu_us_per_op"
for rep in $(seq 1 "$REPS"); do
  for k in 0 1; do i=$(( (k + rep) % 2 )); run_one "$rep" "${systems[$i]}" "${clis[$i]}"; done
done
