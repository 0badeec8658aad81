#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# bench/lb_bench.sh [--json FILE] [lb_bench options] — the balancer's pipeline: ns per
# packet (lb_bench, hugepages if free, else --no-huge) and instructions per packet under
# callgrind (only inside worker_input; the stable figure on a noisy machine).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BIN=${SLUICE_BUILD:-$here/../build}/bench/lb_bench
[[ -x $BIN ]] || { echo "lb_bench.sh: build first (ninja -C build): $BIN" >&2; exit 1; }
tmp=$(mktemp -d /tmp/sl-lb-bench.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

free=$(cat /sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages 2>/dev/null || echo 0)
if ((free >= 400)); then
	eal=(--no-pci --in-memory -l 0,1 --log-level='*:error')
else
	eal=(--no-pci --no-huge --no-shconf -m 4096 -l 0,1 --log-level='*:error')
fi
"$BIN" "$@" -- x "${eal[@]}"

valgrind --tool=callgrind --toggle-collect='worker_input*' --callgrind-out-file="$tmp/cg.out" \
	"$BIN" --callgrind -- x --no-pci --no-huge --no-shconf -m 1024 -l 0,1 \
	--log-level='*:error' >"$tmp/log" 2>&1 || { cat "$tmp/log" >&2; exit 1; }
n=$(awk '/callgrind run:/ { print $3 }' "$tmp/log")
ir() { awk '/^(summary|totals):/ { print $2; exit }' "$1"; }
syn=$(ir "$tmp/cg.out.1") est=$(ir "$tmp/cg.out.2")
printf 'instructions per packet (callgrind, worker_input* and below, %s packets each): SYN %d, established %d\n' \
	"$n" $((syn / n)) $((est / n))
# --json FILE: the callgrind figures join lb_bench's own
json=
for ((i = 1; i <= $#; i++)); do
	[[ ${!i} == --json ]] && { j=$((i + 1)); json=${!j}; }
done
if [[ -n $json && -s $json ]]; then
	jq --argjson n "$n" --argjson syn $((syn / n)) --argjson est $((est / n)) \
		'. + {callgrind_packets: $n, instructions_syn: $syn, instructions_established: $est}' \
		"$json" >"$tmp/j" && cp "$tmp/j" "$json"
fi
