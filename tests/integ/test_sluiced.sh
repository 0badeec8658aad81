#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# sluiced and sluicectl against the lab (DESIGN.md section 6, issue 5):
#  - a crash between the state file's write and its rename loses nothing (a sluiced of
#    its own, no lab); oversized and malformed requests are refused, the daemon lives;
#  - in the lab: every verb; refusals with one line and the right exit status, the state
#    and traffic untouched; a bad config file refused with file:line on check and on
#    SIGHUP; pool changes during wrk (drain, weight, add, del): 0 errors; sluiced killed
#    with SIGKILL and restarted under wrk: 0 errors, same generation; the dataplane
#    restarted: its state back from sluiced within 2 s; a stopped nginx marked down
#    within inter x fall and up again after it restarts; the XDP filter driven by
#    sluicectl; a peer without permission refused and audited; the metrics.
# Bounded: every command under a timeout; lab down (by PID) on exit.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
require_root 64

LAB=$LIB_ROOT/deploy/lab.sh
SD=$SLUICE_BUILD/controlplane/sluiced
CTLBIN=$SLUICE_BUILD/controlplane/sluicectl
C="timeout 20 $CTLBIN"
CL="ip netns exec sl-client"
TMP=$(mktemp -d /tmp/sl-sluiced.XXXXXX)
SOLO_PID=
trap '[[ -n $SOLO_PID ]] && kill -KILL $SOLO_PID 2>/dev/null; "$LAB" down >/dev/null 2>&1; rm -rf "$TMP"' EXIT

# --- a sluiced of its own: crash before rename, bad requests -------------------------
cp "$LIB_ROOT/deploy/sluice-lab.yaml" "$TMP/conf.yaml"
# In a network namespace of its own with only loopback (unshare -n, gone with it): its
# health checks of the lab's addresses must not leave this machine's namespaces. Its log
# in JSON (--log-format json).
solo() {
	unshare -n sh -c 'ip link set lo up && exec "$@"' sh \
		"$SD" --config "$TMP/conf.yaml" --state "$TMP/state.yaml" --socket "$TMP/s.sock" \
		--dataplane "$TMP/none.sock" --audit-log "$TMP/audit.log" --metrics off \
		--no-filter --log-format json >>"$TMP/solo.log" 2>&1 &
	SOLO_PID=$!
	for _ in $(seq 1 50); do [[ -S $TMP/s.sock ]] && break; sleep 0.1; done
}
SC="timeout 10 $CTLBIN --socket $TMP/s.sock"
solo
check "a change without a dataplane is persisted" $SC backend set web 198.18.1.13:80 --weight 5
kill -KILL $SOLO_PID; wait $SOLO_PID 2>/dev/null 3>&-; rm -f "$TMP/s.sock"
SLUICED_TEST_CRASH=before-rename solo
$SC backend set web 198.18.1.13:80 --weight 9 >/dev/null 2>&1
wait $SOLO_PID 2>/dev/null; rm -f "$TMP/s.sock"
check "sluiced died between write and rename (the test's crash point)" test -f "$TMP/state.yaml.tmp"
solo
check_eq "restarted: the state is the last one renamed (weight 5, generation 2)" "5 2" \
	"$($SC --json backend list web | jq -r '.backends[] | select(.backend == "198.18.1.13:80") | .weight') $($SC --json status | jq -r .generation)"
check "and the half-written file is gone" test ! -e "$TMP/state.yaml.tmp"
out=$(echo 'not json' | timeout 5 socat -t 2 - "UNIX-CONNECT:$TMP/s.sock")
check "a malformed request is refused ($out)" grep -q '"ok":false' <<<"$out"
out=$(timeout 10 /usr/bin/python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])
try:
    s.sendall(b"x" * 1100000)
except OSError:
    pass
print(s.recv(4096).decode())' "$TMP/s.sock")
check "an oversized request is refused ($out)" grep -q 'longer than 1 MiB' <<<"$out"
check "and the daemon still answers" $SC status
check "its log is JSON lines: time, level, event, msg and the event's fields" \
	jq -e -s 'all(.[]; has("time") and has("level") and has("event") and has("msg")) and
		any(.[]; .event == "state_loaded" and .from == "state" and .generation == 2) and
		any(.[]; .event == "ready")' "$TMP/solo.log"
kill -TERM $SOLO_PID; wait $SOLO_PID 2>/dev/null; SOLO_PID=

# --- the lab -------------------------------------------------------------------------
if ! check "lab up with sluiced" "$LAB" up; then
	finish
fi
g0=$($C --json status | jq -r .generation)
check_eq "the dataplane runs sluiced's generation" "$g0" \
	"$(dp_query /run/sluice/dataplane.sock '{"cmd":"status"}' | jq -r .generation)"
check "curl through the VIP" $CL curl -sf -m 3 http://198.18.0.100/

# every verb
check "vip list" bash -c "$C vip list | grep -q '198.18.0.100:80/tcp.*pool web'"
check "pool add" $C pool add api --check tcp --inter-ms 500 --fall 2
check "pool set" $C pool set api --rise 1
check "backend add" $C backend add api 198.18.1.11:80 --weight 2
check "vip add (a new address, taken at once)" $C vip add 198.18.0.101:80/tcp --pool api --policy wrr
check "the new VIP answers" $CL curl -sf -m 3 http://198.18.0.101/
check "vip set" $C vip set 198.18.0.101:80/tcp --policy rr
check "backend set" $C backend set api 198.18.1.11:80 --weight 3
check "backend list --json" bash -c "$C --json backend list api | jq -e '.backends[0].weight == 3'"
check "pool list --json" bash -c "$C --json pool list | jq -e '.pools | map(.name) | index(\"api\")'"
check "vip del" $C vip del 198.18.0.101:80/tcp
check "backend del" $C backend del api 198.18.1.11:80
check "pool del" $C pool del api
check "config show" bash -c "$C config show | grep -q 'vip: 198.18.0.100:80/tcp'"
check "config save FILE" $C config save "$TMP/saved.yaml"
check "config check FILE (the saved state)" $C config check "$TMP/saved.yaml"
check "stats --json (sluiced and the dataplane)" bash -c "$C --json stats | jq -e '.sluiced.changes_applied > 0 and .dataplane.counters.rx > 0'"
check "--help" bash -c "$CTLBIN --help | grep -q 'backend set POOL'"

# refusals: one line, the right status, nothing changed
g1=$($C --json status | jq -r .generation)
$C backend set web 198.18.1.11:80 --wieght 2 2>"$TMP/err"; rc=$?
check_eq "a misspelt option is a usage error (2): $(cat "$TMP/err")" 2 "$rc"
$C backend add web 198.18.0.100:80 2>"$TMP/err"; rc=$?
check_eq "a backend that is a VIP is refused (1): $(cat "$TMP/err")" 1 "$rc"
$C vip add 198.18.0.100:80/tcp --pool web 2>"$TMP/err"; rc=$?
check_eq "a duplicate VIP is refused (1): $(cat "$TMP/err")" 1 "$rc"
$C --if-generation 1 backend set web 198.18.1.11:80 --weight 2 2>"$TMP/err"; rc=$?
check_eq "a stale --if-generation is refused (1): $(cat "$TMP/err")" 1 "$rc"
check_eq "none of them changed the state" "$g1" "$($C --json status | jq -r .generation)"
check "and traffic still flows" $CL curl -sf -m 3 http://198.18.0.100/
printf 'pools:\n  web:\n    backends: [198.18.1.11:80]\nservices:\n  - vip: 198.18.0.100:80/tcp\n    pool: nope\n' >"$TMP/bad.yaml"
out=$($CTLBIN config check "$TMP/bad.yaml" 2>&1); rc=$?
check_eq "config check refuses a bad file with file:line ($out)" "1 yes" \
	"$rc $(grep -q "$TMP/bad.yaml:6: service: pool 'nope' is not defined" <<<"$out" && echo yes)"

# pool changes while wrk runs: no error, no established flow broken
$CL timeout 30 wrk -t1 -c8 -d8s http://198.18.0.100/ >"$TMP/wrk1" 2>&1 &
WRK=$!
sleep 1
$C backend set web 198.18.1.12:80 --state drain >/dev/null
sleep 1
$C backend set web 198.18.1.11:80 --weight 3 >/dev/null
sleep 1
$C backend del web 198.18.1.13:80 >/dev/null
sleep 1
$C backend add web 198.18.1.13:80 >/dev/null
$C backend set web 198.18.1.12:80 --state ready >/dev/null
wait $WRK
check_eq "wrk across drain, weight, del and add: no error ($(grep -m1 Requests/sec "$TMP/wrk1"))" 0 \
	"$(grep -cE 'Socket errors|Non-2xx' "$TMP/wrk1")"

# A change's reply says when every worker ran it (applied_us: from the request's arrival
# to the dataplane's acknowledgement, after its grace period), a read's does not.
rep=$(printf '%s\n' '{"argv":["backend","set","web","198.18.1.13:80","--weight","2"]}' |
	timeout 5 socat -t 3 - UNIX-CONNECT:/run/sluice/sluiced.sock)
rd=$(printf '%s\n' '{"argv":["backend","list"]}' |
	timeout 5 socat -t 3 - UNIX-CONNECT:/run/sluice/sluiced.sock)
check "a change's reply carries applied_us ($(jq -c '{ok, generation, applied_us}' <<<"$rep")), a read's not" \
	bash -c "jq -e '.ok and .applied_us > 0 and .applied_us < 5000000' <<<'$rep' >/dev/null &&
		 jq -e '.ok and (has(\"applied_us\") | not)' <<<'$rd' >/dev/null"
$C backend set web 198.18.1.13:80 --weight 1 >/dev/null

# 1000 backend changes per second for 10 s (weights, and a drain/ready every tenth) from
# 8 clients while wrk runs: every change applied, none refused, no request failed.
# sluiced commits the changes that arrive together at once (group commit).
c0=$($C --json stats | jq -r .sluiced.commits)
$CL timeout 40 wrk -t1 -c8 -d13s http://198.18.0.100/ >"$TMP/wrk3" 2>&1 &
WRK=$!
sleep 1
churn=$(timeout 60 /usr/bin/python3 "$LIB_ROOT/tests/integ/change_churn.py" /run/sluice/sluiced.sock 10 8 1000 web \
	198.18.1.11:80 198.18.1.12:80 198.18.1.13:80)
wait $WRK
check "1000 backend changes per second for 10 s: all applied, none refused ($churn)" \
	jq -e '.changes == 10000 and .refused == 0 and .seconds <= 11' <<<"$churn"
check_eq "wrk across them: no error ($(grep -m1 Requests/sec "$TMP/wrk3"))" 0 \
	"$(grep -cE 'Socket errors|Non-2xx' "$TMP/wrk3")"
c1=$($C --json stats | jq -r .sluiced.commits)
check "they were committed in groups ($((c1 - c0)) commits for 10000 changes)" \
	test "$((c1 - c0))" -gt 0 -a "$((c1 - c0))" -lt 10000
$C backend set web 198.18.1.13:80 --state ready >/dev/null

# sluiced killed with SIGKILL and restarted under wrk
g2=$($C --json status | jq -r .generation)
$CL timeout 30 wrk -t1 -c8 -d6s http://198.18.0.100/ >"$TMP/wrk2" 2>&1 &
WRK=$!
sleep 1
kill -KILL "$(cat /run/sluice/lab/sluiced.pid)"
sleep 1
rm -f /run/sluice/lab/sluiced.pid
ip netns exec sl-node sh -c 'mount --bind "$0" /sys/fs/bpf && exec "$@"' /run/sluice/lab/bpffs \
	"$SD" --config "$LIB_ROOT/deploy/sluice-lab.yaml" --state /run/sluice/lab/sluiced/state.yaml \
	--socket /run/sluice/sluiced.sock --dataplane /run/sluice/dataplane.sock \
	--audit-log /run/sluice/lab/sluiced/audit.log --metrics 127.0.0.1:9477 \
	>>/run/sluice/lab/sluiced.log 2>&1 &
echo $! >/run/sluice/lab/sluiced.pid
wait $WRK
check_eq "wrk across sluiced's SIGKILL and restart: no error ($(grep -m1 Requests/sec "$TMP/wrk2"))" 0 \
	"$(grep -cE 'Socket errors|Non-2xx' "$TMP/wrk2")"
check_eq "the restarted sluiced has the same state (generation)" "$g2" \
	"$($C --json status | jq -r .generation)"

# the dataplane restarted: its state comes back from sluiced within 2 s
kill -TERM "$(cat /run/sluice/lab/dataplane.pid)"
for _ in $(seq 1 50); do kill -0 "$(cat /run/sluice/lab/dataplane.pid)" 2>/dev/null || break; sleep 0.2; done
"$LAB" restart >/dev/null 2>&1 &
RST=$!
for _ in $(seq 1 300); do
	dp_query /run/sluice/dataplane.sock '{"cmd":"status"}' 2>/dev/null | grep -q '"ok":true' && break
	sleep 0.02
done
t0=$(date +%s%N)
for _ in $(seq 1 200); do
	[[ $(dp_query /run/sluice/dataplane.sock '{"cmd":"status"}' 2>/dev/null | jq -r .generation) == "$g2" ]] && break
	sleep 0.02
done
ms=$((($(date +%s%N) - t0) / 1000000))
wait $RST
check "the restarted dataplane runs generation $g2 again within 2 s of answering (${ms} ms)" test "$ms" -le 2000
check "and traffic flows" $CL curl -sf -m 3 http://198.18.0.100/

# health: a stopped nginx is marked down within inter x fall (1 s x 2, +1 s timeout),
# gets no new flow, and is up again after it restarts
kill "$(cat /run/sluice/lab/be3/nginx.pid)"
t0=$(date +%s%N)
for _ in $(seq 1 100); do
	$C --json backend list web | jq -e '.backends[] | select(.backend == "198.18.1.13:80" and .health == "down")' >/dev/null && break
	sleep 0.1
done
ms=$((($(date +%s%N) - t0) / 1000000))
check "be3 marked down ${ms} ms after nginx stopped (inter 1000 x fall 2 + timeout)" test "$ms" -le 3500
got=$(for p in $(seq 50301 50312); do $CL curl -s -m 2 --local-port "$p" http://198.18.0.100/; done | sort -u | tr '\n' ' ')
check "no new flow goes to be3 ($got)" bash -c "! grep -q be3 <<<'$got'"
ip netns exec sl-be3 /usr/sbin/nginx -c /run/sluice/lab/be3/nginx.conf -e /run/sluice/lab/be3/error.log
for _ in $(seq 1 60); do
	$C --json backend list web | jq -e '.backends[] | select(.backend == "198.18.1.13:80" and .health == "up")' >/dev/null && break
	sleep 0.1
done
check "be3 up again after nginx restarts" bash -c "$C --json backend list web | jq -e '.backends[] | select(.backend == \"198.18.1.13:80\" and .health == \"up\")'"

# Health-probe RTTs feed least-latency where there is no handshake (UDP): a name
# service on port 5353 of every backend, be3's answering 2 s late. sluiced's UDP checks
# measure it, push the RTTs to the dataplane, and new UDP flows avoid be3. The backends
# are reached at addresses of their own (198.18.1.21..23, added for this check): the
# dataplane weighs a backend by address, RTT x (active flows + 1) with every service's
# flows and the slowest probe of any pool, so the lab's other services on .11..13 must
# not weigh in. The responders are one process each (no fork per datagram; be3 answers
# each datagram from a thread of its own, so a probe does not hold a query up).
cat >"$TMP/udp_name.py" <<'PY'
import socket, sys, threading, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[3], 5353))     # its own address: answers leave from it
name, delay = sys.argv[1].encode(), float(sys.argv[2])
def answer(m, a):
    time.sleep(delay)
    s.sendto(name + b" " + m, a)
while True:
    m, a = s.recvfrom(2048)
    if delay:
        threading.Thread(target=answer, args=(m, a), daemon=True).start()
    else:
        answer(m, a)
PY
UDP_PIDS=()
for n in 1 2 3; do
	ip -n sl-be$n addr add 198.18.1.2$n/24 dev eth0
	ip netns exec sl-be$n setsid /usr/bin/python3 "$TMP/udp_name.py" be$n \
		"$( ((n == 3)) && echo 2 || echo 0)" 198.18.1.2$n >/dev/null 2>&1 &
	UDP_PIDS+=($!)
done
$C pool add lat --check udp --check-port 5353 --check-send q --check-expect be --inter-ms 3000 \
	--timeout-ms 2500 >/dev/null
for n in 1 2 3; do $C backend add lat 198.18.1.2$n:5353 >/dev/null; done
$C vip add 198.18.0.100:5353/udp --pool lat --policy least-latency >/dev/null
rtts=
for _ in $(seq 1 60); do
	rtts=$(dp_query /run/sluice/dataplane.sock '{"cmd":"stats"}' | jq -c '.probe_rtt_us')
	jq -e '(."198.18.1.23" // 0) >= 1500000 and (."198.18.1.21" // 0) > 0 and (."198.18.1.22" // 0) > 0' \
		<<<"$rtts" >/dev/null && break
	sleep 0.25
done
check "the probes' RTTs reach the dataplane, be3's 2 s longer ($rtts)" \
	jq -e '."198.18.1.23" >= 1500000 and ."198.18.1.21" < 100000 and ."198.18.1.22" < 100000' <<<"$rtts"
# 30 queries, each a new flow from its own port, each waiting up to 3 s for its answer
# (be3's takes 2 s), one after the other.
answers=$($CL timeout 120 /usr/bin/python3 -c '
import socket
for port in range(50401, 50431):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("198.18.0.2", port))
    s.settimeout(3)
    s.sendto(b"q", ("198.18.0.100", 5353))
    try:
        print(s.recv(2048).split()[0].decode())
    except OSError:
        print("none")
    s.close()' | sort | uniq -c | awk '{ printf "%s:%s ", $2, $1 }')
be3=$(grep -o 'be3:[0-9]*' <<<"$answers" | cut -d: -f2)
total=$(grep -o 'be[123]:[0-9]*' <<<"$answers" | cut -d: -f2 | awk '{ n += $1 } END { print n + 0 }')
# p2c: be3 wins only when both draws are be3 (1 in 9, about 3 of 30); its cost stays
# above the others' RTT x (their flows + 1) for this many flows.
check "least-latency over UDP: 30 queries answered, be3 (slow probe) picked only when both draws were it ($answers)" \
	test "${total:-0}" -ge 29 -a "${be3:-0}" -le 9
$C vip del 198.18.0.100:5353/udp >/dev/null
$C pool del lat >/dev/null
kill "${UDP_PIDS[@]}" 2>/dev/null
for n in 1 2 3; do ip -n sl-be$n addr del 198.18.1.2$n/24 dev eth0; done

# A dataplane rate limit from sluicectl (docs/limits.md): sl-client held to 5 new
# connections per second; listed, in the metrics, then deleted and the client is free.
check "limit set (a dataplane limit, by name)" $C limit set web-client --algorithm token-bucket \
	--unit connections --rate 5 --burst 5 --service 198.18.0.100:80/tcp --from 198.18.0.2/32
sleep 1
got=$(ip netns exec sl-client bash -c 'end=$((SECONDS + 3)); ok=0; n=0
	while ((SECONDS < end)); do n=$((n + 1))
		curl -s -o /dev/null --connect-timeout 0.25 -m 2 http://198.18.0.100/ && ok=$((ok + 1))
	done; echo "$ok $n"')
read -r ok n <<<"$got"
# At most the burst and 3 s of the rate (5 + 15) get through, at least the burst; how
# many tries fit in 3 s depends on the machine (a refused one waits out its timeout).
check "sl-client held to 5 connections/s by it: $ok of $n in 3 s" test "$ok" -ge 5 -a "$ok" -le 21 -a "$n" -gt "$ok"
check "limit list shows it" bash -c "$C limit list | grep -q 'limit web-client .*token-bucket 5 connections/s burst 5'"
ip netns exec sl-node curl -s -m 3 http://127.0.0.1:9477/metrics >"$TMP/metrics"
check "its counters in the metrics" grep -qE '^sluice_limit_packets_total\{limit="web-client",result="over"\} [1-9]' "$TMP/metrics"
check "limit del" $C limit del web-client
got=$(ip netns exec sl-client bash -c 'end=$((SECONDS + 3)); ok=0; n=0
	while ((SECONDS < end)); do n=$((n + 1))
		curl -s -o /dev/null --connect-timeout 0.5 -m 2 http://198.18.0.100/ && ok=$((ok + 1))
	done; echo "$ok $n"')
read -r ok n <<<"$got"
# (held, a refused SYN costs its 0.25-0.5 s connect timeout: about 20 tries in 3 s)
check "and sl-client is free again: $ok of $n back-to-back connections in 3 s" \
	test "$n" -ge 40 -a "$ok" -ge $((n * 9 / 10))

# the XDP filter through sluicectl
check "block add with a TTL" $C block add 198.18.0.66/32 --ttl 60
check "the abuser is blocked" bash -c "! ip netns exec sl-abuser ping -c1 -W1 198.18.0.1"
check "block list" bash -c "$C block list | grep -q 198.18.0.66/32"
check "block del" $C block del 198.18.0.66/32
check "limit set / list / del" bash -c "$C limit set 3 --pps 100 --burst 10 && $C limit list | grep -q 'class 3' && $C limit del 3"

# a peer without permission: refused, counted, audited
chmod 0666 /run/sluice/sluiced.sock
setpriv --reuid=65534 --regid=65534 --clear-groups "$CTLBIN" status >"$TMP/out" 2>&1; rc=$?
chmod 0660 /run/sluice/sluiced.sock
check_eq "a peer without permission is refused (1): $(cat "$TMP/out")" "1 yes" \
	"$rc $(grep -q 'permission denied' "$TMP/out" && echo yes)"
check "and audited" grep -q '"uid":65534.*permission denied' /run/sluice/lab/sluiced/audit.log
check "changes are audited with who and the generation" \
	grep -q '"uid":0,"command":"backend set web 198.18.1.12:80 --state drain","ok":true' \
	/run/sluice/lab/sluiced/audit.log

# metrics
ip netns exec sl-node curl -s -m 3 http://127.0.0.1:9477/metrics >"$TMP/metrics"
check "metrics: backends, generation, dataplane and XDP counters, the refused peer" bash -c "
	grep -q '^sluice_backend_up{pool=\"web\",backend=\"198.18.1.11:80\"} 1' $TMP/metrics &&
	grep -q '^sluice_config_generation ' $TMP/metrics &&
	grep -q '^sluice_dataplane_events_total{event=\"rx\"}' $TMP/metrics &&
	grep -q '^sluice_xdp_events_total' $TMP/metrics &&
	grep -q '^sluice_sluiced_cli_refused_peer_total 1' $TMP/metrics"
finish
