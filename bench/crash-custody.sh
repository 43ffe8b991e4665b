#!/usr/bin/env bash
# Crash-custody benchmark (issue 10): kill -9 the sidecar's server KILLS times (default 100) and
# the whole sidecar every SIDECAR_EVERY-th time (default 25, i.e. 4 times) while a metadata-churn
# + O_APPEND workload and a loop of `fio --verify=crc32c` run on a real CSI-published mount.
# Prints the JSON summary (app-visible errors by kind, duplicated appends, takeover times).
# Needs root and /dev/fuse; about KILLS x 1.7 s. Results: docs/csi.md ("Measured").
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# shellcheck source=scripts/env.sh
source scripts/env.sh
npx tsc -p tsconfig.build.json
export CSI_CRASH_KILLS="${KILLS:-100}" CSI_CRASH_SIDECAR_EVERY="${SIDECAR_EVERY:-25}" CSI_CRASH_FIO=1
export CSI_CRASH_INTERVAL_MS="${INTERVAL_MS:-1500}"
node --experimental-vm-modules node_modules/jest/bin/jest.js --selectProjects integration \
  test/integration/csi-handoff.test.ts -t kills 2>&1 | grep -E 'csi-crash summary|✓|✕|Expected|Received'
