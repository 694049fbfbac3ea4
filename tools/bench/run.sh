#!/usr/bin/env bash
# Runs the load scenarios against a Release build: signal-server pinned to
# CPU 0, signal-load to CPU 1, a fresh server per scenario. Prints each
# scenario's report; BENCHMARKS.md records the figures and this command.
#
#   tools/bench/run.sh [scenario...]     (default: latency relay fanout churn idle burst)
set -euo pipefail
cd "$(dirname "$0")/../.."
bash tools/setup-deps.sh
cmake -S . -B build-release -G Ninja -DCMAKE_BUILD_TYPE=Release -DSIGNAL_BUILD_TESTS=OFF >/dev/null
cmake --build build-release -j2 --target signal-server signal-load >/dev/null

# 10,000 idle clients plus the server's sockets need more than 1024 files.
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"

port=${BENCH_PORT:-18090}
seconds=${BENCH_SECONDS:-10}
server_cpu=${BENCH_SERVER_CPU:-0}
load_cpu=${BENCH_LOAD_CPU:-1}
# The rate limit is raised so that it is not what gets measured; one CAF
# worker since the server has one core.
server_flags=(--port="$port" --bind=0.0.0.0 --rate=1000000000 --rate-burst=1000000000
              --log-level=warning --scheduler.max-threads=1 ${BENCH_SERVER_FLAGS:-})

# Starts a server with the flags given after the common ones and waits for
# its port; its pid in $pid.
start_server() {
  taskset -c "$server_cpu" build-release/signal-server "${server_flags[@]}" "$@" \
    2>/tmp/signal-bench-server.log &
  pid=$!
  for _ in $(seq 50); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
    sleep 0.1
  done
}

run_scenario() {
  local scenario=$1
  shift
  start_server
  echo "== $scenario $*"
  taskset -c "$load_cpu" build-release/signal-load "$scenario" --port="$port" --server-pid="$pid" \
    --seconds="$seconds" "$@" || echo "(signal-load failed)"
  kill -TERM "$pid"
  wait "$pid" || true
}

# Server RSS before, at the peak of and after a burst of 5,000 connections
# that all close: a 5 s heartbeat, so that ended connections' timers (and
# with them their actors) are gone when the memory trimmer runs again.
run_burst() {
  start_server --heartbeat-ms=5000 --log-level=debug
  echo "== burst"
  local before
  before=$(awk '/VmRSS/{print $2}' "/proc/$pid/status")
  taskset -c "$load_cpu" build-release/signal-load idle --port="$port" --server-pid="$pid" \
    --seconds=1 --connections=5000 --source-addresses=5 | grep server_rss || true
  local closed
  closed=$(awk '/VmRSS/{print $2}' "/proc/$pid/status")
  sleep 8
  echo "burst_rss_before_kib=$before burst_rss_closed_kib=$closed" \
    "burst_rss_after_8s_kib=$(awk '/VmRSS/{print $2}' "/proc/$pid/status")"
  kill -TERM "$pid"
  wait "$pid" || true
}

scenarios=("$@")
[ ${#scenarios[@]} -gt 0 ] || scenarios=(latency relay fanout churn idle burst)
for scenario in "${scenarios[@]}"; do
  case $scenario in
    latency) run_scenario latency ;;
    relay) run_scenario relay --rooms=100 --window=8 ;;
    fanout) run_scenario fanout --rooms=50 --room-size=4 --window=4 ;;
    churn) run_scenario churn --workers=50 ;;
    idle) run_scenario idle --connections=10000 --source-addresses=20 ;;
    burst) run_burst ;;
    *) echo "unknown scenario $scenario" >&2; exit 2 ;;
  esac
done
