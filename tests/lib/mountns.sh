# Sourced by tests that run tarnd (ASan/UBSan build) in a private mount
# namespace, so whatever it mounts is invisible to this machine and goes
# away with it. The caller sets T (the name checks are reported under),
# STATE_PREFIX (the temporary directory's name) and may define on_exit.
# Gives: B, state, port, pool_port, agent, start_agent [SYS], crash_agent,
# ctl, in_ns, pass, fail, check, expect.
set -uo pipefail
TOP=${TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
B=$TOP/out/c-san
make -s -C "$TOP" SAN=1 tests >/dev/null || { echo "FAIL $T: build"; exit 1; }
if ! unshare -m --propagation private true 2>/dev/null; then
	echo "SKIP $T: cannot make mount namespaces here"
	exit 0
fi
state=$(mktemp -d "/tmp/$STATE_PREFIX.XXXXXX")
chmod 755 "$state" # the API process (nobody) reads the mount points below
agent=
cleanup() {
	[ -n "$agent" ] && kill "$agent" 2>/dev/null && wait "$agent" 2>/dev/null
	declare -F on_exit >/dev/null && on_exit
	rm -rf "$state"
}
trap cleanup EXIT
free_port() { python3 "$TOP/tests/lib/ports.py"; }
port=$(free_port) pool_port=$(free_port)
export ASAN_OPTIONS=detect_leaks=1 TARN_PASSWORD='correct horse battery'
echo "$TARN_PASSWORD" | "$B/tarnd" --set-password --state "$state"
mkdir -p "$state/etc" "$state/bin"

# start_agent [SYS]: SYS, when given, is put over /sys/class in the agent's
# namespace (a stand-in for the iSCSI initiator's sysfs); $state/bin comes
# first in its PATH, for stand-ins of commands
start_agent() {
	local over=${1:-}
	PATH="$state/bin:$PATH" unshare -m --propagation private sh -c \
		'[ -z "$1" ] || mount --bind "$1" /sys/class || exit 1; shift; exec "$@"' sh "$over" \
		"$B/tarnd" -f --listen 127.0.0.1 --port "$port" --state "$state" --sysconf "$state/etc" \
		--rundir "$state/run" --pool-listen "127.0.0.1:$pool_port" 2>>"$state/tarnd.log" &
	agent=$!
	for _ in $(seq 100); do
		[ -s "$state/tls/cert.pem" ] && (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null && return
		sleep 0.1
	done
}
# kill -9 and wait until the engine's children (API, workers) are gone too:
# with the last of them the namespace and its mounts go
crash_agent() {
	local kids
	kids=$(pgrep -P "$agent")
	kill -9 "$agent"; wait "$agent" 2>/dev/null
	for _ in $(seq 100); do
		local alive=0
		for k in $kids; do kill -0 "$k" 2>/dev/null && alive=1; done
		[ $alive = 0 ] && break
		sleep 0.1
	done
	agent=
}
ctl() { "$B/tarnctl" --host 127.0.0.1 --port "$port" --cacert "$state/tls/cert.pem" "$@"; }
in_ns() { nsenter -t "$agent" -m "$@"; }
pass() { echo "PASS $T: $1"; }
fail() { echo "FAIL $T: $1: ${2:-}"; }
check() { # name, expected exit code, command...; output in $out
	local name=$1 want=$2; shift 2
	out=$("$@" 2>&1); local rc=$?
	if [ $rc = "$want" ]; then pass "$name"; else fail "$name" "exit $rc, wanted $want: $out"; fi
}
expect() { # name, pattern (grep -E) that $out must match
	grep -qE -- "$2" <<<"$out" && pass "$1" || fail "$1" "wanted /$2/ in: $out"
}
