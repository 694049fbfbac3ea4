#!/usr/bin/env bash
# Installs what building, testing and fuzzing signal-server need on Debian 12
# (coturn for the TURN credentials check, promtool from prometheus for the
# metrics check, clang for the fuzzer) and, with
# --with-browser-test, what its browser test needs (Chromium, Node.js, npm);
# nothing that is already there. Safe to run repeatedly; needs root for apt.
set -euo pipefail

packages=(
  g++ cmake ninja-build
  libcaf-dev
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libssl-dev
  libjwt-dev pkg-config
  coturn
  # promtool, which the metrics test runs over /metrics.
  prometheus
  # The fuzzer (tests/fuzz/run.sh): clang, and libFuzzer's runtime, which
  # clang only recommends.
  clang libclang-rt-14-dev
)
browser_test=false
[ "${1:-}" = --with-browser-test ] && browser_test=true
$browser_test && packages+=(chromium)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done
# Node.js may come from elsewhere (e.g. nodesource, whose nodejs bundles npm and
# conflicts with Debian's npm): only a missing command means a missing package.
if $browser_test; then
  command -v node >/dev/null || missing+=(nodejs)
  command -v npm >/dev/null || missing+=(npm)
fi

if ((${#missing[@]})); then
  echo "setup-deps: installing ${missing[*]}" >&2
  sudo=""
  if [ "$(id -u)" != 0 ]; then sudo="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -q
  $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
