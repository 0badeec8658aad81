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
 *   a tunnel from a source the list does not allow     -> TC_ACT_SHOT, drop_source_not_allowed
 *
 * Which sources may tunnel: sl_decap_src_v4/_v6 list the balancers' addresses (16 slots
 * per family, filled with bpftool). While a family's list is empty, any source may, as
 * with a kernel tunnel whose remote is "any". Fill it on any backend reachable from
 * outside: clsact ingress runs before netfilter (even its netdev ingress hook), so no
 * firewall rule ever sees the outer header, and a spoofed tunnel would deliver any inner
 * packet to the backend's stack, past source-based rules. The outer destination is not
 * checked: a backend decapsulates what its port receives.
 *
 * VLANs: on the receive path the kernel moves an 802.1Q tag into the skb's metadata
 * before clsact ingress runs, so a tagged tunnel is decapsulated on the parent port and
 * delivered to its VLAN device as usual; attaching to the VLAN device works too.
 *
 * The outer header goes with bpf_skb_adjust_room at the MAC layer and
 * BPF_F_ADJ_ROOM_FIXED_GSO: a GRO-merged tunnel skb keeps its gso_size. Without the
 * flag the kernel grows gso_size by the outer length, as if the sender could now fill
 * bigger segments, and a forwarded skb (to a container owning the VIP, say) is then
 * re-segmented past the MTU or dropped (projectcalico/calico#11252 hit it in VXLAN
 * decap); a GRO-merged UDP skb is refused outright without the flag. 4-in-4 and 6-in-6
 * keep their L3 protocol, so the DECAP_L3 flags (6.3+) are not needed; not using them
 * keeps the program loadable on 5.x kernels.
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

#include "sluice_tc_decap_abi.h"

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, SL_DECAP__MAX);
	__type(key, __u32);
	__type(value, __u64);
} sl_decap_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, SL_DECAP_SRC_MAX);
	__type(key, __u32);
	__type(value, __u32);
} sl_decap_src_v4 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, SL_DECAP_SRC_MAX);
	__type(key, __u32);
	__type(value, struct sl_decap_src_v6);
} sl_decap_src_v6 SEC(".maps");

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

/*
 * 1 if saddr (network order) may tunnel to us: listed, or the list is empty. An array
 * scan rather than a hash, so that "empty" needs no separate count to keep in step.
 * The lookup key is a copy of the loop index: with &i itself passed to the helper, the
 * verifier (6.18) loses i's bound through the stack slot and reports an infinite loop
 * (clang 14 -O2).
 */
static __always_inline int
sl_decap_src4_ok(__u32 saddr)
{
	int listed = 0;
	__u32 i;

	for (i = 0; i < SL_DECAP_SRC_MAX; i++) {
		__u32 k = i, *a = bpf_map_lookup_elem(&sl_decap_src_v4, &k);

		if (!a || !*a)
			continue;
		if (*a == saddr)
			return 1;
		listed = 1;
	}
	return !listed;
}

static __always_inline int
sl_decap_src6_ok(const struct in6_addr *saddr)
{
	__u32 s0 = saddr->in6_u.u6_addr32[0], s1 = saddr->in6_u.u6_addr32[1];
	__u32 s2 = saddr->in6_u.u6_addr32[2], s3 = saddr->in6_u.u6_addr32[3];
	int listed = 0;
	__u32 i;

	for (i = 0; i < SL_DECAP_SRC_MAX; i++) {
		__u32 k = i;
		struct sl_decap_src_v6 *a = bpf_map_lookup_elem(&sl_decap_src_v6, &k);

		if (!a || !(a->addr[0] | a->addr[1] | a->addr[2] | a->addr[3]))
			continue;
		if (a->addr[0] == s0 && a->addr[1] == s1 && a->addr[2] == s2 && a->addr[3] == s3)
			return 1;
		listed = 1;
	}
	return !listed;
}

/* Removes outer_len bytes after the Ethernet header. */
static __always_inline int
sl_decap_strip(struct __sk_buff *skb, __u32 outer_len, int ok)
{
	if (bpf_skb_adjust_room(skb, -(__s32)outer_len, BPF_ADJ_ROOM_MAC,
				BPF_F_ADJ_ROOM_FIXED_GSO))
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
		if (!sl_decap_src4_ok(ip->saddr))
			return sl_decap_count(SL_DECAP_DROP_SOURCE, TC_ACT_SHOT);
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
		if (!sl_decap_src6_ok(&ip->saddr))
			return sl_decap_count(SL_DECAP_DROP_SOURCE, TC_ACT_SHOT);
		in = ip + 1;
		if ((void *)(in + 1) > end || ip->version != 6 || in->version != 6 ||
		    bpf_ntohs(in->payload_len) + sizeof(*in) != bpf_ntohs(ip->payload_len))
			return sl_decap_count(SL_DECAP_DROP_MALFORMED, TC_ACT_SHOT);
		return sl_decap_strip(skb, sizeof(*ip), SL_DECAP_OK_V6);
	}
	return sl_decap_count(SL_DECAP_PASS_NOT_TUNNEL, TC_ACT_OK);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
