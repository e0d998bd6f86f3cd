#!/bin/bash
# Builds lib/ and its unit tests with ASan and UBSan, and runs every test.
# A test binary that dies (a sanitizer report, a crash) is a failure even if
# it printed no FAIL line.
set -uo pipefail
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$TOP"
if ! out=$(make -s SAN=1 tests -j"$(nproc)" 2>&1); then
	echo "FAIL C unit tests build (-Wall -Wextra, ASan/UBSan): $out"
	exit 1
fi
[ -z "$out" ] || { echo "FAIL C code builds without warnings: $out"; }
status=0
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1
for t in out/c-san/tests/test_*; do
	[ -x "$t" ] || continue
	"$t"; rc=$?
	[ $rc = 0 ] || { echo "FAIL ${t##*/} exited $rc (see sanitizer output above)"; status=1; }
done
exit $status
