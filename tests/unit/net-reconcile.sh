#!/bin/bash
# The network reconciler for real: tarnd (ASan/UBSan build) runs in its own
# network and UTS namespace, with a veth pair to a peer namespace that has a
# DHCP server; settings made through tarnctl must show up on the interfaces,
# and survive a kill -9 of the agent.
set -uo pipefail
T=net
. "${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib/netns.sh"
ip link add veth0 netns "$ns" type veth peer name veth1 netns "$peer"
ip -n "$peer" link set veth1 up
ip -n "$peer" addr add 192.0.2.1/24 dev veth1

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
dns_pass_watched address
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
ip netns exec "$peer" busybox udhcpd -f "$state/udhcpd.conf" >"$state/udhcpd.log" 2>&1 &
until_ok "the DHCP server is listening" sh -c "ip netns exec $peer ss -Huln 'sport = :67' | grep -q ."
ctl iface veth0 dhcp >/dev/null
# a lost DISCOVER is resent after 3 s, three times, then after 20 s: wait out a
# whole round rather than failing on one lost packet
WAIT_S=35 until_ok "dhcp mode gets a lease from the DHCP server" \
	sh -c "ip -n $ns -4 addr show dev veth0 | grep -q 'inet 192.0.2.1[0-4][0-9]/24'" ||
	{ echo "udhcpd said:"; cat "$state/udhcpd.log"; echo "tarnd said:"; tail -20 "$state/tarnd.log"; }
lacks_addr 192.0.2.30/24 && echo "PASS net: the static address is dropped in dhcp mode" ||
	echo "FAIL net: the static address is dropped in dhcp mode"
[ ! -s "/etc/netns/$ns/resolv.conf" ] && echo "PASS net: a lease without DNS leaves resolv.conf alone" ||
	echo "FAIL net: a lease without DNS leaves resolv.conf alone"
# [u]: the pattern must not match the shell that runs pgrep
dhcp_client() { pgrep -f "[u]dhcpc .*$state/run/udhcpc.veth0.pid" >/dev/null; }
pass_if "dhcp mode runs a DHCP client on the interface" dhcp_client
ctl iface veth0 static 192.0.2.31/24 >/dev/null
until_ok "back to static: the DHCP client is stopped (SIGTERM reaches it)" eval '! dhcp_client'
until_ok "back to static: the static address is applied" has_addr 192.0.2.31/24

stop_agent
