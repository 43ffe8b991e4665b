#!/usr/bin/env bash
# A/B of GETATTR with a handle in the reader threads (docs/performance.md step 27): two builds of
# the CLI, interleaved with the order rotated, one fresh mount per build, repetition and workload.
#   bench/getattr-fh.sh NEW_CLI OLD_CLI [REPS] [OPS]   (WORKLOADS="fstat-ex ..." to run some)
# Prints one line per repetition, workload and build: rep workload build seconds cpu_us_per_iter
# (the server process's utime + stime, all threads, from /proc/PID/stat, over the loop only).
# Workloads, OPS iterations each (default 20,000) on one open file, default cache policy:
#   seek          pwrite 4 KiB at a growing offset, then lseek(SEEK_END): a WRITE and a GETATTR
#                 with the handle per iteration (the write makes the attributes stale)
#   seek-metrics  the same with --layers metrics
#   fstat         pwrite 4 KiB, then fstat: fstat(2) carries no handle (main thread)
#   fstat-ex      the same under -o exclusive: the readers answer a GETATTR without a handle
#                 of a node with an open file (docs/performance.md step 30)
#   fstat-ex-metrics  the same with --layers metrics
#   seek-only     -o attr_timeout=0, lseek(SEEK_END) alone: one GETATTR with the handle per
#                 iteration and nothing else (each pwrite above also costs a GETXATTR of
#                 security.capability on the main thread)
set -euo pipefail
NEW=$1 OLD=$2 REPS=${3:-5} OPS=${4:-20000}
WORK=$(mktemp -d /tmp/fsi-getattr-bench-XXXXXX)
trap 'rm -rf "$WORK"' EXIT
cat > "$WORK/loop.c" <<'C'
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
/* loop FILE OPS MODE: MODE 0 = pwrite + lseek(SEEK_END), 1 = pwrite + fstat, 2 = lseek(SEEK_END)
 * alone (the first 4 KiB written once). Waits for a line on
 * stdin after opening (the caller samples the server's CPU), prints nothing. */
int main(int argc, char **argv) {
  char buf[4096], line[8];
  memset(buf, 'z', sizeof buf);
  int fd = open(argv[1], O_RDWR | O_CREAT, 0644);
  long ops = atol(argv[2]);
  int mode = atoi(argv[3]);
  if (fd < 0) { perror("open"); return 1; }
  if (!fgets(line, sizeof line, stdin)) return 1;
  struct stat st;
  if (mode == 2) {
    if (pwrite(fd, buf, sizeof buf, 0) != sizeof buf) { perror("pwrite"); return 1; }
    for (long i = 0; i < ops; i++)
      if (lseek(fd, 0, SEEK_END) < 0) { perror("lseek"); return 1; }
    close(fd);
    return 0;
  }
  for (long i = 0; i < ops; i++) {
    /* 256 MiB at most: wrap, the file stays that size and every write still stales the attrs. */
    off_t off = (off_t)(i % 65536) * 4096;
    if (pwrite(fd, buf, sizeof buf, off) != sizeof buf) { perror("pwrite"); return 1; }
    if (mode == 0 ? lseek(fd, 0, SEEK_END) < 0 : fstat(fd, &st) < 0) { perror("getattr"); return 1; }
  }
  close(fd);
  return 0;
}
C
gcc -O2 -o "$WORK/loop" "$WORK/loop.c"

cpu() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

run_one() { # rep workload build cli
  local rep=$1 wl=$2 build=$3 cli=$4 src mnt pid t c0 c1 mode=0 layers=()
  [[ $wl == fstat* ]] && mode=1
  [[ $wl == fstat-ex ]] && layers=(-o exclusive)
  [[ $wl == fstat-ex-metrics ]] && layers=(-o exclusive --layers metrics)
  [[ $wl == seek-only ]] && mode=2 layers=(-o attr_timeout=0)
  [[ $wl == seek-metrics ]] && layers=(--layers metrics)
  src=$(mktemp -d "$WORK/src-XXXX") mnt=$(mktemp -d "$WORK/mnt-XXXX")
  node "$cli" mount "${layers[@]}" "$src" "$mnt" > "$WORK/log" 2>&1 & pid=$!
  for _ in $(seq 300); do grep -q 'serving ' "$WORK/log" 2>/dev/null && break; sleep 0.1; done
  # A loop on the bare directory would measure no FUSE at all.
  mountpoint -q "$mnt" || { echo "$rep $wl $build: no mount after 30 s" >&2; cat "$WORK/log" >&2; exit 1; }
  exec 5> >("$WORK/loop" "$mnt/f" "$OPS" "$mode")
  local lp=$!
  sleep 0.3
  c0=$(cpu "$pid")
  t=$(date +%s.%N)
  echo go >&5; exec 5>&-
  while kill -0 "$lp" 2>/dev/null; do sleep 0.01; done
  t=$(echo "$(date +%s.%N) - $t" | bc)
  c1=$(cpu "$pid")
  printf '%s %s %s %.4f %.1f\n' "$rep" "$wl" "$build" "$t" "$(echo "($c1 - $c0) * 10000 / $OPS" | bc -l)"
  kill "$pid"; wait "$pid" 2>/dev/null || true
  rm -rf "$src"; rmdir "$mnt" 2>/dev/null || true
}

systems=(new old); clis=("$NEW" "$OLD")
for rep in $(seq 1 "$REPS"); do
  for wl in ${WORKLOADS:-seek seek-metrics fstat seek-only fstat-ex fstat-ex-metrics}; do
    for k in 0 1; do # the order rotated each repetition
      i=$(( (k + rep) % 2 ))
      run_one "$rep" "$wl" "${systems[$i]}" "${clis[$i]}"
    done
  done
done
