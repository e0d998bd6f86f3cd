#!/bin/bash
# The console's Server pool screen against two real tarnd (ASan/UBSan) on
# loopback: A (127.0.0.1, the console's) and B (127.0.0.2), each with its
# own state, ports and pool node. Creating a pool with a pool password,
# this host's pool address (and the restart it needs), its roles, the members list
# refreshing as B joins and leaves, making B master and putting it in
# maintenance and back, joining B's pool with a wrong and the
# right pool password once B's certificate is confirmed (and not, when it
# is not), a wrong console password, leaving. The Status screen's
# certificate fingerprint. Nothing touches
# this machine's /etc, /run/tarn or ports 8899/8900.
T=tui-pool
. "${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib/tui.sh"
with_agent
free_port() { python3 "$TOP/tests/lib/ports.py"; }
# B: a second agent, on 127.0.0.2
stateb=$tmp/state-b portb=$(free_port) poolb=$(free_port)
sockb=$stateb/run/tarn/api.sock
ASAN_OPTIONS=detect_leaks=1 "$B/tarnd" -f --no-reconcile --listen 127.0.0.2 --port $portb \
	--pool-listen 127.0.0.2:$poolb --state "$stateb" --rundir "$stateb/run" 2>>"$tmp/tarnd-b.log" &
agentb=$!
on_exit() { kill "$agentb" 2>/dev/null; }
for _ in $(seq 100); do [ -S "$sockb" ] && (exec 3<>/dev/tcp/127.0.0.2/$portb) 2>/dev/null && break; sleep 0.1; done
ctlb() { env -u TARN_PASSWORD "$B/tarnctl" --socket "$sockb" "$@" </dev/null; }
# what pool.info says on a socket: pool NAME and the member count, or the fault
pool_of() {
	env -u TARN_PASSWORD "$B/tarnctl" --socket "$1" --json pool info </dev/null 2>&1 |
		python3 -c 'import json,sys
try: i = json.load(sys.stdin); print(i["name"], len(i["members"]))
except Exception: print("none")'
}
# an agent's certificate fingerprint as openssl computes it (SHA256:AB:..), and its two halves as the console
# shows them: 16 pairs on the first line, 16 on the second
fingerprint() { openssl x509 -in "$1/tls/cert.pem" -noout -fingerprint -sha256 | sed 's/.*=/SHA256:/'; }
fpa=$(fingerprint "$state") fpb=$(fingerprint "$stateb")
fpb1=${fpb:0:55} fpb2=${fpb:55}
# enter_and_wait with a longer wait: a join takes seconds
enter_slow() { keys "$1" Enter; wait_for "$1" "$2" "$3"; }
HINTS='j: join  l: leave  e: eject  m: member  a: addr  r: roles  v: VIP  Esc: back'

check "the console starts on agent A" console main
keys main s
check "Status shows the agent's certificate fingerprint (openssl's), for joining hosts to check" \
	wait_for main "Certificate +${fpa:0:55}\$" 5
check "its second half on the next line, whole at 80x24" grep -qE "^ +${fpa:55}\$" "$tmp/screen"
keys main Escape; wait_for main "$MENU"
keys main o
check "o opens Server pool: this host is in no pool" wait_for main 'This host is in no pool'
check "the agent's words say why" grep -q 'in no pool yet' "$tmp/screen"
check "the pool address is shown (the default)" grep -qE 'Pool address +127.0.0.1:8900 \(the default\)' "$tmp/screen"
check "no 'not available in this version' text" bash -c "! grep -q 'not available\|not in this version' '$tmp/screen'"

# ---- create with a pool password ----
keys main c; wait_for main 'Tarn [^ ]+ +Create a pool'
keys main 'lab pool'
check "create: a pool name with a space is refused" enter_and_wait main '! a name has only letters, digits'
keys main C-u lab-a Tab pool-secret-a Tab pool-secret-x
check "create: two different pool passwords are refused" enter_and_wait main '! the two passwords differ'
check "create: the passwords are not shown" bash -c "! grep -q pool-secret '$tmp/screen'"
keys main C-u pool-secret-a Enter
wait_for main 'No console password is set yet' && keys main Enter
wait_for main 'Set the console password'; keys main 'console-pass-1' Tab 'console-pass-1' Enter
wait_for main 'The console password is set'; keys main Enter
check "create: the pool is created" wait_for main 'Pool lab-a is created'
keys main Enter
check "the pool is shown with this host as master" wait_for main 'Master +127.0.0.1:[0-9]+ \(this host\)'
check "its key hints are whole at 80x24" grep -q "$HINTS" "$tmp/screen"
check "the member: address, Raft role, up, master and this host" \
	grep -qE "127.0.0.1:$((port + 1)) +voter +up, [0-9]+ s ago +master, this host" "$tmp/screen"
check "this host's roles, read-only, with no 'not in this version'" bash -c \
	"grep -qF '[x] pool master  [x] utility server  [x] VM server' '$tmp/screen' && ! grep -q 'this version' '$tmp/screen'"
[ "$(pool_of "$sock")" = "lab-a 1" ] && pass "pool.info: lab-a, one member" || fail "pool.info: lab-a, one member: $(pool_of "$sock")"
out=$(TARN_POOL_PASSWORD=not-it ctlb pool join 127.0.0.1:$port --fingerprint "$fpa" 2>&1)
grep -q 'refused the pool password' <<<"$out" && pass "the pool password is set: B with another is refused" ||
	fail "the pool password is set: B with another is refused: $out"
out=$(TARN_POOL_PASSWORD=pool-secret-a ctlb pool join 127.0.0.1:$port 2>&1)
grep -qF "presents certificate $fpa; check it on the master's console" <<<"$out" &&
	[ "$(pool_of "$sockb")" = none ] && pass "tarnctl: B without --fingerprint is refused, naming A's certificate" ||
	fail "tarnctl: B without --fingerprint is refused, naming A's certificate: $out"
out=$(TARN_POOL_PASSWORD=pool-secret-a ctlb pool join 127.0.0.1:$port --fingerprint "${fpa,,}" 2>&1)
[ "$(pool_of "$sockb")" = "lab-a 2" ] && pass "B joins with the console's pool password and A's --fingerprint" ||
	fail "B joins with the console's pool password and A's --fingerprint: $out"
check "the members list shows B by itself (live refresh)" wait_for main "127.0.0.2:$poolb +[a-z]+ +up" 10

# ---- a member made master, put in maintenance and taken out ----
keys main m
check "m lists every member, this host too" wait_for main 'Which member\?'
keys main 2; wait_for main 'Make it the pool master'
keys main 1
check "master: asked first, naming the member" wait_for main "Make 127.0.0.2:$poolb the pool master\?"
keys main y
check "master: B is the pool master" wait_for main "127.0.0.2:$poolb is the pool master" 15
keys main Enter
check "master: the screen shows B as master" wait_for main "Master +127.0.0.2:$poolb\$" 10
keys main m; wait_for main 'Which member\?'; keys main 2; wait_for main 'Put it in maintenance'; keys main 2
check "maintenance: asked first, saying what it does" wait_for main "Put 127.0.0.2:$poolb in maintenance\?"
keys main y; wait_for main "is in maintenance"; keys main Enter
check "maintenance: the members list shows it, and B's evacuation done (no guests)" \
	wait_for main "127.0.0.2:$poolb +voter +up.*master, maintenance: done" 15
keys main m; wait_for main 'Which member\?'; keys main 2; wait_for main 'Take it out of maintenance'; keys main 2
keys main y
check "maintenance: B taken out of it" wait_for main "127.0.0.2:$poolb is out of maintenance" 15
keys main Enter
keys main m; wait_for main 'Which member\?'; keys main 1; wait_for main 'Make it the pool master'; keys main 1 y
check "master: A made master again" wait_for main "127.0.0.1:$((port + 1)) is the pool master" 15
keys main Enter; wait_for main "$HINTS"
check "and the list no longer marks B in maintenance" bash -c "! grep -q 'maintenance' '$tmp/screen'"
keys main e
check "e lists the other members to eject" wait_for main 'Eject which member\?'
check "B is offered, this host is not" bash -c "grep -q '127.0.0.2:$poolb' '$tmp/screen' && ! grep -q '127.0.0.1:$((port + 1))' '$tmp/screen'"
keys main Escape; wait_for main "$HINTS"
out=$(ctlb pool leave 2>&1)
check "B leaves: the list is one member again (live refresh)" wait_gone main "127.0.0.2:$poolb" 15
[ "$(pool_of "$sock")" = "lab-a 1" ] || fail "A's pool after B left: $(pool_of "$sock") ($out)"

# ---- this host's pool address ----
keys main a; wait_for main "Tarn [^ ]+ +This host's pool address"
keys main C-u 10.0.0.11
check "address: without a port is refused" enter_and_wait main '! an IPv4 address and a port'
keys main C-u 10.0.0.300:8900
check "address: a wrong IPv4 address is refused" enter_and_wait main '! 300 is not 0-255'
keys main C-u 10.0.0.11:70000
check "address: a port out of range is refused" enter_and_wait main '! the port is a number 1-65535'
[ -z "$(setting pool_address)" ] && pass "address: refused, nothing stored" || fail "address: refused, nothing stored"
newaddr=127.0.0.1:$((port + 7))
keys main C-u $newaddr
check "address: saved, taking effect when the agent restarts" enter_and_wait main 'takes effect[^.]*when the agent restarts'
keys main Enter
check "address: the agent's restart is offered (the System screen's)" wait_for main 'Restart the Tarn agent\?'
keys main y
check "address: the restart command ran" wait_for main 'The agent was restarted'
test -e "$tmp/restarted" && pass "address: restarted by its command" || fail "address: restarted by its command"
keys main Enter
[ "$(setting pool_address)" = "$newaddr" ] && pass "address: in the store" || fail "address: in the store: $(setting pool_address)"
check "address: the screen shows the one after the restart" wait_for main "\($newaddr once the agent restarts\)"
sql "delete from settings where key='pool_address'" # the agent is not really restarted: back as it runs

# ---- this host's roles ----
roles_of() {
	env -u TARN_PASSWORD "$B/tarnctl" --socket "$sock" --json pool members </dev/null 2>&1 |
		python3 -c 'import json,sys; print(",".join(json.load(sys.stdin)[0]["roles"]))'
}
keys main r
check "r opens this host's roles, as they are" wait_for main 'Utility server +< yes >'
keys main Space
check "roles: Space turns utility off" wait_for main 'Utility server +< no >'
keys main Enter
check "roles: saved" wait_for main "This host's roles are changed"
keys main Enter
[ "$(roles_of)" = "master,vm-server" ] && pass "roles: the pool has them (master is still whoever leads)" ||
	fail "roles: the pool has them: $(roles_of)"
check "roles: the screen shows them" wait_for main '\[x\] pool master  \[ \] utility server  \[x\] VM server'

# ---- the pool's virtual IP ----
vip_of() {
	env -u TARN_PASSWORD "$B/tarnctl" --socket "$sock" --json pool info </dev/null 2>&1 |
		python3 -c 'import json,sys; print(json.load(sys.stdin)["vip"] or "none")'
}
keys main v; wait_for main "Tarn [^ ]+ +The pool's virtual IP"
keys main C-u 10.0.0.300/24
check "vip: a wrong IPv4 address is refused" enter_and_wait main '! 300 is not 0-255'
keys main C-u 10.0.0.50
check "vip: without its prefix is refused" enter_and_wait main '! an IPv4 address with its prefix'
[ "$(vip_of)" = none ] && pass "vip: refused, the pool has none" || fail "vip: refused, the pool has none: $(vip_of)"
keys main C-u 10.0.0.50/24
check "vip: saved" enter_and_wait main 'The master takes it within a few seconds'
keys main Enter
[ "$(vip_of)" = 10.0.0.50/24 ] && pass "vip: the pool has it" || fail "vip: the pool has it: $(vip_of)"
check "vip: the screen shows it with the master" wait_for main 'Master +127.0.0.1:[0-9]+ \(this host\), at virtual IP 10.0.0.50/24'
keys main v; wait_for main "Tarn [^ ]+ +The pool's virtual IP"; keys main C-u Enter
check "vip: emptied, the pool has none" wait_for main 'The pool has no virtual IP now'
keys main Enter
[ "$(vip_of)" = none ] && pass "vip: none in pool.info" || fail "vip: none in pool.info: $(vip_of)"

# ---- joining B's pool ----
TARN_POOL_PASSWORD=pool-secret-b ctlb pool create lab-b >/dev/null 2>&1
[ "$(pool_of "$sockb")" = "lab-b 1" ] || fail "B creates lab-b: $(pool_of "$sockb")"
keys main j; wait_for main 'Tarn [^ ]+ +Join a pool'
keys main 300.1.1.1
check "join: a wrong master address is refused" enter_and_wait main '! 300 is not 0-255'
keys main C-u 127.0.0.2:$portb Tab not-the-password
check "join: the master's certificate is shown to confirm first (nothing sent yet)" \
	enter_slow main "The pool master at 127.0.0.2:$portb presents the certificate" 30
check "join: the fingerprint shown is B's, on two lines within 80 columns" \
	bash -c "grep -qF '$fpb1' '$tmp/screen' && grep -qF '$fpb2' '$tmp/screen'"
keys main y
check "join: trusted, then a wrong pool password: the agent's refusal, inline" \
	wait_for main 'Nothing was saved: the pool master at 127.0.0.2 refused the pool password' 30
[ "$(pool_of "$sock")" = "lab-a 1" ] && pass "join refused: this host is as it was" ||
	fail "join refused: this host is as it was: $(pool_of "$sock")"
keys main Up C-u 127.0.0.9:1 Tab C-u pool-secret-b
check "join: an unreachable master: the agent's words" enter_slow main 'cannot reach the pool master' 30
keys main Escape; wait_for main "$HINTS"

# a second console, with a wrong console password: nothing changes
check "a second console starts" console other
keys other o; wait_for other "$HINTS"; keys other j; wait_for other 'Tarn [^ ]+ +Join a pool'
keys other 127.0.0.2:$portb Tab pool-secret-b Enter
wait_for other 'Console password'; keys other wrong-console-pass Enter
check "a wrong console password: nothing was changed" wait_for other 'Wrong console password: nothing was changed'
[ "$(pool_of "$sock")" = "lab-a 1" ] && pass "wrong console password: still lab-a alone" ||
	fail "wrong console password: still lab-a alone: $(pool_of "$sock")"
keys other Enter; keys other Escape Escape; wait_for other "$MENU"
quit other

keys main j; wait_for main 'Tarn [^ ]+ +Join a pool'
keys main 127.0.0.2:$portb Tab pool-secret-b
enter_slow main "The pool master at 127.0.0.2:$portb presents the certificate" 30
keys main n
check "join: n (the certificate not trusted) joins nothing, saying so" \
	wait_for main 'not joined: the master.s certificate was not trusted' 10
[ "$(pool_of "$sock")" = "lab-a 1" ] && pass "join: not trusted: this host is as it was" ||
	fail "join: not trusted: this host is as it was: $(pool_of "$sock")"
enter_slow main "The pool master at 127.0.0.2:$portb presents the certificate" 30
keys main y
check "join: y (trusted) and the right pool password joins" wait_for main 'This host joined the pool' 90
keys main Enter
check "the screen shows B's pool" wait_for main 'Pool +lab-b'
check "the members list shows 2, this host marked" wait_for main "127.0.0.1:$((port + 1)) +[a-z]+ +up.*this host" 10
check "and B as master" grep -qE "127.0.0.2:$poolb +voter +up, [0-9]+ s ago +master\$" "$tmp/screen"
[ "$(pool_of "$sock")" = "lab-b 2" ] && pass "pool.info on A: lab-b, 2 members" || fail "pool.info on A: lab-b, 2 members: $(pool_of "$sock")"

# ---- leaving ----
keys main l; wait_for main 'Leave pool lab-b\?'; keys main n
wait_for main "$HINTS"
[ "$(pool_of "$sock")" = "lab-b 2" ] && pass "leave not confirmed: still a member" || fail "leave not confirmed: still a member"
keys main l; wait_for main 'Leave pool lab-b\?'; keys main y
check "leave: this host left the pool" wait_for main 'This host left the pool' 60
keys main Enter
check "the screen says it is in no pool" wait_for main 'This host is in no pool' 10
[ "$(pool_of "$sock")" = none ] && pass "pool.info on A: no pool" || fail "pool.info on A: no pool: $(pool_of "$sock")"
for _ in $(seq 50); do [ "$(pool_of "$sockb")" = "lab-b 1" ] && break; sleep 0.2; done
[ "$(pool_of "$sockb")" = "lab-b 1" ] && pass "B's pool is B alone again" || fail "B's pool is B alone again: $(pool_of "$sockb")"
keys main Escape; wait_for main "$MENU"
quit main
[ $failed = 0 ]
