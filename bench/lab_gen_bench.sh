#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# bench/lab_gen_bench.sh [--seconds S] [--rounds R] [--rate PPS] [--flows N] [--json FILE]
#
# Packets per second through the lab's VIP from the live-frames generator (bench/slgen),
# the appliance against nftables DNAT in the lab node's kernel, same generator, same
# offered load. slgen runs in sl-abuser and sends TCP SYNs to 198.18.0.100:80 from N
# flows (source ports) at PPS for S seconds; the figure is the packets the balancer sent
# on towards the backends per second (the switch's port to sl-node's back side counts
# them: the same place for both; sl-abuser drops the SYN-ACKs so no RST follows), R
# rounds, median, min and max. A SYN flood is the hard
# case for a balancer: every packet looks up and (first time) creates a flow.
#   sluice     deploy/lab.sh up: XDP + AF_XDP + the dataplane, fnat, maglev
#   nftables   deploy/lab.sh up --no-appliance; DNAT to numgen round robin + masquerade
# One 2-vCPU VM runs the generator, the balancer and the backends: read the ratio.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
LAB=$here/deploy/lab.sh
. "$here/bench/lab_peers.sh"
GEN=${SLUICE_BUILD:-$here/build}/bench/slgen
secs=5 rounds=3 rate=200000 flows=10000 json=
while (($#)); do
	case $1 in
	--seconds) secs=$2; shift 2 ;;
	--rounds) rounds=$2; shift 2 ;;
	--rate) rate=$2; shift 2 ;;
	--flows) flows=$2; shift 2 ;;
	--json) json=$2; shift 2 ;;
	*) echo "usage: $0 [--seconds S] [--rounds R] [--rate PPS] [--flows N] [--json FILE]" >&2
	   exit 2 ;;
	esac
done
[[ $(id -u) -eq 0 ]] || { echo "lab_gen_bench.sh: needs root" >&2; exit 1; }
[[ -x $GEN ]] || { echo "lab_gen_bench.sh: build first: $GEN" >&2; exit 1; }
tmp=$(mktemp -d /tmp/sl-lab-gen.XXXXXX)
cleanup() {
	"$LAB" down >/dev/null 2>&1 || true
	rm -rf "$tmp"
}
trap cleanup EXIT

node_back_tx() {        # frames sl-node sent on its back side (the switch port received)
	ip netns exec sl-sw cat /sys/class/net/sw-node-b/statistics/rx_packets
}
median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# measure NAME: R rounds of slgen; appends "name fwd_pps offered_pps" per round.
measure() {
	local name=$1 r b0 b1 mac
	# XDP_TX out of a veth needs NAPI on the peer (DESIGN.md 3): GRO on the switch port
	ip netns exec sl-sw ethtool -K sw-abuser gro on >/dev/null
	# the backends' SYN-ACKs stop at sl-abuser's door: its kernel would answer each with
	# a RST, which the balancer would forward too; the figure is SYNs
	ip netns exec sl-abuser nft -f - <<'NFT'
table inet slgen {
	chain synack {
		type filter hook input priority 0;
		tcp sport 80 drop
	}
}
NFT
	mac=$(ip -n sl-abuser -j link show eth0 | jq -r '.[0].address')
	for ((r = 0; r < rounds; r++)); do
		b0=$(node_back_tx)
		"$GEN" --ns sl-abuser --dev eth0 --src-mac "$mac" --dst-mac 02:53:4c:00:00:01 \
			--src 198.18.0.66 --dst 198.18.0.100 --dport 80 --proto tcp \
			--syn-permille 1000 --flows "$flows" --rate "$rate" --seconds "$secs" \
			--json "$tmp/gen.json" >>"$tmp/gen.log"
		sleep 0.5       # the last packets through
		b1=$(node_back_tx)
		jq -r --arg n "$name" --argjson d $((b1 - b0)) \
			'"\($n) \($d / .seconds | floor) \(.pps | floor)"' "$tmp/gen.json" >>"$tmp/rounds"
	done
}

"$LAB" down >/dev/null 2>&1 || true
"$LAB" up >/dev/null
measure sluice
"$LAB" down >/dev/null

"$LAB" up --no-appliance >/dev/null
lab_kernel_node
lab_nft_dnat up
measure nftables
"$LAB" down >/dev/null

printf 'SYNs through the lab VIP from slgen: %d flows offered %d pps for %d s, median of %d rounds (%s)\n' \
	"$flows" "$rate" "$secs" "$rounds" "$(uname -r)"
printf '%-10s %16s %10s %10s %14s\n' balancer "forwarded pps" min max "offered pps"
for name in sluice nftables; do
	f=$(awk -v n="$name" '$1 == n { print $2 }' "$tmp/rounds" | median)
	lo=$(awk -v n="$name" '$1 == n { print $2 }' "$tmp/rounds" | sort -g | head -n 1)
	hi=$(awk -v n="$name" '$1 == n { print $2 }' "$tmp/rounds" | sort -g | tail -n 1)
	o=$(awk -v n="$name" '$1 == n { print $3 }' "$tmp/rounds" | median)
	printf '%-10s %16s %10s %10s %14s\n' "$name" "$f" "$lo" "$hi" "$o"
	echo "$name $f $lo $hi $o" >>"$tmp/results"
done
if [[ -n $json ]]; then
	awk -v secs="$secs" -v rounds="$rounds" -v flows="$flows" -v rate="$rate" '
	     BEGIN { printf "{\"benchmark\":\"lab_gen\",\"method\":\"bench/slgen in sl-abuser: TCP SYNs to 198.18.0.100:80 from %d flows at %d pps for %d s; forwarded = frames sl-node sent to the back switch port / s; median of %d rounds\",\"results\":[", flows, rate, secs, rounds }
	     { printf "%s{\"balancer\":\"%s\",\"forwarded_pps_median\":%s,\"min\":%s,\"max\":%s,\"offered_pps\":%s}",
	       (NR > 1 ? "," : ""), $1, $2, $3, $4, $5 }
	     END { print "]}" }' "$tmp/results" >"$json"
fi
