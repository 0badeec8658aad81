#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# deploy/lab.sh up [--no-appliance|--no-sluiced] | down | restart | status | stats — DESIGN.md 5.
#
#   sl-client 198.18.0.2  ─┐                          ┌─ sl-be1 198.18.1.11 nginx :80, UDP :53 :7
#   sl-abuser 198.18.0.66 ─┼─ br-front ══ sl-node ══ br-back ─┼─ sl-be2 198.18.1.12
#                          │  (in sl-sw)  front   back  (sl-sw) └─ sl-be3 198.18.1.13
#                            198.18.0.1, 2001:db8::1 | 198.18.1.1, 2001:db8:1::1
#                            owned by sluice-dataplane (AF_XDP), not by the kernel;
#                            the node's kernel has a management address, 198.18.0.250,
#                            with a TCP service on port 2222 (what the XDP front passes),
#                            and 198.18.1.250, 2001:db8:1::250 for sluiced's health checks
#
# up      builds the namespaces, bridges, veths, backends, and starts the appliance in
#         sl-node (unless --no-appliance): the dataplane, then sluiced with the lab config,
#         which pushes it; returns when the dataplane runs it. --no-sluiced: the dataplane
#         alone, reading the config file itself (tests that drive its file directly).
# down    stops what up started (by PID) and removes everything; safe on a half-built lab.
#         The dataplane logs every balanced flow to /run/sluice/lab/flows.log (one JSON
#         line when the flow leaves the connection table; docs/flow-logs.md).
# restart stops and starts the appliance only (the pinned XDP maps stay).
# status  the topology, backends and appliance; stats  the dataplane's counters.
#
# Addresses only from 198.18.0.0/15 and 2001:db8::/32; nothing leaves the namespaces.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${SLUICE_BUILD:-$here/build}
BIN=$BUILD/dataplane/sluice-dataplane
SLUICED=$BUILD/controlplane/sluiced
# The services the appliance balances (sluiced owns them; --no-sluiced: the dataplane).
LAB_CONF=${SLUICE_LAB_CONF:-$here/deploy/sluice-lab.yaml}
RUN=/run/sluice/lab
BPFFS=$RUN/bpffs
CTL=/run/sluice/dataplane.sock
SLUICED_SOCK=/run/sluice/sluiced.sock
WITH_SLUICED=1
NODE_FRONT_MAC=02:53:4c:00:00:01
NODE_BACK_MAC=02:53:4c:00:01:01
NAMESPACES=(sl-node sl-client sl-abuser sl-be1 sl-be2 sl-be3 sl-sw)

usage() { sed -n '3,17p' "$0" | sed 's/^# \{0,1\}//'; }
die() { echo "lab: $*" >&2; exit 1; }
ns_exists() { ip netns list 2>/dev/null | awk '{print $1}' | grep -qx "$1"; }
in_ns() { local ns=$1; shift; ip netns exec "$ns" "$@"; }

dp_query() {
	echo "$1" | timeout 5 socat -t 3 - "UNIX-CONNECT:$CTL" 2>/dev/null
}

# veth pair: $1 namespace/$2 name  <->  sl-sw/$3 on bridge $4
wire() {
	local ns=$1 ifname=$2 swport=$3 bridge=$4
	ip link add "$swport" netns sl-sw type veth peer name "$ifname" netns "$ns"
	ip -n sl-sw link set "$swport" master "$bridge" up
	ip -n "$ns" link set "$ifname" up
}

host_setup() {
	local ns=$1 ifname=$2 v4=$3 gw4=$4 v6=$5 gw6=$6
	in_ns "$ns" sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
	ip -n "$ns" addr add "$v4" dev "$ifname"
	ip -n "$ns" -6 addr add "$v6" dev "$ifname" nodad
	ip -n "$ns" route add default via "$gw4"
	ip -n "$ns" -6 route add default via "$gw6"
	# veth leaves checksums partial (DESIGN.md 3): have the sender compute them.
	in_ns "$ns" ethtool -K "$ifname" tx off tso off gso off >/dev/null 2>&1 || true
}

# Ready for direct server return, the way Linux real servers are (IPVS's DR, Katran): the
# VIP on the loopback so the backend takes the client's packets (dsr) or their inner
# packets (dsr-ipip) as its own and answers from the VIP; and it neither answers ARP for
# the VIP nor uses it as a source in its own ARP, so the segment keeps finding the VIP at
# the appliance. fnat does not need any of it and is not changed by it.
dsr_ready() {
	local ns=$1 ifname=$2
	ip -n "$ns" addr add 198.18.0.100/32 dev lo
	ip -n "$ns" -6 addr add 2001:db8::100/128 dev lo nodad
	in_ns "$ns" sysctl -qw net.ipv4.conf.all.arp_ignore=1 net.ipv4.conf.all.arp_announce=2 \
		"net.ipv4.conf.$ifname.arp_ignore=1" "net.ipv4.conf.$ifname.arp_announce=2"
}

start_backend() {
	local n=$1 dir=$RUN/be$1 ns=sl-be$1
	mkdir -p "$dir/tmp"
	cat >"$dir/nginx.conf" <<NGINX
worker_processes 1;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
daemon on;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path $dir/tmp/body;
    proxy_temp_path $dir/tmp/proxy;
    fastcgi_temp_path $dir/tmp/fastcgi;
    uwsgi_temp_path $dir/tmp/uwsgi;
    scgi_temp_path $dir/tmp/scgi;
    server {
        listen 198.18.1.1$n:80 reuseport;
        listen [2001:db8:1::1$n]:80 reuseport;
        listen 198.18.0.100:80 reuseport;
        listen [2001:db8::100]:80 reuseport;
        default_type text/plain;
        location / { return 200 "be$n\n"; }
        location = /who { return 200 "be$n \$remote_addr\n"; }
    }
}
NGINX
	in_ns "$ns" /usr/sbin/nginx -c "$dir/nginx.conf" -e "$dir/error.log"
	# UDP echo (port 7) and a DNS-like name service (port 53): "beN <payload>".
	in_ns "$ns" setsid socat UDP6-RECVFROM:7,fork,reuseaddr PIPE >/dev/null 2>&1 &
	echo $! >"$dir/udp7.pid"
	printf '#!/bin/sh\nprintf "be%s "\nexec cat\n' "$n" >"$dir/udp-name.sh"
	chmod +x "$dir/udp-name.sh"
	in_ns "$ns" setsid socat UDP6-RECVFROM:53,fork,reuseaddr EXEC:"$dir/udp-name.sh" >/dev/null 2>&1 &
	echo $! >"$dir/udp53.pid"
}

free_hugepages() { cat /sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages 2>/dev/null || echo 0; }

start_appliance() {
	[[ -x $BIN ]] || die "no dataplane at $BIN: build first (meson setup build && ninja -C build)"
	if (($(free_hugepages) < 128)); then
		echo 512 >/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages 2>/dev/null || true
		(($(free_hugepages) >= 128)) || die "fewer than 128 free hugepages; run deploy/install-deps.sh"
	fi
	mkdir -p "$BPFFS"
	mountpoint -q "$BPFFS" || mount -t bpf bpf "$BPFFS"
	# ip netns exec gives the process its own /sys, without a bpffs: bind ours there so the
	# XDP program's pinned maps outlive a dataplane restart (they live until lab down).
	local conf=()
	((WITH_SLUICED)) || conf=(--config "$LAB_CONF")
	ip netns exec sl-node sh -c 'mount --bind "$0" /sys/fs/bpf && exec "$@"' "$BPFFS" \
		"$BIN" --no-pci --in-memory -l 0,1 --log-level='*:notice' -- \
		--port front=af_xdp:front --port back=af_xdp:back \
		--addr front=198.18.0.1 --addr front=2001:db8::1 \
		--addr back=198.18.1.1 --addr back=2001:db8:1::1 "${conf[@]}" \
		--ctl "$CTL" --idle-sleep-us 50 --flow-log "$RUN/flows.log" \
		>>"$RUN/dataplane.log" 2>&1 &
	echo $! >"$RUN/dataplane.pid"
	((WITH_SLUICED)) && [[ ! -f $RUN/sluiced.pid ]] && start_sluiced
	local i
	for i in $(seq 1 150); do
		# with sluiced, up means the dataplane runs what sluiced pushed (generation > 0)
		if dp_query '{"cmd":"status"}' | jq -e ".ok and (.generation > 0 or $WITH_SLUICED == 0)" \
			>/dev/null 2>&1; then
			echo "lab: appliance up (sluice-dataplane pid $(cat "$RUN/dataplane.pid"), control socket $CTL)"
			((WITH_SLUICED)) && echo "lab: sluiced pid $(cat "$RUN/sluiced.pid"), CLI socket $SLUICED_SOCK, metrics 127.0.0.1:9477 in sl-node"
			return 0
		fi
		kill -0 "$(cat "$RUN/dataplane.pid")" 2>/dev/null || break
		sleep 0.2
	done
	echo "lab: the dataplane did not come up; last lines of $RUN/dataplane.log:" >&2
	tail -n 30 "$RUN/dataplane.log" >&2
	echo "lab: the topology is left up for inspection; deploy/lab.sh down removes it" >&2
	exit 1
}

# sluiced in sl-node (its health checks leave from the node's kernel addresses), with
# the lab's bpffs (it owns the XDP filter's maps) and a state file that lab down removes.
start_sluiced() {
	[[ -x $SLUICED ]] || die "no sluiced at $SLUICED: build first"
	mkdir -p "$RUN/sluiced"
	ip netns exec sl-node sh -c 'mount --bind "$0" /sys/fs/bpf && exec "$@"' "$BPFFS" \
		"$SLUICED" --config "$LAB_CONF" --state "$RUN/sluiced/state.yaml" \
		--socket "$SLUICED_SOCK" --dataplane "$CTL" --audit-log "$RUN/sluiced/audit.log" \
		--metrics 127.0.0.1:9477 >>"$RUN/sluiced.log" 2>&1 &
	echo $! >"$RUN/sluiced.pid"
}

cmd_up() {
	local appliance=1
	for a in "$@"; do
		case "$a" in
		--no-appliance) appliance=0 ;;
		--no-sluiced) WITH_SLUICED=0 ;;
		*) die "up: unknown option '$a' (try --help)" ;;
		esac
	done
	if ns_exists sl-node; then
		echo "lab: already up (deploy/lab.sh down first to rebuild)"
		return 0
	fi
	mkdir -p "$RUN"
	for ns in "${NAMESPACES[@]}"; do
		ip netns add "$ns"
		ip -n "$ns" link set lo up
	done
	# A switch forwards frames without judging their IP headers; br_netfilter (on by
	# default here) would validate and drop malformed ones before they reach the appliance.
	in_ns sl-sw sysctl -qw net.bridge.bridge-nf-call-iptables=0 \
		net.bridge.bridge-nf-call-ip6tables=0 net.bridge.bridge-nf-call-arptables=0 2>/dev/null || true
	ip -n sl-sw link add br-front type bridge
	ip -n sl-sw link add br-back type bridge
	ip -n sl-sw link set br-front up
	ip -n sl-sw link set br-back up
	wire sl-node front sw-node-f br-front
	wire sl-node back sw-node-b br-back
	ip -n sl-node link set front address $NODE_FRONT_MAC
	ip -n sl-node link set back address $NODE_BACK_MAC
	# The appliance's addresses belong to the dataplane: the kernel side has none (and no
	# IPv6 either, so it cannot answer neighbour discovery for them by accident).
	in_ns sl-node sysctl -qw net.ipv6.conf.front.disable_ipv6=1 net.ipv6.conf.back.disable_ipv6=1
	# The node's own management address: traffic to it is the kernel's, and the XDP
	# front must keep passing it. A TCP service stands in for sshd.
	ip -n sl-node addr add 198.18.0.250/24 dev front
	# sluiced's health checks leave from the kernel too, on the backends' segment
	ip -n sl-node addr add 198.18.1.250/24 dev back
	in_ns sl-node sysctl -qw net.ipv6.conf.back.disable_ipv6=0 net.ipv6.conf.back.accept_ra=0
	ip -n sl-node -6 addr add 2001:db8:1::250/64 dev back nodad
	in_ns sl-node ethtool -K front tx off >/dev/null 2>&1 || true
	in_ns sl-node setsid socat TCP-LISTEN:2222,bind=198.18.0.250,fork,reuseaddr \
		SYSTEM:"echo sl-node-management" >/dev/null 2>&1 &
	echo $! >"$RUN/mgmt.pid"
	wire sl-client eth0 sw-client br-front
	wire sl-abuser eth0 sw-abuser br-front
	host_setup sl-client eth0 198.18.0.2/24 198.18.0.1 2001:db8::2/64 2001:db8::1
	host_setup sl-abuser eth0 198.18.0.66/24 198.18.0.1 2001:db8::66/64 2001:db8::1
	# The clients' own port choices (wrk, curl without --local-port) stay below 40000:
	# the demo and the tests connect from fixed ports above it, which a connection the
	# kernel placed there and left in TIME_WAIT would make fail (curl exit 45).
	for ns in sl-client sl-abuser; do
		in_ns "$ns" sysctl -qw net.ipv4.ip_local_port_range="32768 39999"
	done
	for n in 1 2 3; do
		wire sl-be$n eth0 sw-be$n br-back
		host_setup sl-be$n eth0 198.18.1.1$n/24 198.18.1.1 2001:db8:1::1$n/64 2001:db8:1::1
		dsr_ready sl-be$n eth0
		start_backend "$n"
	done
	echo "lab: topology up (namespaces: ${NAMESPACES[*]})"
	if ((appliance)); then
		start_appliance
	fi
}

kill_pidfile() {
	local f=$1 pid i
	[[ -f $f ]] || return 0
	pid=$(cat "$f")
	if [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null; then
		kill -TERM "$pid" 2>/dev/null || true
		for i in $(seq 1 50); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.2
		done
		kill -KILL "$pid" 2>/dev/null || true
	fi
	rm -f "$f"
}

cmd_down() {
	local n
	kill_pidfile "$RUN/sluiced.pid"
	kill_pidfile "$RUN/dataplane.pid"
	kill_pidfile "$RUN/mgmt.pid"
	for n in 1 2 3; do
		kill_pidfile "$RUN/be$n/nginx.pid"
		kill_pidfile "$RUN/be$n/udp7.pid"
		kill_pidfile "$RUN/be$n/udp53.pid"
	done
	for ns in "${NAMESPACES[@]}"; do
		if ns_exists "$ns"; then
			# Anything still running in a lab namespace was started by the lab.
			local pids
			pids=$(ip netns pids "$ns" 2>/dev/null || true)
			[[ -n $pids ]] && kill -KILL $pids 2>/dev/null || true
			ip netns del "$ns"
		fi
	done
	if mountpoint -q "$BPFFS" 2>/dev/null; then
		umount "$BPFFS"
	fi
	rm -rf "$RUN"
	[[ -S $CTL ]] && rm -f "$CTL"
	[[ -S $SLUICED_SOCK ]] && rm -f "$SLUICED_SOCK"
	echo "lab: down"
}

cmd_status() {
	local ns pid
	if ! ns_exists sl-node; then
		echo "lab: down"
		return 0
	fi
	echo "namespaces and addresses:"
	for ns in sl-node sl-client sl-abuser sl-be1 sl-be2 sl-be3; do
		printf '  %-10s' "$ns"
		ip -n "$ns" -br addr show 2>/dev/null | awk '$1 != "lo" {printf " %s[%s]", $1, ($3 == "" ? "no address" : $3 ($4 ? " " $4 : ""))}'
		echo
	done
	echo "backends:"
	for n in 1 2 3; do
		local up=()
		for svc in nginx udp7 udp53; do
			pid=$(cat "$RUN/be$n/$svc.pid" 2>/dev/null || true)
			if [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null; then up+=("$svc:$pid"); else up+=("$svc:DOWN"); fi
		done
		echo "  sl-be$n ${up[*]}"
	done
	pid=$(cat "$RUN/dataplane.pid" 2>/dev/null || true)
	if [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null; then
		echo "appliance: sluice-dataplane running, pid $pid, control socket $CTL"
		dp_query '{"cmd":"status"}' | jq -r '.ports[] | "  port \(.name): \(.kind) on \(.ifname) \(.mac) \(.addresses | join(" "))"' 2>/dev/null || true
	else
		echo "appliance: not running"
	fi
	pid=$(cat "$RUN/sluiced.pid" 2>/dev/null || true)
	if [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null; then
		echo "sluiced: running, pid $pid, CLI socket $SLUICED_SOCK (sluicectl status)"
	else
		echo "sluiced: not running"
	fi
}

cmd_stats() {
	local reply
	reply=$(dp_query '{"cmd":"stats"}') || die "the dataplane does not answer on $CTL"
	echo "dataplane counters (non-zero, summed over workers):"
	jq -r '.counters | to_entries[] | select(.value > 0) | "  \(.key) \(.value)"' <<<"$reply" | column -t
	echo "XDP program counters (non-zero):"
	jq -r '(.xdp // {}) | to_entries[] | "  \(.key) \(.value)"' <<<"$reply" | column -t
	echo "ports:"
	jq -r '.ports[] | "  \(.name) rx_packets=\(.rx_packets) tx_packets=\(.tx_packets) rx_missed=\(.rx_missed)"' <<<"$reply"
}

[[ $# -ge 1 ]] || { usage; exit 2; }
case "$1" in
	-h|--help) usage; exit 0 ;;
esac
[[ $(id -u) -eq 0 ]] || die "needs root (network namespaces, XDP, hugepages); try: sudo $0 $*"
sub=$1; shift
case "$sub" in
	up) cmd_up "$@" ;;
	restart)
		ns_exists sl-node || die "the lab is down (deploy/lab.sh up)"
		kill_pidfile "$RUN/dataplane.pid"
		start_appliance ;;
	down) cmd_down ;;
	status) cmd_status ;;
	stats) cmd_stats ;;
	*) echo "lab: unknown command '$sub' (up, down, restart, status, stats)" >&2; exit 2 ;;
esac
