#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# sluice-hugepages [COUNT]: reserves COUNT hugepages of 2 MiB for sluice-dataplane and
# makes sure a hugetlbfs of that size is mounted, so DPDK's EAL finds both. Run by
# sluice-hugepages.service (installed as /usr/sbin/sluice-hugepages) before the dataplane.
#
# COUNT: the argument, else $SLUICE_HUGEPAGES, else SLUICE_HUGEPAGES= in
# /etc/default/sluice ($SLUICE_DEFAULTS overrides the path), else 1024 (2 GiB).
#
# It starts no DPDK process (sluice-dataplane passes --no-pci to EAL itself unless a
# PCI device is selected with -a).
#
# Idempotent: a reservation that is already large enough is left as it is (never
# lowered: something else may use the pages) and the script exits 0. Exit status: 0
# enough pages reserved, 1 could not (one line says why), 2 bad input.
set -euo pipefail

PROG=sluice-hugepages
DEFAULTS=${SLUICE_DEFAULTS:-/etc/default/sluice}
HP_DIR=/sys/kernel/mm/hugepages/hugepages-2048kB
COUNT_DEFAULT=1024

die() { echo "$PROG: $1" >&2; exit "${2:-1}"; }

# SLUICE_HUGEPAGES=N from the defaults file, read the way systemd's EnvironmentFile=
# reads it (last assignment wins, optional quotes) and never executed as shell.
count_from_defaults() {
	[[ -r $DEFAULTS ]] || return 0
	sed -n -E 's/^[[:space:]]*(export[[:space:]]+)?SLUICE_HUGEPAGES=(.*)$/\2/p' "$DEFAULTS" |
		tail -n 1 | sed -E 's/^"(.*)"[[:space:]]*$/\1/; s/^'\''(.*)'\''[[:space:]]*$/\1/; s/[[:space:]]+$//'
}

case "${1:-}" in
-h|--help)
	sed -n '4,13p' "$0" | sed 's/^# \{0,1\}//'
	exit 0 ;;
esac
(($# <= 1)) || die "too many arguments: give at most one COUNT (try --help)" 2

if (($# == 1)); then
	count=$1 from="the argument"
elif [[ -n ${SLUICE_HUGEPAGES:-} ]]; then
	count=$SLUICE_HUGEPAGES from="\$SLUICE_HUGEPAGES"
else
	count=$(count_from_defaults) from="SLUICE_HUGEPAGES in $DEFAULTS"
	[[ -n $count ]] || count=$COUNT_DEFAULT from="the default"
fi
# Digits only (no sign, no unit), at most 9 of them; 10# so a leading 0 is not octal.
[[ $count =~ ^[0-9]{1,9}$ ]] ||
	die "'${count:0:32}' from $from is not a page count: want a whole number of 2 MiB pages, e.g. 1024" 2
count=$((10#$count))

[[ -d $HP_DIR ]] || die "this kernel offers no 2 MiB hugepages ($HP_DIR missing)"
total_kb=$(awk '$1 == "MemTotal:" {print $2}' /proc/meminfo)
if ((count * 2048 >= total_kb)); then
	die "$count pages of 2 MiB ($((count * 2)) MiB, from $from) is not less than this machine's memory ($((total_kb / 1024)) MiB)" 2
fi
[[ $(id -u) -eq 0 ]] || die "must run as root (writes $HP_DIR/nr_hugepages, mounts hugetlbfs)"

cur=$(<"$HP_DIR/nr_hugepages")
if ((cur < count)); then
	{ echo "$count" >"$HP_DIR/nr_hugepages"; } 2>/dev/null || die "cannot write $HP_DIR/nr_hugepages"
	cur=$(<"$HP_DIR/nr_hugepages")
	if ((cur < count)); then
		# Fragmented memory: compact it once and ask again.
		{ echo 1 >/proc/sys/vm/compact_memory; } 2>/dev/null || true
		{ echo "$count" >"$HP_DIR/nr_hugepages"; } 2>/dev/null || true
		cur=$(<"$HP_DIR/nr_hugepages")
	fi
	((cur >= count)) ||
		die "only $cur of $count hugepages of 2 MiB could be reserved (memory in use or fragmented); lower SLUICE_HUGEPAGES in $DEFAULTS or reserve at boot with hugepages=$count on the kernel command line"
fi

# A hugetlbfs of 2 MiB pages: /dev/hugepages (systemd mounts it at boot), else ours.
# Kernels list pagesize= in the mount options; a mount without it uses the default size.
default_kb=$(awk '$1 == "Hugepagesize:" {print $2}' /proc/meminfo)
mnt=$(awk -v def="$default_kb" '$3 == "hugetlbfs" {
		if ($4 ~ /(^|,)pagesize=2M(,|$)/ || ($4 !~ /pagesize=/ && def == 2048)) { print $2; exit }
	}' /proc/mounts)
if [[ -z $mnt ]]; then
	mnt=/dev/hugepages
	if mountpoint -q "$mnt"; then
		mnt=/dev/hugepages-2M       # /dev/hugepages holds another page size
	fi
	mkdir -p "$mnt"
	mount -t hugetlbfs -o pagesize=2M nodev "$mnt" 2>/dev/null || die "cannot mount hugetlbfs (pagesize=2M) at $mnt"
fi
echo "$PROG: $cur hugepages of 2 MiB reserved (wanted $count, from $from), hugetlbfs at $mnt"
