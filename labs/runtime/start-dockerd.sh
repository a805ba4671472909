#!/usr/bin/env bash
# Start Debian's Docker engine if it is not answering yet (machines here need --iptables=false --bridge=none).
set -euo pipefail
if docker info >/dev/null 2>&1; then exit 0; fi
if ! command -v dockerd >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io >/dev/null
  else
    echo "The Docker engine is not installed: sudo apt-get install docker.io" >&2; exit 1
  fi
fi
mkdir -p /var/log
nohup dockerd --iptables=false --bridge=none >/var/log/spinup-dockerd.log 2>&1 &
for _ in $(seq 1 60); do
  if docker info >/dev/null 2>&1; then exit 0; fi
  sleep 0.5
done
echo "dockerd did not start; see /var/log/spinup-dockerd.log" >&2
tail -20 /var/log/spinup-dockerd.log >&2
exit 1
