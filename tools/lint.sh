#!/usr/bin/env bash
# clang-format check and clang-tidy (checks in .clang-tidy) over the sources.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f build/compile_commands.json ] || cmake -S . -B build -G Ninja >/dev/null
files=$(git ls-files 'schema/*.cpp' 'actors/*.cpp' 'net/*.cpp' 'tools/*.cpp')
clang-format --dry-run --Werror $(git ls-files '*.cpp' '*.hpp')
clang-tidy -p build --quiet $files 2>/dev/null | grep -E "warning:|error:" && exit 1
echo "lint: clean"
