#!/usr/bin/env bash
# Runs the load scenarios against a Release build of signal-server and of the
# floor (signal-floor-relay, a bare Beast relay): the server pinned to CPU 0,
# signal-load to CPU 1, a fresh server per scenario. Prints each report, then
# per scenario a table of every figure for both and the ratio
# signal-server/floor; BENCHMARKS.md records the figures and this command.
#
#   tools/bench/run.sh [scenario...]     (default: latency relay fanout churn idle burst;
#                                         also idle-scale: idle at 5,000, 10,000 and 19,500)
#
# BENCH_RUNS=N repeats the whole set N times; the tables then hold medians
# (of each figure, and of the per-run ratios).
set -euo pipefail
cd "$(dirname "$0")/../.."
bash tools/setup-deps.sh
cmake -S . -B build-release -G Ninja -DCMAKE_BUILD_TYPE=Release -DSIGNAL_BUILD_TESTS=OFF >/dev/null
cmake --build build-release -j2 --target signal-server signal-floor-relay signal-load >/dev/null

# 10,000 idle clients plus the server's sockets need more than 1024 files.
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"

port=${BENCH_PORT:-18090}
floor_port=${BENCH_FLOOR_PORT:-18091}
seconds=${BENCH_SECONDS:-10}
runs=${BENCH_RUNS:-1}
server_cpu=${BENCH_SERVER_CPU:-0}
load_cpu=${BENCH_LOAD_CPU:-1}
# The rate limit and the connections per address (the burst puts 1,000 on
# each of its 5 addresses) are raised so that they are not what gets
# measured; one thread since the server has one core.
server_flags=(--port="$port" --bind=0.0.0.0 --rate=1000000000 --rate-burst=1000000000
              --max-connections-per-ip=1000000 --log-level=warning --threads=1
              ${BENCH_SERVER_FLAGS:-})

# Every figure of every report, as lines "scenario target run figure value".
results=$(mktemp)
trap 'rm -f "$results"' EXIT

# Starts `signal-server` (with the flags given after the common ones) or
# `floor` and waits for its port; its pid in $pid, its port in $server_port.
start_server() {
  local target=$1
  shift
  if [ "$target" = floor ]; then
    server_port=$floor_port
    taskset -c "$server_cpu" build-release/signal-floor-relay --port="$server_port" \
      2>/tmp/signal-bench-floor.log &
  else
    server_port=$port
    taskset -c "$server_cpu" build-release/signal-server "${server_flags[@]}" "$@" \
      2>/tmp/signal-bench-server.log &
  fi
  pid=$!
  for _ in $(seq 50); do
    (exec 3<>"/dev/tcp/127.0.0.1/$server_port") 2>/dev/null && break
    sleep 0.1
  done
}

# A server still there 15 s after SIGTERM is reported and killed, so that
# one hung shutdown does not stall the whole set.
stop_server() {
  kill -TERM "$pid"
  local state
  for _ in $(seq 150); do
    state=$(ps -o stat= -p "$pid" || true)
    [[ -z $state || $state == Z* ]] && break
    sleep 0.1
  done
  if [[ -n $state && $state != Z* ]]; then
    echo "(server did not exit within 15 s of SIGTERM: killed)"
    kill -KILL "$pid"
  fi
  wait "$pid" || true
}

# Runs one scenario on a fresh server of the given target; the report's
# figures (all but its first line, which repeats the options) go to $results
# under the scenario's name, or under $label when set.
run_scenario() {
  local target=$1 scenario=$2
  shift 2
  start_server "$target"
  echo "== $scenario on $target (run $run) $*"
  local report
  report=$(taskset -c "$load_cpu" build-release/signal-load "$scenario" --port="$server_port" \
    --server-pid="$pid" --seconds="$seconds" "$@") || echo "(signal-load failed)"
  echo "$report"
  awk -v s="${label:-$scenario}" -v t="$target" -v r="$run" 'NR > 1 {
    for (i = 1; i <= NF; ++i)
      if (split($i, kv, "=") == 2) print s, t, r, kv[1], kv[2]
  }' <<<"$report" >>"$results"
  stop_server
}

run_both() {
  run_scenario floor "$@"
  run_scenario signal-server "$@"
}

# Server RSS before, at the peak of and after a burst of 5,000 connections
# that all close: a 5 s heartbeat, so that ended connections' timers (and
# with them their actors) are gone when the memory trimmer runs again.
run_burst() {
  start_server signal-server --heartbeat-ms=5000 --log-level=debug
  echo "== burst (run $run)"
  local before
  before=$(awk '/VmRSS/{print $2}' "/proc/$pid/status")
  taskset -c "$load_cpu" build-release/signal-load idle --port="$port" --server-pid="$pid" \
    --seconds=1 --connections=5000 --source-addresses=5 | grep server_rss || true
  local closed
  closed=$(awk '/VmRSS/{print $2}' "/proc/$pid/status")
  sleep 8
  echo "burst_rss_before_kib=$before burst_rss_closed_kib=$closed" \
    "burst_rss_after_8s_kib=$(awk '/VmRSS/{print $2}' "/proc/$pid/status")"
  stop_server
}

# Per scenario, in the order run: each figure's median over the runs for the
# floor and signal-server, and the median of the per-run ratios.
print_tables() {
  awk -v runs="$runs" '
    function median(list, n,    v, i, j, x) {
      n = split(list, v, " ")
      for (i = 2; i <= n; ++i)  # insertion sort: mawk has no asort
        for (j = i; j > 1 && v[j - 1] + 0 > v[j] + 0; --j) { x = v[j]; v[j] = v[j - 1]; v[j - 1] = x }
      if (n == 0) return "-"
      return n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
    }
    function show(x) { return x == "-" ? x : sprintf(x == int(x) ? "%.0f" : "%.2f", x) }
    {
      s = $1; key = s SUBSEP $4
      if (!(s in seen)) { seen[s] = 1; scenarios[++ns] = s }
      if (!(key in known)) { known[key] = 1; figures[s, ++nf[s]] = $4 }
      values[key, $2] = values[key, $2] " " $5
      value[key, $2, $3] = $5
    }
    END {
      for (i = 1; i <= ns; ++i) {
        s = scenarios[i]
        printf "\n== %s%s\n", s, (runs > 1 ? " (medians of " runs " runs)" : "")
        printf "%-30s %12s %14s %7s\n", "figure", "floor", "signal-server", "ratio"
        for (f = 1; f <= nf[s]; ++f) {
          key = s SUBSEP figures[s, f]
          ratios = ""
          for (r = 1; r <= runs; ++r)
            if ((key, "floor", r) in value && (key, "signal-server", r) in value \
                && value[key, "floor", r] + 0 != 0)
              ratios = ratios " " value[key, "signal-server", r] / value[key, "floor", r]
          printf "%-30s %12s %14s %7s\n", figures[s, f], show(median(values[key, "floor"])),
            show(median(values[key, "signal-server"])), show(median(ratios))
        }
      }
    }' "$results"
}

scenarios=("$@")
[ ${#scenarios[@]} -gt 0 ] || scenarios=(latency relay fanout churn idle burst)
for run in $(seq "$runs"); do
  for scenario in "${scenarios[@]}"; do
    case $scenario in
      latency) run_both latency ;;
      relay) run_both relay --rooms=100 --window=8 ;;
      fanout) run_both fanout --rooms=50 --room-size=4 --window=4 ;;
      churn) run_both churn --workers=50 ;;
      idle) run_both idle --connections=10000 --source-addresses=20 ;;
      # The most idle connections one process may hold here (20,000 files).
      idle-scale)
        for n in 5000 10000 19500; do
          label=idle-$n run_both idle --connections="$n" --source-addresses=20
        done ;;
      burst) run_burst ;;
      *) echo "unknown scenario $scenario" >&2; exit 2 ;;
    esac
  done
done
print_tables
