#!/usr/bin/env bash
# Remove everything the project builds outside the checkout: the lab runtime image, the python tag the
# Docker lab builds from, the debootstrap base, and the student-image builder (its dockerd, file system,
# data, network namespace and cgroups; see start-builder.sh). Used by .ci/run so every CI run builds them
# anew. Safe to run when none of it exists.
set -uo pipefail
IMAGE="${SPINUP_LAB_IMAGE:-spinup-lab-runtime:1}"
BASE="${SPINUP_LAB_BASE:-spinup-debian-base:bookworm}"
if docker info >/dev/null 2>&1; then
  for ref in "$IMAGE" python:3.11-slim-bookworm "$BASE"; do
    docker image rm --force "$ref" >/dev/null 2>&1 && echo "removed image $ref"
  done
  docker image prune --force >/dev/null 2>&1 || true
fi
# The student-image builder (labs/runtime/start-builder.sh).
BUILDER_DIR="${SPINUP_BUILDER_DIR:-/var/lib/spinup-builder}"
BUILDER_NETNS="${SPINUP_BUILDER_NETNS:-spinup-builder}"
BUILDER_CGROUP="${SPINUP_BUILDER_CGROUP:-spinup-builder}"
case "$BUILDER_DIR" in
  /*/*) builder_dir_ok=1 ;;
  *) builder_dir_ok=""; echo "clean.sh: SPINUP_BUILDER_DIR must be an absolute path below a folder; left alone" >&2 ;;
esac
if [ -n "$builder_dir_ok" ] && [ -d "$BUILDER_DIR" ]; then
  pid="$(cat "$BUILDER_DIR/dockerd.pid" 2>/dev/null || true)"
  if [ -n "$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null || true)" = dockerd ]; then
    kill "$pid" 2>/dev/null || true # it stops its containers and its containerd
    for _ in $(seq 1 75); do [ -d "/proc/$pid" ] || break; sleep 0.2; done
    kill -9 "$pid" 2>/dev/null || true
    echo "stopped the student-image builder"
  fi
  # Whatever is still mounted below it (container file systems, netns handles, then the capped file system
  # itself), deepest first; the loop device goes with the last one (autoclear).
  awk -v dir="$BUILDER_DIR/" 'index($2, dir) == 1 { print $2 }' /proc/self/mounts | sort -r | while read -r mnt; do
    umount "$mnt" 2>/dev/null || umount -l "$mnt" 2>/dev/null || true
  done
  if awk -v dir="$BUILDER_DIR/" 'index($2, dir) == 1 { found = 1 } END { exit !found }' /proc/self/mounts; then
    echo "clean.sh: something is still mounted below $BUILDER_DIR; its data was left in place" >&2
  else
    rm -rf --one-file-system "$BUILDER_DIR" && echo "removed the student-image builder's data ($BUILDER_DIR)"
  fi
fi
if [ -e "/var/run/netns/$BUILDER_NETNS" ]; then
  ip netns delete "$BUILDER_NETNS" 2>/dev/null && echo "removed the network namespace $BUILDER_NETNS"
fi
# Its cgroups (its containers' and the engine's own; every controller, v1 or v2): only empty ones can go,
# children first.
for top in /sys/fs/cgroup/"$BUILDER_CGROUP"{,-daemon} /sys/fs/cgroup/*/"$BUILDER_CGROUP"{,-daemon}; do
  [ -d "$top" ] && find "$top" -depth -type d -exec rmdir {} \; 2>/dev/null
done
exit 0
