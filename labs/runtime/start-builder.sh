#!/usr/bin/env bash
# Start the engine that builds students' images for the Docker lab, if it is not answering yet: a second
# dockerd in its own network namespace (only loopback: nothing on the host or beyond is reachable, not even
# the host's 127.0.0.1), whose data root is a size- and inode-capped ext4 file system (an image file,
# loop-mounted), with root in its containers mapped to an unprivileged host uid (--userns-remap), its
# containers under a cgroup with a process and memory ceiling, and no image but the lab's base.
#
# Idempotent: when the builder answers it only reloads the images if the host engine's ids changed.
# labs/runtime/clean.sh removes all of it. Needs root, the host engine with the lab image built
# (labs/runtime/build-image.sh), iproute2, util-linux (nsenter, losetup) and e2fsprogs.
set -euo pipefail

DIR="${SPINUP_BUILDER_DIR:-/var/lib/spinup-builder}"
NETNS="${SPINUP_BUILDER_NETNS:-spinup-builder}"
IMAGE="${SPINUP_LAB_IMAGE:-spinup-lab-runtime:1}"
BASE_TAG="python:3.11-slim-bookworm" # the one image a student's Dockerfile may start FROM
DISK_MB="${SPINUP_BUILDER_DISK_MB:-2048}"
INODES="${SPINUP_BUILDER_INODES:-131072}"
PIDS_MAX="${SPINUP_BUILDER_PIDS:-1024}"           # every container of the builder, together
MEMORY_MB="${SPINUP_BUILDER_MEMORY_MB:-3072}"     # every container of the builder, together
CGROUP="${SPINUP_BUILDER_CGROUP:-spinup-builder}" # the cgroup parent of its containers
DAEMON_CPU_QUOTA="${SPINUP_BUILDER_DAEMON_CPU_US:-100000}" # the engine itself: one CPU (per 100 ms)
DAEMON_MEMORY_MB="${SPINUP_BUILDER_DAEMON_MEMORY_MB:-1536}"
# root in a build step is uid 100000 on the host (dockerd adds the `dockremap` user and its subuid range).
# The legacy builder then cannot COPY --from files a non-root user owns in an earlier stage (moby#34645);
# SPINUP_BUILDER_USERNS=off drops the remapping.
USERNS="${SPINUP_BUILDER_USERNS:-default}"

case "$DIR" in
  /*/*) ;;
  *) echo "start-builder.sh: SPINUP_BUILDER_DIR must be an absolute path below a folder ($DIR)" >&2; exit 1 ;;
esac
case "$DIR" in *[[:space:]]*) echo "start-builder.sh: no spaces in SPINUP_BUILDER_DIR" >&2; exit 1 ;; esac
SOCK="$DIR/docker.sock"
ROOT="$DIR/root"
DISK="$DIR/disk.img"
PIDFILE="$DIR/dockerd.pid"
LOG="$DIR/dockerd.log"

builder() { env -u DOCKER_CONTEXT DOCKER_HOST="unix://$SOCK" docker "$@"; }
answers() { [ -S "$SOCK" ] && builder version --format '{{.Server.Version}}' >/dev/null 2>&1; }
host_id() { docker image inspect --format '{{.Id}}' "$1" 2>/dev/null || true; }
builder_id() { builder image inspect --format '{{.Id}}' "$1" 2>/dev/null || true; }

if [ "${DOCKER_HOST:-}" = "unix://$SOCK" ]; then
  echo "start-builder.sh: DOCKER_HOST points at the builder itself; unset it (the images come from the host engine)" >&2
  exit 1
fi

load_images() {
  local want_image want_base
  want_image="$(host_id "$IMAGE")"
  want_base="$(host_id "$BASE_TAG")"
  if [ -z "$want_image" ] || [ -z "$want_base" ]; then
    if [ -n "$(builder_id "$IMAGE")" ] && [ -n "$(builder_id "$BASE_TAG")" ]; then
      return 0 # the host engine has no lab image (or does not answer): keep what the builder has
    fi
    echo "start-builder.sh: the host engine has no $IMAGE / $BASE_TAG to load (run labs/runtime/build-image.sh)" >&2
    return 1
  fi
  if [ "$(builder_id "$IMAGE")" != "$want_image" ] || [ "$(builder_id "$BASE_TAG")" != "$want_base" ]; then
    local old
    old="$(builder image ls --quiet --no-trunc | sort -u)"
    echo "Loading $IMAGE and $BASE_TAG into the student-image builder ..."
    docker save "$IMAGE" "$BASE_TAG" | builder load --quiet >/dev/null
    # Images the builder held before that no tag names any more (an older base): removed when nothing uses them.
    for id in $old; do
      if [ "$id" != "$want_image" ] && [ "$id" != "$want_base" ]; then
        builder image rm "$id" >/dev/null 2>&1 || true
      fi
    done
  fi
  # Nothing but those two may stay tagged there (a build in progress tags only spinup-student-*).
  local ref
  for ref in $(builder image ls --format '{{.Repository}}:{{.Tag}}' | grep -vxF -e "$IMAGE" -e "$BASE_TAG" -e '<none>:<none>' | grep -v '^spinup-student-' || true); do
    builder image rm "$ref" >/dev/null 2>&1 || true
  done
}

if answers; then
  load_images
  exit 0
fi

if [ "$(id -u)" != 0 ]; then
  echo "start-builder.sh: starting the student-image builder needs root" >&2
  exit 1
fi
for tool in dockerd nsenter ip losetup mkfs.ext4 mountpoint; do
  command -v "$tool" >/dev/null || { echo "start-builder.sh: $tool is not installed" >&2; exit 1; }
done
started=$(date +%s%N)

# A builder that does not answer (killed engine, stale pidfile): stop what its pidfile names, if it is a dockerd.
if [ -f "$PIDFILE" ]; then
  pid="$(cat "$PIDFILE" 2>/dev/null || true)"
  if [ -n "$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null || true)" = dockerd ]; then
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do [ -d "/proc/$pid" ] || break; sleep 0.2; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$PIDFILE"
fi
rm -f "$SOCK"

mkdir -p "$DIR" "$ROOT" "$DIR/exec"
chmod 0711 "$DIR"

# The network namespace: loopback only, so even the builder's own fetches (ADD <url>, a pull) reach nothing.
if [ ! -e "/var/run/netns/$NETNS" ]; then
  ip netns add "$NETNS"
fi
ip -n "$NETNS" link set lo up

# The data root: an ext4 file system in a sparse image file, capped in bytes and inodes. `discard` hands
# freed blocks back to the host's disk; no blocks are reserved for root (dockerd is root).
if ! mountpoint -q "$ROOT"; then
  if [ ! -f "$DISK" ]; then
    truncate -s "${DISK_MB}M" "$DISK"
    mkfs.ext4 -q -F -m 0 -N "$INODES" -L spinup-builder -E lazy_itable_init=0,lazy_journal_init=0 "$DISK"
  fi
  mount -o loop,discard,noatime "$DISK" "$ROOT"
fi

# The cgroup parent of every container the builder runs (build steps get a child of it per build).
if [ -f /sys/fs/cgroup/cgroup.controllers ]; then
  cg="/sys/fs/cgroup/$CGROUP"
  mkdir -p "$cg"
  for controller in pids memory; do
    echo "+$controller" >/sys/fs/cgroup/cgroup.subtree_control 2>/dev/null || true
    echo "+$controller" >"$cg/cgroup.subtree_control" 2>/dev/null || true
  done
  echo "$PIDS_MAX" >"$cg/pids.max"
  echo "$((MEMORY_MB * 1024 * 1024))" >"$cg/memory.max"
  [ -f "$cg/memory.swap.max" ] && echo 0 >"$cg/memory.swap.max"
else
  mkdir -p "/sys/fs/cgroup/pids/$CGROUP" "/sys/fs/cgroup/memory/$CGROUP"
  echo "$PIDS_MAX" >"/sys/fs/cgroup/pids/$CGROUP/pids.max"
  echo "$((MEMORY_MB * 1024 * 1024))" >"/sys/fs/cgroup/memory/$CGROUP/memory.limit_in_bytes"
  if [ -f "/sys/fs/cgroup/memory/$CGROUP/memory.memsw.limit_in_bytes" ]; then
    echo "$((MEMORY_MB * 1024 * 1024))" >"/sys/fs/cgroup/memory/$CGROUP/memory.memsw.limit_in_bytes"
  fi
fi

# The engine itself (dockerd, its containerd, the shims) gets a cgroup of its own with a CPU, memory and
# process ceiling: a build makes the daemon do work (variable expansion, layer commits) that no
# container limit covers, and a runaway daemon must not take the host with it.
DAEMON_CGROUP="$CGROUP-daemon"
enter_daemon_cgroup() {
  if [ -f /sys/fs/cgroup/cgroup.controllers ]; then
    local cg="/sys/fs/cgroup/$DAEMON_CGROUP"
    mkdir -p "$cg"
    echo "$DAEMON_CPU_QUOTA 100000" >"$cg/cpu.max" 2>/dev/null || true
    echo "$((DAEMON_MEMORY_MB * 1024 * 1024))" >"$cg/memory.max" 2>/dev/null || true
    echo 4096 >"$cg/pids.max" 2>/dev/null || true
    echo "$BASHPID" >"$cg/cgroup.procs"
  else
    local controller
    for controller in cpu memory pids; do mkdir -p "/sys/fs/cgroup/$controller/$DAEMON_CGROUP"; done
    echo 100000 >"/sys/fs/cgroup/cpu/$DAEMON_CGROUP/cpu.cfs_period_us"
    echo "$DAEMON_CPU_QUOTA" >"/sys/fs/cgroup/cpu/$DAEMON_CGROUP/cpu.cfs_quota_us"
    echo "$((DAEMON_MEMORY_MB * 1024 * 1024))" >"/sys/fs/cgroup/memory/$DAEMON_CGROUP/memory.limit_in_bytes"
    echo 4096 >"/sys/fs/cgroup/pids/$DAEMON_CGROUP/pids.max"
    for controller in cpu memory pids; do echo "$BASHPID" >"/sys/fs/cgroup/$controller/$DAEMON_CGROUP/cgroup.procs"; done
  fi
}

# Its own daemon config, so nothing in /etc/docker/daemon.json applies to it, and its own key (the host
# engine's /etc/docker/key.json would give it the host engine's ID).
printf '{"deprecated-key-path": "%s"}\n' "$DIR/key.json" >"$DIR/daemon.json"
userns_args=()
if [ "$USERNS" != off ]; then userns_args=(--userns-remap "$USERNS"); fi
# nsenter --net, not `ip netns exec`: that one remounts /sys, which hides the cgroups from dockerd.
(enter_daemon_cgroup && exec nohup nsenter "--net=/var/run/netns/$NETNS" dockerd \
  --config-file "$DIR/daemon.json" \
  --data-root "$ROOT/docker" --exec-root "$DIR/exec" --pidfile "$PIDFILE" -H "unix://$SOCK" \
  --storage-driver overlay2 "${userns_args[@]}" \
  --iptables=false --ip6tables=false --ip-forward=false --ip-masq=false --bridge=none \
  --cgroup-parent "/$CGROUP" --no-new-privileges \
  --default-ulimit nproc=1024:1024 --default-ulimit core=0 \
  --log-driver json-file --log-opt max-size=1m --log-opt max-file=1 \
  --max-concurrent-downloads 1 --max-concurrent-uploads 1 \
  >"$LOG" 2>&1 </dev/null) &

for _ in $(seq 1 120); do
  if answers; then break; fi
  sleep 0.25
done
if ! answers; then
  echo "start-builder.sh: the student-image builder did not start; see $LOG" >&2
  tail -20 "$LOG" >&2
  exit 1
fi

# Anything a killed worker left behind in an earlier life of this engine (no build runs before it answers).
leftovers="$(builder ps --all --quiet)"
if [ -n "$leftovers" ]; then
  # shellcheck disable=SC2086
  builder rm --force --volumes $leftovers >/dev/null 2>&1 || true
fi
load_images
builder volume prune --force >/dev/null 2>&1 || true
elapsed_ms=$((($(date +%s%N) - started) / 1000000))
printf 'Student-image builder started in %d.%02d s (unix://%s; %s MiB and %s inodes at %s).\n' \
  $((elapsed_ms / 1000)) $((elapsed_ms % 1000 / 10)) "$SOCK" "$DISK_MB" "$INODES" "$ROOT"
