# Runner image for distributed runs: Debian + Node ≥ 20.11 + Chromium headless shell + rookery.
#
#   docker build -t REGISTRY/rookery:0.1.0 .
#   docker run --rm -e ROOKERY_TOKEN=… REGISTRY/rookery:0.1.0 runner --join ws://COLLECTOR:7700
#
# BASE_IMAGE: any Debian-based image. The default has Node 20 already. A plain Debian image gets Node from
# Debian's own `nodejs` package, which is 20.x from Debian 13 (trixie) on; Debian 12 ships Node 18, which
# the build refuses with a message. Where no registry is reachable, make a trixie base with debootstrap
# (test/support/docker-engine.sh does it) and pass `--build-arg BASE_IMAGE=rookery-base:trixie`.
#
# The entrypoint is the rookery CLI, so the Kubernetes backend's pods run `<image> runner --join … --name $(POD_NAME)`
# and the docker backend's containers run `<image> runner --join …`. Scenarios that import npm packages other
# than rookery/playwright: build FROM this image and install them in /home/rookery (runners resolve packages
# from their working directory first).
#
# What Chromium needs in a container (docs/docker.md, tested by test/integration/docker-runner.test.ts): nothing special. rookery starts it with
# --disable-dev-shm-usage (shared memory goes to /tmp, so the engine's default 64 MiB /dev/shm is enough) and
# --no-sandbox (Chromium's sandbox needs user namespaces, which the default seccomp profile denies; the
# container is the isolation boundary); it runs as the unprivileged user 10001; fonts come from apt below.

ARG BASE_IMAGE=node:20-bookworm-slim

FROM ${BASE_IMAGE} AS node
ENV DEBIAN_FRONTEND=noninteractive
RUN if ! command -v node >/dev/null 2>&1; then \
      apt-get update && apt-get install -y --no-install-recommends nodejs && rm -rf /var/lib/apt/lists/*; \
    fi \
 && node -e 'const [a, b] = process.versions.node.split(".").map(Number); if (a < 20 || (a === 20 && b < 11)) { console.error(`rookery needs Node >= 20.11; this base image has ${process.version}. Use node:20-bookworm-slim, a Debian 13 (trixie) base, or a base with Node 20+ installed.`); process.exit(1); }'

FROM node AS build
# npm only for the build: from Debian when the base image has none.
RUN if ! command -v npm >/dev/null 2>&1; then \
      apt-get update && apt-get install -y --no-install-recommends npm && rm -rf /var/lib/apt/lists/*; \
    fi
WORKDIR /opt/rookery
COPY package.json package-lock.json ./
# Behind a TLS-inspecting proxy, npm needs the proxy's CA: pass it as PEM text, --build-arg EXTRA_CA_CERTS="$(cat ca.pem)".
# It stays in this build stage: the runner image itself talks to the collector and the target only.
ARG EXTRA_CA_CERTS=""
# No lifecycle scripts: `prepare` would build before the sources are copied; browsers come from apt below.
RUN if [ -n "$EXTRA_CA_CERTS" ]; then printf '%s\n' "$EXTRA_CA_CERTS" >/tmp/extra-ca.pem; export NODE_EXTRA_CA_CERTS=/tmp/extra-ca.pem; fi \
 && npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json ./
COPY bin ./bin
COPY src ./src
COPY fixtures ./fixtures
COPY scenarios ./scenarios
RUN npx tsc -p tsconfig.json && npm prune --omit=dev --no-audit --no-fund

FROM node
# chromium-headless-shell installs /usr/lib/chromium/chromium-headless-shell, which rookery discovers by itself;
# fonts so pages render (and measure) as they do for people (without DejaVu, fontconfig maps sans-serif and serif to
# Liberation Mono); tini reaps Chromium's children.
RUN apt-get update \
 && apt-get install -y --no-install-recommends chromium-headless-shell fonts-liberation fonts-dejavu-core fonts-noto-color-emoji fontconfig ca-certificates tini \
 && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production
WORKDIR /opt/rookery
COPY --from=build /opt/rookery/package.json /opt/rookery/package-lock.json ./
COPY --from=build /opt/rookery/node_modules ./node_modules
COPY --from=build /opt/rookery/dist ./dist
COPY --from=build /opt/rookery/bin ./bin
COPY --from=build /opt/rookery/scenarios ./scenarios
# Unprivileged, with the uid the Kubernetes manifests ask for (runAsNonRoot, runAsUser 10001).
RUN groupadd --gid 10001 rookery && useradd --uid 10001 --gid rookery --create-home rookery
USER 10001:10001
WORKDIR /home/rookery
ENTRYPOINT ["/usr/bin/tini", "--", "node", "/opt/rookery/bin/rookery.js"]
CMD ["--help"]
