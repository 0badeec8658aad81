/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-3-Clause) */
/*
 * sluice_xdp: the XDP program in front of every af_xdp port.
 *
 * Loaded by DPDK's net_af_xdp PMD through its xdp_prog= argument, so it must contain an
 * XSKMAP named xsks_map. For now it is the minimal front: traffic addressed to the
 * appliance (IPv4/IPv6 destination in sl_local_v4/v6, ARP and neighbour discovery whose
 * target is such an address) is redirected to the queue's XSK; everything else — the
 * node's management traffic, other hosts' broadcasts — passes to the kernel untouched.
 * The blocklist, per-source limits and auto-ban stages land in front of this decision.
 *
 * The address maps and counters are pinned by name (LIBBPF_PIN_BY_NAME) so the control
 * side owns them across dataplane restarts; xsks_map is deliberately not pinned: its
 * entries are socket fds of one dataplane process and one interface.
 *
 * Context: kernel XDP hook, per packet, per CPU.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/icmpv6.h>
#include <linux/in.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "parsing.h"
#include "sl_reasons.h"
#include "sluice_xdp_abi.h"

struct {
	__uint(type, BPF_MAP_TYPE_XSKMAP);
	__uint(max_entries, SL_XDP_XSK_MAX);
	__type(key, __u32);
	__type(value, __u32);
} xsks_map SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, SL_XDP_LOCAL_MAX);
	__type(key, __u32);
	__type(value, struct sl_local_val);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} sl_local_v4 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, SL_XDP_LOCAL_MAX);
	__type(key, struct sl_local_v6_key);
	__type(value, struct sl_local_val);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} sl_local_v6 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, SL_CNT__MAX);
	__type(key, __u32);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} sl_xdp_stats SEC(".maps");

/* ARP over Ethernet/IPv4, the only kind we answer. */
struct sl_arp_eth_ipv4 {
	__be16 htype;
	__be16 ptype;
	__u8 hlen;
	__u8 plen;
	__be16 op;
	__u8 sha[ETH_ALEN];
	__be32 spa;
	__u8 tha[ETH_ALEN];
	__be32 tpa;
} __attribute__((packed));

/* ICMPv6 neighbour solicitation/advertisement (RFC 4861): header, flags, target. */
#define SL_ND_SOLICIT 135
#define SL_ND_ADVERT  136
struct sl_nd_msg {
	struct icmp6hdr icmp;
	struct in6_addr target;
};

static __always_inline int sl_count(__u32 reason, int verdict)
{
	__u64 *v = bpf_map_lookup_elem(&sl_xdp_stats, &reason);

	if (v)
		*v += 1;
	return verdict;
}

static __always_inline int sl_is_local_v4(__be32 addr)
{
	__u32 key = addr;

	return bpf_map_lookup_elem(&sl_local_v4, &key) != NULL;
}

static __always_inline int sl_is_local_v6(const struct in6_addr *addr)
{
	struct sl_local_v6_key key;

	__builtin_memcpy(key.addr, addr, sizeof(key.addr));
	return bpf_map_lookup_elem(&sl_local_v6, &key) != NULL;
}

/* Returns 1 if the frame is for the appliance, 0 if it belongs to the kernel. */
static __always_inline int sl_for_appliance(struct sl_cursor *c, __be16 proto)
{
	if (proto == bpf_htons(ETH_P_ARP)) {
		struct sl_arp_eth_ipv4 *arp = sl_pull(c, sizeof(*arp));

		return arp && sl_is_local_v4(arp->tpa);
	}
	if (proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *ip = sl_pull(c, sizeof(*ip));

		return ip && sl_is_local_v4(ip->daddr);
	}
	if (proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = sl_pull(c, sizeof(*ip6));
		struct sl_nd_msg *nd;

		if (!ip6)
			return 0;
		if (sl_is_local_v6(&ip6->daddr))
			return 1;
		/* Solicitations go to a solicited-node multicast group: look at the target.
		 * Only when ICMPv6 follows the fixed header directly; ND never carries
		 * extension headers (RFC 4861 section 7.1.1 requires hop limit 255, and
		 * the dataplane validates the rest). */
		if (ip6->nexthdr != IPPROTO_ICMPV6)
			return 0;
		nd = sl_pull(c, sizeof(*nd));
		if (!nd)
			return 0;
		if (nd->icmp.icmp6_type != SL_ND_SOLICIT &&
		    nd->icmp.icmp6_type != SL_ND_ADVERT)
			return 0;
		return sl_is_local_v6(&nd->target);
	}
	return 0;
}

SEC("xdp")
int sluice_xdp(struct xdp_md *ctx)
{
	struct sl_cursor c = {
		.pos = (void *)(long)ctx->data,
		.end = (void *)(long)ctx->data_end,
	};
	int why = 0;
	__be16 proto = sl_parse_eth(&c, &why);

	if (!proto)
		return sl_count(why == 2 ? SL_CNT_VLAN_TOO_DEEP : SL_CNT_L2_TRUNCATED, XDP_PASS);
	if (!sl_for_appliance(&c, proto))
		return sl_count(SL_CNT_XDP_PASS, XDP_PASS);
	/* With no XSK bound on this queue the frame falls back to the kernel. */
	return sl_count(SL_CNT_XDP_REDIRECT,
			bpf_redirect_map(&xsks_map, ctx->rx_queue_index, XDP_PASS));
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
