#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# bench/sluiced_change.sh [CHANGES] [--json FILE] — the time from a change request to every dataplane
# worker running it (issue 5's benchmark), in the lab (deploy/lab.sh up), and the same
# change made in HAProxy through its runtime API, measured in the same run.
#
# Method: a client on sluiced's CLI socket sends CHANGES (default 500) backend weight
# changes one after the other ({"argv":["backend","set","web",...]}), each timed from
# send to the reply; and each reply's applied_us, sluiced's own measure of the issue's
# figure: from the request's arrival to the dataplane's acknowledgement (every worker
# runs it), without the persistence that the reply then still waits for. sluiced replies only after the dataplane acknowledged the new model,
# and the dataplane acknowledges only after an RCU grace period in which every worker
# passed a quiescent state: the reply means every worker runs the change. The reply also
# waits for the state file's fsync (persistence before acknowledgement). The dataplane's
# own share (its "apply_us": build + swap + grace period) is read from sluiced's metrics.
# Peer: haproxy 2.6 with a 3-server backend, "set weight" over its stats socket, same
# client, same count (HAProxy applies it in memory and persists nothing).
# Prints p50/p90/p99/max in microseconds and the changes per second sustained; then the
# rate 8 concurrent clients reach, where sluiced's group commit applies.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
n=500 json=
while (($#)); do
	case $1 in
	--json) json=${2:?--json FILE}; shift 2 ;;
	*) n=$1; shift ;;
	esac
done
[[ $n =~ ^[0-9]+$ ]] || { echo "usage: $0 [CHANGES] [--json FILE]" >&2; exit 2; }
[[ -S /run/sluice/sluiced.sock ]] || { echo "sluiced_change: bring the lab up first: deploy/lab.sh up" >&2; exit 1; }
tmp=$(mktemp -d /tmp/sl-bench-change.XXXXXX)
hap_pid=
trap '[[ -n $hap_pid ]] && kill $hap_pid 2>/dev/null; rm -rf "$tmp"' EXIT

cat >"$tmp/haproxy.cfg" <<CFG
global
    stats socket $tmp/hap.sock mode 600 level admin
defaults
    mode tcp
    timeout connect 1s
    timeout client 5s
    timeout server 5s
frontend f
    bind 127.0.0.1:18080
    default_backend web
backend web
    balance roundrobin
    server s1 127.0.0.1:18081 weight 1
    server s2 127.0.0.1:18082 weight 1
    server s3 127.0.0.1:18083 weight 1
CFG
haproxy -f "$tmp/haproxy.cfg" -db >"$tmp/haproxy.log" 2>&1 &
hap_pid=$!
for _ in $(seq 1 50); do [[ -S $tmp/hap.sock ]] && break; sleep 0.1; done

/usr/bin/python3 - "$n" "$tmp/hap.sock" "$tmp/seq.json" <<'PY'
import json, socket, statistics, sys, time
n, hap, out = int(sys.argv[1]), sys.argv[2], sys.argv[3]
results = []

def call(path, data, until=b"\n"):
    s = socket.socket(socket.AF_UNIX)
    s.connect(path)
    s.sendall(data)
    buf = b""
    while True:
        part = s.recv(65536)
        if not part:
            break
        buf += part
        if until and buf.endswith(until):
            break
    s.close()
    return buf

def run(name, make):
    lat = []
    t_all = time.perf_counter()
    for i in range(n):
        req, check = make(i)
        t0 = time.perf_counter()
        rep = call(*req)
        lat.append((time.perf_counter() - t0) * 1e6)
        if not check(rep):
            sys.exit(f"{name}: change {i} refused: {rep[:200]!r}")
    wall = time.perf_counter() - t_all
    q = statistics.quantiles(lat, n=100)
    print(f"{name:8s} n={n} p50={q[49]:.0f}us p90={q[89]:.0f}us p99={q[98]:.0f}us "
          f"max={max(lat):.0f}us rate={n / wall:.0f} changes/s")
    results.append({"system": name, "changes": n, "p50_us": round(q[49]), "p90_us": round(q[89]),
                    "p99_us": round(q[98]), "max_us": round(max(lat)),
                    "changes_per_s": round(n / wall)})

applied = []

def sluiced_ok(r):
    o = json.loads(r)
    if "applied_us" in o:
        applied.append(o["applied_us"])
    return o["ok"]

def sluiced(i):
    w = str(1 + i % 5)
    req = json.dumps({"argv": ["backend", "set", "web", "198.18.1.13:80", "--weight", w]})
    return (("/run/sluice/sluiced.sock", req.encode() + b"\n"), sluiced_ok)

def haproxy(i):
    w = str(1 + i % 5)
    return ((hap, f"set weight web/s3 {w}\n".encode(), None), lambda r: r.strip() == b"")

run("sluiced", sluiced)
# the issue's measure: from the request's arrival to every worker running it (sluiced's
# applied_us: the dataplane's acknowledgement, after its grace period), without the
# persistence's rename and directory fsync that the reply also waits for
if len(applied) == n:
    q = statistics.quantiles(applied, n=100)
    print(f"{'applied':8s} n={n} p50={q[49]:.0f}us p90={q[89]:.0f}us p99={q[98]:.0f}us "
          f"max={max(applied):.0f}us (request arrival to every worker running it)")
    results.append({"system": "sluiced, applied", "changes": n, "p50_us": round(q[49]),
                    "p90_us": round(q[89]), "p99_us": round(q[98]),
                    "max_us": round(max(applied)), "changes_per_s": results[-1]["changes_per_s"]})
else:
    print(f"applied: {len(applied)} of {n} replies said when every worker ran the change")
run("haproxy", haproxy)
json.dump(results, open(out, "w"))
PY
# Throughput with group commit: 8 clients at once, each change on its own connection
# (as sluicectl), offered at 2000 changes/s for 5 s; sluiced commits the changes that
# arrive together in one push and one write (tests/integ/change_churn.py).
c0=$("${SLUICE_BUILD:-$here/build}/controlplane/sluicectl" --json stats | jq -r .sluiced.commits)
out=$(/usr/bin/python3 "$here/tests/integ/change_churn.py" /run/sluice/sluiced.sock 5 8 2000 web \
	198.18.1.11:80 198.18.1.12:80 198.18.1.13:80)
c1=$("${SLUICE_BUILD:-$here/build}/controlplane/sluicectl" --json stats | jq -r .sluiced.commits)
echo "$out" | jq -r --arg commits "$((c1 - c0))" \
	'"sluiced, 8 clients: \(.changes) changes in \(.seconds) s = \(.rate) changes/s, \($commits) commits, refused \(.refused), p50=\(.p50_us)us p99=\(.p99_us)us"'
"${SLUICE_BUILD:-$here/build}/controlplane/sluicectl" backend set web 198.18.1.13:80 --state ready >/dev/null
apply=$(ip netns exec sl-node curl -s -m 3 http://127.0.0.1:9477/metrics |
	awk '/^sluice_dataplane_apply_seconds /{printf "%.0f", $2 * 1e6}')
echo "the dataplane's share of the last change (build, swap, grace period): ${apply} us"
if [[ -n $json ]]; then
	jq -n --slurpfile seq "$tmp/seq.json" --argjson group "$out" --arg commits "$((c1 - c0))" \
		--arg apply "${apply:-0}" \
		'{benchmark: "change_latency",
		  method: "one client: a change request to its reply (every worker runs it, the state fsynced); haproxy: set weight over its stats socket, same client",
		  results: $seq[0],
		  group_commit: ($group + {clients: 8, commits: ($commits | tonumber)}),
		  dataplane_apply_us: ($apply | tonumber)}' >"$json"
fi
"$here/build/controlplane/sluicectl" backend set web 198.18.1.13:80 --weight 1 >/dev/null 2>&1 ||
	"${SLUICE_BUILD:-$here/build}/controlplane/sluicectl" backend set web 198.18.1.13:80 --weight 1 >/dev/null
