/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lb6_fp: the IPv6 halves of the balancer's rewrites, included by lb_fp.h only (after its
 * shared helpers, before the steps that call these).
 *
 * fnat rewrites both addresses and ports; IPv6 has no header checksum, so only the L4
 * one changes (RFC 1624 over the 128-bit addresses). dsr-ipip encapsulates in IPv6
 * (RFC 2473, next header 41); IPv6 is never fragmented on the way, so a client packet
 * that no longer fits is answered with ICMPv6 "packet too big" (RFC 4443) and the client
 * sends smaller, whatever its packet said.
 *
 * Context: worker lcore, fast path.
 */
#ifndef SL_LB6_FP_H
#define SL_LB6_FP_H

#define LB6_MIN_MTU 1280                /* RFC 8200: every IPv6 link carries this */

/* A TCP or UDP checksum over IPv6 after both addresses (os -> ns, od -> nd) and both
 * ports (ports[] -> nsp, ndp) change (RFC 1624); UDP's zero is written as all ones, as
 * UDP over IPv6 must carry a checksum. */
static inline uint16_t
lb_csum6(uint16_t ck, uint8_t proto, const uint8_t *os, const uint8_t *ns, const uint8_t *od,
	 const uint8_t *nd, const uint16_t *ports, uint16_t nsp, uint16_t ndp)
{
	uint16_t c = csum_update128(ck, os, ns);

	c = csum_update128(c, od, nd);
	c = csum_update16(c, ports[0], nsp);
	c = csum_update16(c, ports[1], ndp);
	return proto == IPPROTO_UDP && c == 0 ? 0xffff : c;
}

static inline void
lb_rewrite6(struct rte_mbuf *m, const struct pkt_meta *meta, const uint8_t *nsrc,
	    const uint8_t *ndst, uint16_t nsport, uint16_t ndport)
{
	struct rte_ipv6_hdr *ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv6_hdr *, meta->l3_off);
	uint8_t *l4 = rte_pktmbuf_mtod_offset(m, uint8_t *, meta->l4_off);
	uint16_t *ports = (uint16_t *)l4, *ck;

	if (meta->l4_proto == IPPROTO_TCP)
		ck = &((struct rte_tcp_hdr *)l4)->cksum;
	else
		ck = &((struct rte_udp_hdr *)l4)->dgram_cksum;
	*ck = lb_csum6(*ck, meta->l4_proto, ip->src_addr, nsrc, ip->dst_addr, ndst, ports, nsport,
		       ndport);
	memcpy(ip->src_addr, nsrc, 16);
	memcpy(ip->dst_addr, ndst, 16);
	ports[0] = nsport;
	ports[1] = ndport;
}

/* fnat for an IPv6 flow whose tuples are k[0] (original) and k[1] (reply). */
static inline int
lb_fnat6(struct dp *dp, const struct lb *lb, const struct ct_key6 *k, const struct ct_entry *e,
	 enum ct_dir d, struct rte_mbuf *m, const struct pkt_meta *meta, uint16_t *out_pi)
{
	const struct ct_key6 *o = &k[CT_DIR_ORIG], *r = &k[CT_DIR_REPLY];

	if (d == CT_DIR_ORIG) {
		struct rte_ether_addr mac;
		uint16_t pi;

		if (!neigh_get(lb->neigh, e->backend, &mac, &pi))
			return SL_CNT_LB_NEIGH_UNRESOLVED;
		lb_rewrite6(m, meta, r->dst, r->src, r->dport, r->sport);
		lb_eth(m, &dp->ports[pi].local.mac, mac.addr_bytes);
		*out_pi = pi;
		return SL_CNT_LB_FORWARD;
	}
	lb_rewrite6(m, meta, o->dst, o->src, o->dport, o->sport);
	lb_eth(m, &dp->ports[e->peer_port].local.mac, e->peer_mac);
	*out_pi = e->peer_port;
	return SL_CNT_LB_REPLY;
}

/* lb_lport for IPv6: backend baddr:bport -> laddr. */
static inline uint16_t
lb_lport6(struct lb_worker *lw, unsigned int widx, unsigned int nb_workers,
	  const uint8_t *baddr, uint16_t bport, const uint8_t *laddr, uint8_t proto,
	  uint64_t now_tsc)
{
	struct pkt_meta rm;

	memset(&rm, 0, sizeof(rm));
	rm.l3 = PKT_L3_IPV6;
	memcpy(rm.addr.v6.src, baddr, 16);
	memcpy(rm.addr.v6.dst, laddr, 16);
	rm.sport = bport;
	return lb_lport_find(lw, widx, nb_workers, &rm, proto, now_tsc);
}

/*
 * Turns the client's oversized IPv6 packet into ICMPv6 "packet too big" back to the
 * client from the address of the port it came in on, quoting as much of it as fits the
 * minimum MTU. Returns the event, *out_pi the arrival port.
 */
static __rte_noinline int
lb_ptb6(struct dp *dp, struct rte_mbuf *m, const struct pkt_meta *meta, uint16_t in_pi,
	uint32_t mtu, uint16_t *out_pi)
{
	const struct local_port *lp = &dp->ports[in_pi].local;
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_ipv6_hdr *ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv6_hdr *, meta->l3_off);
	static const uint32_t room = LB6_MIN_MTU - sizeof(struct rte_ipv6_hdr) - 8;
	uint8_t q[LB6_MIN_MTU - sizeof(struct rte_ipv6_hdr) - 8], client[16], *icmp;
	uint32_t quote = rte_pktmbuf_data_len(m) - meta->l3_off;
	struct rte_ether_addr a;
	uint16_t ck;

	if (!lp->nb_v6 || m->nb_segs != 1)
		return SL_CNT_LB_TOO_BIG;
	if (quote > room)
		quote = room;
	memcpy(q, ip, quote);
	memcpy(client, ip->src_addr, 16);
	rte_ether_addr_copy(&eth->src_addr, &a);
	rte_ether_addr_copy(&a, &eth->dst_addr);
	rte_ether_addr_copy(&lp->mac, &eth->src_addr);
	memset(ip, 0, sizeof(*ip));
	ip->vtc_flow = rte_cpu_to_be_32(6u << 28);
	ip->payload_len = rte_cpu_to_be_16((uint16_t)(8 + quote));
	ip->proto = IPPROTO_ICMPV6;
	ip->hop_limits = 64;
	memcpy(ip->src_addr, lp->v6[0], 16);
	memcpy(ip->dst_addr, client, 16);
	icmp = (uint8_t *)(ip + 1);
	memset(icmp, 0, 8);
	icmp[0] = 2;                                    /* packet too big */
	icmp[4] = (uint8_t)(mtu >> 24);
	icmp[5] = (uint8_t)(mtu >> 16);
	icmp[6] = (uint8_t)(mtu >> 8);
	icmp[7] = (uint8_t)mtu;
	memcpy(icmp + 8, q, quote);
	ck = rte_ipv6_udptcp_cksum(ip, icmp);
	memcpy(icmp + 2, &ck, 2);
	m->data_len = (uint16_t)(meta->l3_off + sizeof(*ip) + 8 + quote);
	m->pkt_len = m->data_len;
	*out_pi = in_pi;
	return SL_CNT_LB_FRAG_NEEDED_SENT;
}

/*
 * dsr-ipip over IPv6: the client's packet inside an IPv6 header (next header 41) from the
 * backend-side port's first IPv6 address to the backend. The outer header carries the
 * inner's traffic class and flow label, so paths that spread by flow label keep a flow
 * together.
 */
static inline int
lb_ip6ip6_encap(struct dp *dp, const uint8_t *baddr, uint16_t pi, struct rte_mbuf *m,
		const struct pkt_meta *meta, uint16_t in_pi, uint16_t *out_pi)
{
	const struct rte_ipv6_hdr *in = rte_pktmbuf_mtod_offset(m, const struct rte_ipv6_hdr *,
								 meta->l3_off);
	const struct local_port *lp = &dp->ports[pi].local;
	uint32_t ilen = sizeof(*in) + rte_be_to_cpu_16(in->payload_len);
	rte_be32_t flow = in->vtc_flow;
	struct rte_ipv6_hdr *out;
	uint8_t *p;

	/* A datagram we reassembled was fragmented by its sender already: the worker
	 * splits it again inside the tunnel (ipfrag.h). */
	if (ilen + sizeof(*out) > dp->ports[pi].mtu && m->nb_segs == 1)
		return lb_ptb6(dp, m, meta, in_pi, dp->ports[pi].mtu - sizeof(*out), out_pi);
	if (!lp->nb_v6)
		return SL_CNT_LB_NO_SOURCE_ADDR;
	p = (uint8_t *)rte_pktmbuf_prepend(m, sizeof(*out));
	if (unlikely(!p))
		return SL_CNT_LB_NO_HEADROOM;
	memmove(p, p + sizeof(*out), meta->l3_off);
	out = (struct rte_ipv6_hdr *)(p + meta->l3_off);
	out->vtc_flow = flow;
	out->payload_len = rte_cpu_to_be_16((uint16_t)ilen);
	out->proto = IPPROTO_IPV6;
	out->hop_limits = 64;
	memcpy(out->src_addr, lp->v6[0], 16);
	memcpy(out->dst_addr, baddr, 16);
	*out_pi = pi;
	return SL_CNT_LB_FORWARD;
}

/*
 * The packet an ICMPv6 error quotes (destination unreachable, packet too big, time
 * exceeded, parameter problem; RFC 4443), if it starts with a TCP or UDP header right
 * after its IPv6 header: its tuple into *in as it was sent. The error itself must have no
 * extension headers either. 0 otherwise. Context: any.
 */
static inline int
lb_icmp6_inner(const struct rte_mbuf *m, const struct pkt_meta *meta, struct pkt_meta *in)
{
	const uint8_t *icmp = rte_pktmbuf_mtod_offset(m, const uint8_t *, meta->l4_off);
	const struct rte_ipv6_hdr *q = (const struct rte_ipv6_hdr *)(icmp + 8);
	const uint16_t *ports = (const uint16_t *)(q + 1);

	if (meta->l3 != PKT_L3_IPV6 || meta->l4_proto != IPPROTO_ICMPV6 ||
	    (meta->flags & (PKT_F_FRAG | PKT_F_IP6_EXT)) || icmp[0] < 1 || icmp[0] > 4 ||
	    meta->l4_len < 8 + sizeof(*q) + 8 || (q->vtc_flow & rte_cpu_to_be_32(0xf0000000)) !=
	    rte_cpu_to_be_32(0x60000000) || (q->proto != IPPROTO_TCP && q->proto != IPPROTO_UDP))
		return 0;
	memset(in, 0, sizeof(*in));
	in->l3 = PKT_L3_IPV6;
	in->l4_proto = q->proto;
	in->l3_off = (uint16_t)(meta->l4_off + 8);
	in->l4_off = (uint16_t)(in->l3_off + sizeof(*q));
	in->l4_len = (uint16_t)(meta->l4_len - 8 - sizeof(*q));
	memcpy(in->addr.v6.src, q->src_addr, 16);
	memcpy(in->addr.v6.dst, q->dst_addr, 16);
	in->sport = ports[0];
	in->dport = ports[1];
	return 1;
}

/* lb_icmp_translate4's IPv6 twin; the ICMPv6 checksum (over the pseudo-header) is
 * computed afresh. */
static inline void
lb_icmp6_translate(struct rte_mbuf *m, const struct pkt_meta *meta, const struct pkt_meta *in,
		   const uint8_t *from_peer, const uint8_t *nsrc_if_peer, const uint8_t *ndst,
		   const uint8_t *qsrc, uint16_t qsport, const uint8_t *qdst, uint16_t qdport)
{
	struct rte_ipv6_hdr *ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv6_hdr *, meta->l3_off);
	struct rte_ipv6_hdr *q = rte_pktmbuf_mtod_offset(m, struct rte_ipv6_hdr *, in->l3_off);
	uint8_t *icmp = rte_pktmbuf_mtod_offset(m, uint8_t *, meta->l4_off);
	uint16_t *qp = rte_pktmbuf_mtod_offset(m, uint16_t *, in->l4_off), *qck = NULL, ck;

	if (memcmp(ip->src_addr, from_peer, 16) == 0)
		memcpy(ip->src_addr, nsrc_if_peer, 16);
	memcpy(ip->dst_addr, ndst, 16);
	if (in->l4_proto == IPPROTO_UDP)
		qck = &qp[3];
	else if (in->l4_len >= 18)
		qck = &qp[8];
	if (qck)
		*qck = lb_csum6(*qck, in->l4_proto, q->src_addr, qsrc, q->dst_addr, qdst, qp, qsport,
				qdport);
	memcpy(q->src_addr, qsrc, 16);
	memcpy(q->dst_addr, qdst, 16);
	qp[0] = qsport;
	qp[1] = qdport;
	icmp[2] = 0;
	icmp[3] = 0;
	ck = rte_ipv6_udptcp_cksum(ip, icmp);
	memcpy(icmp + 2, &ck, 2);
}

/* lb_icmp_input's IPv6 twin: an ICMPv6 error about one of our flows goes where the flow
 * goes; packet too big from a client reaches the backend whose packets were too big. */
static __rte_noinline int
lb_icmp6_input(struct dp *dp, struct lb_worker *lw, struct rte_mbuf *m, uint16_t pi,
	       const struct pkt_meta *meta, uint16_t *out_pi)
{
	const struct lb *lb = lb_get(dp);
	const struct ct_key6 *k6, *o, *r;
	struct rte_ether_addr mac;
	struct pkt_meta in;
	struct ct_entry *e;
	struct ct_key6 k;
	enum ct_dir d;
	uint16_t npi;

	if (!lb_icmp6_inner(m, meta, &in))
		return SL_CNT_OK;
	lb_ct_key6(&k, in.l4_proto, in.addr.v6.dst, in.addr.v6.src, in.dport, in.sport);
	e = ct_lookup6(lw->ct, &k, rte_rdtsc(), &d);
	if (!e)
		return SL_CNT_OK;
	if (e->flags & LB_CT_DSR) {
		int rc = lb_dsr_xmit(dp, lb, e->backend, e->flags, m, meta, pi, out_pi);

		return rc == SL_CNT_LB_FORWARD ? SL_CNT_LB_ICMP_ERROR : rc;
	}
	k6 = lw->ct->key6[e - lw->ct->e];
	o = &k6[CT_DIR_ORIG];
	r = &k6[CT_DIR_REPLY];
	if (d == CT_DIR_ORIG) {
		if (!neigh_get(lb->neigh, e->backend, &mac, &npi))
			return SL_CNT_LB_NEIGH_UNRESOLVED;
		lb_icmp6_translate(m, meta, &in, o->src, r->dst, r->src,
				   r->src, r->sport, r->dst, r->dport);
		lb_eth(m, &dp->ports[npi].local.mac, mac.addr_bytes);
		*out_pi = npi;
	} else {
		lb_icmp6_translate(m, meta, &in, r->src, o->dst, o->src,
				   o->src, o->sport, o->dst, o->dport);
		lb_eth(m, &dp->ports[e->peer_port].local.mac, e->peer_mac);
		*out_pi = e->peer_port;
	}
	return SL_CNT_LB_ICMP_ERROR;
}

#endif /* SL_LB6_FP_H */
