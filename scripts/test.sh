#!/usr/bin/env bash
# The one test command (README, .ci/run): setup, static checks, then the jest stages with a time
# budget each. Ends with the plain line "N passed, N failed".
#   STAGES="unit integration e2e" (default: all)   JEST_ARGS=... extra jest arguments
#   CHECKS=0 skips typecheck/lint/build            TEST_RESULTS=DIR (default: test-results/)
# Every stage is reported with its exit code and the run always reaches its summary line: this
# script never runs under `set -e` (env.sh sets it for itself; it is switched off again below).
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
RESULTS="${TEST_RESULTS:-$ROOT/test-results}"
rm -rf "$RESULTS"; mkdir -p "$RESULTS"

failed_setup=0
# shellcheck source=scripts/env.sh
source "$ROOT/scripts/env.sh" || failed_setup=1
set +e # env.sh's `set -e` must not end this script at the first failing stage
if [ "$failed_setup" = 1 ]; then echo "setup failed"; echo "0 passed, 1 failed"; exit 1; fi

checks_failed=0
check() { # name, command...
  local name="$1"; shift
  local start=$SECONDS
  if "$@" > "$RESULTS/$name.log" 2>&1; then
    echo "[check] $name ok ($((SECONDS - start)) s)"
    echo pass > "$RESULTS/$name.check"
  else
    echo "[check] $name FAILED ($((SECONDS - start)) s):"; tail -40 "$RESULTS/$name.log"
    echo fail > "$RESULTS/$name.check"; checks_failed=$((checks_failed + 1))
  fi
}

if [ "${CHECKS:-1}" != 0 ]; then
  check typecheck npx tsc -p tsconfig.json --noEmit
  check lint npx eslint --max-warnings=-1 .
  check build npx tsc -p tsconfig.build.json
fi

stage() { # project, timeout seconds
  local project="$1" budget="$2" start=$SECONDS name="$1" n=1
  # The same project twice (STAGES="unit unit") keeps both results.
  while [ -e "$RESULTS/$name.rc" ]; do n=$((n + 1)); name="$project-$n"; done
  echo "[stage] $name (budget ${budget}s)"
  # Own session: a test that kills a process group by mistake cannot take this script with it.
  setsid --wait timeout --kill-after=30 "$budget" node --experimental-vm-modules node_modules/jest/bin/jest.js \
    --selectProjects "$project" --forceExit --json --outputFile="$RESULTS/$name.json" ${JEST_ARGS:-} \
    > "$RESULTS/$name.out" 2>&1
  local rc=$?
  echo "$rc" > "$RESULTS/$name.rc"
  grep -E '^(Tests|Test Suites):' "$RESULTS/$name.out" | tail -2
  node scripts/failures.mjs "$RESULTS/$name.json" | head -120
  echo "[stage] $name rc=$rc ($((SECONDS - start)) s)"
  [ $rc = 124 ] && echo "[stage] $name exceeded its budget"
  return 0
}

# The e2e stage needs the local Kubernetes (../shared/k8s): a cold build takes 6-28 min, a warm
# check seconds. Its failure fails the stage, never silently skips it.
ensure_k8s() {
  local k8s="$ROOT/../shared/k8s" start=$SECONDS
  [ -f "$k8s/install.sh" ] || { echo "[stage] e2e: $k8s is missing"; return 1; }
  echo "[stage] e2e: preparing the local Kubernetes"
  if ! bash "$k8s/install.sh" > "$RESULTS/k8s-install.log" 2>&1; then
    echo "[stage] e2e: k8s install failed"; tail -20 "$RESULTS/k8s-install.log"; return 1
  fi
  echo "[stage] e2e: Kubernetes ready ($((SECONDS - start)) s)"
}

for s in ${STAGES:-unit integration e2e}; do
  if [ "$s" = e2e ] && ! ensure_k8s; then
    echo '{"numPassedTests":0,"numFailedTests":1}' > "$RESULTS/e2e-setup.json"; continue
  fi
  case "$s" in
    unit) stage unit 300 ;;
    integration) stage integration 1200 ;;
    e2e) JEST_ARGS="--runInBand ${JEST_ARGS:-}" stage e2e 2700 ;;
    *) echo "[stage] $s: unknown stage (unit, integration, e2e)"; echo '{"numPassedTests":0,"numFailedTests":1}' > "$RESULTS/unknown-$s.json" ;;
  esac
done

node scripts/summary.mjs "$RESULTS" "$checks_failed"
