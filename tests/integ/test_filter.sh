#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# The XDP front filter in the lab: sl-abuser floods (hping3, bounded) while sl-client
# keeps reaching the appliance with no loss; the abuser is rate-limited, then banned,
# then back after the ban's TTL; a prefix blocked at run time takes effect at once with
# nothing restarted; a dataplane restart keeps the blocks (pinned maps); bad control
# input is refused with one line and changes nothing.
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/lib.sh"
LAB=$LIB_ROOT/deploy/lab.sh
CTL="$SLUICE_BUILD/controlplane/sluice-xdpctl --bpffs /run/sluice/lab/bpffs"

require_root 22
trap '"$LAB" down >/dev/null 2>&1' EXIT
"$LAB" down >/dev/null 2>&1
if ! check "lab up" "$LAB" up; then
	finish
fi
PING_ABUSER="ip netns exec sl-abuser ping -c 1 -W 1 198.18.0.1"
PING_CLIENT="ip netns exec sl-client ping -c 1 -W 1 198.18.0.1"
xdp() { $CTL --json stats | jq -r ".$1"; }

check "runtime block: refuses a prefix with host bits set, saying what was meant" \
	sh -c "out=\$($CTL block add 198.18.0.66/24 2>&1); [ \$? -eq 1 ] && echo \"\$out\" | grep -q 'did you mean 198.18.0.0/24'"
check_eq "runtime block: nothing was added by the refused command" "[]" "$($CTL --json block list)"
check_eq "runtime block: and the refusal was counted" 1 "$(xdp ctl_refused_invalid)"
check "runtime block: add 198.18.0.66/32" $CTL block add 198.18.0.66/32
check "runtime block: the abuser is dropped at once" sh -c "! $PING_ABUSER"
check "runtime block: a duplicate is refused" sh -c "! $CTL block add 198.18.0.66/32"
check_eq "runtime block: and counted as a duplicate" 1 "$(xdp ctl_refused_duplicate)"
check "runtime block: the client is untouched" $PING_CLIENT

check "restart: the dataplane restarts" "$LAB" restart
check "restart: the block survived it" sh -c "$CTL block list | grep -q 198.18.0.66/32"
check "restart: and is still enforced" sh -c "! $PING_ABUSER"
check "restart: the client reaches the restarted appliance" $PING_CLIENT
check "runtime block: removed, the abuser is back" sh -c "$CTL block del 198.18.0.66/32 && $PING_ABUSER"

# 100 pps, burst 20; over it for 1 s: banned for 4 s.
$CTL limit set 1 --pps 100 --burst 20 --ban-after 1 --ban-ttl 4 &&
	$CTL class set 198.18.0.66/32 1
ip netns exec sl-client ping -c 30 -i 0.1 -W 1 198.18.0.1 >/tmp/sl-filter-ping.$$ 2>&1 &
ping_pid=$!
ip netns exec sl-abuser timeout 3 hping3 --flood -q -1 198.18.0.1 >/dev/null 2>&1
wait $ping_pid
check "flood: the client lost no echo while the abuser flooded" \
	grep -q " 0% packet loss" /tmp/sl-filter-ping.$$
rm -f /tmp/sl-filter-ping.$$
check_ge "flood: the abuser was rate-limited in XDP" 1000 "$(xdp xdp_rate_limited)"
check_ge "flood: then banned" 1 "$(xdp xdp_ban_added)"
check "flood: the ban is listed" sh -c "$CTL ban list | grep -q '^198.18.0.66 '"
check "flood: the banned abuser cannot reach the appliance" sh -c "! $PING_ABUSER"
check "flood: management traffic to the node's kernel still works" \
	sh -c '[ "$(ip netns exec sl-client socat -T 3 - TCP:198.18.0.250:2222 </dev/null)" = sl-node-management ]'
check "flood: and ping to the management address too" \
	ip netns exec sl-client ping -c 2 -W 1 198.18.0.250
sleep 4.5
check "flood: after the ban's TTL the abuser is back" $PING_ABUSER
finish
