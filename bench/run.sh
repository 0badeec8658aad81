#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# bench/run.sh [--quick] [--out DIR] [--only NAME[,NAME...]] — every benchmark the project
# has, each against its peers in the same run, into one results file, a markdown table
# and PNG plots (bench/README.md says what each figure means):
#
#   xdp_filter      ns/packet of the XDP filter, xdp-filter and XDP_DROP (BPF_PROG_TEST_RUN)
#   xdp_live        Mpps dropped on a veth by the same three (live frames)
#   lb_pipeline     the dataplane's worker pipeline without a NIC: ns/packet, instructions
#                   per packet (callgrind), memory per flow
#   police          the rate-limit algorithms with their keyed state, rte_meter as the
#                   peer: ns/packet, bytes per key
#   lab_gen         SYN packets per second through the lab's VIP from the live-frames
#                   generator (bench/slgen): the appliance against nftables DNAT
#   lb_lab          HTTP through the lab's VIP (wrk): the appliance, nftables DNAT and
#                   haproxy in TCP mode: requests/s, p50/p99 latency, CPU per packet
#   change_latency  a sluicectl change until every worker runs it, against haproxy's
#                   runtime API
#
# Output: DIR/<date>-<host>.json (default DIR bench/results), DIR/<date>-<host>.md and
# DIR/<date>-<host>/*.png, plus each benchmark's own JSON in DIR/<date>-<host>/. A
# benchmark that cannot run here (a missing tool, no root, a failure) is recorded as
# "not measured" with why — never a number. --quick runs short versions (under 5 minutes
# on a 2-core VM) for a smoke check; its figures are not for quoting.
#
# Needs root (namespaces, XDP, DPDK) and a build (SLUICE_BUILD, default build/).
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
export SLUICE_BUILD=${SLUICE_BUILD:-$root/build}
B=$SLUICE_BUILD
quick=0 out=$here/results only=
while (($#)); do
	case $1 in
	--quick) quick=1; shift ;;
	--out) out=${2:?--out DIR}; shift 2 ;;
	--only) only=${2:?--only NAME[,NAME...]}; shift 2 ;;
	-h | --help) sed -n '3,27p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "usage: $0 [--quick] [--out DIR] [--only NAME[,NAME...]]" >&2; exit 2 ;;
	esac
done
[[ $(id -u) -eq 0 ]] || { echo "bench/run.sh: needs root (namespaces, XDP, DPDK)" >&2; exit 1; }
[[ -x $B/bench/lb_bench ]] || { echo "bench/run.sh: build first (ninja -C $B)" >&2; exit 1; }

stamp=$(date -u +%F)-$(hostname -s)
dir=$out/$stamp
mkdir -p "$dir"
log=$dir/run.log
: >"$log"
t_start=$(date +%s)

# section NAME SECONDS COMMAND...: runs one benchmark bounded by SECONDS, its JSON at
# $dir/NAME.json; a failure or a missing result leaves $dir/NAME.nm with why.
section() {
	local name=$1 limit=$2 t0 rc
	shift 2
	if [[ -n $only && ",$only," != *",$name,"* ]]; then
		return 0
	fi
	rm -f "$dir/$name.json" "$dir/$name.nm"
	echo "== $name: $*" | tee -a "$log"
	t0=$(date +%s)
	timeout --kill-after=10 "$limit" "$@" >>"$log" 2>&1
	rc=$?
	echo "== $name: exit $rc after $(($(date +%s) - t0)) s" | tee -a "$log"
	if ((rc == 124 || rc == 137)); then
		echo "did not finish within $limit s" >"$dir/$name.nm"
	elif ((rc != 0)); then
		echo "exit $rc: $(grep -v '^==' "$log" | tail -n 1 | tr -d '"\\' | cut -c1-160)" \
			>"$dir/$name.nm"
	elif ! jq -e . "$dir/$name.json" >/dev/null 2>&1; then
		echo "no results written" >"$dir/$name.nm"
	fi
}

# needs NAME TOOL...: records NAME as not measured unless every TOOL is installed
# (false too for a benchmark --only leaves out).
needs() {
	local name=$1 t
	shift
	[[ -z $only || ",$only," == *",$name,"* ]] || return 1
	for t in "$@"; do
		if [[ $t == slgen_built ]]; then
			[[ -x $B/bench/slgen ]] && continue
			echo "bench/slgen is not built" >"$dir/$name.nm"
			return 1
		fi
		if ! command -v "$t" >/dev/null; then
			echo "$t is not installed" >"$dir/$name.nm"
			return 1
		fi
	done
}

if ((quick)); then
	xf=(--repeat 100000 --rounds 3)
	xl=(--packets 1000000 --rounds 3)
	lbp=(--flows 100000 --packets 1000000 --rounds 3)
	pol=(--keys 100000 --packets 500000 --rounds 3 --big-keys 1000000)
	gen=(--seconds 2 --rounds 1)
	lab=(--seconds 3 --rounds 1 --conns 20)
	chg=100
else
	xf=(--repeat 1000000 --rounds 7)
	xl=(--packets 5000000 --rounds 5)
	lbp=(--rounds 5)
	pol=(--rounds 5)
	gen=(--seconds 5 --rounds 3)
	lab=(--seconds 10 --rounds 3)
	chg=500
fi

section xdp_filter 600 "$B/bench/xdp_filter_bench" "${xf[@]}" --json "$dir/xdp_filter.json"
section xdp_live 600 "$here/xdp_live_bench.sh" "${xl[@]}" --json "$dir/xdp_live.json"
needs lb_pipeline valgrind &&
	section lb_pipeline 900 "$here/lb_bench.sh" "${lbp[@]}" --json "$dir/lb_pipeline.json"
section police 900 "$B/bench/police_bench" "${pol[@]}" --json "$dir/police.json"
needs lab_gen nft slgen_built &&
	section lab_gen 900 "$here/lab_gen_bench.sh" "${gen[@]}" --json "$dir/lab_gen.json"
needs lb_lab wrk nginx &&
	section lb_lab 1200 "$here/lb_lab_bench.sh" "${lab[@]}" --json "$dir/lb_lab.json"
change_latency() {
	"$root/deploy/lab.sh" down >/dev/null 2>&1
	"$root/deploy/lab.sh" up >/dev/null || return 1
	"$here/sluiced_change.sh" "$chg" --json "$dir/change_latency.json"
	local rc=$?
	"$root/deploy/lab.sh" down >/dev/null 2>&1
	return $rc
}
export root here chg dir
export -f change_latency
needs change_latency haproxy &&
	section change_latency 900 bash -c change_latency

/usr/bin/python3 "$here/report.py" --dir "$dir" --out "$out/$stamp" --quick "$quick" \
	--seconds $(($(date +%s) - t_start)) || exit 1
echo "bench/run.sh: $out/$stamp.json, $out/$stamp.md, plots in $dir/"
