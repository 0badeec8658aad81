#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# The lab end to end (DESIGN.md section 5): the appliance's addresses answered by the
# DPDK dataplane behind the XDP front — ARP, ping and ping -6 from the client and from a
# backend — with the kernel holding none of them; a burst of malformed frames counted as
# drops by reason with the dataplane still answering; and `lab.sh down` leaving nothing
# behind (namespaces, veths, hugepage files, pinned maps, processes).
set -uo pipefail
# DPDK is started only by deploy/lab.sh, always with --no-pci --in-memory.
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/lib.sh"
LAB=$LIB_ROOT/deploy/lab.sh

require_root 29
trap '"$LAB" down >/dev/null 2>&1' EXIT

"$LAB" down >/dev/null 2>&1
if ! check "lab up with the appliance" "$LAB" up; then
	tail -n 20 /run/sluice/lab/dataplane.log 2>/dev/null
	finish
fi

front_mac=$(ip -n sl-node link show front | awk '/link\/ether/ {print $2}')
arp0=$(dp_counter arp_reply) nd0=$(dp_counter nd_advert)
echo0=$(dp_counter icmp_echo_reply) echo60=$(dp_counter icmp6_echo_reply)

arp_out=$(ip netns exec sl-client arping -c 3 -w 6 -I eth0 198.18.0.1 2>&1)
check "arping from sl-client answered 3 times" grep -q "Received 3 response" <<<"$arp_out"
check "the ARP reply carries sl-node front's MAC ($front_mac)" \
	grep -qi "\[$front_mac\]" <<<"$arp_out"
check "ping 198.18.0.1 from sl-client" ip netns exec sl-client ping -c 3 -W 2 198.18.0.1
check "ping -6 2001:db8::1 from sl-client" ip netns exec sl-client ping -6 -c 3 -W 2 2001:db8::1
check "ping 198.18.1.1 from sl-be1" ip netns exec sl-be1 ping -c 3 -W 2 198.18.1.1
check "ping -6 2001:db8:1::1 from sl-be1" ip netns exec sl-be1 ping -6 -c 3 -W 2 2001:db8:1::1
check "ping from sl-abuser too (nothing blocks it yet)" ip netns exec sl-abuser ping -c 1 -W 2 198.18.0.1

check_ge "arp_reply counted by the dataplane" $((arp0 + 4)) "$(dp_counter arp_reply)"
check_ge "nd_advert counted by the dataplane" $((nd0 + 2)) "$(dp_counter nd_advert)"
check_ge "icmp_echo_reply counted by the dataplane" $((echo0 + 7)) "$(dp_counter icmp_echo_reply)"
check_ge "icmp6_echo_reply counted by the dataplane" $((echo60 + 6)) "$(dp_counter icmp6_echo_reply)"
check_eq "sl-node's kernel holds none of the appliance's addresses" "" \
	"$(ip -n sl-node -o addr show | grep -E '198\.18\.0\.1/|198\.18\.1\.1/|2001:db8::1/|2001:db8:1::1/' || true)"
check "the node's kernel answers on its management address" \
	sh -c '[ "$(ip netns exec sl-client socat -T 3 - TCP:198.18.0.250:2222 </dev/null)" = sl-node-management ]'
check "the backends serve their name over HTTP" \
	sh -c '[ "$(ip netns exec sl-be2 curl -s -m 3 http://198.18.1.13/)" = be3 ]'

declare -A before
kinds=(ip4_bad_checksum ip4_bad_header ip4_bad_length ip6_bad_length ip6_ext_chain
	tcp_bad_header udp_bad_length icmp_bad_checksum l4_truncated)
stats=$(dp_query /run/sluice/dataplane.sock '{"cmd":"stats"}')
for k in "${kinds[@]}"; do before[$k]=$(jq -r --arg k "$k" '.counters[$k] // 0' <<<"$stats"); done
sent=$(ip netns exec sl-client timeout 60 /usr/bin/python3 "$here/malformed.py" eth0 "$front_mac" 10 2>&1)
check "malformed burst sent ($(wc -l <<<"$sent") kinds x 10)" grep -q "l4_truncated 10" <<<"$sent"
sleep 1
stats=$(dp_query /run/sluice/dataplane.sock '{"cmd":"stats"}')
missing=""
for k in "${kinds[@]}"; do
	now=$(jq -r --arg k "$k" '.counters[$k] // 0' <<<"$stats")
	(( now - before[$k] == 10 )) || missing+=" $k:$((now - before[$k]))"
done
check_eq "each malformed kind dropped and counted under its own reason" "" "$missing"
check "the dataplane still answers after the burst" ip netns exec sl-client ping -c 2 -W 2 198.18.0.1

# Stop the dataplane as an operator would, and look at what it leaves on the interfaces.
dp_pid=$(cat /run/sluice/lab/dataplane.pid)
kill -TERM "$dp_pid"
for _ in $(seq 1 50); do kill -0 "$dp_pid" 2>/dev/null || break; sleep 0.2; done
check "the dataplane exits on SIGTERM" sh -c "! kill -0 $dp_pid 2>/dev/null"
check "it said its final counters" grep -q "final counters" /run/sluice/lab/dataplane.log
check_eq "no XDP program left on sl-node's front and back" "" \
	"$(ip -n sl-node -d link show front | grep -o 'prog/xdp id [0-9]*'; ip -n sl-node -d link show back | grep -o 'prog/xdp id [0-9]*')"
check_eq "no interface left promiscuous" "" "$(ip -n sl-node link show | grep -o PROMISC || true)"
check "the pinned maps outlive the dataplane (for restarts)" test -e /run/sluice/lab/bpffs/sl_local_v4

check "lab down" "$LAB" down
check_eq "no sl-* namespace left" "" "$(ip netns list | grep -E '^sl-' || true)"
check_eq "no lab veth left in the root namespace" "" \
	"$(ip -o link show | grep -E ' (sw-|front|back)' || true)"
check_eq "no hugepage files left" "" "$(ls /dev/hugepages 2>/dev/null | grep rtemap || true)"
check_eq "no pinned-map bpffs left mounted" "" "$(mount | grep /run/sluice/lab || true)"
check_eq "no dataplane, lab nginx or lab socat process left" "" \
	"$(live_procs 'sluice-dataplane|/run/sluice/lab/be|UDP6-RECVFROM|TCP-LISTEN:2222' | tr '\n' ' ')"
finish
