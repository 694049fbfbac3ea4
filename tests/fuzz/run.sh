#!/usr/bin/env bash
# Builds the libFuzzer target over schema's parser (tests/fuzz/parse_fuzz.cpp)
# with clang, ASan and UBSan, and fuzzes it for SECONDS (default 60) from the
# seed corpus in tests/fuzz/corpus. Fails on a crash, leaving the input in
# build-fuzz/. New corpus entries go to a temporary directory, so the
# checked-in seeds change only when someone adds one on purpose.
#   bash tests/fuzz/run.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-60}
out=build-fuzz
mkdir -p "$out"

# g++ cannot build libFuzzer targets: schema/ is compiled again here, apart
# from the CMake build. Boost.JSON is compiled into the target (src.hpp).
echo "== building $out/parse-fuzz" >&2
clang++ -std=c++17 -O1 -g -fno-omit-frame-pointer \
  -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
  -I. schema/*.cpp tests/fuzz/parse_fuzz.cpp -o "$out/parse-fuzz"

new_entries=$(mktemp -d)
trap 'rm -rf "$new_entries"' EXIT
echo "== fuzzing for $seconds s" >&2
# The first directory receives new entries; the seeds are only read.
# -max_len covers a frame at the server's default limit (64 KiB) and more.
"$out/parse-fuzz" -max_total_time="$seconds" -max_len=70000 -timeout=10 \
  -dict=tests/fuzz/protocol.dict -print_final_stats=1 -artifact_prefix="$out/" \
  "$new_entries" tests/fuzz/corpus
echo "== no crash; $(find "$new_entries" -type f | wc -l) new corpus entries (discarded)" >&2
