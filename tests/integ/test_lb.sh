#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# The load balancer in the lab, with real clients and servers: the lab's config
# (deploy/sluice-lab.yaml) serves 198.18.0.100:80/tcp from nginx on be1..be3 (maglev) and
# 198.18.0.100:53/udp from their name service (rr), in fnat mode. curl through the VIP
# reaches every backend, each connection one backend; rr over UDP takes each backend in
# turn; the VIP answers ping; wrk for 10 s sees no error; the counters add up; a bad
# config is refused with file:line and the dataplane does not start.
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/lib.sh"
LAB=$LIB_ROOT/deploy/lab.sh
BIN=$SLUICE_BUILD/dataplane/sluice-dataplane

require_root 12
trap '"$LAB" down >/dev/null 2>&1; rm -f "${BAD:-}"' EXIT
"$LAB" down >/dev/null 2>&1
if ! check "lab up with the lab's services" "$LAB" up; then
	finish
fi
CL="ip netns exec sl-client"

# 30 connections from distinct source ports: each answered by one backend, all three used.
answers=$(for p in $(seq 40001 40030); do
	$CL curl -s -m 3 --local-port "$p" http://198.18.0.100/ || echo FAIL
done | sort | uniq -c)
check_eq "30 HTTP requests through the VIP all answered by a backend" 30 \
	"$(awk '$2 ~ /^be[123]$/ { n += $1 } END { print n + 0 }' <<<"$answers")"
check_eq "maglev spread them over the three backends" 3 "$(echo "$answers" | grep -c ' be[123]$')"
check_eq "each connection is a new flow, each went one way and back" 30 \
	"$(dp_counter lb_new_flow)"

# UDP, round robin: three queries, three backends.
names=$(for i in 1 2 3; do
	echo "q$i" | $CL timeout 3 socat -T2 - "UDP4:198.18.0.100:53,sourceport=$((41000 + i))"
done | awk '{ print $1 }' | sort | tr '\n' ' ')
check_eq "rr over UDP answers from be1, be2, be3 in turn" "be1 be2 be3 " "$names"
check "the VIP answers ping" $CL ping -c 2 -W 1 198.18.0.100

# Load: wrk, 10 s, 20 connections.
wrk_out=$($CL wrk -t2 -c20 -d10s http://198.18.0.100/ 2>&1)
reqs=$(awk '/requests in/ { print $1 }' <<<"$wrk_out")
check "wrk for 10 s through the VIP: $reqs requests" test "${reqs:-0}" -gt 1000
errs=$(grep -cE 'Socket errors|Non-2xx' <<<"$wrk_out")
check_eq "wrk saw no socket error and no non-2xx answer" 0 "$errs"
drops=$(dp_query /run/sluice/dataplane.sock '{"cmd":"stats"}' |
	jq '[.counters | to_entries[] | select(.key | startswith("lb_")) |
	     select(.key != "lb_new_flow" and .key != "lb_forward" and .key != "lb_reply") | .value] | add // 0')
check_eq "no balancer drop (no backend, neighbour, table, ports)" 0 "$drops"
fwd=$(dp_counter lb_forward) rep=$(dp_counter lb_reply)
check "forwarded and replied packets both counted ($fwd, $rep)" test "$fwd" -gt 1000 -a "$rep" -gt 1000

# A bad config never starts the dataplane, and says where.
BAD=$(mktemp /tmp/sl-bad-conf.XXXXXX)
printf 'pools:\n  web:\n    backends: [198.18.1.11:80]\nservices:\n  - vip: 198.18.0.100:80/tcp\n    pool: wbe\n' >"$BAD"
out=$("$BIN" --no-pci --no-huge --no-shconf -l 0,1 -- --port t=null --config "$BAD" 2>&1)
rc=$?
said=no
grep -qF "$BAD:6: service: pool 'wbe' is not defined" <<<"$out" && said=yes
check_eq "a config naming an unknown pool is refused with file:line (exit $rc)" "2 yes" "$rc $said"
printf 'pools:\n  web:\n    backends: [198.18.1.11:80]\nservices:\n  - vip: 198.18.0.100:80/tcp\n    pool: web\n    policy: least-conn\n' >"$BAD"
out=$("$BIN" --no-pci --no-huge --no-shconf -l 0,1 -- --port t=null --config "$BAD" 2>&1)
said=no
grep -qF "policy least-conn is not implemented in this dataplane yet" <<<"$out" && said=yes
check_eq "a policy this dataplane does not forward yet is refused, not pretended" yes "$said"
finish
