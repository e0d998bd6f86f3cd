#!/bin/bash
# The first-boot wizard (rootfs/.../usr/lib/tarn/firstboot, dialog) under
# tmux at 80x24 with TERM=vt100, as on the serial line: Esc goes back a
# step, mismatched passwords, a wrong address and a wrong host name are
# refused, nothing is formatted before the summary is accepted; then it
# formats a file-backed loop device, mounts it on a temp data directory and
# the node store there has every answer. A second run takes the try-out
# path (nowhere, DHCP). The agent's stop and start are stand-ins.
T=firstboot
set -uo pipefail
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
B=$TOP/out/c-san
WIZ=$TOP/rootfs/overlay/usr/lib/tarn/firstboot
if ! out=$(make -s -C "$TOP" SAN=1 -j2 out/c-san/tarn-setup 2>&1); then
	echo "FAIL $T: build: $out"
	exit 1
fi
for c in tmux dialog sqlite3 losetup mkfs.ext4 blkid flock; do
	command -v $c >/dev/null || { echo "SKIP $T: $c is not installed"; exit 0; }
done
[ "$(id -u)" = 0 ] || { echo "SKIP $T: formatting and mounting a loop device needs root"; exit 0; }
tmp=$(mktemp -d /tmp/tarn-$T-test.XXXXXX)
chmod 711 "$tmp" # the agent's API user (nobody), who owns the store, reaches it
TM="tmux -L tarn-$T-test-$$ -f /dev/null"
loop=
cleanup() {
	$TM kill-server 2>/dev/null
	umount "$tmp/data" 2>/dev/null
	[ -n "$loop" ] && losetup -d "$loop"
	rm -rf "$tmp"
}
trap cleanup EXIT
truncate -s 300M "$tmp/disk.img"
if ! loop=$(losetup -f --show "$tmp/disk.img" 2>/dev/null); then
	loop=
	echo "SKIP $T: no loop device here (losetup failed)"
	exit 0
fi
failed=0
pass() { echo "PASS $T: $1"; }
fail() {
	echo "FAIL $T: $1"
	[ -f "$tmp/screen" ] && sed 's/^/    | /' "$tmp/screen"
	failed=1
}
check() { local name=$1; shift; if "$@"; then pass "$name"; else fail "$name"; fi; }
cap() { $TM capture-pane -p -t w > "$tmp/screen" 2>/dev/null; }
wait_for() { # REGEX [SECONDS]
	local i
	for ((i = 0; i < ${2:-15} * 20; i++)); do
		cap; grep -qE -- "$1" "$tmp/screen" && return 0
		sleep 0.05
	done
	return 1
}
keys() { $TM send-keys -t w "$@"; sleep 0.3; }
sql() { sqlite3 -cmd ".timeout 5000" "$tmp/data/db/node.db" "$1"; }

mkdir -p "$tmp/data" "$tmp/run"
echo "9.8.7-test" > "$tmp/version"
echo "tmpfs $tmp/data tmpfs rw 0 0" > "$tmp/mounts"
cat > "$tmp/wizard" <<EOF
#!/bin/bash
export TERM=vt100 ASAN_OPTIONS=detect_leaks=1
export TARN_SETUP=$B/tarn-setup TARN_STORE=$tmp/data/db/node.db TARN_DATA_DIR=$tmp/data
export TARN_MOUNTS=$tmp/mounts TARN_RUN=$tmp/run TARN_DISKS="\$DISKS" TARN_VERSION_FILE=$tmp/version
export TARN_AGENT_STOP="touch $tmp/agent-stopped" TARN_AGENT_START="touch $tmp/agent-started"
$WIZ --needed; echo \$? > $tmp/needed
$WIZ; echo \$? > $tmp/rc
EOF
chmod +x "$tmp/wizard"
run() { rm -f "$tmp/rc"; $TM new-session -d -x 80 -y 24 -s w "DISKS='$1' $tmp/wizard"; }
finished() {
	local i
	for ((i = 0; i < 300; i++)); do [ -f "$tmp/rc" ] && break; sleep 0.1; done
	[ "$(cat "$tmp/rc" 2>/dev/null)" = 0 ]
}

run "$loop"
check "on a host with no data partition and no console password, the wizard starts" wait_for 'Welcome to Tarn'
[ "$(cat "$tmp/needed")" = 0 ] && pass "--needed says it is needed" || fail "--needed says it is needed"
keys Enter
check "Set up asks the console password" wait_for 'Console password'
keys console-pass-1 Down console-pass-1 Enter
check "then the agent password" wait_for 'Agent password'
keys Escape
check "Esc goes back to the console password" wait_for 'console password is asked before any change'
keys console-pass-1 Down console-pass-1 Enter
wait_for 'Agent password'
keys agent-pass-12 Down agent-pass-13 Enter
check "two different passwords are refused" wait_for 'The two passwords differ'
keys Enter
wait_for 'Agent password'
keys short Down short Enter
check "a short password is refused with the store's reason" wait_for 'too short: at least 8 characters'
keys Enter
wait_for 'Agent password'
keys agent-pass-12 Down agent-pass-12 Enter
check "the storage step lists the disk with its size" wait_for "${loop#/dev/} +300.0 MiB, .*whole disk"
check "and offers nowhere, for a try-out" grep -q 'Nowhere: try Tarn out' "$tmp/screen"
keys Up Enter
check "choosing a disk warns that everything on it will be erased" wait_for "EVERYTHING ON $loop WILL BE ERASED"
keys Enter
check "the network step offers DHCP or static" wait_for 'Static address'
keys Down Enter
wait_for 'Address/prefix'
keys 192.0.2.300/24 Down 192.0.2.1 Down 192.0.2.53 Enter
check "a wrong address is refused with the store's reason" wait_for '300 is not 0-255'
keys Enter
wait_for 'Address/prefix'
check "the form comes back with what was typed" grep -q '192.0.2.300/24' "$tmp/screen"
keys C-u 192.0.2.10/24 Enter
check "then the host name" wait_for 'The name this host gives itself'
keys C-u bad_name Enter
check "a wrong host name is refused" wait_for "'_' is not allowed in a host name"
keys Enter; wait_for 'The name this host gives itself'
keys C-u fb-host-01 Enter
check "the summary shows every answer and the warning" wait_for 'Apply these settings'
grep -q "EVERYTHING ON $loop WILL BE ERASED" "$tmp/screen" && grep -q 'static 192.0.2.10/24, gateway 192.0.2.1' "$tmp/screen" &&
	grep -q 'fb-host-01' "$tmp/screen" && pass "the summary names the disk, the address and the host name" ||
	fail "the summary names the disk, the address and the host name"
keys Escape
check "Esc on the summary goes back to the host name" wait_for 'The name this host gives itself'
[ -z "$(blkid -o value -s LABEL "$loop" 2>/dev/null)" ] && [ ! -e "$tmp/agent-stopped" ] &&
	pass "nothing was formatted before the summary was accepted" || fail "nothing was formatted before the summary"
keys Enter; wait_for 'Apply these settings'
keys Left Enter
check "Apply formats, writes and says it is done" wait_for 'Tarn is set up. Settings are kept on' 60
keys Enter
check "the wizard exits 0" finished
[ "$(blkid -o value -s LABEL "$loop")" = TARN-DATA ] && [ "$(blkid -o value -s TYPE "$loop")" = ext4 ] &&
	pass "the disk is ext4 labelled TARN-DATA" || fail "the disk is ext4 labelled TARN-DATA"
grep -q "^$loop $tmp/data ext4" /proc/mounts && pass "and mounted on the data directory" ||
	fail "and mounted on the data directory"
[ -e "$tmp/agent-stopped" ] && [ -e "$tmp/agent-started" ] && pass "the agent was stopped before and started after" ||
	fail "the agent was stopped before and started after"
[ "$(sql "select value from settings where key = 'hostname'")" = fb-host-01 ] &&
	[ "$(sql "select value from settings where key = 'dns'")" = 192.0.2.53 ] &&
	[ "$(sql "select mode || ' ' || ipv4 || ' ' || gateway4 from interfaces where name = 'xenbr0'")" = "static 192.0.2.10/24 192.0.2.1" ] &&
	pass "the store on the disk has the host name, DNS and xenbr0's address" ||
	fail "the store on the disk has the answers: $(sql 'select * from settings where key not like "%password"; select * from interfaces')"
python3 - "$(sql "select value from settings where key = 'console_password'")" \
	"$(sql "select value from settings where key = 'agent_password'")" <<'EOF' 2>/dev/null &&
import crypt, sys, warnings
c, a = sys.argv[1:]
sys.exit(not (crypt.crypt("console-pass-1", c) == c and crypt.crypt("agent-pass-12", a) == a))
EOF
	pass "the console and agent passwords are stored as their hashes" || fail "the passwords are stored as their hashes"
[ "$(stat -c %U "$tmp/data/db")" != root ] || ! getent passwd nobody >/dev/null &&
	pass "the store's directory is the agent's API user's, not root's" || fail "the store's directory is not root's"
TARN_SETUP=$B/tarn-setup TARN_STORE=$tmp/data/db/node.db TARN_DATA_DIR=$tmp/data TARN_MOUNTS=$tmp/mounts \
	TARN_RUN=$tmp/run "$WIZ" --needed
[ $? = 1 ] && pass "with a console password set, it is not needed again" || fail "with a console password set, it is not needed again"
$TM kill-server 2>/dev/null
umount "$tmp/data"

# the try-out: nowhere, DHCP; nothing formatted
rm -f "$tmp/agent-stopped" "$tmp/agent-started"
run ""
wait_for 'Welcome to Tarn'; keys Enter
wait_for 'Console password'; keys console-pass-1 Down console-pass-1 Enter
wait_for 'Agent password'; keys agent-pass-12 Down agent-pass-12 Enter
check "with no disk to offer, nowhere is the one choice" wait_for 'Nowhere: try Tarn out'
keys Enter
wait_for 'Static address'; keys Enter
wait_for 'The name this host gives itself'; keys Enter
check "the summary says the settings stay in memory" wait_for 'nowhere: in memory, lost at reboot'
keys A # the Apply button's key, as on the serial line
wait_for 'Tarn is set up'; keys Enter
check "the try-out exits 0" finished
[ "$(sql "select value from settings where key = 'hostname'")" = tarn-01 ] &&
	[ "$(sql "select mode from interfaces where name = 'xenbr0'")" = dhcp ] && [ ! -e "$tmp/agent-stopped" ] &&
	pass "the try-out wrote the settings in place, xenbr0 by DHCP, the agent left running" ||
	fail "the try-out wrote the settings in place"
$TM kill-server 2>/dev/null

# skip: straight to the console, and not asked again this boot
rm -rf "$tmp/data/db"
run ""
wait_for 'Welcome to Tarn'; keys c Enter
check "Skip exits 0 at once" finished
TARN_SETUP=$B/tarn-setup TARN_STORE=$tmp/data/db/node.db TARN_DATA_DIR=$tmp/data TARN_MOUNTS=$tmp/mounts \
	TARN_RUN=$tmp/run "$WIZ" --needed
[ $? = 1 ] && [ ! -e "$tmp/data/db/node.db" ] && pass "after Skip it is not needed again, and nothing was written" ||
	fail "after Skip it is not needed again, and nothing was written"
exit $failed
