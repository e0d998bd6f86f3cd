#!/bin/bash
# The build fails clearly on bad input and recovers without `clean`:
# a kernel lacking a required option, a missing tool, no disk space, a
# library nothing provides, and a build interrupted half-way.
set -uo pipefail
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
tmp=$(mktemp -d /tmp/tarn-build-errors.XXXXXX)
cleanup() { umount "$tmp/small" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
pass() { echo "PASS $1"; }
fail() { echo "FAIL $1: $2"; }

kentry=$("$TOP/image/kernel.sh") || { fail "kernel is available" "image/kernel.sh failed"; exit 1; }
config=$kentry/root/boot/config-$(cat "$kentry/kver")

# 1. check-config names the option a kernel lacks
sed 's/^CONFIG_XEN_NETDEV_BACKEND=.*/# CONFIG_XEN_NETDEV_BACKEND is not set/' "$config" > "$tmp/config"
out=$("$TOP/kernel-config/check-config.sh" "$tmp/config" 2>&1); rc=$?
if [ $rc = 1 ] && grep -q 'CONFIG_XEN_NETDEV_BACKEND is not set' <<<"$out"; then
	pass "check-config names a missing option"
else
	fail "check-config names a missing option" "rc=$rc: $out"
fi
"$TOP/kernel-config/check-config.sh" "$config" >/dev/null 2>&1 &&
	pass "check-config accepts Debian's kernel" || fail "check-config accepts Debian's kernel" "it refused it"

# 2. the image build stops on it, naming the option, before doing any work
cp "$TOP/kernel-config/required.conf" "$tmp/required.conf"
echo "CONFIG_DRM_NOUVEAU=y" >> "$tmp/required.conf"   # Debian builds it as a module
out=$(TARN_OUT=$tmp/out1 TARN_REQUIRED_CONFIG=$tmp/required.conf "$TOP/image/build.sh" 2>&1); rc=$?
if [ $rc != 0 ] && grep -q 'CONFIG_DRM_NOUVEAU is m' <<<"$out" && [ ! -e "$tmp/out1/tarn.iso" ]; then
	pass "a build with a missing kernel option fails naming it"
else
	fail "a build with a missing kernel option fails naming it" "rc=$rc: $out"
fi

# 3. a missing tool is named
mkdir -p "$tmp/bin"
for d in /usr/local/bin /usr/bin /usr/sbin; do
	for f in "$d"/*; do
		b=${f##*/}
		[ "$b" = xorriso ] || [ -e "$tmp/bin/$b" ] || ln -s "$f" "$tmp/bin/$b"
	done
done
out=$(PATH=$tmp/bin TARN_OUT=$tmp/out2 "$TOP/image/build.sh" 2>&1); rc=$?
if [ $rc != 0 ] && grep -q 'missing tool(s): xorriso' <<<"$out"; then
	pass "a missing tool is named"
else
	fail "a missing tool is named" "rc=$rc: $out"
fi

# 4. too little disk space is said before anything is written
mkdir -p "$tmp/small"
if mount -t tmpfs -o size=20m tmpfs "$tmp/small" 2>/dev/null; then
	out=$(TARN_OUT=$tmp/small/out "$TOP/image/build.sh" 2>&1); rc=$?
	if [ $rc != 0 ] && grep -q 'MiB free under' <<<"$out"; then
		pass "no disk space is reported clearly"
	else
		fail "no disk space is reported clearly" "rc=$rc: $out"
	fi
else
	echo "SKIP no disk space is reported clearly: cannot mount a tmpfs here"
fi

# 5. files from unpacked packages: a library that neither the build machine
#    nor a "from PKG" line provides stops the build, named; with the line,
#    it is copied from the unpacked package
if ldconfig -p | grep -q libisns.so.0; then
	echo "SKIP a library the build machine lacks is named: this machine has libisns0 installed"
else
	mkdir -p "$tmp/root5"
	echo "from open-iscsi /sbin/iscsiadm" > "$tmp/manifest5"
	out=$("$TOP/image/closure.sh" "$tmp/manifest5" "$tmp/root5" 2>&1); rc=$?
	if [ $rc != 0 ] && grep -q 'needs libisns.so.0' <<<"$out"; then
		pass "a library the build machine lacks is named"
	else
		fail "a library the build machine lacks is named" "rc=$rc: $out"
	fi
	printf 'from libisns0\nfrom libopeniscsiusr\nfrom open-iscsi /sbin/iscsiadm\n' > "$tmp/manifest5"
	out=$("$TOP/image/closure.sh" "$tmp/manifest5" "$tmp/root5" 2>&1); rc=$?
	if [ $rc = 0 ] && [ -x "$tmp/root5/sbin/iscsiadm" ] && [ -f "$tmp/root5/usr/lib/x86_64-linux-gnu/libisns.so.0" ]; then
		pass "with 'from PKG' lines, it comes from the unpacked package"
	else
		fail "with 'from PKG' lines, it comes from the unpacked package" "rc=$rc: $out"
	fi
fi
installed=$(dpkg-query -W -f='${db:Status-Abbrev} ${Package}\n' chrony nfs-common open-iscsi 2>/dev/null | awk '$1 == "ii" {print $2}')
[ -z "$installed" ] && pass "chrony, nfs-common and open-iscsi are not installed on the build machine" ||
	fail "chrony, nfs-common and open-iscsi are not installed on the build machine" "installed: $installed"

# 6. a build killed half-way (fresh cache, so the kernel download is cut too)
#    is recovered by the next run, without `clean`
export TARN_CACHE=$tmp/cache TARN_OUT=$tmp/out3
setsid "$TOP/image/build.sh" > "$tmp/interrupted.log" 2>&1 &
pid=$!
sleep "${TARN_INTERRUPT_AFTER:-6}"
kill -TERM -- -"$pid" 2>/dev/null; wait "$pid" 2>/dev/null
if grep -q '==> built' "$tmp/interrupted.log"; then
	fail "an interrupted build is recovered by the next run" "the first build finished before it was interrupted"
	exit 1
fi
out=$("$TOP/image/build.sh" 2>&1); rc=$?
if [ $rc = 0 ] && [ -s "$TARN_OUT/tarn.iso" ] && ! ls "$TARN_CACHE"/kernel/*.tmp "$TARN_CACHE"/debs/*.tmp >/dev/null 2>&1; then
	pass "an interrupted build is recovered by the next run"
else
	fail "an interrupted build is recovered by the next run" "rc=$rc: $out"
fi
