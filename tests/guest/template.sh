#!/bin/bash
# Usage: tests/guest/template.sh OUTDIR
# Builds the tiny PV guest the guest tests and the benchmark start: the
# image's own dom0 kernel and a BusyBox initrd whose init prints a marker on
# its console (hvc0), shows the first line of its first disk when it has
# one, and leaves a shell there; it powers off when asked to shut down. OUTDIR gets vmlinuz, initrd.gz and vm.cfg
# (xl.cfg with paths relative to the template's directory), as a template
# in a seed_pool would hold them.
set -euo pipefail
TOP=$(cd "$(dirname "$0")/../.." && pwd)
out=${1:?usage: template.sh OUTDIR}
kdir=$("$TOP/image/kernel.sh")
kver=$(cat "$kdir/kver")
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage"/{bin,sbin,proc,sys,dev,tmp} "$out"
cp /bin/busybox "$stage/bin/busybox" # busybox-static: no libraries to carry
for m in kernel/drivers/block/xen-blkfront.ko; do
	src=$kdir/root/lib/modules/$kver/$m
	case $(ls "$src"*) in
	*.xz) xz -dc "$src.xz" > "$stage/${m##*/}" ;;
	*) cp "$src" "$stage/${m##*/}" ;;
	esac
done
cat > "$stage/init" <<'INIT'
#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
insmod /xen-blkfront.ko 2>/dev/null
# vCPUs Xen hot-adds (xl vcpu-set, the agent's guest.setVcpus) come online,
# as udev would bring them: the kernel only makes them present
( while :; do for f in /sys/devices/system/cpu/cpu[1-9]*/online; do
	[ -f "$f" ] && [ "$(cat "$f")" = 0 ] && echo 1 > "$f"; done; sleep 1; done ) &
name=$(sed -n 's/.*tarn.guest=\([^ ]*\).*/\1/p' /proc/cmdline)
echo "TARN-GUEST-UP ${name:-unnamed}"
for _ in 1 2 3 4 5 6 7 8 9 10; do [ -b /dev/xvda ] && break; sleep 0.5; done
[ -b /dev/xvda ] && echo "TARN-GUEST-DISK $(head -c 64 /dev/xvda | tr -dc 'A-Za-z0-9 _.-')"
while :; do setsid cttyhack sh; done
INIT
chmod 755 "$stage/init"
# A clean shutdown asked through Xen (xl shutdown, the agent's stop) makes
# the kernel run /sbin/poweroff; there is no init to tell, so power off now.
printf '#!/bin/busybox sh\nexec /bin/busybox poweroff -f\n' > "$stage/sbin/poweroff"
chmod 755 "$stage/sbin/poweroff"
( cd "$stage" && find . | cpio -o -H newc --quiet ) | gzip -9 > "$out/initrd.gz.tmp"
mv "$out/initrd.gz.tmp" "$out/initrd.gz"
cp "$kdir/root/boot/vmlinuz-$kver" "$out/vmlinuz"
cat > "$out/vm.cfg" <<'CFG'
# Tarn test template: a 128 MiB PV guest with a BusyBox initrd
name = "tiny"
type = "pv"
kernel = "vmlinuz"
ramdisk = "initrd.gz"
extra = "console=hvc0 quiet tarn.guest=tiny"
memory = 128
vcpus = 1
on_crash = "destroy"
CFG
echo "$out"
