#!/usr/bin/env bash
# `npm start`: set up (pinned Node, fuse3, node_modules), build, and mount a demo directory
# through the engine in the foreground. Ctrl-C unmounts.
#   DEMO_DIR=/tmp/fs-interposer-demo  LAYERS='metrics,latency=2ms'  METRICS_PORT=9464
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/env.sh
source "$ROOT/scripts/env.sh"
ensure_build

DEMO="${DEMO_DIR:-/tmp/fs-interposer-demo}"
LAYERS="${LAYERS-metrics,latency=2ms}"
METRICS_PORT="${METRICS_PORT:-9464}"
mkdir -p "$DEMO/source" "$DEMO/mnt"
if [ ! -e "$DEMO/source/README.txt" ]; then
  printf 'This directory is served through fs-interposer.\n' > "$DEMO/source/README.txt"
  mkdir -p "$DEMO/source/docs" && cp "$ROOT"/docs/*.md "$DEMO/source/docs/" 2>/dev/null || true
fi

cat <<MSG
fs-interposer demo: $DEMO/source is served at $DEMO/mnt with layers '$LAYERS'.
Try, in another terminal:
  ls -la $DEMO/mnt && cat $DEMO/mnt/README.txt
  dd if=/dev/zero of=$DEMO/mnt/blob bs=1M count=50 && dd if=$DEMO/mnt/blob of=/dev/null bs=1M
  curl -s localhost:$METRICS_PORT/metrics | grep '^fs_interposer_'
Other stacks: LAYERS='throttle=5MB,fault=EIO@1%' npm start   (node dist/src/cli/main.js --help)
Ctrl-C unmounts.
MSG
exec node "$ROOT/dist/src/cli/main.js" mount --layers "$LAYERS" --metrics-port "$METRICS_PORT" "$DEMO/source" "$DEMO/mnt"
