#!/usr/bin/env bash
# A PostgreSQL image for the local test cluster (../shared/k8s: no registry, no pulls), made from
# the host's Debian PostgreSQL: the newest /usr/lib/postgresql/*/ (bin + lib), its share dir, the
# shared libraries they link, zoneinfo and busybox (pg_ctl and the entrypoint need a shell), with a
# `postgres` user of uid/gid 999 (initdb needs the effective uid in /etc/passwd).
#   scripts/image-build-postgres-local.sh [TAG]   (default local/postgres:host; needs up.sh --with-node)
#   ROOTFS_ONLY=1 ...                             only prepare the rootfs (prints its path)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
K8S_DIR=${K8S_DIR:-$(cd "$ROOT/../shared/k8s" 2>/dev/null && pwd || echo /work/shared/k8s)}
K8S_CACHE=${K8S_CACHE:-/var/cache/k8s-local}
TAG=${1:-local/postgres:host}
log() { printf '[image-build-postgres-local %s] %s\n' "$(date +%T)" "$*" >&2; }

PGDIR=$(ls -d /usr/lib/postgresql/*/ 2>/dev/null | sort -V | tail -1)
[ -n "$PGDIR" ] && [ -x "$PGDIR/bin/postgres" ] || { log "no PostgreSQL under /usr/lib/postgresql (apt-get install postgresql)"; exit 1; }
PGDIR=${PGDIR%/}
MAJOR=$(basename "$PGDIR")
OUT=$(mktemp -d /tmp/fsi-pg-rootfs.XXXXXX)
trap 'rm -rf "$OUT"' EXIT
chmod 755 "$OUT"

mkdir -p "$OUT/bin" "$OUT/tmp" "$OUT/etc" "$OUT/usr/lib/postgresql" "$OUT/usr/share/postgresql" "$OUT/usr/share/zoneinfo" "$OUT/var/run/postgresql"
chmod 1777 "$OUT/tmp" "$OUT/var/run/postgresql"
if [ -x "$K8S_CACHE/rootfs/busybox/bin/busybox" ]; then cp -a "$K8S_CACHE/rootfs/busybox/bin/." "$OUT/bin/"
elif command -v busybox >/dev/null; then cp "$(command -v busybox)" "$OUT/bin/busybox"; "$OUT/bin/busybox" --install -s "$OUT/bin"
else log "no busybox (apt-get install busybox-static)"; exit 1; fi
cp -a "$PGDIR" "$OUT/usr/lib/postgresql/"
# Without the JIT provider (and LLVM's 100 MB): the server then runs with jit off.
rm -rf "$OUT$PGDIR"/lib/llvmjit* "$OUT$PGDIR"/lib/bitcode
cp -aL "/usr/share/postgresql/$MAJOR" "$OUT/usr/share/postgresql/"
cp -a /usr/share/zoneinfo/. "$OUT/usr/share/zoneinfo/" 2>/dev/null || true
# Every shared library of the binaries and of the server's loadable modules (amcheck etc.).
for f in "$OUT$PGDIR"/bin/* "$OUT$PGDIR"/lib/*.so; do ldd "$f" 2>/dev/null | grep -o '/[^ ]*' || true; done | sort -u |
  while read -r lib; do mkdir -p "$OUT$(dirname "$lib")"; cp -L "$lib" "$OUT$lib"; done
printf 'root:x:0:0:root:/root:/bin/sh\npostgres:x:999:999:PostgreSQL:/var/lib/postgresql:/bin/sh\n' > "$OUT/etc/passwd"
printf 'root:x:0:\npostgres:x:999:\n' > "$OUT/etc/group"
chroot "$OUT" "/usr/lib/postgresql/$MAJOR/bin/postgres" --version >/dev/null || { log "rootfs is not self-contained"; exit 1; }
log "rootfs $OUT ($(du -sh "$OUT" | cut -f1)), PostgreSQL $MAJOR"
if [ "${ROOTFS_ONLY:-0}" = 1 ]; then trap - EXIT; echo "$OUT"; exit 0; fi

"$K8S_DIR/image-build.sh" --rootfs "$OUT" "${TAG%:*}:rootfs" >/dev/null
ctx=$(mktemp -d /tmp/fsi-pg-image.XXXXXX); trap 'rm -rf "$OUT" "$ctx"' EXIT
cat > "$ctx/Dockerfile" <<DOCKERFILE
FROM ${TAG%:*}:rootfs
ENV PATH=/usr/lib/postgresql/$MAJOR/bin:/bin TZ=UTC LANG=C
USER 999:999
CMD ["postgres", "--version"]
DOCKERFILE
"$K8S_DIR/image-build.sh" "$ctx" "$TAG" >/dev/null
log "built $TAG"
echo "$TAG"
