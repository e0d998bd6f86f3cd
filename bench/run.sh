#!/bin/bash
# ./build.sh bench: Tarn against the dom0 a user would otherwise pick,
# Debian's own Xen dom0 (bench/baseline.sh builds it once and caches it).
# Boots both the same way under QEMU (bench/boot.py) and prints image size,
# seconds from QEMU start to the console's login prompt and dom0 memory in
# use at idle, with the ratios and the targets (ISO < 80 MiB, console ready
# in < half the baseline's time, idle dom0 memory < 96 MiB). Targets are
# reported, not asserted; the exit status is non-zero only when a figure
# could not be measured. Results: out/bench/boot.txt, serial logs beside it.
# TARN_BENCH_RUNS=N boots each system N times and reports medians.
# Then bench/api.sh measures the agent's API on loopback (out/bench/api.txt),
# bench/pool.py a pool of agents on loopback: failover, how soon a change is
# on every member with 3 and 32 members, memory per member (out/bench/pool.txt),
# and bench/guest.py a guest started through the API against a plain xl
# create, and how soon a guest destroyed by hand is noticed (out/bench/guest.txt);
# and bench/migrate.py a live migration between two Tarn hosts: the guest's
# downtime (out/bench/migrate.txt).
set -euo pipefail
TOP=${TOP:-$(cd "$(dirname "$0")/.." && pwd)}
export TOP
. "$TOP/image/lib.sh"
need_tools qemu-system-x86_64 python3 cp

iso=$OUT/tarn.iso
[ -f "$iso" ] || die "$iso is missing: run ./build.sh image first (./build.sh bench does)"
start=$(date +%s)
base=$("$TOP/bench/baseline.sh") || die "could not build the Debian baseline (see above)"
for f in boot.iso root.img; do
	[ -f "$base/$f" ] || die "the cached baseline $base lacks $f: remove it and run again"
done

bench=$OUT/bench
rm -rf "$bench"
mkdir -p "$bench"
# Measure and boot a snapshot: a build running meanwhile may replace out/tarn.iso.
cp "$iso" "$bench/tarn.iso"
status=0
python3 "$TOP/bench/boot.py" --tarn-iso "$bench/tarn.iso" \
	--base-iso "$base/boot.iso" --base-root "$base/root.img" --work "$bench" \
	--base-versions "$base/versions" \
	--logdir "$bench" --out "$bench/boot.txt" || status=$?
"$TOP/bench/api.sh" || status=$?
python3 "$TOP/bench/pool.py" --out "$bench/pool.txt" || status=$?
python3 "$TOP/bench/guest.py" --tarn-iso "$bench/tarn.iso" --logdir "$bench" --out "$bench/guest.txt" || status=$?
python3 "$TOP/bench/migrate.py" --tarn-iso "$bench/tarn.iso" --logdir "$bench" --out "$bench/migrate.txt" || status=$?
say "bench took $(( $(date +%s) - start )) s; results in $bench/boot.txt"
exit $status
