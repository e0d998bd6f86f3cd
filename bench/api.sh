#!/bin/bash
# API throughput and latency of tarnd on loopback (part of ./build.sh bench):
# wrk drives authenticated system.echo calls over HTTPS with 1, 8 and 64
# concurrent connections for BENCH_API_SECONDS each (default 10), and the
# agent's resident memory is read idle and under the heaviest load.
# Targets (reported, not asserted): p99 < 5 ms at 8 clients, < 8 MB idle.
set -euo pipefail
TOP=${TOP:-$(cd "$(dirname "$0")/.." && pwd)}
. "$TOP/image/lib.sh"
need_tools wrk make
make -s -C "$TOP" all
tarnd=$OUT/c/tarnd
secs=${BENCH_API_SECONDS:-10}
state=$(mktemp -d /tmp/tarn-api-bench.XXXXXX)
port=$((20000 + RANDOM % 20000))
agent=
trap '[ -n "$agent" ] && kill $agent 2>/dev/null; wait 2>/dev/null; rm -rf "$state"' EXIT
echo 'bench password 1' | "$tarnd" --set-password --state "$state"
# its own run directory and pool port: nothing of the build machine's is touched
"$tarnd" -f --no-reconcile --listen 127.0.0.1 --port $port --state "$state" --rundir "$state/run" \
	--pool-listen 127.0.0.1:$((port + 1)) --repo-root "$state/repos" 2>/dev/null &
agent=$!
sleep 1
api=$(pgrep -P $agent | head -n 1)
[ -n "$api" ] || die "the agent did not start"
# proportional set size: pages shared by the two processes (the engine
# forked the API process) are counted once between them, not twice
rss() { awk '/^Pss:/ {printf "%.1f", $2 / 1024}' "/proc/$1/smaps_rollup"; }

auth=$(printf 'admin:bench password 1' | base64)
cat > "$state/echo.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "text/xml"
wrk.headers["Authorization"] = "Basic $auth"
wrk.body = "<?xml version=\"1.0\"?><methodCall><methodName>system.echo</methodName><params><param><value><string>ping</string></value></param></params></methodCall>"
LUA
# one warm-up call so the password's yescrypt check is not in the figures
wrk -t1 -c1 -d1s -s "$state/echo.lua" "https://127.0.0.1:$port/RPC2" >/dev/null

idle_api=$(rss "$api") idle_engine=$(rss "$agent")
out=$OUT/bench/api.txt
mkdir -p "$OUT/bench"
{
	echo "tarnd API on loopback: authenticated system.echo over HTTPS, ${secs} s per row (wrk, keep-alive)"
	printf '%-8s %12s %10s %10s %12s\n' clients calls/s p50_ms p99_ms errors
	for c in 1 8 64; do
		t=$(( c < 2 ? 1 : 2 ))
		wrk -t$t -c$c -d${secs}s --latency -s "$state/echo.lua" "https://127.0.0.1:$port/RPC2" > "$state/wrk.$c" &
		w=$!
		if [ $c = 64 ]; then sleep $((secs / 2)); load_api=$(rss "$api"); fi
		wait $w
		ms() { awk -v p="$1" '$1 == p { v = $2; if (v ~ /us$/) { sub(/us/, "", v); v /= 1000 }
			else if (v ~ /ms$/) sub(/ms/, "", v); else if (v ~ /s$/) { sub(/s/, "", v); v *= 1000 }
			printf "%.2f", v }' "$state/wrk.$c"; }
		errs=$(awk '/Non-2xx|Socket errors/ {e = e $0 "; "} END {print e ? e : "0"}' "$state/wrk.$c")
		printf '%-8s %12s %10s %10s %12s\n' $c "$(awk '/Requests\/sec/ {print $2}' "$state/wrk.$c")" \
			"$(ms 50%)" "$(ms 99%)" "$errs"
	done
	echo "memory (PSS): API process ${idle_api} MiB idle, ${load_api} MiB under 64 clients;" \
		"engine ${idle_engine} MiB idle; agent total idle $(echo "$idle_api $idle_engine" | awk '{print $1 + $2}') MiB"
	echo "targets: p99 < 5 ms at 8 clients; < 8 MB resident idle (API process + engine)"
} | tee "$out"
