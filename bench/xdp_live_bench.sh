#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# bench/xdp_live_bench.sh [xdp_live_bench options] — the XDP drop rate in Mpps on a veth
# (see xdp_live_bench.c for the method). Makes two namespaces and a veth pair from
# 198.18.0.0/15's lab space, runs the benchmark, and removes them whatever happens.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BIN=${SLUICE_BUILD:-$here/../build}/bench/xdp_live_bench
GEN=slb-gen DUT=slb-dut

[[ $(id -u) -eq 0 ]] || { echo "xdp_live_bench.sh: needs root" >&2; exit 1; }
[[ -x $BIN ]] || { echo "xdp_live_bench.sh: build first (ninja -C build): $BIN" >&2; exit 1; }
cleanup() { ip netns del $GEN 2>/dev/null || true; ip netns del $DUT 2>/dev/null || true; }
trap cleanup EXIT
cleanup
ip netns add $GEN
ip netns add $DUT
ip link add slb0 netns $GEN type veth peer name slb1 netns $DUT
ip -n $GEN link set slb0 address 02:53:4c:00:0c:02 up
ip -n $DUT link set slb1 address 02:53:4c:00:00:01 up
"$BIN" --gen-ns $GEN --gen-if slb0 --dut-ns $DUT --dut-if slb1 "$@"
