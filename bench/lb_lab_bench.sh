#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# bench/lb_lab_bench.sh [--seconds S] [--rounds R] [--conns C] [--json FILE]
#
# The lab's VIP (198.18.0.100:80 -> nginx on be1..be3) served three ways in the same run,
# with the same generator (wrk in sl-client, C keep-alive connections, S seconds, R rounds):
#   sluice     the appliance (deploy/lab.sh up: XDP + AF_XDP + the dataplane, fnat, maglev)
#   nftables   sl-node's kernel: DNAT to numgen round robin + masquerade (kube-proxy's way)
#   haproxy    sl-node's kernel: haproxy in TCP mode, roundrobin
# Reported: requests/s (median), packets/s through the balancer (counted on the switch's
# ports towards sl-node, so the same for all three) and, where the balancer is a process,
# its CPU seconds per second and packets per CPU-second. nftables runs in softirq context
# on whatever CPU takes the packet: its CPU is not separable from the rest here, so it is
# not reported. A 2-vCPU VM shares its cores between wrk, nginx and the balancer: read
# the ratios within a run, not absolute figures.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
LAB=$here/deploy/lab.sh
. "$here/bench/lab_peers.sh"
secs=10 rounds=3 conns=50 json=
while (($#)); do
	case $1 in
	--seconds) secs=$2; shift 2 ;;
	--rounds) rounds=$2; shift 2 ;;
	--conns) conns=$2; shift 2 ;;
	--json) json=$2; shift 2 ;;
	*) echo "usage: $0 [--seconds S] [--rounds R] [--conns C] [--json FILE]" >&2; exit 2 ;;
	esac
done
[[ $(id -u) -eq 0 ]] || { echo "lb_lab_bench.sh: needs root" >&2; exit 1; }
tmp=$(mktemp -d /tmp/sl-lb-lab.XXXXXX)
HAPROXY_PID=
cleanup() {
	[[ -n $HAPROXY_PID ]] && kill "$HAPROXY_PID" 2>/dev/null
	"$LAB" down >/dev/null 2>&1 || true
	rm -rf "$tmp"
}
trap cleanup EXIT

# Packets the switch exchanged with sl-node (both ports, both directions).
sw_packets() {
	local n=0 d
	for d in sw-node-f sw-node-b; do
		n=$((n + $(ip netns exec sl-sw cat /sys/class/net/$d/statistics/rx_packets) +
		     $(ip netns exec sl-sw cat /sys/class/net/$d/statistics/tx_packets)))
	done
	echo $n
}
cpu_s() {       # utime + stime of a PID, in seconds
	awk -v hz="$(getconf CLK_TCK)" '{ printf "%.3f", ($14 + $15) / hz }' "/proc/$1/stat"
}
median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# measure NAME [PID]: R rounds of wrk; appends "name rps pps cpu" to $tmp/results.
measure() {
	local name=$1 pid=${2:-} r rps pps cpu p0 p1 c0 c1 t0 t1 p50 p99 lo hi
	for ((r = 0; r < rounds; r++)); do
		p0=$(sw_packets); t0=$(date +%s.%N)
		[[ -n $pid ]] && c0=$(cpu_s "$pid")
		# requests/s, then the p50 and p99 latency in us (wrk --latency: "50%  1.20ms")
		read -r rps p50 p99 < <(ip netns exec sl-client wrk -t2 -c"$conns" -d"${secs}s" \
			--latency http://198.18.0.100/ | awk '
			function us(v) { if (v ~ /us$/) return v + 0; if (v ~ /ms$/) return v * 1000;
					 if (v ~ /s$/) return v * 1e6; return v }
			/Requests\/sec/ { r = $2 } $1 == "50%" { a = us($2) } $1 == "99%" { b = us($2) }
			END { printf "%s %.0f %.0f\n", r, a, b }')
		t1=$(date +%s.%N); p1=$(sw_packets)
		[[ -n $pid ]] && c1=$(cpu_s "$pid")
		pps=$(awk -v a="$p0" -v b="$p1" -v x="$t0" -v y="$t1" 'BEGIN { printf "%.0f", (b - a) / (y - x) }')
		cpu=$([[ -n $pid ]] && awk -v a="$c0" -v b="$c1" -v x="$t0" -v y="$t1" \
			'BEGIN { printf "%.2f", (b - a) / (y - x) }' || echo -)
		echo "$name $rps $pps $cpu $p50 $p99" >>"$tmp/rounds"
	done
	rps=$(awk -v n="$name" '$1 == n { print $2 }' "$tmp/rounds" | median)
	lo=$(awk -v n="$name" '$1 == n { print $2 }' "$tmp/rounds" | sort -g | head -n 1)
	hi=$(awk -v n="$name" '$1 == n { print $2 }' "$tmp/rounds" | sort -g | tail -n 1)
	pps=$(awk -v n="$name" '$1 == n { print $3 }' "$tmp/rounds" | median)
	cpu=$(awk -v n="$name" '$1 == n { print $4 }' "$tmp/rounds" | median)
	p50=$(awk -v n="$name" '$1 == n { print $5 }' "$tmp/rounds" | median)
	p99=$(awk -v n="$name" '$1 == n { print $6 }' "$tmp/rounds" | median)
	echo "$name $rps $pps $cpu $p50 $p99 $lo $hi" >>"$tmp/results"
}

"$LAB" down >/dev/null 2>&1 || true
"$LAB" up >/dev/null
measure sluice "$(cat /run/sluice/lab/dataplane.pid)"
"$LAB" down >/dev/null

# A peer whose tool is missing is reported as not measured, with why (never a number).
: >"$tmp/not_measured"
have() {        # have NAME TOOL: whether TOOL is there; notes NAME not measured if not
	command -v "$2" >/dev/null && return 0
	echo "$1|$2 is not installed" >>"$tmp/not_measured"
	return 1
}

# The same topology, the balancer in sl-node's kernel.
"$LAB" up --no-appliance >/dev/null
N="ip netns exec sl-node"
lab_kernel_node
if have nftables nft; then
lab_nft_dnat up
measure nftables
lab_nft_dnat down
fi
$N sysctl -qw net.ipv4.ip_forward=0

if have haproxy haproxy; then
cat >"$tmp/haproxy.cfg" <<CFG
global
    maxconn 4096
defaults
    mode tcp
    timeout connect 5s
    timeout client 60s
    timeout server 60s
frontend vip
    bind 198.18.0.100:80
    default_backend web
backend web
    balance roundrobin
    server be1 198.18.1.11:80
    server be2 198.18.1.12:80
    server be3 198.18.1.13:80
CFG
$N haproxy -f "$tmp/haproxy.cfg" -db >/dev/null 2>&1 &
HAPROXY_PID=$!
sleep 1
measure haproxy "$HAPROXY_PID"
kill "$HAPROXY_PID"; wait "$HAPROXY_PID" 2>/dev/null || true; HAPROXY_PID=
fi

printf 'Lab throughput through the VIP, wrk %d connections x %ds, median of %d rounds (%s)\n' \
	"$conns" "$secs" "$rounds" "$(uname -r)"
printf '%-10s %12s %14s %12s %16s %10s %10s\n' balancer "requests/s" "packets/s" "CPU s/s" \
	"packets/CPU-s" "p50 us" "p99 us"
while read -r name rps pps cpu p50 p99 lo hi; do
	per=-
	[[ $cpu != - ]] && per=$(awk -v p="$pps" -v c="$cpu" 'BEGIN { printf "%.0f", (c > 0 ? p / c : 0) }')
	printf '%-10s %12s %14s %12s %16s %10s %10s\n' "$name" "$rps" "$pps" "$cpu" "$per" "$p50" "$p99"
done <"$tmp/results"
if [[ -n $json ]]; then
	awk -v secs="$secs" -v rounds="$rounds" -v conns="$conns" '
	     BEGIN { printf "{\"benchmark\":\"lb_lab\",\"method\":\"wrk -t2 -c%d -d%ds --latency from sl-client through the VIP, median of %d rounds; packets counted on the switch ports to sl-node\",\"results\":[", conns, secs, rounds }
	     { printf "%s{\"balancer\":\"%s\",\"requests_per_s\":%s,\"min\":%s,\"max\":%s,\"packets_per_s\":%s,\"cpu_s_per_s\":\"%s\",\"latency_p50_us\":%s,\"latency_p99_us\":%s}",
	       (NR > 1 ? "," : ""), $1, $2, $7, $8, $3, $4, $5, $6 }
	     END { printf "]" }' "$tmp/results" >"$json"
	awk -F'|' 'BEGIN { printf ",\"not_measured\":[" }
	     { printf "%s{\"balancer\":\"%s\",\"why\":\"%s\"}", (NR > 1 ? "," : ""), $1, $2 }
	     END { print "]}" }' "$tmp/not_measured" >>"$json"
fi
while IFS='|' read -r name why; do echo "$name: not measured: $why"; done <"$tmp/not_measured"
