#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""
owner_predict SRC DST WORKERS: prints the worker that owns the port-less flow SRC<->DST,
computed independently of the dataplane: the Microsoft RSS Toeplitz hash with the
symmetric key (0x6d5a repeated) over src, dst and two zero ports, then (hash % 128) %
WORKERS — a NIC's default redirection table.
"""
import ipaddress
import sys

KEY = bytes([0x6d, 0x5a] * 20)


def toeplitz(data):
    key = int.from_bytes(KEY, "big")
    keybits = len(KEY) * 8
    h = 0
    for i, byte in enumerate(data):
        for b in range(8):
            if byte & (0x80 >> b):
                shift = keybits - 32 - (i * 8 + b)
                h ^= (key >> shift) & 0xffffffff
    return h


def main():
    src, dst, workers = ipaddress.ip_address(sys.argv[1]), ipaddress.ip_address(sys.argv[2]), int(sys.argv[3])
    data = src.packed + dst.packed + b"\0\0\0\0"
    print((toeplitz(data) % 128) % workers)


if __name__ == "__main__":
    main()
