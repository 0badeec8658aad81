/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ipfrag_fp: reassembly and fragmentation on the worker (see ipfrag.h).
 * Context: worker lcore, fast path (both are off the common path: fragments and
 * oversized datagrams only).
 */
#ifndef SL_IPFRAG_FP_H
#define SL_IPFRAG_FP_H

#include <string.h>

#include <rte_ip.h>
#include <rte_ip_frag.h>
#include <rte_mbuf.h>

#include "ipfrag.h"
#include "pkt_fp.h"

/*
 * Takes an IPv4 or IPv6 fragment (meta from pkt_parse). Returns the whole datagram, an
 * mbuf chain (an IPv4 header's checksum valid again), or NULL while fragments are
 * missing or when this one was refused: by the library (overlaps, too many: it waits on
 * the death row and is counted when freed), or here (*refused: the caller frees it).
 */
/*
 * IPv6: the fragment header must follow the base header directly (what senders do; a
 * fragment with other extension headers first is refused and counted, *refused = 1).
 */
static inline struct rte_mbuf *
ipfrag_reassemble6(struct ipfrag *f, struct rte_mbuf *m, const struct pkt_meta *meta,
		   uint64_t now_tsc, int *refused)
{
	struct rte_ipv6_hdr *ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv6_hdr *, meta->l3_off);
	struct rte_ipv6_fragment_ext *fh = rte_ipv6_frag_get_ipv6_fragment_header(ip);
	uint32_t want = meta->l3_off + sizeof(*ip) + rte_be_to_cpu_16(ip->payload_len);

	if (!fh || rte_pktmbuf_data_len(m) < meta->l3_off + sizeof(*ip) + sizeof(*fh)) {
		*refused = 1;
		return NULL;
	}
	if (rte_pktmbuf_pkt_len(m) > want)
		rte_pktmbuf_trim(m, (uint16_t)(rte_pktmbuf_pkt_len(m) - want));
	m->l2_len = meta->l3_off;
	m->l3_len = sizeof(*ip) + sizeof(*fh);
	return rte_ipv6_frag_reassemble_packet(f->tbl, &f->dr, m, now_tsc, ip, fh);
}

static inline struct rte_mbuf *
ipfrag_reassemble(struct ipfrag *f, struct rte_mbuf *m, const struct pkt_meta *meta,
		  uint64_t now_tsc, int *refused)
{
	struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, meta->l3_off);
	uint32_t want = meta->l3_off + rte_be_to_cpu_16(ip->total_length);
	struct rte_mbuf *r;

	*refused = 0;
	if (meta->l3 == PKT_L3_IPV6)
		return ipfrag_reassemble6(f, m, meta, now_tsc, refused);

	/* Link-layer padding would be taken for payload. */
	if (rte_pktmbuf_pkt_len(m) > want)
		rte_pktmbuf_trim(m, (uint16_t)(rte_pktmbuf_pkt_len(m) - want));
	m->l2_len = meta->l3_off;
	m->l3_len = (uint16_t)(meta->l4_off - meta->l3_off);
	r = rte_ipv4_frag_reassemble_packet(f->tbl, &f->dr, m, now_tsc, ip);
	if (r) {
		/* The library leaves the checksum to offloads. */
		ip = rte_pktmbuf_mtod_offset(r, struct rte_ipv4_hdr *, r->l2_len);
		ip->hdr_checksum = 0;
		ip->hdr_checksum = rte_ipv4_cksum(ip);
	}
	return r;
}

/* The link header's length of an Ethernet frame (VLAN tags included). */
static inline uint16_t
ipfrag_l2_len(const struct rte_mbuf *m)
{
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
	uint16_t off = 12, type;

	for (;;) {
		type = (uint16_t)(p[off] << 8 | p[off + 1]);
		if ((type != RTE_ETHER_TYPE_VLAN && type != RTE_ETHER_TYPE_QINQ) ||
		    off + 4u + 2u > rte_pktmbuf_data_len(m))
			return (uint16_t)(off + 2);
		off = (uint16_t)(off + 4);
	}
}

/*
 * Splits m, an IPv4 or IPv6 datagram bigger than ip_mtu behind hdr_len bytes of headers
 * that every piece must carry (the link header; for dsr-ipip also our outer header of
 * the same family, then fixed for each piece), into out[]. m is consumed. Returns the
 * number of pieces or -errno (DF set, no mbufs).
 */
static inline int
ipfrag_fragment(struct rte_mbuf *m, uint16_t hdr_len, int outer_ip, uint16_t ip_mtu,
		struct rte_mempool *direct, struct rte_mempool *indirect, struct rte_mbuf **out)
{
	uint8_t hdr[RTE_ETHER_HDR_LEN + 8 + sizeof(struct rte_ipv6_hdr)];
	int n, i, v6;

	if (hdr_len > sizeof(hdr)) {
		rte_pktmbuf_free(m);
		return -EINVAL;
	}
	memcpy(hdr, rte_pktmbuf_mtod(m, const uint8_t *), hdr_len);
	rte_pktmbuf_adj(m, hdr_len);
	v6 = (*rte_pktmbuf_mtod(m, const uint8_t *) >> 4) == 6;
	n = v6 ? rte_ipv6_fragment_packet(m, out, IPFRAG_OUT_MAX, ip_mtu, direct, indirect) :
		 rte_ipv4_fragment_packet(m, out, IPFRAG_OUT_MAX, ip_mtu, direct, indirect);
	rte_pktmbuf_free(m);
	if (n < 0)
		return n;
	for (i = 0; i < n; i++) {
		struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod(out[i], struct rte_ipv4_hdr *);
		uint8_t *p;

		if (!v6) {
			ip->hdr_checksum = 0;
			ip->hdr_checksum = rte_ipv4_cksum(ip);
		}
		p = (uint8_t *)rte_pktmbuf_prepend(out[i], hdr_len);
		if (!p) {               /* direct pieces have the pool's headroom: not seen */
			rte_pktmbuf_free_bulk(out, (unsigned int)n);
			return -ENOBUFS;
		}
		memcpy(p, hdr, hdr_len);
		if (outer_ip && v6) {
			struct rte_ipv6_hdr *o = (struct rte_ipv6_hdr *)(p + hdr_len - sizeof(*o));

			o->payload_len = rte_cpu_to_be_16((uint16_t)(rte_pktmbuf_pkt_len(out[i]) -
								    hdr_len));
		} else if (outer_ip) {
			struct rte_ipv4_hdr *o = (struct rte_ipv4_hdr *)(p + hdr_len -
									  sizeof(*o));

			o->total_length = rte_cpu_to_be_16((uint16_t)(rte_pktmbuf_pkt_len(out[i]) -
								      hdr_len + sizeof(*o)));
			o->packet_id = ip->packet_id;
			o->hdr_checksum = 0;
			o->hdr_checksum = rte_ipv4_cksum(o);
		}
	}
	return n;
}

#endif /* SL_IPFRAG_FP_H */
