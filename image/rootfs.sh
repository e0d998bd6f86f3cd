#!/bin/bash
# Usage: rootfs.sh KERNEL_ENTRY DESTROOT VERSION
# Assembles the dom0 root: merged-/usr layout, Debian files from the manifest
# with their library closure, the kernel modules, BusyBox for everything else,
# and Tarn's overlay on top.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
kentry=$1 dest=$2 version=$3

rm -rf "$dest"
mkdir -p "$dest"/usr/{bin,sbin,lib,lib64}
for d in bin sbin lib lib64; do ln -s "usr/$d" "$dest/$d"; done
mkdir -p "$dest"/{proc,sys,dev,run,tmp,root,etc,mnt,var/log,var/lib/tarn,var/lib/xen,var/lib/xenstored}
chmod 1777 "$dest/tmp"
ln -s /run "$dest/var/run"

"$TOP/image/closure.sh" "$TOP/rootfs/manifest" "$dest"
# Tarn's own programs, built by image/build.sh, with their library closure
"$TOP/image/closure.sh" <(printf 'install %s /usr/sbin/%s\n' \
	"$TOP/out/c/tarnd" tarnd "$TOP/out/c/tarnctl" tarnctl "$TOP/out/c/tarn-tui" tarn-tui \
	"$TOP/out/c/tarn-setup" tarn-setup "$TOP/out/c/tarn-pool-recover" tarn-pool-recover) "$dest"
"$TOP/image/modules.sh" "$kentry/root" "$TOP/kernel-config/modules.list" "$dest"

# BusyBox provides every command the manifest does not. Its own name is
# skipped: linking busybox over itself makes a loop (ELOOP at init).
cp /bin/busybox "$dest/usr/bin/busybox"
for applet in $(/bin/busybox --list-full); do
	[ "$applet" = bin/busybox ] && continue
	target=$dest/usr/${applet#usr/}
	[ -e "$target" ] || [ -L "$target" ] || ln -s /usr/bin/busybox "$target"
done

# CA certificates (ca-certificates, unpacked): the bundle
# update-ca-certificates makes from Debian's default set, so the agent's
# HTTPS imports (libcurl reads this file) verify the servers they fetch from
certs=$("$TOP/image/debs.sh" ca-certificates)
mkdir -p "$dest/etc/ssl/certs"
while IFS= read -r c; do
	cat "$c"
	[ -z "$(tail -c 1 "$c")" ] || echo
done < <(find "$certs/root/usr/share/ca-certificates/mozilla" -name '*.crt' | LC_ALL=C sort) \
	> "$dest/etc/ssl/certs/ca-certificates.crt"
[ -s "$dest/etc/ssl/certs/ca-certificates.crt" ] || die "ca-certificates holds no certificates"

cp -a "$TOP/rootfs/overlay/." "$dest/"
# The UEFI boot loader tarn-install puts on a disk's EFI system partition
# (as the removable-media path, EFI/BOOT/BOOTX64.EFI, so no NVRAM entry is
# needed): one file holding every module the disk's grub.cfg uses, which
# reads /boot/grub/grub.cfg from the partition it was loaded from. (The
# BIOS side is made on the host by grub-install from /usr/lib/grub/i386-pc.)
mkdir -p "$dest/usr/lib/tarn/grub"
grub-mkimage -O x86_64-efi -p /boot/grub -o "$dest/usr/lib/tarn/grub/BOOTX64.EFI" \
	part_gpt part_msdos fat ext2 normal configfile search search_fs_uuid search_label \
	loadenv test echo sleep multiboot2 gzio all_video efi_gop efi_uga serial terminal \
	reboot halt minicmd ls cat regexp || die "grub-mkimage could not make the UEFI boot loader"
echo "$version" > "$dest/etc/tarn-version"
ln -sfn /sbin/init "$dest/init"
