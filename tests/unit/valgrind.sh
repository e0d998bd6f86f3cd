#!/bin/bash
# The agent under valgrind (the plain -O2 build, as shipped): a few hundred
# calls of every kind, good and bad, power tasks the engine runs, host facts
# read repeatedly, then SIGTERM. Both processes must end with no memory
# errors and nothing definitely lost. (valgrind.supp: Debian's libraft
# writing uninitialised struct padding into its log.)
set -uo pipefail
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
make -s -C "$TOP" all >/dev/null || { echo "FAIL valgrind: build"; exit 1; }
state=$(mktemp -d /tmp/tarn-valgrind.XXXXXX)
port=$((20000 + RANDOM % 20000))
pool_port=$(python3 "$TOP/tests/lib/ports.py")
trap 'kill $agent 2>/dev/null; rm -rf "$state"' EXIT
echo 'correct horse battery' | "$TOP/out/c/tarnd" --set-password --state "$state"
valgrind --leak-check=full --suppressions="$TOP/tests/unit/valgrind.supp" --log-file="$state/vg.%p.log" \
	"$TOP/out/c/tarnd" -f --no-reconcile --listen 127.0.0.1 --port $port --pool-listen 127.0.0.1:$pool_port \
	--state "$state" --rundir "$state/run" --power-cmd /bin/true 2>/dev/null &
agent=$!
for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.2; done
call() { curl -sk -u "$1" "https://127.0.0.1:$port/RPC2" -d "$2" >/dev/null; }
good='admin:correct horse battery'
for i in $(seq 60); do
	call "$good" "<methodCall><methodName>net.setHostname</methodName><params><param><value>h$i</value></param></params></methodCall>"
	call "$good" "<methodCall><methodName>net.setInterface</methodName><params><param><value><struct><member><name>name</name><value>eth0</value></member><member><name>mode</name><value>static</value></member><member><name>ipv4</name><value>192.0.2.$i/24</value></member></struct></value></param></params></methodCall>"
	call "$good" "<methodCall><methodName>net.status</methodName></methodCall>"
	call "$good" "<methodCall><methodName>system.echo</methodName><params><param><value><int>$i</int></value></param></params></methodCall>"
	call "$good" "<methodCall><methodName>nope</meth"
	[ $((i % 3)) = 0 ] || continue
	call "$good" "<methodCall><methodName>host.info</methodName></methodCall>"
	call "$good" "<methodCall><methodName>event.list</methodName><params><param><value><int>$i</int></value></param></params></methodCall>"
	call "$good" "<methodCall><methodName>task.get</methodName><params><param><value><int>$i</int></value></param></params></methodCall>"
	[ $((i % 15)) = 0 ] && call "$good" "<methodCall><methodName>host.reboot</methodName></methodCall>"
	[ $((i % 15)) = 0 ] && call "$good" "<methodCall><methodName>task.list</methodName></methodCall>"
done
# the pool node and guest definitions, once it has elected itself
rpc() { curl -sk -u "$good" "https://127.0.0.1:$port/RPC2" -d "<methodCall><methodName>$1</methodName><params>${2:-}</params></methodCall>"; }
p() { echo "<param><value>$1</value></param>"; }
for _ in $(seq 100); do rpc pool.info | grep -q 'no pool yet' && break; sleep 0.2; done
rpc pool.create "$(p lab)" >/dev/null
for i in $(seq 10); do
	rpc guest.define "$(p "name = \"g$i\"
memory = 64
kernel = \"/k\"
disk = [ 'phy:/dev/vg/g$i,xvda,w' ]")" >/dev/null
	rpc guest.define "$(p "name = \"bad\"
memory = 64 64")" >/dev/null
	rpc guest.setState "$(p g$i)$(p running)" >/dev/null
	rpc guest.get "$(p g$i)" >/dev/null
	rpc guest.list >/dev/null
done
for i in $(seq 5); do # the pool's jobs: a list, and work on a repository nobody has
	rpc pool.jobs >/dev/null
	rpc disk.create "$(p nowhere)$(p d)<param><value><int>1</int></value></param>$(p 1M)" >/dev/null
done
rpc guest.setState "$(p g1)$(p stopped)" >/dev/null
rpc guest.undefine "$(p g1)" >/dev/null
guests=$(rpc guest.list)
grep -q '>g10<' <<<"$guests" && ! grep -q '>g1<' <<<"$guests" &&
	echo "PASS valgrind: pool and guest calls answered under valgrind" ||
	echo "FAIL valgrind: pool and guest calls answered under valgrind: $guests"
# the local socket: root without a password, another uid with a wrong one
for i in $(seq 10); do
	curl -s --unix-socket "$state/run/tarn/api.sock" http://localhost/RPC2 \
		-d "<methodCall><methodName>host.info</methodName></methodCall>" >/dev/null
	setpriv --reuid=65534 --regid=65534 --clear-groups curl -s -u admin:wrong \
		--unix-socket "$state/run/tarn/api.sock" http://localhost/RPC2 -d "<methodCall><meth" >/dev/null
done
# the engine's steady state: host facts (libxl, /proc) read more than once
sleep 11
call 'admin:wrong password' "<methodCall><methodName>system.version</methodName></methodCall>"
last=$(curl -sk -u "$good" "https://127.0.0.1:$port/RPC2" -d '<methodCall><methodName>net.getHostname</methodName></methodCall>')
tasks=$(sqlite3 "$state/db/node.db" "select count(*) from tasks where state = 'done'")
grep -q '>h60<' <<<"$last" && [ "$tasks" = 4 ] && echo "PASS valgrind: the agent answered every call and ran every task under valgrind" ||
	echo "FAIL valgrind: the agent answered every call and ran every task under valgrind: $tasks tasks done; $last"
kill $agent; wait $agent
for _ in $(seq 50); do [ "$(grep -l 'ERROR SUMMARY' "$state"/vg.*.log 2>/dev/null | wc -l)" -ge 2 ] && break; sleep 0.2; done
# the power command's processes leave a log with a preamble only (valgrind
# does not follow them past exec)
for f in "$state"/vg.*.log; do grep -q 'HEAP SUMMARY' "$f" || rm "$f"; done
n=$(ls "$state"/vg.*.log | wc -l)
[ "$n" = 2 ] && echo "PASS valgrind: both agent processes were checked" || echo "FAIL valgrind: both agent processes were checked: $n logs"
k=0
for f in "$state"/vg.*.log; do
	k=$((k + 1))
	if grep -q 'definitely lost: 0 bytes' "$f" || ! grep -q 'definitely lost' "$f"; then
		grep -q 'ERROR SUMMARY: 0 errors' "$f" && echo "PASS valgrind: no memory errors or leaks in agent process $k" ||
			{ echo "FAIL valgrind: memory errors in agent process $k"; grep -A8 'Invalid\|uninitialised' "$f" | head -30; }
	else
		echo "FAIL valgrind: memory definitely lost in agent process $k"; grep -B2 -A12 'definitely lost in' "$f" | head -40
	fi
done
