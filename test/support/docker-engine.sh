#!/usr/bin/env bash
# Makes a Docker engine and the runner image's local Debian base ready, idempotently. For CI and developers on a
# Debian machine with no container registry in reach (as root; apt must work). Each step is skipped when already done:
#   1. the engine: installs docker.io (apt) if dockerd is missing, starts dockerd if nothing answers on the socket;
#   2. the base: a Debian 13 (trixie) minbase made with debootstrap and `docker import`ed as $ROOKERY_DOCKER_BASE
#      (the rootfs tarball is cached in $ROOKERY_DOCKER_CACHE, so a wiped engine re-imports it in seconds);
#   3. with --image: builds the runner image from the Dockerfile on that base as $ROOKERY_DOCKER_IMAGE, so the
#      docker tests (test/integration/docker-*.test.ts) find every layer cached and only rebuild what changed.
#
#   bash test/support/docker-engine.sh [--image]
#
# dockerd is started with no bridge, no iptables rules and no IP forwarding changes: rookery's containers use
# --network host (runners dial a collector on loopback), and the machine's firewall is left as it was.
set -euo pipefail
cd "$(dirname "$0")/../.."

BASE="${ROOKERY_DOCKER_BASE:-rookery-base:trixie}"
IMAGE="${ROOKERY_DOCKER_IMAGE:-rookery-runner:local}"
CACHE="${ROOKERY_DOCKER_CACHE:-$PWD/.cache/docker}"
# The mirror this machine's apt already uses (deb822 or one-line format), unless ROOKERY_DEBIAN_MIRROR says otherwise.
machine_mirror() {
  { grep -hE '^URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '{print $2}' || true
    grep -hE '^deb ' /etc/apt/sources.list 2>/dev/null | awk '{for (i = 2; i <= NF; i++) if ($i ~ /^https?:/) { print $i; break }}' || true
  } | grep -v -- '-security' | head -n 1 || true
}
MIRROR="${ROOKERY_DEBIAN_MIRROR:-$(machine_mirror)}"
[ -n "$MIRROR" ] || { echo "docker-engine: no Debian mirror found in /etc/apt; set ROOKERY_DEBIAN_MIRROR" >&2; exit 69; }
SUITE=trixie
LOG="${ROOKERY_DOCKERD_LOG:-/var/log/rookery-dockerd.log}"
build_image=false
for arg in "$@"; do
  case "$arg" in
    --image) build_image=true ;;
    *) echo "docker-engine: unknown argument $arg (usage: docker-engine.sh [--image])" >&2; exit 64 ;;
  esac
done

say() { echo "docker-engine: $*"; }
t0=$(date +%s)
apt_updated=false
apt_install() {
  $apt_updated || { apt-get update -qq; apt_updated=true; }
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -o DPkg::Lock::Timeout=600 "$@" >/dev/null
}

# 1. Engine.
if docker info >/dev/null 2>&1; then
  say "engine already running ($(docker version --format '{{.Server.Version}}' 2>/dev/null))"
else
  [ "$(id -u)" = 0 ] || { say "no engine answers and this is not root: start dockerd yourself"; exit 1; }
  if ! command -v dockerd >/dev/null 2>&1; then
    say "installing docker.io from apt"
    apt_install docker.io
  fi
  say "starting dockerd (log: $LOG)"
  nohup dockerd --bridge=none --iptables=false --ip-forward=false --ip-masq=false \
    --exec-opt native.cgroupdriver=cgroupfs >>"$LOG" 2>&1 </dev/null &
  for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && break; sleep 1; done
  docker info >/dev/null 2>&1 || { say "dockerd did not answer within 60 s; last log lines:"; tail -20 "$LOG" >&2; exit 1; }
  say "engine up: $(docker info --format '{{.ServerVersion}}, {{.Driver}}, cgroup {{.CgroupDriver}}')"
fi

# 2. Base image.
if docker image inspect "$BASE" >/dev/null 2>&1; then
  say "base $BASE present"
else
  tarball="$CACHE/debian-$SUITE-minbase.tar.gz"
  if [ ! -s "$tarball" ]; then
    command -v debootstrap >/dev/null 2>&1 || { say "installing debootstrap from apt"; apt_install debootstrap; }
    root=$(mktemp -d -t rookery-debootstrap.XXXXXX)
    trap 'rm -rf "$root"' EXIT
    say "debootstrap $SUITE (minbase) from $MIRROR"
    debootstrap --variant=minbase "$SUITE" "$root" "$MIRROR" >"$root.log" 2>&1 || { tail -20 "$root.log" >&2; exit 1; }
    rm -f "$root.log"
    # As Debian's own images: security updates on, package caches and lists out of the image.
    rm -f "$root/etc/apt/sources.list"
    cat >"$root/etc/apt/sources.list.d/debian.sources" <<SOURCES
Types: deb
URIs: $MIRROR
Suites: $SUITE $SUITE-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: ${MIRROR%/debian}/debian-security
Suites: $SUITE-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SOURCES
    rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
    # As in Debian's official images: no fsync per file while unpacking packages in a throwaway build layer.
    echo force-unsafe-io >"$root/etc/dpkg/dpkg.cfg.d/docker-apt-speedup"
    mkdir -p "$CACHE"
    tar -C "$root" --numeric-owner -c . | gzip -1 >"$tarball.tmp"
    mv "$tarball.tmp" "$tarball"
    rm -rf "$root"
    trap - EXIT
  fi
  say "importing $tarball as $BASE"
  docker import --change 'CMD ["bash"]' "$tarball" "$BASE" >/dev/null
fi

# 3. Runner image.
if $build_image; then
  say "building $IMAGE on $BASE"
  # CAs this machine trusts beyond Debian's set (a TLS-inspecting proxy's) let npm reach the registry in the build.
  extra_ca=$(cat /usr/local/share/ca-certificates/*.crt 2>/dev/null || true)
  docker build --network host --build-arg "BASE_IMAGE=$BASE" --build-arg "EXTRA_CA_CERTS=$extra_ca" -t "$IMAGE" . >"${TMPDIR:-/tmp}/rookery-docker-build.log" 2>&1 \
    || { tail -30 "${TMPDIR:-/tmp}/rookery-docker-build.log" >&2; exit 1; }
fi
say "ready in $(( $(date +%s) - t0 )) s"
