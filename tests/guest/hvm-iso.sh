#!/bin/bash
# Usage: tests/guest/hvm-iso.sh TEMPLATE_DIR OUT.iso
# A tiny BIOS-bootable CD for the HVM tests: GRUB (i386-pc, El Torito) on
# the guest's first serial port prints TARN-HVM-GRUB, then boots the tiny
# guest's kernel and BusyBox initrd (tests/guest/template.sh makes them in
# TEMPLATE_DIR) with console=ttyS0, whose init prints "TARN-GUEST-UP hvm".
set -euo pipefail
tpl=${1:?usage: hvm-iso.sh TEMPLATE_DIR OUT.iso} out=${2:?usage: hvm-iso.sh TEMPLATE_DIR OUT.iso}
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/boot/grub"
cp "$tpl/vmlinuz" "$tpl/initrd.gz" "$stage/boot/"
cat > "$stage/boot/grub/grub.cfg" <<'CFG'
serial --unit=0 --speed=115200
terminal_input serial
terminal_output serial
echo TARN-HVM-GRUB
linux /boot/vmlinuz console=ttyS0 quiet tarn.guest=hvm
initrd /boot/initrd.gz
boot
CFG
grub-mkrescue -d /usr/lib/grub/i386-pc -o "$out.tmp" "$stage" -- -volid TARN-HVM-TEST >"$stage.log" 2>&1 \
	|| { cat "$stage.log" >&2; rm -f "$stage.log"; exit 1; }
rm -f "$stage.log"
mv "$out.tmp" "$out"
echo "$out"
