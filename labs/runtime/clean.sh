#!/usr/bin/env bash
# Remove everything the project builds outside the checkout: the lab runtime image, the python tag the
# Docker lab builds from, and the debootstrap base. Used by .ci/run so every CI run builds them anew.
set -uo pipefail
IMAGE="${SPINUP_LAB_IMAGE:-spinup-lab-runtime:1}"
BASE="${SPINUP_LAB_BASE:-spinup-debian-base:bookworm}"
if docker info >/dev/null 2>&1; then
  for ref in "$IMAGE" python:3.11-slim-bookworm "$BASE"; do
    docker image rm --force "$ref" >/dev/null 2>&1 && echo "removed image $ref"
  done
  docker image prune --force >/dev/null 2>&1 || true
fi
exit 0
