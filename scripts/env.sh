#!/usr/bin/env bash
# Sourced by every entry script: brings the pinned Node (docs/adr/0002-node-version.md), the
# system packages the mounts and tests use, and node_modules. Idempotent and quiet when warm.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
NODE_VERSION="$(tr -d '[:space:]' < "$ROOT/.node-version")"
TOOLS="$ROOT/.tools"

log() { printf '[setup] %s\n' "$*" >&2; }

ensure_apt() {
  local missing=()
  command -v fusermount3 >/dev/null || missing+=(fuse3)
  command -v fio >/dev/null || missing+=(fio)
  command -v sqlite3 >/dev/null || missing+=(sqlite3)
  command -v git >/dev/null || missing+=(git)
  command -v setfattr >/dev/null || missing+=(attr)
  command -v setfacl >/dev/null || missing+=(acl)
  command -v promtool >/dev/null || missing+=(prometheus)
  command -v rsync >/dev/null || missing+=(rsync)
  compgen -G '/usr/lib/postgresql/*/bin/pgbench' >/dev/null || missing+=(postgresql postgresql-contrib)
  command -v gcc >/dev/null || missing+=(gcc libc6-dev)
  command -v make >/dev/null || missing+=(make)
  command -v chromium >/dev/null || missing+=(chromium)
  command -v bc >/dev/null || missing+=(bc)
  command -v zsh >/dev/null || missing+=(zsh)
  [ -x /usr/bin/tini-static ] || missing+=(tini)
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" != 0 ]; then log "missing packages ${missing[*]}: install them as root"; return 1; fi
  log "installing ${missing[*]}"
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

ensure_node() {
  local arch pkg bin
  case "$(uname -m)" in x86_64) arch=x64 ;; aarch64) arch=arm64 ;; *) log "unsupported arch $(uname -m)"; return 1 ;; esac
  pkg="node-linux-$arch"
  bin="$TOOLS/node_modules/$pkg/bin"
  if [ ! -x "$bin/node" ] || [ "$("$bin/node" --version)" != "v$NODE_VERSION" ]; then
    log "installing Node $NODE_VERSION ($pkg)"
    mkdir -p "$TOOLS"
    npm install --prefix "$TOOLS" --no-save --no-audit --no-fund --loglevel=error "$pkg@$NODE_VERSION" >/dev/null
  fi
  export PATH="$bin:$PATH"
}

ensure_modules() {
  local stamp="$ROOT/node_modules/.lock-stamp"
  if [ ! -f "$stamp" ] || ! cmp -s "$ROOT/package-lock.json" "$stamp"; then
    log "installing node_modules (npm ci)"
    (cd "$ROOT" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
    cp "$ROOT/package-lock.json" "$stamp"
  fi
}

ensure_build() {
  log "building"
  (cd "$ROOT" && npx tsc -p tsconfig.build.json)
}

ensure_apt
ensure_node
ensure_modules
