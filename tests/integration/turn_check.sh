#!/usr/bin/env bash
# Checks TURN credentials against a real coturn: starts turnserver on
# 127.0.0.1 with the shared secret of signal-server's --turn-secret-file and
# asks it for an allocation, over UDP and then over TCP, with the given pair.
#
#   tests/integration/turn_check.sh SECRET_FILE USERNAME PASSWORD
#
# USERNAME and PASSWORD are a TURN entry of a turn:credentials reply
# (username "<expiry unix time>:<user>", credential
# base64(HMAC-SHA1(secret, username))). SECRET_FILE is read as the server
# reads it: trailing newlines do not count. The coturn started here listens on
# a free port of its own; the urls of the reply are not used.
#
# Exit status: 0 both allocations succeeded; 1 coturn refused the credentials
# or an allocation failed; 2 usage error, or turnserver could not be started.
# Needs coturn 4.6 (tools/setup-deps.sh). Everything stays on loopback, every
# wait is bounded, and turnserver is stopped on every way out.
set -euo pipefail

fail_setup() {
  echo "turn_check: $*" >&2
  exit 2
}

[ $# -eq 3 ] || fail_setup "usage: $0 SECRET_FILE USERNAME PASSWORD"
secret_file=$1
username=$2
password=$3
command -v turnserver >/dev/null && command -v turnutils_uclient >/dev/null \
  || fail_setup "turnserver and turnutils_uclient are missing (install coturn)"
[ -r "$secret_file" ] || fail_setup "cannot read $secret_file"
secret=$(<"$secret_file") # drops trailing newlines
while [ "${secret%$'\r'}" != "$secret" ]; do secret=${secret%$'\r'}; done
[ -n "$secret" ] || fail_setup "$secret_file is empty"
case $secret in
  *$'\n'*) fail_setup "$secret_file holds more than one line" ;;
esac

workdir=$(mktemp -d "${TMPDIR:-/tmp}/turn_check.XXXXXX")
chmod 700 "$workdir"
pid=""
stop_turnserver() {
  if [ -n "$pid" ]; then
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 50); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    pid=""
  fi
  rm -rf "$workdir"
}
trap stop_turnserver EXIT
trap 'exit 2' INT TERM HUP

# coturn binds with SO_REUSEPORT: a second turnserver on a busy port starts
# without complaint and shares its traffic. So a port must be seen free first,
# with ss when there is one, else by a TCP connect (coturn listens on both).
port_free() {
  if command -v ss >/dev/null; then
    [ -z "$(ss -Hlntu "sport = :$1" 2>/dev/null)" ]
  else
    ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
  fi
}
port=""
for _ in $(seq 20); do
  candidate=$((20000 + RANDOM % 20000)) # below the relay ports (49152 and up)
  if port_free "$candidate"; then
    port=$candidate
    break
  fi
done
[ -n "$port" ] || fail_setup "found no free port"

# A config file, not flags: the secret stays off every command line, and -c
# keeps /etc/turnserver.conf out of it.
umask 077
cat >"$workdir/turnserver.conf" <<EOF
listening-ip=127.0.0.1
relay-ip=127.0.0.1
listening-port=$port
use-auth-secret
static-auth-secret=$secret
realm=signal.test
no-tls
no-dtls
no-cli
allow-loopback-peers
userdb=$workdir/turndb
pidfile=$workdir/turnserver.pid
log-file=stdout
simple-log
EOF

# The outer timeout is the last resort should this script die without its trap.
timeout --kill-after=5 300 turnserver -c "$workdir/turnserver.conf" >"$workdir/turnserver.log" 2>&1 &
pid=$!

ready=false
for _ in $(seq 100); do
  kill -0 "$pid" 2>/dev/null || break
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    ready=true
    break
  fi
  sleep 0.1
done
if ! $ready; then
  tail -n 20 "$workdir/turnserver.log" >&2 || true
  fail_setup "turnserver did not start listening on 127.0.0.1:$port within 10 s"
fi

# One client pair (-y: each relays to the other, so no peer is needed; -c:
# no RTCP allocations), one message each way: the allocation is what the
# credentials decide.
allocate() {
  local transport=$1
  shift
  local log="$workdir/uclient-$transport.log"
  local status=0
  timeout 20 turnutils_uclient "$@" -p "$port" -u "$username" -w "$password" -n 1 -m 1 -y -c \
    127.0.0.1 >"$log" 2>&1 || status=$?
  if [ "$status" -eq 0 ]; then
    echo "turn_check: $transport allocation on 127.0.0.1:$port succeeded"
    return 0
  fi
  if [ "$status" -eq 124 ]; then
    echo "turn_check: $transport allocation timed out after 20 s" >&2
  else
    echo "turn_check: $transport allocation failed (turnutils_uclient exit $status)" >&2
  fi
  tail -n 5 "$log" >&2 || true
  return 1
}

result=0
allocate udp || result=1
allocate tcp -t || result=1
exit $result
