# Sourced by the network tests: tarnd (ASan/UBSan build) in a network and
# UTS namespace of its own ($ns) and a peer namespace ($peer), so a test
# never touches this machine's interfaces, /etc or host name. Gives:
#   $B $ns $peer $state, start_agent, stop_agent, ctl, until_ok NAME CMD...,
#   pass_if NAME CMD..., dns_pass_watched WHAT
# $T names the test in result lines ("net", "netdev").
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
B=$TOP/out/c-san
make -s -C "$TOP" SAN=1 tests >/dev/null || { echo "FAIL $T: build"; exit 1; }
ns=tarn-$T-$$ peer=tarn-$T-peer-$$
if ! ip netns add "$ns" 2>/dev/null; then
	echo "SKIP $T: the agent in a network namespace: cannot create namespaces here"
	exit 0
fi
state=$(mktemp -d "/tmp/tarn-$T.XXXXXX")
agent=
cleanup() {
	[ -n "$agent" ] && kill "$agent" 2>/dev/null && wait "$agent" 2>/dev/null
	ip netns pids "$ns" 2>/dev/null | xargs -r kill 2>/dev/null
	ip netns pids "$peer" 2>/dev/null | xargs -r kill 2>/dev/null
	pkill -KILL -f "$state/run/udhcpc" 2>/dev/null # one the agent started as it was being stopped
	ip netns del "$ns" 2>/dev/null; ip netns del "$peer" 2>/dev/null
	rm -rf "$state" "/etc/netns/$ns"
}
trap cleanup EXIT
ip netns add "$peer"
ip -n "$ns" link set lo up
ip -n "$peer" link set lo up
# the namespace sees its own resolv.conf (ip netns exec bind-mounts it)
mkdir -p "/etc/netns/$ns" "$state/etc" "$state/run" "$state/bin"
touch "/etc/netns/$ns/resolv.conf"
ln -s "$(command -v busybox)" "$state/bin/udhcpc"

export ASAN_OPTIONS=detect_leaks=1 TARN_PASSWORD='correct horse battery'
echo "$TARN_PASSWORD" | "$B/tarnd" --set-password --state "$state"
start_agent() {
	ip netns exec "$ns" unshare --uts env PATH="$state/bin:$PATH" "$B/tarnd" -f --listen 127.0.0.1 \
		--state "$state" --sysconf "$state/etc" --rundir "$state/run" \
		--dhcp-script "$TOP/rootfs/overlay/usr/share/udhcpc/default.script" 2>>"$state/tarnd.log" &
	agent=$!
	for _ in $(seq 50); do
		ip netns exec "$ns" bash -c '(exec 3<>/dev/tcp/127.0.0.1/8899)' 2>/dev/null && return
		sleep 0.1
	done
}
ctl() { ip netns exec "$ns" "$B/tarnctl" --host 127.0.0.1 --cacert "$state/tls/cert.pem" "$@"; }
# until_ok NAME COMMAND...: wait up to $WAIT_S seconds (10 unless set) for
# COMMAND to succeed, then report
until_ok() {
	local name=$1 wait=${WAIT_S:-10}; shift
	for _ in $(seq $((wait * 5))); do "$@" >/dev/null 2>&1 && { echo "PASS $T: $name"; return 0; }; sleep 0.2; done
	echo "FAIL $T: $name (after $wait s)"; return 1
}
# pass_if NAME COMMAND...: report whether COMMAND succeeds now
pass_if() {
	local name=$1; shift
	if "$@" >/dev/null 2>&1; then echo "PASS $T: $name"; else echo "FAIL $T: $name"; fi
}
# dns_pass_watched WHAT: sets a DNS server (a pass that changes nothing else)
# while `ip monitor WHAT` watches the agent's namespace into $state/monitor.log
dns_pass_watched() {
	ip -n "$ns" monitor $1 > "$state/monitor.log" 2>&1 &
	local mon=$!
	sleep 0.5
	ctl dns 192.0.2.53 >/dev/null
	until_ok "another pass runs (resolv.conf lists the DNS server)" grep -q '^nameserver 192.0.2.53$' "$state/etc/resolv.conf"
	sleep 1
	kill $mon 2>/dev/null; wait $mon 2>/dev/null
}
stop_agent() { # reports a clean stop with no sanitizer report
	kill "$agent"; wait "$agent"; local rc=$?; agent=
	[ $rc = 0 ] && echo "PASS $T: the agent stops cleanly, no sanitizer report" ||
		{ echo "FAIL $T: the agent stops cleanly: exit $rc"; tail -20 "$state/tarnd.log"; }
}
