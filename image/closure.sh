#!/bin/bash
# Usage: closure.sh MANIFEST DESTROOT
# Lines: PATH (copy to the same place), "link LINK TARGET", and
# "install SRC DEST" (a file built here, copied to DEST).
# Copies every file named in MANIFEST into DESTROOT at the same path, plus
# the shared libraries each ELF file loads (ldd closure).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
manifest=$1 dest=$2

declare -A seen
copy_file() { # copy one file (dereferenced) to the same path under dest, or to $2
	local src=$1 to=${2:-$1}
	[ -n "${seen[$src]:-}" ] && return 0
	seen[$src]=1
	[ -e "$src" ] || die "manifest names $src, which is not installed (run './build.sh deps')"
	mkdir -p "$dest$(dirname "$to")"
	cp -L --preserve=mode "$src" "$dest$to"
	if file -b "$src" -L | grep -q 'ELF.*dynamically linked'; then
		local lib
		for lib in $(ldd "$src" | awk '/=> \// {print $3} /^\t\// {print $1}'); do
			copy_file "$lib"
		done
	fi
}

while read -r first second third; do
	case $first in ''|'#'*) continue ;; esac
	if [ "$first" = install ]; then
		copy_file "$second" "$third"
	elif [ "$first" = link ]; then
		mkdir -p "$dest$(dirname "$second")"
		ln -sfn "$third" "$dest$second"
	elif [ -d "$first" ]; then
		while IFS= read -r f; do copy_file "$f"; done < <(find "$first" -type f)
	else
		copy_file "$first"
	fi
done < "$manifest"
