# Sourced by the console's tests (tests/unit/tui*.sh): tarn-tui built with
# ASan/UBSan, a temp directory ($tmp), a tmux server of its own ($TM), and
# the helpers that drive a console as a person would: keys in, the screen
# read back. $T names the test in result lines ("tui", "tui-more",
# "tui-storage"). Gives $B $tmp $TM $MENU $failed and:
#   make_runner OPTIONS...  what `$tmp/run NAME` runs a console with
#   fake_host               a fake host for the status screen, and a runner on it
#   start NAME [options]    a console in an 80x24 window, at its main menu
#   quit NAME               q, then its exit status and the sanitizers' verdict
#   keys NAME KEYS..., cap NAME   tmux send-keys; the screen into $tmp/screen
#   wait_for NAME REGEX [S] / wait_gone NAME REGEX [S]   poll the screen
#   enter_and_wait NAME REGEX, check NAME CMD..., pass NAME, fail NAME
#   sql SQL, setting KEY, gen   the node store ($store, else $tmp/node.db)
#   start_tarnd, ctl ARGS...    a real agent on loopback; tarnctl to it
#   with_agent, console NAME [options]   a fake host and a real agent; a
#                           console on the agent's store and socket
# on_exit, when the test defines it, runs at exit.
set -uo pipefail
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
B=$TOP/out/c-san
if ! out=$(make -s -C "$TOP" SAN=1 -j2 out/c-san/tarn-tui 2>&1); then
	echo "FAIL $T: build: $out"
	exit 1
fi
command -v tmux >/dev/null || { echo "SKIP $T: tmux is not installed"; exit 0; }
command -v sqlite3 >/dev/null || { echo "SKIP $T: sqlite3 is not installed"; exit 0; }

tmp=$(mktemp -d "/tmp/tarn-$T-test.XXXXXX")
chmod 711 "$tmp" # the agent's API user (nobody) reaches node stores below it
TM="tmux -L tarn-$T-test-$$ -f /dev/null"
agent= # start_tarnd's
tui_cleanup() {
	$TM kill-server 2>/dev/null
	[ -n "$agent" ] && kill "$agent" 2>/dev/null
	declare -F on_exit >/dev/null && on_exit
	rm -rf "$tmp"
}
trap tui_cleanup EXIT
failed=0
# ncurses 6.4 keeps the "pre-screen" of a newterm() that failed (unknown
# TERM): its leak, not ours
echo 'leak:new_prescr' > "$tmp/lsan.supp"

# make_runner OPTIONS...: then `$tmp/run NAME [more options]` runs one
# console with them, its exit status in rc.NAME and any sanitizer report in
# asan.NAME.*. The options are written into the runner as they are given:
# quote what the runner's shell must not expand or split.
make_runner() {
	cat > "$tmp/run" <<EOF
#!/bin/bash
name=\$1; shift
export ASAN_OPTIONS=detect_leaks=1:log_path=$tmp/asan.\$name
export UBSAN_OPTIONS=print_stacktrace=1:log_path=$tmp/asan.\$name
export LSAN_OPTIONS=suppressions=$tmp/lsan.supp:print_suppressions=0
"$B/tarn-tui" $* "\$@"
echo \$? > "$tmp/rc.\$name"
EOF
	chmod +x "$tmp/run"
}

# fake_host: what the status screen reads, made up in $tmp (version,
# Xen's sysfs, mounts, a log with an escape sequence in it), and a runner
# on it with the temp store and harmless commands: restart, reboot,
# shutdown and the shell touch files in $tmp; $AGENT_CHECK, when set,
# replaces the agent check (empty: the built-in one).
fake_host() {
	echo "9.8.7-test" > "$tmp/version"
	mkdir -p "$tmp/hyp/version"
	echo xen > "$tmp/hyp/type"; echo 4 > "$tmp/hyp/version/major"
	echo 17 > "$tmp/hyp/version/minor"; echo .3 > "$tmp/hyp/version/extra"
	# two mounts on the data directory: the last one is in use
	printf '%s\n' "tmpfs $tmp/data tmpfs rw 0 0" "/dev/sdz2 $tmp/data ext4 rw,noatime 0 0" > "$tmp/mounts-disk"
	echo "tmpfs $tmp/data tmpfs rw 0 0" > "$tmp/mounts-tmpfs"
	{ for i in $(seq 1 199); do echo "log line $i"; done
	  printf 'evil \033[2J\033[H line\n'; echo "log line 200"; } > "$tmp/messages"
	make_runner --store "$tmp/node.db" --version-file "$tmp/version" --hypervisor "$tmp/hyp" \
		--data-dir "$tmp/data" --mounts "$tmp/mounts-disk" --log "$tmp/messages" \
		--agent-check '"${AGENT_CHECK-echo agent answers-test}"' --restart-cmd "'touch $tmp/restarted'" \
		--reboot-cmd "'touch $tmp/rebooted'" --poweroff-cmd "'touch $tmp/powered-off'" \
		--shell-cmd "'touch $tmp/shell-ran'" --agent-socket "$tmp/no-agent.sock"
}

pass() { echo "PASS $T: $1"; }
fail() {
	echo "FAIL $T: $1"
	[ -f "$tmp/screen" ] && sed 's/^/    | /' "$tmp/screen"
	failed=1
}
cap() { $TM capture-pane -p -t "$1" > "$tmp/screen" 2>/dev/null; }
# wait_for SESSION REGEX [SECONDS]: polls the screen until REGEX shows
wait_for() {
	local i
	for ((i = 0; i < ${3:-10} * 20; i++)); do
		cap "$1"; grep -qE -- "$2" "$tmp/screen" && return 0
		sleep 0.05
	done
	return 1
}
wait_gone() {
	local i
	for ((i = 0; i < ${3:-10} * 20; i++)); do
		cap "$1"; grep -qE -- "$2" "$tmp/screen" || return 0
		sleep 0.05
	done
	return 1
}
keys() { local s=$1; shift; $TM send-keys -t "$s" "$@"; }
# check NAME COMMAND...: PASS when the command succeeds
check() { local name=$1; shift; if "$@"; then pass "$name"; else fail "$name"; fi; }
sql() { sqlite3 -cmd ".timeout 5000" "${store:-$tmp/node.db}" "$1"; }
setting() { sql "select value from settings where key='$1'"; }
gen() { sql "select n from generation"; }
MENU='Enter or letter: open  (q: quit  )?Ctrl-L'
start() { # start NAME [options]: a console in an 80x24 window, at its main menu
	local name=$1; shift
	$TM new-session -d -x 80 -y 24 -s "$name" "$tmp/run $name $*"
	wait_for "$name" "$MENU"
}
quit() { # quit NAME: q, then the exit status and the sanitizers' verdict
	keys "$1" q
	local i
	for ((i = 0; i < 600; i++)); do # a loaded machine: up to 30 s, q again now and then
		[ -f "$tmp/rc.$1" ] && break
		[ $((i % 100)) = 99 ] && keys "$1" q 2>/dev/null
		sleep 0.05
	done
	local rc; rc=$(cat "$tmp/rc.$1" 2>/dev/null)
	if [ "$rc" = 0 ] && ! ls "$tmp"/asan."$1"* >/dev/null 2>&1; then
		pass "$1: exits 0 with no sanitizer report"
	else
		echo "FAIL $T: $1: exits 0 with no sanitizer report: exit ${rc:-none}"
		cat "$tmp"/asan."$1"* 2>/dev/null | head -40 | sed 's/^/    /'
		failed=1
	fi
}
# enter_and_wait SESSION REGEX: Enter on a form, then wait for REGEX
enter_and_wait() { keys "$1" Enter; wait_for "$1" "$2"; }

# start_tarnd: a real tarnd (not applying host settings) on loopback, with
# its own state, run directory and ports, so nothing of this machine's /run
# is touched and no other agent under test clashes. Sets $state, $port,
# $sock and $agent (stopped at exit); 1 when it did not build.
start_tarnd() {
	make -s -C "$TOP" SAN=1 -j2 out/c-san/tarnd out/c-san/tarnctl >/dev/null 2>&1 || return 1
	state=$tmp/state port=$((20000 + RANDOM % 20000))
	sock=$state/run/tarn/api.sock
	ASAN_OPTIONS=detect_leaks=1 "$B/tarnd" -f --no-reconcile --listen 127.0.0.1 --port $port \
		--pool-listen 127.0.0.1:$((port + 1)) --state "$state" --rundir "$state/run" 2>>"$tmp/tarnd.log" &
	agent=$!
	local i
	for ((i = 0; i < 100; i++)); do
		[ -s "$state/tls/cert.pem" ] && [ -S "$sock" ] && (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null && return 0
		sleep 0.1
	done
	return 0 # the checks that follow say what does not answer
}
# ctl ARGS...: tarnctl over the agent's local socket $sock (root needs no password)
ctl() { env -u TARN_PASSWORD "$B/tarnctl" --socket "$sock" "$@" </dev/null; }

# with_agent: a fake host (fake_host) with a real agent (start_tarnd), its
# node store $store; `console NAME [options]` then starts a console on them
# at its main menu. Skips the whole test when the agent does not build.
with_agent() {
	fake_host
	start_tarnd || { echo "SKIP $T: tarnd did not build"; exit 0; }
	store=$state/db/node.db
	export AGENT_CHECK= # the built-in check: the agent's port
}
console() {
	local name=$1; shift
	start "$name" --allow-quit --store "$store" --agent-port $port --agent-socket "$sock" "$@"
}
