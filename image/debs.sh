#!/bin/bash
# Usage: debs.sh PKG... -> prints, for each, the cached tree its Debian
# package was extracted into (the files are under ROOT/root).
# For packages whose maintainer scripts would start services or add users
# on the build machine (chrony, nfs-common, open-iscsi): the image needs a
# few of their files, so they are downloaded and unpacked (dpkg-deb -x),
# never installed. An entry is keyed by the package's candidate version and
# appears whole (lib.sh's cache_begin/cache_commit), so an interrupted
# build leaves nothing a later one would trust.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

for pkg in "$@"; do
	entry=$(deb_entry "$pkg") || die "apt-cache knows no package $pkg; run 'apt-get update' (or './build.sh deps')"
	if [ ! -f "$entry/.done" ]; then
		ver=$(deb_version "$pkg")
		say "fetching $pkg $ver (unpacked, not installed)"
		need_space "$CACHE" 50
		cache_begin "$entry"
		deb_unpack "$pkg" "$ver" "$entry.tmp"
		touch "$entry.tmp/.done"
		cache_commit "$entry"
	fi
	echo "$entry"
done
