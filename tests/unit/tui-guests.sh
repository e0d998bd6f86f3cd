#!/bin/bash
# The console's Guests screen under tmux at 80x24, against a real tarnd on
# loopback: create a guest from a kernel and ramdisk (and from a template
# when the agent offers templates), wrong inputs refused inline with nothing
# defined, edit memory, vCPUs and pins (what the agent keeps checked with
# tarnctl), a wrong password changing nothing, the console of a guest that
# is not running, the agent stopped. There is no Xen here: guests are
# defined and meant to run, never running (the image test runs them).
T=tui-guests
. "${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib/tui.sh"
with_agent
export TARN_TUI_CONSOLE_CMD="touch $tmp/console-ran; echo"
field() { # GUEST FIELD: from tarnctl's guest list
	ctl --json guest list | python3 -c 'import json,sys; g=[x for x in json.load(sys.stdin) if x["name"]==sys.argv[1]]; print(g[0][sys.argv[2]] if g else "")' "$1" "$2"
}
guests() { ctl --json guest list | python3 -c 'import json,sys; print(" ".join(x["name"] for x in json.load(sys.stdin)))'; }
# has_method NAME: the agent built from this tree offers it
has_method() { grep -q "\"$1\"" "$TOP"/services/cmd-*.c; }
head -c 4096 /dev/urandom > "$tmp/vmlinuz"
head -c 2048 /dev/urandom > "$tmp/initrd.gz"
HINTS='Up/Down  Enter: actions  c: create  e: edit  o: console  Esc: back'

check "the console starts on the agent's store" console main
keys main g
check "g opens Guests" wait_for main 'Tarn [^ ]+ +Guests'
check "with none, it says how to create one" wait_for main 'No guests yet: c creates one'
check "its key hints are whole at 80x24" grep -qF "$HINTS" "$tmp/screen"
keys main c
check "c asks how to create a guest" wait_for main 'From a kernel and ramdisk'
check "three ways: an xl.cfg file, a kernel, a template" \
	bash -c "grep -q 'From an xl.cfg file' '$tmp/screen' && grep -q 'From a template' '$tmp/screen'"

# ---- from a kernel and ramdisk: wrong inputs first ----
keys main k
check "k opens the kernel form" wait_for main 'Tarn [^ ]+ +Create a guest from a kernel'
check "the whole form fits 80x24" bash -c "grep -q 'Network bridge' '$tmp/screen' && grep -q 'Kernel command line' '$tmp/screen'"
keys main 'bad name' Tab C-u lots Tab C-u 0 Tab "$tmp/no-kernel" Tab relative/initrd Tab Tab 'br,0'
check "Enter with wrong fields: nothing is saved" enter_and_wait main 'Nothing was saved: a name has only letters'
check "a name with a space is refused inline" grep -q "! a name has only letters, digits" "$tmp/screen"
check "memory that is not a number is refused inline" grep -q '! memory in MiB: a whole number from 1 to' "$tmp/screen"
check "0 vCPUs is refused inline" grep -q '! vCPUs: a whole number from 1 to 512' "$tmp/screen"
check "a kernel that is not there is refused inline" grep -q "! cannot read .*/no-kernel: No such file" "$tmp/screen"
check "a relative ramdisk path is refused inline" grep -q '! relative/initrd is not an absolute path' "$tmp/screen"
check "a bridge name with a comma is refused inline" grep -q "! a bridge's name has no ','" "$tmp/screen"
[ -z "$(guests)" ] && pass "wrong inputs: nothing is defined" || fail "wrong inputs: nothing is defined: $(guests)"
# the fields again, right: focus is on the name (the first wrong one)
keys main C-u tui-k1 Tab C-u 384 Tab C-u 2 Tab C-u "$tmp/vmlinuz" Tab C-u "$tmp/initrd.gz" Tab Tab C-u
keys main Enter
wait_for main 'No console password is set yet' && keys main Enter
wait_for main 'Set the console password'; keys main 'console-pass-1' Tab 'console-pass-1' Enter
wait_for main 'The console password is set'; keys main Enter
check "right, it is defined (the console password set on the way)" wait_for main 'Guest tui-k1 is defined, stopped'
[ "$(field tui-k1 memory)" = 384 ] && [ "$(field tui-k1 vcpus)" = 2 ] && [ "$(field tui-k1 type)" = pv ] &&
	pass "guest.list: a PV guest with 384 MiB and 2 vCPUs" ||
	fail "guest.list: a PV guest with 384 MiB and 2 vCPUs: $(ctl guest list)"
cfg=$(ctl guest show tui-k1)
grep -q "kernel = \"$tmp/vmlinuz\"" <<<"$cfg" && grep -q "ramdisk = \"$tmp/initrd.gz\"" <<<"$cfg" &&
	grep -q 'extra = "console=hvc0"' <<<"$cfg" && ! grep -q 'vif' <<<"$cfg" &&
	pass "its xl.cfg: the kernel, ramdisk and command line; no bridge, no network card" ||
	fail "its xl.cfg: the kernel, ramdisk and command line; no bridge, no network card: $cfg"
keys main Enter
check "the list shows it with memory, vCPUs and no pins" wait_for main 'tui-k1 +stopped +unknown +pv +384 MiB +2  -'

# the same name again: the agent's refusal, inline; one guest still
keys main c; wait_for main 'From a kernel and ramdisk'; keys main k
wait_for main 'Create a guest from a kernel'
keys main tui-k1 Tab Tab Tab "$tmp/vmlinuz" Tab Tab Tab xenbr0
check "a name in use: the agent's refusal is shown inline" enter_and_wait main 'Nothing was saved: the agent did not take it: '
[ "$(guests)" = tui-k1 ] && pass "a name in use: still one guest" || fail "a name in use: still one guest: $(guests)"
keys main Up Up Up Up Up Up C-u tui-k2
check "with a bridge, another is defined" enter_and_wait main 'Guest tui-k2 is defined, stopped'
ctl guest show tui-k2 | grep -q 'vif = \[ "bridge=xenbr0" \]' && pass "its xl.cfg has a network card on xenbr0" ||
	fail "its xl.cfg has a network card on xenbr0: $(ctl guest show tui-k2)"
keys main Enter; wait_for main 'tui-k2 +stopped'

# ---- edit: pins, inline checks ----
keys main Up; wait_for main 'tui-k1: HA off, pins none'
keys main e
check "e opens the edit form with what the agent has" wait_for main 'Tarn [^ ]+ +Edit guest tui-k1'
check "memory, vCPUs and pins filled in" bash -c "grep -q 'Memory (MiB) .*\\[384' '$tmp/screen' &&
	grep -q 'vCPUs .*\\[2 ' '$tmp/screen' && grep -q 'vCPU pins .*\\[all' '$tmp/screen'"
keys main Tab Tab C-u '5:1'
check "a pin of a vCPU the guest does not have is refused inline" \
	enter_and_wait main '! vCPU 5 does not exist: the guest has vCPUs 0 to 1'
keys main C-u '0:1-x'
check "a wrong CPU list is refused inline" enter_and_wait main '! vCPU 0: 1-x is not a CPU, a range of CPUs or all'
keys main C-u '0:4096'
check "a CPU beyond the host's is refused inline" enter_and_wait main '! vCPU 0: CPU 4096 does not exist \(there are [0-9]+\)'
keys main C-u '0:1 0:0'
check "a vCPU pinned twice is refused inline" enter_and_wait main '! vCPU 0 is pinned twice'
keys main C-u '0-3 1'
check "two CPU lists without vCPUs are refused inline" enter_and_wait main '! one CPU list \(like 0-3\) or VCPU:LIST'
[ -z "$(field tui-k1 pins)" ] && pass "refused pins: the agent has none" || fail "refused pins: the agent has none: $(field tui-k1 pins)"
keys main C-u '0:1 1:0-1'
check "pins saved" enter_and_wait main 'Guest tui-k1: memory 384 MiB, 2 vCPUs, pins 0:1 1:0-1'
[ "$(field tui-k1 pins)" = '0:1 1:0-1' ] && pass "guest.list: pins 0:1 1:0-1" ||
	fail "guest.list: pins 0:1 1:0-1: $(field tui-k1 pins)"
keys main Enter
check "the list shows the pins" wait_for main 'tui-k1 +stopped +unknown +pv +384 MiB +2  0:1 1:0-1'
check "and the selected guest's line in full" grep -q 'tui-k1: HA off, pins 0:1 1:0-1, affinity not reported' "$tmp/screen"
keys main v
check "v turns HA on through the agent" wait_for main 'tui-k1 is restarted on another VM server when its host dies'
[ "$(field tui-k1 ha)" = True ] && pass "guest.list: HA on" || fail "guest.list: HA on: $(field tui-k1 ha)"
keys main Enter
check "the selected guest's line says HA on" wait_for main 'tui-k1: HA on, pins'
keys main v; wait_for main 'tui-k1 is no longer restarted elsewhere'; keys main Enter
[ "$(field tui-k1 ha)" = False ] && pass "v again: HA off" || fail "v again: HA off: $(field tui-k1 ha)"
keys main e; wait_for main 'Edit guest tui-k1'; keys main Tab Tab C-u 0-1
check "one CPU list pins every vCPU" enter_and_wait main 'pins 0:0-1 1:0-1'
keys main Enter; wait_for main "$HINTS"
keys main e; wait_for main 'Edit guest tui-k1'
check "nothing changed: said so" enter_and_wait main 'Nothing was changed: guest tui-k1 has these already'
keys main Enter; wait_for main "$HINTS"

# ---- edit: memory and vCPUs (guest.setMemory, guest.setVcpus) ----
if has_method guest.setMemory && has_method guest.setVcpus; then
	keys main e; wait_for main 'Edit guest tui-k1'; keys main C-u 0512
	check "memory written 0512 is refused inline" enter_and_wait main '! memory in MiB: a whole number'
	keys main C-u 512 Tab C-u 1 Tab C-u all
	check "memory, vCPUs and vCPU 0 unpinned saved" enter_and_wait main 'Guest tui-k1: memory 512 MiB, 1 vCPUs, pins 0:all'
	[ "$(field tui-k1 memory)" = 512 ] && [ "$(field tui-k1 vcpus)" = 1 ] && [ "$(field tui-k1 pins)" = "0:all 1:0-1" ] &&
		pass "guest.list: 512 MiB, 1 vCPU, vCPU 0 on all" || fail "guest.list: 512 MiB, 1 vCPU, vCPU 0 on all: $(ctl guest list)"
	keys main Enter; wait_for main 'tui-k1 +stopped +unknown +pv +512 MiB +1'
	keys main e; wait_for main 'Edit guest tui-k1'; keys main C-u 16777216
	check "more memory than the host: the agent's refusal shown inline" \
		enter_and_wait main "Nothing was saved: memory: the agent did not do it: memory 16777216 MiB"
	check "(in its words: more than this host's)" grep -q "more than this host's [0-9]* MiB" "$tmp/screen"
	keys main C-u 512 Tab C-u 512
	check "more vCPUs than the host's CPUs: the agent's refusal shown inline" \
		enter_and_wait main "Nothing was saved: vCPUs: the agent did not do it: 512 vCPUs"
	check "(in its words: more than this host's CPUs)" grep -q "this host's [0-9]* CPUs" "$tmp/screen"
	[ "$(field tui-k1 vcpus)" = 1 ] && pass "refused: still 1 vCPU" || fail "refused: still 1 vCPU: $(field tui-k1 vcpus)"
	[ "$(field tui-k1 memory)" = 512 ] && pass "refused: memory still 512 MiB" ||
		fail "refused: memory still 512 MiB: $(field tui-k1 memory)"
	keys main Escape; wait_for main "$HINTS"
else
	echo "SKIP $T: memory and vCPUs: this agent has no guest.setMemory/guest.setVcpus yet"
	keys main e; wait_for main 'Edit guest tui-k1'; keys main C-u 512
	check "without guest.setMemory: said inline, nothing changed" \
		enter_and_wait main 'Nothing was saved: memory: this agent cannot change that yet'
	keys main Escape; wait_for main "$HINTS"
fi

# ---- a wrong password changes nothing ----
mem=$(field tui-k1 memory) pins=$(field tui-k1 pins)
check "a second console" console pw
keys pw g; wait_for pw "$HINTS"; keys pw e; wait_for pw 'Edit guest tui-k1'
keys pw C-u 1024 Tab Tab C-u 0:0
keys pw Enter
check "a change asks the console password" wait_for pw 'Console password'
keys pw wrong-password Enter
check "a wrong one: nothing was changed" wait_for pw 'Wrong console password: nothing was changed' 5
keys pw Enter
check "the form says nothing was saved" wait_for pw 'Nothing was saved\.'
[ "$(field tui-k1 memory)" = "$mem" ] && [ "$(field tui-k1 pins)" = "$pins" ] &&
	pass "wrong password: memory and pins as they were" ||
	fail "wrong password: memory and pins as they were: $(field tui-k1 memory) $(field tui-k1 pins)"
keys pw Escape; wait_for pw "$HINTS"; keys pw c; wait_for pw 'From a kernel'; keys pw k
wait_for pw 'Create a guest from a kernel'
keys pw tui-k3 Tab Tab Tab "$tmp/vmlinuz" Enter
wait_for pw 'Console password'; keys pw wrong-password Enter
wait_for pw 'Wrong console password' 5; keys pw Enter
wait_for pw 'Nothing was saved\.'
grep -q tui-k3 <<<"$(guests)" && fail "wrong password: no guest is defined" || pass "wrong password: no guest is defined"
keys pw Escape; wait_for pw "$HINTS"; keys pw Escape; wait_for pw "$MENU"
quit pw

# ---- the console of a guest that is not running ----
keys main o
check "o on a stopped guest: it is not running, said so" wait_for main 'Guest tui-k1 is not running \(it is unknown\)'
[ ! -e "$tmp/console-ran" ] && pass "and xl console is not run" || fail "and xl console is not run"
keys main Enter; wait_for main "$HINTS"
keys main Enter; wait_for main 'Tarn [^ ]+ +Guest tui-k1'
check "the actions list has edit and the console" bash -c "grep -q 'Edit memory, vCPUs, pins' '$tmp/screen' &&
	grep -q 'Open the console' '$tmp/screen'"
keys main o
check "o from the actions: the same answer" wait_for main 'Guest tui-k1 is not running'
keys main Enter; wait_for main "$HINTS"

# ---- from a template ----
keys main c; wait_for main 'From a template'; keys main t
check "from a template, with no repository: says how to get one" wait_for main 'No repository is mounted: add one'
keys main Enter; wait_for main "$HINTS"

# ---- the agent stopped: the shared agent-down screen ----
kill "$agent"; wait "$agent" 2>/dev/null; agent=
check "the agent stopped: the Guests screen says so" wait_for main 'The agent is not running or not answering' 10
check "and offers to restart it" grep -q 'r: restart the agent' "$tmp/screen"
keys main Escape
check "Esc is the main menu" wait_for main "$MENU"
quit main
exit $failed
