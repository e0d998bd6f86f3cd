#!/bin/sh
# Usage: check-config.sh KERNEL_CONFIG [REQUIRED_LIST]
# Exits 1 naming every required option the kernel config lacks.
set -eu
config=$1
required=${2:-$(dirname "$0")/required.conf}
[ -r "$config" ] || { echo "check-config: cannot read kernel config $config" >&2; exit 2; }

missing=0
while IFS= read -r line; do
	case $line in ''|'#'*) continue ;; esac
	opt=${line%%=*}
	want=${line#*=}
	have=$(sed -n "s/^$opt=//p" "$config" | tail -n 1)
	ok=0
	for v in $(echo "$want" | tr '|' ' '); do
		[ "$have" = "$v" ] && ok=1
	done
	if [ $ok = 0 ]; then
		echo "check-config: $opt is ${have:-not set} in $config; Tarn needs $want" >&2
		missing=$((missing + 1))
	fi
done < "$required"

if [ $missing -gt 0 ]; then
	echo "check-config: $missing required kernel option(s) missing (see kernel-config/required.conf)" >&2
	exit 1
fi
