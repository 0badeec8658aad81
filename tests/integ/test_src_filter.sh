#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# The XDP filter's policy as the dataplane's first stage, on a port without XDP
# (af_packet, two workers): blocks, allows over blocks, IPv6, a rate limit shared by both
# workers, an auto-ban written back to the pinned ban map and its expiry — all changed
# at run time with sluice-xdpctl over the maps the dataplane created, while a
# well-behaved client keeps being answered.
#
# `ip netns exec` gives the dataplane a private mount namespace, where it mounts its own
# bpffs at /sys/fs/bpf: the node's bpffs is never touched. sluice-xdpctl runs in that
# mount namespace (nsenter -m).
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/lib.sh"

require_root 17

NS_DP=slf-node NS_CL=slf-client SOCK=/run/sluice/test-src-filter.sock
BUILD=${SLUICE_BUILD:-$here/../../build}
BIN=$BUILD/dataplane/sluice-dataplane
CTL=$BUILD/controlplane/sluice-xdpctl
LOG=$(mktemp /tmp/sl-src-filter.XXXXXX)
DP_PID=

cleanup() {
	if [[ -n $DP_PID ]] && kill -0 "$DP_PID" 2>/dev/null; then
		kill -TERM "$DP_PID"; sleep 1; kill -KILL "$DP_PID" 2>/dev/null
	fi
	ip netns del $NS_DP 2>/dev/null
	ip netns del $NS_CL 2>/dev/null
	rm -f "$LOG" "$SOCK"
}
trap cleanup EXIT

xdpctl() { nsenter -t "$DP_PID" -m -- "$CTL" "$@"; }
# answered SRC [COUNT]: how many of COUNT echoes from SRC the appliance answered.
answered() {
	local fam=4 dst=198.18.0.1
	[[ $1 == *:* ]] && fam=6 dst=2001:db8::1
	ip netns exec $NS_CL ping -$fam -c "${2:-3}" -i 0.2 -W 1 -I "$1" $dst 2>/dev/null |
		awk '/received/ { for (i = 1; i <= NF; i++) if ($(i + 1) ~ /^received/) print $i }'
}
counter() { dp_counter "$1" "$SOCK"; }

ip netns add $NS_DP && ip netns add $NS_CL
ip link add slf0 netns $NS_DP type veth peer name slf1 netns $NS_CL
ip -n $NS_DP link set slf0 address 02:53:4c:00:0b:01 up
ip -n $NS_CL link set lo up
ip -n $NS_CL link set slf1 up
for a in 2 66 67 70; do ip -n $NS_CL addr add 198.18.0.$a/24 dev slf1; done
ip -n $NS_CL addr add 2001:db8::2/64 dev slf1 nodad
ip -n $NS_CL addr add 2001:db8::66/64 dev slf1 nodad
ip netns exec $NS_CL ethtool -K slf1 tx off >/dev/null 2>&1

ip netns exec $NS_DP "$BIN" --no-pci --in-memory --lcores 0@0,1@1,2@1 --log-level='*:warning' -- \
	--port front=af_packet:slf0 --workers 2 --addr front=198.18.0.1 --addr front=2001:db8::1 \
	--ctl "$SOCK" --idle-sleep-us 50 >"$LOG" 2>&1 &
DP_PID=$!
for _ in $(seq 1 50); do
	dp_query "$SOCK" '{"cmd":"ping"}' >/dev/null 2>&1 && break
	sleep 0.2
done

check_eq "before any policy, 198.18.0.66 is answered" 3 "$(answered 198.18.0.66)"
check "sluice-xdpctl reaches the maps the dataplane created" \
	nsenter -t "$DP_PID" -m -- "$CTL" block list

# Blocks take effect within a refresh (100 ms), nothing restarted.
xdpctl block add 198.18.0.66 >/dev/null
sleep 0.3
check_eq "a blocked host gets no answer" 0 "$(answered 198.18.0.66)"
check_eq "its neighbour still gets every answer" 3 "$(answered 198.18.0.2)"
check "the drops are counted as xdp_blocked ($(counter xdp_blocked))" test "$(counter xdp_blocked)" -ge 3
xdpctl block del 198.18.0.66 >/dev/null
sleep 0.3
check_eq "unblocked, it is answered again" 3 "$(answered 198.18.0.66)"

xdpctl block add 198.18.0.64/28 >/dev/null
xdpctl allow add 198.18.0.66 >/dev/null
sleep 0.3
check_eq "a blocked network drops its sources" 0 "$(answered 198.18.0.67)"
check_eq "an allowlisted host inside it is answered" 3 "$(answered 198.18.0.66)"
xdpctl allow del 198.18.0.66 >/dev/null
xdpctl block del 198.18.0.64/28 >/dev/null

xdpctl block add 2001:db8::66 >/dev/null
sleep 0.3
check_eq "a blocked IPv6 host gets no answer" 0 "$(answered 2001:db8::66)"
check_eq "another IPv6 client is answered" 3 "$(answered 2001:db8::2)"
xdpctl block del 2001:db8::66 >/dev/null

# A limit of 10 pps, burst 5, ban after 1 s over it, for 3 s. The flood (500 pps for
# 2 s) lands on both workers' queues; the bucket is shared, so about 5 + 10/s pass.
xdpctl class set 198.18.0.70 1 >/dev/null
xdpctl limit set 1 --pps 10 --burst 5 --ban-after 1 --ban-ttl 3 >/dev/null
sleep 0.3
rl0=$(counter xdp_rate_limited) bn0=$(counter xdp_banned)
ip netns exec $NS_CL ping -c 1000 -i 0.002 -W 1 -I 198.18.0.70 198.18.0.1 >/dev/null 2>&1 &
flood=$!
good=$(answered 198.18.0.2 8)
wait $flood
limited=$(( $(counter xdp_rate_limited) - rl0 )) banned=$(( $(counter xdp_banned) - bn0 ))
check "the flooding source is held to its limit ($limited limited, $banned banned of 1000)" \
	test "$limited" -gt 0 -a $((limited + banned)) -ge 900
check_eq "a well-behaved client meanwhile loses nothing" 8 "$good"
check "the auto-ban was written to the pinned ban map" bash -c \
	"nsenter -t $DP_PID -m -- $CTL ban list | grep -q '^198.18.0.70 '"
check "then enforced as xdp_banned ($banned)" test "$banned" -gt 0
check "the control socket reports the stage's upkeep (bans written, none lost)" \
	sh -c "echo '{\"cmd\":\"stats\"}' | socat -t 3 - UNIX-CONNECT:$SOCK |
		jq -e '.src_filter.bans_written >= 1 and .src_filter.bans_lost == 0' >/dev/null"
sleep 3.5
check "after the ban's TTL the source is answered again" test "$(answered 198.18.0.70 3)" -ge 1

kill -TERM "$DP_PID"
rc=0
wait "$DP_PID" || rc=$?
DP_PID=
check_eq "dataplane exits 0 on SIGTERM" 0 "$rc"
finish
