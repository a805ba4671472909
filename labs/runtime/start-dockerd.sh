#!/usr/bin/env bash
# Start Debian's Docker engine if it is not answering yet (machines here need --iptables=false --bridge=none),
# with user namespaces remapped: root in a container is an unprivileged host uid (dockremap's range), and the
# lab containers' uid 65534 maps to a host uid that owns nothing. An engine we started earlier without the
# remap is restarted with it; someone else's engine without it is left alone, and this says so (the Docker
# sandbox then refuses to run).
set -euo pipefail
FLAGS=(--iptables=false --bridge=none --userns-remap=default)
remapped() { docker info --format '{{json .SecurityOptions}}' 2>/dev/null | grep -q 'name=userns'; }

if docker info >/dev/null 2>&1; then
  if remapped; then exit 0; fi
  ours="$(pgrep -x -f 'dockerd --iptables=false --bridge=none' || true)"
  if [ -z "$ours" ]; then
    echo "The running Docker engine does not remap user namespaces: restart it with --userns-remap=default" \
      "(the Docker lab sandbox refuses to run without it)." >&2
    exit 1
  fi
  echo "Restarting the Docker engine with --userns-remap=default (its images are kept apart and built again)."
  kill $ours
  for _ in $(seq 1 100); do docker info >/dev/null 2>&1 || break; sleep 0.2; done
  for _ in $(seq 1 50); do kill -0 $ours 2>/dev/null || break; sleep 0.2; done
fi
if ! command -v dockerd >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io >/dev/null
  else
    echo "The Docker engine is not installed: sudo apt-get install docker.io" >&2; exit 1
  fi
fi
mkdir -p /var/log
nohup dockerd "${FLAGS[@]}" >/var/log/spinup-dockerd.log 2>&1 &
for _ in $(seq 1 60); do
  if docker info >/dev/null 2>&1; then exit 0; fi
  sleep 0.5
done
echo "dockerd did not start; see /var/log/spinup-dockerd.log" >&2
tail -20 /var/log/spinup-dockerd.log >&2
exit 1
