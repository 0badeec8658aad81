#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Flow ownership with software hand-off (DESIGN.md section 2), on an af_packet port with
# two queue pairs and two workers. The kernel's fanout hash spreads flows over the queues
# without regard to our owner function, so some arrive on the worker that does not own
# them and must cross a ring. Checks: every echo from eight client addresses is answered;
# each worker answered exactly the flows an independent Toeplitz computation says it
# owns; hand-offs happened both ways and none were lost; the port is left as it was found.
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/lib.sh"

require_root 6

NS_DP=slh-node NS_CL=slh-client SOCK=/run/sluice/test-handoff.sock
BIN=${SLUICE_BUILD:-$here/../../build}/dataplane/sluice-dataplane
LOG=$(mktemp /tmp/sl-handoff.XXXXXX)
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

ip netns add $NS_DP && ip netns add $NS_CL
ip link add slh0 netns $NS_DP type veth peer name slh1 netns $NS_CL
ip -n $NS_DP link set slh0 address 02:53:4c:00:0a:01 up
ip -n $NS_CL link set lo up
ip -n $NS_CL link set slh1 up
for i in $(seq 2 9); do ip -n $NS_CL addr add 198.18.0.$i/24 dev slh1; done
ip netns exec $NS_CL ethtool -K slh1 tx off >/dev/null 2>&1

# Two workers on a 2-core machine: lcores 1 and 2 both on CPU 1, the main lcore on CPU 0.
ip netns exec $NS_DP "$BIN" --no-pci --in-memory --lcores 0@0,1@1,2@1 --log-level='*:warning' -- \
	--port front=af_packet:slh0 --workers 2 --addr front=198.18.0.1 --ctl "$SOCK" \
	--idle-sleep-us 50 >"$LOG" 2>&1 &
DP_PID=$!
for _ in $(seq 1 50); do
	dp_query "$SOCK" '{"cmd":"ping"}' >/dev/null 2>&1 && break
	sleep 0.2
done

lost=0
for i in $(seq 2 9); do
	ip netns exec $NS_CL ping -c 3 -i 0.2 -W 1 -I 198.18.0.$i 198.18.0.1 >/dev/null 2>&1 || lost=1
done
check "echo from eight client addresses all answered with two workers" test $lost -eq 0

stats=$(dp_query "$SOCK" '{"cmd":"stats"}')
want0=0 want1=0
for i in $(seq 2 9); do
	if [[ $(/usr/bin/python3 "$here/owner_predict.py" 198.18.0.$i 198.18.0.1 2) == 0 ]]; then
		want0=$((want0 + 3))
	else
		want1=$((want1 + 3))
	fi
done
got0=$(jq '.workers[0].counters.icmp_echo_reply // 0' <<<"$stats")
got1=$(jq '.workers[1].counters.icmp_echo_reply // 0' <<<"$stats")
check_eq "worker 0 answered exactly the flows it owns" "$want0" "$got0"
check_eq "worker 1 answered exactly the flows it owns" "$want1" "$got1"
out0=$(jq '.workers[0].counters.handoff_out // 0' <<<"$stats")
out1=$(jq '.workers[1].counters.handoff_out // 0' <<<"$stats")
in_total=$(jq '[.workers[].counters.handoff_in // 0] | add' <<<"$stats")
check "hand-offs happened in both directions ($out0 and $out1)" test "$out0" -gt 0 -a "$out1" -gt 0
check_eq "every packet handed off was received by its owner" "$((out0 + out1))" "$in_total"

kill -TERM "$DP_PID"
rc=0
wait "$DP_PID" || rc=$?
DP_PID=
promisc=$(ip -n $NS_DP -o link show slh0 | grep -c PROMISC)
check "dataplane exits 0 on SIGTERM and leaves slh0 non-promiscuous (exit $rc)" \
	test "$rc" -eq 0 -a "$promisc" -eq 0
finish
