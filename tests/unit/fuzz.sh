#!/bin/bash
# libFuzzer on request parsing and dispatch (tests/fuzz/fuzz_rpc.c), for a
# bounded time (TARN_FUZZ_SECONDS, default 60), starting from the corpus
# kept in tests/fuzz/corpus/rpc. A crash or sanitizer report is a failure;
# its input is kept in the test logs to replay.
set -uo pipefail
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$TOP"
logs=${TARN_TEST_LOGS:-/tmp}
if ! out=$(make -s out/fuzz/fuzz_rpc 2>&1); then
	echo "FAIL fuzz: the fuzz target builds: $out"
	exit 1
fi
export LSAN_OPTIONS=suppressions=$TOP/tests/fuzz/lsan.supp # a known libxlutil leak
work=$(mktemp -d /tmp/tarn-fuzz.XXXXXX)
trap 'rm -rf "$work"' EXIT
cp tests/fuzz/corpus/rpc/* "$work/"
if out/fuzz/fuzz_rpc -runs=0 tests/fuzz/corpus/rpc >"$work/replay.log" 2>&1; then
	echo "PASS fuzz: every input of the kept corpus is handled"
else
	echo "FAIL fuzz: the kept corpus: $(tail -5 "$work/replay.log")"
fi
if out/fuzz/fuzz_rpc -max_total_time="${TARN_FUZZ_SECONDS:-60}" -rss_limit_mb=2048 \
	-artifact_prefix="$logs/fuzz-" "$work" >"$logs/fuzz.log" 2>&1; then
	echo "PASS fuzz: ${TARN_FUZZ_SECONDS:-60} s of fuzzing found no crash ($(grep -o 'Done [0-9]* runs' "$logs/fuzz.log"))"
else
	echo "FAIL fuzz: a crashing input was found: $(ls "$logs"/fuzz-* 2>/dev/null | head -1); see $logs/fuzz.log"
fi
