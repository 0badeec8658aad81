#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""
pcap_replay: the whole worker path without a NIC or root networking.

scapy writes a capture of requests and malformed frames; sluice-dataplane replays it
through a pcap port (rx=IN, tx=OUT) with --no-huge; scapy then checks every reply in OUT
(addresses, MACs, checksums recomputed independently) and the control socket's counters
(each malformed frame dropped with its reason). Prints ok/not ok lines for tests/run.sh.
"""
import atexit
import json
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

from scapy.all import (ARP, ICMP, IP, IPv6, TCP, UDP, Dot1Q, Ether, ICMPv6EchoReply,
                       ICMPv6EchoRequest, ICMPv6ND_NA, ICMPv6ND_NS, ICMPv6NDOptDstLLAddr,
                       ICMPv6NDOptSrcLLAddr, IPv6ExtHdrDestOpt, Raw, rdpcap, wrpcap)

logging.getLogger("scapy.runtime").setLevel(logging.ERROR)

US_MAC = "02:53:4c:00:00:01"
CL_MAC = "02:53:4c:00:00:02"
US4, CL4 = "198.18.0.1", "198.18.0.2"
US6, CL6 = "2001:db8::1", "2001:db8::2"

results = []


def report(ok, name, why=""):
    results.append(ok)
    print(("ok - %s" % name) if ok else ("not ok - %s: %s" % (name, why)), flush=True)


def ctl(path, cmd):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(3)
    s.connect(path)
    s.sendall((json.dumps({"cmd": cmd}) + "\n").encode())
    buf = b""
    while not buf.endswith(b"\n"):
        chunk = s.recv(65536)
        if not chunk:
            break
        buf += chunk
    s.close()
    return json.loads(buf)


def requests():
    e = Ether(src=CL_MAC, dst=US_MAC)
    frames = [
        ("arp", Ether(src=CL_MAC, dst="ff:ff:ff:ff:ff:ff") / ARP(op=1, hwsrc=CL_MAC, psrc=CL4, pdst=US4)),
        ("arp_other", Ether(src=CL_MAC, dst="ff:ff:ff:ff:ff:ff") / ARP(op=1, hwsrc=CL_MAC, psrc=CL4, pdst="198.18.0.9")),
        ("ping4", e / IP(src=CL4, dst=US4) / ICMP(id=7, seq=1) / Raw(b"sluice-ping-v4")),
        ("ping4_vlan", Ether(src=CL_MAC, dst=US_MAC) / Dot1Q(vlan=42) / IP(src=CL4, dst=US4) / ICMP(id=8, seq=2) / Raw(b"x" * 20)),
        ("ping6", e / IPv6(src=CL6, dst=US6) / ICMPv6EchoRequest(id=9, seq=3, data=b"sluice-ping-v6")),
        ("ns", Ether(src=CL_MAC, dst="33:33:ff:00:00:01") / IPv6(src=CL6, dst="ff02::1:ff00:1", hlim=255)
         / ICMPv6ND_NS(tgt=US6) / ICMPv6NDOptSrcLLAddr(lladdr=CL_MAC)),
        ("ns_dad", Ether(src=CL_MAC, dst="33:33:ff:00:00:01") / IPv6(src="::", dst="ff02::1:ff00:1", hlim=255)
         / ICMPv6ND_NS(tgt=US6)),
    ]
    bad = [
        ("ip4_bad_checksum", e / IP(src=CL4, dst=US4, chksum=0x1234) / ICMP()),
        ("ip4_bad_header", bytes(e / IP(src=CL4, dst=US4) / ICMP())[:14] + b"\x44" + bytes(IP(src=CL4, dst=US4) / ICMP())[1:]),
        ("ip4_bad_length", e / IP(src=CL4, dst=US4, len=1400) / ICMP()),
        ("ip6_bad_length", e / IPv6(src=CL6, dst=US6, plen=900) / ICMPv6EchoRequest()),
        ("ip6_ext_chain", e / IPv6(src=CL6, dst=US6) / (IPv6ExtHdrDestOpt() / IPv6ExtHdrDestOpt() / IPv6ExtHdrDestOpt()
                                                       / IPv6ExtHdrDestOpt() / IPv6ExtHdrDestOpt() / IPv6ExtHdrDestOpt()
                                                       / IPv6ExtHdrDestOpt() / IPv6ExtHdrDestOpt() / IPv6ExtHdrDestOpt())
         / ICMPv6EchoRequest()),
        ("tcp_bad_header", e / IP(src=CL4, dst=US4) / TCP(dataofs=2)),
        ("udp_bad_length", e / IP(src=CL4, dst=US4) / UDP(len=3)),
        ("vlan_too_deep", e / Dot1Q(vlan=1) / Dot1Q(vlan=2) / Dot1Q(vlan=3) / IP(src=CL4, dst=US4) / ICMP()),
        ("arp_malformed", Ether(src=CL_MAC, dst="ff:ff:ff:ff:ff:ff") / ARP(hwlen=8, psrc=CL4, pdst=US4)),
        ("unknown_ethertype", Ether(src=CL_MAC, dst=US_MAC, type=0x88b5) / Raw(b"\0" * 46)),
        ("l2_truncated", bytes(e)[:10]),
        ("icmp_bad_checksum", e / IP(src=CL4, dst=US4) / ICMP(chksum=0xbeef)),
        ("not_local", e / IP(src=CL4, dst="198.18.0.9") / ICMP()),
        ("no_service", e / IP(src=CL4, dst=US4) / UDP(sport=1234, dport=9)),
        ("l2_other_host", Ether(src=CL_MAC, dst="02:00:00:00:00:99") / IP(src=CL4, dst=US4) / ICMP()),
        ("nd_malformed", Ether(src=CL_MAC, dst="33:33:ff:00:00:01") / IPv6(src=CL6, dst="ff02::1:ff00:1", hlim=64)
         / ICMPv6ND_NS(tgt=US6)),
    ]
    return frames, bad


def main():
    dp = os.path.join(os.environ.get("SLUICE_BUILD", "build"), "dataplane", "sluice-dataplane")
    if not os.access(dp, os.X_OK):
        report(False, "pcap replay", "no dataplane binary at %s" % dp)
        return 1
    frames, bad = requests()
    tmp = tempfile.mkdtemp(prefix="sl-pcap-")
    atexit.register(shutil.rmtree, tmp, True)      # early failures too
    fin, fout, sock = os.path.join(tmp, "in.pcap"), os.path.join(tmp, "out.pcap"), os.path.join(tmp, "dp.sock")
    pkts = []
    for _, f in frames + bad:
        pkts.append(Raw(load=f) if isinstance(f, bytes) else f)
    wrpcap(fin, pkts, linktype=1)  # Ethernet, also for the raw runt frames
    cmd = [dp, "--no-pci", "--no-huge", "--no-shconf", "-m", "256", "-l", "0,1", "--log-level=*:error", "--",
           "--port", "t=pcap:rx=%s,tx=%s,mac=%s" % (fin, fout, US_MAC),
           "--addr", "t=" + US4, "--addr", "t=" + US6, "--ctl", sock]
    # The dataplane runs the filter's policy on this port and pins its maps under
    # /sys/fs/bpf: give it a private mount namespace with a bpffs of its own, so the
    # node's is never touched (unshare and sh exec: the PID stays the dataplane's).
    cmd = ["unshare", "-m", "--propagation", "private", "sh", "-c",
           'mount -t bpf bpf /sys/fs/bpf && exec "$@"', "sh"] + cmd
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    stats = None
    try:
        deadline = time.time() + 30
        while time.time() < deadline and proc.poll() is None:
            try:
                stats = ctl(sock, "stats")
                if stats["counters"]["rx"] >= len(pkts):
                    break
            except (OSError, ValueError, KeyError):
                pass
            time.sleep(0.2)
        time.sleep(0.3)
        stats = ctl(sock, "stats") if proc.poll() is None else stats
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
        try:
            out, _ = proc.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, _ = proc.communicate()
    report(proc.returncode == 0, "dataplane exits 0 on SIGTERM", "exit %s: %s" % (proc.returncode, out[-500:]))
    if not stats:
        report(False, "stats", "no answer on the control socket: %s" % out[-500:])
        return 1
    c = stats["counters"]
    report(c["rx"] == len(pkts), "every frame received", "rx=%d of %d" % (c["rx"], len(pkts)))
    for name, _ in bad:
        report(c.get(name, 0) >= 1, "malformed frame counted as %s" % name, "counter is %d" % c.get(name, 0))
    report(c.get("arp_not_ours", 0) == 1, "arp for another host dropped as arp_not_ours", str(c.get("arp_not_ours")))

    replies = rdpcap(fout) if os.path.exists(fout) else []
    report(len(replies) == 6 and c["tx"] == 6, "six replies transmitted", "%d in pcap, tx=%d" % (len(replies), c["tx"]))
    by = {}
    for r in replies:
        if ARP in r:
            by["arp"] = r
        elif ICMPv6ND_NA in r:
            by["na_dad" if r[IPv6].dst == "ff02::1" else "na"] = r
        elif ICMPv6EchoReply in r:
            by["ping6"] = r
        elif ICMP in r:
            by["ping4_vlan" if Dot1Q in r else "ping4"] = r

    def chk(name, cond, why):
        report(bool(cond), name, why)

    a = by.get("arp")
    chk("arp reply", a is not None and a[ARP].op == 2 and a[ARP].hwsrc == US_MAC and a[ARP].psrc == US4
        and a[ARP].hwdst == CL_MAC and a[ARP].pdst == CL4 and a[Ether].dst == CL_MAC and a[Ether].src == US_MAC,
        repr(a))
    for key, ident, payload in (("ping4", 7, b"sluice-ping-v4"), ("ping4_vlan", 8, b"x" * 20)):
        p = by.get(key)
        ok = p is not None and p[ICMP].type == 0 and p[IP].src == US4 and p[IP].dst == CL4 and p[ICMP].id == ident
        if ok:
            raw = p.copy()
            want_ip, want_icmp = raw[IP].chksum, raw[ICMP].chksum
            del raw[IP].chksum
            del raw[ICMP].chksum
            raw = Ether(bytes(raw))
            ok = raw[IP].chksum == want_ip and raw[ICMP].chksum == want_icmp and bytes(p[ICMP].payload) == payload
            if key == "ping4_vlan":
                ok = ok and p[Dot1Q].vlan == 42
        chk("icmp echo reply (%s) with valid checksums" % key, ok, repr(p))
    p = by.get("ping6")
    ok = p is not None and p[IPv6].src == US6 and p[IPv6].dst == CL6 and p[ICMPv6EchoReply].id == 9
    if ok:
        want = p[ICMPv6EchoReply].cksum
        raw = p.copy()
        del raw[ICMPv6EchoReply].cksum
        ok = Ether(bytes(raw))[ICMPv6EchoReply].cksum == want and p[ICMPv6EchoReply].data == b"sluice-ping-v6"
    chk("icmpv6 echo reply with a valid checksum", ok, repr(p))
    n = by.get("na")
    ok = n is not None and n[ICMPv6ND_NA].tgt == US6 and n[ICMPv6ND_NA].S == 1 and n[ICMPv6ND_NA].O == 1 \
        and n[IPv6].dst == CL6 and n[IPv6].hlim == 255 and n[Ether].dst == CL_MAC \
        and ICMPv6NDOptDstLLAddr in n and n[ICMPv6NDOptDstLLAddr].lladdr == US_MAC
    if ok:
        want = n[ICMPv6ND_NA].cksum
        raw = n.copy()
        del raw[ICMPv6ND_NA].cksum
        ok = Ether(bytes(raw))[ICMPv6ND_NA].cksum == want
    chk("neighbour advertisement (solicited, override, TLLA, checksum)", ok, repr(n))
    d = by.get("na_dad")
    chk("duplicate address detection defended to all-nodes", d is not None and d[ICMPv6ND_NA].S == 0
        and d[Ether].dst == "33:33:00:00:00:01", repr(d))
    for f in (fin, fout, sock):
        if os.path.exists(f):
            os.unlink(f)
    os.rmdir(tmp)
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
