#!/usr/bin/env bash
# Install the Debian packages named that are missing: as root with apt-get, else say the one command to run.
# Exits 1 only when something is missing and could not be installed.
set -uo pipefail
missing=""
for package in "$@"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'ok installed' || missing="$missing $package"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "Installing Debian packages:$missing"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null && exit 0
  echo "apt-get could not install:$missing" >&2
  exit 1
fi
echo "Missing Debian packages; install them with: sudo apt-get install$missing" >&2
exit 1
