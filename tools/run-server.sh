#!/usr/bin/env bash
# Installs what is missing, builds signal-server (Release) and runs it with
# every default (port 8080), passing on any flags given.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup-deps.sh
cmake -S . -B build-release -G Ninja -DCMAKE_BUILD_TYPE=Release -DSIGNAL_BUILD_TESTS=OFF >/dev/null
cmake --build build-release -j2 --target signal-server
exec build-release/signal-server "$@"
