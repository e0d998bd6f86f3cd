#!/bin/bash
# The network reconciler for real: tarnd (ASan/UBSan build) runs in its own
# network and UTS namespace, with a veth pair to a peer namespace that has a
# DHCP server; settings made through tarnctl must show up on the interfaces,
# and survive a kill -9 of the agent.
set -uo pipefail
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
B=$TOP/out/c-san
make -s -C "$TOP" SAN=1 tests >/dev/null || { echo "FAIL net: build"; exit 1; }
ns=tarn-net-$$ peer=tarn-peer-$$
if ! ip netns add "$ns" 2>/dev/null; then
	echo "SKIP net: reconciler in a network namespace: cannot create namespaces here"
	exit 0
fi
state=$(mktemp -d /tmp/tarn-net.XXXXXX)
agent=
cleanup() {
	[ -n "$agent" ] && kill "$agent" 2>/dev/null && wait "$agent" 2>/dev/null
	ip netns pids "$ns" 2>/dev/null | xargs -r kill 2>/dev/null
	ip netns pids "$peer" 2>/dev/null | xargs -r kill 2>/dev/null
	ip netns del "$ns" 2>/dev/null; ip netns del "$peer" 2>/dev/null
	rm -rf "$state" "/etc/netns/$ns"
}
trap cleanup EXIT
ip netns add "$peer"
ip link add veth0 netns "$ns" type veth peer name veth1 netns "$peer"
ip -n "$ns" link set lo up
ip -n "$peer" link set lo up
ip -n "$peer" link set veth1 up
ip -n "$peer" addr add 192.0.2.1/24 dev veth1
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
# until NAME COMMAND...: wait up to 10 s for COMMAND to succeed, then report
until_ok() {
	local name=$1; shift
	for _ in $(seq 50); do "$@" >/dev/null 2>&1 && { echo "PASS net: $name"; return 0; }; sleep 0.2; done
	echo "FAIL net: $name (after 10 s)"; return 1
}
has_addr() { ip -n "$ns" -4 addr show dev veth0 | grep -q "inet $1 "; }
lacks_addr() { ! ip -n "$ns" -4 addr show dev veth0 | grep -q "inet $1 "; }

start_agent
ctl iface veth0 static 192.0.2.10/24 192.0.2.1 >/dev/null
until_ok "a static address is applied to the interface" has_addr 192.0.2.10/24
until_ok "the default route goes through the gateway" \
	sh -c "ip -n $ns route show default | grep -q 'via 192.0.2.1 dev veth0'"
until_ok "the peer answers a ping over the configured link" ip netns exec "$ns" busybox ping -c1 -W2 192.0.2.1

ctl iface veth0 static 192.0.2.20/24 >/dev/null
until_ok "a new address replaces the old one" has_addr 192.0.2.20/24
lacks_addr 192.0.2.10/24 && echo "PASS net: the old address is gone" || echo "FAIL net: the old address is gone"

ctl hostname tarn-ns-test >/dev/null
until_ok "the host name file is written" grep -qx tarn-ns-test "$state/etc/hostname"
until_ok "the kernel host name is set (in the agent's UTS namespace)" \
	sh -c "[ \"\$(nsenter -t $agent -u hostname)\" = tarn-ns-test ]"
[ "$(hostname)" != tarn-ns-test ] && echo "PASS net: the test machine's own host name is untouched" ||
	echo "FAIL net: the test machine's own host name changed"

# idempotence: another pass (a DNS change) must not touch the address
ip -n "$ns" monitor address > "$state/monitor.log" 2>&1 &
mon=$!
sleep 0.5
ctl dns 192.0.2.53 >/dev/null
until_ok "resolv.conf lists the DNS server" grep -q '^nameserver 192.0.2.53$' "$state/etc/resolv.conf"
sleep 1
kill $mon 2>/dev/null; wait $mon 2>/dev/null
grep -qE 'veth0 +inet ' "$state/monitor.log" && echo "FAIL net: a pass that changes nothing on veth0 leaves its address alone: $(cat "$state/monitor.log")" ||
	echo "PASS net: a pass that changes nothing on veth0 leaves its address alone"

ctl iface nosuch0 dhcp >/dev/null
until_ok "a missing interface is reported in the status" sh -c "ctl() { ip netns exec $ns $B/tarnctl --host 127.0.0.1 --cacert $state/tls/cert.pem \"\$@\"; }; ctl status | grep -q 'net.iface.nosuch0 *FAILED *there is no interface nosuch0'"

# kill -9, change the store behind the agent's back (as the console does), restart
kill -9 "$agent"; wait "$agent" 2>/dev/null
# the API child dies by PDEATHSIG a moment later; wait as a writer would
if err=$(sqlite3 -cmd '.timeout 5000' "$state/db/node.db" \
	"UPDATE interfaces SET ipv4 = '192.0.2.30/24' WHERE name = 'veth0'" 2>&1); then
	echo "PASS net: the store can be written while the agent is down"
else
	echo "FAIL net: the store can be written while the agent is down: $err"
fi
start_agent
until_ok "after kill -9 and a restart, the reconciler applies what changed meanwhile" has_addr 192.0.2.30/24

# DHCP from a real server in the peer namespace
printf 'start 192.0.2.100\nend 192.0.2.150\ninterface veth1\nlease_file %s/udhcpd.leases\noption subnet 255.255.255.0\noption router 192.0.2.1\n' \
	"$state" > "$state/udhcpd.conf"
touch "$state/udhcpd.leases"
ip netns exec "$peer" busybox udhcpd -f "$state/udhcpd.conf" >/dev/null 2>&1 &
ctl iface veth0 dhcp >/dev/null
until_ok "dhcp mode gets a lease from the DHCP server" \
	sh -c "ip -n $ns -4 addr show dev veth0 | grep -q 'inet 192.0.2.1[0-4][0-9]/24'"
lacks_addr 192.0.2.30/24 && echo "PASS net: the static address is dropped in dhcp mode" ||
	echo "FAIL net: the static address is dropped in dhcp mode"
[ ! -s "/etc/netns/$ns/resolv.conf" ] && echo "PASS net: a lease without DNS leaves resolv.conf alone" ||
	echo "FAIL net: a lease without DNS leaves resolv.conf alone"

kill "$agent"; wait "$agent"; rc=$?; agent=
[ $rc = 0 ] && echo "PASS net: the agent stops cleanly, no sanitizer report" ||
	{ echo "FAIL net: the agent stops cleanly: exit $rc"; tail -20 "$state/tarnd.log"; }
