#!/bin/bash
# The engine's event log for what it applies: tarnd (ASan/UBSan build)
# reconciles in a network and UTS namespace of its own, so nothing on this
# machine changes, and is spoken to over its local socket (a path: reachable
# from outside the namespace, as root without a password).
set -uo pipefail
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
B=$TOP/out/c-san
make -s -C "$TOP" SAN=1 tests >/dev/null || { echo "FAIL events: build"; exit 1; }
if ! unshare --uts --net true 2>/dev/null; then
	echo "SKIP events: reconcile events: cannot create namespaces here"
	exit 0
fi
state=$(mktemp -d /tmp/tarn-events.XXXXXX)
agent=
trap '[ -n "$agent" ] && kill $agent 2>/dev/null; wait 2>/dev/null; rm -rf "$state"' EXIT
mkdir -p "$state/etc" "$state/run"
export ASAN_OPTIONS=detect_leaks=1
echo 'correct horse battery' | "$B/tarnd" --set-password --state "$state"
unshare --uts --net "$B/tarnd" -f --listen 127.0.0.1 --state "$state" --sysconf "$state/etc" \
	--rundir "$state/run" 2>"$state/tarnd.log" &
agent=$!
sock=$state/run/tarn/api.sock
ctl() { env -u TARN_PASSWORD "$B/tarnctl" --socket "$sock" "$@"; }
for _ in $(seq 50); do ctl version >/dev/null 2>&1 && break; sleep 0.2; done
# events_after ID PATTERN: wait up to 10 s for an event after ID whose line matches
events_after() {
	for _ in $(seq 50); do
		ctl events --since "$1" 2>/dev/null | grep -q -- "$2" && return 0
		sleep 0.2
	done
	return 1
}
last_id() { ctl --json events | python3 -c 'import json,sys; e=json.load(sys.stdin); print(e[-1]["id"] if e else 0)'; }

events_after 0 'agent *Tarn agent .* started' && echo "PASS events: the agent's start is recorded" ||
	echo "FAIL events: the agent's start is recorded: $(ctl events 2>&1)"
events_after 0 'info *net *host settings applied' && echo "PASS events: the first reconcile is recorded" ||
	echo "FAIL events: the first reconcile is recorded: $(ctl events 2>&1)"
before=$(last_id)
host=$(hostname)
ctl hostname tarn-events-1 >/dev/null
events_after "$before" 'info *net *host settings applied' && echo "PASS events: an applied change is recorded" ||
	echo "FAIL events: an applied change is recorded: $(ctl events --since "$before" 2>&1)"
[ "$(cat "$state/etc/hostname" 2>/dev/null)" = tarn-events-1 ] && [ "$(hostname)" = "$host" ] &&
	echo "PASS events: the change went to the test's own files, not this machine" ||
	echo "FAIL events: the change went to the test's own files: $(cat "$state/etc/hostname" 2>&1), $(hostname)"
before=$(last_id)
ctl iface eth9 static 192.0.2.10/24 >/dev/null
events_after "$before" 'warning *net *1 setting(s) could not be applied' &&
	echo "PASS events: a setting that cannot be applied is a warning" ||
	echo "FAIL events: a setting that cannot be applied is a warning: $(ctl events --since "$before" 2>&1)"
kill $agent; wait $agent; rc=$?
agent=
[ $rc = 0 ] && echo "PASS events: the agent stopped cleanly, no sanitizer report" ||
	{ echo "FAIL events: the agent stopped cleanly: exit $rc"; cat "$state/tarnd.log"; }
stop=$(sqlite3 "$state/db/node.db" "select message from events where subject = 'agent' order by id desc limit 1")
[[ $stop == *"stopping on signal 15"* ]] && echo "PASS events: the agent's stop is recorded" ||
	echo "FAIL events: the agent's stop is recorded: $stop"
