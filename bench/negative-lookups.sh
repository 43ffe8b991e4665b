#!/usr/bin/env bash
# A/B of missing-name lookups under `-o exclusive` (docs/performance.md step 25): two builds of
# the CLI, interleaved with the order rotated, one fresh mount per build and repetition.
#   bench/negative-lookups.sh NEW_CLI OLD_CLI [REPS]
# With HP=/path/to/passthrough_hp (libfuse 3.14 example, `--foreground SRC MNT`, its defaults)
# a third system `hp` joins each repetition. Prints one line per repetition, workload and
# system: rep workload system seconds.
# Workloads, each on a fresh mount of an empty source (4 empty dirs in it):
#   stat  200 missing names x 50 rounds, os.stat in one python3 process (10,000 stats)
#   cpp   20 x `gcc -E` of a file with 6 libc headers, 4 -I dirs on the mount first
#   path  2,000 x `hash -r; type -P ls` in bash with 3 mount dirs first on PATH
set -euo pipefail
NEW=$1 OLD=$2 REPS=${3:-5}
WORK=$(mktemp -d /tmp/fsi-negbench-XXXXXX)
trap 'rm -rf "$WORK"' EXIT
printf '#include <stdio.h>\n#include <stdlib.h>\n#include <string.h>\n#include <math.h>\n#include <pthread.h>\n#include <sys/stat.h>\n' > "$WORK/t.c"

run_one() { # rep build cli
  local rep=$1 build=$2 cli=$3 src mnt pid t
  src=$(mktemp -d "$WORK/src-XXXX") mnt=$(mktemp -d "$WORK/mnt-XXXX")
  mkdir "$src"/d1 "$src"/d2 "$src"/d3 "$src"/d4
  if [[ $build == hp ]]; then
    "$cli" --foreground "$src" "$mnt" > "$WORK/log" 2>&1 & pid=$!
    for _ in $(seq 100); do mountpoint -q "$mnt" && break; sleep 0.1; done
  else
    node "$cli" mount -o exclusive "$src" "$mnt" > "$WORK/log" 2>&1 & pid=$!
    for _ in $(seq 100); do grep -q 'serving ' "$WORK/log" 2>/dev/null && break; sleep 0.1; done
  fi
  t=$(python3 -c "
import os, time
names = ['m%d' % i for i in range(200)]
t = time.monotonic()
for r in range(50):
    for n in names:
        try: os.stat('$mnt/' + n)
        except FileNotFoundError: pass
print('%.4f' % (time.monotonic() - t))")
  echo "$rep stat $build $t"
  t=$(python3 -c "
import subprocess, time
args = ['gcc', '-E', '-o', '/dev/null'] + ['-I$mnt/d%d' % i for i in range(1, 5)] + ['$WORK/t.c']
t = time.monotonic()
for _ in range(20): subprocess.run(args, check=True)
print('%.4f' % (time.monotonic() - t))")
  echo "$rep cpp $build $t"
  t=$(python3 -c "
import subprocess, time
env = {'PATH': '$mnt/d1:$mnt/d2:$mnt/d3:/usr/bin:/bin'}
t = time.monotonic()
subprocess.run(['bash', '-c', 'for i in \$(seq 2000); do hash -r; type -P ls >/dev/null; done'], env=env, check=True)
print('%.4f' % (time.monotonic() - t))")
  echo "$rep path $build $t"
  kill "$pid"; wait "$pid" 2>/dev/null || true
  rm -rf "$src"; rmdir "$mnt" 2>/dev/null || true
}

systems=(new old); clis=("$NEW" "$OLD")
if [[ -n ${HP:-} ]]; then systems+=(hp); clis+=("$HP"); fi
n=${#systems[@]}
for rep in $(seq 1 "$REPS"); do
  for k in $(seq 0 $((n - 1))); do # the order rotated by one each repetition
    i=$(( (k + rep) % n ))
    run_one "$rep" "${systems[$i]}" "${clis[$i]}"
  done
done
