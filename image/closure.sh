#!/bin/bash
# Usage: closure.sh MANIFEST DESTROOT
# Lines: PATH (copy to the same place), "link LINK TARGET",
# "install SRC DEST" (a file built here, copied to DEST), and
# "from PKG PATH [DEST]" (PATH inside Debian package PKG, downloaded and
# unpacked by image/debs.sh, never installed here; copied to PATH or DEST).
# "from PKG" alone lets ldd find PKG's shared libraries when it resolves the
# closure of files from unpacked packages: for libraries the build machine
# does not have; they are copied only when something loads them.
# Copies every file named in MANIFEST into DESTROOT at the same path, plus
# the shared libraries each ELF file loads (ldd closure).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
manifest=$1 dest=$2
debs=$CACHE/debs
libpath=

declare -A seen
copy_file() { # copy one file (dereferenced) to the same path under dest, or to $2
	local src=$1 to=${2:-$1}
	[ -n "${seen[$src]:-}" ] && return 0
	seen[$src]=1
	[ -e "$src" ] || die "manifest names $src, which is not installed (run './build.sh deps')"
	mkdir -p "$dest$(dirname "$to")"
	cp -L --preserve=mode "$src" "$dest$to"
	chmod ug-s "$dest$to" # only root uses them (mount.nfs is set-uid in Debian)
	if file -b "$src" -L | grep -q 'ELF.*dynamically linked'; then
		local out lib
		# files from unpacked packages may load libraries that are only
		# unpacked too ("from PKG" lines)
		case $src in "$debs"/*) out=$(LD_LIBRARY_PATH=$libpath ldd "$src") ;; *) out=$(ldd "$src") ;; esac
		if grep -q 'not found' <<<"$out"; then
			die "$src needs $(awk '/not found/ {print $1}' <<<"$out" | xargs), which the build machine lacks (add its package to DEPS in build.sh, or a 'from PKG' line before this one)"
		fi
		for lib in $(awk '/=> \// {print $3} /^\t\// {print $1}' <<<"$out"); do
			case $lib in
			"$debs"/*) local rel=${lib#"$debs"/*/root}; copy_file "$lib" "$rel" ;;
			*) copy_file "$lib" ;;
			esac
		done
	fi
}

while read -r first second third fourth; do
	case $first in ''|'#'*) continue ;; esac
	if [ "$first" = install ]; then
		copy_file "$second" "$third"
	elif [ "$first" = link ]; then
		mkdir -p "$dest$(dirname "$second")"
		ln -sfn "$third" "$dest$second"
	elif [ "$first" = from ]; then
		entry=$("$TOP/image/debs.sh" "$second")
		if [ -z "$third" ]; then
			for d in lib/x86_64-linux-gnu usr/lib/x86_64-linux-gnu; do
				[ -d "$entry/root/$d" ] && libpath=${libpath:+$libpath:}$entry/root/$d
			done
			continue
		fi
		[ -e "$entry/root$third" ] || [ -L "$entry/root$third" ] || die "package $second has no $third"
		copy_file "$entry/root$third" "${fourth:-$third}"
	elif [ -d "$first" ]; then
		while IFS= read -r f; do copy_file "$f"; done < <(find "$first" -type f)
	else
		copy_file "$first"
	fi
done < "$manifest"
