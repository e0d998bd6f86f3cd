#!/bin/bash
# Usage: bench/baseline.sh -> prints the cache directory of the baseline
# (boot.iso, root.img, versions).
#
# The benchmark's baseline is what a user would otherwise pick: Debian's own
# Xen dom0. This builds one, once, as small as Debian makes it: a minbase
# debootstrap of bookworm plus linux-image-amd64, xen-system-amd64,
# systemd-sysv, udev, initramfs-tools and procps (for `free`), without
# recommends (so no dbus/logind, and no e2fsprogs: the initramfs skips fsck);
# an ext4 root image for a virtio disk (`mkfs.ext4 -d`, no loop mount); and a
# small GRUB boot ISO with Xen, the kernel and the initrd that boots exactly as
# Tarn's default menu entry does (image/grub.cfg), root=/dev/vda.
#
# The result is cached under $CACHE/baseline/<hash of this script>, built
# under .tmp and renamed when complete, so an interrupted build is never
# trusted. The package archive is whatever this machine's apt sources name,
# read at run time; no mirror is written into this script.
set -euo pipefail
. "$(dirname "$0")/../image/lib.sh"

SUITE=bookworm
PKGS="linux-image-amd64 xen-system-amd64 systemd-sysv udev initramfs-tools procps"

# host_sources: one "URI SUITE" line per Debian `deb` source of this machine
# for bookworm, bookworm-updates and bookworm-security (one-line and deb822).
host_sources() {
	local f
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[ -f "$f" ] || continue
		awk '$1 == "deb" { i = 2; if ($2 ~ /^\[/) { while (i <= NF && $i !~ /\]$/) i++; i++ }
			print $i, $(i + 1) }' "$f"
	done
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		awk 'function flush() { if (types ~ /(^| )deb( |$)/ && enabled !~ /^no$/) {
				nu = split(uris, u, " "); ns = split(suites, s, " ")
				for (a = 1; a <= nu; a++) for (b = 1; b <= ns; b++) print u[a], s[b] }
			types = uris = suites = enabled = "" }
			/^[ \t]*$/ { flush(); next }
			/^#/ { next }
			{ key = tolower($1); sub(/:$/, "", key); $1 = ""; sub(/^ /, "")
			  if (key == "types") types = $0; else if (key == "uris") uris = $0
			  else if (key == "suites") suites = $0; else if (key == "enabled") enabled = tolower($0) }
			END { flush() }' "$f"
	done | awk -v s="$SUITE" '$2 == s || $2 == s "-updates" || $2 == s "-security" || $2 == s "/updates"' | sort -u
}

# build TREE_PARENT: runs in a private mount namespace (see below), so the
# /proc and /sys mounts of the chroot vanish with it, even if killed.
build() {
	local dir=$1 tree=$1/tree mirror
	mirror=$(host_sources | awk -v s="$SUITE" '$2 == s {print $1; exit}')
	[ -n "$mirror" ] || die "no 'deb ... $SUITE' source in /etc/apt/sources.list{,.d}: cannot tell where Debian's archive is"
	say "debootstrap --variant=minbase $SUITE (archive from this machine's apt sources)"
	debootstrap --variant=minbase "$SUITE" "$tree" "$mirror" >"$dir/debootstrap.log" 2>&1 \
		|| { tail -n 20 "$dir/debootstrap.log" >&2; die "debootstrap failed (log: $dir/debootstrap.log)"; }

	# The same suites as the host (updates, security), so the baseline gets
	# the kernel and Xen versions Tarn is built from.
	host_sources | awk '{print "deb", $1, $2, "main"}' > "$tree/etc/apt/sources.list"
	printf '#!/bin/sh\nexit 101\n' > "$tree/usr/sbin/policy-rc.d" # start no services in the chroot
	chmod 755 "$tree/usr/sbin/policy-rc.d"
	mountpoint -q "$tree/proc" || mount -t proc proc "$tree/proc"
	mountpoint -q "$tree/sys" || mount -t sysfs sysfs "$tree/sys"
	say "installing $PKGS"
	# initramfs-tools first: the root disk is virtio, which MODULES=most
	# (Debian's default) covers; naming the modules in its config before the
	# kernel is installed makes sure the kernel's initrd has them.
	chroot "$tree" /bin/sh -ec "
		export DEBIAN_FRONTEND=noninteractive LC_ALL=C
		apt-get -q update
		apt-get -q -y --no-install-recommends install initramfs-tools
		grep -qx MODULES=most /etc/initramfs-tools/initramfs.conf
		printf 'virtio_pci\nvirtio_blk\next4\n' >> /etc/initramfs-tools/modules
		apt-get -q -y --no-install-recommends install $PKGS
		passwd -d root
		echo tarn-baseline > /etc/hostname
		printf '127.0.0.1 localhost\n127.0.1.1 tarn-baseline\n' > /etc/hosts
		printf '/dev/vda / ext4 errors=remount-ro 0 1\n' > /etc/fstab
		rm -f /etc/machine-id && systemd-machine-id-setup
		apt-get clean
	" >"$dir/install.log" 2>&1 || { tail -n 30 "$dir/install.log" >&2; die "installing the baseline packages failed (log: $dir/install.log)"; }
	rm -f "$tree/usr/sbin/policy-rc.d" "$tree/etc/apt/sources.list"
	rm -rf "$tree"/var/lib/apt/lists/* # package lists: not part of a running system
	chroot "$tree" dpkg-query -W linux-image-amd64 xen-system-amd64 systemd > "$dir/versions"
	chroot "$tree" sh -c 'lsinitramfs /boot/initrd.img-*' | grep '/virtio_blk\.ko' >/dev/null \
		|| die "the baseline's initrd lacks virtio_blk: it could not mount its root"
	umount "$tree/sys" "$tree/proc"
}

if [ "${1:-}" = --in-namespace ]; then
	build "$2"
	exit 0
fi

need_tools debootstrap unshare chroot mkfs.ext4 grub-mkrescue xorriso mformat
[ "$(id -u)" = 0 ] || die "building the Debian baseline needs root (debootstrap, chroot)"
key=$(sha256sum "$TOP/bench/baseline.sh" | cut -c1-16)
entry=$CACHE/baseline/$key
if [ -f "$entry/.done" ]; then
	say "Debian baseline unchanged (key $key): using the cached one"
	echo "$entry"
	exit 0
fi

need_space "$CACHE" 4000
start=$(date +%s)
cache_begin "$entry"
work=$entry.tmp
unshare --mount --propagation private "$TOP/bench/baseline.sh" --in-namespace "$work"
tree=$work/tree

say "making the root image (mkfs.ext4 -d) and the boot ISO"
used=$(du -sm "$tree" | cut -f1)
size=$(( (used * 3 / 2 + 255) / 256 * 256 )) # MiB: half again the tree, whole 256 MiB
[ "$size" -ge 1024 ] || size=1024
truncate -s "${size}M" "$work/root.img"
mkfs.ext4 -q -F -L debian-root -d "$tree" "$work/root.img" "${size}M" >"$work/mkfs.log" 2>&1 \
	|| { cat "$work/mkfs.log" >&2; die "mkfs.ext4 -d failed"; }

kver=$(ls "$tree/lib/modules")
[ "$(echo "$kver" | wc -l)" = 1 ] || die "expected one kernel in the baseline, found: $kver"
mkdir -p "$work/iso/boot/grub"
cp "$tree/boot/xen-4.17-amd64.gz" "$work/iso/boot/xen.gz"
cp "$tree/boot/vmlinuz-$kver" "$work/iso/boot/vmlinuz"
cp "$tree/boot/initrd.img-$kver" "$work/iso/boot/initrd.img"
# Tarn's default entry (image/grub.cfg) with the root on the virtio disk.
cat > "$work/iso/boot/grub/grub.cfg" <<'EOF'
set timeout=5
set default=0
serial --unit=0 --speed=115200 --word=8 --parity=no --stop=1
terminal_input console serial
terminal_output console serial
insmod all_video
insmod gzio

set xen_common="dom0_mem=512M,max:512M loglvl=warning guest_loglvl=warning"

menuentry "Debian bookworm Xen dom0 (baseline)" {
	echo "Loading Xen..."
	multiboot2 /boot/xen.gz $xen_common console=vga,com1 com1=115200,8n1 vga=current
	echo "Loading the dom0 kernel..."
	module2 /boot/vmlinuz root=/dev/vda rw console=tty0 console=hvc0 loglevel=4
	echo "Loading the initrd..."
	module2 --nounzip /boot/initrd.img
}
EOF
grub-mkrescue -o "$work/boot.iso" "$work/iso" -- -volid BASELINE >"$work/mkrescue.log" 2>&1 \
	|| { cat "$work/mkrescue.log" >&2; die "grub-mkrescue failed"; }
rm -rf "$tree" "$work/iso" # the root image holds the tree
touch "$work/.done"
cache_commit "$entry"
# keep the two newest baselines
ls -1dt "$CACHE"/baseline/*/ 2>/dev/null | tail -n +3 | xargs -r rm -rf
say "built the Debian baseline in $(( $(date +%s) - start )) s: $entry"
echo "$entry"
