#!/usr/bin/env bash
# Installs what is missing, then builds and runs the whole test suite twice:
# a normal build, and one under AddressSanitizer + UndefinedBehaviorSanitizer;
# between the two, a minute of fuzzing (tests/fuzz/run.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup-deps.sh --with-browser-test
# The browser test's driver (playwright-core), exactly as locked.
(cd tests/e2e && npm ci --no-audit --no-fund)

run_suite() {
  local dir=$1
  shift
  echo "== building $dir" >&2
  cmake -S . -B "$dir" -G Ninja "$@" >/dev/null
  cmake --build "$dir" -j2
  echo "== testing $dir" >&2
  ctest --test-dir "$dir" --output-on-failure --timeout 900
}

run_suite build -DCMAKE_BUILD_TYPE=RelWithDebInfo
# A minute of fuzzing schema's parser (clang, apart from the CMake builds).
bash tests/fuzz/run.sh 60
# The server started by the integration tests inherits these settings.
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:suppressions=$PWD/tools/ubsan.supp
run_suite build-asan -DCMAKE_BUILD_TYPE=Debug -DSIGNAL_SANITIZE=ON
echo "== all tests passed" >&2
