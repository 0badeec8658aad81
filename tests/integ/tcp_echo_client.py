#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""tcp_echo_client.py MODE ADDR PORT [ARGS] — Linux clients of the appliance's TCP echo
(tests/integ/test_tcp.sh). Prints one JSON object; exits 0 even when the check fails
(the test reads the JSON), 2 on bad usage.

  bytes N        one connection: N random bytes sent, the write side shut, everything
                 read back to EOF; SHA-256 both ways compared
  concurrent K N K connections at once, N bytes each, through select()
  reset N        a connection that sends N bytes then resets (SO_LINGER 0)
"""
import hashlib
import json
import os
import select
import socket
import struct
import sys
import time


def connect(addr, port, timeout=5):
    fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.connect((addr, port))
    return s


def one(addr, port, n):
    data = os.urandom(n)
    t0 = time.monotonic()
    s = connect(addr, port)
    got = bytearray()
    sent = 0
    s.setblocking(False)
    deadline = t0 + 30
    shut = False
    while time.monotonic() < deadline:
        want_w = [s] if sent < n else []
        r, w, _ = select.select([s], want_w, [], 1.0)
        if w:
            sent += s.send(data[sent:sent + 65536])
        if sent == n and not shut:
            s.shutdown(socket.SHUT_WR)
            shut = True
        if r:
            chunk = s.recv(1 << 20)
            if not chunk:
                break
            got += chunk
    s.close()
    return {"sent": n, "received": len(got), "seconds": round(time.monotonic() - t0, 3),
            "same": hashlib.sha256(data).hexdigest() == hashlib.sha256(got).hexdigest()}


def concurrent(addr, port, k, n):
    socks, want, got, done = [], {}, {}, 0
    for _ in range(k):
        s = connect(addr, port)
        d = os.urandom(n)
        s.sendall(d)
        s.shutdown(socket.SHUT_WR)
        s.setblocking(False)
        socks.append(s)
        want[s] = d
        got[s] = bytearray()
    deadline = time.monotonic() + 30
    open_ = set(socks)
    while open_ and time.monotonic() < deadline:
        r, _, _ = select.select(list(open_), [], [], 1.0)
        for s in r:
            chunk = s.recv(65536)
            if not chunk:
                open_.discard(s)
                continue
            got[s] += chunk
    ok = sum(1 for s in socks if bytes(got[s]) == want[s])
    for s in socks:
        s.close()
    return {"connections": k, "bytes_each": n, "echoed_whole": ok, "unfinished": len(open_)}


def reset(addr, port, n):
    s = connect(addr, port)
    s.sendall(os.urandom(n))
    time.sleep(0.2)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.close()
    return {"reset": True}


def main():
    if len(sys.argv) < 5:
        print(__doc__, file=sys.stderr)
        return 2
    mode, addr, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
    try:
        if mode == "bytes":
            out = one(addr, port, int(sys.argv[4]))
        elif mode == "concurrent":
            out = concurrent(addr, port, int(sys.argv[4]), int(sys.argv[5]))
        elif mode == "reset":
            out = reset(addr, port, int(sys.argv[4]))
        else:
            print(__doc__, file=sys.stderr)
            return 2
    except OSError as e:
        out = {"error": str(e)}
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
