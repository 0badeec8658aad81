/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pkt_fp: the dataplane's packet parser.
 *
 * One pass over the first segment of a frame fills a struct pkt_meta with the offsets
 * and fields every later stage needs (owner hash, classifier, responders, NAT), so no
 * stage re-parses. It never trusts a length field: every header is checked against the
 * bytes actually present, IPv4 and IPv6 length fields against the frame, and the result
 * is either SL_CNT_OK or the counter that names why the frame is dropped.
 *
 * Pure: it reads a byte buffer and writes the meta, so unit tests and the fuzzer run it
 * without EAL.
 *
 * Context: worker lcore, fast path (inlined).
 */
#ifndef SL_PKT_FP_H
#define SL_PKT_FP_H

#include <stdint.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_branch_prediction.h>
#include <rte_ether.h>
#include <rte_arp.h>
#include <rte_ip.h>
#include <rte_tcp.h>
#include <rte_udp.h>
#include <rte_icmp.h>

#include "sl_reasons.h"

#define PKT_VLAN_MAX      2
#define PKT_IP6_EXT_MAX   8     /* extension headers walked before giving up */

enum pkt_l3 {
	PKT_L3_NONE = 0,
	PKT_L3_ARP,
	PKT_L3_IPV4,
	PKT_L3_IPV6,
};

#define PKT_F_FRAG        0x01  /* any fragment (first or not) */
#define PKT_F_FRAG_LATER  0x02  /* a non-first fragment: no L4 header */
#define PKT_F_IP4_OPTS    0x04
#define PKT_F_IP6_EXT     0x08

#ifndef IPPROTO_ICMPV6
#define IPPROTO_ICMPV6 58
#endif

struct pkt_meta {
	uint16_t l3_off;        /* after Ethernet and VLAN tags */
	uint16_t l4_off;        /* after the IPv4 options / IPv6 extension headers */
	uint16_t l4_len;        /* L4 bytes per the IP length fields (<= bytes present) */
	uint16_t ethertype;     /* inner EtherType, host order */
	uint8_t l3;             /* enum pkt_l3 */
	uint8_t l4_proto;       /* IPPROTO_*, final next header for IPv6 */
	uint8_t flags;          /* PKT_F_* */
	uint8_t nb_vlan;
	uint16_t vlan_tci[PKT_VLAN_MAX];
	uint16_t sport;         /* network order; 0 when not TCP/UDP */
	uint16_t dport;
	union {
		struct {
			uint32_t src;   /* network order */
			uint32_t dst;
		} v4;
		struct {
			uint8_t src[16];
			uint8_t dst[16];
		} v6;
	} addr;
};

struct pkt_vlan_hdr {
	rte_be16_t tci;
	rte_be16_t proto;
} __rte_packed;

static inline int
pkt_parse_l4(const uint8_t *l4, uint32_t avail, struct pkt_meta *m)
{
	m->sport = 0;
	m->dport = 0;
	if (m->flags & PKT_F_FRAG_LATER)
		return SL_CNT_OK;
	switch (m->l4_proto) {
	case IPPROTO_TCP: {
		const struct rte_tcp_hdr *th = (const struct rte_tcp_hdr *)l4;
		uint32_t doff;

		if (avail < sizeof(*th))
			return SL_CNT_L4_TRUNCATED;
		doff = (uint32_t)(th->data_off >> 4) * 4;
		if (doff < sizeof(*th) || doff > avail)
			return SL_CNT_TCP_BAD_HEADER;
		m->sport = th->src_port;
		m->dport = th->dst_port;
		return SL_CNT_OK;
	}
	case IPPROTO_UDP: {
		const struct rte_udp_hdr *uh = (const struct rte_udp_hdr *)l4;
		uint32_t ulen;

		if (avail < sizeof(*uh))
			return SL_CNT_L4_TRUNCATED;
		ulen = rte_be_to_cpu_16(uh->dgram_len);
		/* A first fragment carries only part of the datagram. */
		if (ulen < sizeof(*uh) || (!(m->flags & PKT_F_FRAG) && ulen > avail))
			return SL_CNT_UDP_BAD_LENGTH;
		m->sport = uh->src_port;
		m->dport = uh->dst_port;
		return SL_CNT_OK;
	}
	case IPPROTO_ICMP:
		/* type, code, checksum, and the 4-byte rest of header (echo id/seq) */
		return avail < 8 ? SL_CNT_L4_TRUNCATED : SL_CNT_OK;
	case IPPROTO_ICMPV6:
		return avail < 4 ? SL_CNT_L4_TRUNCATED : SL_CNT_OK;
	default:
		return SL_CNT_OK;
	}
}

static inline int
pkt_parse_ipv4(const uint8_t *p, uint32_t avail, struct pkt_meta *m)
{
	const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)p;
	uint32_t ihl, tot;
	uint16_t frag;

	if (unlikely(avail < sizeof(*ip)))
		return SL_CNT_IP4_TRUNCATED;
	if (unlikely((ip->version_ihl >> 4) != 4))
		return SL_CNT_IP4_BAD_HEADER;
	ihl = (uint32_t)(ip->version_ihl & 0xf) * 4;
	if (unlikely(ihl < sizeof(*ip)))
		return SL_CNT_IP4_BAD_HEADER;
	if (unlikely(ihl > avail))
		return SL_CNT_IP4_TRUNCATED;
	tot = rte_be_to_cpu_16(ip->total_length);
	/* Ethernet pads short frames, so bytes beyond total_length are allowed. */
	if (unlikely(tot < ihl || tot > avail))
		return SL_CNT_IP4_BAD_LENGTH;
	/* The header checksum sums to 0xffff over a correct header. */
	if (unlikely(rte_raw_cksum(ip, ihl) != 0xffff))
		return SL_CNT_IP4_BAD_CHECKSUM;
	if (ihl > sizeof(*ip))
		m->flags |= PKT_F_IP4_OPTS;
	frag = rte_be_to_cpu_16(ip->fragment_offset);
	if (frag & (RTE_IPV4_HDR_MF_FLAG | RTE_IPV4_HDR_OFFSET_MASK)) {
		m->flags |= PKT_F_FRAG;
		if (frag & RTE_IPV4_HDR_OFFSET_MASK)
			m->flags |= PKT_F_FRAG_LATER;
	}
	m->l3 = PKT_L3_IPV4;
	m->l4_proto = ip->next_proto_id;
	m->l4_off = (uint16_t)(m->l3_off + ihl);
	m->l4_len = (uint16_t)(tot - ihl);
	m->addr.v4.src = ip->src_addr;
	m->addr.v4.dst = ip->dst_addr;
	return pkt_parse_l4(p + ihl, tot - ihl, m);
}

static inline int
pkt_parse_ipv6(const uint8_t *p, uint32_t avail, struct pkt_meta *m)
{
	const struct rte_ipv6_hdr *ip6 = (const struct rte_ipv6_hdr *)p;
	uint32_t plen, off = sizeof(*ip6), end;
	uint8_t nh;
	int i;

	if (unlikely(avail < sizeof(*ip6)))
		return SL_CNT_IP6_TRUNCATED;
	if (unlikely((rte_be_to_cpu_32(ip6->vtc_flow) >> 28) != 6))
		return SL_CNT_IP6_BAD_HEADER;
	plen = rte_be_to_cpu_16(ip6->payload_len);
	/* payload_len 0 means a jumbogram (RFC 2675): never on our MTUs. */
	if (unlikely(plen == 0 || plen > avail - sizeof(*ip6)))
		return SL_CNT_IP6_BAD_LENGTH;
	end = sizeof(*ip6) + plen;
	nh = ip6->proto;
	/* Up to PKT_IP6_EXT_MAX extension headers are walked; the header after them must be
	 * the upper layer. i == PKT_IP6_EXT_MAX is the look at that last header. */
	for (i = 0; i <= PKT_IP6_EXT_MAX; i++) {
		uint32_t hlen;
		bool later = false;

		if (i == PKT_IP6_EXT_MAX && (nh == IPPROTO_HOPOPTS || nh == IPPROTO_ROUTING ||
					      nh == IPPROTO_DSTOPTS || nh == IPPROTO_AH ||
					      nh == IPPROTO_FRAGMENT))
			return SL_CNT_IP6_EXT_CHAIN;
		switch (nh) {
		case IPPROTO_HOPOPTS:
		case IPPROTO_ROUTING:
		case IPPROTO_DSTOPTS:
			if (off + 2 > end)
				return SL_CNT_IP6_TRUNCATED;
			hlen = ((uint32_t)p[off + 1] + 1) * 8;
			break;
		case IPPROTO_AH:
			if (off + 2 > end)
				return SL_CNT_IP6_TRUNCATED;
			hlen = ((uint32_t)p[off + 1] + 2) * 4;
			break;
		case IPPROTO_FRAGMENT: {
			uint16_t fo;

			if (off + 8 > end)
				return SL_CNT_IP6_TRUNCATED;
			memcpy(&fo, p + off + 2, sizeof(fo));
			fo = rte_be_to_cpu_16(fo);
			m->flags |= PKT_F_FRAG;
			/* In a non-first fragment what follows is the middle of the
			 * fragmentable part (RFC 8200 4.5), not a header to walk. */
			later = (fo & 0xfff8) != 0;
			if (later)
				m->flags |= PKT_F_FRAG_LATER;
			hlen = 8;
			break;
		}
		default:
			goto done;
		}
		if (off + hlen > end)
			return SL_CNT_IP6_TRUNCATED;
		m->flags |= PKT_F_IP6_EXT;
		nh = p[off];
		off += hlen;
		if (later)
			goto done;
	}
	return SL_CNT_IP6_EXT_CHAIN;        /* not reached: the last pass returns or jumps */
done:
	m->l3 = PKT_L3_IPV6;
	m->l4_proto = nh;
	m->l4_off = (uint16_t)(m->l3_off + off);
	m->l4_len = (uint16_t)(end - off);
	memcpy(m->addr.v6.src, ip6->src_addr, 16);
	memcpy(m->addr.v6.dst, ip6->dst_addr, 16);
	return pkt_parse_l4(p + off, end - off, m);
}

/*
 * Parses len bytes at data (the first segment of a frame) into *m.
 * Returns SL_CNT_OK, or the drop counter that says what is wrong with the frame.
 * Context: any thread; pure.
 */
static inline int
pkt_parse(const uint8_t *data, uint32_t len, struct pkt_meta *m)
{
	const struct rte_ether_hdr *eth = (const struct rte_ether_hdr *)data;
	uint32_t off = sizeof(*eth);
	uint16_t et;

	memset(m, 0, sizeof(*m));
	if (unlikely(len < sizeof(*eth)))
		return SL_CNT_L2_TRUNCATED;
	et = rte_be_to_cpu_16(eth->ether_type);
	while (et == RTE_ETHER_TYPE_VLAN || et == RTE_ETHER_TYPE_QINQ) {
		const struct pkt_vlan_hdr *vh = (const struct pkt_vlan_hdr *)(data + off);

		if (m->nb_vlan == PKT_VLAN_MAX)
			return SL_CNT_VLAN_TOO_DEEP;
		if (len < off + sizeof(*vh))
			return SL_CNT_L2_TRUNCATED;
		m->vlan_tci[m->nb_vlan++] = rte_be_to_cpu_16(vh->tci);
		et = rte_be_to_cpu_16(vh->proto);
		off += sizeof(*vh);
	}
	m->ethertype = et;
	m->l3_off = (uint16_t)off;
	switch (et) {
	case RTE_ETHER_TYPE_IPV4:
		return pkt_parse_ipv4(data + off, len - off, m);
	case RTE_ETHER_TYPE_IPV6:
		return pkt_parse_ipv6(data + off, len - off, m);
	case RTE_ETHER_TYPE_ARP:
		if (len - off < sizeof(struct rte_arp_hdr))
			return SL_CNT_ARP_MALFORMED;
		m->l3 = PKT_L3_ARP;
		return SL_CNT_OK;
	default:
		return SL_CNT_ETHERTYPE;
	}
}

#endif /* SL_PKT_FP_H */
