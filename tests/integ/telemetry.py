#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""telemetry.py SOCKET COMMAND... - asks a DPDK telemetry v2 socket (SOCK_SEQPACKET; it
greets with a JSON object first) each COMMAND ("/sluice/lb", "/sluice/worker,0") and
prints one JSON object: {COMMAND: its reply's value, ...}. Exit 1 if the socket is not
there or does not answer within 5 s."""
import json
import socket
import sys


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.settimeout(5)
    try:
        s.connect(sys.argv[1])
        hello = json.loads(s.recv(65536))
        out = {}
        for cmd in sys.argv[2:]:
            s.send(cmd.encode())
            reply = json.loads(s.recv(1 << 20))
            out[cmd] = reply.get(cmd.split(",")[0]) if isinstance(reply, dict) else None
    except (OSError, ValueError) as e:
        print(json.dumps({"error": str(e)}))
        sys.exit(1)
    finally:
        s.close()
    out["max_output_len"] = hello.get("max_output_len")
    print(json.dumps(out))


if __name__ == "__main__":
    main()
