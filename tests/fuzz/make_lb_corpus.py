#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Writes the seed corpus of tests/fuzz/corpus/lb for fuzz_lb: the first byte picks the port
(even: front, odd: back), the rest is a frame the balancer must handle: SYNs and segments
to each service (fnat, dsr, dsr-ipip, IPv6), replies from a backend, ICMP and ICMPv6
errors quoting flows, fragments of both families, SYNs with MSS options."""
import os

from scapy.all import (ICMP, IP, IPv6, TCP, UDP, Ether, ICMPv6PacketTooBig,
                       ICMPv6DestUnreach, fragment, fragment6, IPv6ExtHdrFragment, raw)

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus", "lb")
E = Ether(src="02:c1:00:00:00:02", dst="02:5c:00:00:00:01")
EB = Ether(src="02:be:00:00:00:11", dst="02:5c:00:00:00:02")
C4, V4, B4, L4 = "198.18.0.2", "198.18.0.100", "198.18.1.11", "198.18.1.1"
C6, V6, B6, L6 = "2001:db8::2", "2001:db8::100", "2001:db8:1::11", "2001:db8:1::1"


def main():
    os.makedirs(OUT, exist_ok=True)
    seeds = {
        "syn80": (0, E / IP(src=C4, dst=V4) / TCP(sport=40000, dport=80, flags="S",
                                                    options=[("MSS", 1460), ("NOP", None)])),
        "ack80": (0, E / IP(src=C4, dst=V4) / TCP(sport=40000, dport=80, flags="A") / (b"x" * 40)),
        "syn81dsr": (0, E / IP(src=C4, dst=V4) / TCP(sport=40001, dport=81, flags="S")),
        "syn82ipip": (0, E / IP(src=C4, dst=V4, flags="DF") / TCP(sport=40002, dport=82, flags="S")
                      / (b"y" * 1400)),
        "udp53": (0, E / IP(src=C4, dst=V4) / UDP(sport=5000, dport=53) / b"q"),
        "reply": (1, EB / IP(src=B4, dst=L4) / TCP(sport=80, dport=1024, flags="SA")),
        "icmp_ptb": (0, E / IP(src=C4, dst=V4) / ICMP(type=3, code=4, nexthopmtu=1400)
                     / IP(src=V4, dst=C4) / TCP(sport=80, dport=40000, flags="A")),
        "icmp_unreach": (1, EB / IP(src=B4, dst=L4) / ICMP(type=3, code=3)
                         / IP(src=L4, dst=B4) / UDP(sport=1024, dport=53)),
        "syn6": (0, E / IPv6(src=C6, dst=V6) / TCP(sport=40003, dport=80, flags="S",
                                                     options=[("NOP", None), ("MSS", 1440)])),
        "icmp6_ptb": (0, E / IPv6(src=C6, dst=V6) / ICMPv6PacketTooBig(mtu=1280)
                      / IPv6(src=V6, dst=C6) / TCP(sport=80, dport=40003, flags="A")),
        "icmp6_unreach": (1, EB / IPv6(src=B6, dst=L6) / ICMPv6DestUnreach(code=4)
                          / IPv6(src=L6, dst=B6) / UDP(sport=1024, dport=53)),
    }
    for name, (port, pkt) in seeds.items():
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(bytes([port]) + raw(pkt))
    for i, fr in enumerate(fragment(IP(src=C4, dst=V4) / UDP(sport=5001, dport=53) / (b"z" * 2000),
                                    fragsize=800)):
        with open(os.path.join(OUT, "frag4_%d" % i), "wb") as f:
            f.write(b"\0" + raw(E / fr))
    for i, fr in enumerate(fragment6(IPv6(src=C6, dst=V6) / IPv6ExtHdrFragment()
                                     / UDP(sport=5001, dport=53) / (b"w" * 2000), 1000)):
        with open(os.path.join(OUT, "frag6_%d" % i), "wb") as f:
            f.write(b"\0" + raw(E / fr))


if __name__ == "__main__":
    main()
