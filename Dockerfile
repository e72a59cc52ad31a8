# syntax=docker/dockerfile:1
# mahavishnu image: `docker build -t mahavishnu:0.1.0 .`
# Stages: build (TypeScript → dist, then `npm pack` so the image holds exactly what the package
# ships), deps (production node_modules with the native modules compiled), runtime (slim, non-root).
ARG NODE_VERSION=20

FROM node:${NODE_VERSION}-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
# Install scripts are not needed to compile TypeScript; the native modules are built in `deps`.
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY . .
RUN npm run build \
 && npm pack --ignore-scripts --pack-destination /tmp \
 && mkdir /out \
 && tar -xzf /tmp/mahavishnu-*.tgz -C /out --strip-components=1

FROM node:${NODE_VERSION}-bookworm-slim AS deps
# better-sqlite3 and argon2 are native: a toolchain for when no prebuilt binary fits.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts skips `prepare` (no sources here); rebuild runs only the two native builds,
# which package.json's allowScripts approves.
RUN npm ci --omit=dev --no-audit --no-fund --ignore-scripts \
 && npm rebuild better-sqlite3 argon2 \
 && npm cache clean --force

FROM node:${NODE_VERSION}-bookworm-slim AS runtime
# tini as PID 1 forwards SIGTERM to node and reaps the worker processes pools spawn.
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini \
 && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production \
    MAHAVISHNU_SERVER__HOST=0.0.0.0 \
    MAHAVISHNU_SERVER__PORT=8080 \
    MAHAVISHNU_DATA__DIR=/var/lib/mahavishnu \
    MAHAVISHNU_CONFIG_DIR=/app/settings
WORKDIR /app
# Code stays owned by root: the service user can read it, not change it.
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /out/ ./
# the V8 code cache of the bundle, recorded by this image's node with its native modules (the build
# stage has none compiled, so it records none)
RUN ln -s /app/bin/mahavishnu.js /usr/local/bin/mahavishnu \
 && node bin/code-cache.js \
 && mkdir -p /var/lib/mahavishnu \
 && chown 1000:1000 /var/lib/mahavishnu
# uid 1000 is the image's `node` user; numeric so Kubernetes' runAsNonRoot can verify it.
USER 1000:1000
VOLUME ["/var/lib/mahavishnu"]
EXPOSE 8080
# Slim images have no curl: node's own fetch checks liveness.
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.MAHAVISHNU_SERVER__PORT||8080)+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# SIGTERM starts the drain (server.drain_timeout_ms, 10 s by default): run with --stop-timeout 30.
STOPSIGNAL SIGTERM
ENTRYPOINT ["tini", "--", "mahavishnu"]
CMD ["serve"]
