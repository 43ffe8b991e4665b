# syntax=docker/dockerfile:1.7
# One image, three roles: `webhook`, `csi`, `sidecar` (the first argument; see charts/fs-interposer).
#   docker buildx build --platform linux/amd64,linux/arm64 -t REPO/fs-interposer:TAG .
# Offline equivalent for the local test cluster (no registry, no base image pulls):
#   scripts/image-build-local.sh  ->  local/fs-interposer:dev
ARG NODE_VERSION=26.12.1

# ---- build: TypeScript -> dist (architecture independent, so it runs on the build platform)
FROM --platform=$BUILDPLATFORM node:${NODE_VERSION}-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
# Non-TypeScript assets (the CSI .proto, ...) are loaded at run time next to the compiled modules.
RUN npx tsc -p tsconfig.build.json && test -f dist/src/cli/main.js \
 && find src -type f ! -name '*.ts' -exec cp --parents {} dist/ \;

# ---- production dependencies for the target architecture. Only koffi is native, and it ships
# prebuilt binaries as per-platform optional packages: npm picks the target's with --cpu/--os/--libc,
# so a cross build needs no emulation.
FROM --platform=$BUILDPLATFORM node:${NODE_VERSION}-bookworm-slim AS deps
ARG TARGETARCH
WORKDIR /app
COPY package.json package-lock.json ./
RUN case "$TARGETARCH" in amd64) cpu=x64 ;; arm64) cpu=arm64 ;; *) echo "unsupported arch $TARGETARCH" >&2; exit 1 ;; esac \
 && npm ci --omit=dev --no-audit --no-fund --os=linux --cpu="$cpu" --libc=glibc \
 && test -f "node_modules/@koromix/koffi-linux-$cpu/linux_$cpu/koffi.node" \
 && npm cache clean --force

# ---- runtime: the slim Node image, no npm/yarn/corepack, a fixed non-root user.
FROM node:${NODE_VERSION}-bookworm-slim AS runtime
# Set by the build: --build-arg VERSION=$(node -p 'require("./package.json").version')
#   --build-arg REVISION=$(git rev-parse HEAD)  (scripts/image-build-local.sh does the same).
ARG VERSION=0.1.0
ARG REVISION=unknown
ARG SOURCE=https://github.com/fs-interposer/fs-interposer
LABEL org.opencontainers.image.title="fs-interposer" \
      org.opencontainers.image.description="Container-native filesystem interposer (webhook, CSI node driver, sidecar)" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.source="${SOURCE}" \
      org.opencontainers.image.licenses="Apache-2.0"
# tini as PID 1 (docs/adr/0084): the sidecar spawns node children; tini reaps whatever is orphaned
# to it and forwards signals to node. Debian's tini-static, the binary the local build copies.
RUN apt-get update -qq && apt-get install -y -qq --no-install-recommends tini \
 && rm -rf /var/lib/apt/lists/* && test -x /usr/bin/tini-static
RUN rm -rf /usr/local/lib/node_modules/npm /usr/local/lib/node_modules/corepack /opt/yarn-* \
      /usr/local/bin/npm /usr/local/bin/npx /usr/local/bin/corepack /usr/local/bin/yarn /usr/local/bin/yarnpkg \
 && groupadd --gid 65532 fsi && useradd --uid 65532 --gid 65532 --no-create-home --shell /usr/sbin/nologin fsi
# `fs-interposer` on PATH, so `kubectl exec POD -c fs-interposer -- fs-interposer ctl ...` works.
RUN printf '#!/bin/sh\nexec node /app/dist/src/cli/main.js "$@"\n' > /usr/local/bin/fs-interposer \
 && chmod 755 /usr/local/bin/fs-interposer
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY package.json ./
ENV NODE_ENV=production
# The csi role runs as root (the chart sets runAsUser 0, privileged); the sidecar runs as the app's
# uid/gid (set by the webhook); everything else as this user.
USER 65532:65532
# /healthz: the webhook on its HTTPS port (own CA, so unverified), the other roles over HTTP on
# FS_INTERPOSER_HEALTH_PORT. (The kubelet ignores HEALTHCHECK: the chart's probes do the same checks.)
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s --retries=3 \
  CMD ["node", "-e", "const e = process.env, tls = Boolean(e.FS_INTERPOSER_WEBHOOK_PORT); require(tls ? 'node:https' : 'node:http').get({ host: '127.0.0.1', port: e.FS_INTERPOSER_WEBHOOK_PORT || e.FS_INTERPOSER_HEALTH_PORT || 9808, path: '/healthz', rejectUnauthorized: false, timeout: 2500 }, (r) => process.exit(r.statusCode === 200 ? 0 : 1)).on('error', () => process.exit(1))"]
ENTRYPOINT ["/usr/bin/tini-static", "-s", "--", "node", "dist/src/cli/main.js"]
CMD ["--help"]
