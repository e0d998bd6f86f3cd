#!/bin/bash
# tarnctl against a real tarnd on loopback (both built with ASan/UBSan):
# output in both forms, and exit codes scripts can rely on.
set -uo pipefail
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
B=$TOP/out/c-san
make -s -C "$TOP" SAN=1 tests >/dev/null || { echo "FAIL tarnctl: build"; exit 1; }
state=$(mktemp -d /tmp/tarnctl-test.XXXXXX)
port=$((20000 + RANDOM % 20000))
pool_port=$(python3 "$TOP/tests/lib/ports.py")
export ASAN_OPTIONS=detect_leaks=1
echo 'correct horse battery' | "$B/tarnd" --set-password --state "$state"
"$B/tarnd" -f --no-reconcile --listen 127.0.0.1 --port $port --pool-listen 127.0.0.1:$pool_port --state "$state" --rundir "$state/run" 2>"$state/tarnd.log" &
agent=$!
trap 'kill $agent 2>/dev/null; wait $agent 2>/dev/null; rm -rf "$state"' EXIT
for _ in $(seq 50); do [ -s "$state/tls/cert.pem" ] && (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.1; done

export TARN_PASSWORD='correct horse battery'
ctl() { "$B/tarnctl" --host 127.0.0.1 --port $port --cacert "$state/tls/cert.pem" "$@"; }
check() { # name, expected exit code, command...; output in $out
	local name=$1 want=$2; shift 2
	out=$("$@" 2>&1); local rc=$?
	if [ $rc = "$want" ]; then echo "PASS tarnctl: $name"; else echo "FAIL tarnctl: $name: exit $rc, wanted $want: $out"; fi
}
check "version exits 0" 0 ctl version
grep -q '^product *Tarn' <<<"$out" && echo "PASS tarnctl: version prints a readable table" ||
	echo "FAIL tarnctl: version prints a readable table: $out"
check "--json exits 0" 0 ctl --json version
python3 -c 'import json,sys; d=json.loads(sys.argv[1]); assert d["product"]=="Tarn"' "$out" 2>/dev/null &&
	echo "PASS tarnctl: --json prints JSON a script can parse" || echo "FAIL tarnctl: --json prints JSON: $out"
check "echo goes through the API" 0 ctl echo "hello world"
[ "$out" = "hello world" ] && echo "PASS tarnctl: echo prints the answer" || echo "FAIL tarnctl: echo prints the answer: $out"
check "a wrong password exits 3" 3 env TARN_PASSWORD=wrong-password "$B/tarnctl" --host 127.0.0.1 --port $port --cacert "$state/tls/cert.pem" version
grep -q 'refused the login' <<<"$out" && echo "PASS tarnctl: a wrong password is said plainly" || echo "FAIL tarnctl: a wrong password is said plainly: $out"
check "an unknown verb exits 2" 2 ctl frobnicate
check "a missing argument exits 2" 2 ctl echo
check "an agent that is not there exits 3" 3 "$B/tarnctl" --host 127.0.0.1 --port 1 version
check "an untrusted certificate exits 3" 3 "$B/tarnctl" --host 127.0.0.1 --port $port version
grep -q 'certificate' <<<"$out" && echo "PASS tarnctl: an untrusted certificate is named" || echo "FAIL tarnctl: an untrusted certificate is named: $out"
# net settings: validated by the agent, recorded in the node store
check "hostname sets a valid name" 0 ctl hostname tarn-lab-01
check "hostname shows it" 0 ctl hostname
[ "$out" = tarn-lab-01 ] && echo "PASS tarnctl: hostname reads back what was set" || echo "FAIL tarnctl: hostname reads back: $out"
check "an empty host name is refused (exit 1)" 1 ctl hostname ""
grep -q 'required' <<<"$out" && echo "PASS tarnctl: the refusal says why" || echo "FAIL tarnctl: the refusal says why: $out"
check "a static address is accepted" 0 ctl iface xenbr0 static 192.0.2.10/24 192.0.2.1
check "300.1.1.1 is refused (exit 1)" 1 ctl iface xenbr0 static 300.1.1.1/24
grep -q '300 is not 0-255' <<<"$out" && echo "PASS tarnctl: the bad part of an address is named" || echo "FAIL tarnctl: the bad part is named: $out"
check "iface shows the stored settings" 0 ctl --json iface xenbr0
python3 -c 'import json,sys; d=json.loads(sys.argv[1]); assert d["ipv4"]=="192.0.2.10/24" and d["gateway4"]=="192.0.2.1"' "$out" 2>/dev/null &&
	echo "PASS tarnctl: a refused change left the stored interface as it was" || echo "FAIL tarnctl: refused change left the interface: $out"
check "DNS servers are set" 0 ctl dns 192.0.2.53 2001:db8::53
check "a bad DNS server is refused" 1 ctl dns 192.0.2.53 not-an-address
check "the DNS servers are unchanged by the refusal" 0 ctl dns
[ "$out" = "192.0.2.53 2001:db8::53" ] && echo "PASS tarnctl: DNS list intact" || echo "FAIL tarnctl: DNS list intact: $out"
store=$(sqlite3 "$state/db/node.db" "select value from settings where key='hostname'")
[ "$store" = tarn-lab-01 ] && echo "PASS tarnctl: the change is in the node store" || echo "FAIL tarnctl: the change is in the node store: $store"

# the pool and guests (the pool node elects itself first)
for _ in $(seq 100); do out=$(ctl pool info 2>&1); grep -q 'no pool yet' <<<"$out" && break; sleep 0.1; done
grep -q 'no pool yet' <<<"$out" && echo "PASS tarnctl: pool info before a pool says so" || echo "FAIL tarnctl: pool info before a pool: $out"
check "pool create makes a pool" 0 ctl pool create lab
grep -q '^pool  *lab' <<<"$out" && grep -q 'master,utility,vm-server (leader)' <<<"$out" &&
	echo "PASS tarnctl: pool create shows the pool and its member" || echo "FAIL tarnctl: pool create shows the pool: $out"
check "a second pool create is refused (exit 1)" 1 ctl pool create other
grep -q 'already in pool lab' <<<"$out" && echo "PASS tarnctl: the refusal names the pool" || echo "FAIL tarnctl: the refusal names the pool: $out"
check "pool info --json" 0 ctl --json pool info
python3 -c 'import json,sys; d=json.loads(sys.argv[1]); assert d["name"]=="lab" and d["master"] is True' "$out" 2>/dev/null &&
	echo "PASS tarnctl: pool info --json parses" || echo "FAIL tarnctl: pool info --json parses: $out"
check "a bad pool subcommand exits 2" 2 ctl pool frobnicate
printf 'name = "web1"\nmemory = 256\nkernel = "/var/lib/tarn/vmlinuz"\ndisk = [ "phy:/dev/vg0/web1,xvda,w" ]\n' >"$state/web1.cfg"
check "guest define reads an xl.cfg" 0 ctl guest define "$state/web1.cfg"
grep -q '^desired  *stopped' <<<"$out" && echo "PASS tarnctl: guest define shows the new guest" || echo "FAIL tarnctl: guest define shows the guest: $out"
printf 'name = "bad"\nmemory = 256 256\n' >"$state/bad.cfg"
check "a corrupt xl.cfg is refused (exit 1)" 1 ctl guest define "$state/bad.cfg"
grep -q 'xl.cfg:2: config parsing error' <<<"$out" && echo "PASS tarnctl: the corrupt line is named" || echo "FAIL tarnctl: the corrupt line is named: $out"
check "a missing file exits 2" 2 ctl guest define "$state/nowhere.cfg"
check "guest define - reads standard input" 0 ctl guest define - <<<'name = "web2"
memory = 128
type = "hvm"'
check "guest list" 0 ctl guest list
grep -q '^NAME  *DESIRED  *ACTUAL' <<<"$out" && grep -q '^web1  *stopped  *unknown  *pv  *256M' <<<"$out" &&
	echo "PASS tarnctl: guest list is a table of desired and actual state" || echo "FAIL tarnctl: guest list table: $out"
check "guest start" 0 ctl guest start web1
check "guest ha on" 0 ctl guest ha web1 on
check "guest ha with neither on nor off exits 2" 2 ctl guest ha web1 maybe
check "guest show" 0 ctl guest show web1
grep -q '^desired  *running' <<<"$out" && grep -q '^ha  *yes' <<<"$out" && grep -q 'phy:/dev/vg0/web1' <<<"$out" &&
	echo "PASS tarnctl: guest show has the desired state and the xl.cfg" || echo "FAIL tarnctl: guest show: $out"
check "guest list --json" 0 ctl --json guest list
python3 -c 'import json,sys; d=json.loads(sys.argv[1]); assert [g["name"] for g in d]==["web1","web2"] and d[0]["desired"]=="running"' "$out" 2>/dev/null &&
	echo "PASS tarnctl: guest list --json parses" || echo "FAIL tarnctl: guest list --json parses: $out"
check "pausing a missing guest is refused (exit 1)" 1 ctl guest pause nope
grep -q 'no guest named nope' <<<"$out" && echo "PASS tarnctl: the missing guest is named" || echo "FAIL tarnctl: the missing guest is named: $out"
check "a running guest is not undefined (exit 1)" 1 ctl guest undefine web1
check "guest pin" 0 ctl guest pin web1 0 0-1
check "a pin with a bad CPU list is refused (exit 1)" 1 ctl guest pin web1 0 two
grep -q 'two is not a CPU' <<<"$out" && echo "PASS tarnctl: the bad CPU list is named" || echo "FAIL tarnctl: the bad CPU list is named: $out"
check "guest drift" 0 ctl guest drift web1 leave
check "guest place of a running guest is refused (exit 1)" 1 ctl guest place web1 1
grep -q 'stop it first, or move it live (guest.migrate)' <<<"$out" && echo "PASS tarnctl: guest place says why" ||
	echo "FAIL tarnctl: guest place says why: $out"
check "guest place to a member that is not there is refused (exit 1)" 1 ctl guest place web2 99
grep -q 'no member 99 in the pool' <<<"$out" && echo "PASS tarnctl: guest place names the missing member" ||
	echo "FAIL tarnctl: guest place names the missing member: $out"
check "guest place with no member exits 2" 2 ctl guest place web2
check "guest show after pin and drift" 0 ctl guest show web1
grep -q '^host  *member 1 (127\.0\.0\.1:' <<<"$out" && echo "PASS tarnctl: guest show names its host, member id and address" ||
	echo "FAIL tarnctl: guest show names its host: $out"
grep -q '^pins  *0:0-1' <<<"$out" && grep -q '^drift  *leave' <<<"$out" && grep -q '^actual  *unknown' <<<"$out" &&
	echo "PASS tarnctl: guest show has the pins and the drift policy" || echo "FAIL tarnctl: guest show has pins and drift: $out"
check "--force is for stop only (exit 2)" 2 ctl guest start web1 --force
check "a timeout that is not a number exits 2" 2 ctl guest stop web1 --timeout soon
check "rebooting a guest meant to be stopped is refused (exit 1)" 1 ctl guest reboot web2
grep -q 'start it instead' <<<"$out" && echo "PASS tarnctl: the refused reboot says why" || echo "FAIL tarnctl: the refused reboot says why: $out"
check "guest start --wait with no Xen to report fails plainly (exit 1)" 1 ctl guest start web2 --wait
grep -q 'no host has reported this guest' <<<"$out" && echo "PASS tarnctl: --wait says nothing reported the guest" ||
	echo "FAIL tarnctl: --wait says nothing reported the guest: $out"
check "guest destroy" 0 ctl guest destroy web2
check "guest stop with a timeout" 0 ctl guest stop web1 --timeout 5
check "guest show after stop --timeout" 0 ctl --json guest show web1
python3 -c 'import json,sys; d=json.loads(sys.argv[1]); assert d["desired"]=="stopped" and d["stop_timeout"]==5' "$out" 2>/dev/null &&
	echo "PASS tarnctl: stop --timeout is recorded" || echo "FAIL tarnctl: stop --timeout is recorded: $out"
check "guest stop" 0 ctl guest stop web1
check "guest undefine" 0 ctl guest undefine web1
check "guest list after undefine" 0 ctl --json guest list
python3 -c 'import json,sys; d=json.loads(sys.argv[1]); assert [g["name"] for g in d]==["web2"]' "$out" 2>/dev/null &&
	echo "PASS tarnctl: the undefined guest is gone" || echo "FAIL tarnctl: the undefined guest is gone: $out"
check "a bad guest subcommand exits 2" 2 ctl guest frobnicate web2
# host, tasks and events
for _ in $(seq 50); do ctl --json host info 2>/dev/null | grep -q '"facts_age": *[0-9]' && break; sleep 0.2; done
check "host info exits 0" 0 ctl host info
grep -q "^CPUs *$(nproc) " <<<"$out" && grep -q '^kernel' <<<"$out" && echo "PASS tarnctl: host info shows CPUs and kernel" ||
	echo "FAIL tarnctl: host info shows CPUs and kernel: $out"
fp=$(openssl x509 -in "$state/tls/cert.pem" -noout -fingerprint -sha256 | sed 's/.*=/SHA256:/')
grep -qx "certificate *$fp" <<<"$out" && echo "PASS tarnctl: host info shows the agent's certificate fingerprint (openssl's SHA-256)" ||
	echo "FAIL tarnctl: host info shows the agent's certificate fingerprint ($fp): $out"
check "host info --json" 0 ctl --json host info
python3 -c 'import json,sys; d=json.loads(sys.argv[1]); assert d["cpus"]>0 and d["memory_total_mib"]>0' "$out" 2>/dev/null &&
	echo "PASS tarnctl: host info --json has numbers" || echo "FAIL tarnctl: host info --json has numbers: $out"
check "host shutdown without --yes is refused (exit 2)" 2 ctl host shutdown
grep -q -- '--yes' <<<"$out" && echo "PASS tarnctl: the refusal asks for --yes" || echo "FAIL tarnctl: the refusal asks for --yes: $out"
check "task list with no tasks exits 0" 0 ctl task list
check "task show of an unknown id exits 1" 1 ctl task show 4242
grep -q 'no task 4242' <<<"$out" && echo "PASS tarnctl: an unknown task is named" || echo "FAIL tarnctl: an unknown task is named: $out"
check "task cancel of an unknown id exits 1" 1 ctl task cancel 4242
check "task show of a non-number exits 2" 2 ctl task show abc
if [ -e /etc/tarn-version ]; then
	echo "SKIP tarnctl: host reboot refused off Tarn: this machine is a Tarn host; not rebooting it"
else
	# this agent has no --power-cmd and this is no Tarn host: the task must fail, not reboot
	check "host reboot --yes queues a task" 0 ctl host reboot --yes
	id=$(grep -o 'task [0-9]*' <<<"$out" | head -1 | cut -d' ' -f2)
	check "task wait of a failed task exits 1" 1 ctl task wait "${id:-0}"
	grep -q 'not a Tarn host' <<<"$out" && echo "PASS tarnctl: off a Tarn host the reboot task fails and says why" ||
		echo "FAIL tarnctl: off a Tarn host the reboot task fails and says why: $out"
	check "task list shows it" 0 ctl task list
	grep -q "^$id *host.reboot *failed" <<<"$out" && echo "PASS tarnctl: task list is a table" || echo "FAIL tarnctl: task list is a table: $out"
	check "task show --json exits 0" 0 ctl --json task show "$id"
	python3 -c 'import json,sys; d=json.loads(sys.argv[1]); assert d["state"]=="failed"' "$out" 2>/dev/null &&
		echo "PASS tarnctl: task show --json has the state" || echo "FAIL tarnctl: task show --json has the state: $out"
fi
check "events exits 0" 0 ctl events
grep -q 'agent *Tarn agent .* started' <<<"$out" && echo "PASS tarnctl: events shows the agent's start" || echo "FAIL tarnctl: events shows the agent's start: $out"
last=$(ctl --json events | python3 -c 'import json,sys; print(json.load(sys.stdin)[-1]["id"])')
check "events --since the last shows none" 0 ctl --json events --since "${last:-0}"
python3 -c 'import json,sys; assert json.loads(sys.argv[1]) == []' "$out" 2>/dev/null && echo "PASS tarnctl: events --since ID shows only newer ones" || echo "FAIL tarnctl: events --since: $out"
check "events with a bad option exits 2" 2 ctl events --since
check "events --limit 1" 0 ctl events --limit 1
[ "$(wc -l <<<"$out")" = 2 ] && grep -q "^${last:-x} " <<<"$out" && echo "PASS tarnctl: events without --since shows the newest" ||
	echo "FAIL tarnctl: events without --since shows the newest (id ${last:-?}): $out"

# the local socket: root needs no password there, others do
sock=$state/run/tarn/api.sock
nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
check "root on the local socket needs no password" 0 env -u TARN_PASSWORD "$B/tarnctl" --socket "$sock" host info
grep -q '^hostname' <<<"$out" && echo "PASS tarnctl: host info over the local socket" || echo "FAIL tarnctl: host info over the local socket: $out"
check "task list over the local socket" 0 env -u TARN_PASSWORD "$B/tarnctl" --socket "$sock" --json task list
check "another uid on the local socket without a password exits 2" 2 nobody env -u TARN_PASSWORD "$B/tarnctl" --socket "$sock" version </dev/null
check "another uid on the local socket with a wrong password exits 3" 3 nobody env TARN_PASSWORD=wrong "$B/tarnctl" --socket "$sock" version
check "another uid on the local socket with the password gets in" 0 nobody "$B/tarnctl" --socket "$sock" version
check "a local socket that is not there exits 3" 3 "$B/tarnctl" --socket "$state/no.sock" version
grep -q "no.sock" <<<"$out" && echo "PASS tarnctl: the missing socket is named" || echo "FAIL tarnctl: the missing socket is named: $out"
mkdir -p "$state/badrun/tarn" && chmod 777 "$state/badrun/tarn"
"$B/tarnd" -f --no-reconcile --listen 127.0.0.1 --port $((port + 1)) --state "$state/second" \
	--rundir "$state/badrun" 2>"$state/second.log" &
second=$!
for _ in $(seq 50); do grep -q 'not served locally' "$state/second.log" && break; sleep 0.2; done
if grep -q 'writable by root alone.*not served locally' "$state/second.log" && [ ! -e "$state/badrun/tarn/api.sock" ] &&
	kill -0 $second 2>/dev/null; then
	echo "PASS tarnctl: no local socket in a directory others can write; the agent says why and serves on"
else
	echo "FAIL tarnctl: no local socket in a directory others can write: $(cat "$state/second.log")"
fi
kill $second; wait $second

kill $agent; wait $agent; rc=$?
[ $rc = 0 ] && echo "PASS tarnctl: the agent stopped cleanly, no sanitizer report" ||
	{ echo "FAIL tarnctl: the agent stopped cleanly: exit $rc"; cat "$state/tarnd.log"; }
