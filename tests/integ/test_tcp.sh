#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# The dataplane's TCP endpoint (issue 8, first version) with Linux clients in the lab:
# the echo service on 198.18.0.1 and [2001:db8::1] port 7 (deploy/lab.sh passes
# --tcp-echo 7). Bytes echoed whole (SHA-256 both ways) from 1 byte to 1 MB, 200
# connections at once, the client's half-close answered with the server's FIN, a reset
# connection forgotten; a segment with a bad checksum and a blind RST (RFC 5961) counted
# and harmless; a port nothing serves answered by nothing. No loss is injected: this
# version does not retransmit (tcp_ep.h says so), so its lab test does not pretend to.
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/lib.sh"
LAB=$LIB_ROOT/deploy/lab.sh
PY=/usr/bin/python3
CLIENT=$here/tcp_echo_client.py

require_root 13
trap '"$LAB" down >/dev/null 2>&1' EXIT
"$LAB" down >/dev/null 2>&1
if ! check "lab up (the dataplane serving TCP echo on port 7)" "$LAB" up; then
	finish
fi
CL="ip netns exec sl-client"
ctr() { dp_query /run/sluice/dataplane.sock '{"cmd":"stats"}' | jq -r ".counters.$1 // 0"; }

for n in 1 1000 65536 1048576; do
	out=$($CL timeout 40 $PY "$CLIENT" bytes 198.18.0.1 7 "$n")
	check "echo of $n bytes over IPv4: whole, same SHA-256 ($out)" \
		jq -e --argjson n "$n" '.same and .received == $n' <<<"$out"
done
out=$($CL timeout 40 $PY "$CLIENT" bytes 2001:db8::1 7 100000)
check "echo of 100000 bytes over IPv6: whole ($out)" jq -e '.same and .received == 100000' <<<"$out"
out=$($CL timeout 60 $PY "$CLIENT" concurrent 198.18.0.1 7 200 2000)
check "200 connections at once, 2000 bytes each: all echoed whole, all closed ($out)" \
	jq -e '.echoed_whole == 200 and .unfinished == 0' <<<"$out"

c0=$(ctr tcp_conn_closed)
out=$($CL timeout 10 $PY "$CLIENT" reset 198.18.0.1 7 500)
sleep 0.3
check "a connection reset by its client is forgotten (tcp_conn_closed $c0 -> $(ctr tcp_conn_closed))" \
	test "$(ctr tcp_conn_closed)" -gt "$c0"

# A segment with a bad checksum, and a blind RST at a live connection's tuple with a
# sequence number the client never used: neither is taken, the connection echoes on.
c0=$(ctr tcp_bad_checksum)
out=$($CL timeout 20 $PY - <<'PY'
import json, socket, time
from scapy.all import IP, TCP, Raw, send, conf
conf.verb = 0
s = socket.create_connection(("198.18.0.1", 7), timeout=5)
sport = s.getsockname()[1]
s.sendall(b"first")
a = s.recv(100)
bad = IP(dst="198.18.0.1") / TCP(sport=40999, dport=7, flags="S", seq=1, chksum=0x1234)
send(bad)
blind = IP(dst="198.18.0.1") / TCP(sport=sport, dport=7, flags="R", seq=12345678)
send(blind)
time.sleep(0.2)
s.sendall(b"second")
b = s.recv(100)
s.close()
print(json.dumps({"first": a.decode(), "second": b.decode()}))
PY
)
check "a blind RST does not end a live connection: it echoes on ($out)" \
	jq -e '.first == "first" and .second == "second"' <<<"$out"
check "the bad checksum counted ($c0 -> $(ctr tcp_bad_checksum))" \
	test "$(ctr tcp_bad_checksum)" -gt "$c0"

# A port nothing serves: no answer (a quiet drop, counted as no_service).
c0=$(ctr no_service)
$CL timeout 5 $PY -c 'import socket; s = socket.socket(); s.settimeout(1)
try: s.connect(("198.18.0.1", 9))
except OSError: pass' 2>/dev/null
check "a port nothing serves is not answered, and counted (no_service $c0 -> $(ctr no_service))" \
	test "$(ctr no_service)" -gt "$c0"
sleep 0.5
check_eq "every connection opened was closed (tcp_conn_opened = tcp_conn_closed)" \
	"$(ctr tcp_conn_opened)" "$(ctr tcp_conn_closed)"
check "nothing dropped as unsupported or for a full table" \
	test "$(ctr tcp_unsupported)" -eq 0 -a "$(ctr tcp_table_full)" -eq 0
finish
