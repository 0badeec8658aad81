/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * worker: the burst loop on each worker lcore.
 *
 * Per pass: for every port, receive up to DP_BURST frames from our queue, parse them all
 * (prefetching a few ahead), then act on each; drain the hand-off rings from the other
 * workers; flush the TX buffers. Nothing here allocates, locks, logs or makes a syscall,
 * except the optional idle sleep (--idle-sleep-us), which only happens after
 * DP_IDLE_PASSES passes that found no packet at all: a lab or VM shares its cores with
 * the clients and servers under test, a production node leaves it at 0 and polls.
 *
 * Ownership (DESIGN.md 2): ARP and ND are answered where they arrive (stateless, and a
 * neighbour solicitation's owner would be the multicast group's); every other IP packet
 * goes to owner_of(); a packet owned elsewhere is enqueued on our ring to that worker,
 * and the owner transmits the reply on its own TX queue of the arrival port.
 *
 * Context: worker lcore, fast path; worker_setup_all/worker_free_all on the control thread.
 */
#include <errno.h>
#include <stdio.h>

#include <rte_cycles.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_prefetch.h>

#include "dp_stats.h"
#include "ipfrag_fp.h"
#include "owner_fp.h"
#include "lb_fp.h"
#include "lb_shape.h"
#include "pkt_fp.h"
#include "src_filter_fp.h"
#include "worker.h"

#define WORKER_PREFETCH_AHEAD 3
#define WORKER_UPKEEP_US      1000

/*
 * A datagram too big for port pi's MTU (a reassembled one, or one our encapsulation grew
 * without DF): sent in pieces. Our own IPIP header (from this port's address) stays
 * whole on every piece; the datagram inside is what is split (ipfrag.h).
 */
static __rte_noinline void
worker_tx_fragments(struct worker *w, struct rte_mbuf *m, uint16_t pi)
{
	const struct dp_port *dpp = &w->dp->ports[pi];
	struct rte_mbuf *out[IPFRAG_OUT_MAX];
	uint16_t l2 = ipfrag_l2_len(m), mtu = dpp->mtu;
	const struct rte_ipv4_hdr *ip;
	const struct rte_ipv6_hdr *ip6;
	int outer = 0, n, i;

	ip = rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *, l2);
	ip6 = (const struct rte_ipv6_hdr *)ip;
	if (rte_pktmbuf_data_len(m) < l2 + 2 * sizeof(*ip6) ||
	    ((ip->version_ihl >> 4) != 4 && (ip->version_ihl >> 4) != 6)) {
		w->cnt[SL_CNT_FRAG_OUT_FAILED]++;
		rte_pktmbuf_free(m);
		return;
	}
	if ((ip->version_ihl >> 4) == 4 && ip->next_proto_id == IPPROTO_IPIP &&
	    ip->version_ihl == 0x45 && local_v4_owned(&dpp->local, ip->src_addr)) {
		outer = 1;
		l2 = (uint16_t)(l2 + sizeof(*ip));
		mtu = (uint16_t)(mtu - sizeof(*ip));
	} else if ((ip->version_ihl >> 4) == 6 && ip6->proto == IPPROTO_IPV6 &&
		   local_v6_owned(&dpp->local, ip6->src_addr)) {
		outer = 1;
		l2 = (uint16_t)(l2 + sizeof(*ip6));
		mtu = (uint16_t)(mtu - sizeof(*ip6));
	}
	n = ipfrag_fragment(m, l2, outer, mtu, w->dp->pool, w->dp->pool_indirect, out);
	if (n < 0) {
		w->cnt[SL_CNT_FRAG_OUT_FAILED]++;
		return;
	}
	w->cnt[SL_CNT_FRAG_SENT] += (uint64_t)n;
	for (i = 0; i < n; i++) {
		/* A piece is a header mbuf and a reference to the datagram; not every PMD
		 * sends chains (22.11's af_xdp copies the first segment's length only). */
		if (rte_pktmbuf_linearize(out[i]) != 0) {
			w->cnt[SL_CNT_FRAG_OUT_FAILED]++;
			rte_pktmbuf_free(out[i]);
			continue;
		}
		w->cnt[SL_CNT_TX] += rte_eth_tx_buffer(dpp->port.port_id, (uint16_t)w->idx,
						       w->txb[pi], out[i]);
	}
}

/* A reassembled datagram, or one bigger than port pi's MTU: whole in one segment if it
 * fits, else in pieces. */
static __rte_noinline void
worker_tx_slow(struct worker *w, struct rte_mbuf *m, uint16_t pi)
{
	if (rte_pktmbuf_pkt_len(m) > w->dp->ports[pi].mtu + (uint32_t)ipfrag_l2_len(m)) {
		worker_tx_fragments(w, m, pi);
		return;
	}
	if (rte_pktmbuf_linearize(m) != 0) {
		w->cnt[SL_CNT_FRAG_OUT_FAILED]++;
		rte_pktmbuf_free(m);
		return;
	}
	w->cnt[SL_CNT_TX] += rte_eth_tx_buffer(w->dp->ports[pi].port.port_id, (uint16_t)w->idx,
					       w->txb[pi], m);
}

/*
 * Shaping (lb_shape.h): the pipe of the subscriber the frame is for (its destination
 * address), 0 if none is shaped. Context: worker, with lb in force.
 */
static inline uint32_t
worker_shape_pipe(const struct lb *lb, const struct rte_mbuf *m, uint8_t *tc)
{
	const struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	uint32_t id = 0, len = rte_pktmbuf_data_len(m);

	if (len >= sizeof(*eth) + sizeof(struct rte_ipv4_hdr) &&
	    eth->ether_type == rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4)) {
		const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)(eth + 1);

		if (!lb->sub4 || rte_lpm_lookup(lb->sub4, rte_be_to_cpu_32(ip->dst_addr), &id) != 0)
			return 0;
		*tc = shaper_tc_of_dscp(ip->type_of_service >> 2);
	} else if (len >= sizeof(*eth) + sizeof(struct rte_ipv6_hdr) &&
		   eth->ether_type == rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV6)) {
		const struct rte_ipv6_hdr *ip6 = (const struct rte_ipv6_hdr *)(eth + 1);

		if (!lb->sub6 || rte_lpm6_lookup(lb->sub6, ip6->dst_addr, &id) != 0)
			return 0;
		*tc = shaper_tc_of_dscp((uint8_t)((rte_be_to_cpu_32(ip6->vtc_flow) >> 22) & 0x3f));
	} else {
		return 0;
	}
	return id <= lb->nb_subs ? lb->sub_pipe[id] : 0;
}

/* The shapers' turn at the end of a loop pass: what this pass held for them goes in
 * (stamped for the shapers in force now, whatever version the pass began with), what
 * is due comes out to the ports. Without shaping (it was just removed), what was held
 * goes straight out. */
static __rte_noinline void
worker_shape_flush(struct worker *w, const struct lb *lb)
{
	const struct lb_shape *sh = lb ? lb->shape : NULL;
	struct rte_mbuf *out[DP_BURST];
	uint16_t pi;
	unsigned int i, n, k;

	w->shq_held = 0;
	for (pi = 0; pi < w->dp->nb_ports; pi++) {
		struct worker_shq *q = &w->shq[pi];
		uint16_t port = w->dp->ports[pi].port.port_id, txq = (uint16_t)w->idx;
		struct shaper *s = sh && pi < sh->nb_ports ? sh->s[w->idx * sh->nb_ports + pi] :
				   NULL;

		if (q->n) {
			if (!s) {
				for (i = 0; i < q->n; i++)
					w->cnt[SL_CNT_TX] += rte_eth_tx_buffer(port, txq, w->txb[pi],
									       q->m[i]);
			} else {
				for (i = 0; i < q->n; i++)
					shaper_mark(s, q->m[i], q->pipe[i] < sh->conf.nb_pipes ?
						    q->pipe[i] : 0, q->tc[i]);
				k = shaper_enqueue(s, q->m, q->n);
				w->cnt[SL_CNT_SHAPED] += k;
				w->cnt[SL_CNT_SHAPER_DROPPED] += q->n - k;
			}
			q->n = 0;
		}
		if (!s)
			continue;
		for (k = 0; k < 4; k++) {               /* at most 4 bursts a pass */
			n = shaper_dequeue(s, out, DP_BURST);
			for (i = 0; i < n; i++)
				w->cnt[SL_CNT_TX] += rte_eth_tx_buffer(port, txq, w->txb[pi], out[i]);
			if (n < DP_BURST)
				break;
		}
	}
}

/* Holds m for its pipe's shaper (port pi) if it is for a shaped subscriber: 1 if so. */
static inline int
worker_shape(struct worker *w, const struct lb *lb, struct rte_mbuf *m, uint16_t pi)
{
	struct worker_shq *q = &w->shq[pi];
	uint8_t tc = 0;
	uint32_t pipe = worker_shape_pipe(lb, m, &tc);

	if (!pipe)
		return 0;
	if (q->n == WORKER_SHQ_MAX)
		worker_shape_flush(w, lb);
	q->m[q->n] = m;
	q->pipe[q->n] = pipe - 1;
	q->tc[q->n] = tc;
	q->n++;
	w->shq_held++;
	return 1;
}

static inline void
worker_finish(struct worker *w, struct rte_mbuf *m, uint16_t pi, int verdict)
{
	const struct lb *lb;

	w->cnt[verdict]++;
	if (sl_counter_is_drop(verdict)) {
		rte_pktmbuf_free(m);
		return;
	}
	if (unlikely(m->nb_segs > 1 || rte_pktmbuf_pkt_len(m) > w->dp->ports[pi].mtu +
		     (uint32_t)RTE_ETHER_HDR_LEN) && w->dp->pool_indirect) {
		worker_tx_slow(w, m, pi);
		return;
	}
	lb = lb_get(w->dp);
	if (unlikely(lb && lb->shape) && worker_shape(w, lb, m, pi))
		return;
	w->cnt[SL_CNT_TX] += rte_eth_tx_buffer(w->dp->ports[pi].port.port_id, (uint16_t)w->idx,
					       w->txb[pi], m);
}

/* The worker that owns the packet's flow; for an ICMP error, the flow it quotes, whose
 * table entry it needs (the balancer translates such errors). */
static inline unsigned int
worker_owner(const struct worker *w, const struct rte_mbuf *m, const struct pkt_meta *meta)
{
	struct pkt_meta in;

	if (unlikely(meta->l4_proto == IPPROTO_ICMP) && w->dp->lb && lb_icmp_inner4(m, meta, &in))
		return owner_of(&in, w->dp->nb_workers);
	if (unlikely(meta->l4_proto == IPPROTO_ICMPV6) && w->dp->lb && lb_icmp6_inner(m, meta, &in))
		return owner_of(&in, w->dp->nb_workers);
	/* A datagram's fragments meet where their address pair says (a first fragment's
	 * ports would send it elsewhere); the whole datagram moves on to its flow's owner. */
	if (unlikely(meta->flags & PKT_F_FRAG) && w->frag) {
		in = *meta;
		in.sport = 0;
		in.dport = 0;
		return owner_of(&in, w->dp->nb_workers);
	}
	return owner_of(meta, w->dp->nb_workers);
}

static void worker_owned(struct worker *w, struct rte_mbuf *m, uint16_t pi,
			 const struct pkt_meta *meta, const struct lb_pre *pre);

/*
 * An IPv4 fragment for one of our addresses, on the worker its address pair names: kept
 * until its datagram is whole, which then goes to its flow's owner like any packet.
 */
static __rte_noinline void
worker_reassemble(struct worker *w, struct rte_mbuf *m, uint16_t pi, const struct pkt_meta *meta)
{
	struct pkt_meta whole;
	struct rte_mbuf *r;
	unsigned int owner;
	uint32_t need;
	int rc, refused;

	r = ipfrag_reassemble(w->frag, m, meta, rte_rdtsc(), &refused);
	if (refused) {
		w->cnt[SL_CNT_FRAG_DROPPED]++;
		rte_pktmbuf_free(m);
		return;
	}
	w->cnt[SL_CNT_FRAG_HELD]++;
	if (!r)
		return;
	w->cnt[SL_CNT_FRAG_REASSEMBLED]++;
	rc = pkt_parse(rte_pktmbuf_mtod(r, const uint8_t *), rte_pktmbuf_pkt_len(r), &whole);
	/* The parser reads headers only; they must all be in the first fragment. */
	need = whole.l4_off + (whole.l4_proto == IPPROTO_TCP ? sizeof(struct rte_tcp_hdr) : 8u);
	if (rc == SL_CNT_OK && rte_pktmbuf_data_len(r) < need)
		rc = SL_CNT_FRAG_HEADER_SPLIT;
	if (rc != SL_CNT_OK) {
		w->cnt[rc]++;
		rte_pktmbuf_free(r);
		return;
	}
	owner = owner_of(&whole, w->dp->nb_workers);
	if (owner == w->idx) {
		worker_owned(w, r, pi, &whole, NULL);
		return;
	}
	if (unlikely(rte_ring_sp_enqueue(w->ring_out[owner], r) != 0)) {
		w->cnt[SL_CNT_HANDOFF_FULL]++;
		rte_pktmbuf_free(r);
		return;
	}
	w->cnt[SL_CNT_HANDOFF_OUT]++;
}

/* A packet whose flow this worker owns: the balancer's, else the appliance's own. */
static inline void
worker_owned(struct worker *w, struct rte_mbuf *m, uint16_t pi, const struct pkt_meta *meta,
	     const struct lb_pre *pre)
{
	if (w->dp->lb) {
		uint16_t out = pi;
		int v;

		if (unlikely(meta->flags & PKT_F_FRAG) &&
		    (meta->l3 == PKT_L3_IPV4 ?
		     local_v4_owned(&w->dp->ports[pi].local, meta->addr.v4.dst) :
		     local_v6_owned(&w->dp->ports[pi].local, meta->addr.v6.dst))) {
			worker_reassemble(w, m, pi, meta);
			return;
		}
		v = lb_input(w->dp, w->lbw, w->idx, m, pi, meta, &out, w->cnt, pre);
		if (v != SL_CNT_OK) {
			worker_finish(w, m, out, v);
			return;
		}
		/* The appliance's own responders answer in one segment. */
		if (unlikely(m->nb_segs > 1)) {
			worker_finish(w, m, pi, SL_CNT_FRAG_NOT_SERVICE);
			return;
		}
	}
	worker_finish(w, m, pi, local_ip_input(&w->dp->ports[pi].local, m, meta));
}

/* owner: the packet's owner if known (a burst computed it), else -1. pre: its lookup made
 * ahead, or NULL. */
static inline void
worker_classify(struct worker *w, struct rte_mbuf *m, uint16_t pi, const struct pkt_meta *meta,
		int owner, const struct lb_pre *pre)
{
	const struct local_port *lp = &w->dp->ports[pi].local;

	if (unlikely(!local_l2_accept(lp, rte_pktmbuf_mtod(m, const struct rte_ether_hdr *)))) {
		w->cnt[SL_CNT_L2_OTHER_HOST]++;
		rte_pktmbuf_free(m);
		return;
	}
	if (meta->l3 == PKT_L3_ARP && w->dp->neigh)
		neigh_learn_arp(w->dp->neigh, m, meta, pi);
	else if (unlikely(meta->l4_proto == IPPROTO_ICMPV6) && w->dp->neigh)
		neigh_learn_nd(w->dp->neigh, m, meta, pi);
	if (local_is_stateless(m, meta)) {
		worker_finish(w, m, pi, meta->l3 == PKT_L3_ARP ? local_arp_input(lp, m, meta)
							       : local_nd_input(lp, m, meta));
		return;
	}
	if (owner < 0)
		owner = (int)worker_owner(w, m, meta);
	if ((unsigned int)owner == w->idx) {
		worker_owned(w, m, pi, meta, pre);
		return;
	}
	/* mbuf->port still names the arrival port; the owner replies on it. */
	if (unlikely(rte_ring_sp_enqueue(w->ring_out[owner], m) != 0)) {
		w->cnt[SL_CNT_HANDOFF_FULL]++;
		rte_pktmbuf_free(m);
		return;
	}
	w->cnt[SL_CNT_HANDOFF_OUT]++;
}

void
worker_input(struct worker *w, struct rte_mbuf *m, uint16_t pi)
{
	struct pkt_meta meta;
	int rc;

	w->cnt[SL_CNT_RX]++;
	rc = pkt_parse(rte_pktmbuf_mtod(m, const uint8_t *), rte_pktmbuf_data_len(m), &meta);
	if (unlikely(rc != SL_CNT_OK)) {
		w->cnt[rc]++;
		rte_pktmbuf_free(m);
		return;
	}
	worker_classify(w, m, pi, &meta, -1, NULL);
}

/* The XDP filter's policy for a port without XDP: a drop reason into rc[i] for every
 * packet the filter drops. One clock read and one snapshot per burst. */
static inline void
worker_src_filter(struct worker *w, struct rte_mbuf **pkts, const struct pkt_meta *meta,
		  int *rc, uint16_t n)
{
	struct src_filter *sf = w->dp->sf;
	const struct sf_policy *pol = sf_policy_get(sf);
	const struct sf_bans *bans = sf_bans_get(sf);
	uint64_t now = sf_now_ns();
	uint16_t i;

	for (i = 0; i < n; i++)
		if (rc[i] == SL_CNT_OK)
			rc[i] = sf_check(sf, pol, bans, &meta[i], rte_pktmbuf_pkt_len(pkts[i]), now,
					 w->cnt);
}

static inline void
worker_rx_burst(struct worker *w, struct rte_mbuf **pkts, uint16_t n, uint16_t pi)
{
	struct pkt_meta meta[DP_BURST];
	struct lb_pre pre[DP_BURST];
	int rc[DP_BURST], owner[DP_BURST];
	uint8_t mine[DP_BURST];
	uint16_t i;

	w->cnt[SL_CNT_RX] += n;
	for (i = 0; i < n && i < WORKER_PREFETCH_AHEAD; i++)
		rte_prefetch0(rte_pktmbuf_mtod(pkts[i], void *));
	for (i = 0; i < n; i++) {
		if (i + WORKER_PREFETCH_AHEAD < n)
			rte_prefetch0(rte_pktmbuf_mtod(pkts[i + WORKER_PREFETCH_AHEAD], void *));
		rc[i] = pkt_parse(rte_pktmbuf_mtod(pkts[i], const uint8_t *),
				  rte_pktmbuf_data_len(pkts[i]), &meta[i]);
	}
	if (w->dp->ports[pi].src_filter)
		worker_src_filter(w, pkts, meta, rc, n);
	if (w->dp->lb) {
		/* Owners first (needed anyway), then the burst's connection lookups at once. */
		for (i = 0; i < n; i++) {
			owner[i] = rc[i] == SL_CNT_OK && (meta[i].l3 == PKT_L3_IPV4 ||
							  meta[i].l3 == PKT_L3_IPV6) ?
				   (int)worker_owner(w, pkts[i], &meta[i]) : -1;
			mine[i] = owner[i] == (int)w->idx;
		}
		lb_lookup_burst(w->lbw, meta, rc, mine, n, pre);
	}
	for (i = 0; i < n; i++) {
		if (unlikely(rc[i] != SL_CNT_OK)) {
			w->cnt[rc[i]]++;
			rte_pktmbuf_free(pkts[i]);
			continue;
		}
		worker_classify(w, pkts[i], pi, &meta[i], w->dp->lb ? owner[i] : -1,
				w->dp->lb ? &pre[i] : NULL);
	}
}

void
worker_input_burst(struct worker *w, struct rte_mbuf **pkts, uint16_t n, uint16_t pi)
{
	worker_rx_burst(w, pkts, n, pi);
}

/* Packets other workers handed to us: we own them; parse again (cheaper than carrying
 * the meta in every mbuf) and process. */
static inline void
worker_handoff_in(struct worker *w, struct rte_mbuf **pkts, unsigned int n)
{
	struct pkt_meta meta;
	unsigned int i;

	w->cnt[SL_CNT_HANDOFF_IN] += n;
	for (i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		uint16_t pi = w->dp->port_idx[m->port];
		/* A reassembled datagram is a chain (headers in its first segment). */
		int rc = pkt_parse(rte_pktmbuf_mtod(m, const uint8_t *),
				   m->nb_segs > 1 ? rte_pktmbuf_pkt_len(m) : rte_pktmbuf_data_len(m),
				   &meta);

		if (unlikely(rc != SL_CNT_OK)) {
			w->cnt[rc]++;
			rte_pktmbuf_free(m);
			continue;
		}
		worker_owned(w, m, pi, &meta, NULL);
	}
}

/* Every WORKER_UPKEEP_US: age a slice of the connection table; worker 0 also asks for
 * unresolved neighbours. */
static inline void
worker_lb_upkeep(struct worker *w)
{
	uint64_t now = rte_rdtsc();

	if (now < w->next_upkeep_tsc)
		return;
	w->next_upkeep_tsc = now + rte_get_tsc_hz() / 1000000 * WORKER_UPKEEP_US;
	ct_age(w->lbw->ct, now);
	lb_worker_age(w->lbw, now);
	w->cnt[SL_CNT_FRAG_DROPPED] += ipfrag_age(w->frag, now);
	if (w->idx == 0)
		w->cnt[SL_CNT_TX] += neigh_tick(w->dp->neigh, w->dp, 0, now);
}

int
worker_main(void *arg)
{
	struct worker *w = arg;
	struct dp *dp = w->dp;
	struct rte_mbuf *pkts[DP_BURST];
	uint32_t idle = 0;
	uint16_t q = (uint16_t)w->idx;

	if (dp->sf)
		sf_worker_online(dp->sf, w->idx);
	if (dp->lb_qs) {
		rte_rcu_qsbr_thread_register(dp->lb_qs, w->idx);
		rte_rcu_qsbr_thread_online(dp->lb_qs, w->idx);
	}
	while (!__atomic_load_n(&dp->quit, __ATOMIC_RELAXED)) {
		unsigned int got = 0, j;
		uint16_t pi, n;

		/* Between passes we hold no snapshot of the source filter. */
		if (dp->sf)
			rte_rcu_qsbr_quiescent(dp->sf->qs, w->idx);
		if (dp->lb_qs)
			rte_rcu_qsbr_quiescent(dp->lb_qs, w->idx);

		for (pi = 0; pi < dp->nb_ports; pi++) {
			n = rte_eth_rx_burst(dp->ports[pi].port.port_id, q, pkts, DP_BURST);
			if (n) {
				worker_rx_burst(w, pkts, n, pi);
				got += n;
			}
		}
		for (j = 0; j < dp->nb_workers; j++) {
			if (!w->ring_in[j])
				continue;
			n = (uint16_t)rte_ring_sc_dequeue_burst(w->ring_in[j], (void **)pkts,
								DP_BURST, NULL);
			if (n) {
				worker_handoff_in(w, pkts, n);
				got += n;
			}
		}
		if (dp->lb) {
			const struct lb *lb = lb_get(dp);

			if (unlikely(lb->shape != NULL || w->shq_held))
				worker_shape_flush(w, lb);
		}
		for (pi = 0; pi < dp->nb_ports; pi++)
			w->cnt[SL_CNT_TX] += rte_eth_tx_buffer_flush(dp->ports[pi].port.port_id, q,
								     w->txb[pi]);
		if (dp->lb)
			worker_lb_upkeep(w);
		if (got) {
			idle = 0;
		} else if (dp->idle_sleep_us && ++idle >= DP_IDLE_PASSES) {
			/* rte_sched loses the time of a gap above SHAPER_DEQUEUE_GAP_MAX_TSC
			 * (about 5 ms) between dequeues: shaping caps the nap at 1 ms */
			const struct lb *lb = dp->lb ? lb_get(dp) : NULL;

			rte_delay_us_sleep(lb && lb->shape && dp->idle_sleep_us > 1000 ? 1000 :
					   dp->idle_sleep_us);
		}
	}
	if (dp->sf)
		sf_worker_offline(dp->sf, w->idx);
	if (dp->lb_qs) {
		rte_rcu_qsbr_thread_offline(dp->lb_qs, w->idx);
		rte_rcu_qsbr_thread_unregister(dp->lb_qs, w->idx);
	}
	return 0;
}

int
worker_setup_all(struct dp *dp, char *err, size_t errlen)
{
	unsigned int lcore, i, j;
	uint16_t pi;

	/* Fragments made on the way out point into the datagram: indirect mbufs. */
	if (dp->lb && !dp->pool_indirect) {
		dp->pool_indirect = rte_pktmbuf_pool_create("sl_indirect", 8191, 256, 0, 0,
							    (int)rte_socket_id());
		if (!dp->pool_indirect) {
			snprintf(err, errlen, "indirect mbuf pool: %s", rte_strerror(rte_errno));
			return -ENOMEM;
		}
	}
	i = 0;
	RTE_LCORE_FOREACH_WORKER(lcore) {
		struct worker *w;

		if (i == dp->nb_workers)
			break;
		w = rte_zmalloc_socket("sl_worker", sizeof(*w), RTE_CACHE_LINE_SIZE,
				       (int)rte_lcore_to_socket_id(lcore));
		if (!w) {
			snprintf(err, errlen, "worker %u: out of memory", i);
			return -ENOMEM;
		}
		w->idx = i;
		w->lcore_id = lcore;
		w->dp = dp;
		dp->workers[i++] = w;
		if (dp->lb) {
			w->lbw = lb_worker_create(dp->ct_max, w->idx,
						  (int)rte_lcore_to_socket_id(lcore), err, errlen);
			if (!w->lbw)
				return -ENOMEM;
			/* IPv6 tuples always: a service may be added at run time */
			if (ct_enable_v6(w->lbw->ct, (int)rte_lcore_to_socket_id(lcore)) != 0) {
				snprintf(err, errlen, "worker %u: IPv6 connection table: out of "
					 "memory", w->idx);
				return -ENOMEM;
			}
			w->frag = ipfrag_create(w->idx, (int)rte_lcore_to_socket_id(lcore), err,
						errlen);
			if (!w->frag)
				return -ENOMEM;
		}
		w->shq = rte_zmalloc_socket("sl_shq", sizeof(*w->shq) * PORT_MAX, 0,
					    (int)rte_lcore_to_socket_id(lcore));
		if (!w->shq) {
			snprintf(err, errlen, "worker %u: out of memory", w->idx);
			return -ENOMEM;
		}
		for (pi = 0; pi < dp->nb_ports; pi++) {
			w->txb[pi] = rte_zmalloc_socket("sl_txb", RTE_ETH_TX_BUFFER_SIZE(DP_BURST), 0,
							(int)rte_lcore_to_socket_id(lcore));
			if (!w->txb[pi]) {
				snprintf(err, errlen, "worker %u: out of memory", w->idx);
				return -ENOMEM;
			}
			rte_eth_tx_buffer_init(w->txb[pi], DP_BURST);
			rte_eth_tx_buffer_set_err_callback(w->txb[pi],
							   rte_eth_tx_buffer_count_callback,
							   &w->cnt[SL_CNT_TX_FULL]);
		}
	}
	if (i < dp->nb_workers) {
		snprintf(err, errlen, "%u workers need %u worker lcores, EAL has %u",
			 dp->nb_workers, dp->nb_workers, i);
		return -EINVAL;
	}
	for (i = 0; i < dp->nb_workers; i++) {
		for (j = 0; j < dp->nb_workers; j++) {
			char name[RTE_RING_NAMESIZE];
			struct rte_ring *r;

			if (i == j)
				continue;
			snprintf(name, sizeof(name), "sl_ho_%u_%u", i, j);
			r = rte_ring_create(name, DP_HANDOFF_RING,
					    (int)rte_lcore_to_socket_id(dp->workers[j]->lcore_id),
					    RING_F_SP_ENQ | RING_F_SC_DEQ);
			if (!r) {
				snprintf(err, errlen, "hand-off ring %s: %s", name,
					 rte_strerror(rte_errno));
				return -ENOMEM;
			}
			dp->workers[i]->ring_out[j] = r;
			dp->workers[j]->ring_in[i] = r;
		}
	}
	return 0;
}

void
worker_free_all(struct dp *dp)
{
	unsigned int i, j;
	uint16_t pi;

	for (i = 0; i < DP_MAX_WORKERS; i++) {
		struct worker *w = dp->workers[i];

		if (!w)
			continue;
		for (j = 0; j < DP_MAX_WORKERS; j++) {
			struct rte_mbuf *m;

			if (!w->ring_out[j])
				continue;
			while (rte_ring_dequeue(w->ring_out[j], (void **)&m) == 0)
				rte_pktmbuf_free(m);
			rte_ring_free(w->ring_out[j]);
		}
		for (pi = 0; pi < PORT_MAX; pi++) {
			rte_free(w->txb[pi]);
			for (j = 0; w->shq && j < w->shq[pi].n; j++)
				rte_pktmbuf_free(w->shq[pi].m[j]);
		}
		rte_free(w->shq);
		lb_worker_free(w->lbw);
		ipfrag_free(w->frag);
		rte_free(w);
		dp->workers[i] = NULL;
	}
	rte_mempool_free(dp->pool_indirect);
	dp->pool_indirect = NULL;
}
