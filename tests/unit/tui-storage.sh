#!/bin/bash
# The console's Storage repositories and Server pool screens against a real
# tarnd (ASan/UBSan build) on loopback, in a mount and UTS namespace of its
# own: what it mounts (an ext4 image file standing in for a disk) is
# invisible to this machine and goes with it. Driven under tmux at 80x24;
# what the console did is checked with tarnctl on the agent's local socket.
T=tui-storage
. "${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib/tui.sh"
if ! make -s -C "$TOP" SAN=1 -j2 out/c-san/tarnd out/c-san/tarnctl >/dev/null 2>&1; then
	echo "FAIL $T: build: tarnd and tarnctl"
	exit 1
fi
if ! unshare -m -u --propagation private true 2>/dev/null; then
	echo "SKIP $T: the agent in a mount namespace: cannot make namespaces here"
	exit 0
fi
state=$tmp/state sock=$tmp/state/run/tarn/api.sock web=
free_port() { python3 "$TOP/tests/lib/ports.py"; }
port=$(free_port) pool_port=$(free_port) webport=$(free_port)
agent_pid() { cat "$tmp/agent.pid" 2>/dev/null; }
stop_agent() { # SIGTERM, and wait until the engine and its children are gone
	local pid; pid=$(agent_pid)
	[ -n "$pid" ] || return 0
	kill "$pid" 2>/dev/null
	for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	for _ in $(seq 50); do pgrep -f "$B/tarnd -f --listen 127.0.0.1 --port $port " >/dev/null || break; sleep 0.1; done
	rm -f "$tmp/agent.pid"
}
on_exit() { stop_agent; [ -n "$web" ] && kill "$web" 2>/dev/null; }

# The agent's start, which is also the console's restart command: it comes
# back in a new namespace, as after a reboot of the real one.
cat > "$tmp/start-agent" <<EOF
#!/bin/bash
export ASAN_OPTIONS=detect_leaks=1
unset UBSAN_OPTIONS LSAN_OPTIONS
setsid unshare -m -u --propagation private "$B/tarnd" -f --listen 127.0.0.1 --port $port \\
	--state "$state" --sysconf "$state/etc" --rundir "$state/run" --pool-listen 127.0.0.1:$pool_port \\
	</dev/null >>"$tmp/tarnd.log" 2>&1 &
echo \$! > "$tmp/agent.pid"
for _ in \$(seq 150); do
	env -u TARN_PASSWORD "$B/tarnctl" --socket "$sock" version </dev/null >/dev/null 2>&1 && exit 0
	sleep 0.1
done
exit 1
EOF
chmod +x "$tmp/start-agent"
mkdir -p "$state/etc" "$tmp/data"
if ! "$tmp/start-agent"; then
	echo "FAIL $T: the agent starts: $(tail -5 "$tmp/tarnd.log")"
	exit 1
fi
truncate -s 128M "$tmp/disk.img"
head -c 3M /dev/urandom > "$tmp/local.iso"
python3 "$TOP/tests/lib/slow-http.py" "$webport" &
web=$!
for _ in $(seq 50); do (exec 3<>/dev/tcp/127.0.0.1/$webport) 2>/dev/null && break; sleep 0.1; done

make_runner --allow-quit --store "$state/db/node.db" --agent-socket "$sock" --agent-port $port \
	--agent-check "''" --restart-cmd "'$tmp/start-agent'" --hypervisor "$tmp/none" \
	--data-dir "$tmp/data" --version-file "$tmp/none"
repo_field() { # NAME FIELD: from tarnctl's repo.list
	ctl --json repo list | python3 -c 'import json,sys; r=[x for x in json.load(sys.stdin) if x["name"]==sys.argv[1]]; print(r[0][sys.argv[2]] if r else "")' "$1" "$2"
}
repos() { sqlite3 "$state/db/node.db" 'select name from repositories order by name' | tr '\n' ' '; }
HINTS='a: add  x: remove  i: import  c: new disks  Enter: disks  t: tasks  Esc: back'

# ---- the storage screen, empty ----
check "starts at the main menu" start st
keys st r
check "r opens Storage repositories" wait_for st "Tarn [^ ]+ +Storage repositories"
check "with no repository yet it says how to add one" wait_for st 'No repositories yet. a adds one'
check "its key hints are whole at 80x24" grep -qF "$HINTS" "$tmp/screen"

# ---- an NFS export with a wrong address: refused inline, nothing stored ----
keys st a; wait_for st 'Add a repository'; keys st n
check "a, n: the NFS form" wait_for st 'Tarn [^ ]+ +Add an NFS export'
keys st share Tab '192.0.2.300:/export/repo'
check "a wrong NFS server address is refused with why" enter_and_wait st '! 300 is not 0-255 in 192.0.2.300'
check "the form says nothing was saved" grep -q 'Nothing was saved' "$tmp/screen"
keys st C-u 'nfs-server/export'
check "an export without server:/path is refused" enter_and_wait st '! nfs-server/export is not server:/export'
keys st C-u '192.0.2.5:/export' Tab 'vers=4 1'
check "mount options with a space are refused" enter_and_wait st '! mount options are words like noatime'
[ -z "$(repos)" ] && [ -z "$(repo_field share name)" ] && pass "refused input stored nothing (store and repo.list)" ||
	fail "refused input stored nothing: $(repos)"
keys st Escape
check "Esc leaves the form" wait_for st "$HINTS"

# ---- an iSCSI target: each field checked ----
keys st a; wait_for st 'Add a repository'; keys st i
check "a, i: the iSCSI form" wait_for st 'Tarn [^ ]+ +Add an iSCSI target'
keys st san Tab 2001:db8::20 Tab bogus Tab 99999
check "a bare IPv6 portal is refused (brackets)" enter_and_wait st '! 2001:db8::20: an IPv6 portal is written in brackets'
check "a wrong IQN is refused" grep -q '! bogus is not an iSCSI name' "$tmp/screen"
check "a LUN out of range is refused" grep -q '! a LUN is a number 0-16383' "$tmp/screen"
[ -z "$(repos)" ] && pass "nothing stored" || fail "nothing stored: $(repos)"
keys st Escape; wait_for st "$HINTS"

# ---- a local disk: an ext4 image file, formatted after the warning ----
keys st a; wait_for st 'Add a repository'; keys st l
check "a, l: this host's block devices, and a path to type" wait_for st 'Another device, or an image file: type its path'
keys st p
check "p: the local disk form" wait_for st 'Tarn [^ ]+ +Add a local disk or partition'
keys st tuirepo Tab "$tmp/disk.img" Tab Tab y
check "format: yes is chosen" wait_for st 'Format \(ERASES it\) +< yes >'
keys st Enter
check "the first change has a console password set" wait_for st 'No console password is set yet'
keys st Enter; wait_for st 'Set the console password'
keys st 'console-pass-1' Tab 'console-pass-1' Enter
wait_for st 'The console password is set'; keys st Enter
check "before formatting, a warning names the device and says it WILL BE ERASED" \
	wait_for st "WARNING: $tmp/disk.img WILL BE"
keys st n
check "not agreeing adds nothing" wait_for st 'Nothing was saved: not erased'
[ -z "$(repos)" ] && ! blkid -p "$tmp/disk.img" >/dev/null 2>&1 && pass "nothing stored, nothing formatted" ||
	fail "nothing stored, nothing formatted: $(repos)"
keys st Enter; wait_for st 'WILL BE'; keys st y
check "agreeing adds the repository" wait_for st 'Repository tuirepo is added. The agent formats and mounts'
keys st Enter
check "the list shows it mounted, with its size and free space" \
	wait_for st 'tuirepo +local +mounted +1[0-9]{2} MiB +1[0-9]{2} MiB' 20
[ "$(repo_field tuirepo state)" = mounted ] && [ "$(repo_field tuirepo source)" = "$tmp/disk.img" ] &&
	pass "tarnctl's repo.list has it mounted" || fail "tarnctl's repo.list has it mounted: $(ctl repo list 2>&1)"
[ "$(blkid -p -o value -s TYPE "$tmp/disk.img")" = ext4 ] && pass "the image holds ext4" || fail "the image holds ext4"

# ---- three disks at once ----
keys st c
check "c: the disks form, for the selected repository" wait_for st 'In repository +tuirepo'
keys st vd Tab 12X
check "a size with an unknown unit is refused" enter_and_wait st '! 12X has an unknown unit'
keys st C-u 8M Tab C-u 0
check "a count of 0 is refused" enter_and_wait st '! 0 is not 1-1000'
keys st C-u 3
check "3 disks are made, followed to the end" enter_and_wait st 'Task [0-9]+ is done: made 3 disks' 20
keys st Enter; wait_for st "$HINTS"
out=$(ctl disk list tuirepo 2>&1)
[ "$(grep -cE '^vd-00[123].img +running_pool +8.0 MiB' <<<"$out")" = 3 ] &&
	pass "tarnctl disk list has the 3 disks of 8 MiB" || fail "tarnctl disk list has the 3 disks of 8 MiB: $out"
keys st Enter
check "Enter lists the repository's disks" wait_for st 'vd-003.img +running_pool +8.0 MiB'
keys st Escape; wait_for st "$HINTS"

# ---- imports: a file, followed; a slow download cancelled, another left running ----
keys st i; wait_for st 'Tarn [^ ]+ +Import an ISO or a template'
keys st 'ftp://example.com/a.iso'
check "an ftp source is refused" enter_and_wait st '! source: ftp://example.com/a.iso is neither'
keys st C-u "$tmp/local.iso"
check "an import from a path is followed to the end" enter_and_wait st 'Task [0-9]+ is done' 20
keys st Enter; wait_for st "$HINTS"
nsenter -t "$(agent_pid)" -m cmp -s "$tmp/local.iso" "$state/repos/tuirepo/iso_pool/local.iso" &&
	pass "the imported file is in the repository's iso_pool" || fail "the imported file is in the repository's iso_pool"
keys st i; wait_for st 'Path or URL'; keys st "http://127.0.0.1:$webport/slow/one.iso" Enter
check "a slow download shows a progress bar" wait_for st '\] +[0-9]+%' 10
check "and how much of it is done" wait_for st '[0-9.]+ [KM]iB of 40 MiB' 10
keys st c; wait_for st 'Cancel this task'; keys st y
check "c cancels it" wait_for st 'Task [0-9]+ was cancelled' 10
keys st Enter; wait_for st "$HINTS"
keys st i; wait_for st 'Path or URL'; keys st "http://127.0.0.1:$webport/slow/two.iso" Enter
wait_for st '[0-9.]+ [KM]iB of 40 MiB' 10; keys st Escape
check "Esc leaves a download running in the background" wait_for st 'goes on in the background'
keys st Enter; wait_for st "$HINTS"; keys st t
check "t lists the tasks: the download is running" wait_for st 'repo.import +tuirepo +running'
check "and the cancelled one" grep -qE 'repo.import +tuirepo +cancelled' "$tmp/screen"
id=$(ctl --json task list | python3 -c 'import json,sys; print([t["id"] for t in json.load(sys.stdin) if t["state"]=="running"][0])' 2>/dev/null)
[ -n "$id" ] && ctl task cancel "$id" >/dev/null && pass "the background download is a running task (cancelled now)" ||
	fail "the background download is a running task"
check "the task list follows by itself: the download shows cancelled, no key pressed" \
	wait_for st "^ +$id +repo.import +tuirepo +cancelled" 5
keys st Escape; wait_for st "$HINTS"

# ---- the server pool ----
keys st Escape; wait_for st "$MENU"; keys st o
check "o opens Server pool: this host is in no pool" wait_for st 'This host is in no pool'
check "the agent's words say why" grep -q 'in no pool yet' "$tmp/screen"
keys st c; wait_for st 'Pool name'; keys st 'lab pool'
check "a pool name with a space is refused" enter_and_wait st "! a name has only letters, digits"
keys st C-u lab-pool Tab pool-secret-1 Tab pool-secret-1
check "a pool is created" enter_and_wait st 'Pool lab-pool is created'
keys st Enter
check "the pool is shown with this host as master" wait_for st 'Master +127.0.0.1:[0-9]+ \(this host\)'
check "its member with address, Raft role and health" grep -qE "127.0.0.1:$pool_port +voter +up, .*master, this host" "$tmp/screen"
check "this host's roles as checkboxes" grep -qF "[x] pool master  [x] utility server  [x] VM server" "$tmp/screen"
[ "$(ctl --json pool info | python3 -c 'import json,sys; print(json.load(sys.stdin)["name"])')" = lab-pool ] &&
	pass "pool.info has lab-pool" || fail "pool.info has lab-pool: $(ctl pool info 2>&1)"
keys st j; wait_for st 'Tarn [^ ]+ +Join a pool'
keys st 300.1.1.1
check "a wrong master address is refused" enter_and_wait st '! 300 is not 0-255'
keys st C-u master.example.com:70000
check "a port out of range is refused" enter_and_wait st '! master.example.com:70000: the port is a number 1-65535'
keys st Escape; wait_for st 'j: join  l: leave  e: eject'
keys st Escape; wait_for st "$MENU"

# ---- a pool-wide NFS repository (this agent has no NFS client: it fails to mount, shown as such) ----
pool_scope() { ctl --json repo list | python3 -c 'import json,sys; print(*[r["scope"] for r in json.load(sys.stdin) if r["name"]==sys.argv[1]])' "$1"; }
keys st r; wait_for st "$HINTS"; keys st a; wait_for st 'Add a repository'; keys st n
wait_for st 'Add an NFS export'
keys st pshare Tab '192.0.2.5:/pool/tui' Tab Tab w
check "the NFS form offers the whole pool" wait_for st 'For +< whole pool >'
check "the NFS form fits 80x24" bash -c "grep -q 'every VM-server and utility member mounts it' '$tmp/screen'"
keys st Enter
check "it is added for the whole pool" wait_for st 'Repository pshare is added. Every VM-server and utility'
[ "$(pool_scope pshare)" = pool ] && [ -z "$(repos)" -o "$(repos)" = "tuirepo " ] &&
	pass "repo.list has it as the pool's, not in this host's store" || fail "repo.list has it as the pool's: $(ctl repo list 2>&1)"
keys st Enter
check "the list marks it as the pool's" wait_for st 'pshare +nfs +(failed|pending|mounted) .* pool +192.0.2.5:/poo' 20
keys st Down
check "its detail says how many members mounted it" wait_for st "pshare: the pool's nfs 192.0.2.5:/pool/tui, mounted on [01] of 1 members"
keys st x
check "x asks before removing it from the whole pool" wait_for st 'Remove repository pshare from the whole pool\? It is'
keys st y
check "the pool repository is removed" wait_for st 'Repository pshare is removed'
[ -z "$(pool_scope pshare)" ] && pass "repo.list no longer has it" || fail "repo.list no longer has it: $(ctl repo list 2>&1)"
keys st Enter; wait_for st "$HINTS"; keys st Escape; wait_for st "$MENU"

# ---- a guest from a template in the repository's seed_pool ----
seed=$state/repos/tuirepo/seed_pool/tiny
head -c 4096 /dev/urandom > "$tmp/tiny-kernel"
printf '%s\n' 'name = "tiny"' 'type = "pv"' 'memory = 128' 'vcpus = 1' 'kernel = "vmlinuz"' \
	'disk = [ "format=raw, vdev=xvda, access=rw, target=disk.img" ]' > "$tmp/tiny.cfg"
nsenter -t "$(agent_pid)" -m sh -c "mkdir -p '$seed' && cp '$tmp/tiny-kernel' '$seed/vmlinuz' &&
	cp '$tmp/tiny.cfg' '$seed/vm.cfg' && truncate -s 8M '$seed/disk.img'"
keys st g; wait_for st 'Tarn [^ ]+ +Guests'; keys st c; wait_for st 'From a template'; keys st t
check "guests from a template: the mounted repositories to choose from" wait_for st '1 +tuirepo +local '
keys st Enter
check "then the repository's templates, with memory, vCPUs and disks" wait_for st '1 +tiny +128 MiB +1 vCPUs +1 disks'
keys st Enter; wait_for st 'Guest name'
check "the form names the repository and the template" bash -c "grep -q 'Repository .*tuirepo' '$tmp/screen' &&
	grep -q 'Template .*tiny' '$tmp/screen'"
keys st 'bad name'
check "a wrong guest name is refused inline" enter_and_wait st '! a name has only letters'
keys st C-u tui-t1 Enter
check "the copy is a task followed to its end" wait_for st 'Task [0-9]+ is done: guest tui-t1 made from template tiny' 30
out=$(ctl --json guest list | python3 -c 'import json,sys; print([(g["memory"], g["desired"]) for g in json.load(sys.stdin) if g["name"]=="tui-t1"])')
[ "$out" = "[(128, 'stopped')]" ] && pass "guest.list: tui-t1, 128 MiB, stopped" || fail "guest.list: tui-t1, 128 MiB, stopped: $out"
nsenter -t "$(agent_pid)" -m test -f "$state/repos/tuirepo/running_pool/tui-t1/disk.img" &&
	pass "its disk is a copy in running_pool/tui-t1" || fail "its disk is a copy in running_pool/tui-t1"
keys st Enter
check "the guest list shows it" wait_for st 'tui-t1 +stopped +unknown +pv +128 MiB'
keys st Escape; wait_for st "$MENU"

# ---- a wrong console password changes nothing ----
check "a second console" start st2
keys st2 r; wait_for st2 "$HINTS"; keys st2 a; wait_for st2 'Add a repository'; keys st2 n
wait_for st2 'Add an NFS export'; keys st2 share Tab 192.0.2.5:/export Enter
check "a change asks the console password" wait_for st2 'Console password'
keys st2 wrong-password Enter
check "a wrong one says nothing was changed" wait_for st2 'Wrong console password: nothing was changed'
[ "$(repos)" = "tuirepo " ] && [ -z "$(repo_field share name)" ] && pass "the wrong password stored nothing" ||
	fail "the wrong password stored nothing: $(repos)"
keys st2 Enter Escape; wait_for st2 "$HINTS"; keys st2 Escape; wait_for st2 "$MENU"
quit st2

# ---- removing a repository ----
keys st r; wait_for st 'tuirepo'; keys st x
check "x asks before removing" wait_for st 'Remove repository tuirepo from this host'
keys st y
check "the repository is removed" wait_for st 'Repository tuirepo is removed'
[ -z "$(repos)" ] && [ -z "$(repo_field tuirepo name)" ] && pass "repo.list no longer has it" ||
	fail "repo.list no longer has it: $(repos)"
keys st Enter; wait_for st 'No repositories yet'; keys st Escape; wait_for st "$MENU"

# ---- the agent stopped: said plainly, and restarted from there ----
stop_agent
keys st r
check "with tarnd stopped, Storage says the agent is not answering" wait_for st 'The agent is not running or not answering'
check "and that host settings still work" grep -q 'Host settings (network interfaces' "$tmp/screen"
keys st Escape; wait_for st "$MENU"; keys st o
check "Server pool says so too" wait_for st 'The agent is not running or not answering'
keys st r; wait_for st 'Restart the Tarn agent'; keys st y
check "r restarts the agent (the System menu's action)" wait_for st 'The agent was restarted' 20
keys st Enter
check "and once it answers, the screen opens" wait_for st 'Master +127.0.0.1:[0-9]+ \(this host\)' 20
keys st Escape; wait_for st "$MENU"
quit st

stop_agent
grep -q 'ERROR: \(Address\|Leak\)Sanitizer\|runtime error' "$tmp/tarnd.log" &&
	fail "no sanitizer report from the agent: $(grep -m3 -A5 Sanitizer "$tmp/tarnd.log")" ||
	pass "no sanitizer report from the agent"
[ $failed = 0 ]
