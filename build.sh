#!/bin/bash
# Tarn's one entry point. See README.md.
#   ./build.sh          deps + image + run
#   ./build.sh deps     install what the build and tests need (apt-get; idempotent)
#   ./build.sh image    build out/tarn.iso (cached by inputs under /var/cache/tarn)
#   ./build.sh run      boot out/tarn.iso under QEMU on this terminal (serial console)
#   ./build.sh test     deps + image + the whole test suite
#   ./build.sh bench    deps + image + benchmarks against a plain Debian Xen dom0
#   ./build.sh clean    remove out/ (add --cache to drop /var/cache/tarn too)
set -euo pipefail
TOP=$(cd "$(dirname "$0")" && pwd)
export TOP
. "$TOP/image/lib.sh"

# Debian packages the build, the image and the tests use.
DEPS="xen-hypervisor-4.17-amd64 xen-utils-4.17 xenstore-utils busybox-static kmod iproute2
e2fsprogs bash grub-common grub-pc-bin grub-efi-amd64-bin xorriso mtools cpio zstd xz-utils
file dosfstools qemu-system-x86 ovmf python3 tmux debootstrap util-linux
gcc make libc6-dev pkg-config libsqlite3-dev sqlite3 libcrypt-dev libncurses-dev
libmicrohttpd-dev libgnutls28-dev libxmlrpc-core-c3-dev libxen-dev libcurl4-openssl-dev clang libclang-rt-14-dev wrk
valgrind gdb curl libdqlite-dev xfsprogs dialog"

deps() {
	local p missing=
	for p in $DEPS; do
		dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null | grep -q '^ii' || missing="$missing $p"
	done
	if [ -z "${missing// }" ]; then
		say "dependencies present"
		return 0
	fi
	[ "$(id -u)" = 0 ] || die "installing$missing needs root (apt-get)"
	say "installing:$missing"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q || die "apt-get update failed: is Debian's package archive reachable?"
	# shellcheck disable=SC2086
	apt-get install -y -q --no-install-recommends $missing || die "apt-get install failed"
}

data_disk() { # the persistent settings disk `run` attaches: ext4 labelled TARN-DATA
	local img=$OUT/tarn-data.img
	if [ ! -f "$img" ]; then
		truncate -s 1G "$img.tmp"
		mkfs.ext4 -q -F -L TARN-DATA "$img.tmp"
		mv "$img.tmp" "$img"
	fi
	echo "$img"
}

run() {
	[ -f "$OUT/tarn.iso" ] || "$TOP/image/build.sh"
	local data
	data=$(data_disk)
	say "booting $OUT/tarn.iso (settings disk $data); QEMU keys: Ctrl-] x quits, Ctrl-] h help"
	exec qemu-system-x86_64 -accel tcg -cpu qemu64,+svm -smp 2 -m "${TARN_MEM:-2048}" \
		-device virtio-rng-pci -nographic -echr 0x1d \
		-drive "file=$OUT/tarn.iso,media=cdrom,readonly=on" \
		-drive "file=$data,format=raw,if=virtio" \
		-netdev user,id=n0 -device e1000,netdev=n0
}

cmd=${1:-all}
[ $# -gt 0 ] && shift
case $cmd in
all) deps; "$TOP/image/build.sh"; run ;;
deps) deps ;;
image) "$TOP/image/build.sh" ;;
run) run ;;
test) deps; "$TOP/image/build.sh"; exec "$TOP/tests/run.sh" "$@" ;;
bench) deps; "$TOP/image/build.sh"; exec "$TOP/bench/run.sh" "$@" ;;
clean)
	rm -rf "$OUT"
	[ "${1:-}" = --cache ] && rm -rf "$CACHE"
	say "clean"
	;;
*) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
