#!/usr/bin/env bash
# Build the Docker lab runtime image offline: a Debian base made with debootstrap (once), then the pinned
# lab packages from wheels downloaded on the host, with `docker build --network none`.
set -euo pipefail
# PY may be relative to the caller's folder (the Makefile passes .venv/bin/python): resolve it before cd.
if [ -n "${PY:-}" ]; then PY="$(realpath -s -- "$PY")"; fi
cd "$(dirname "$0")"
IMAGE="${SPINUP_LAB_IMAGE:-spinup-lab-runtime:1}"
BASE="${SPINUP_LAB_BASE:-spinup-debian-base:bookworm}"
MIRROR="${SPINUP_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
PY="${PY:-$(realpath -s ../../.venv/bin/python)}"
[ -x "$PY" ] || { echo "build-image.sh: no Python at $PY (make venv first)" >&2; exit 1; }
STAMP_LABEL="spinup.requirements=$(sha256sum requirements.txt Dockerfile | sha256sum | cut -c1-16)"

if docker image inspect "$IMAGE" --format '{{index .Config.Labels "spinup.requirements"}}' 2>/dev/null | grep -qx "${STAMP_LABEL#*=}"; then
  echo "Lab image $IMAGE is up to date."; exit 0
fi

if ! docker image inspect "$BASE" >/dev/null 2>&1; then
  command -v debootstrap >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null; }
  rootfs="$(mktemp -d /tmp/spinup-rootfs.XXXXXX)"
  echo "Making the Debian base image with debootstrap (once; a few minutes) ..."
  debootstrap --variant=minbase --include=python3,python3-venv,ca-certificates bookworm "$rootfs" "$MIRROR" >/tmp/spinup-debootstrap.log 2>&1 \
    || { tail -20 /tmp/spinup-debootstrap.log >&2; exit 1; }
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
  tar -C "$rootfs" -c . | docker import - "$BASE" >/dev/null
  rm -rf "$rootfs"
fi

context="$(mktemp -d /tmp/spinup-image.XXXXXX)"
trap 'rm -rf "$context"' EXIT
cp Dockerfile requirements.txt "$context/"
pyver="$(docker run --rm --network none "$BASE" python3 -c 'import sys; print(f"{sys.version_info[0]}{sys.version_info[1]}")')"
"$PY" -m pip download --quiet --disable-pip-version-check --dest "$context/wheels" --only-binary=:all: \
  --python-version "$pyver" --implementation cp --abi "cp$pyver" \
  --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 --platform any \
  -r requirements.txt
docker build --network none --quiet --build-arg "BASE=$BASE" --label "$STAMP_LABEL" -t "$IMAGE" "$context" >/dev/null
# The docker-containerize-app lab builds students' images offline FROM this tag.
docker tag "$IMAGE" python:3.11-slim-bookworm
echo "Built $IMAGE."
