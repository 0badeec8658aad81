/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lb_fp: the balancer's per-packet path, on the worker that owns the flow.
 *
 * A packet first meets the worker's connection table, in either direction:
 *   client -> VIP (original)   rewritten to  local address:port -> backend
 *   backend -> local:port (reply)            VIP -> client
 * which is fnat: the backend sees the appliance as the client, so it needs no change and
 * its replies come back here. A packet of no known flow to a service starts one: TCP only
 * with a SYN (anything else is counted lb_no_conn and dropped, as IPVS does), the policy
 * picks a ready backend, the worker picks a local port whose reply tuple it owns itself
 * (the owner hash of backend:port -> local:port lands on this worker, so replies need no
 * hand-off), and the flow goes into the table. Checksums are updated incrementally
 * (csum_fp.h). The client side's next hop is the MAC the client's packet came from; the
 * backend's is the neighbour table's (neigh.h).
 *
 * dsr and dsr-ipip services see only the client's side: the entry holds one tuple, the
 * packet goes on unchanged (MAC rewrite) or encapsulated, and what the table cannot hold
 * goes by the tuple's Maglev answer (lb_dsr_new). ICMP errors about a flow follow it
 * (lb_icmp_input); IPv6 takes the same steps over its own tuple table (lb_input6,
 * lb6_fp.h). Fragments reach this file reassembled (ipfrag.h).
 *
 * Returns SL_CNT_OK for packets that are not the balancer's (the caller goes on), an
 * event with the mbuf rewritten and *out_pi the port to send it on, or a drop reason;
 * a new flow is also counted in cnt (the worker's counters).
 *
 * Context: worker lcore, fast path.
 */
#ifndef SL_LB_FP_H
#define SL_LB_FP_H

#include <rte_cycles.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_jhash.h>
/* rte_lpm.h's rte_lpm_lookup_bulk_func sizes an array by its argument */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wvla"
#include <rte_lpm.h>
#pragma GCC diagnostic pop
#include <rte_lpm6.h>
#include <rte_mbuf.h>
#include <rte_tcp.h>
#include <rte_udp.h>

#include "csum_fp.h"
#include "lb.h"
#include "maglev.h"
#include "meter.h"
#include "owner_fp.h"
#include "pkt_fp.h"
#include "worker.h"

#define LB_HASH_SEED 0x51ce5eedu

/* The tables in force: valid until this worker's next quiescent report. */
static inline const struct lb *
lb_get(const struct dp *dp)
{
	return __atomic_load_n(&dp->lb, __ATOMIC_ACQUIRE);
}

static inline void
lb_ct_key4(struct ct_key *k, uint8_t proto, uint32_t src, uint32_t dst, uint16_t sport,
	   uint16_t dport)
{
	memset(k, 0, sizeof(*k));
	k->proto = proto;
	k->sport = sport;
	k->dport = dport;
	k->src = src;
	k->dst = dst;
}

static inline void
lb_ct_key6(struct ct_key6 *k, uint8_t proto, const uint8_t *src, const uint8_t *dst,
	   uint16_t sport, uint16_t dport)
{
	memset(k, 0, sizeof(*k));
	memcpy(k->src, src, 16);
	memcpy(k->dst, dst, 16);
	k->proto = proto;
	k->sport = sport;
	k->dport = dport;
}

/* TSC cycles to ns without overflowing for any uptime. */
static inline uint64_t
lb_tsc_ns(uint64_t tsc)
{
	uint64_t hz = rte_get_tsc_hz();

	return tsc / hz * 1000000000ULL + tsc % hz * 1000000000ULL / hz;
}

static inline uint64_t
lb_rand(struct lb_worker *lw)
{
	lw->rng ^= lw->rng << 13;
	lw->rng ^= lw->rng >> 7;
	lw->rng ^= lw->rng << 17;
	return lw->rng;
}

static inline int
lb_ready(const struct lb_backend *b)
{
	return b->state == LB_BACKEND_READY && b->weight;
}

/* Flows to a backend over all workers: each worker's own count, read without locks. */
static inline uint64_t
lb_conns(const struct dp *dp, uint32_t neigh)
{
	uint64_t n = 0;
	unsigned int k;

	for (k = 0; k < dp->nb_workers; k++)
		n += __atomic_load_n(&dp->workers[k]->lbw->conns[neigh], __ATOMIC_RELAXED);
	return n;
}

/* Connections per unit of weight (x 256, to compare backends of different weights). */
static inline uint64_t
lb_conn_load(const struct dp *dp, const struct lb_backend *b)
{
	return lb_conns(dp, b->neigh) * 256 / b->weight;
}

/* A ready backend at random (a few tries, then the first ready one), or -1. */
static inline int
lb_random_ready(const struct lb_pool *p, struct lb_worker *lw)
{
	uint32_t i;

	for (i = 0; i < 8 && p->nb; i++) {
		uint32_t b = (uint32_t)(lb_rand(lw) % p->nb);

		if (lb_ready(&p->b[b]))
			return (int)b;
	}
	for (i = 0; i < p->nb; i++)
		if (lb_ready(&p->b[i]))
			return (int)i;
	return -1;
}

static inline int
lb_pick_rr(const struct lb_pool *p, unsigned int widx)
{
	uint32_t i, b;

	for (i = 0; i < p->nb; i++) {
		b = p->pw[widx].rr++ % p->nb;
		if (lb_ready(&p->b[b]))
			return (int)b;
	}
	return -1;
}

/* Weighted least connections over all workers' counts; the scan starts where this
 * worker's cursor is, so ties spread. */
static inline int
lb_pick_least_conn(const struct dp *dp, const struct lb_pool *p, unsigned int widx)
{
	uint64_t best_load = UINT64_MAX;
	uint32_t i, start = p->pw[widx].rr++;
	int best = -1;

	for (i = 0; i < p->nb; i++) {
		uint32_t b = (start + i) % p->nb;
		uint64_t load;

		if (!lb_ready(&p->b[b]))
			continue;
		load = lb_conn_load(dp, &p->b[b]);
		if (load < best_load) {
			best_load = load;
			best = (int)b;
		}
	}
	return best;
}

/* A backend's latency for least-latency, ns: the peak-EWMA of the handshakes this worker
 * saw, else sluiced's health-probe RTT (a UDP service has no handshake to observe), else
 * 0 — unmeasured, so tried first (Finagle's rule). */
static inline uint64_t
lb_latency_cost(const struct dp *dp, const struct lb_worker *lw, uint32_t n)
{
	uint64_t c = lw->lat[n].cost_ns;

	if (c)
		return c;
	return (uint64_t)__atomic_load_n(&dp->probe_rtt_us[n], __ATOMIC_RELAXED) * 1000;
}

/* Power of two choices: the better of two random ready backends, by connections
 * (random-p2c) or by peak-EWMA latency x (connections + 1) (least-latency). */
static inline int
lb_pick_p2c(const struct dp *dp, const struct lb_pool *p, struct lb_worker *lw, int latency)
{
	int a = lb_random_ready(p, lw), b = lb_random_ready(p, lw);
	uint64_t la, lb_;

	if (a < 0 || a == b)
		return a;
	if (latency) {
		const struct lb_backend *x = &p->b[a], *y = &p->b[b];

		la = lb_latency_cost(dp, lw, x->neigh) * (lb_conns(dp, x->neigh) + 1);
		lb_ = lb_latency_cost(dp, lw, y->neigh) * (lb_conns(dp, y->neigh) + 1);
	} else {
		la = lb_conn_load(dp, &p->b[a]);
		lb_ = lb_conn_load(dp, &p->b[b]);
	}
	return lb_ < la ? b : a;
}

/* The client's address as 32 bits (an IPv6 one folded): source-hash and sticky keys. */
static inline uint32_t
lb_client32(const struct pkt_meta *m)
{
	if (m->l3 == PKT_L3_IPV6)
		return rte_jhash(m->addr.v6.src, 16, LB_HASH_SEED);
	return m->addr.v4.src;
}

/* The whole tuple's hash: maglev, and the stateless fallback. The same on every worker
 * and appliance. */
static inline uint32_t
lb_tuple_hash(const struct pkt_meta *m)
{
	uint32_t ports = (uint32_t)m->sport << 16 | m->dport;

	if (m->l3 == PKT_L3_IPV6)
		return rte_jhash_1word(ports, rte_jhash(m->addr.v6.src, 32, LB_HASH_SEED));
	return rte_jhash_3words(m->addr.v4.src, m->addr.v4.dst, ports, LB_HASH_SEED);
}

/* Round robin, but a client that came within the TTL goes back to its backend while
 * that backend is ready. Affinities live in this worker's table. */
static inline int
lb_pick_sticky(const struct lb_service *s, const struct lb_pool *p, struct lb_worker *lw,
	       unsigned int widx, const struct pkt_meta *m, uint64_t now_tsc)
{
	/* IPv6 clients and VIPs are folded to 32 bits: a rare collision shares an
	 * affinity between two clients (both still reach a ready backend). */
	struct lb_sticky_key k = { .client = lb_client32(m),
				   .vip = m->l3 == PKT_L3_IPV6 ?
					  rte_jhash(m->addr.v6.dst, 16, LB_HASH_SEED) :
					  m->addr.v4.dst,
				   .vport = m->dport, .proto = m->l4_proto };
	uint64_t ttl = (uint64_t)s->sticky_ttl_s * rte_get_tsc_hz();
	int32_t pos = rte_hash_lookup(lw->sticky, &k);
	uint32_t i;
	int b;

	if (pos >= 0 && now_tsc < lw->sticky_e[pos].expires_tsc) {
		for (i = 0; i < p->nb; i++)
			if (p->b[i].addr == lw->sticky_e[pos].addr &&
			    p->b[i].port == lw->sticky_e[pos].port && lb_ready(&p->b[i])) {
				lw->sticky_e[pos].expires_tsc = now_tsc + ttl;
				return (int)i;
			}
	}
	b = lb_pick_rr(p, widx);
	if (b < 0)
		return b;
	if (pos < 0)
		pos = rte_hash_add_key(lw->sticky, &k);
	if (pos < 0 || (uint32_t)pos >= lw->sticky_len) {
		lw->sticky_full++;      /* balanced, but without affinity */
		return b;
	}
	lw->sticky_e[pos].addr = p->b[b].addr;
	lw->sticky_e[pos].port = p->b[b].port;
	lw->sticky_e[pos].expires_tsc = now_tsc + ttl;
	return b;
}

/* The backend for a new flow of service s, or -1 if none takes new flows. */
static inline int
lb_pick(const struct dp *dp, const struct lb *lb, struct lb_worker *lw, unsigned int widx,
	const struct lb_service *s, const struct pkt_meta *m, uint64_t now_tsc)
{
	const struct lb_pool *p = &lb->pools[s->pool];
	uint32_t h;
	uint16_t b;

	switch (s->policy) {
	case LB_POLICY_RR:
		return lb_pick_rr(p, widx);
	case LB_POLICY_WRR:
		return lb_swrr_pick(p->pw[widx].swrr, p->nb);
	case LB_POLICY_STICKY:
		return lb_pick_sticky(s, p, lw, widx, m, now_tsc);
	case LB_POLICY_LEAST_CONN:
		return lb_pick_least_conn(dp, p, widx);
	case LB_POLICY_RANDOM_P2C:
		return lb_pick_p2c(dp, p, lw, 0);
	case LB_POLICY_LEAST_LATENCY:
		return lb_pick_p2c(dp, p, lw, 1);
	case LB_POLICY_SOURCE_HASH:
		/* The client address through the Maglev table: weighted, and the same answer
		 * on every worker and appliance. */
		h = rte_jhash_1word(lb_client32(m), LB_HASH_SEED);
		break;
	default:        /* LB_POLICY_MAGLEV: the whole tuple */
		h = lb_tuple_hash(m);
		break;
	}
	b = maglev_lookup(p->maglev, p->maglev_m, h);
	return b == MAGLEV_NONE ? -1 : b;
}

/*
 * A local port for the reply tuple *rm (backend:port -> local address; rm->dport is
 * chosen here) whose owner is this worker, so replies need no hand-off, and which no flow
 * of ours uses. 0 if none is found within the budget. Only the port changes from one try
 * to the next, so the owner hash is the rest of the tuple's, once, XOR the port's two
 * bytes' contributions (owner_fp.h).
 */
static inline uint16_t
lb_lport_find(struct lb_worker *lw, unsigned int widx, unsigned int nb_workers,
	      struct pkt_meta *rm, uint8_t proto, uint64_t now_tsc)
{
	uint32_t base;
	unsigned int tries;
	enum ct_dir d;

	rm->dport = 0;
	base = owner_hash(rm);
	for (tries = 0; tries < 4096; tries++) {
		uint16_t p = (uint16_t)lw->lport_next;
		struct ct_entry *e;

		lw->lport_next = lw->lport_next >= 65535 ? LB_LPORT_MIN : lw->lport_next + 1;
		if (nb_workers > 1 && ((base ^ owner_rss_tbl[0][p >> 8] ^ owner_rss_tbl[1][p & 0xff]) %
				       OWNER_RETA_SIZE) % nb_workers != widx)
			continue;
		rm->dport = rte_cpu_to_be_16(p);
		if (rm->l3 == PKT_L3_IPV6) {
			struct ct_key6 k6;

			lb_ct_key6(&k6, proto, rm->addr.v6.src, rm->addr.v6.dst, rm->sport, rm->dport);
			e = ct_lookup6(lw->ct, &k6, now_tsc, &d);
		} else {
			struct ct_key k;

			lb_ct_key4(&k, proto, rm->addr.v4.src, rm->addr.v4.dst, rm->sport, rm->dport);
			e = ct_lookup(lw->ct, &k, now_tsc, &d);
		}
		if (!e)
			return rm->dport;
	}
	return 0;
}

/* The same for backend baddr:bport -> laddr (IPv4). */
static inline uint16_t
lb_lport(struct lb_worker *lw, unsigned int widx, unsigned int nb_workers, uint32_t baddr,
	 uint16_t bport, uint32_t laddr, uint8_t proto, uint64_t now_tsc)
{
	struct pkt_meta rm;

	memset(&rm, 0, sizeof(rm));
	rm.l3 = PKT_L3_IPV4;
	rm.addr.v4.src = baddr;
	rm.addr.v4.dst = laddr;
	rm.sport = bport;
	return lb_lport_find(lw, widx, nb_workers, &rm, proto, now_tsc);
}

/* A TCP or UDP checksum over IPv4 after both addresses and both ports change (RFC 1624);
 * a UDP checksum of zero (none sent) stays zero. */
static inline uint16_t
lb_csum4(uint16_t ck, uint8_t proto, uint32_t os, uint32_t ns, uint32_t od, uint32_t nd,
	 const uint16_t *ports, uint16_t nsp, uint16_t ndp)
{
	uint16_t c;

	if (proto == IPPROTO_UDP && ck == 0)
		return 0;
	c = csum_update32(ck, os, ns);
	c = csum_update32(c, od, nd);
	c = csum_update16(c, ports[0], nsp);
	c = csum_update16(c, ports[1], ndp);
	return proto == IPPROTO_UDP ? csum_udp_fixup(ck, c) : c;
}

/* Rewrites addresses and ports of an IPv4 TCP/UDP packet, checksums updated. */
static inline void
lb_rewrite4(struct rte_mbuf *m, const struct pkt_meta *meta, uint32_t nsrc, uint32_t ndst,
	    uint16_t nsport, uint16_t ndport)
{
	struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, meta->l3_off);
	uint8_t *l4 = rte_pktmbuf_mtod_offset(m, uint8_t *, meta->l4_off);
	uint16_t *ports = (uint16_t *)l4, *ck;

	ip->hdr_checksum = csum_update32(ip->hdr_checksum, ip->src_addr, nsrc);
	ip->hdr_checksum = csum_update32(ip->hdr_checksum, ip->dst_addr, ndst);
	if (meta->l4_proto == IPPROTO_TCP)
		ck = &((struct rte_tcp_hdr *)l4)->cksum;
	else
		ck = &((struct rte_udp_hdr *)l4)->dgram_cksum;
	*ck = lb_csum4(*ck, meta->l4_proto, ip->src_addr, nsrc, ip->dst_addr, ndst, ports, nsport,
		       ndport);
	ip->src_addr = nsrc;
	ip->dst_addr = ndst;
	ports[0] = nsport;
	ports[1] = ndport;
}

static inline void
lb_eth(struct rte_mbuf *m, const struct rte_ether_addr *src, const uint8_t *dst)
{
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);

	memcpy(eth->dst_addr.addr_bytes, dst, RTE_ETHER_ADDR_LEN);
	rte_ether_addr_copy(src, &eth->src_addr);
}

static inline uint8_t
lb_tcp_flags(const struct rte_mbuf *m, const struct pkt_meta *meta)
{
	if (meta->l4_proto != IPPROTO_TCP)
		return 0;
	return rte_pktmbuf_mtod_offset(m, const struct rte_tcp_hdr *, meta->l4_off)->tcp_flags;
}

/*
 * Lowers the MSS option of a TCP SYN (or SYN-ACK) to mss, the checksum updated; options
 * are walked as RFC 9293 lays them out and a malformed list is left alone. Returns 1 if
 * the option was lowered.
 */
static inline int
lb_mss_clamp(struct rte_mbuf *m, const struct pkt_meta *meta, uint16_t mss)
{
	struct rte_tcp_hdr *th = rte_pktmbuf_mtod_offset(m, struct rte_tcp_hdr *, meta->l4_off);
	uint32_t hl = (uint32_t)(th->data_off >> 4) * 4u, i = sizeof(*th);
	uint8_t *o = (uint8_t *)th;

	if (!(th->tcp_flags & RTE_TCP_SYN_FLAG) || hl < i ||
	    meta->l4_off + hl > rte_pktmbuf_data_len(m))
		return 0;
	while (i < hl && o[i] != 0) {                   /* 0: end of the list */
		uint16_t old, new_;

		if (o[i] == 1) {                        /* no-operation */
			i++;
			continue;
		}
		if (i + 1 >= hl || o[i + 1] < 2 || i + o[i + 1] > hl)
			return 0;
		if (o[i] != 2 || o[i + 1] != 4) {
			i += o[i + 1];
			continue;
		}
		memcpy(&old, o + i + 2, 2);
		if (rte_be_to_cpu_16(old) <= mss)
			return 0;
		new_ = rte_cpu_to_be_16(mss);
		memcpy(o + i + 2, &new_, 2);
		/* The checksum sums 16-bit words from the header's start: a value at an odd
		 * offset straddles two of them and counts byte-swapped. */
		if ((i + 2) & 1)
			th->cksum = csum_update16(th->cksum, rte_bswap16(old), rte_bswap16(new_));
		else
			th->cksum = csum_update16(th->cksum, old, new_);
		return 1;
	}
	return 0;
}

/*
 * Turns the client's oversized packet into ICMP "fragmentation needed" (RFC 792, with the
 * next-hop MTU of RFC 1191) back to the client, from the address of the port it came in
 * on, as a router on the path would: the client lowers its path MTU to the VIP and sends
 * again. Returns the event, *out_pi the arrival port.
 */
static __rte_noinline int
lb_frag_needed(struct dp *dp, struct rte_mbuf *m, const struct pkt_meta *meta, uint16_t in_pi,
	       uint16_t mtu, uint16_t *out_pi)
{
	const struct local_port *lp = &dp->ports[in_pi].local;
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, meta->l3_off);
	uint32_t quote = (uint32_t)(ip->version_ihl & 0xf) * 4u + 8u, len;
	uint8_t q[60 + 8], *icmp;
	uint32_t client = ip->src_addr;
	struct rte_ether_addr a;

	if (!lp->nb_v4 || m->nb_segs != 1 || meta->l3_off + quote > rte_pktmbuf_data_len(m))
		return SL_CNT_LB_TOO_BIG;
	memcpy(q, ip, quote);
	rte_ether_addr_copy(&eth->src_addr, &a);
	rte_ether_addr_copy(&a, &eth->dst_addr);
	rte_ether_addr_copy(&lp->mac, &eth->src_addr);
	len = sizeof(*ip) + 8 + quote;
	memset(ip, 0, sizeof(*ip));
	ip->version_ihl = 0x45;
	ip->type_of_service = 0xc0;                     /* internetwork control */
	ip->total_length = rte_cpu_to_be_16((uint16_t)len);
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_ICMP;
	ip->src_addr = lp->v4[0];
	ip->dst_addr = client;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	icmp = (uint8_t *)(ip + 1);
	memset(icmp, 0, 8);
	icmp[0] = 3;                                    /* destination unreachable */
	icmp[1] = 4;                                    /* fragmentation needed and DF set */
	icmp[6] = (uint8_t)(mtu >> 8);
	icmp[7] = (uint8_t)mtu;
	memcpy(icmp + 8, q, quote);
	{
		uint16_t ck = (uint16_t)~rte_raw_cksum(icmp, 8 + quote);

		memcpy(icmp + 2, &ck, 2);
	}
	m->data_len = (uint16_t)(meta->l3_off + len);
	m->pkt_len = m->data_len;
	*out_pi = in_pi;
	return SL_CNT_LB_FRAG_NEEDED_SENT;
}

/*
 * dsr-ipip: the client's packet inside an IPv4 header from the backend-side port's
 * address to the backend (RFC 2003), the way Katran and IPVS's tunnel mode send it; the
 * backend decapsulates (its ipip tunnel, or bpf/sluice_decap's tc program) and answers
 * the client directly from the VIP on its loopback. The outer header copies the inner's
 * DF bit, TOS and ID. A packet that no longer fits the port's MTU gets the client an
 * ICMP "fragmentation needed" if it said DF, and is sent in pieces otherwise.
 */
static inline int
lb_ipip_encap(struct dp *dp, uint32_t baddr, uint16_t pi, struct rte_mbuf *m,
	      const struct pkt_meta *meta, uint16_t in_pi, uint16_t *out_pi)
{
	const struct rte_ipv4_hdr *in = rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *,
								 meta->l3_off);
	const struct local_port *lp = &dp->ports[pi].local;
	uint16_t ilen = rte_be_to_cpu_16(in->total_length);
	uint16_t df = in->fragment_offset & rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG);
	uint8_t tos = in->type_of_service;
	rte_be16_t id = in->packet_id;
	struct rte_ipv4_hdr *out;
	uint8_t *p;

	/* Without DF the worker sends the datagram inside in pieces, each encapsulated
	 * (ipfrag.h); with DF the client must send smaller. */
	if ((uint32_t)ilen + sizeof(*out) > dp->ports[pi].mtu && df)
		return lb_frag_needed(dp, m, meta, in_pi,
				      (uint16_t)(dp->ports[pi].mtu - sizeof(*out)), out_pi);
	if (!lp->nb_v4)
		return SL_CNT_LB_NO_SOURCE_ADDR;
	p = (uint8_t *)rte_pktmbuf_prepend(m, sizeof(*out));
	if (unlikely(!p))
		return SL_CNT_LB_NO_HEADROOM;
	memmove(p, p + sizeof(*out), meta->l3_off);    /* the link header, tags and all */
	out = (struct rte_ipv4_hdr *)(p + meta->l3_off);
	out->version_ihl = 0x45;
	out->type_of_service = tos;
	out->total_length = rte_cpu_to_be_16((uint16_t)(ilen + sizeof(*out)));
	out->packet_id = id;
	out->fragment_offset = df;
	out->time_to_live = 64;
	out->next_proto_id = IPPROTO_IPIP;
	out->src_addr = lp->v4[0];
	out->dst_addr = baddr;
	out->hdr_checksum = 0;
	out->hdr_checksum = rte_ipv4_cksum(out);
	*out_pi = pi;
	return SL_CNT_LB_FORWARD;
}

static inline int lb_dsr_xmit(struct dp *dp, const struct lb *lb, uint32_t neigh,
			      uint16_t flags, struct rte_mbuf *m, const struct pkt_meta *meta,
			      uint16_t in_pi, uint16_t *out_pi);

#include "lb6_fp.h"

/* dsr and dsr-ipip: the client's packet on to the backend known by its neighbour entry,
 * its IP header untouched (dsr) or inside another (dsr-ipip). */
static inline int
lb_dsr_xmit(struct dp *dp, const struct lb *lb, uint32_t neigh, uint16_t flags,
	    struct rte_mbuf *m, const struct pkt_meta *meta, uint16_t in_pi, uint16_t *out_pi)
{
	struct rte_ether_addr mac;
	uint16_t pi;
	int rc;

	if (!neigh_get(lb->neigh, neigh, &mac, &pi))
		return SL_CNT_LB_NEIGH_UNRESOLVED;
	if (flags & LB_CT_IPIP) {
		rc = lb->neigh->e[neigh].v6 ?
		     lb_ip6ip6_encap(dp, lb->neigh->e[neigh].addr6, pi, m, meta, in_pi, out_pi) :
		     lb_ipip_encap(dp, lb->neigh->e[neigh].addr, pi, m, meta, in_pi, out_pi);
		if (rc != SL_CNT_LB_FORWARD)
			return rc;
	}
	lb_eth(m, &dp->ports[pi].local.mac, mac.addr_bytes);
	*out_pi = pi;
	return SL_CNT_LB_FORWARD;
}

/* What every packet of a flow does to its entry, either family: the state and timeout,
 * the packet and IP byte counts (the flow log's, read only when the entry is freed), the
 * MSS clamp, the backend's load figures. */
static inline void
lb_track(struct lb_worker *lw, struct ct_entry *e, enum ct_dir d, struct rte_mbuf *m,
	 const struct pkt_meta *meta, uint64_t now_tsc, uint64_t *cnt)
{
	uint8_t before = e->state, f = lb_tcp_flags(m, meta);

	ct_update(lw->ct, e, d, f, now_tsc);
	/* The IP length fields' count, as IPFIX's octetDeltaCount: no link header, no
	 * Ethernet padding; the client's own packet for dsr-ipip, not the tunnel's. */
	e->bytes[d] += (uint32_t)(meta->l4_off - meta->l3_off) + meta->l4_len;
	if (unlikely(e->mss && (f & RTE_TCP_SYN_FLAG)) && lb_mss_clamp(m, meta, e->mss))
		cnt[SL_CNT_LB_MSS_CLAMPED]++;
	/* A closing flow no longer loads its backend (least-conn, p2c), as IPVS weighs
	 * inactive connections next to nothing. */
	if ((e->flags & LB_CT_ACTIVE) && e->state >= CT_TCP_FIN_WAIT && e->state <= CT_TCP_CLOSE) {
		e->flags &= (uint16_t)~LB_CT_ACTIVE;
		lw->conns[e->backend]--;
	}
	/* The backend's SYN-ACK: the handshake's round trip, for least-latency. */
	if (before == CT_TCP_SYN_SENT && e->state == CT_TCP_SYN_RECV)
		lb_pewma_observe(&lw->lat[e->backend], lb_tsc_ns(now_tsc - e->created_tsc),
				 lb_tsc_ns(now_tsc), LB_LATENCY_TAU_NS);
}

/* A new SYN on the tuple of a finished flow (TIME_WAIT, reset) is a new connection:
 * it is scheduled afresh, as IPVS's conn_reuse_mode does, not sent to the old backend,
 * which may have left the pool. (A one-way flow shows only the client's FIN: that is
 * as finished as it gets.) */
static inline int
lb_reused(const struct ct_entry *e, enum ct_dir d, const struct rte_mbuf *m,
	  const struct pkt_meta *meta)
{
	return d == CT_DIR_ORIG &&
	       (e->state == CT_TCP_TIME_WAIT || e->state == CT_TCP_CLOSE ||
		(e->oneway && e->state == CT_TCP_FIN_WAIT)) &&
	       (lb_tcp_flags(m, meta) & (RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG)) == RTE_TCP_SYN_FLAG;
}

/* The flow's next packet in direction d: rewrite and choose the port. */
static inline int
lb_follow(struct dp *dp, struct lb_worker *lw, struct ct_entry *e, enum ct_dir d,
	  struct rte_mbuf *m, const struct pkt_meta *meta, uint64_t now_tsc, uint16_t in_pi,
	  uint16_t *out_pi, uint64_t *cnt)
{
	const struct lb *lb = lb_get(dp);
	uint32_t a, b;

	lb_track(lw, e, d, m, meta, now_tsc, cnt);
	if (e->flags & LB_CT_DSR)       /* only the client's side is ever seen */
		return lb_dsr_xmit(dp, lb, e->backend, e->flags, m, meta, in_pi, out_pi);
	if (e->flags & LB_CT_V6)
		return lb_fnat6(dp, lb, &lw->ct->key6[e - lw->ct->e][0], e, d, m, meta, out_pi);
	if (d == CT_DIR_ORIG) {
		const struct ct_key *r = &e->key[CT_DIR_REPLY];
		struct rte_ether_addr mac;
		uint16_t pi;

		if (!neigh_get(lb->neigh, e->backend, &mac, &pi))
			return SL_CNT_LB_NEIGH_UNRESOLVED;
		a = r->dst;                     /* our local address */
		b = r->src;                     /* the backend */
		lb_rewrite4(m, meta, a, b, r->dport, r->sport);
		lb_eth(m, &dp->ports[pi].local.mac, mac.addr_bytes);
		*out_pi = pi;
		return SL_CNT_LB_FORWARD;
	}
	{
		const struct ct_key *o = &e->key[CT_DIR_ORIG];

		a = o->dst;                     /* the VIP */
		b = o->src;                     /* the client */
		lb_rewrite4(m, meta, a, b, o->dport, o->sport);
		lb_eth(m, &dp->ports[e->peer_port].local.mac, e->peer_mac);
		*out_pi = e->peer_port;
		return SL_CNT_LB_REPLY;
	}
}

/*
 * The packet an ICMPv4 error quotes (destination unreachable — fragmentation needed among
 * them —, time exceeded, parameter problem), if it is the start of a TCP or UDP packet:
 * its tuple into *in as it was sent, with the offsets of the quote. 0 otherwise. The
 * quote's owner is its flow's owner (DESIGN.md section 2), which is where the error must
 * be handled. Context: any.
 */
static inline int
lb_icmp_inner4(const struct rte_mbuf *m, const struct pkt_meta *meta, struct pkt_meta *in)
{
	const uint8_t *icmp = rte_pktmbuf_mtod_offset(m, const uint8_t *, meta->l4_off);
	const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)(icmp + 8);
	uint32_t ihl;
	const uint16_t *ports;

	if (meta->l3 != PKT_L3_IPV4 || meta->l4_proto != IPPROTO_ICMP ||
	    (meta->flags & PKT_F_FRAG) || (icmp[0] != 3 && icmp[0] != 11 && icmp[0] != 12) ||
	    meta->l4_len < 8 + sizeof(*ip) + 8)
		return 0;
	ihl = (uint32_t)(ip->version_ihl & 0xf) * 4u;
	if ((ip->version_ihl >> 4) != 4 || ihl < sizeof(*ip) || 8 + ihl + 8 > meta->l4_len ||
	    (ip->next_proto_id != IPPROTO_TCP && ip->next_proto_id != IPPROTO_UDP) ||
	    (ip->fragment_offset & rte_cpu_to_be_16(RTE_IPV4_HDR_OFFSET_MASK)))
		return 0;
	ports = (const uint16_t *)((const uint8_t *)ip + ihl);
	memset(in, 0, sizeof(*in));
	in->l3 = PKT_L3_IPV4;
	in->l4_proto = ip->next_proto_id;
	in->l3_off = (uint16_t)(meta->l4_off + 8);
	in->l4_off = (uint16_t)(in->l3_off + ihl);
	in->l4_len = (uint16_t)(meta->l4_len - 8 - ihl);
	in->addr.v4.src = ip->src_addr;
	in->addr.v4.dst = ip->dst_addr;
	in->sport = ports[0];
	in->dport = ports[1];
	return 1;
}

/*
 * Translates an ICMP error that travels with a flow: the outer destination and, if the
 * error came from the flow's far end itself, the outer source; the quoted packet's
 * addresses and ports (and its own checksums, where the quote holds them) as the
 * translated flow had them, so the receiver recognises its packet; the ICMP checksum
 * recomputed over the message (errors are small).
 */
static inline void
lb_icmp_translate4(struct rte_mbuf *m, const struct pkt_meta *meta, const struct pkt_meta *in,
		   uint32_t from_peer, uint32_t nsrc_if_peer, uint32_t ndst,
		   uint32_t qsrc, uint16_t qsport, uint32_t qdst, uint16_t qdport)
{
	struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, meta->l3_off);
	struct rte_ipv4_hdr *q = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, in->l3_off);
	uint8_t *icmp = rte_pktmbuf_mtod_offset(m, uint8_t *, meta->l4_off);
	uint16_t *qp = rte_pktmbuf_mtod_offset(m, uint16_t *, in->l4_off), ck;
	uint16_t *qck = NULL;

	if (ip->src_addr == from_peer) {
		ip->hdr_checksum = csum_update32(ip->hdr_checksum, ip->src_addr, nsrc_if_peer);
		ip->src_addr = nsrc_if_peer;
	}
	ip->hdr_checksum = csum_update32(ip->hdr_checksum, ip->dst_addr, ndst);
	ip->dst_addr = ndst;
	if (in->l4_proto == IPPROTO_UDP && qp[3] != 0)
		qck = &qp[3];
	else if (in->l4_proto == IPPROTO_TCP && in->l4_len >= 18)
		qck = &qp[8];
	if (qck)
		*qck = lb_csum4(*qck, in->l4_proto, q->src_addr, qsrc, q->dst_addr, qdst, qp, qsport,
				qdport);
	q->hdr_checksum = csum_update32(q->hdr_checksum, q->src_addr, qsrc);
	q->hdr_checksum = csum_update32(q->hdr_checksum, q->dst_addr, qdst);
	q->src_addr = qsrc;
	q->dst_addr = qdst;
	qp[0] = qsport;
	qp[1] = qdport;
	icmp[2] = 0;
	icmp[3] = 0;
	ck = (uint16_t)~rte_raw_cksum(icmp, meta->l4_len);
	memcpy(icmp + 2, &ck, 2);
}

/*
 * An ICMPv4 error about one of our flows goes where the flow goes (DESIGN.md section 7):
 * about a packet the client got from the VIP, to the flow's backend (a client's path
 * MTU, for instance, is the backend's business); about a packet we sent a backend (fnat),
 * to the client. A dsr flow's errors travel like its packets. Errors about flows we do
 * not know are left to the appliance's own stack (SL_CNT_OK). Flow state is not touched.
 */
static __rte_noinline int
lb_icmp_input(struct dp *dp, struct lb_worker *lw, struct rte_mbuf *m, uint16_t pi,
	      const struct pkt_meta *meta, uint16_t *out_pi)
{
	const struct lb *lb = lb_get(dp);
	struct rte_ether_addr mac;
	struct pkt_meta in;
	struct ct_entry *e;
	struct ct_key k;
	enum ct_dir d;
	uint16_t npi;

	if (!lb_icmp_inner4(m, meta, &in))
		return SL_CNT_OK;
	/* The quote is a packet of the flow sent towards the error's sender; the flow's
	 * packets the other way carry its reverse. */
	lb_ct_key4(&k, in.l4_proto, in.addr.v4.dst, in.addr.v4.src, in.dport, in.sport);
	e = ct_lookup(lw->ct, &k, rte_rdtsc(), &d);
	if (!e)
		return SL_CNT_OK;
	if (e->flags & LB_CT_DSR) {
		int rc = lb_dsr_xmit(dp, lb, e->backend, e->flags, m, meta, pi, out_pi);

		return rc == SL_CNT_LB_FORWARD ? SL_CNT_LB_ICMP_ERROR : rc;
	}
	if (d == CT_DIR_ORIG) {         /* about our reply to the client: to the backend */
		const struct ct_key *o = &e->key[CT_DIR_ORIG], *r = &e->key[CT_DIR_REPLY];

		if (!neigh_get(lb->neigh, e->backend, &mac, &npi))
			return SL_CNT_LB_NEIGH_UNRESOLVED;
		lb_icmp_translate4(m, meta, &in, o->src, r->dst, r->src,
				   r->src, r->sport, r->dst, r->dport);
		lb_eth(m, &dp->ports[npi].local.mac, mac.addr_bytes);
		*out_pi = npi;
	} else {                        /* about what we sent the backend: to the client */
		const struct ct_key *o = &e->key[CT_DIR_ORIG], *r = &e->key[CT_DIR_REPLY];

		lb_icmp_translate4(m, meta, &in, r->src, o->dst, o->src,
				   o->src, o->sport, o->dst, o->dport);
		lb_eth(m, &dp->ports[e->peer_port].local.mac, e->peer_mac);
		*out_pi = e->peer_port;
	}
	return SL_CNT_LB_ICMP_ERROR;
}

/* A burst's connection-table lookups made ahead (lb_lookup_burst). */
struct lb_pre {
	struct ct_entry *e;     /* NULL: not in the table */
	uint64_t gen;           /* the table's generation when looked up */
	uint8_t dir;
	uint8_t valid;          /* 0: not looked up */
};

/* Whether the balancer looks at this packet at all. */
static inline int
lb_candidate(const struct pkt_meta *m)
{
	return m->l3 == PKT_L3_IPV4 && (m->l4_proto == IPPROTO_TCP || m->l4_proto == IPPROTO_UDP) &&
	       !(m->flags & PKT_F_FRAG);
}

/*
 * Looks the burst's candidates up in the connection table at once (rte_hash's bulk
 * lookup overlaps the bucket and key fetches) and prefetches the entries found, so the
 * misses of a burst overlap instead of following each other. mine[i]: this worker owns
 * packet i. A result is used only while the table's generation is unchanged: an insert
 * or a free by an earlier packet of the burst sends later ones back to a lookup.
 */
static inline void
lb_lookup_burst(struct lb_worker *lw, const struct pkt_meta *meta, const int *rc,
		const uint8_t *mine, uint16_t n, struct lb_pre *pre)
{
	struct ct_key keys[DP_BURST];
	const void *kp[DP_BURST];
	void *data[DP_BURST];
	uint16_t idx[DP_BURST], i, c = 0;
	uint64_t hits = 0;

	for (i = 0; i < n; i++) {
		pre[i].valid = 0;
		if (rc[i] != SL_CNT_OK || !mine[i] || !lb_candidate(&meta[i]))
			continue;
		lb_ct_key4(&keys[c], meta[i].l4_proto, meta[i].addr.v4.src, meta[i].addr.v4.dst,
			   meta[i].sport, meta[i].dport);
		kp[c] = &keys[c];
		idx[c++] = i;
	}
	if (!c || rte_hash_lookup_bulk_data(lw->ct->h, kp, c, &hits, data) < 0)
		return;
	for (i = 0; i < c; i++) {
		struct lb_pre *p = &pre[idx[i]];

		p->valid = 1;
		p->gen = lw->ct->gen;
		p->e = NULL;
		if (hits & (1ULL << i)) {
			uintptr_t v = (uintptr_t)data[i];

			p->e = &lw->ct->e[v >> 1];
			p->dir = (uint8_t)(v & 1);
			/* Every line the entry spans (at most two lines long, so up to three
			 * at its offset): the packet reads most of it — the first line alone
			 * left the rest to demand misses. */
			rte_prefetch0(p->e);
			rte_prefetch0((const char *)p->e + RTE_CACHE_LINE_SIZE);
			rte_prefetch0((const char *)(p->e + 1) - 1);
		}
	}
}

/* The Maglev answer for the whole tuple, whatever the service's policy: what a packet
 * without a table entry gets, the same on every worker and appliance. -1: no backend. */
static inline int
lb_pick_stateless(const struct lb *lb, const struct lb_service *s, const struct pkt_meta *m)
{
	const struct lb_pool *p = &lb->pools[s->pool];
	uint16_t b = maglev_lookup(p->maglev, p->maglev_m, lb_tuple_hash(m));

	return b == MAGLEV_NONE ? -1 : b;
}

/* The service a packet is addressed to (its exact port, then the address's any-port
 * service), or NULL. */
static inline const struct lb_service *
lb_service_of(const struct lb *lb, const struct pkt_meta *meta)
{
	struct lb_svc_key sk;
	void *data;

	memset(&sk, 0, sizeof(sk));
	sk.proto = meta->l4_proto;
	sk.port = meta->dport;
	if (meta->l3 == PKT_L3_IPV6) {
		sk.family = 6;
		memcpy(sk.addr, meta->addr.v6.dst, 16);
	} else {
		sk.family = 4;
		sk.addr[0] = meta->addr.v4.dst;
	}
	if (rte_hash_lookup_data(lb->svc_hash, &sk, &data) < 0) {
		sk.port = 0;
		if (rte_hash_lookup_data(lb->svc_hash, &sk, &data) < 0)
			return NULL;
	}
	return &lb->svc[(uintptr_t)data];
}

/* A new flow's entry, once inserted: what it belongs to and how to reach both ends. */
static inline void
lb_flow_init(struct lb_worker *lw, struct ct_entry *e, const struct lb *lb,
	     const struct lb_service *s, const struct lb_backend *be, uint16_t flags,
	     const struct rte_mbuf *m, uint16_t pi, uint64_t *cnt)
{
	cnt[SL_CNT_LB_NEW_FLOW]++;
	/* The entry names its backend by what outlives a table version: the reply tuple
	 * (address, port) and the neighbour. */
	e->service = (uint32_t)(s - lb->svc);
	e->backend = be->neigh;
	e->flags = (uint16_t)(LB_CT_ACTIVE | flags | (uint16_t)(s->policy << LB_CT_POLICY_SHIFT));
	e->mss = s->mss;
	lw->conns[be->neigh]++;
	e->peer_port = pi;
	memcpy(e->peer_mac, rte_pktmbuf_mtod(m, const struct rte_ether_hdr *)->src_addr.addr_bytes,
	       RTE_ETHER_ADDR_LEN);
}

/* An fnat service's new flow: a TCP SYN (else lb_no_conn, as IPVS), the policy's
 * backend, resolved. SL_CNT_OK with *be and its port *npi, or the drop reason. */
static inline int
lb_fnat_backend(struct dp *dp, const struct lb *lb, struct lb_worker *lw, unsigned int widx,
		const struct lb_service *s, const struct rte_mbuf *m, const struct pkt_meta *meta,
		uint64_t now, const struct lb_backend **be, uint16_t *npi)
{
	struct rte_ether_addr mac;
	int b;

	if (meta->l4_proto == IPPROTO_TCP &&
	    (lb_tcp_flags(m, meta) & (RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG | RTE_TCP_RST_FLAG)) !=
	    RTE_TCP_SYN_FLAG)
		return SL_CNT_LB_NO_CONN;
	b = lb_pick(dp, lb, lw, widx, s, meta, now);
	if (b < 0)
		return SL_CNT_LB_NO_BACKEND;
	*be = &lb->pools[s->pool].b[b];
	if (!neigh_get(lb->neigh, (*be)->neigh, &mac, npi))
		return SL_CNT_LB_NEIGH_UNRESOLVED;
	return SL_CNT_OK;
}

/*
 * A packet of no known flow to a dsr or dsr-ipip service. Only the client's side passes
 * here, so the entry holds one tuple and follows the client's flags alone. What the
 * table cannot hold is forwarded by lb_pick_stateless and counted lb_stateless, as
 * DESIGN.md section 7 asks: a full table (new flows) and a TCP segment of a flow the
 * table does not know (one that began while the table was full, or on another appliance
 * before an ECMP change — Katran's reason for consistent hashing). Such a flow keeps its
 * backend while the pool does; rr-like policies cannot promise that without state.
 */
static __rte_noinline int
lb_dsr_new(struct dp *dp, const struct lb *lb, struct lb_worker *lw, unsigned int widx,
	   const struct lb_service *s, struct rte_mbuf *m, uint16_t pi,
	   const struct pkt_meta *meta, uint64_t now, uint16_t *out_pi, uint64_t *cnt,
	   uint16_t decided)
{
	uint16_t flags = LB_CT_DSR | (s->mode == LB_MODE_DSR_IPIP ? LB_CT_IPIP : 0) | decided;
	uint8_t f = lb_tcp_flags(m, meta);
	const struct lb_backend *be;
	struct ct_entry *e;
	struct ct_key ok;
	int b;

	if (meta->l4_proto == IPPROTO_TCP &&
	    (f & (RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG | RTE_TCP_RST_FLAG)) != RTE_TCP_SYN_FLAG) {
		b = lb_pick_stateless(lb, s, meta);
		if (b < 0)
			return SL_CNT_LB_NO_BACKEND;
		cnt[SL_CNT_LB_STATELESS]++;
		return lb_dsr_xmit(dp, lb, lb->pools[s->pool].b[b].neigh, flags, m, meta, pi,
				   out_pi);
	}
	b = lb_pick(dp, lb, lw, widx, s, meta, now);
	if (b < 0)
		return SL_CNT_LB_NO_BACKEND;
	be = &lb->pools[s->pool].b[b];
	if (meta->l3 == PKT_L3_IPV6) {
		struct ct_key6 ok6;

		lb_ct_key6(&ok6, meta->l4_proto, meta->addr.v6.src, meta->addr.v6.dst, meta->sport,
			   meta->dport);
		e = ct_insert_new6(lw->ct, &ok6, &ok6, meta->l4_proto, now);
		flags |= LB_CT_V6;
	} else {
		lb_ct_key4(&ok, meta->l4_proto, meta->addr.v4.src, meta->addr.v4.dst,
			   meta->sport, meta->dport);
		e = ct_insert_new(lw->ct, &ok, &ok, meta->l4_proto, now);
	}
	if (!e) {
		b = lb_pick_stateless(lb, s, meta);
		if (b < 0)
			return SL_CNT_LB_NO_BACKEND;
		cnt[SL_CNT_LB_STATELESS]++;
		if (s->mss && lb_mss_clamp(m, meta, s->mss))
			cnt[SL_CNT_LB_MSS_CLAMPED]++;
		return lb_dsr_xmit(dp, lb, lb->pools[s->pool].b[b].neigh, flags, m, meta, pi,
				   out_pi);
	}
	lb_flow_init(lw, e, lb, s, be, flags, m, pi, cnt);
	e->oneway = 1;
	return lb_follow(dp, lw, e, CT_DIR_ORIG, m, meta, now, pi, out_pi, cnt);
}

/*
 * An fnat service's new flow, either family: the policy's backend, a local address on the
 * backend's port and a local port whose reply tuple this worker owns, both tuples into
 * the table (neither is there: the client's was just looked up, the reply's by the port
 * search), then the packet on.
 */
static __rte_noinline int
lb_fnat_new(struct dp *dp, const struct lb *lb, struct lb_worker *lw, unsigned int widx,
	    const struct lb_service *s, struct rte_mbuf *m, uint16_t pi,
	    const struct pkt_meta *meta, uint64_t now, uint16_t *out_pi, uint64_t *cnt,
	    uint16_t decided)
{
	const struct local_port *lp;
	const struct lb_backend *be;
	struct ct_entry *e;
	uint16_t npi, lport, bport;
	int rc = lb_fnat_backend(dp, lb, lw, widx, s, m, meta, now, &be, &npi);

	if (rc != SL_CNT_OK)
		return rc;
	lp = &dp->ports[npi].local;
	bport = be->port ? be->port : meta->dport;
	if (meta->l3 == PKT_L3_IPV6) {
		struct ct_key6 ok, rk;

		if (!lp->nb_v6)
			return SL_CNT_LB_NO_SOURCE_ADDR;
		lport = lb_lport6(lw, widx, dp->nb_workers, be->addr6, bport, lp->v6[0],
				  meta->l4_proto, now);
		if (!lport)
			return SL_CNT_LB_PORTS_EXHAUSTED;
		lb_ct_key6(&ok, meta->l4_proto, meta->addr.v6.src, meta->addr.v6.dst, meta->sport,
			   meta->dport);
		lb_ct_key6(&rk, meta->l4_proto, be->addr6, lp->v6[0], bport, lport);
		e = ct_insert_new6(lw->ct, &ok, &rk, meta->l4_proto, now);
	} else {
		struct ct_key ok, rk;

		if (!lp->nb_v4)
			return SL_CNT_LB_NO_SOURCE_ADDR;
		lport = lb_lport(lw, widx, dp->nb_workers, be->addr, bport, lp->v4[0],
				 meta->l4_proto, now);
		if (!lport)
			return SL_CNT_LB_PORTS_EXHAUSTED;
		lb_ct_key4(&ok, meta->l4_proto, meta->addr.v4.src, meta->addr.v4.dst, meta->sport,
			   meta->dport);
		lb_ct_key4(&rk, meta->l4_proto, be->addr, lp->v4[0], bport, lport);
		e = ct_insert_new(lw->ct, &ok, &rk, meta->l4_proto, now);
	}
	if (!e)
		return SL_CNT_LB_CT_FULL;
	lb_flow_init(lw, e, lb, s, be, (uint16_t)((meta->l3 == PKT_L3_IPV6 ? LB_CT_V6 : 0) | decided),
		     m, pi, cnt);
	return lb_follow(dp, lw, e, CT_DIR_ORIG, m, meta, now, pi, out_pi, cnt);
}

/* Whether limit l sees a client's packet: its service and its client prefix. */
static inline int
lb_limit_match(const struct lb_limit *l, const struct pkt_meta *meta)
{
	int v6 = meta->l3 == PKT_L3_IPV6;

	if (l->has_service &&
	    (l->proto != meta->l4_proto || l->vip_v6 != v6 || (l->port && l->port != meta->dport) ||
	     (v6 ? memcmp(l->vip6, meta->addr.v6.dst, 16) != 0 : l->vip != meta->addr.v4.dst)))
		return 0;
	if (l->has_from) {
		const uint8_t *src = v6 ? meta->addr.v6.src : (const uint8_t *)&meta->addr.v4.src;
		unsigned int full = l->from_plen / 8, rest = l->from_plen % 8;

		if (l->from_v6 != v6 || memcmp(src, l->from, full) != 0 ||
		    (rest && ((src[full] ^ l->from[full]) & (uint8_t)(0xff << (8 - rest)))))
			return 0;
	}
	return 1;
}

/* The subscriber a client's address maps to (the longest prefix): its id, 0 if none. */
static inline uint32_t
lb_subscriber(const struct lb *lb, const struct pkt_meta *meta)
{
	uint32_t id = 0;

	if (meta->l3 == PKT_L3_IPV6) {
		if (lb->sub6 && rte_lpm6_lookup(lb->sub6, meta->addr.v6.src, &id) != 0)
			id = 0;
	} else if (lb->sub4 &&
		   rte_lpm_lookup(lb->sub4, rte_be_to_cpu_32(meta->addr.v4.src), &id) != 0) {
		id = 0;
	}
	return id;
}

/* Key of limit l for a client's packet (sub: its subscriber's id). */
static inline void
lb_limit_key(const struct lb_limit *l, const struct pkt_meta *meta, uint32_t sub,
	     struct police_key *k)
{
	if (l->key == LB_LIMIT_KEY_SERVICE || l->key == LB_LIMIT_KEY_SUBSCRIBER) {
		memset(k, 0, sizeof(*k));
		k->id = l->key == LB_LIMIT_KEY_SERVICE ? l->id : sub;
	} else if (meta->l3 == PKT_L3_IPV6) {
		police_key_prefix(k, 6, 0, meta->addr.v6.src, l->prefix6);
	} else {
		police_key_prefix(k, 4, meta->addr.v4.src, NULL, l->prefix4);
	}
}

/* A three-colour meter (dataplane/meter.h) on a client's packet: its IP bytes metered in
 * its key's state (started on this packet's clock when new), the input colour from its
 * DSCP if the meter is colour-aware, then the colour's action. */
static __rte_noinline int
lb_police_meter(const struct lb_limit *l, unsigned int widx, struct rte_mbuf *m,
		const struct pkt_meta *meta, uint32_t sub, uint64_t now_tsc, uint64_t *cnt,
		uint16_t *decided)
{
	struct lb_limit_cnt *c = &l->st->cnt[widx];
	void *l3 = rte_pktmbuf_mtod_offset(m, void *, meta->l3_off);
	struct meter_counters mc = { { 0 }, { 0 } };
	enum rte_color in = RTE_COLOR_GREEN, out;
	enum meter_action act;
	struct police_key k;
	int created;
	void *st;

	lb_limit_key(l, meta, sub, &k);
	c->matched++;
	st = police_table_get_new(l->st->t[widx], &k, &created);
	if (unlikely(!st)) {
		c->no_state++;
		cnt[SL_CNT_POLICE_NO_STATE]++;
		return SL_CNT_OK;
	}
	if (created)
		meter_state_init(st, l->meter, now_tsc);
	if (l->meter->colour_aware)
		in = meter_dscp_colour(meter_dscp_get(l3));
	out = meter_run(l->meter, st, (uint32_t)(meta->l4_off - meta->l3_off) + meta->l4_len,
			now_tsc, in, &mc, &act);
	c->colour[out]++;
	if (out != RTE_COLOR_GREEN)
		c->over++;
	switch (act) {
	case METER_DROP:
		*decided |= LB_CT_LIMIT_DROPPED;
		return SL_CNT_POLICED;
	case METER_REMARK:
		meter_dscp_set(l3, l->meter->remark_dscp[out]);
		cnt[SL_CNT_POLICE_REMARKED]++;
		*decided |= LB_CT_LIMIT_REMARKED;
		return SL_CNT_OK;
	default:
		return SL_CNT_OK;
	}
}

/*
 * The rate limits on a client's packet to a service (docs/limits.md), lowest priority
 * number first: each limit that sees it charges its key (a connection's first packet, a
 * packet, or its IP bytes) and, over the limit, drops it (SL_CNT_POLICED: no later limit
 * is charged), remarks its DSCP or only counts. new_flow: the packet opens a flow (a
 * TCP SYN, a UDP flow's first datagram). SL_CNT_OK lets it on. What was decided is or-ed
 * into *decided (LB_CT_LIMIT_*), for the flow's entry and so its flow log record.
 */
static __rte_noinline int
lb_police(const struct lb *lb, unsigned int widx, struct rte_mbuf *m, const struct pkt_meta *meta,
	  int new_flow, uint64_t now_tsc, uint64_t *cnt, uint16_t *decided)
{
	uint64_t now_ns = lb_tsc_ns(now_tsc);
	uint32_t i, sub = UINT32_MAX;   /* looked up when a limit first asks */

	for (i = 0; i < lb->nb_limits; i++) {
		const struct lb_limit *l = &lb->limits[i];
		struct lb_limit_cnt *c = &l->st->cnt[widx];
		struct police_key k;
		uint64_t cost;
		void *st;

		if (!lb_limit_match(l, meta))
			continue;
		if (l->sub || l->key == LB_LIMIT_KEY_SUBSCRIBER) {
			if (sub == UINT32_MAX)
				sub = lb_subscriber(lb, meta);
			if (!sub || (l->sub && l->sub != sub))
				continue;       /* not this limit's subscriber, or none */
		}
		if (l->meter) {
			int rc = lb_police_meter(l, widx, m, meta, sub, now_tsc, cnt, decided);

			if (rc != SL_CNT_OK)
				return rc;
			continue;
		}
		cost = l->unit == POLICE_PACKETS ? 1 :
		       l->unit == POLICE_BYTES ? (uint64_t)(meta->l4_off - meta->l3_off) + meta->l4_len :
		       (uint64_t)new_flow;
		if (!cost)
			continue;
		cost *= l->cost_mult;
		lb_limit_key(l, meta, sub, &k);
		c->matched++;
		st = police_table_get(l->st->t[widx], &k);
		if (unlikely(!st)) {
			c->no_state++;
			cnt[SL_CNT_POLICE_NO_STATE]++;
			continue;
		}
		if (police_check(st, &l->pp, cost, now_ns))
			continue;
		c->over++;
		switch (l->action) {
		case LB_LIMIT_DROP:
			*decided |= LB_CT_LIMIT_DROPPED;
			return SL_CNT_POLICED;
		case LB_LIMIT_REMARK:
			meter_dscp_set(rte_pktmbuf_mtod_offset(m, void *, meta->l3_off), l->dscp);
			cnt[SL_CNT_POLICE_REMARKED]++;
			*decided |= LB_CT_LIMIT_REMARKED;
			break;
		default:
			cnt[SL_CNT_POLICE_COUNTED]++;
			*decided |= LB_CT_LIMIT_COUNTED;
			break;
		}
	}
	return SL_CNT_OK;
}

/* Whether a client's packet of no known flow would open one: a TCP SYN, any UDP. */
static inline int
lb_opens_flow(const struct rte_mbuf *m, const struct pkt_meta *meta)
{
	return meta->l4_proto != IPPROTO_TCP ||
	       (lb_tcp_flags(m, meta) & (RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG | RTE_TCP_RST_FLAG)) ==
	       RTE_TCP_SYN_FLAG;
}

/* A packet of no flow we know, either family: the service's, if any, starts one. */
static inline int
lb_new(struct dp *dp, const struct lb *lb, struct lb_worker *lw, unsigned int widx,
       struct rte_mbuf *m, uint16_t pi, const struct pkt_meta *meta, uint64_t now,
       uint16_t *out_pi, uint64_t *cnt)
{
	const struct lb_service *s = lb_service_of(lb, meta);
	uint16_t decided = 0;
	int rc;

	if (!s)
		return SL_CNT_OK;
	if (unlikely(lb->nb_limits) &&
	    (rc = lb_police(lb, widx, m, meta, lb_opens_flow(m, meta), now, cnt, &decided)) !=
	    SL_CNT_OK)
		return rc;
	if (s->mode != LB_MODE_FNAT)
		return lb_dsr_new(dp, lb, lw, widx, s, m, pi, meta, now, out_pi, cnt, decided);
	return lb_fnat_new(dp, lb, lw, widx, s, m, pi, meta, now, out_pi, cnt, decided);
}

/* A packet of a flow we know, either family: the client's side through the rate limits
 * (their decisions kept in the flow's entry), then on. */
static inline int
lb_known(struct dp *dp, const struct lb *lb, struct lb_worker *lw, unsigned int widx,
	 struct ct_entry *e, enum ct_dir d, struct rte_mbuf *m, uint16_t pi,
	 const struct pkt_meta *meta, uint64_t now, uint16_t *out_pi, uint64_t *cnt)
{
	if (unlikely(lb->nb_limits) && d == CT_DIR_ORIG) {
		uint16_t decided = 0;
		int rc = lb_police(lb, widx, m, meta, 0, now, cnt, &decided);

		e->flags |= decided;
		if (rc != SL_CNT_OK)
			return rc;
	}
	return lb_follow(dp, lw, e, d, m, meta, now, pi, out_pi, cnt);
}

/* An IPv6 packet: the same steps as lb_input over the IPv6 tuple table (not looked up
 * ahead in bursts: IPv4 is the volume here). */
static __rte_noinline int
lb_input6(struct dp *dp, struct lb_worker *lw, unsigned int widx, struct rte_mbuf *m,
	  uint16_t pi, const struct pkt_meta *meta, uint16_t *out_pi, uint64_t *cnt)
{
	const struct lb *lb = lb_get(dp);
	uint64_t now = rte_rdtsc();
	struct ct_entry *e;
	struct ct_key6 ok;
	enum ct_dir d;

	if (unlikely(meta->l4_proto == IPPROTO_ICMPV6))
		return lb_icmp6_input(dp, lw, m, pi, meta, out_pi);
	if ((meta->l4_proto != IPPROTO_TCP && meta->l4_proto != IPPROTO_UDP) ||
	    (meta->flags & PKT_F_FRAG))
		return SL_CNT_OK;
	lb_ct_key6(&ok, meta->l4_proto, meta->addr.v6.src, meta->addr.v6.dst, meta->sport,
		   meta->dport);
	e = ct_lookup6(lw->ct, &ok, now, &d);
	if (e && lb_reused(e, d, m, meta)) {
		ct_delete(lw->ct, e);
		e = NULL;
	}
	if (e)
		return lb_known(dp, lb, lw, widx, e, d, m, pi, meta, now, out_pi, cnt);
	return lb_new(dp, lb, lw, widx, m, pi, meta, now, out_pi, cnt);
}

static inline int
lb_input(struct dp *dp, struct lb_worker *lw, unsigned int widx, struct rte_mbuf *m,
	 uint16_t pi, const struct pkt_meta *meta, uint16_t *out_pi, uint64_t *cnt,
	 const struct lb_pre *pre)
{
	const struct lb *lb = lb_get(dp);
	uint64_t now = rte_rdtsc();
	struct ct_entry *e;
	struct ct_key ok;
	enum ct_dir d;

	if (!lb_candidate(meta)) {
		if (unlikely(meta->l3 == PKT_L3_IPV6))
			return lb_input6(dp, lw, widx, m, pi, meta, out_pi, cnt);
		if (unlikely(meta->l4_proto == IPPROTO_ICMP))
			return lb_icmp_input(dp, lw, m, pi, meta, out_pi);
		return SL_CNT_OK;
	}
	if (pre && pre->valid && pre->gen == lw->ct->gen) {
		e = pre->e;
		d = (enum ct_dir)pre->dir;
		if (e && ct_expire_if_due(lw->ct, e, now))
			e = NULL;
	} else {
		lb_ct_key4(&ok, meta->l4_proto, meta->addr.v4.src, meta->addr.v4.dst, meta->sport,
			   meta->dport);
		e = ct_lookup(lw->ct, &ok, now, &d);
	}
	if (e && lb_reused(e, d, m, meta)) {
		ct_delete(lw->ct, e);
		e = NULL;
	}
	if (e)
		return lb_known(dp, lb, lw, widx, e, d, m, pi, meta, now, out_pi, cnt);
	return lb_new(dp, lb, lw, widx, m, pi, meta, now, out_pi, cnt);
}

#endif /* SL_LB_FP_H */
