#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# The load balancer in the lab, with real clients and servers: the lab's config
# (deploy/sluice-lab.yaml) serves 198.18.0.100:80/tcp from nginx on be1..be3 (maglev) and
# 198.18.0.100:53/udp from their name service (rr), in fnat mode. curl through the VIP
# reaches every backend, each connection one backend; rr over UDP takes each backend in
# turn; the VIP answers ping; wrk for 20 s sees no error; the counters add up. Pool
# changes while wrk runs (drain a backend, change a weight, remove a backend) are
# published without an error or a moved flow, and new flows follow them; a bad change is
# refused and the running tables stay. A bad config never starts the dataplane.
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/lib.sh"
LAB=$LIB_ROOT/deploy/lab.sh
BIN=$SLUICE_BUILD/dataplane/sluice-dataplane

require_root 64
CONF=$(mktemp /tmp/sl-lab-conf.XXXXXX)
trap '"$LAB" down >/dev/null 2>&1; rm -f "${BAD:-}" "$CONF"' EXIT
cp "$LIB_ROOT/deploy/sluice-lab.yaml" "$CONF"
"$LAB" down >/dev/null 2>&1
export SLUICE_LAB_CONF=$CONF
if ! check "lab up with the lab's services (the dataplane reading the file)" "$LAB" up --no-sluiced; then
	finish
fi
CL="ip netns exec sl-client"
# The kernel's own choices (wrk) stay below 40000; the checks' fixed ports are above, so
# a port of theirs is never held by one of wrk's closed connections.
$CL sysctl -qw net.ipv4.ip_local_port_range="32768 39999"

# 30 connections from distinct source ports: each answered by one backend, all three used.
answers=$(for p in $(seq 50001 50030); do
	$CL curl -s -m 3 --local-port "$p" http://198.18.0.100/ || echo FAIL
done | sort | uniq -c)
check_eq "30 HTTP requests through the VIP all answered by a backend" 30 \
	"$(awk '$2 ~ /^be[123]$/ { n += $1 } END { print n + 0 }' <<<"$answers")"
check_eq "maglev spread them over the three backends" 3 "$(echo "$answers" | grep -c ' be[123]$')"
check_eq "each connection is a new flow, each went one way and back" 30 \
	"$(dp_counter lb_new_flow)"

# DPDK telemetry (EAL's v2 socket): the same counters as the control socket, the
# balancer's figures, one worker's counters; a worker that does not exist is an error.
TEL=$(ls /var/run/dpdk/*/dpdk_telemetry.v2 2>/dev/null | head -n 1)
tel=$(timeout 10 /usr/bin/python3 "$LIB_ROOT/tests/integ/telemetry.py" "${TEL:-/nonexistent}" \
	/sluice/stats /sluice/lb /sluice/worker,0 /sluice/worker,9 /sluice/status)
check "telemetry: /sluice/stats counts the 30 flows, /sluice/lb tracks them, /sluice/worker,0 has its counters ($(jq -c '."/sluice/lb"' <<<"$tel"))" \
	jq -e '."/sluice/stats".lb_new_flow == 30 and ."/sluice/lb".conns_tracked >= 30 and
		."/sluice/lb".conns_max > 0 and ."/sluice/worker,0".rx > 0 and
		."/sluice/worker,9" == null and ."/sluice/status".workers == 1' <<<"$tel"

# IPv6 (the lab's [2001:db8::100]:80, maglev, fnat): twelve connections all answered, on
# more than one backend, which sees the appliance's IPv6 address as the client.
answers=$(for p in $(seq 50401 50412); do
	$CL curl -s -m 3 -6 --local-port "$p" "http://[2001:db8::100]/" || echo FAIL
done | sort | uniq -c)
check "IPv6: twelve HTTP requests through the IPv6 VIP, all answered, spread ($(echo $answers))" \
	test "$(awk '$2 ~ /^be[123]$/ { n += $1 } END { print n + 0 }' <<<"$answers")" -eq 12 \
	-a "$(echo "$answers" | grep -c ' be[123]$')" -ge 2
who=$($CL curl -s -m 3 -6 "http://[2001:db8::100]/who")
check "IPv6 fnat: the backend sees the appliance's address ($who)" \
	grep -qE '^be[123] 2001:db8:1::1$' <<<"$who"
wrk_out=$($CL wrk -t2 -c20 -d4s "http://[2001:db8::100]/" 2>&1)
reqs=$(awk '/requests in/ { print $1 }' <<<"$wrk_out")
check_eq "IPv6: wrk for 4 s, $reqs requests, no error" "0 yes" \
	"$(grep -cE 'Socket errors|Non-2xx' <<<"$wrk_out") $( ((${reqs:-0} > 500)) && echo yes)"

# UDP, round robin: three queries, three backends.
names=$(for i in 1 2 3; do
	echo "q$i" | $CL timeout 3 socat -T2 - "UDP4:198.18.0.100:53,sourceport=$((51000 + i))"
done | awk '{ print $1 }' | sort | tr '\n' ' ')
check_eq "rr over UDP answers from be1, be2, be3 in turn" "be1 be2 be3 " "$names"
check "the VIP answers ping" $CL ping -c 2 -W 1 198.18.0.100

# Load: wrk, 20 s (the issue's figure), 20 connections.
wrk_out=$($CL wrk -t2 -c20 -d20s http://198.18.0.100/ 2>&1)
reqs=$(awk '/requests in/ { print $1 }' <<<"$wrk_out")
check "wrk for 20 s through the VIP: $reqs requests" test "${reqs:-0}" -gt 1000
errs=$(grep -cE 'Socket errors|Non-2xx' <<<"$wrk_out")
check_eq "wrk saw no socket error and no non-2xx answer" 0 "$errs"
drops=$(dp_query /run/sluice/dataplane.sock '{"cmd":"stats"}' |
	jq '[.counters | to_entries[] | select(.key | startswith("lb_")) |
	     select(.key != "lb_new_flow" and .key != "lb_forward" and .key != "lb_reply") | .value] | add // 0')
check_eq "no balancer drop (no backend, neighbour, table, ports)" 0 "$drops"
fwd=$(dp_counter lb_forward) rep=$(dp_counter lb_reply)
check "forwarded and replied packets both counted ($fwd, $rep)" test "$fwd" -gt 1000 -a "$rep" -gt 1000

reload() { dp_query /run/sluice/dataplane.sock '{"cmd":"reload"}'; }

# Each policy, published by reload on the same VIP: sequential connections from one
# client, each from its own port, and what the policy says about where they go.
policy() {      # policy NAME [backend lines]: the web pool and service policy
	sed -i "0,/policy: [a-z0-9-]*/s//policy: $1/" "$CONF"
	shift
	(($#)) && web "$@"
	reload | jq -r '.tables_version // .error'
}
seqcurl() {     # seqcurl N FIRST_PORT [curl args]: "be1:n be2:n be3:n " of N requests
	local n=$1 first=$2 p
	shift 2
	for p in $(seq "$first" $((first + n - 1))); do
		$CL curl -s -m 3 "$@" --local-port "$p" http://198.18.0.100/
	done | sort | uniq -c | awk '{ printf "%s:%s ", $2, $1 }'
}
web() {
	sed -i '/^  web:/,/^  names:/{/^      - /d}' "$CONF"
	for b in "$@"; do sed -i "/^  names:/i\\      - $b" "$CONF"; done
}
policy rr >/dev/null
check_eq "rr: six connections, two per backend" "be1:2 be2:2 be3:2 " "$(seqcurl 6 52001)"
policy wrr "{ address: 198.18.1.11:80, weight: 3 }" 198.18.1.12:80 198.18.1.13:80 >/dev/null
check_eq "wrr 3:1:1: ten connections split 6:2:2" "be1:6 be2:2 be3:2 " "$(seqcurl 10 52101)"
policy least-conn 198.18.1.11:80 198.18.1.12:80 198.18.1.13:80 >/dev/null
check_eq "least-conn: tracked flows even out, two each of six" "be1:2 be2:2 be3:2 " \
	"$(seqcurl 6 52201)"
policy sticky >/dev/null
check "sticky: one client's eight connections all go to one backend" \
	test "$(seqcurl 8 52301 | wc -w)" -eq 1
policy source-hash >/dev/null
check "source-hash: one client's eight connections all go to one backend" \
	test "$(seqcurl 8 52401 | wc -w)" -eq 1
policy random-p2c >/dev/null
got=$(seqcurl 12 52501)
check "random-p2c: twelve connections, all answered, on several backends ($got)" \
	test "$(echo "$got" | wc -w)" -ge 2 -a "$(echo "$got" | tr ' :' '\n\n' | awk 'NR % 2 == 0 { n += $1 } END { print n }')" -eq 12
policy least-latency >/dev/null
got=$(seqcurl 12 52601)
check "least-latency: twelve connections, all answered ($got)" \
	test "$(echo "$got" | tr ' :' '\n\n' | awk 'NR % 2 == 0 { n += $1 } END { print n }')" -eq 12
policy maglev >/dev/null

# A backend stops (its nginx killed by its PID file) and is marked down (state: maint,
# what sluiced's health checks will do): no new flow goes to it, and every connection
# is answered. Then it comes back.
be3_pid=$(cat /run/sluice/lab/be3/nginx.pid)
kill "$be3_pid"
for _ in $(seq 50); do kill -0 "$be3_pid" 2>/dev/null || break; sleep 0.1; done
web 198.18.1.11:80 198.18.1.12:80 "{ address: 198.18.1.13:80, state: maint }"
v=$(reload | jq -r '.tables_version // .error')
got=$(seqcurl 12 52701)
check "be3 stopped and marked maint (reload: $v): twelve connections, none to be3, all answered ($got)" \
	sh -c "! echo '$got' | grep -q be3 && [ \"\$(echo '$got' | tr ' :' '\n\n' | awk 'NR % 2 == 0 { n += \$1 } END { print n }')\" -eq 12 ]"
ip netns exec sl-be3 /usr/sbin/nginx -c /run/sluice/lab/be3/nginx.conf \
	-e /run/sluice/lab/be3/error.log
web 198.18.1.11:80 198.18.1.12:80 198.18.1.13:80
reload >/dev/null

# Pool changes under load. web: be1, be2, be3 -> be2 drained, be3 weight 2 -> be3 gone.
# Ten connections from fixed ports before the change, closed by the server (so the
# client may use its ports again at once): their finished flows stay in our table
# (TIME_WAIT), and the same ports connect again below.
before=$(seqcurl 10 50150 -H 'Connection: close')
$CL wrk -t2 -c20 -d9s http://198.18.0.100/ >/tmp/sl-lb-wrk.$$ 2>&1 &
wrk_pid=$!
sleep 3
web 198.18.1.11:80 "{ address: 198.18.1.12:80, state: drain }" "{ address: 198.18.1.13:80, weight: 2 }"
v2=$(reload | jq -r '.tables_version // .error')
sleep 3
web 198.18.1.11:80
v3=$(reload | jq -r '.tables_version // .error')
wait $wrk_pid
wrk_out=$(cat /tmp/sl-lb-wrk.$$); rm -f /tmp/sl-lb-wrk.$$
check_eq "two pool changes published while wrk ran (versions)" "12 13" "$v2 $v3"
errs=$(grep -cE 'Socket errors|Non-2xx' <<<"$wrk_out")
check_eq "wrk across both changes: no error, so no established flow moved" 0 "$errs"
after=$(for p in $(seq 50101 50118); do $CL curl -s -m 3 --local-port "$p" http://198.18.0.100/; done |
	sort | uniq -c | awk '{ printf "%s:%s ", $2, $1 }')
check_eq "new flows go only where the pool now says (be1)" "be1:18 " "$after"
# A new SYN on a finished flow's tuple is a new connection, scheduled afresh (IPVS's
# conn_reuse_mode): the ports used before the change (then on $before) now reach be1.
# (A port whose last connection the client happened to close first is still in its own
# TIME_WAIT and cannot be bound: curl fails before sending anything; those are not ours.)
again=$(seqcurl 10 50150 -H 'Connection: close')
check "a reused client port is scheduled afresh, not sent to the old backend (before: $before; after: $again)" \
	sh -c "echo '$before' | grep -qE 'be[23]' && ! echo '$again' | grep -qE 'be[23]' &&
	       [ \"\$(echo '$again' | sed -n 's/.*be1:\([0-9]*\).*/\1/p')\" -ge 8 ]"

# A change the file cannot make: refused, and the running tables stay.
cp "$CONF" "$CONF.good"
sed -i 's/policy: maglev/policy: fastest/' "$CONF"
msg=$(reload | jq -r '.error // "accepted"')
said=no; grep -qE "^$CONF:[0-9]+: policy 'fastest'" <<<"$msg" && said=yes
check_eq "a bad change is refused with file:line ($msg)" yes "$said"
check_eq "and the running tables still balance" be1 \
	"$($CL curl -s -m 3 --local-port 50201 http://198.18.0.100/)"
cp "$CONF.good" "$CONF"; rm -f "$CONF.good"
# A new service address is taken at run time (ARP, echo, the XDP redirect), and let go.
sed -i 's/198.18.0.100:53/198.18.0.101:53/' "$CONF"
v=$(reload | jq -r '.tables_version // .error')
check "a service on a new address is applied without a restart ($v)" test "$v" -gt 0
got=$(echo q | $CL timeout 3 socat -T2 - UDP4:198.18.0.101:53 2>/dev/null)
check "its UDP service answers at once ($got)" grep -qE '^be[123] q$' <<<"$got"
check "and its address answers ping" $CL ping -c1 -W2 198.18.0.101
sed -i 's/198.18.0.101:53/198.18.0.100:53/' "$CONF"      # back to what was running
v=$(reload | jq -r '.tables_version // .error')
check "the old address back ($v)" test "$v" -gt 0
check "the new address is let go: no ping answer" bash -c "! $CL ping -c1 -W1 198.18.0.101"
check_eq "the refusal counted (stats: lb.applies_refused)" 1 \
	"$(dp_query /run/sluice/dataplane.sock '{"cmd":"stats"}' | jq '.lb.applies_refused')"

# Bulk TCP through fnat: iperf3 for 3 s, and 8 MB whose SHA-256 must come back intact
# (every segment's addresses, ports and checksums rewritten both ways). Services on new
# ports of the existing VIP, added by reload; the servers are this test's, killed by PID.
ip netns exec sl-be1 iperf3 -s -B 198.18.1.11 -p 5201 -1 >/dev/null 2>&1 &
IPERF_PID=$!
ip netns exec sl-be1 socat TCP-LISTEN:9000,bind=198.18.1.11,reuseaddr SYSTEM:'sha256sum' \
	>/dev/null 2>&1 &
SUM_PID=$!
cat >>"$CONF" <<'YAML'
  - vip: 198.18.0.100:5201/tcp
    pool: bulk
  - vip: 198.18.0.100:9000/tcp
    pool: sums
YAML
sed -i "/^services:/i\\  bulk:\n    backends: [198.18.1.11:5201]\n  sums:\n    backends: [198.18.1.11:9000]" "$CONF"
v=$(reload | jq -r '.tables_version // .error')
sleep 0.5
bps=$($CL iperf3 -c 198.18.0.100 -p 5201 -t 3 -J 2>/dev/null | jq -r '.end.sum_received.bits_per_second // 0')
check "iperf3 through fnat (reload: $v): $(awk -v b="$bps" 'BEGIN { printf "%.0f", b / 1e6 }') Mbit/s" \
	awk -v b="$bps" 'BEGIN { exit !(b > 1e6) }'
head -c 8388608 /dev/urandom >"$CONF.data"
want=$(sha256sum <"$CONF.data" | awk '{ print $1 }')
got=$($CL timeout 20 socat -t 10 - TCP:198.18.0.100:9000 <"$CONF.data" | awk '{ print $1 }')
check_eq "8 MB through fnat arrive intact (SHA-256 from the backend)" "$want" "$got"
kill "$IPERF_PID" "$SUM_PID" 2>/dev/null
rm -f "$CONF.data"

# udp_probe FAMILY VIP: a 4000-byte query to VIP:53 (the name service), whose answer
# must come back whole ("whole"), then a datagram to VIP:5353, whose backend port is
# closed ("refused" if the client's connected socket heard the refusal).
udp_probe() {
	$CL timeout 12 /usr/bin/python3 - "$@" <<'PY'
import socket, sys
fam = socket.AF_INET6 if sys.argv[1] == "6" else socket.AF_INET
vip = sys.argv[2]
s = socket.socket(fam, socket.SOCK_DGRAM)
s.settimeout(3)
s.connect((vip, 53))
q = bytes((i * 7) % 251 for i in range(4000))
s.send(q)
a = b""
try:
    while len(a) < 4004:
        a += s.recv(9000)
except socket.timeout:
    pass
out = "whole" if a[:2] == b"be" and a[4:] == q else "got-%d-bytes" % len(a)
c = socket.socket(fam, socket.SOCK_DGRAM)
c.settimeout(2)
c.connect((vip, 5353))
c.send(b"anyone?")
try:
    c.recv(100)
    out += " answered"
except ConnectionRefusedError:
    out += " refused"
except socket.timeout:
    out += " timeout"
print(out)
PY
}

# Fragments and ICMP errors, both families. The 4000-byte query's fragments are put back
# together, translated and sent to the backend in pieces; its fragmented answer likewise
# on the way back. The closed port's ICMP "port unreachable" (about the packet we sent
# the backend) reaches the client translated, quoting the client's own packet. The
# services on :5353 and the IPv6 ones are added to the running VIPs by reload.
sed -i "/^services:/i\\  closed:\n    backends: [198.18.1.11:5353]\n  names6:\n    backends: [\"[2001:db8:1::11]:53\", \"[2001:db8:1::12]:53\"]\n  closed6:\n    backends: [\"[2001:db8:1::11]:5353\"]" "$CONF"
printf '  - vip: 198.18.0.100:5353/udp\n    pool: closed\n  - vip: "[2001:db8::100]:53/udp"\n    pool: names6\n  - vip: "[2001:db8::100]:5353/udp"\n    pool: closed6\n' >>"$CONF"
v=$(reload | jq -r '.tables_version // .error')
for fam in 4 6; do
	vip=198.18.0.100
	((fam == 6)) && vip=2001:db8::100
	fr0=$(dp_counter frag_reassembled) fs0=$(dp_counter frag_sent) ie0=$(dp_counter lb_icmp_error_forwarded)
	said=$(udp_probe "$fam" "$vip")
	fr=$(( $(dp_counter frag_reassembled) - fr0 )) fs=$(( $(dp_counter frag_sent) - fs0 ))
	ie=$(( $(dp_counter lb_icmp_error_forwarded) - ie0 ))
	check_eq "IPv$fam: a 4000-byte UDP query and its answer, fragmented both ways, arrive whole (reload $v; reassembled $fr, pieces sent $fs)" \
		"whole yes" "${said%% *} $( ((fr >= 2 && fs >= 4)) && echo yes)"
	check_eq "IPv$fam: a closed backend port refuses the client's socket (ICMP translated back: $ie)" \
		"refused yes" "${said##* } $( ((ie >= 1)) && echo yes)"
done

# Direct server return. The backends hold the VIP on their loopback (lab.sh, dsr_ready)
# and answer the client straight from it. DSR needs the client's router on the backends'
# segment: here the client itself gets a leg there (and a route on each backend), so
# replies never pass the appliance. The service moves to dsr, then dsr-ipip, by reload.
ip link add sw-dsr netns sl-sw type veth peer name dsr0 netns sl-client
ip -n sl-sw link set sw-dsr master br-back up
ip -n sl-client link set dsr0 up
$CL sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.dsr0.rp_filter=0
for n in 1 2 3; do ip -n sl-be$n route add 198.18.0.2/32 dev eth0; done
web 198.18.1.11:80 198.18.1.12:80 198.18.1.13:80
sed -i "0,/mode: fnat/s//mode: dsr/" "$CONF"
rep0=$(dp_counter lb_reply)
v=$(policy rr)
check_eq "dsr, rr: nine connections, three per backend (reload: $v)" "be1:3 be2:3 be3:3 " \
	"$(seqcurl 9 53001)"
who=$($CL curl -s -m 3 http://198.18.0.100/who)
check "dsr: the backend sees the client's own address ($who)" \
	grep -qE '^be[123] 198\.18\.0\.2$' <<<"$who"
wrk_out=$($CL wrk -t2 -c20 -d5s http://198.18.0.100/ 2>&1)
reqs=$(awk '/requests in/ { print $1 }' <<<"$wrk_out")
check_eq "dsr: wrk for 5 s, $reqs requests, no error" "0 yes" \
	"$(grep -cE 'Socket errors|Non-2xx' <<<"$wrk_out") $( ((${reqs:-0} > 500)) && echo yes)"
check_eq "dsr: no reply came back through the appliance" "$rep0" "$(dp_counter lb_reply)"

# dsr-ipip: the lab kernel has no ipip module, so each backend runs bpf/'s tc program.
DECAP=$SLUICE_BUILD/bpf/sluice_tc_decap.o
for n in 1 2 3; do
	ip netns exec sl-be$n tc qdisc add dev eth0 clsact
	ip netns exec sl-be$n tc filter add dev eth0 ingress bpf direct-action \
		object-file "$DECAP" section tc
done
# decap_map N NAME: the id of map NAME of the decapsulator attached on sl-beN's eth0.
decap_map() {
	local pid m
	pid=$(ip netns exec "sl-be$1" bpftool -j net show dev eth0 | jq '.[0].tc[0].id')
	for m in $(bpftool -j prog show id "$pid" | jq '.map_ids[]'); do
		[[ $(bpftool -j map show id "$m" | jq -r .name) == "$2" ]] && echo "$m"
	done
}
decap_refused() {       # decap_refused N: tunnels sl-beN refused for their source
	bpftool -j map dump id "$(decap_map "$1" sl_decap_stats)" |
		jq '[.[] | select(.formatted.key == 6) | .formatted.values[].value] | add'
}
sed -i "0,/mode: dsr/s//mode: dsr-ipip/" "$CONF"
v=$(reload | jq -r '.tables_version // .error')
# Tunnels only from the balancer: a backend listing another source refuses ours (counted),
# then each lists the appliance's back address, 198.18.1.1, and takes them.
for n in 1 2 3; do
	bpftool map update id "$(decap_map $n sl_decap_src_v4)" key 0 0 0 0 value 198 18 1 99
done
$CL curl -s -m 2 --local-port 53099 http://198.18.0.100/ >/dev/null
refused=$(( $(decap_refused 1) + $(decap_refused 2) + $(decap_refused 3) ))
check "dsr-ipip: a backend whose list names another balancer refuses the tunnel ($refused counted)" \
	test "$refused" -gt 0
for n in 1 2 3; do
	bpftool map update id "$(decap_map $n sl_decap_src_v4)" key 0 0 0 0 value 198 18 1 1
done
check_eq "dsr-ipip, rr: nine connections, three per backend (reload: $v)" "be1:3 be2:3 be3:3 " \
	"$(seqcurl 9 53101)"
who=$($CL curl -s -m 3 http://198.18.0.100/who)
check "dsr-ipip: the backend sees the client's own address ($who)" \
	grep -qE '^be[123] 198\.18\.0\.2$' <<<"$who"
# 8 MB up to be1's SHA-256 service, now in dsr-ipip: full-sized segments no longer fit
# once encapsulated, so the client is told (ICMP fragmentation needed), lowers its path
# MTU to the VIP, and every byte arrives; the digest comes back directly.
ip netns exec sl-be1 socat TCP-LISTEN:9000,bind=198.18.0.100,reuseaddr SYSTEM:'sha256sum' \
	>/dev/null 2>&1 &
SUM_PID=$!
sed -i '/pool: sums/a\    mode: dsr-ipip' "$CONF"
reload >/dev/null
sleep 0.5
fn0=$(dp_counter lb_icmp_frag_needed_sent)
head -c 8388608 /dev/urandom >"$CONF.data"
want=$(sha256sum <"$CONF.data" | awk '{ print $1 }')
got=$($CL timeout 20 socat -t 10 - TCP:198.18.0.100:9000 <"$CONF.data" | awk '{ print $1 }')
fn1=$(dp_counter lb_icmp_frag_needed_sent)
check_eq "dsr-ipip: 8 MB arrive intact after the path MTU dance (ICMP sent: $((fn1 - fn0)))" \
	"$want yes" "$got $( ((fn1 > fn0)) && echo yes)"
kill "$SUM_PID" 2>/dev/null
rm -f "$CONF.data"
wrk_out=$($CL wrk -t2 -c20 -d5s http://198.18.0.100/ 2>&1)
reqs=$(awk '/requests in/ { print $1 }' <<<"$wrk_out")
check_eq "dsr-ipip: wrk for 5 s, $reqs requests, no error" "0 yes" \
	"$(grep -cE 'Socket errors|Non-2xx' <<<"$wrk_out") $( ((${reqs:-0} > 500)) && echo yes)"
check_eq "dsr-ipip: no reply came back through the appliance" "$rep0" "$(dp_counter lb_reply)"
sed -i "0,/mode: dsr-ipip/s//mode: fnat/" "$CONF"
reload >/dev/null
for n in 1 2 3; do
	ip -n sl-be$n route del 198.18.0.2/32 dev eth0
	ip netns exec sl-be$n tc qdisc del dev eth0 clsact
done
ip -n sl-sw link del sw-dsr

# Rate limits (docs/limits.md), from the config file, published by reload: sl-client held
# to 5 new connections per second (burst 5) while sl-abuser, another client, is not;
# measured from the clients' side with a curl loop (a dropped SYN fails the connect):
# at most the burst and 4 s of the rate (5 + 20, one more for the clock) get through, at
# least the burst; how many tries fit in 4 s depends on the machine.
# Then over 20 packets per second sl-client's packets are remarked DSCP EF, which a
# capture on the backends shows; a limit changed at run time takes effect at once.
curl_loop() {   # curl_loop NS SECONDS: "ok tried" for back-to-back requests
	ip netns exec "$1" bash -c 'end=$((SECONDS + '"$2"')); ok=0; n=0
		while ((SECONDS < end)); do
			n=$((n + 1))
			curl -s -o /dev/null --connect-timeout 0.25 -m 2 http://198.18.0.100/ && ok=$((ok + 1))
		done; echo "$ok $n"'
}
cp "$CONF" "$CONF.nolimits"
cat >>"$CONF" <<'LIMITS'
limits:
  per-client:
    service: 198.18.0.100:80/tcp
    from: 198.18.0.2/32
    algorithm: token-bucket
    unit: connections
    rate: 5
    burst: 5
LIMITS
v=$(reload | jq -r '.tables_version // .error')
sleep 2         # a full bucket to start from
read -r ok n < <(curl_loop sl-client 4)
read -r aok an < <(curl_loop sl-abuser 4)
check "limit: sl-client held to 5 connections/s (burst 5) for 4 s: $ok of $n answered (reload $v)" \
	test "$ok" -ge 5 -a "$ok" -le 26 -a "$n" -gt "$ok"
check_eq "limit: sl-abuser, another client, unaffected: every one of $an answered" "$an" "$aok"
st=$(dp_query /run/sluice/dataplane.sock '{"cmd":"stats"}')
check "limit: counted in stats ($(jq -c '.limits."per-client" | {matched, over, keys}' <<<"$st"))" \
	jq -e '.limits."per-client".over > 0 and .counters.police_dropped > 0' <<<"$st"
sed -i 's/^    rate: 5$/    rate: 50/; s/^    burst: 5$/    burst: 50/' "$CONF"
v=$(reload | jq -r '.tables_version // .error')
read -r ok n < <(curl_loop sl-client 2)
check "limit: raised to 50/s at run time (reload $v), no restart: $ok of $n answered in 2 s" \
	test "$ok" -ge 40
cp "$CONF.nolimits" "$CONF"
cat >>"$CONF" <<'LIMITS'
limits:
  ef:
    from: 198.18.0.2/32
    algorithm: leaky-bucket
    unit: packets
    rate: 20
    burst: 20
    action: remark
    dscp: 46
LIMITS
v=$(reload | jq -r '.tables_version // .error')
for n in 1 2 3; do
	ip netns exec sl-be$n timeout 8 tcpdump -i eth0 -nn -c 1 -v 'tcp and (ip[1] & 0xfc) == 0xb8' \
		>"$CONF.cap$n" 2>/dev/null &
done
sleep 1
$CL timeout 10 wrk -t1 -c4 -d3s http://198.18.0.100/ >/dev/null 2>&1
wait
check "limit: over 20 packets/s, sl-client's packets reach the backends remarked DSCP EF (tos 0xb8)" \
	grep -qh "tos 0xb8" "$CONF.cap1" "$CONF.cap2" "$CONF.cap3"
cp "$CONF.nolimits" "$CONF"
reload >/dev/null

# Shaping (docs/limits.md): sl-client is subscriber "home" (its /32), whose pipe sends
# it 625000 bytes/s (5 Mbit/s of frames); iperf3 -R (the backend sends) through the VIP
# measures what reaches it: about 4.8 Mbit/s of TCP payload (1448 of each 1514-byte
# frame), within 25%. sl-abuser, no subscriber, is not shaped. The pipe raised to
# 10 Mbit/s by reload takes effect at once, without a restart.
ip netns exec sl-be1 iperf3 -s -B 198.18.1.11 -p 5201 >/dev/null 2>&1 &
IPERF_PID=$!
cat >>"$CONF" <<'SHAPING'
subscribers:
  home: 198.18.0.2/32
shaping:
  rate: 125000000
  pipes:
    home: { rate: 625000, burst: 15000 }
SHAPING
v=$(reload | jq -r '.tables_version // .error')
sleep 0.5
iperf_rx() {    # iperf_rx NS: Mbit/s the backend sent to NS's client for 3 s
	ip netns exec "$1" iperf3 -c 198.18.0.100 -p 5201 -R -t 3 -J 2>/dev/null |
		jq -r '(.end.sum_received.bits_per_second // 0) / 1e6'
}
mb=$(iperf_rx sl-client)
check "shaping: sl-client's pipe of 5 Mbit/s (reload $v): iperf3 -R got $mb Mbit/s (3.6 to 6)" \
	awk -v m="$mb" 'BEGIN { exit !(m >= 3.6 && m <= 6) }'
mb=$(iperf_rx sl-abuser)
check "shaping: sl-abuser, no subscriber, not shaped: $mb Mbit/s (above 20)" \
	awk -v m="$mb" 'BEGIN { exit !(m > 20) }'
st=$(dp_query /run/sluice/dataplane.sock '{"cmd":"stats"}')
check "shaping: counted (shaper_queued $(jq .counters.shaper_queued <<<"$st"), memory $(jq .shaping.memory_bytes <<<"$st") bytes)" \
	jq -e '.counters.shaper_queued > 1000 and .shaping.pipes == 1 and .shaping.memory_bytes > 0' \
	<<<"$st"
sed -i 's/home: { rate: 625000, burst: 15000 }/home: { rate: 1250000, burst: 15000 }/' "$CONF"
v=$(reload | jq -r '.tables_version // .error')
mb=$(iperf_rx sl-client)
check "shaping: the pipe raised to 10 Mbit/s at run time (reload $v): $mb Mbit/s (7.2 to 12)" \
	awk -v m="$mb" 'BEGIN { exit !(m >= 7.2 && m <= 12) }'
kill "$IPERF_PID" 2>/dev/null
wait "$IPERF_PID" 2>/dev/null
cp "$CONF.nolimits" "$CONF"
reload >/dev/null
rm -f "$CONF.nolimits" "$CONF".cap*

# Flow logs (docs/flow-logs.md): the lab logs every flow to $FLOWS. A flow is written when
# it leaves the table; most of this test's are still there (TIME_WAIT is 120 s), so the
# dataplane is stopped, which writes them as the table empties. Then the log holds the
# first check's 30 connections, closed by both sides, each to a backend, with the local
# address the backend saw, and the IPv6, UDP and dsr-ipip flows, every line valid JSON.
FLOWS=/run/sluice/lab/flows.log
kill -TERM "$(cat /run/sluice/lab/dataplane.pid)"
for _ in $(seq 1 100); do kill -0 "$(cat /run/sluice/lab/dataplane.pid)" 2>/dev/null || break; sleep 0.2; done
lines=$(wc -l <"$FLOWS")
check "flow log: $lines records, every one valid JSON with the documented fields" \
	jq -e -s 'length > 200 and all(.[]; has("time") and has("client") and has("service")
		and has("backend") and has("reason") and .pkts_orig > 0 and .bytes_orig > 0)' "$FLOWS"
first=$(jq -r 'select(.client | test(":500[0-2][0-9]$|:50030$"))
	| select(.service == "198.18.0.100:80/tcp" and .mode == "fnat" and .policy == "maglev")
	| "\(.reason) \(.backend | test("^198\\.18\\.1\\.1[123]:80$")) \(.local | test("^198\\.18\\.1\\.1:")) \(.pkts_reply > 0 and .bytes_reply > 0)"' \
	"$FLOWS" | sort | uniq -c | awk '{ $1 = $1; print }')
check_eq "flow log: the first 30 connections, each closed (fin) on a backend via our address, replies counted" \
	"30 fin true true true" "$first"
check "flow log: IPv6 flows with the IPv6 VIP and backends" \
	jq -e -s 'any(.[]; (.service | startswith("[2001:db8::100]:80/tcp")) and (.backend | startswith("[2001:db8:1::1")))' "$FLOWS"
check "flow log: UDP flows on 198.18.0.100:53/udp" \
	jq -e -s 'any(.[]; .service == "198.18.0.100:53/udp" and .state == "udp")' "$FLOWS"
check "flow log: dsr-ipip flows, with no local side and no reply through us" \
	jq -e -s 'any(.[]; .mode == "dsr-ipip" and .local == null and .pkts_reply == 0)' "$FLOWS"
check "flow log: the flows the limit remarked say so (\"policed\": \"remarked\")" \
	jq -e -s 'any(.[]; .policed == "remarked" and (.client | startswith("198.18.0.2:")))' "$FLOWS"
written=$(grep -o 'flowlog_written=[0-9]*' /run/sluice/lab/dataplane.log | tail -1 | cut -d= -f2)
check_eq "flow log: the final counters say as many records written as the file holds" \
	"$lines" "${written:-none}"

# A bad config never starts the dataplane, and says where.
BAD=$(mktemp /tmp/sl-bad-conf.XXXXXX)
printf 'pools:\n  web:\n    backends: [198.18.1.11:80]\nservices:\n  - vip: 198.18.0.100:80/tcp\n    pool: wbe\n' >"$BAD"
out=$(timeout 20 "$BIN" --no-pci --no-huge --no-shconf -l 0,1 -- --port t=null --config "$BAD" \
	--no-src-filter --ctl none 2>&1)
rc=$?
said=no
grep -qF "$BAD:6: service: pool 'wbe' is not defined" <<<"$out" && said=yes
check_eq "a config naming an unknown pool is refused with file:line (exit $rc)" "2 yes" "$rc $said"
printf 'pools:\n  web:\n    backends: [198.18.1.11:8080]\nservices:\n  - vip: 198.18.0.100:80/tcp\n    pool: web\n    mode: dsr\n' >"$BAD"
out=$(timeout 20 "$BIN" --no-pci --no-huge --no-shconf -l 0,1 -- --port t=null --config "$BAD" \
	--no-src-filter --ctl none 2>&1)
said=no
grep -qF "$BAD:3: pool web: backend 198.18.1.11:8080: the service at line 5 is dsr, which does not translate ports" <<<"$out" && said=yes
check_eq "a dsr service whose backend has another port is refused with file:line" yes "$said"
finish
