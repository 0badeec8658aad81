#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# The benchmark suite as a smoke check (issue 7): bench/run.sh --quick writes a results
# file that is well formed — the machine, every benchmark of the suite either with its
# figures and peers or "not measured" with why — a markdown table and a plot per
# benchmark measured. No timing is asserted: these are short runs on a shared machine.
# Every tool the suite needs is installed by deploy/install-deps.sh, so here every
# benchmark must have been measured; a gap is a failure, with its reason.
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/lib.sh"

require_root 8
OUT=$(mktemp -d /tmp/sl-bench-smoke.XXXXXX)
trap '"$LIB_ROOT/deploy/lab.sh" down >/dev/null 2>&1; rm -rf "$OUT"' EXIT

t0=$(date +%s)
timeout 600 bash "$LIB_ROOT/bench/run.sh" --quick --out "$OUT" >"$OUT.log" 2>&1
rc=$?
secs=$(($(date +%s) - t0))
check_eq "bench/run.sh --quick finished (exit 0; $secs s; log: $(tail -n 1 "$OUT.log"))" 0 "$rc"
check "bench/run.sh --quick took under 5 minutes ($secs s)" test "$secs" -lt 300
res=$(ls "$OUT"/*.json 2>/dev/null | head -n 1)
check "a results file <date>-<host>.json" test -n "$res" -a -s "${res:-/nonexistent}"
res=${res:-/nonexistent}
check "it names the machine (cpu, cpus, kernel) and says --quick" \
	jq -e '.machine.cpus > 0 and (.machine.kernel | length > 0) and .quick == true' "$res"
for b in xdp_filter xdp_live lb_pipeline police lab_gen lb_lab change_latency; do
	# a benchmark not measured at all has "not_measured": "<why>" (lb_lab's list of
	# "not_measured" peers is another thing: it must be empty here)
	why=$(jq -r --arg b "$b" '.benchmarks[$b].not_measured | strings' "$res" 2>/dev/null)
	check "benchmark $b measured${why:+ (not measured: $why)}" \
		jq -e --arg b "$b" '.benchmarks[$b] | type == "object" and
			((.not_measured // []) | type == "array" and length == 0)' "$res"
done
check "peers in the same run: xdp-filter and the XDP_DROP floor beside sluice_xdp" \
	jq -e '[.benchmarks.xdp_filter.results[].program] | (index("xdp-filter") != null) and
		(index("floor (XDP_DROP)") != null) and (index("sluice_xdp") != null)' "$res"
check "peers in the same run: nftables and haproxy beside sluice in the lab" \
	jq -e '[.benchmarks.lb_lab.results[].balancer] | sort == ["haproxy", "nftables", "sluice"]' \
	"$res"
check "every figure a number with its min and max (lab: requests/s, latency p50/p99)" \
	jq -e '[.benchmarks.lb_lab.results[] | .requests_per_s, .min, .max, .latency_p50_us,
		.latency_p99_us] | all(type == "number")' "$res"
check "instructions per packet (callgrind) and memory per flow and per key" \
	jq -e '.benchmarks.lb_pipeline.instructions_established > 0 and
		.benchmarks.lb_pipeline.bytes_per_flow > 0 and
		(.benchmarks.police.results | all(.bytes_per_key > 0))' "$res"
md=${res%.json}.md
check "a markdown report with a table per benchmark" \
	bash -c "grep -c '^| ' '$md' | awk '\$1 >= 14 { ok = 1 } END { exit !ok }'"
check "a PNG plot for each benchmark measured" \
	bash -c "n=\$(ls '${res%.json}'/*.png 2>/dev/null | wc -l); test \"\$n\" -ge 7"
check "nothing left behind: no lab namespace, no bench namespace" \
	bash -c "! ip netns list | grep -qE '^(sl-|slb-)'"
finish
