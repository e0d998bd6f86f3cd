#!/bin/bash
# Runs every test program under tests/unit and tests/image (or those whose
# path contains one of the arguments). Each program prints one line per check:
#   PASS name | FAIL name: why | SKIP name: why
# A program that exits non-zero without reporting a failure counts as one.
# The last line is the tally: "N passed, N failed, N skipped".
set -uo pipefail
TOP=$(cd "$(dirname "$0")/.." && pwd)
export TOP
LOGS=${TARN_OUT:-$TOP/out}/test-logs
rm -rf "$LOGS"; mkdir -p "$LOGS"
export TARN_TEST_LOGS=$LOGS

pass=0 fail=0 skip=0
for t in "$TOP"/tests/unit/* "$TOP"/tests/image/*; do
	[ -x "$t" ] && [ -f "$t" ] || continue
	if [ $# -gt 0 ]; then
		hit=0
		for f in "$@"; do case $t in *"$f"*) hit=1 ;; esac; done
		[ $hit = 1 ] || continue
	fi
	name=${t#"$TOP"/tests/}
	echo "--- $name"
	start=$(date +%s)
	"$t" > "$LOGS/${name//\//_}.out" 2>&1
	rc=$?
	grep -E '^(PASS|FAIL|SKIP) ' "$LOGS/${name//\//_}.out"
	p=$(grep -c '^PASS ' "$LOGS/${name//\//_}.out")
	f=$(grep -c '^FAIL ' "$LOGS/${name//\//_}.out")
	s=$(grep -c '^SKIP ' "$LOGS/${name//\//_}.out")
	if [ $rc != 0 ] && [ "$f" = 0 ]; then
		echo "FAIL $name: exited $rc; last lines:"
		tail -n 15 "$LOGS/${name//\//_}.out" | sed 's/^/    /'
		f=1
	fi
	pass=$((pass + p)) fail=$((fail + f)) skip=$((skip + s))
	echo "    ($(($(date +%s) - start)) s; log: $LOGS/${name//\//_}.out)"
done
echo "$pass passed, $fail failed, $skip skipped"
[ $fail = 0 ]
