/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-3-Clause) */
/*
 * sluice_tc_decap: the backends' half of dsr-ipip, for kernels without an ipip module.
 *
 * The balancer sends a dsr-ipip service's packets to a backend inside an outer IP header:
 * IPv4 in IPv4 (protocol 4, RFC 2003) or IPv6 in IPv6 (next header 41, RFC 2473). A
 * backend with the kernel's ipip/ip6_tunnel drivers decapsulates them itself; the lab's
 * kernel has none, and neither do many minimal hosts. This program, attached at clsact
 * ingress on the backend's interface (cls_bpf, direct-action), strips the outer header
 * so the stack sees the client's packet as if it had arrived directly: its destination
 * is the VIP on the backend's loopback, and the answer goes straight to the client.
 *
 * What it does, one packet at a time, with one exit that counts the reason:
 *   not a tunnel (any other frame)                     -> TC_ACT_OK untouched, pass_not_tunnel
 *   a well-formed tunnel                               -> outer header removed, decap_ok_v4/v6
 *   an outer fragment                                  -> TC_ACT_SHOT, drop_fragment
 *     (the balancer splits the inner datagram instead, so every piece is a whole tunnel
 *     packet; a fragmented outer header was not sent by it)
 *   bad outer or inner header (length, version)        -> TC_ACT_SHOT, drop_malformed
 * Any source may tunnel to the backend, as with a kernel tunnel whose remote is "any":
 * a backend that must accept tunnels only from its balancers says so in its firewall (or
 * nftables on the outer source) — the choice Katran's decap makes too. One 802.1Q tag in
 * front of the IP header is not looked through (backends' ports are untagged in the lab).
 *
 * Attach: tc qdisc add dev IF clsact
 *         tc filter add dev IF ingress bpf direct-action object-file sluice_tc_decap.o section tc
 * Verified with Debian 12's iproute2 (libbpf loader) and clang 14 on kernel 6.18.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/pkt_cls.h>

#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

enum sl_decap_reason {
	SL_DECAP_OK_V4,
	SL_DECAP_OK_V6,
	SL_DECAP_PASS_NOT_TUNNEL,
	SL_DECAP_DROP_MALFORMED,
	SL_DECAP_DROP_FRAGMENT,
	SL_DECAP_DROP_ADJUST,           /* the kernel refused to shrink the packet */
	SL_DECAP__MAX
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, SL_DECAP__MAX);
	__type(key, __u32);
	__type(value, __u64);
} sl_decap_stats SEC(".maps");

#define IP_MF     0x2000
#define IP_OFFSET 0x1fff

static __always_inline int
sl_decap_count(int reason, int verdict)
{
	__u32 k = (__u32)reason;
	__u64 *v = bpf_map_lookup_elem(&sl_decap_stats, &k);

	if (v)
		*v += 1;
	return verdict;
}

/* Removes outer_len bytes after the Ethernet header. */
static __always_inline int
sl_decap_strip(struct __sk_buff *skb, __u32 outer_len, int ok)
{
	if (bpf_skb_adjust_room(skb, -(__s32)outer_len, BPF_ADJ_ROOM_MAC, 0))
		return sl_decap_count(SL_DECAP_DROP_ADJUST, TC_ACT_SHOT);
	return sl_decap_count(ok, TC_ACT_OK);
}

SEC("tc")
int sl_decap(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;
	void *end = (void *)(long)skb->data_end;
	struct ethhdr *eth = data;

	if ((void *)(eth + 1) > end)
		return sl_decap_count(SL_DECAP_PASS_NOT_TUNNEL, TC_ACT_OK);
	if (eth->h_proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *ip = (void *)(eth + 1), *in;
		__u32 olen;

		if ((void *)(ip + 1) > end || ip->protocol != IPPROTO_IPIP)
			return sl_decap_count(SL_DECAP_PASS_NOT_TUNNEL, TC_ACT_OK);
		if (ip->version != 4 || ip->ihl < 5 ||
		    bpf_ntohs(ip->tot_len) < ip->ihl * 4 + sizeof(*in))
			return sl_decap_count(SL_DECAP_DROP_MALFORMED, TC_ACT_SHOT);
		if (ip->frag_off & bpf_htons(IP_MF | IP_OFFSET))
			return sl_decap_count(SL_DECAP_DROP_FRAGMENT, TC_ACT_SHOT);
		olen = ip->ihl * 4;
		in = (void *)ip + olen;
		if ((void *)(in + 1) > end || in->version != 4 || in->ihl < 5 ||
		    bpf_ntohs(in->tot_len) + olen != bpf_ntohs(ip->tot_len))
			return sl_decap_count(SL_DECAP_DROP_MALFORMED, TC_ACT_SHOT);
		return sl_decap_strip(skb, olen, SL_DECAP_OK_V4);
	}
	if (eth->h_proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip = (void *)(eth + 1), *in;

		if ((void *)(ip + 1) > end || ip->nexthdr != IPPROTO_IPV6)
			return sl_decap_count(SL_DECAP_PASS_NOT_TUNNEL, TC_ACT_OK);
		in = ip + 1;
		if ((void *)(in + 1) > end || ip->version != 6 || in->version != 6 ||
		    bpf_ntohs(in->payload_len) + sizeof(*in) != bpf_ntohs(ip->payload_len))
			return sl_decap_count(SL_DECAP_DROP_MALFORMED, TC_ACT_SHOT);
		return sl_decap_strip(skb, sizeof(*ip), SL_DECAP_OK_V6);
	}
	return sl_decap_count(SL_DECAP_PASS_NOT_TUNNEL, TC_ACT_OK);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
