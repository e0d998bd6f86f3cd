# Shared by the image scripts: paths, messages, atomic cache entries.
# shellcheck shell=bash
TOP=${TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
OUT=${TARN_OUT:-$TOP/out}
CACHE=${TARN_CACHE:-/var/cache/tarn}

say() { printf '==> %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

need_tools() {
	local t missing=
	for t in "$@"; do command -v "$t" >/dev/null 2>&1 || missing="$missing $t"; done
	[ -z "$missing" ] || die "missing tool(s):$missing. Run './build.sh deps' first."
}

# need_space DIR MIB: refuse to start a step that would run out of disk.
need_space() {
	mkdir -p "$1"
	local free
	free=$(df -Pm "$1" | awk 'NR==2 {print $4}')
	[ "$free" -ge "$2" ] || die "only ${free} MiB free under $1; the build needs about $2 MiB"
}

# A cache entry is a directory that appears whole (built under .tmp, then
# renamed), so an interrupted build leaves nothing a later one would trust.
cache_begin() { rm -rf "$1.tmp"; mkdir -p "$1.tmp"; }
cache_commit() { rm -rf "$1"; mv "$1.tmp" "$1"; }

# The version of PKG apt would fetch (its candidate), or fail.
deb_version() {
	local v
	v=$(apt-cache policy "$1" 2>/dev/null | awk '/Candidate:/ {print $2}')
	[ -n "$v" ] && [ "$v" != "(none)" ] && echo "$v"
}
# Where image/debs.sh keeps PKG unpacked: keyed by its version (the
# epoch's colon escaped as in Debian's file names, since library paths
# are colon-separated lists).
deb_entry() {
	local v
	v=$(deb_version "$1") || return 1
	echo "$CACHE/debs/$1_${v//:/%3a}"
}
# deb_unpack PKG VERSION DIR: downloads PKG's .deb into DIR and unpacks it
# into DIR/root (dpkg-deb -x: no maintainer script runs).
deb_unpack() {
	( cd "$3" && apt-get -q -o APT::Sandbox::User=root download "$1=$2" >/dev/null ) \
		|| die "could not download $1 $2"
	dpkg-deb -x "$3"/*.deb "$3/root"
	rm -f "$3"/*.deb
}
