#!/bin/bash
# Usage: image/build.sh -> out/tarn.iso
# The finished ISO is cached under its inputs' hash (sources, package
# versions, the version string), so a rebuild with nothing changed is a copy.
# TARN_VERSION overrides the VERSION file (the upgrade test builds a second
# image that differs only in it).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
need_tools make cc apt-cache apt-get dpkg-deb depmod modprobe ldd file cpio zstd grub-mkrescue grub-mkimage xorriso mformat
[ -x /bin/busybox ] && /bin/busybox --list-full >/dev/null || die "BusyBox (busybox-static) is missing; run './build.sh deps'"
mkdir -p "$OUT"
need_space "$OUT" 400

version=${TARN_VERSION:-$(cat "$TOP/VERSION")}
case $version in *[!A-Za-z0-9.+~_-]* | "") die "version \"$version\" may hold letters, digits and . + ~ _ - only" ;; esac
kentry=$("$TOP/image/kernel.sh")
kver=$(cat "$kentry/kver")
say "checking kernel $kver against kernel-config/required.conf"
"$TOP/kernel-config/check-config.sh" "$kentry/root/boot/config-$kver" "${TARN_REQUIRED_CONFIG:-$TOP/kernel-config/required.conf}" \
	|| die "kernel $kver lacks options Tarn requires (listed above)"

say "building Tarn's programs"
make -s -C "$TOP" -j"$(nproc)" all || die "building tarnd failed (see the compiler's messages above)"

pkgs="libmicrohttpd12 libgnutls30 libxmlrpc-core-c3 libsqlite3-0 xen-hypervisor-4.17-amd64 xen-utils-4.17 xenstore-utils busybox-static kmod iproute2 e2fsprogs bash grub-pc-bin grub-efi-amd64-bin grub-common dosfstools libc6 xfsprogs libdqlite0 libcurl4 libxen-dev libgcc-s1 dialog util-linux"
# packages unpacked rather than installed (image/debs.sh): the manifest's
# "from" lines, and the CA certificates
debs="$(awk '$1 == "from" {print $2}' "$TOP/rootfs/manifest" | sort -u) ca-certificates"
for p in $debs; do
	deb_entry "$p" >/dev/null || die "apt-cache knows no package $p; run 'apt-get update' (or './build.sh deps')"
done
key=$( {
	echo "$version $kentry"
	dpkg-query -W $pkgs
	for p in $debs; do deb_entry "$p"; done
	cd "$TOP" && find VERSION Makefile image kernel-config rootfs lib services tui -type f | LC_ALL=C sort | xargs sha256sum
} | sha256sum | cut -c1-16)
cached=$CACHE/iso/$key
if [ -f "$cached/tarn.iso" ]; then
	say "inputs unchanged (key $key): using the cached image"
	cp "$cached/tarn.iso" "$OUT/tarn.iso.tmp" && mv "$OUT/tarn.iso.tmp" "$OUT/tarn.iso"
	exit 0
fi

work=$OUT/build
rm -rf "$work"
mkdir -p "$work/iso/boot/grub"
say "assembling the dom0 root"
"$TOP/image/rootfs.sh" "$kentry" "$work/root" "$version ($key)"
say "packing the initramfs"
( cd "$work/root" && find . -print0 | LC_ALL=C sort -z | cpio --null -o -H newc --quiet ) |
	zstd -q -19 -T0 > "$work/iso/boot/initrd.img"
cp "$kentry/root/boot/vmlinuz-$kver" "$work/iso/boot/vmlinuz"
cp /boot/xen-4.17-amd64.gz "$work/iso/boot/xen.gz"
sed "s/@VERSION@/$version/g" "$TOP/image/grub.cfg" > "$work/iso/boot/grub/grub.cfg"
# what tarn-install and tarn-upgrade read to know a Tarn image and its version
echo "$version ($key)" > "$work/iso/tarn-version"
say "making the hybrid BIOS/UEFI image"
grub-mkrescue -o "$OUT/tarn.iso.tmp" "$work/iso" -- -volid TARN >"$work/mkrescue.log" 2>&1 \
	|| { cat "$work/mkrescue.log" >&2; die "grub-mkrescue failed"; }
sync "$OUT/tarn.iso.tmp"
mv "$OUT/tarn.iso.tmp" "$OUT/tarn.iso"

cache_begin "$cached"
cp "$OUT/tarn.iso" "$cached.tmp/"
cache_commit "$cached"
# keep the three newest images
ls -1dt "$CACHE"/iso/*/ 2>/dev/null | tail -n +4 | xargs -r rm -rf
say "built $OUT/tarn.iso ($(du -h "$OUT/tarn.iso" | cut -f1))"
