#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# tests/integ/test_slgen.sh — the lab traffic generator (bench/slgen.c) held to what it
# says it sends.
#
# Two namespaces of its own (sl-gen-PID-tx, sl-gen-PID-rx) and a veth pair between them;
# slgen sends from the tx end. Counting runs: the rx end drops every frame in XDP
# (bench/xdp_drop.o, native mode), and its per-queue xdp_drops must equal what slgen says
# the device took, and what the program emitted for paced runs; the paced runs (1 s at
# 100000 pps) must land within 10% of the target; unpaced runs report their rate.
# IPv4 and IPv6. Content runs: the rx end passes frames to its stack (slgen_pass from
# bench/slgen.o), tcpdump captures one run of 1000 frames, and scapy checks that the
# distinct sources, the distinct (source, port) flows, the even spread over the flows
# and the SYN share are what the options asked for, and that every checksum is right.
#
# Needs root; without it every check is skipped. Each command is bounded by a timeout;
# the namespaces, the veth and tcpdump (by PID) are removed on any exit. Addresses only
# from 198.18.0.0/15 and 2001:db8::/32, and no frame leaves the two namespaces.
# Prints "ok - ..." / "not ok - ..." lines (tests/integ/lib.sh); exits 1 if any failed.
# SLUICE_BUILD names the build directory (default: build).
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/lib.sh"

SLGEN=$SLUICE_BUILD/bench/slgen
DROP_OBJ=$SLUICE_BUILD/bench/xdp_drop.o
GEN_OBJ=$SLUICE_BUILD/bench/slgen.o
PY=/usr/bin/python3
TX_NS=sl-gen-$$-tx
RX_NS=sl-gen-$$-rx
TX_IF=sg$$t
RX_IF=sg$$r
TX_MAC=02:53:4c:00:0c:66
RX_MAC=02:53:4c:00:00:01
PACED_PPS=100000
NCHECKS=45
WORK=
TCPDUMP_PID=

require_root $NCHECKS

cleanup() {
	[[ -n $TCPDUMP_PID ]] && kill "$TCPDUMP_PID" 2>/dev/null
	ip netns del "$TX_NS" 2>/dev/null
	ip netns del "$RX_NS" 2>/dev/null
	[[ -n $WORK ]] && rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

for f in "$SLGEN" "$DROP_OBJ" "$GEN_OBJ"; do
	if [[ ! -e $f ]]; then
		echo "not ok - test_slgen: $f is missing (build first, or set SLUICE_BUILD)"
		exit 1
	fi
done
WORK=$(mktemp -d /tmp/slgen-smoke.XXXXXX)

# check_near NAME WANT GOT TOL: |GOT - WANT| <= TOL (numbers).
check_near() {
	LIB_RAN=$((LIB_RAN + 1))
	if awk -v w="$2" -v g="$3" -v t="$4" \
		'BEGIN { if (g == "" || g == "null") exit 1; d = g - w; exit !((d < 0 ? -d : d) <= t) }'; then
		echo "ok - $1"
	else
		LIB_FAILED=$((LIB_FAILED + 1))
		echo "not ok - $1: want $2 +- $4, got '$3'"
		return 1
	fi
}

rx_xdp_drops() {
	ip netns exec "$RX_NS" ethtool -S "$RX_IF" |
		awk '/rx_queue_[0-9]+_xdp_drops:/ { s += $2 } END { print s + 0 }'
}

# rx_attach sec|program NAME OBJ: the rx end's XDP program (native mode), replacing any.
rx_attach() {
	ip -n "$RX_NS" link set dev "$RX_IF" xdpdrv off 2>/dev/null
	timeout 20 ip -n "$RX_NS" link set dev "$RX_IF" xdpdrv obj "$3" "$1" "$2" 2>&1
}

# check_run NAME FUNCTION ARGS...: like check, for shell functions (bounded themselves).
check_run() {
	local name=$1 out rc
	shift
	out=$("$@" 2>&1)
	rc=$?
	LIB_RAN=$((LIB_RAN + 1))
	if ((rc == 0)); then
		echo "ok - $name"
	else
		LIB_FAILED=$((LIB_FAILED + 1))
		echo "not ok - $name: exit $rc: $(tr '\n' ' ' <<<"$out" | cut -c1-300)"
	fi
	return $rc
}

# slgen_run NAME ARGS...: slgen from the tx end to the rx end, report in $WORK/NAME.json.
slgen_run() {
	local name=$1
	shift
	timeout 30 "$SLGEN" --ns "$TX_NS" --dev "$TX_IF" --dst-mac "$RX_MAC" \
		--json "$WORK/$name.json" "$@" >"$WORK/$name.out" 2>&1
}

jfield() { jq -r ".$2" "$WORK/$1.json" 2>/dev/null; }

# count_run NAME PACED(0|1) ARGS...: one run into XDP_DROP, checked against the rx count.
count_run() {
	local name=$1 paced=$2 d0 d1 rx sent took refused pps secs
	shift 2
	d0=$(rx_xdp_drops)
	if ! check_run "$name: slgen runs" slgen_run "$name" "$@"; then
		sed 's/^/# /' "$WORK/$name.out"
		return
	fi
	sed 's/^/# /' "$WORK/$name.out"
	sleep 0.3                       # the rx end's NAPI drains its ring
	d1=$(rx_xdp_drops)
	rx=$((d1 - d0))
	sent=$(jfield "$name" frames)
	took=$(jfield "$name" dev_xdp_xmit)
	refused=$(jfield "$name" dev_xdp_xmit_errors)
	pps=$(jfield "$name" pps)
	secs=$(jfield "$name" seconds)
	check_near "$name: the rx end dropped what the tx device took ($rx of $took)" \
		"$took" "$rx" "$(((took + 999) / 1000))"
	if ((paced)); then
		check_near "$name: ... which is all slgen sent ($sent, $refused refused)" \
			"$sent" "$rx" "$(((sent + 999) / 1000))"
		check_near "$name: achieved $pps pps, within 10% of $PACED_PPS" \
			"$PACED_PPS" "$pps" "$((PACED_PPS / 10))"
		check_near "$name: the rx end counted $rx in $secs s, within 10% of the target" \
			"$PACED_PPS" "$(awk -v r="$rx" -v s="$secs" 'BEGIN { print r / s }')" \
			"$((PACED_PPS / 10))"
	else
		# Unpaced: the rate is reported, and must only be a generator's (>= 1 Mpps).
		check_ge "$name: unpaced, $pps pps sent, $rx delivered ($refused refused)" \
			1000000 "${pps%.*}"
	fi
}

# capture_run NAME FLOWS SPREAD SYN_PERMILLE PREFIX ARGS...: 1000 frames into the rx
# stack, captured and checked against the options.
capture_run() {
	local name=$1 flows=$2 spread=$3 syn=$4 prefix=$5 out
	shift 5
	rm -f "$WORK/$name.pcap" "$WORK/$name.tcpdump"
	timeout 20 ip netns exec "$RX_NS" tcpdump -i "$RX_IF" -Q in -n -U -c 1000 \
		-w "$WORK/$name.pcap" 'tcp or udp' 2>"$WORK/$name.tcpdump" &
	TCPDUMP_PID=$!
	for _ in $(seq 50); do
		grep -q "listening on" "$WORK/$name.tcpdump" 2>/dev/null && break
		sleep 0.1
	done
	check_run "$name: slgen sends 1000 frames" slgen_run "$name" --packets 1000 --rate 20000 \
		--flows "$flows" --spread "$spread" --syn-permille "$syn" --src "$prefix" "$@"
	sed 's/^/# /' "$WORK/$name.out"
	wait "$TCPDUMP_PID" 2>/dev/null
	TCPDUMP_PID=
	out=$(timeout 60 "$PY" - "$WORK/$name.pcap" "$prefix" "$spread" <<'EOF' 2>&1
import ipaddress, json, sys
from collections import Counter
from scapy.all import IP, IPv6, TCP, UDP, rdpcap
from scapy.layers.inet import in4_chksum
from scapy.layers.inet6 import in6_chksum
from scapy.utils import checksum

pcap, prefix, spread = sys.argv[1], sys.argv[2], int(sys.argv[3])
net = ipaddress.ip_interface(prefix).network
first = int(ipaddress.ip_interface(prefix).ip)
host = min(net.num_addresses, 1 << 32) - 1     # the bits the spread may change
want = {str(ipaddress.ip_address((first & ~host) | ((first + k) & host))) for k in range(spread)}
srcs, flows, syn, bad = Counter(), Counter(), 0, 0
for p in rdpcap(pcap):
    l3 = p[IP] if IP in p else p[IPv6]
    l4 = p[TCP] if TCP in p else p[UDP]
    seg = bytes(l4)[: (l3.len - 4 * l3.ihl) if IP in p else l3.plen]
    if IP in p:     # a right checksum makes the sum over what it covers 0
        ok = checksum(bytes(l3)[: 4 * l3.ihl]) == 0 and in4_chksum(l3.proto, l3, seg) == 0
    else:
        ok = in6_chksum(l3.nh, l3, seg) == 0
    bad += not ok
    srcs[l3.src] += 1
    flows[(l3.src, l4.sport)] += 1
    syn += TCP in p and (int(p[TCP].flags) & 0x12) == 0x02
n = sum(srcs.values())
print(json.dumps({"frames": n, "sources": len(srcs), "flows": len(flows),
                  "flow_spread": max(flows.values()) - min(flows.values()) if flows else -1,
                  "syn_permille": round(1000 * syn / n) if n else -1, "bad_checksums": bad,
                  "outside": len(set(srcs) - want)}))
EOF
	)
	echo "# capture: $out"
	check_eq "$name: 1000 frames captured" 1000 "$(jq -r .frames <<<"$out" 2>/dev/null)"
	check_eq "$name: every checksum right" 0 "$(jq -r .bad_checksums <<<"$out" 2>/dev/null)"
	check_eq "$name: $spread distinct sources" "$spread" "$(jq -r .sources <<<"$out" 2>/dev/null)"
	check_eq "$name: all inside $prefix, from its first address on" 0 \
		"$(jq -r .outside <<<"$out" 2>/dev/null)"
	check_eq "$name: $flows distinct flows" "$flows" "$(jq -r .flows <<<"$out" 2>/dev/null)"
	check_near "$name: every flow got 1000/$flows frames (max - min)" 0 \
		"$(jq -r .flow_spread <<<"$out" 2>/dev/null)" 1
	check_near "$name: SYN share $syn permille" "$syn" \
		"$(jq -r .syn_permille <<<"$out" 2>/dev/null)" 10
}

# ---- the two namespaces --------------------------------------------------------------
if ! timeout 20 bash -ec "
	ip netns add $TX_NS
	ip netns add $RX_NS
	# No IPv6 on either side: the kernel's own ND and MLD would reach the counters.
	for ns in $TX_NS $RX_NS; do
		ip netns exec \$ns sysctl -qw net.ipv6.conf.default.disable_ipv6=1 \
			net.ipv6.conf.all.disable_ipv6=1
	done
	ip link add $TX_IF netns $TX_NS type veth peer name $RX_IF netns $RX_NS
	ip -n $TX_NS link set $TX_IF address $TX_MAC up
	ip -n $RX_NS link set $RX_IF address $RX_MAC up
	ip -n $TX_NS addr add 198.18.0.66/24 dev $TX_IF
	ip -n $RX_NS addr add 198.18.0.1/24 dev $RX_IF
"; then
	echo "not ok - test_slgen: could not build the namespaces $TX_NS, $RX_NS"
	exit 1
fi

# ---- refusals --------------------------------------------------------------------------
# (192.0.2.1, TEST-NET-1: outside 198.18.0.0/15, never sent: slgen refuses it first)
check "refuses a source outside the lab ranges, saying so" sh -c \
	"'$SLGEN' --ns $TX_NS --dev $TX_IF --dst-mac $RX_MAC --src 192.0.2.1 --dst 198.18.0.100 \
	 --dport 80 2>&1 | grep -q 'outside the lab ranges'"
check "refuses a missing interface, saying so" sh -c \
	"'$SLGEN' --ns $TX_NS --dev nosuch0 --dst-mac $RX_MAC --src 198.18.0.66 \
	 --dst 198.18.0.100 --dport 80 2>&1 | grep -q 'no such interface'"
check "refuses a bad MAC, saying so" sh -c \
	"'$SLGEN' --ns $TX_NS --dev $TX_IF --dst-mac 02:53:4c:00:00 --src 198.18.0.66 \
	 --dst 198.18.0.100 --dport 80 2>&1 | grep -q 'not a MAC address'"

# ---- counting: XDP_DROP at the rx end --------------------------------------------------
if check_run "the rx end drops in XDP (xdp_drop.o, native)" rx_attach sec xdp "$DROP_OBJ"; then
	count_run "IPv4 paced" 1 --src 198.18.0.66/24 --dst 198.18.0.100 --dport 80 \
		--flows 1000 --spread 50 --syn-permille 300 --rate $PACED_PPS --seconds 1
	count_run "IPv4 unpaced" 0 --src 198.18.0.66 --dst 198.18.0.100 --dport 80 \
		--flows 64 --syn-permille 1000 --seconds 1
	count_run "IPv6 paced" 1 --src 2001:db8::66/120 --dst 2001:db8::100 --dport 80 \
		--flows 1000 --spread 50 --syn-permille 300 --size 74 --rate $PACED_PPS --seconds 1
	count_run "IPv6 unpaced" 0 --src 2001:db8::66 --dst 2001:db8::100 --dport 53 \
		--proto udp --flows 64 --seconds 1
fi

# ---- content: the rx end's stack sees the frames, tcpdump captures them ----------------
if check_run "the rx end passes to its stack (slgen.o's slgen_pass, native)" \
	rx_attach program slgen_pass "$GEN_OBJ"; then
	capture_run "IPv4 TCP capture" 200 10 250 198.19.7.250/24 --dst 198.18.0.100 --dport 80 \
		--size 128
	capture_run "IPv6 TCP capture" 100 5 500 2001:db8:66::1:fe/120 --dst 2001:db8::100 \
		--dport 443 --size 74
	capture_run "IPv6 UDP capture" 64 1 0 2001:db8::66 --dst 2001:db8::100 --dport 53 \
		--proto udp --size 1514
fi
finish
