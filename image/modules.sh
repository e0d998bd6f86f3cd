#!/bin/bash
# Usage: modules.sh KERNEL_TREE LIST DESTROOT
# Copies the modules named in LIST, with their dependencies, and runs depmod
# so modprobe works in the image.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
tree=$1 list=$2 dest=$3
kver=$(cat "$tree/../kver" 2>/dev/null || ls "$tree/lib/modules")
mods=$tree/lib/modules/$kver

while read -r name _; do
	case $name in ''|'#'*) continue ;; esac
	optional=0
	case $name in *'?') optional=1; name=${name%'?'} ;; esac
	if ! deps=$(modprobe -d "$tree" -S "$kver" --show-depends "$name" 2>/dev/null); then
		[ $optional = 1 ] && continue
		die "module $name (kernel-config/modules.list) is not in kernel $kver"
	fi
	echo "$deps" | awk '$1 == "insmod" {print $2}' | while read -r ko; do
		rel=${ko#"$mods"/}
		mkdir -p "$dest/lib/modules/$kver/$(dirname "$rel")"
		cp "$ko" "$dest/lib/modules/$kver/$rel"
	done
done < "$list"

# Compressed modules keep the in-memory root small; kmod unpacks them on load.
find "$dest/lib/modules/$kver" -name '*.ko' -print0 | xargs -0 -r -P"$(nproc)" -n 16 xz -q --check=crc32
cp "$mods"/modules.order "$mods"/modules.builtin "$mods"/modules.builtin.modinfo "$dest/lib/modules/$kver/"
depmod -b "$dest" "$kver"
