#!/usr/bin/env bash
# Installs the Debian packages listed in scripts/debian-packages.txt that are missing, then tries
# those of scripts/debian-packages-optional.txt (a failure there is only a warning: the tests
# that use them skip).
# Usage: scripts/install-deps.sh [EXTRA_PACKAGE...]   (as root, or with nothing missing)
set -euo pipefail
cd "$(dirname "$0")"
absent() {
  local status
  status=$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null || true)
  [ "$status" != "install ok installed" ]
}
missing=()
for pkg in $(grep -v '^#' debian-packages.txt) "$@"; do
  absent "$pkg" && missing+=("$pkg")
done
optional=()
if [ $# -eq 0 ]; then
  for pkg in $(grep -v '^#' debian-packages-optional.txt); do
    absent "$pkg" && optional+=("$pkg")
  done
fi
[ ${#missing[@]} -eq 0 ] && [ ${#optional[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  if [ ${#missing[@]} -gt 0 ]; then
    echo "install-deps: these packages are missing; run as root or install them: ${missing[*]}" >&2
    exit 1
  fi
  echo "install-deps: optional packages not installed (tests that use them skip): ${optional[*]}" >&2
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}" >&2
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
if [ ${#optional[@]} -gt 0 ]; then
  echo "install-deps: installing optional ${optional[*]}" >&2
  apt-get install -y -qq --no-install-recommends "${optional[@]}" >/dev/null 2>&1 ||
    echo "install-deps: optional packages not installed (tests that use them skip): ${optional[*]}" >&2
fi
