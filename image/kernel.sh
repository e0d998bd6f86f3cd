#!/bin/bash
# Usage: kernel.sh -> prints the cached, extracted dom0 kernel tree.
# The tree is keyed by the Debian package and version that
# linux-image-amd64 points at; modules.dep is generated once per entry.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

pkg=$(apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
[ -n "$pkg" ] || die "apt-cache cannot resolve linux-image-amd64; run './build.sh deps'"
ver=$(apt-cache policy "$pkg" | awk '/Candidate:/ {print $2}')
entry=$CACHE/kernel/${pkg}_$ver
if [ ! -f "$entry/.done" ]; then
	say "fetching $pkg $ver"
	need_space "$CACHE" 1200
	cache_begin "$entry"
	deb_unpack "$pkg" "$ver" "$entry.tmp"
	kver=$(ls "$entry.tmp/root/lib/modules")
	depmod -b "$entry.tmp/root" "$kver"
	echo "$kver" > "$entry.tmp/kver"
	touch "$entry.tmp/.done"
	cache_commit "$entry"
fi
echo "$entry"
