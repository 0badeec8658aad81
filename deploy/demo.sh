#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# deploy/demo.sh [--keep] — the README's main command.
#
# On a fresh machine: installs the Debian packages Sluice needs, builds it, brings up the
# lab (DESIGN.md section 5) with the appliance — dataplane and sluiced — running on its
# embedded default config, and shows a client reaching the appliance (ARP, ping over IPv4
# and IPv6) answered by the DPDK dataplane, not the kernel; the abuser banned at run time
# in the XDP front filter by sluicectl; traffic balanced across the backends; a pool
# change and a drained backend under wrk; a stopped backend marked down by the health
# checks; the metrics. Then it takes the lab down again, unless --keep is given (then:
# deploy/lab.sh status|stats|down, sluicectl ...).
set -euo pipefail
# DPDK is started only by deploy/lab.sh, always with --no-pci --in-memory.

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
keep=0
for a in "$@"; do
	case "$a" in
	--keep) keep=1 ;;
	-h|--help) sed -n '3,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "demo: unknown option '$a' (try --help)" >&2; exit 2 ;;
	esac
done
if [[ $(id -u) -ne 0 ]]; then
	echo "demo: needs root (namespaces, XDP, hugepages); try: sudo $0" >&2
	exit 1
fi

build=${SLUICE_BUILD:-$here/build}
export SLUICE_BUILD=$build
say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() { printf '$ %s\n' "$*"; "$@"; }
in_ns() { local ns=$1; shift; printf '[%s] $ %s\n' "$ns" "$*"; ip netns exec "$ns" "$@"; }

say "1. Installing dependencies (Debian packages; idempotent)"
"$here/deploy/install-deps.sh"

say "2. Building Sluice (meson + ninja)"
[[ -f $build/build.ninja ]] || meson setup "$build" -Ddeveloper_mode=true >/dev/null
ninja -C "$build" >/dev/null
echo "built $build/dataplane/sluice-dataplane and $build/bpf/sluice_xdp.o"

cleanup() {
	if ((keep == 0)); then
		say "11. Taking the lab down"
		"$here/deploy/lab.sh" down
	fi
}
trap cleanup EXIT

say "3. Bringing up the lab: namespaces, bridges, nginx and UDP backends, the appliance"
"$here/deploy/lab.sh" down >/dev/null 2>&1 || true
"$here/deploy/lab.sh" up
"$here/deploy/lab.sh" status

say "4. The client reaches the appliance; the dataplane answers, the kernel does not"
echo "sl-node's kernel holds only its management address; the dataplane owns 198.18.0.1:"
in_ns sl-node ip -4 -br addr show dev front
in_ns sl-client arping -c 2 -w 4 -I eth0 198.18.0.1
in_ns sl-client ping -c 3 -W 2 198.18.0.1
in_ns sl-client ping -6 -c 3 -W 2 2001:db8::1
in_ns sl-be1 ping -c 2 -W 2 198.18.1.1

say "5. sluiced owns the configuration; sluicectl drives it"
ctl() { printf '$ sluicectl %s\n' "$*"; "$build/controlplane/sluicectl" "$@"; }
ctl status
ctl vip list
ctl backend list web

say "6. The XDP front filter: ban sl-abuser at run time, nothing restarted"
ctl ban add 198.18.0.66 --ttl 60
if in_ns sl-abuser ping -c 2 -W 1 198.18.0.1; then
	echo "demo: the banned abuser still got through" >&2
	exit 1
fi
echo "(no reply: dropped in XDP before the dataplane saw it)"
in_ns sl-client ping -c 1 -W 1 198.18.0.1
ctl ban list
ctl ban del 198.18.0.66

say "7. The load balancer: the VIPs 198.18.0.100 and 2001:db8::100 onto be1..be3 (deploy/sluice-lab.yaml, fnat)"
echo "HTTP (maglev), one request per client port:"
for p in 40001 40002 40003 40004 40005 40006; do
	printf '  from 198.18.0.2:%s -> %s\n' "$p" \
		"$(ip netns exec sl-client curl -s -m 3 --local-port "$p" http://198.18.0.100/)"
done
echo "UDP name service (rr):"
for i in 1 2 3; do
	echo "q$i" | in_ns sl-client timeout 3 socat -T2 - "UDP4:198.18.0.100:53,sourceport=$((41000 + i))"
done
echo "wrk, 5 s, 20 connections:"
in_ns sl-client wrk -t2 -c20 -d5s http://198.18.0.100/ | sed -n '/requests in/,$p'
echo "IPv6: the VIP [2001:db8::100]:80 onto the same nginx (the backend names the client it sees):"
for p in 40011 40012 40013; do
	printf '  from [2001:db8::2]:%s -> %s\n' "$p" \
		"$(ip netns exec sl-client curl -s -m 3 -6 --local-port "$p" 'http://[2001:db8::100]/who')"
done

say "8. A pool change from sluicectl while wrk runs: drain be1, add weight to be2"
in_ns sl-client wrk -t1 -c8 -d6s http://198.18.0.100/ >/tmp/sl-demo-wrk.$$ 2>&1 &
wrk_pid=$!
sleep 1
ctl backend set web 198.18.1.11:80 --state drain
ctl backend set web 198.18.1.12:80 --weight 3
wait $wrk_pid
sed -n '/requests in/,$p' /tmp/sl-demo-wrk.$$
rm -f /tmp/sl-demo-wrk.$$
echo "new flows after the change (be1 drained, be2 weight 3, be3 weight 1):"
for p in $(seq 40101 40112); do
	ip netns exec sl-client curl -s -m 3 --local-port "$p" http://198.18.0.100/ || echo "(no answer)"
done |
	sort | uniq -c
ctl backend set web 198.18.1.11:80 --state ready
ctl backend set web 198.18.1.12:80 --weight 1

say "9. Health checks: nginx on be3 stops, sluiced marks it down, no new flow goes there"
kill "$(cat /run/sluice/lab/be3/nginx.pid)"
sleep 3.5
ctl backend list web
for p in $(seq 40201 40206); do
	ip netns exec sl-client curl -s -m 3 --local-port "$p" http://198.18.0.100/ || echo "(no answer)"
done |
	sort | uniq -c
in_ns sl-be3 /usr/sbin/nginx -c /run/sluice/lab/be3/nginx.conf -e /run/sluice/lab/be3/error.log
sleep 3
ctl backend list web

say "10. Metrics (Prometheus, 127.0.0.1:9477 in sl-node) and the dataplane's counters"
ip netns exec sl-node curl -s -m 3 http://127.0.0.1:9477/metrics |
	grep -E '^sluice_(backend_up|config_generation|dataplane_up|sluiced_changes_applied_total|xdp_events_total\{event="(pass|redirect|banned)"\})'
"$here/deploy/lab.sh" stats

cat <<TXT

What happened: the XDP program in front of sl-node's 'front' and 'back' interfaces sent
frames addressed to the appliance to AF_XDP sockets; the DPDK worker answered ARP,
neighbour solicitations and echo requests by rewriting each frame in place and sent it
back — no kernel stack involved. The abuser's packets, while banned, were dropped by
the XDP program itself. Connections to the VIP were balanced by the dataplane: each new
flow got a backend from the pool's policy and a local port, and both directions were
rewritten in the worker (fnat), so the backends saw the appliance as their client.
Counters above: arp_reply, icmp_echo_reply (the dataplane's own addresses); lb_new_flow,
lb_forward, lb_reply (the balancer); xdp_redirect, xdp_pass, xdp_banned (the XDP program).
Every sluicectl change was checked whole by sluiced, pushed to the dataplane as a new
model (tables swapped under RCU: wrk saw no error), persisted and audited; the health
checks took be3 out of new flows while its nginx was down.
TXT
if ((keep)); then
	echo
	echo "The lab is still up: deploy/lab.sh status | stats | down"
fi
