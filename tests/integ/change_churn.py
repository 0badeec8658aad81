#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""change_churn.py SOCKET SECONDS CLIENTS RATE POOL BACKEND...

Backend changes to sluiced at RATE per second in all, from CLIENTS concurrent clients
(each its own connection per change, as sluicectl), for SECONDS: weights cycling 1..5
over the given backends of POOL, and every tenth change a drain or ready of the last
backend. Paced by a schedule, not by replies: a slow reply makes later changes late,
which shows as a rate below RATE. Prints one JSON line: changes made, refused, the
rate reached, reply latency p50/p99 in microseconds and the first errors.
"""
import json
import socket
import sys
import threading
import time


def call(path, req):
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(5)
    try:
        s.connect(path)
        s.sendall((json.dumps(req) + "\n").encode())
        buf = b""
        while not buf.endswith(b"\n"):
            part = s.recv(65536)
            if not part:
                break
            buf += part
    finally:
        s.close()
    return json.loads(buf)


def main():
    if len(sys.argv) < 7:
        sys.exit(__doc__)
    path, secs, conc, rate, pool = sys.argv[1], float(sys.argv[2]), int(sys.argv[3]), \
        float(sys.argv[4]), sys.argv[5]
    backends = sys.argv[6:]
    ok, refused, lat, errors = [0] * conc, [0] * conc, [[] for _ in range(conc)], []

    def client(i):
        per, k = rate / conc, 0
        t0 = time.monotonic()
        while True:
            due = t0 + k / per
            if due - t0 >= secs:
                break
            now = time.monotonic()
            if due > now:
                time.sleep(due - now)
            n = k * conc + i
            if n % 10 == 9:
                argv = ["backend", "set", pool, backends[-1], "--state",
                        "drain" if n % 20 == 9 else "ready"]
            else:
                argv = ["backend", "set", pool, backends[n % len(backends)], "--weight",
                        str(1 + n % 5)]
            t = time.monotonic()
            try:
                r = call(path, {"argv": argv})
                if r.get("ok"):
                    ok[i] += 1
                else:
                    refused[i] += 1
                    errors.append(r.get("error"))
            except (OSError, ValueError) as e:
                refused[i] += 1
                errors.append(str(e))
            lat[i].append(time.monotonic() - t)
            k += 1

    threads = [threading.Thread(target=client, args=(i,)) for i in range(conc)]
    t0 = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - t0
    lats = sorted(x for part in lat for x in part)
    pct = (lambda q: int(lats[min(len(lats) - 1, int(len(lats) * q))] * 1e6)) if lats else \
        (lambda q: None)
    print(json.dumps({"changes": sum(ok), "refused": sum(refused), "seconds": round(elapsed, 2),
                      "rate": round(sum(ok) / elapsed), "p50_us": pct(0.5), "p99_us": pct(0.99),
                      "errors": errors[:3]}))


if __name__ == "__main__":
    main()
