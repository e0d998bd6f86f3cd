# Sourced by the console's tests (tests/unit/tui*.sh): tarn-tui built with
# ASan/UBSan, a temp directory ($tmp), a tmux server of its own ($TM), and
# the helpers that drive a console as a person would: keys in, the screen
# read back. $T names the test in result lines ("tui", "tui-storage").
# Gives: $B $tmp $TM $MENU $failed, make_runner OPTIONS..., start NAME
#   [OPTIONS], quit NAME, keys, cap, wait_for, wait_gone, enter_and_wait,
#   check, pass, fail; on_exit, when the test defines it, runs at exit.
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
tui_cleanup() {
	$TM kill-server 2>/dev/null
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
