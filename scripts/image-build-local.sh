#!/usr/bin/env bash
# Offline equivalent of the Dockerfile for the local test cluster (../shared/k8s: no registry, no
# base image pulls): a rootfs with the pinned Node binary (.tools) and exactly the shared libraries
# it links, dist/ and the production node_modules, imported into the node's dockerd, then given the
# Dockerfile's entrypoint, user and healthcheck by a one-line classic build FROM it.
#   scripts/image-build-local.sh [TAG]      (default local/fs-interposer:dev; needs up.sh --with-node)
#   ROOTFS_ONLY=1 scripts/image-build-local.sh   only prepare the rootfs (prints its path)
#   SKIP_BUILD=1                                 reuse dist/ as it is
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
K8S_DIR=${K8S_DIR:-$(cd "$ROOT/../shared/k8s" 2>/dev/null && pwd || echo /work/shared/k8s)}
K8S_CACHE=${K8S_CACHE:-/var/cache/k8s-local}
TAG=${1:-local/fs-interposer:dev}
OUT=${IMAGE_ROOTFS:-$ROOT/.state/image-rootfs}
log() { printf '[image-build-local %s] %s\n' "$(date +%T)" "$*" >&2; }

arch() { case "$(uname -m)" in x86_64) echo x64 ;; aarch64) echo arm64 ;; *) echo "unsupported" ;; esac; }
NODE_BIN="$ROOT/.tools/node_modules/node-linux-$(arch)/bin/node"
[ -x "$NODE_BIN" ] || { log "no pinned node at $NODE_BIN (source scripts/env.sh first)"; exit 1; }
want="v$(tr -d '[:space:]' < "$ROOT/.node-version")"
[ "$("$NODE_BIN" --version)" = "$want" ] || { log "node at $NODE_BIN is not $want"; exit 1; }
export PATH="$(dirname "$NODE_BIN"):$PATH"

if [ "${SKIP_BUILD:-0}" != 1 ]; then
  log "tsc -p tsconfig.build.json"
  (cd "$ROOT" && npx tsc -p tsconfig.build.json)
fi
[ -f "$ROOT/dist/src/cli/main.js" ] || log "warning: dist/src/cli/main.js missing (the image will not start a role)"

rm -rf "$OUT"; mkdir -p "$OUT/app" "$OUT/usr/local/bin" "$OUT/etc/ssl/certs" "$OUT/tmp" "$OUT/bin" "$OUT/mnt"
chmod 1777 "$OUT/tmp"
# busybox for `kubectl exec ... sh` while debugging (the Dockerfile image has a shell too).
if [ -x "$K8S_CACHE/rootfs/busybox/bin/busybox" ]; then cp -a "$K8S_CACHE/rootfs/busybox/bin/." "$OUT/bin/"
elif command -v busybox >/dev/null; then cp "$(command -v busybox)" "$OUT/bin/busybox"; ln -s busybox "$OUT/bin/sh"; fi
cp "$NODE_BIN" "$OUT/usr/local/bin/node"
# tini as PID 1, as in the Dockerfile (docs/adr/0084): Debian's statically linked build.
TINI=/usr/bin/tini-static
[ -x "$TINI" ] || { log "$TINI missing: apt-get install tini (scripts/env.sh installs it)"; exit 1; }
mkdir -p "$OUT/usr/bin" && cp "$TINI" "$OUT/usr/bin/tini-static"
# `fs-interposer` on PATH, as in the Dockerfile (kubectl exec ... fs-interposer ctl ...).
printf '#!/bin/sh\nexec /usr/local/bin/node /app/dist/src/cli/main.js "$@"\n' > "$OUT/usr/local/bin/fs-interposer"
chmod 755 "$OUT/usr/local/bin/fs-interposer"
for lib in $(ldd "$NODE_BIN" | grep -o '/[^ ]*'); do mkdir -p "$OUT$(dirname "$lib")"; cp -L "$lib" "$OUT$lib"; done
cp -L /etc/ssl/certs/ca-certificates.crt "$OUT/etc/ssl/certs/" 2>/dev/null || true
printf 'root:x:0:0:root:/root:/bin/sh\nfsi:x:65532:65532:fsi:/nonexistent:/bin/false\nnobody:x:65534:65534:nobody:/:/bin/false\n' > "$OUT/etc/passwd"
printf 'root:x:0:\nfsi:x:65532:\nnogroup:x:65534:\n' > "$OUT/etc/group"

# dist + non-TypeScript assets of src (e.g. the CSI .proto), as in the Dockerfile's build stage.
cp -a "$ROOT/dist" "$OUT/app/dist"
(cd "$ROOT" && find src -type f ! -name '*.ts' -exec cp --parents {} "$OUT/app/dist/" \;)
cp "$ROOT/package.json" "$OUT/app/"
# Production dependencies only: exactly the packages `npm ls --omit=dev` resolves (no network).
# Listed where node_modules really is: a git worktree links it to the main checkout's.
DEPS_ROOT=$(dirname "$(readlink -f "$ROOT/node_modules")")
(cd "$DEPS_ROOT" && npm ls --omit=dev --all --parseable 2>/dev/null | tail -n +2) | while read -r dir; do
  rel="${dir#"$DEPS_ROOT"/}"; mkdir -p "$OUT/app/$(dirname "$rel")"; cp -a "$dir" "$OUT/app/$rel"
done
chroot "$OUT" /usr/local/bin/node -e 'process.exit(0)' || { log "rootfs is not self-contained"; exit 1; }
log "rootfs $OUT ($(du -sh "$OUT" | cut -f1))"
if [ "${ROOTFS_ONLY:-0}" = 1 ]; then echo "$OUT"; exit 0; fi

"$K8S_DIR/image-build.sh" --rootfs "$OUT" "${TAG%:*}:rootfs" >/dev/null
ctx=$(mktemp -d /tmp/fsi-image.XXXX); trap 'rm -rf "$ctx"' EXIT
VERSION=$(node -p 'require(process.argv[1]).version' "$ROOT/package.json")
REVISION=$(git -C "$ROOT" rev-parse HEAD 2>/dev/null || echo unknown)
SOURCE=$(node -p 'require(process.argv[1]).repository.url.replace(/^git\+/, "").replace(/\.git$/, "")' "$ROOT/package.json")
cat > "$ctx/Dockerfile" <<DOCKERFILE
FROM ${TAG%:*}:rootfs
LABEL org.opencontainers.image.title="fs-interposer" \\
      org.opencontainers.image.version="$VERSION" \\
      org.opencontainers.image.revision="$REVISION" \\
      org.opencontainers.image.source="$SOURCE" \\
      org.opencontainers.image.licenses="Apache-2.0"
WORKDIR /app
ENV PATH=/usr/local/bin:/bin NODE_ENV=production
USER 65532:65532
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s --retries=3 CMD ["node", "-e", "const e = process.env, tls = Boolean(e.FS_INTERPOSER_WEBHOOK_PORT); require(tls ? 'node:https' : 'node:http').get({ host: '127.0.0.1', port: e.FS_INTERPOSER_WEBHOOK_PORT || e.FS_INTERPOSER_HEALTH_PORT || 9808, path: '/healthz', rejectUnauthorized: false, timeout: 2500 }, (r) => process.exit(r.statusCode === 200 ? 0 : 1)).on('error', () => process.exit(1))"]
ENTRYPOINT ["/usr/bin/tini-static", "-s", "--", "node", "dist/src/cli/main.js"]
CMD ["--help"]
DOCKERFILE
"$K8S_DIR/image-build.sh" "$ctx" "$TAG" >/dev/null
log "built $TAG"
echo "$TAG"
