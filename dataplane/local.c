/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * local: ARP, neighbour discovery and echo responders for the appliance's own addresses.
 *
 * Replies are built in place: Ethernet addresses swapped (VLAN tags stay where they are),
 * IP addresses swapped, checksums recomputed in full (the frames are small, and a full
 * sum cannot inherit a bad one). Only single-segment mbufs are answered; the parser has
 * already checked every length we rely on here.
 *
 * Context: worker lcore, fast path; local_add_* on the control thread.
 */
#include <errno.h>

#include <rte_arp.h>
#include <rte_icmp.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

#include "local.h"

#define ND_NS            135
#define ND_NA            136
#define ICMP6_ECHO_REQ   128
#define ICMP6_ECHO_REPLY 129
#define ND_OPT_SLLA      1
#define ND_OPT_TLLA      2
#define ND_NA_F_SOLICITED 0x40000000u
#define ND_NA_F_OVERRIDE  0x20000000u
#define ND_HOP_LIMIT     255
#define LOCAL_TTL        64

/* ICMPv6 neighbour solicitation/advertisement body after type/code/checksum. */
struct local_nd {
	uint8_t type;
	uint8_t code;
	rte_be16_t cksum;
	rte_be32_t flags;
	uint8_t target[16];
} __rte_packed;

struct local_nd_opt_lla {
	uint8_t type;
	uint8_t len;            /* in units of 8 bytes */
	uint8_t lla[RTE_ETHER_ADDR_LEN];
} __rte_packed;

/* ICMPv6 checksum check over the pseudo-header (RFC 8200 8.1); the sum of a correct
 * message including its checksum field is 0xffff. ICMPv6 must follow the fixed header. */
static inline bool
local_icmp6_cksum_ok(const struct rte_ipv6_hdr *ip6, const void *l4, uint32_t len)
{
	uint32_t s = (uint32_t)rte_ipv6_phdr_cksum(ip6, 0) + rte_raw_cksum(l4, len);

	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return s == 0xffff;
}

int
local_add_v4(struct local_port *lp, uint32_t addr_be)
{
	if (local_v4_owned(lp, addr_be))
		return -EEXIST;
	if (lp->nb_v4 == LOCAL_ADDR_MAX)
		return -ENOSPC;
	/* the address before the count: a running worker sees all of it or nothing */
	lp->v4[lp->nb_v4] = addr_be;
	__atomic_store_n(&lp->nb_v4, (uint8_t)(lp->nb_v4 + 1), __ATOMIC_RELEASE);
	return 0;
}

/*
 * Removal never hides another address from a worker scanning the table: the last entry
 * is first copied over the one removed (a scan then finds it once or twice, and a torn
 * IPv6 copy only hides the removed address), and only after a grace period, when no scan
 * that began before the copy can still run, does the count drop.
 */
int
local_del_v4(struct local_port *lp, uint32_t addr_be, void (*grace)(void *), void *arg)
{
	unsigned int i, last = lp->nb_v4 - 1u;

	for (i = 0; i < lp->nb_v4 && lp->v4[i] != addr_be; i++)
		;
	if (i == lp->nb_v4)
		return -ENOENT;
	if (i != last) {
		__atomic_store_n(&lp->v4[i], lp->v4[last], __ATOMIC_RELEASE);
		grace(arg);
	}
	__atomic_store_n(&lp->nb_v4, (uint8_t)last, __ATOMIC_RELEASE);
	return 0;
}

int
local_del_v6(struct local_port *lp, const uint8_t *addr, void (*grace)(void *), void *arg)
{
	unsigned int i, last = lp->nb_v6 - 1u;

	for (i = 0; i < lp->nb_v6 && memcmp(lp->v6[i], addr, 16) != 0; i++)
		;
	if (i == lp->nb_v6)
		return -ENOENT;
	if (i != last) {
		memcpy(lp->v6[i], lp->v6[last], 16);
		__atomic_thread_fence(__ATOMIC_RELEASE);
		grace(arg);
	}
	__atomic_store_n(&lp->nb_v6, (uint8_t)last, __ATOMIC_RELEASE);
	return 0;
}

int
local_add_v6(struct local_port *lp, const uint8_t *addr)
{
	if (local_v6_owned(lp, addr))
		return -EEXIST;
	if (lp->nb_v6 == LOCAL_ADDR_MAX)
		return -ENOSPC;
	memcpy(lp->v6[lp->nb_v6], addr, 16);
	__atomic_store_n(&lp->nb_v6, (uint8_t)(lp->nb_v6 + 1), __ATOMIC_RELEASE);
	return 0;
}

bool
local_is_stateless(const struct rte_mbuf *m, const struct pkt_meta *meta)
{
	const uint8_t *icmp;

	if (meta->l3 == PKT_L3_ARP)
		return true;
	if (meta->l3 != PKT_L3_IPV6 || meta->l4_proto != IPPROTO_ICMPV6 ||
	    (meta->flags & PKT_F_FRAG_LATER))
		return false;
	icmp = rte_pktmbuf_mtod_offset(m, const uint8_t *, meta->l4_off);
	return icmp[0] == ND_NS || icmp[0] == ND_NA;
}

static inline void
local_eth_reply(struct rte_ether_hdr *eth, const struct rte_ether_addr *to,
		const struct rte_ether_addr *us)
{
	rte_ether_addr_copy(to, &eth->dst_addr);
	rte_ether_addr_copy(us, &eth->src_addr);
}

int
local_arp_input(const struct local_port *lp, struct rte_mbuf *m, const struct pkt_meta *meta)
{
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_arp_hdr *arp = rte_pktmbuf_mtod_offset(m, struct rte_arp_hdr *, meta->l3_off);
	struct rte_arp_ipv4 *a = &arp->arp_data;
	uint32_t tip;

	if (arp->arp_hardware != rte_cpu_to_be_16(RTE_ARP_HRD_ETHER) ||
	    arp->arp_protocol != rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4) ||
	    arp->arp_hlen != RTE_ETHER_ADDR_LEN || arp->arp_plen != 4)
		return SL_CNT_ARP_MALFORMED;
	/* Replies and gratuitous announcements will feed the neighbour table (FNAT). */
	if (arp->arp_opcode != rte_cpu_to_be_16(RTE_ARP_OP_REQUEST))
		return SL_CNT_ARP_OTHER_OP;
	if (rte_is_multicast_ether_addr(&a->arp_sha) || rte_is_zero_ether_addr(&a->arp_sha))
		return SL_CNT_ARP_MALFORMED;
	tip = a->arp_tip;
	if (!local_v4_owned(lp, tip))
		return SL_CNT_ARP_NOT_OURS;

	local_eth_reply(eth, &a->arp_sha, &lp->mac);
	arp->arp_opcode = rte_cpu_to_be_16(RTE_ARP_OP_REPLY);
	rte_ether_addr_copy(&a->arp_sha, &a->arp_tha);
	a->arp_tip = a->arp_sip;
	rte_ether_addr_copy(&lp->mac, &a->arp_sha);
	a->arp_sip = tip;
	return SL_CNT_ARP_REPLY;
}

int
local_nd_input(const struct local_port *lp, struct rte_mbuf *m, const struct pkt_meta *meta)
{
	static const uint8_t all_nodes[16] = { 0xff, 0x02, [15] = 0x01 };
	static const struct rte_ether_addr all_nodes_mac = {
		.addr_bytes = { 0x33, 0x33, 0x00, 0x00, 0x00, 0x01 } };
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_ipv6_hdr *ip6 = rte_pktmbuf_mtod_offset(m, struct rte_ipv6_hdr *,
							   meta->l3_off);
	struct local_nd *nd = rte_pktmbuf_mtod_offset(m, struct local_nd *, meta->l4_off);
	struct local_nd_opt_lla *opt;
	struct rte_ether_addr dst_mac;
	uint32_t off, new_len;
	uint8_t target[16];
	bool dad;

	/* RFC 4861 7.1.1: hop limit 255 (not forwarded), code 0, length >= 24. ND with
	 * extension headers is not something hosts send; we do not answer it. */
	if (ip6->hop_limits != ND_HOP_LIMIT || nd->code != 0 ||
	    meta->l4_len < sizeof(*nd) || (meta->flags & PKT_F_IP6_EXT))
		return SL_CNT_ND_MALFORMED;
	if (!local_icmp6_cksum_ok(ip6, nd, meta->l4_len))
		return SL_CNT_ICMP_BAD_CHECKSUM;
	/* Advertisements will feed the neighbour table (FNAT); not needed to be reached. */
	if (nd->type != ND_NS)
		return SL_CNT_ICMP6_UNHANDLED;
	if (nd->target[0] == 0xff)
		return SL_CNT_ND_MALFORMED;
	if (!local_v6_owned(lp, nd->target))
		return SL_CNT_NOT_LOCAL;

	/* Reply to the solicitor's link-layer address option if it gave one. */
	rte_ether_addr_copy(&eth->src_addr, &dst_mac);
	for (off = sizeof(*nd); off + 2 <= (uint32_t)meta->l4_len;) {
		const uint8_t *o = (const uint8_t *)nd + off;
		uint32_t olen = (uint32_t)o[1] * 8;

		if (olen == 0 || off + olen > (uint32_t)meta->l4_len)
			return SL_CNT_ND_MALFORMED;
		if (o[0] == ND_OPT_SLLA && olen >= 8)
			rte_ether_addr_copy((const struct rte_ether_addr *)(o + 2), &dst_mac);
		off += olen;
	}
	/* A duplicate address detection probe comes from ::; defend to all-nodes. */
	{
		static const uint8_t unspec[16];

		dad = memcmp(ip6->src_addr, unspec, 16) == 0;
	}
	new_len = sizeof(*nd) + sizeof(*opt);
	if (meta->l4_off + new_len > (uint32_t)(m->buf_len - m->data_off) || m->nb_segs != 1)
		return SL_CNT_ND_MALFORMED;

	memcpy(target, nd->target, 16);
	local_eth_reply(eth, dad ? &all_nodes_mac : &dst_mac, &lp->mac);
	memcpy(ip6->dst_addr, dad ? all_nodes : ip6->src_addr, 16);
	memcpy(ip6->src_addr, target, 16);
	ip6->hop_limits = ND_HOP_LIMIT;
	ip6->payload_len = rte_cpu_to_be_16((uint16_t)new_len);
	nd->type = ND_NA;
	nd->code = 0;
	nd->flags = rte_cpu_to_be_32(ND_NA_F_OVERRIDE | (dad ? 0 : ND_NA_F_SOLICITED));
	opt = (struct local_nd_opt_lla *)(nd + 1);
	opt->type = ND_OPT_TLLA;
	opt->len = 1;
	memcpy(opt->lla, lp->mac.addr_bytes, RTE_ETHER_ADDR_LEN);
	m->data_len = (uint16_t)(meta->l4_off + new_len);
	m->pkt_len = m->data_len;
	nd->cksum = 0;
	nd->cksum = rte_ipv6_udptcp_cksum(ip6, nd);
	return SL_CNT_ND_ADVERT;
}

static int
local_icmp4_echo(const struct local_port *lp, struct rte_mbuf *m, const struct pkt_meta *meta)
{
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, meta->l3_off);
	struct rte_icmp_hdr *icmp = rte_pktmbuf_mtod_offset(m, struct rte_icmp_hdr *,
							    meta->l4_off);
	uint32_t tmp;

	if (icmp->icmp_type != RTE_IP_ICMP_ECHO_REQUEST || icmp->icmp_code != 0)
		return SL_CNT_ICMP_UNHANDLED;
	if (rte_raw_cksum(icmp, meta->l4_len) != 0xffff)
		return SL_CNT_ICMP_BAD_CHECKSUM;

	local_eth_reply(eth, &eth->src_addr, &lp->mac);
	tmp = ip->src_addr;
	ip->src_addr = ip->dst_addr;
	ip->dst_addr = tmp;
	ip->time_to_live = LOCAL_TTL;
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	icmp->icmp_type = RTE_IP_ICMP_ECHO_REPLY;
	icmp->icmp_cksum = 0;
	icmp->icmp_cksum = (uint16_t)~rte_raw_cksum(icmp, meta->l4_len);
	return SL_CNT_ICMP_ECHO_REPLY;
}

static int
local_icmp6_echo(const struct local_port *lp, struct rte_mbuf *m, const struct pkt_meta *meta)
{
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_ipv6_hdr *ip6 = rte_pktmbuf_mtod_offset(m, struct rte_ipv6_hdr *,
							   meta->l3_off);
	struct rte_icmp_hdr *icmp = rte_pktmbuf_mtod_offset(m, struct rte_icmp_hdr *,
							    meta->l4_off);
	uint8_t tmp[16];

	if (icmp->icmp_type != ICMP6_ECHO_REQ || icmp->icmp_code != 0 || meta->l4_len < 8)
		return SL_CNT_ICMP6_UNHANDLED;
	/* The pseudo-header sum below assumes ICMPv6 follows the fixed header. */
	if (meta->flags & PKT_F_IP6_EXT)
		return SL_CNT_ICMP6_UNHANDLED;
	if (!local_icmp6_cksum_ok(ip6, icmp, meta->l4_len))
		return SL_CNT_ICMP_BAD_CHECKSUM;

	local_eth_reply(eth, &eth->src_addr, &lp->mac);
	memcpy(tmp, ip6->src_addr, 16);
	memcpy(ip6->src_addr, ip6->dst_addr, 16);
	memcpy(ip6->dst_addr, tmp, 16);
	ip6->hop_limits = LOCAL_TTL;
	icmp->icmp_type = ICMP6_ECHO_REPLY;
	icmp->icmp_cksum = 0;
	icmp->icmp_cksum = rte_ipv6_udptcp_cksum(ip6, icmp);
	return SL_CNT_ICMP6_ECHO_REPLY;
}

int
local_ip_input(const struct local_port *lp, struct rte_mbuf *m, const struct pkt_meta *meta)
{
	if (meta->l3 == PKT_L3_IPV4) {
		if (!local_v4_owned(lp, meta->addr.v4.dst))
			return SL_CNT_NOT_LOCAL;
	} else if (meta->l3 == PKT_L3_IPV6) {
		if (!local_v6_owned(lp, meta->addr.v6.dst))
			return SL_CNT_NOT_LOCAL;
	} else {
		return SL_CNT_ETHERTYPE;
	}
	/* Reassembly or 3-tuple pinning arrives with the load balancer (issue 4). */
	if (meta->flags & PKT_F_FRAG)
		return SL_CNT_FRAGMENT;
	if (m->nb_segs != 1)
		return SL_CNT_L4_TRUNCATED;
	switch (meta->l4_proto) {
	case IPPROTO_ICMP:
		return meta->l3 == PKT_L3_IPV4 ? local_icmp4_echo(lp, m, meta)
					       : SL_CNT_ICMP_UNHANDLED;
	case IPPROTO_ICMPV6:
		return meta->l3 == PKT_L3_IPV6 ? local_icmp6_echo(lp, m, meta)
					       : SL_CNT_ICMP6_UNHANDLED;
	default:
		/* TCP/UDP to the appliance: services (VIPs, TCP echo, KV) come later. */
		return SL_CNT_NO_SERVICE;
	}
}
