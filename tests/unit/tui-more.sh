#!/bin/bash
# More of tarn-tui under tmux, against a real tarnd on loopback and its node
# store: bridges, VLANs and bonds; the System screen's logs, ping and reset
# to defaults; guests through the agent's API. Nothing touches this
# machine's /etc, /run/tarn or network.
T=tui-more
. "${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib/tui.sh"
with_agent
# harmless stand-ins for the logs; ping is real (BusyBox's where there is no other)
export TARN_TUI_AGENT_LOG_CMD='echo agent-log-line' TARN_TUI_KERNEL_LOG_CMD='echo kernel-log-line; echo oops >&2'
export TARN_TUI_XEN_LOG_CMD='echo xen-log-line'
command -v ping >/dev/null || export TARN_TUI_PING_CMD='busybox ping -c 3'
# a network card the store accepts as a member: this host's first, else lo
nic=$(ls /sys/class/net | grep -vxE 'lo|bonding_masters' | head -n 1)
nic=${nic:-lo}

check "the console starts on the agent's store" console main
check "at 80x24 the main menu has Bridges, VLANs, bonds and Guests whole" \
	bash -c "grep -qE ' b +Bridges, VLANs, bonds ' '$tmp/screen' && grep -qE ' g +Guests ' '$tmp/screen'"

# ---- bridges, VLANs and bonds ----
keys main b
check "b opens Bridges, VLANs and bonds" wait_for main 'Tarn [^ ]+ +Bridges, VLANs and bonds'
check "with none yet, it says how to add one" grep -q 'None yet: b, v or o adds' "$tmp/screen"
check "its key hints are whole at 80x24" grep -q 'b/v/o: add bridge/VLAN/bond  d: remove  Esc: back' "$tmp/screen"
keys main b
check "b adds a bridge, named the first free xenbrN" wait_for main 'Bridge name +\[xenbr[0-9]'
keys main C-u xenbr5 Tab "$nic" Enter
wait_for main 'No console password is set yet' && keys main Enter
wait_for main 'Set the console password'; keys main 'console-pass-1' Tab 'console-pass-1' Enter
wait_for main 'The console password is set'; keys main Enter
check "the bridge is saved (the console password set on the way)" wait_for main 'Bridge xenbr5 is saved'
keys main Enter
check "the list shows it with its port and state" wait_for main "xenbr5 +bridge +$nic +absent, not applied yet"
out=$(ctl bridge)
grep -qE "^xenbr5 +$nic\$" <<<"$out" && pass "tarnctl bridge lists it from the agent's store" ||
	fail "tarnctl bridge lists it from the agent's store: $out"

gen0=$(gen)
keys main v; wait_for main 'Tarn [^ ]+ +Add a VLAN'
keys main "$nic" Tab 5000
check "VLAN 5000 is refused inline with a message" enter_and_wait main '! VLAN 5000 is not 1-4094'
check "and the form says nothing was saved" grep -q 'Nothing was saved' "$tmp/screen"
[ "$(sql 'select count(*) from vlans')" = 0 ] && [ "$(gen)" = "$gen0" ] &&
	pass "VLAN 5000: nothing is stored" || fail "VLAN 5000: nothing is stored (generation $gen0 -> $(gen))"
keys main C-u 100
check "VLAN 100 on the network card is saved, named PARENT.ID" enter_and_wait main "VLAN $nic.100 is saved"
keys main Enter
check "the list shows the VLAN with its parent and id" wait_for main "$nic.100 +vlan +$nic, id 100"
out=$(ctl vlan)
grep -qE "^$nic\\.100 +$nic +100\$" <<<"$out" && pass "tarnctl vlan lists it" || fail "tarnctl vlan lists it: $out"

keys main o; wait_for main 'Tarn [^ ]+ +Add a bond'
check "a bond's mode is offered from lib's bond modes" grep -q 'Mode .*< active-backup >' "$tmp/screen"
keys main bond0 Tab Right
check "Right moves to the next mode" wait_for main '< 802.3ad >'
keys main Tab "$nic"
check "a bridge's port as a bond's slave is refused, saying why" \
	enter_and_wait main "$nic is a port of bridge xenbr5"
[ "$(sql 'select count(*) from bonds')" = 0 ] && pass "the refused bond is not stored" ||
	fail "the refused bond is not stored"
keys main Escape; wait_for main 'Tarn [^ ]+ +Bridges, VLANs and bonds'

keys main Down d
check "d on the VLAN asks to confirm its removal" wait_for main "Remove VLAN $nic.100\\?"
keys main n; wait_for main 'Tarn [^ ]+ +Bridges, VLANs and bonds'
[ "$(sql 'select count(*) from vlans')" = 1 ] && pass "not confirmed, nothing is removed" ||
	fail "not confirmed, nothing is removed"
keys main d; wait_for main "Remove VLAN $nic.100\\?"; keys main y
check "confirmed, the VLAN is removed" wait_for main "VLAN $nic.100 is removed"
[ -z "$(ctl vlan | grep "$nic.100")" ] && pass "tarnctl vlan no longer lists it" || fail "tarnctl vlan no longer lists it"
keys main Enter Up Enter
check "Enter on a bridge changes its ports, its name fixed" wait_for main 'Tarn [^ ]+ +Change bridge xenbr5'
keys main Escape; wait_for main 'Bridges, VLANs and bonds'; keys main Escape
check "Esc is the main menu again" wait_for main "$MENU"

# ---- guests, through the agent's API ----
printf '%s\n' 'name = "tui-guest-01"' 'type = "pv"' 'kernel = "/boot/vmlinuz"' 'memory = 256' 'vcpus = 2' > "$tmp/web.cfg"
printf '%s\n' 'name = "tui-bad"' 'memory = "lots"' > "$tmp/bad.cfg"
keys main g
check "g opens Guests" wait_for main 'Tarn [^ ]+ +Guests'
check "with none, it says how to create one" wait_for main 'No guests yet: c creates one'
check "its key hints are whole at 80x24" bash -c "grep -q 'c: create  e: edit  o: console  Esc: back' '$tmp/screen' &&
	grep -q 'u resume  d delete' '$tmp/screen'"
keys main c; wait_for main 'From an xl.cfg file'; keys main f; wait_for main 'Create a guest from an xl.cfg file'
keys main "$tmp/no-such.cfg"
check "create: an unreadable file is refused, saying why" enter_and_wait main 'cannot read .*/no-such.cfg: No such file'
keys main C-u relative.cfg
check "create: a relative path is refused" enter_and_wait main '! relative.cfg is not an absolute path'
keys main C-u "$tmp/bad.cfg"
check "create: a wrong xl.cfg shows the agent's fault" \
	enter_and_wait main 'Nothing was saved: the agent did not take it: xl.cfg:2: memory must be'
out=$(ctl guest list)
grep -q tui-bad <<<"$out" && fail "create: the wrong one is not defined: $out" || pass "create: the wrong one is not defined"
keys main C-u "$tmp/web.cfg"
check "create: an xl.cfg file defines the guest" enter_and_wait main 'Guest tui-guest-01 is defined, stopped'
keys main Enter
check "the list shows it: desired and actual side by side, memory, vCPUs" \
	wait_for main 'tui-guest-01 +stopped +unknown +pv +256 MiB +2'
out=$(ctl guest list)
grep -qE '^tui-guest-01 +stopped ' <<<"$out" && pass "tarnctl guest list shows it" || fail "tarnctl guest list shows it: $out"
keys main s
check "s starts it" wait_for main 'tui-guest-01 is meant to run now'
out=$(ctl guest list)
grep -qE '^tui-guest-01 +running ' <<<"$out" && pass "tarnctl guest list: desired=running" ||
	fail "tarnctl guest list: desired=running: $out"
keys main Enter
check "the list shows it meant to run" wait_for main 'tui-guest-01 +running +unknown'
keys main f; wait_for main 'Force tui-guest-01 off at once'; keys main y
check "force off: the agent takes it" wait_for main 'tui-guest-01 is forced off'
keys main Enter; wait_for main 'Tarn [^ ]+ +Guests'
check "forced off, it is meant to be stopped" wait_for main 'tui-guest-01 +stopped'
keys main s; wait_for main 'tui-guest-01 is meant to run now'
keys main Enter; wait_for main 'tui-guest-01 +running'
keys main d; wait_for main 'Delete guest tui-guest-01\?'; keys main y
check "deleting a guest meant to run: the agent's refusal" wait_for main 'stop it first'
keys main Enter; wait_for main 'Tarn [^ ]+ +Guests'
keys main Enter; wait_for main 'Tarn [^ ]+ +Guest tui-guest-01'
check "Enter opens the guest's actions" grep -q 'Force off' "$tmp/screen"
keys main h
check "shut down from the actions" wait_for main 'tui-guest-01 is meant to be stopped now'
keys main Enter; wait_for main 'tui-guest-01 +stopped'
keys main d; wait_for main 'Delete guest tui-guest-01\?'; keys main n
wait_for main 'Tarn [^ ]+ +Guests'
out=$(ctl guest list)
grep -q tui-guest-01 <<<"$out" && pass "delete not confirmed: still defined" || fail "delete not confirmed: still defined"
keys main d; wait_for main 'Delete guest tui-guest-01\?'; keys main y
check "delete confirmed: undefined" wait_for main 'tui-guest-01 is deleted'
out=$(ctl guest list)
grep -q tui-guest-01 <<<"$out" && fail "tarnctl guest list no longer shows it: $out" || pass "tarnctl guest list no longer shows it"
keys main Enter; wait_for main 'No guests yet'; keys main Escape; wait_for main "$MENU"

# ---- System: the agent's, the kernel's and Xen's logs; ping; reset to defaults ----
keys main y; wait_for main 'Reset configuration to defaults'
syslog() { # syslog LETTER TITLE LINE: the entry shows its command's output, and Esc comes back
	keys main "$1"
	check "system: $2 shows its command's output" wait_for main "$3"
	check "system: $2 is titled with its command" grep -q "Tarn [^ ]* *$2: " "$tmp/screen"
	[ "$1" != k ] || check "system: a log command's errors are shown too" grep -q '^oops' "$tmp/screen"
	keys main Escape; wait_for main 'Reset configuration to defaults'
}
syslog t 'Agent log' '^agent-log-line'
syslog k 'Kernel log' '^kernel-log-line'
syslog e 'Xen log' '^xen-log-line'

keys main i; wait_for main 'Address or host name'
keys main 300.1.1.1
check "ping: 300.1.1.1 is refused inline" enter_and_wait main '! 300 is not 0-255'
keys main C-u 'evil;reboot'
check "ping: a name with ';' is refused" enter_and_wait main '! evil;reboot is neither an address nor a host name'
keys main C-u 127.0.0.1 Enter
check "ping: 127.0.0.1 answers, in the view" wait_for main '3 packets transmitted, 3 (packets )?received' 20
check "ping: its replies are shown" grep -q 'bytes from 127.0.0.1' "$tmp/screen"
keys main Escape; wait_for main 'Reset configuration to defaults'

sql "insert or replace into settings values ('hostname', 'reset-me-01'), ('dns', '192.0.2.53')"
keys main z; wait_for main 'Type RESET to confirm'
check "reset says the console password is kept" grep -q 'Kept: the console password' "$tmp/screen"
keys main reset
check "reset: 'reset' in small letters is refused" enter_and_wait main '! type RESET in capitals'
[ "$(setting hostname)" = reset-me-01 ] && pass "reset refused: nothing changed" || fail "reset refused: nothing changed"
keys main C-u RESET Enter
check "reset: the console password is asked, though given before" wait_for main 'Console password'
keys main 'console-pass-1' Enter
check "reset: done, saying the console password is kept" wait_for main 'The console password is kept'
[ -z "$(setting hostname)" ] && [ -z "$(setting dns)" ] && pass "reset: the test host name and DNS are gone" ||
	fail "reset: the test host name and DNS are gone: $(setting hostname) $(setting dns)"
case $(setting console_password) in '$y$'*) pass "reset: the console password is kept" ;;
	*) fail "reset: the console password is kept" ;; esac
[ "$(sql 'select count(*) from bridges')" = 0 ] && [ "$(sql "select group_concat(name || ' ' || mode) from interfaces")" = "xenbr0 dhcp" ] &&
	pass "reset: no bridges; xenbr0 by DHCP" || fail "reset: no bridges; xenbr0 by DHCP"
out=$(ctl bridge)
grep -q xenbr5 <<<"$out" && fail "reset: tarnctl bridge no longer lists xenbr5: $out" || pass "reset: tarnctl bridge no longer lists xenbr5"
keys main Enter; wait_for main 'Reset configuration to defaults'; keys main Escape; wait_for main "$MENU"

# ---- the agent stopped mid-session ----
kill $agent; wait $agent 2>/dev/null
keys main g
check "guests: with the agent down, it says so plainly" wait_for main 'The agent \(tarnd\) is not answering'
check "and host settings can still be changed" grep -q 'Host settings' "$tmp/screen"
check "it is the shared agent-down screen, offering a restart" grep -q 'r: restart the agent' "$tmp/screen"
keys main r; wait_for main 'Restart the Tarn agent'; keys main y
check "r restarts the agent (its command)" wait_for main 'The agent was restarted'
check "the restart command ran" test -e "$tmp/restarted"
keys main Enter; wait_for main 'Waiting for the agent to answer'; keys main Escape
wait_for main 'The agent is not running or not answering'; keys main Escape; wait_for main "$MENU"
keys main h; wait_for main 'Tarn [^ ]+ +Host name'; keys main C-u agent-down-01 Enter
check "with the agent down, the host name is still saved" wait_for main 'The host name is now agent-down-01'
[ "$(setting hostname)" = agent-down-01 ] && pass "in the store" || fail "in the store: $(setting hostname)"
keys main Enter; wait_for main "$MENU"

quit main
[ $failed = 0 ]
