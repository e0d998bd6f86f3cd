#!/bin/bash
# Bridges, VLANs, bonds, links and confirm-or-roll-back for real: tarnd
# (ASan/UBSan) in its own network and UTS namespace, veth pairs to a peer
# namespace; changes go through tarnctl and must work on the wire.
set -uo pipefail
T=netdev
. "${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib/netns.sh"
db() { sqlite3 -cmd '.timeout 5000' "$state/db/node.db" "$@"; }
# veth NAME PEERNAME [PEER-ADDRESS]: a pair from the agent's namespace to the peer's
veth() {
	ip link add "$1" netns "$ns" type veth peer name "$2" netns "$peer"
	ip -n "$peer" link set "$2" up
	[ -z "${3:-}" ] || ip -n "$peer" addr add "$3" dev "$2"
}
has_addr() { ip -n "$ns" -4 addr show dev "$1" 2>/dev/null | grep -q "inet $2 "; }
only_addr() { [ "$(ip -n "$ns" -4 -o addr show dev "$1" scope global | awk '{print $4}')" = "$2" ]; }
ping_ok() { ip netns exec "$ns" busybox ping -c1 -W1 "$1"; }
status_is() { [ "$(db "select ok || ' ' || message from status where subject = '$1'")" = "$2" ]; }
status_failed() { [ "$(db "select ok from status where subject = '$1'")" = 0 ]; }
no_status() { [ -z "$(db "select 1 from status where subject like '$1'")" ]; }
enslaved() { ip -n "$ns" link show "$1" | grep -q "master $2 "; }
gone() { ! ip -n "$ns" link show "$1" >/dev/null 2>&1; }
# can the kernel make devices of this type? (some test kernels lack 8021q or bonding)
kernel_has() { ip -n "$peer" link add "$@" 2>/dev/null && ip -n "$peer" link del tarnprobe; }

veth a0 p0 198.51.100.1/24
veth v0 pv0
veth b1 pb1
veth b2 pb2
veth m0 pm0 192.0.2.1/24
veth m1 pm1 10.20.0.1/24
ip -n "$ns" link add other0 type bridge # made by someone else: never Tarn's to remove
start_agent

# --- a bridge with a veth as its port, addressed, reaching the peer
ctl bridge add xenbr1 a0 >/dev/null
ctl iface xenbr1 static 198.51.100.10/24 >/dev/null
until_ok "a bridge is created with its port enslaved" enslaved a0 xenbr1
until_ok "the bridge's address reaches the peer through its port" ping_ok 198.51.100.1
pass_if "the bridge's status is recorded as applied" status_is net.bridge.xenbr1 "1 applied"
out=$(ctl bridge)
grep -qE '^xenbr1 +a0$' <<<"$out" && echo "PASS $T: tarnctl bridge lists it as a table" ||
	echo "FAIL $T: tarnctl bridge lists it as a table: $out"

# --- links: every interface with its state, MAC and master, beside its settings
json=$(ctl --json links)
mac=$(ip netns exec "$ns" cat /sys/class/net/a0/address)
python3 - "$json" "$mac" <<'PY' && echo "PASS $T: links shows kind, state, carrier, MAC, master, addresses and settings" || echo "FAIL $T: links: $json"
import json, sys
links = {l["name"]: l for l in json.loads(sys.argv[1])}
a0, br = links["a0"], links["xenbr1"]
assert a0["master"] == "xenbr1" and a0["mac"] == sys.argv[2] and a0["carrier"] == 1 and a0["state"] == "up"
assert br["kind"] == "bridge" and br["managed"] and br["device"] == "bridge"
assert br["mode"] == "static" and br["ipv4"] == "198.51.100.10/24" and "198.51.100.10/24" in br["addresses"]
assert not links["other0"]["managed"] and links["lo"]["kind"] == "loopback"
PY
ctl iface nosuch0 dhcp >/dev/null
out=$(ctl links)
grep -qE '^xenbr1 +bridge +up ' <<<"$out" && echo "PASS $T: tarnctl links prints a table" || echo "FAIL $T: tarnctl links prints a table: $out"
grep -qE '^nosuch0 +- +absent ' <<<"$out" && echo "PASS $T: links shows a stored interface the host lacks as absent" ||
	echo "FAIL $T: links shows a stored interface the host lacks as absent: $out"
ctl iface nosuch0 del >/dev/null
pass_if "iface NAME del forgets an interface's settings" eval "! ctl links | grep -q '^nosuch0 '"

# --- a pass that changes nothing touches nothing (once the kernel's own
# IPv6 duplicate address detection is over)
until_ok "the kernel's IPv6 link-local addresses settle" eval "[ -z \"\$(ip -n $ns -6 addr show tentative)\" ]"
sleep 0.5
dns_pass_watched "link address"
[ ! -s "$state/monitor.log" ] && echo "PASS $T: a pass that changes nothing sends no link or address change" ||
	echo "FAIL $T: a pass that changes nothing sends no link or address change: $(head -5 "$state/monitor.log")"

# --- bad input is refused through the API, and nothing is stored
gen=$(db "select n from generation")
check_refused() { # name, expected message, tarnctl args...
	local name=$1 want=$2; shift 2
	out=$(ctl "$@" 2>&1); local rc=$?
	[ $rc = 1 ] && grep -q "$want" <<<"$out" && echo "PASS $T: $name" || echo "FAIL $T: $name: exit $rc: $out"
}
check_refused "VLAN 5000 is refused (exit 1), saying why" "VLAN 5000 is not 1-4094" vlan add v0 5000
check_refused "a port in two bridges is refused, naming the other" "a0 is already a port of bridge xenbr1" bridge add xenbr2 a0
check_refused "an unknown bond mode is refused" "fancy is not a bond mode" bond add bond9 fancy b1 b2
check_refused "a bond slave that is a bridge port is refused" "a0 is a port of bridge xenbr1" bond add bond9 active-backup a0
check_refused "a VLAN on a missing parent is refused" "no interface nosuch0" vlan add nosuch0 10
check_refused "removing a bridge that is not there is refused" "no bridge xenbr7" bridge del xenbr7
out=$(ctl vlan add v0 ten 2>&1); rc=$?
[ $rc = 2 ] && echo "PASS $T: a VLAN id that is not a number is a usage error (exit 2)" || echo "FAIL $T: a VLAN id that is not a number: exit $rc: $out"
out=$(ctl bridge frob xenbr1 2>&1); rc=$?
[ $rc = 2 ] && echo "PASS $T: an unknown bridge subcommand is a usage error (exit 2)" || echo "FAIL $T: an unknown bridge subcommand: exit $rc: $out"
[ "$(db "select n from generation")" = "$gen" ] && [ "$(db "select count(*) from vlans") $(db "select count(*) from bonds") $(db "select count(*) from bridges")" = "0 0 1" ] &&
	echo "PASS $T: refused changes store nothing" || echo "FAIL $T: refused changes store nothing: $(db 'select * from vlans; select * from bonds; select * from bridges')"

# --- a VLAN over a veth reaching a VLAN on the peer's side
if kernel_has link pv0 name tarnprobe type vlan id 1; then
	ip -n "$peer" link add link pv0 name pv0.100 type vlan id 100
	ip -n "$peer" link set pv0.100 up
	ip -n "$peer" addr add 203.0.113.1/24 dev pv0.100
	ctl vlan add v0 100 >/dev/null
	ctl iface v0.100 static 203.0.113.10/24 >/dev/null
	until_ok "a VLAN is created on its parent with its id" sh -c "ip -n $ns -d link show v0.100 | grep -q 'vlan protocol 802.1Q id 100'"
	until_ok "the VLAN reaches the peer's VLAN" ping_ok 203.0.113.1
else
	echo "SKIP $T: a VLAN reaching the peer: this kernel cannot make VLANs (no 8021q)"
	ctl vlan add v0 100 >/dev/null
	until_ok "a VLAN the kernel cannot make is reported in the status" status_failed net.vlan.v0.100
fi
ctl vlan del v0.100 >/dev/null
until_ok "a removed VLAN is gone, from the host and the status" eval "gone v0.100 && no_status 'net.vlan.%'"

# --- a bond of two veths (active-backup) that keeps working when a slave goes down
if kernel_has name tarnprobe type bond; then
	ip -n "$peer" link add pbr type bridge
	ip -n "$peer" link set pb1 master pbr
	ip -n "$peer" link set pb2 master pbr
	ip -n "$peer" link set pbr up
	ip -n "$peer" addr add 10.9.0.1/24 dev pbr
	ctl bond add bond0 active-backup b1 b2 >/dev/null
	ctl iface bond0 static 10.9.0.10/24 >/dev/null
	until_ok "a bond is created with both slaves" eval "enslaved b1 bond0 && enslaved b2 bond0"
	until_ok "the bond reaches the peer" ping_ok 10.9.0.1
	active=$(ip netns exec "$ns" cat /sys/class/net/bond0/bonding/active_slave)
	ip -n "$peer" link set "p$active" down
	until_ok "the bond keeps working when its active slave ($active) loses its link" ping_ok 10.9.0.1
	ctl bond del bond0 >/dev/null
	until_ok "a removed bond is gone and its slaves are left" eval "gone bond0 && ! gone b1"
else
	echo "SKIP $T: a bond that survives a slave going down: this kernel cannot make bonds (no bonding)"
	ctl bond add bond0 active-backup b1 b2 >/dev/null
	until_ok "a bond the kernel cannot make is reported in the status" status_failed net.bond.bond0
	ctl bond del bond0 >/dev/null
fi

# --- NTP: chrony.conf in the sysconf directory; no chronyd off a Tarn host
ctl ntp 192.0.2.123 pool.ntp.org >/dev/null
conf=$state/etc/chrony.conf
until_ok "chrony.conf lists the NTP servers with iburst" sh -c "grep -qx 'server 192.0.2.123 iburst' $conf && grep -qx 'server pool.ntp.org iburst' $conf"
pass_if "chrony.conf keeps the drift file on the data partition, steps a far-off clock, syncs the RTC" \
	sh -c "grep -qx 'driftfile .*/chrony/chrony.drift' $conf && grep -qx 'makestep 1 3' $conf && grep -qx rtcsync $conf"
until_ok "the NTP status says chrony.conf is written and chronyd is not started here" \
	status_is net.ntp "1 chrony.conf is written (chronyd is started on a Tarn host only)"
pass_if "chronyd is not started off a Tarn host" test ! -e "$state/run/chrony/chronyd.pid"
ctl ntp 192.0.2.124 >/dev/null
until_ok "a changed NTP list rewrites chrony.conf" sh -c "grep -qx 'server 192.0.2.124 iburst' $conf && ! grep -q 'server 192.0.2.123' $conf"
check_refused "a bad NTP server is refused" "neither an address nor a host name" ntp 'bad_name!'

# --- removal: Tarn's bridge goes, its port stays, someone else's bridge stays
ctl bridge del xenbr1 >/dev/null
until_ok "a removed bridge is deleted from the host" gone xenbr1
pass_if "its port, a NIC to Tarn, is left on the host without a master" eval "! gone a0 && ! ip -n $ns link show a0 | grep -q master"
pass_if "a bridge Tarn did not make is never removed" ip -n "$ns" link show other0
until_ok "the removed bridge's addressing and status are forgotten" \
	eval "no_status '%xenbr1' && [ -z \"\$(db \"select 1 from interfaces where name = 'xenbr1'\")\" ]"

# --- confirm or roll back a change of the management interface
ctl iface m0 static 192.0.2.10/24 >/dev/null
until_ok "the management interface gets its first address" has_addr m0 192.0.2.10/24
ctl mgmt m0 >/dev/null
out=$(ctl iface m0 static 192.0.2.20/24 --confirm 3)
grep -q 'on trial: confirm within 3 s' <<<"$out" && echo "PASS $T: a management change is applied on trial, and says so" ||
	echo "FAIL $T: a management change is applied on trial, and says so: $out"
until_ok "the change on trial is applied to the interface" has_addr m0 192.0.2.20/24
until_ok "not confirmed: the old address is back on the interface" only_addr m0 192.0.2.10/24
[ "$(db "select ipv4 from interfaces where name = 'm0'")" = 192.0.2.10/24 ] && echo "PASS $T: not confirmed: the old address is back in the store" ||
	echo "FAIL $T: not confirmed: the old address is back in the store: $(db "select * from interfaces where name = 'm0'")"
db "select message from events where level = 'warning' and subject = 'net'" | grep -q 'not confirmed within 3 s' &&
	echo "PASS $T: the roll-back is recorded as an event" || echo "FAIL $T: the roll-back is recorded as an event: $(db 'select * from events')"

out=$(ctl iface m0 static 192.0.2.20/24)
grep -q 'within 60 s' <<<"$out" && echo "PASS $T: without --confirm a management change gets the default 60 s" ||
	echo "FAIL $T: without --confirm a management change gets the default 60 s: $out"
until_ok "the change is applied" has_addr m0 192.0.2.20/24
ctl trial | grep -q 'on trial' && echo "PASS $T: tarnctl trial shows the countdown" || echo "FAIL $T: tarnctl trial shows the countdown"
pass_if "tarnctl confirm keeps the change (exit 0)" ctl confirm
ctl iface m0 static 192.0.2.20/24 --confirm 2 >/dev/null  # the same again, on a short trial
ctl confirm >/dev/null
sleep 3
has_addr m0 192.0.2.20/24 && [ "$(db "select ipv4 from interfaces where name = 'm0'")" = 192.0.2.20/24 ] &&
	echo "PASS $T: confirmed: the new address stays past the deadline, on the interface and in the store" ||
	echo "FAIL $T: confirmed: the new address stays past the deadline"
check_refused "confirming with nothing on trial is refused" "no network change is waiting" confirm

ctl iface m0 static 192.0.2.30/24 --confirm 5 >/dev/null
until_ok "a change on trial is applied before the agent is killed" has_addr m0 192.0.2.30/24
kill -9 "$agent"; wait "$agent" 2>/dev/null
sleep 1
start_agent
until_ok "an agent killed during the countdown and restarted still rolls back" only_addr m0 192.0.2.20/24
[ "$(db "select ipv4 from interfaces where name = 'm0'")" = 192.0.2.20/24 ] && echo "PASS $T: after the restart the store holds the confirmed address" ||
	echo "FAIL $T: after the restart the store holds the confirmed address"

ping_ok 192.0.2.1 >/dev/null && echo "PASS $T: the management interface still reaches its peer" ||
	echo "FAIL $T: the management interface still reaches its peer"
# a change that cuts the management bridge off its port comes back by itself
ctl bridge add xenbr9 m1 >/dev/null
ctl iface xenbr9 static 10.20.0.10/24 >/dev/null
until_ok "a management bridge reaches its peer" ping_ok 10.20.0.1
ctl mgmt xenbr9 >/dev/null
out=$(ctl bridge add xenbr9 --confirm 5)
grep -q 'on trial' <<<"$out" && echo "PASS $T: taking the management bridge's port away goes on trial" ||
	echo "FAIL $T: taking the management bridge's port away goes on trial: $out"
until_ok "the port is taken away: the peer is cut off" eval "! enslaved m1 xenbr9 && ! ping_ok 10.20.0.1"
until_ok "not confirmed: the port is back in the bridge and the peer answers again" \
	eval "enslaved m1 xenbr9 && ping_ok 10.20.0.1"

# the API's threads share one store connection: changes in parallel must not mix
pids=
for i in 1 2 3 4 5 6 7 8; do ctl bridge add "xenbr2$i" >"$state/par.$i" 2>&1 & pids="$pids $!"; done
wait $pids
fails=$(cat "$state"/par.* | grep -c fault)
[ "$fails" = 0 ] && [ "$(db "select count(*) from bridges where name like 'xenbr2_'")" = 8 ] &&
	echo "PASS $T: eight bridges added in parallel through the API are all stored" ||
	echo "FAIL $T: eight bridges added in parallel: $(cat "$state"/par.*)"
until_ok "and all made on the host" eval "[ \"\$(ip -n $ns -o link show type bridge | grep -c 'xenbr2[1-8]')\" = 8 ]"

pass_if "nothing of this test is on the test machine's own network" \
	eval "! ip link show m0 && ! ip link show a0 && ! ip link show xenbr1"
stop_agent
