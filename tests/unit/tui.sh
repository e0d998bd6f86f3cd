#!/bin/bash
# tarn-tui (built with ASan/UBSan) driven under tmux as a person would drive
# it: keys in, the screen read back, the node store (a temp one) checked
# with sqlite3. Restart, reboot, shutdown and the shell are harmless
# commands here; nothing touches this machine's /etc or network.
T=tui
. "${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib/tui.sh"
fake_host
listener= sleeper=
on_exit() { kill $listener $sleeper 2>/dev/null; }
NETLIST='Up/Down: select  Enter: edit'

# ---- the status screen first ----
check "starts at the main menu with the status beside it" start main --allow-quit
check "status: product and version from the version file" grep -q 'Version *9.8.7-test' "$tmp/screen"
check "status: Xen version from the hypervisor's sysfs" grep -q 'Hypervisor *Xen 4.17.3' "$tmp/screen"
check "status: CPUs" grep -qE 'CPUs +[0-9]+' "$tmp/screen"
check "status: memory used of total" grep -qE 'Memory +[0-9]+ MiB used of [0-9]+ MiB' "$tmp/screen"
check "status: the pool is unknown while the agent's socket does not answer" \
	grep -q "Pool *unknown (no answer on the agent's" "$tmp/screen"
check "status: agent health from the (overridden) check" grep -q 'Agent *agent answers-test' "$tmp/screen"
check "status: settings kept on the data partition" grep -q 'Settings *kept on /dev/sdz2' "$tmp/screen"
check "status: management interface and how it gets its address" grep -q 'obtained *DHCP (default)' "$tmp/screen"
check "status: guests unknown until the agent reports them" grep -q 'Guests *not reported by the agent yet' "$tmp/screen"
sql "insert into settings values ('hostname', 'from-the-store')"
check "status: the host name from the store shows within one refresh" wait_for main 'Host name +from-the-store' 4
sql "insert into facts values ('xen.running', 'yes', 0), ('host.cpus', '16', 0), ('host.cores', '8', 0),
	('host.sockets', '1', 0), ('host.memory_total_mib', '65536', 0), ('host.memory_free_mib', '60000', 0),
	('guests.running', '3', 0)"
check "status: the host's CPUs from the agent's facts (dom0 sees its own)" wait_for main 'CPUs +16 \(8 cores, 1 sockets\)' 4
check "status: the host's memory from the agent's facts" grep -q 'Memory *60000 MiB free of 65536 MiB' "$tmp/screen"
check "status: dom0's own memory beside it" grep -qE 'dom0 +[0-9]+ MiB used of [0-9]+ MiB' "$tmp/screen"
check "status: guests running from the agent's facts" grep -q 'Guests *3 running' "$tmp/screen"
check "status: Xen's watchdog not armed while the engine records none (as host.info says)" \
	grep -q 'Watchdog *not armed (no HA guest runs here)' "$tmp/screen"
keys main s; wait_for main 'Tarn [^ ]+ +Status'
sql "insert into facts values ('watchdog.armed', 'yes', 0), ('watchdog.timeout', '30', 0)"
check "status: the watchdog armed, in tarnctl host info's words, within one refresh" \
	wait_for main 'Watchdog +armed: Xen reboots this host 30 s after its agent stops' 4
sql "update facts set value = 'no' where key = 'watchdog.armed'"
check "status: and not armed again once the engine records it disarmed" \
	wait_for main 'Watchdog +not armed \(no HA guest runs here\)' 4
keys main Escape; wait_for main "$MENU"

# ---- every menu, and back with Esc ----
walk() { # walk LETTER TITLE
	keys main "$1"
	if wait_for main "Tarn [^ ]+ +$2"; then
		keys main Escape
		check "menu: '$1' opens $2, Esc comes back" wait_for main "$MENU"
	else
		fail "menu: '$1' opens $2"
		keys main Escape
	fi
}
walk s "Status"
walk n "Network interfaces"
walk h "Host name"
walk d "DNS and NTP servers"
walk b "Bridges, VLANs and bonds"
walk g "Guests"
walk p "Passwords"
walk r "Storage repositories"
walk o "Server pool"
walk y "System"
sql "insert into status values ('net.hostname', 1, '', 1, 0), ('net.iface.eth9', 0, 'no such device', 1, 0)"
keys main s
check "status: what the agent applied is listed" wait_for main 'net.hostname +applied'
check "status: and what it could not, with why" wait_for main 'net.iface.eth9 *FAILED: no such device'
keys main Escape; wait_for main "$MENU"
keys main Home Down Down Enter
check "menu: arrows and Enter open the third entry (Host name)" wait_for main 'Tarn [^ ]+ +Host name'
keys main Escape; wait_for main "$MENU"
keys main y; wait_for main 'View the log'; keys main l
check "system: the log opens at its end" wait_for main 'log line 200'
check "system: the log's start is scrolled away" bash -c "! grep -q 'log line 1$' '$tmp/screen'"
grep -q 'evil ?\[2J?\[H line' "$tmp/screen" && grep -q 'Tarn [^ ]* *Log: ' "$tmp/screen" &&
	pass "system: escape sequences in the log are shown, not obeyed" ||
	fail "system: escape sequences in the log are shown, not obeyed"
keys main g
check "system: g goes to the top of the log" wait_for main 'log line 1$'
keys main Escape; wait_for main 'View the log'; keys main Escape
check "system: Esc twice is the main menu again" wait_for main "$MENU"

# ---- the first change sets the console password ----
gen0=$(gen)
keys main h; wait_for main 'Tarn [^ ]+ +Host name'
keys main C-u tarn-test-01
check "a first change says no console password is set" enter_and_wait main 'No console password is set yet'
keys main Enter
check "and asks for one, twice" wait_for main 'Set the console password'
keys main 'console-pass-1' Tab 'console-pass-2'
check "two different passwords are refused" enter_and_wait main 'the two passwords differ'
[ -z "$(setting console_password)" ] && pass "nothing is stored when they differ" || fail "nothing is stored when they differ"
keys main C-u 'console-pass-1'
keys main Enter
check "the console password is set" wait_for main 'The console password is set'
keys main Enter
check "then the host name is saved" wait_for main 'The host name is now tarn-test-01'
[ "$(setting hostname)" = tarn-test-01 ] && pass "host name in the store" || fail "host name in the store: $(setting hostname)"
case $(setting console_password) in '$y$'*) pass "the console password is stored as a yescrypt hash" ;;
	*) fail "the console password is stored as a yescrypt hash" ;; esac
keys main Enter; wait_for main "$MENU"

# ---- wrong inputs are refused and change nothing ----
gen1=$(gen)
keys main h; wait_for main 'Tarn [^ ]+ +Host name'
keys main C-u
check "an empty host name is refused with a message" enter_and_wait main '! a host name is required'
keys main 'bad_name'
check "a host name with '_' is refused, naming the character" enter_and_wait main "'_' is not allowed"
keys main Escape; wait_for main "$MENU"
keys main n; wait_for main "$NETLIST"; keys main a
wait_for main 'Interface name'; keys main eth7 Enter
check "another interface opens by name" wait_for main 'Tarn [^ ]+ +Interface eth7'
check "it says what the interface has now" grep -q 'Now: no IPv4 address (there is no such interface yet)' "$tmp/screen"
keys main Right Tab '300.1.1.1/24'
check "300.1.1.1 is refused: 300 is not 0-255" enter_and_wait main '300 is not 0-255'
keys main C-u '192.0.2.10/24' Tab '10.0.0.1' Tab Tab '70000'
keys main Enter
check "a gateway outside the network is refused" wait_for main '! gateway 10.0.0.1 is outside 192.0.2.10/24'
check "an MTU of 70000 is refused" grep -q '! MTU 70000 is not 576-9216' "$tmp/screen"
check "the form says nothing was saved" grep -q 'Nothing was saved' "$tmp/screen"
[ "$(gen)" = "$gen1" ] && [ -z "$(sql "select name from interfaces where name='eth7'")" ] &&
	[ "$(setting hostname)" = tarn-test-01 ] && pass "refused input changed nothing in the store" ||
	fail "refused input changed nothing in the store (generation $gen1 -> $(gen))"
keys main C-u 192.0.2.1 Tab Tab C-u 1500
check "corrected, another interface is saved without a keep-or-put-back timer" \
	enter_and_wait main 'The interface settings are saved'
row=$(sql "select mode, ipv4, gateway4, mtu from interfaces where name='eth7'")
[ "$row" = "static|192.0.2.10/24|192.0.2.1|1500" ] && pass "eth7 is in the store as typed" ||
	fail "eth7 is in the store as typed: $row"
keys main Enter; wait_for main "$NETLIST"; keys main Escape; wait_for main "$MENU"

keys main n; wait_for main "$NETLIST"; keys main a; wait_for main 'Interface name'; keys main lo Enter
check "an interface's addresses now are shown on its form (lo: 127.0.0.1/8)" wait_for main 'Now: 127.0.0.1/8'
keys main Escape; wait_for main "$NETLIST"; keys main Escape; wait_for main "$MENU"

# ---- a static address and gateway on the management interface ----
keys main n; wait_for main "$NETLIST"
check "the management interface is listed first" grep -qE '^ +xenbr0 .*management' "$tmp/screen"
keys main Enter; wait_for main 'Tarn [^ ]+ +Interface xenbr0'
keys main s Tab C-u '192.0.2.10/24' Tab C-u '192.0.2.1' Tab Tab C-u 9000
check "a management change asks to be kept, with a countdown" \
	enter_and_wait main 'Put back in [0-9]+ s unless kept'
check "the change is on trial in the store, as the API's are" test "$(sql 'select count(*) from net_trial')" = 1
keys main k
check "kept, it says so" wait_for main 'The network change is kept'
check "and the trial is over" test "$(sql 'select count(*) from net_trial')" = 0
keys main Enter
check "the list shows it" wait_for main 'xenbr0 +static +192.0.2.10/24 +192.0.2.1 +9000 management'
row=$(sql "select mode, ipv4, gateway4, mtu from interfaces where name='xenbr0'")
[ "$row" = "static|192.0.2.10/24|192.0.2.1|9000" ] && pass "the interface is in the store" ||
	fail "the interface is in the store: $row"
keys main Escape; wait_for main "$MENU"
check "the status shows how the management address is obtained" wait_for main 'obtained +static 192.0.2.10/24'

# ---- DNS and NTP ----
keys main d; wait_for main 'DNS server 1'
keys main C-u 192.0.2.53 Tab C-u 2001:db8::53 Tab C-u 192.0.2.300 Tab C-u 'pool.ntp.org 192.0.2.123'
check "a bad DNS server is refused" enter_and_wait main '300 is not 0-255'
keys main C-u
check "DNS and NTP servers are saved" enter_and_wait main 'DNS and NTP servers are saved'
[ "$(setting dns)" = "192.0.2.53 2001:db8::53" ] && [ "$(setting ntp)" = "pool.ntp.org 192.0.2.123" ] &&
	pass "DNS and NTP in the store" || fail "DNS and NTP in the store: $(setting dns) / $(setting ntp)"
keys main Enter; wait_for main "$MENU"

# ---- the agent password ----
keys main p; wait_for main 'Agent password'; keys main a
wait_for main 'Tarn [^ ]+ +Agent password'
keys main 'agent-pass-123' Tab 'agent-pass-123'
check "the agent password is set" enter_and_wait main 'agent password is set'
hash=$(setting agent_password)
if python3 -W ignore -c 'import crypt,sys; sys.exit(crypt.crypt(sys.argv[1], sys.argv[2]) != sys.argv[2])' \
	agent-pass-123 "$hash" 2>/dev/null; then
	pass "the agent password's hash verifies (yescrypt, as tarnd --set-password stores it)"
else
	case $hash in '$y$'*) echo "SKIP tui: agent hash verified: python3 has no crypt module" ;;
		*) fail "the agent password is a yescrypt hash: $hash" ;; esac
fi
keys main Enter; wait_for main 'Agent password'; keys main Escape; wait_for main "$MENU"

# ---- system actions: confirmed, and only then run ----
keys main y; wait_for main 'Restart the agent'; keys main r
wait_for main 'Reboot this host'; keys main n
wait_for main 'View the log'
check "a reboot not confirmed runs nothing" test ! -e "$tmp/rebooted"
keys main a; wait_for main 'Restart the Tarn agent'; keys main y
check "restart the agent runs its command" wait_for main 'The agent was restarted'
check "the restart command ran" test -e "$tmp/restarted"
keys main Enter; wait_for main 'View the log'; keys main o
wait_for main 'Shut this host down'; keys main y
check "shut down runs its command when confirmed" wait_for main 'The host is shutting down'
check "the poweroff command ran" test -e "$tmp/powered-off"
keys main Enter; wait_for main 'View the log'; keys main Escape; wait_for main "$MENU"

# ---- resizing, and 80x24 ----
$TM resize-window -t main -x 120 -y 40
hints_at_bottom() { # the key hints are on the last of N lines
	local i
	for ((i = 0; i < 200; i++)); do
		cap main
		[ "$(wc -l < "$tmp/screen")" = "$1" ] && tail -n 1 "$tmp/screen" | grep -q 'Ctrl-L: redraw' && return 0
		sleep 0.05
	done
	return 1
}
check "a larger window is used at once: the key hints move to its last line" hints_at_bottom 40
check "and the status is whole in it" grep -qE 'Host name +tarn-test-01' "$tmp/screen"
$TM resize-window -t main -x 30 -y 10
wait_for main 'Tarn' 5
$TM resize-window -t main -x 80 -y 24
check "back at 80x24 after a tiny window" wait_for main 'Ctrl-L: redraw'
all=1
for want in ' s +Status ' ' n +Network interfaces ' ' h +Host name ' ' d +DNS and NTP servers ' \
	' b +Bridges, VLANs, bonds ' ' g +Guests ' ' r +Storage repositories ' ' o +Server pool ' ' p +Passwords ' ' y +System ' ' x +Local shell ' 'Host name +tarn-test-01' 'address' \
	'obtained +static 192.0.2.10/24' 'Hypervisor +Xen 4.17.3' 'Agent +agent answers-test' \
	'Settings +kept on /dev/sdz2' 'Guests +3 running' 'Memory +60000 MiB free of 65536 MiB' 'Up/Down: select +Enter or letter: open +q: quit +Ctrl-L: redraw'; do
	grep -qE -- "$want" "$tmp/screen" || { all=0; echo "    missing at 80x24: $want"; }
done
[ $all = 1 ] && pass "at 80x24 every menu entry, status line and key hint is whole" || fail "at 80x24 nothing is cut off"

# ---- Ctrl-L repaints a garbled terminal ----
tty=$($TM display-message -p -t main '#{pane_tty}')
printf '\033[2J\033[5;5HGARBAGE-ON-THE-LINE' > "$tty"
if wait_for main 'GARBAGE-ON-THE-LINE' 3 && ! grep -q 'Local shell' "$tmp/screen"; then
	keys main C-l
	check "Ctrl-L redraws the whole screen" wait_for main 'Local shell'
	check "and the garbage is gone" wait_gone main 'GARBAGE'
else
	echo "SKIP tui: Ctrl-L: could not garble the pane's terminal"
fi

# ---- q on the main menu of a real console does nothing ----
$TM new-session -d -x 80 -y 24 -s noquit "$tmp/run noquit --idle-minutes 0.05"
wait_for noquit "$MENU"
check "without --allow-quit the hints offer no quit" bash -c "! grep -q 'q: quit' '$tmp/screen'"
keys noquit q
check "q says the console stays open" wait_for noquit 'This console stays open'
keys noquit Enter
check "and the menu is still there" wait_for noquit "$MENU"

# ---- a wrong console password changes nothing ----
gen2=$(gen)
keys noquit h; wait_for noquit 'Tarn [^ ]+ +Host name'
keys noquit C-u evil-name Enter
check "a new session asks the console password before a change" wait_for noquit 'Console password'
keys noquit 'wrong-password'
wait_for noquit '\[\*{14} *\]' 3 && ! grep -q wrong-password "$tmp/screen" &&
	pass "the typed password shows as stars" || fail "the typed password shows as stars"
keys noquit Enter
check "a wrong console password says so" wait_for noquit 'Wrong console password: nothing was changed'
keys noquit Enter
check "the form is back, saying nothing was saved" wait_for noquit 'Nothing was saved'
[ "$(setting hostname)" = tarn-test-01 ] && [ "$(gen)" = "$gen2" ] &&
	pass "a wrong console password changed nothing in the store" ||
	fail "a wrong console password changed nothing: $(setting hostname), generation $gen2 -> $(gen)"
keys noquit Enter; wait_for noquit 'Console password'
keys noquit 'console-pass-1' Enter
check "the right console password lets the change through" wait_for noquit 'The host name is now evil-name'
keys noquit Enter; wait_for noquit "$MENU"
sleep 3.5 # idle longer than --idle-minutes 0.05 (3 s)
keys noquit h; wait_for noquit 'Tarn [^ ]+ +Host name'
keys noquit C-u after-idle Enter
check "after the idle time the password is asked again" wait_for noquit 'Console password'
keys noquit Escape
check "Esc at the password prompt changes nothing" wait_for noquit 'Cancelled: nothing was changed'
[ "$(setting hostname)" = evil-name ] && pass "the cancelled change is not in the store" ||
	fail "the cancelled change is not in the store: $(setting hostname)"
keys noquit Enter Escape; wait_for noquit "$MENU"
keys noquit x; wait_for noquit 'Console password'; keys noquit 'not-it-at-all' Enter
wait_for noquit 'Wrong console password'
check "the local shell is refused with a wrong password" test ! -e "$tmp/shell-ran"
keys noquit Enter; wait_for noquit "$MENU"
keys noquit x; wait_for noquit 'Console password'; keys noquit 'console-pass-1' Enter
for ((i = 0; i < 100; i++)); do [ -e "$tmp/shell-ran" ] && break; sleep 0.05; done
check "the local shell runs with the right password" test -e "$tmp/shell-ran"
check "and the console comes back after it" wait_for noquit "$MENU"
$TM kill-session -t noquit

# ---- no colour, TERM=vt100 ----
$TM new-session -d -x 80 -y 24 -s vt100 "TERM=vt100 $tmp/run vt100 --allow-quit --mounts $tmp/mounts-tmpfs \
	--hypervisor $tmp/none --confirm-seconds 2 --log $tmp/none --log-cmd 'echo from-the-log-command'"
check "TERM=vt100: the main menu and status show" wait_for vt100 "$MENU"
check "TERM=vt100: not on Xen is said" grep -q 'Hypervisor *not running on Xen' "$tmp/screen"
check "a tmpfs data directory says settings are not kept" grep -q 'Settings *NOT kept: in memory (tmpfs)' "$tmp/screen"
keys vt100 Down Enter
check "TERM=vt100: arrows and Enter open Network interfaces" wait_for vt100 "$NETLIST"
keys vt100 Enter
check "TERM=vt100: a form works" wait_for vt100 'IPv4 address/prefix +\[192.0.2.10/24'
keys vt100 Tab Tab Tab Tab C-u 1500 Enter
wait_for vt100 'Console password'; keys vt100 'console-pass-1' Enter
check "a management change not kept is put back when the time runs out" \
	wait_for vt100 'The previous network settings were put back' 10
[ "$(sql "select mtu from interfaces where name='xenbr0'")" = 9000 ] &&
	pass "the store has the previous management settings again" ||
	fail "the store has the previous management settings again: mtu $(sql "select mtu from interfaces where name='xenbr0'")"
keys vt100 Enter; wait_for vt100 "$NETLIST"
keys vt100 Escape; wait_for vt100 "$MENU"
keys vt100 y; wait_for vt100 'View the log'; keys vt100 l
check "without a log file, the log command's output is shown" wait_for vt100 'from-the-log-command'
keys vt100 Escape; wait_for vt100 'View the log'; keys vt100 Escape; wait_for vt100 "$MENU"
quit vt100

# ---- the built-in agent check: the agent's port, else its supervisor's pid ----
port=$((20000 + RANDOM % 20000))
python3 -c 'import socket,sys,time
s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(16); time.sleep(60)' $port &
listener=$!
for ((i = 0; i < 50; i++)); do (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.1; done
$TM new-session -d -x 80 -y 24 -s agent "AGENT_CHECK= $tmp/run agent --allow-quit --agent-port $port --agent-pidfile $tmp/agent.pid"
check "the agent is running when its port answers" wait_for agent "Agent +running \\(answering on port $port\\)"
kill $listener; wait $listener 2>/dev/null
check "not running when nothing answers and no supervisor" wait_for agent 'Agent +not running' 5
sleep 60 & sleeper=$!
echo $sleeper > "$tmp/agent.pid"
check "a live supervisor with a silent port is told apart" wait_for agent "Agent +port $port silent; supervisor alive" 5
kill $sleeper; wait $sleeper 2>/dev/null
quit agent

# ---- an unknown terminal type falls back to vt100 ----
$TM new-session -d -x 80 -y 24 -s badterm "TERM=no-such-terminal $tmp/run badterm --allow-quit"
check "an unknown TERM still gets the console (as vt100)" wait_for badterm "$MENU"
quit badterm

# ---- a node store that cannot be opened ----
$TM new-session -d -x 80 -y 24 -s nostore "$tmp/run nostore --allow-quit --store $tmp/no/such/dir/node.db"
check "an unusable node store is said on the status" wait_for nostore 'cannot open the node store'
keys nostore h
check "and a change says why it cannot be made" wait_for nostore 'Node store unavailable'
keys nostore Enter; wait_for nostore "$MENU"
quit nostore

# ---- random keys everywhere: no crash, no sanitizer report ----
$TM new-session -d -x 80 -y 24 -s monkey "$tmp/run monkey --allow-quit --store $tmp/monkey.db --confirm-seconds 1"
wait_for monkey "$MENU"
pool=(s n h d p y x a l r o c g G k b 1 9 0 . / : - Up Down Left Right Enter Escape Tab BTab BSpace Space
	C-u C-l C-a C-e C-d Home End NPage PPage DC)
RANDOM=4242
for ((batch = 0; batch < 40; batch++)); do
	ks=()
	for ((i = 0; i < 12; i++)); do ks+=("${pool[RANDOM % ${#pool[@]}]}"); done
	keys monkey "${ks[@]}"
	sleep 0.05
	[ -f "$tmp/rc.monkey" ] && break
done
sleep 0.5
if [ ! -f "$tmp/rc.monkey" ] && ! ls "$tmp"/asan.monkey* >/dev/null 2>&1; then
	pass "480 random keys: still running, no sanitizer report"
else
	fail "480 random keys: still running, no sanitizer report (exit $(cat "$tmp/rc.monkey" 2>/dev/null))"
	cat "$tmp"/asan.monkey* 2>/dev/null | head -30 | sed 's/^/    /'
fi
for ((i = 0; i < 12; i++)); do
	cap monkey; grep -qE "$MENU" "$tmp/screen" && break
	keys monkey Escape; sleep 0.3
done
check "Esc leads back to the main menu from wherever the keys went" wait_for monkey "$MENU" 2
quit monkey

# ---- a store the console makes is owned as the agent would own it ----
if [ "$(id -u)" = 0 ]; then
	$TM new-session -d -x 80 -y 24 -s fresh "$tmp/run fresh --allow-quit --store $tmp/fresh-db/node.db"
	wait_for fresh "$MENU"
	owners=$(stat -c %U "$tmp/fresh-db" "$tmp"/fresh-db/node.db* | sort -u)
	case $owners in tarn|nobody) pass "as root, the console makes the store's directory and files the API user's" ;;
		*) fail "as root, the console makes the store the API user's: owners $owners" ;; esac
	quit fresh
else
	echo "SKIP tui: store ownership: not running as root"
fi

# ---- with a real agent: what the console writes is what tarnd reads ----
if start_tarnd; then
	$TM new-session -d -x 80 -y 24 -s real "AGENT_CHECK= $tmp/run real --allow-quit --store $state/db/node.db \
		--agent-port $port --agent-socket $state/run/tarn/api.sock"
	check "with tarnd running, the status says it answers" wait_for real "Agent +running \\(answering on port $port\\)"
	check "the pool, asked over the agent's local socket: none yet" wait_for real 'Pool +this host is in no pool yet'
	env -u TARN_PASSWORD "$B/tarnctl" --socket "$state/run/tarn/api.sock" pool create lab-pool </dev/null >"$tmp/pool.out" 2>&1
	check "a pool made through the API shows with this host's role" wait_for real 'Pool +lab-pool, this host is the master'
	env -u TARN_PASSWORD "$B/tarnctl" --socket "$state/run/tarn/api.sock" iface xenbr0 static 192.0.2.20/24 \
		--confirm 120 </dev/null >"$tmp/trial.out" 2>&1
	keys real n
	check "a change on trial through the API is shown on the console" \
		wait_for real 'A network change is on trial: put back in [0-9]+ s \(k: keep it or not\)'
	keys real k
	wait_for real 'No console password is set yet'; keys real Enter
	wait_for real 'Set the console password'; keys real 'console-pass-9' Tab 'console-pass-9' Enter
	wait_for real 'The console password is set'; keys real Enter
	check "k offers to keep it" wait_for real 'Put back in [0-9]+ s unless kept'
	keys real k
	check "kept from the console" wait_for real 'The network change is kept'
	[ "$(sqlite3 "$state/db/node.db" 'select count(*) from net_trial')" = 0 ] &&
		[ "$(sqlite3 "$state/db/node.db" "select ipv4 from interfaces where name='xenbr0'")" = 192.0.2.20/24 ] &&
		pass "the API's change is kept in the agent's store" || fail "the API's change is kept in the agent's store"
	keys real Enter; wait_for real "$NETLIST"; keys real Escape; wait_for real "$MENU"
	keys real p; wait_for real 'Agent password'; keys real a
	wait_for real 'Tarn [^ ]+ +Agent password'; keys real 'typed-at-the-console' Tab 'typed-at-the-console' Enter
	check "the agent password is set in tarnd's own store" wait_for real 'agent password is set'
	if TARN_PASSWORD=typed-at-the-console "$B/tarnctl" --host 127.0.0.1 --port $port \
		--cacert "$state/tls/cert.pem" version >/dev/null 2>&1; then
		pass "tarnctl logs in to the agent with the password set on the console"
	else
		fail "tarnctl logs in to the agent with the password set on the console"
	fi
	keys real Enter; wait_for real 'Agent password'; keys real Escape; wait_for real "$MENU"
	quit real
	kill $agent; wait $agent 2>/dev/null
else
	echo "SKIP tui: with a real agent: tarnd did not build"
fi
quit main

[ $failed = 0 ]
