#!/bin/sh
# Runs inside Tarn's dom0 for bench/guest.py: RUNS times, the tiny PV guest
# started by a plain `xl create` and the same guest ("managed") started through
# the agent's API (tarnctl guest start: guest.setState running, which returns
# at once), each timed from the call to its init's marker in its console log;
# then `xl destroy` of the managed guest by hand, timed until the agent's drift
# event. Times are taken here, in dom0, so the serial line's latency does not
# count. Prints "plain=S", "api=S" and "drift=S" lines.
runs=${1:-3}
logs=/var/log/xen/console
now() { cut -d" " -f1 /proc/uptime; }
# grep -c says 0 (and fails) when the log has none, nothing when there is no log
marks() { c=$(grep -c "TARN-GUEST-UP $1" "$logs/guest-$1.log" 2>/dev/null); echo "${c:-0}"; }
# waits until guest $1's console shows more than $2 markers (5 minutes at most)
until_marker() {
	i=0
	while [ "$(marks "$1")" -le "$2" ] && [ $i -lt 3000 ]; do sleep 0.1; i=$((i + 1)); done
}
since() { echo "$(now) $1" | awk '{printf "%.2f", $1 - $2}'; }
# where an API start's time goes: prints when domain $1 first exists and when
# it first runs unpaused, counted from $2 (gives up after 5 minutes)
watch_domain() {
	seen='' i=0
	while [ $i -lt 3000 ]; do
		st=$(xl list "$1" 2>/dev/null | awk 'NR == 2 {print $5}')
		[ -n "$st" ] && [ -z "$seen" ] && seen=1 && echo "api_domain=$(since "$2")"
		case "$st" in *p*|'') ;; *) echo "api_unpaused=$(since "$2")"; return ;; esac
		sleep 0.1; i=$((i + 1))
	done
}
cd /var/lib/tarn/tiny || exit 1
sed -e 's/^name = .*/name = "managed"/' -e 's/tarn.guest=tiny/tarn.guest=managed/' \
	-e 's#"vmlinuz"#"/var/lib/tarn/tiny/vmlinuz"#' -e 's#"initrd.gz"#"/var/lib/tarn/tiny/initrd.gz"#' \
	vm.cfg > /tmp/managed.cfg
for _ in $(seq 30); do tarnctl guest define /tmp/managed.cfg >/dev/null 2>&1 && break; sleep 1; done
for _ in $(seq "$runs"); do
	n=$(marks tiny); t0=$(now)
	xl create -q vm.cfg && until_marker tiny "$n" && echo "plain=$(since "$t0")"
	xl destroy tiny
	n=$(marks managed); t0=$(now)
	watch_domain managed "$t0" &
	tarnctl guest start managed >/dev/null && until_marker managed "$n" && echo "api=$(since "$t0")"
	wait
	tarnctl guest destroy managed --wait >/dev/null 2>&1
done
tarnctl guest start managed --wait >/dev/null 2>&1
last=$(tarnctl --json events | sed -n 's/.*"id": *\([0-9]*\).*/\1/p' | tail -1)
t0=$(now)
xl destroy managed
i=0
until tarnctl events --since "${last:-0}" | grep -q 'managed: its domain was destroyed outside' || [ $i -ge 600 ]; do
	sleep 0.1; i=$((i + 1))
done
echo "drift=$(since "$t0")"
tarnctl guest destroy managed --wait >/dev/null 2>&1
