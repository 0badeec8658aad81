#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Writes the seed corpus of tests/fuzz/corpus/pkt: small valid and broken frames of every
kind the parser knows, built with the standard library only (struct)."""
import os
import socket
import struct

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus", "pkt")
US, THEM = bytes.fromhex("02534c000001"), bytes.fromhex("02534c000002")


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def eth(t, vlans=0):
    tags = b"".join(struct.pack("!HH", 0x8100, 100 + i) for i in range(vlans))
    return US + THEM + tags + struct.pack("!H", t)


def ip4(proto, payload, frag=0, opts=b""):
    hl = 20 + len(opts)
    h = struct.pack("!BBHHHBBH4s4s", 0x40 | hl // 4, 0, hl + len(payload), 1, frag, 64, proto, 0,
                    socket.inet_aton("198.18.0.2"), socket.inet_aton("198.18.0.1")) + opts
    return h[:10] + struct.pack("!H", csum(h)) + h[12:] + payload


def ip6(nh, payload):
    return struct.pack("!IHBB", 0x60000000, len(payload), nh, 64) + \
        socket.inet_pton(socket.AF_INET6, "2001:db8::2") + socket.inet_pton(socket.AF_INET6, "2001:db8::1") + payload


tcp = struct.pack("!HHIIBBHHH", 40000, 80, 1, 0, 0x50, 2, 65535, 0, 0)
udp = struct.pack("!HHHH", 1234, 53, 12, 0) + b"abcd"
icmp = struct.pack("!BBHHH", 8, 0, 0, 1, 1) + b"ping"
arp = struct.pack("!HHBBH", 1, 0x0800, 6, 4, 1) + THEM + socket.inet_aton("198.18.0.2") + b"\0" * 6 + \
    socket.inet_aton("198.18.0.1")
ns = struct.pack("!BBHI", 135, 0, 0, 0) + socket.inet_pton(socket.AF_INET6, "2001:db8::1") + b"\x01\x01" + THEM
ext = lambda nh, n=0: struct.pack("!BB", nh, n) + b"\0" * (6 + 8 * n)  # noqa: E731
frag6 = lambda nh, off, more: struct.pack("!BBHI", nh, 0, off << 3 | more, 7)  # noqa: E731

seeds = {
    "arp": eth(0x0806) + arp,
    "ip4_tcp": eth(0x0800) + ip4(6, tcp),
    "ip4_udp": eth(0x0800) + ip4(17, udp),
    "ip4_icmp": eth(0x0800) + ip4(1, icmp),
    "ip4_opts": eth(0x0800) + ip4(6, tcp, opts=b"\x01" * 8),
    "ip4_frag_first": eth(0x0800) + ip4(17, udp, frag=0x2000),
    "ip4_frag_later": eth(0x0800) + ip4(17, b"tail", frag=100),
    "vlan_ip4": eth(0x0800, 1) + ip4(17, udp),
    "qinq_ip6": eth(0x86dd, 2) + ip6(6, tcp),
    "ip6_tcp": eth(0x86dd) + ip6(6, tcp),
    "ip6_icmp": eth(0x86dd) + ip6(58, icmp),
    "ip6_ns": eth(0x86dd) + ip6(58, ns),
    "ip6_ext": eth(0x86dd) + ip6(0, ext(43, 1) + ext(60) + ext(17) + udp),
    "ip6_frag": eth(0x86dd) + ip6(44, frag6(17, 0, 1) + udp),
    "ip6_frag_later": eth(0x86dd) + ip6(44, frag6(6, 20, 0) + b"tail"),
    "runt": eth(0x0800)[:9],
    "ip4_trunc": (eth(0x0800) + ip4(6, tcp))[:30],
    "ip6_trunc": (eth(0x86dd) + ip6(6, tcp))[:50],
    "ip4_badlen": eth(0x0800) + ip4(6, tcp)[:2] + b"\x05\xdc" + ip4(6, tcp)[4:],
    "other": eth(0x88b5) + b"\0" * 46,
}

os.makedirs(OUT, exist_ok=True)
for name, frame in seeds.items():
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(frame)
print("%d seeds in %s" % (len(seeds), OUT))
