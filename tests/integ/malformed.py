#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""
malformed IFACE DST_MAC [ROUNDS]: sends a bounded burst of malformed frames to the
appliance (dst 198.18.0.1 / 2001:db8::1, so the XDP front redirects them to the
dataplane) from the interface it runs on. Each kind is sent ROUNDS times (default 10).
Prints the kinds sent, one per line, as "NAME COUNT".
"""
import logging
import sys

logging.getLogger("scapy.runtime").setLevel(logging.ERROR)
from scapy.all import (ICMP, IP, IPv6, TCP, UDP, Dot1Q, Ether, ICMPv6EchoRequest,  # noqa: E402
                       IPv6ExtHdrDestOpt, Raw, sendp)

US4, CL4, US6, CL6 = "198.18.0.1", "198.18.0.2", "2001:db8::1", "2001:db8::2"


def frames(dst_mac):
    e = Ether(dst=dst_mac)
    ok_ip = bytes(IP(src=CL4, dst=US4) / ICMP())
    chain = IPv6ExtHdrDestOpt()
    for _ in range(8):
        chain = chain / IPv6ExtHdrDestOpt()
    return {
        "ip4_bad_checksum": e / IP(src=CL4, dst=US4, chksum=0x1234) / ICMP(),
        "ip4_bad_header": bytes(Ether(dst=dst_mac, type=0x0800)) + b"\x44" + ok_ip[1:],  # IHL 4
        "ip4_bad_length": e / IP(src=CL4, dst=US4, len=1400) / ICMP(),
        "ip6_bad_length": e / IPv6(src=CL6, dst=US6, plen=1200) / ICMPv6EchoRequest(),
        "ip6_ext_chain": e / IPv6(src=CL6, dst=US6) / chain / ICMPv6EchoRequest(),
        "tcp_bad_header": e / IP(src=CL4, dst=US4) / TCP(dport=80, dataofs=2),
        "udp_bad_length": e / IP(src=CL4, dst=US4) / UDP(dport=53, len=3),
        "icmp_bad_checksum": e / IP(src=CL4, dst=US4) / ICMP(chksum=0xbeef),
        "l4_truncated": bytes(e / IP(src=CL4, dst=US4, proto=6, len=30)) [:14 + 20] + b"\0" * 10,
    }


def main():
    iface, dst_mac = sys.argv[1], sys.argv[2]
    rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 10
    fs = frames(dst_mac)
    for name, f in fs.items():
        pkt = Ether(f) if isinstance(f, bytes) else f
        sendp([pkt] * rounds, iface=iface, verbose=False)
        print(name, rounds)


if __name__ == "__main__":
    main()
