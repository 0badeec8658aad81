#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Installs everything Sluice needs to build, test and run its lab, from Debian 12
# packages only, and reserves hugepages when the kernel lets us. Idempotent: a second
# run installs nothing and only tops the hugepage reservation up.
#
# Usage: deploy/install-deps.sh [--no-hugepages]
set -euo pipefail

want_huge=1
for a in "$@"; do
	case "$a" in
	--no-hugepages) want_huge=0 ;;
	-h|--help) echo "usage: $0 [--no-hugepages]"; exit 0 ;;
	*) echo "install-deps: unknown option '$a' (try --help)" >&2; exit 2 ;;
	esac
done

if [[ $(id -u) -ne 0 ]]; then
	echo "install-deps: must run as root (apt-get and hugepage reservation need it); try: sudo $0" >&2
	exit 1
fi

# Build: toolchain, DPDK, libbpf + bpftool, jemalloc, CUnit.
build_pkgs=(
	build-essential pkg-config meson ninja-build clang llvm lld
	libdpdk-dev dpdk-dev libbpf-dev linux-libc-dev bpftool libelf-dev zlib1g-dev libpcap-dev
	libjemalloc-dev libcunit1-dev libxdp-dev libjansson-dev libyaml-dev libmicrohttpd-dev valgrind jq
	libclang-rt-14-dev
)
# Real peers and tools the tests, lab and benchmarks use.
peer_pkgs=(
	nginx haproxy redis-server redis-tools curl wrk hping3 python3-scapy nftables
	tcpdump iproute2 ethtool xdp-tools iperf3 socat iputils-ping iputils-arping
	netcat-openbsd procps psmisc bsdextrautils util-linux gnuplot-nox
)

missing=()
for p in "${build_pkgs[@]}" "${peer_pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if ((${#missing[@]})); then
	echo "install-deps: installing ${#missing[@]} packages: ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
	echo "install-deps: all packages already installed"
fi

# The Debian nginx/haproxy/redis packages start system-wide services on install; the lab
# runs its own instances inside namespaces, so keep the host's copies out of the way.
for svc in nginx haproxy redis-server; do
	if command -v systemctl >/dev/null && systemctl is-active --quiet "$svc" 2>/dev/null; then
		systemctl stop "$svc" 2>/dev/null || true
		systemctl disable "$svc" 2>/dev/null || true
	fi
done

if ((want_huge)); then
	hp=/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages
	need=${SLUICE_HUGEPAGES:-512}   # 512 x 2 MiB = 1 GiB: the lab dataplane plus a test EAL
	if [[ -w $hp ]]; then
		cur=$(cat "$hp")
		if ((cur < need)); then
			echo "$need" >"$hp" 2>/dev/null || true
			cur=$(cat "$hp")
		fi
		if ((cur >= need)); then
			echo "install-deps: $cur hugepages of 2 MiB reserved"
		else
			echo "install-deps: only $cur of $need hugepages could be reserved; the dataplane will fall back to --no-huge" >&2
		fi
	else
		echo "install-deps: cannot reserve hugepages here ($hp not writable); the dataplane will use --no-huge" >&2
	fi
	if ! mountpoint -q /dev/hugepages 2>/dev/null; then
		mkdir -p /dev/hugepages
		mount -t hugetlbfs nodev /dev/hugepages 2>/dev/null || true
	fi
fi

if ! mountpoint -q /sys/fs/bpf 2>/dev/null; then
	mount -t bpf bpf /sys/fs/bpf 2>/dev/null || echo "install-deps: could not mount bpffs at /sys/fs/bpf" >&2
fi
echo "install-deps: done"
