# syntax=docker/dockerfile:1
# Runner image for distributed runs: Debian bookworm + Chromium headless shell + rookery.
#
#   docker build -t REGISTRY/rookery:0.1.0 .
#   docker run --rm --shm-size=1g -e ROOKERY_TOKEN=… REGISTRY/rookery:0.1.0 runner --join ws://COLLECTOR:7700
#
# The entrypoint is the rookery CLI, so the Kubernetes backend's pods run `<image> runner --join … --name $(POD_NAME)`.
# Scenarios that import npm packages other than rookery/playwright: build FROM this image and install them
# in /home/rookery (runners resolve packages from their working directory first).

FROM node:20-bookworm-slim AS build
WORKDIR /opt/rookery
COPY package.json package-lock.json ./
# No lifecycle scripts: `prepare` would build before the sources are copied; browsers come from apt below.
RUN npm ci --ignore-scripts
COPY tsconfig.json ./
COPY bin ./bin
COPY src ./src
COPY fixtures ./fixtures
COPY scenarios ./scenarios
RUN npx tsc -p tsconfig.json && npm prune --omit=dev

FROM node:20-bookworm-slim
# chromium-headless-shell (bookworm-security) installs /usr/lib/chromium/chromium-headless-shell, which rookery
# discovers by itself; fonts so pages render as they do for people; tini reaps Chromium's children.
RUN apt-get update \
 && apt-get install -y --no-install-recommends chromium-headless-shell fonts-liberation fonts-noto-color-emoji ca-certificates tini \
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
