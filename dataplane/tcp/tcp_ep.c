/* SPDX-License-Identifier: BSD-3-Clause */
/* tcp_ep: a worker's TCP endpoint and its echo and discard services (tcp_ep.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>

#include <rte_hash.h>
#include <rte_ip.h>
#include <rte_malloc.h>
#include <rte_tcp.h>

#include "sl_reasons.h"
#include "tcp_ep.h"
#include "tcp_opt.h"
#include "tcp_seq.h"

enum tcp_ep_service {
	TCP_EP_NONE,
	TCP_EP_ECHO,
	TCP_EP_DISCARD,
};

struct tcp_ep {
	const struct tcp_ep_conf *conf;
	struct rte_hash *h;             /* struct tcp_tuple -> slot */
	struct tcp_ep_conn *conns;      /* [max] */
	uint32_t *free_slots;           /* a stack of free slots */
	uint32_t nb_free, max;
	struct tcp_timer_wheel *wheel;
	uint64_t *cnt;                  /* the worker's counters, during a tick */
};

struct tcp_ep *
tcp_ep_create(const struct tcp_ep_conf *conf, unsigned int worker, int socket, uint64_t now_ns,
	      char *err, size_t errlen)
{
	char name[RTE_HASH_NAMESIZE];
	struct rte_hash_parameters hp = {
		.name = name,
		.entries = conf->max_conns,
		.key_len = sizeof(struct tcp_tuple),
		.socket_id = socket,
	};
	struct tcp_ep *ep = rte_zmalloc_socket("tcp_ep", sizeof(*ep), RTE_CACHE_LINE_SIZE, socket);
	uint32_t i;

	if (!ep)
		goto nomem;
	ep->conf = conf;
	ep->max = conf->max_conns;
	snprintf(name, sizeof(name), "tcp_ep_%u", worker);
	ep->h = rte_hash_create(&hp);
	ep->conns = rte_zmalloc_socket("tcp_ep_conns", sizeof(*ep->conns) * ep->max,
				       RTE_CACHE_LINE_SIZE, socket);
	ep->free_slots = rte_malloc_socket("tcp_ep_free", sizeof(uint32_t) * ep->max, 0, socket);
	if (!ep->h || !ep->conns || !ep->free_slots)
		goto nomem;
	for (i = 0; i < ep->max; i++)
		ep->free_slots[i] = ep->max - 1 - i;
	ep->nb_free = ep->max;
	if (tcp_timer_wheel_create(TCP_TIMER_SLOTS_DEFAULT, TCP_TIMER_TICK_NS_DEFAULT, now_ns,
				   &ep->wheel, err, errlen) != 0) {
		tcp_ep_free(ep);
		return NULL;
	}
	return ep;
nomem:
	snprintf(err, errlen, "worker %u: TCP endpoint of %u connections: out of memory", worker,
		 conf->max_conns);
	tcp_ep_free(ep);
	return NULL;
}

void
tcp_ep_free(struct tcp_ep *ep)
{
	if (!ep)
		return;
	tcp_timer_wheel_free(ep->wheel);
	rte_hash_free(ep->h);
	rte_free(ep->conns);
	rte_free(ep->free_slots);
	rte_free(ep);
}

uint32_t
tcp_ep_conns(const struct tcp_ep *ep)
{
	return ep->max - __atomic_load_n(&ep->nb_free, __ATOMIC_RELAXED);
}

static void
tcp_ep_release(struct tcp_ep *ep, struct tcp_ep_conn *k, uint64_t *cnt)
{
	tcp_timer_cancel(ep->wheel, &k->timer);
	rte_hash_del_key(ep->h, &k->key);
	k->used = 0;
	ep->free_slots[ep->nb_free++] = (uint32_t)(k - ep->conns);
	cnt[SL_CNT_TCP_CONN_CLOSED]++;
}

/* The end of a quiet connection or of its TIME-WAIT. */
static void
tcp_ep_expired(struct tcp_timer_wheel *w, struct tcp_timer *t, uint64_t now_ns, void *arg)
{
	struct tcp_ep *ep = arg;
	struct tcp_ep_conn *k = (struct tcp_ep_conn *)((char *)t - offsetof(struct tcp_ep_conn,
									   timer));

	(void)w;
	(void)now_ns;
	tcp_ep_release(ep, k, ep->cnt);
}

void
tcp_ep_tick(struct tcp_ep *ep, uint64_t now_ns, uint64_t *cnt)
{
	ep->cnt = cnt;
	tcp_timer_wheel_advance(ep->wheel, now_ns, tcp_ep_expired, ep, 256);
}

/*
 * Rewrites m into our segment back to its sender: Ethernet addresses, IP addresses and
 * ports swapped, then flags, numbers, window, opt (optlen bytes, a multiple of 4) and
 * pay_len bytes of the received payload from its offset pay_off; full checksums.
 * Returns SL_CNT_TCP_REPLY, or a drop reason if m has no room for it.
 */
static int
tcp_ep_reply(struct rte_mbuf *m, const struct pkt_meta *meta, const struct rte_ether_addr *mac,
	     uint8_t flags, uint32_t seq, uint32_t ack, uint16_t wnd, const uint8_t *opt,
	     unsigned int optlen, uint32_t pay_off, uint32_t pay_len)
{
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_tcp_hdr *th = rte_pktmbuf_mtod_offset(m, struct rte_tcp_hdr *, meta->l4_off);
	uint32_t doff = (uint32_t)(th->data_off >> 4) * 4, l4_len = 20 + optlen + pay_len;
	uint32_t want = meta->l4_off + l4_len, have = rte_pktmbuf_data_len(m);
	uint16_t port;

	if (want > have && !rte_pktmbuf_append(m, (uint16_t)(want - have)))
		return SL_CNT_TCP_SEGMENT_DROPPED;
	/* the payload first: it moves towards the front (our header is never longer than
	 * the one it replaces when there is payload: options only on a SYN-ACK) */
	if (pay_len)
		memmove((uint8_t *)th + 20 + optlen, (uint8_t *)th + doff + pay_off, pay_len);
	if (want < have)
		rte_pktmbuf_trim(m, (uint16_t)(have - want));
	rte_ether_addr_copy(&eth->src_addr, &eth->dst_addr);
	rte_ether_addr_copy(mac, &eth->src_addr);
	port = th->src_port;
	th->src_port = th->dst_port;
	th->dst_port = port;
	th->sent_seq = rte_cpu_to_be_32(seq);
	th->recv_ack = rte_cpu_to_be_32(ack);
	th->data_off = (uint8_t)(((20 + optlen) / 4) << 4);
	th->tcp_flags = flags;
	th->rx_win = rte_cpu_to_be_16(wnd);
	th->tcp_urp = 0;
	th->cksum = 0;
	if (optlen)
		memcpy(th + 1, opt, optlen);
	if (meta->l3 == PKT_L3_IPV4) {
		struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *,
								  meta->l3_off);
		uint32_t a = ip->src_addr;

		ip->src_addr = ip->dst_addr;
		ip->dst_addr = a;
		ip->total_length = rte_cpu_to_be_16((uint16_t)(meta->l4_off - meta->l3_off + l4_len));
		ip->time_to_live = 64;
		ip->packet_id = 0;
		ip->fragment_offset = rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG);
		ip->hdr_checksum = 0;
		ip->hdr_checksum = rte_ipv4_cksum(ip);
		th->cksum = rte_ipv4_udptcp_cksum(ip, th);
	} else {
		struct rte_ipv6_hdr *ip6 = rte_pktmbuf_mtod_offset(m, struct rte_ipv6_hdr *,
								   meta->l3_off);
		uint8_t a[16];

		memcpy(a, ip6->src_addr, 16);
		memcpy(ip6->src_addr, ip6->dst_addr, 16);
		memcpy(ip6->dst_addr, a, 16);
		ip6->payload_len = rte_cpu_to_be_16((uint16_t)l4_len);
		ip6->hop_limits = 64;
		th->cksum = rte_ipv6_udptcp_cksum(ip6, th);
	}
	return SL_CNT_TCP_REPLY;
}

/* Whether the segment's checksum is right (computed afresh: the field zeroed, summed,
 * put back; 22.11's *_cksum_verify are still experimental). */
static int
tcp_ep_cksum_ok(struct rte_mbuf *m, const struct pkt_meta *meta, struct rte_tcp_hdr *th)
{
	uint16_t got = th->cksum, want;

	th->cksum = 0;
	want = meta->l3 == PKT_L3_IPV4 ?
	       rte_ipv4_udptcp_cksum(rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *,
							     meta->l3_off), th) :
	       rte_ipv6_udptcp_cksum(rte_pktmbuf_mtod_offset(m, struct rte_ipv6_hdr *,
							     meta->l3_off), th);
	th->cksum = got;
	/* DPDK writes a sum of zero as 0xffff (UDP's rule); TCP may carry either */
	return got == want || (want == 0xffff && got == 0);
}

static void
tcp_ep_tuple(const struct pkt_meta *meta, struct tcp_tuple *t)
{
	memset(t, 0, sizeof(*t));
	t->lport = meta->dport;
	t->rport = meta->sport;
	if (meta->l3 == PKT_L3_IPV4) {
		t->family = 4;
		memcpy(t->laddr, &meta->addr.v4.dst, 4);
		memcpy(t->raddr, &meta->addr.v4.src, 4);
	} else {
		t->family = 6;
		memcpy(t->laddr, meta->addr.v6.dst, 16);
		memcpy(t->raddr, meta->addr.v6.src, 16);
	}
}

static uint16_t
tcp_ep_wnd(const struct tcp_conn *c)
{
	uint32_t w = c->rcv_wnd >> c->rcv_wscale;

	return (uint16_t)(w > 65535 ? 65535 : w);
}

/* A new connection's slot (the SYN-ACK's numbers in out), or NULL when the table is full. */
static struct tcp_ep_conn *
tcp_ep_open(struct tcp_ep *ep, const struct tcp_tuple *t, const struct tcp_conn *c,
	    uint8_t service, uint64_t now_ns)
{
	struct tcp_ep_conn *k;
	uint32_t slot;

	if (!ep->nb_free)
		return NULL;
	slot = ep->free_slots[--ep->nb_free];
	if (rte_hash_add_key_data(ep->h, t, (void *)(uintptr_t)slot) < 0) {
		ep->nb_free++;
		return NULL;
	}
	k = &ep->conns[slot];
	k->c = *c;
	k->key = *t;
	k->service = service;
	k->used = 1;
	tcp_timer_init(&k->timer);
	tcp_timer_arm(ep->wheel, &k->timer, now_ns + TCP_EP_IDLE_NS);
	return k;
}

int
tcp_ep_input(struct tcp_ep *ep, const struct rte_ether_addr *our_mac, struct rte_mbuf *m,
	     const struct pkt_meta *meta, uint64_t now_ns, uint64_t *cnt)
{
	uint16_t port = rte_be_to_cpu_16(meta->dport);
	uint8_t service = port == ep->conf->echo_port ? TCP_EP_ECHO :
			  port == ep->conf->discard_port ? TCP_EP_DISCARD : TCP_EP_NONE;
	struct rte_tcp_hdr *th;
	struct tcp_ep_conn *k = NULL;
	struct tcp_tuple t;
	struct tcp_seg s;
	struct tcp_out o;
	uint32_t doff;
	void *data;
	int rc;

	if (service == TCP_EP_NONE || !port)
		return SL_CNT_NO_SERVICE;
	if ((meta->flags & (PKT_F_FRAG | PKT_F_IP6_EXT)) || m->nb_segs != 1)
		return SL_CNT_TCP_UNSUPPORTED;
	th = rte_pktmbuf_mtod_offset(m, struct rte_tcp_hdr *, meta->l4_off);
	if (!tcp_ep_cksum_ok(m, meta, th))
		return SL_CNT_TCP_BAD_CHECKSUM;
	doff = (uint32_t)(th->data_off >> 4) * 4;       /* pkt_parse checked 20..l4_len */
	memset(&s, 0, sizeof(s));
	s.seq = rte_be_to_cpu_32(th->sent_seq);
	s.ack = rte_be_to_cpu_32(th->recv_ack);
	s.flags = th->tcp_flags;
	s.wnd_raw = rte_be_to_cpu_16(th->rx_win);
	s.len_bytes = meta->l4_len - doff;
	if (tcp_opt_parse((const uint8_t *)(th + 1), doff - 20, s.flags & TCP_FLAG_SYN,
			  &s.opts) != TCP_OPT_OK)
		return SL_CNT_TCP_BAD_OPTIONS;
	tcp_ep_tuple(meta, &t);
	memset(&o, 0, sizeof(o));
	if (rte_hash_lookup_data(ep->h, &t, &data) >= 0)
		k = &ep->conns[(uintptr_t)data];
	if (!k) {
		struct tcp_conn c;
		uint8_t opt[TCP_OPT_SYNACK_MAX];
		unsigned int optlen;

		memset(&c, 0, sizeof(c));
		if (!tcp_listen_input(&s, tcp_isn(&ep->conf->secret, &t, now_ns), TCP_EP_MSS,
				      TCP_EP_WSCALE, TCP_EP_RCV_WND, &c, &o)) {
			if (!o.send_flags)
				return SL_CNT_TCP_SEGMENT_DROPPED;
			return tcp_ep_reply(m, meta, our_mac, o.send_flags, o.send_seq, o.send_ack,
					    o.send_wnd_raw, NULL, 0, 0, 0);     /* a RST */
		}
		if (!tcp_ep_open(ep, &t, &c, service, now_ns))
			return SL_CNT_TCP_TABLE_FULL;
		cnt[SL_CNT_TCP_CONN_OPENED]++;
		optlen = tcp_opt_write_synack(opt, TCP_EP_MSS, &s.opts, TCP_EP_WSCALE);
		return tcp_ep_reply(m, meta, our_mac, o.send_flags, o.send_seq, o.send_ack,
				    o.send_wnd_raw, opt, optlen, 0, 0);
	}

	/* Echo can take in only what it can send back: nothing is queued in this version,
	 * so its receive window is the room the peer's window leaves (flow control: the
	 * peer slows to what it reads; what is past the window is trimmed and sent again).
	 * The segment's own ACK may open that room, so it counts first. */
	if (k->service == TCP_EP_ECHO && k->c.state != TCP_STATE_SYN_RECEIVED) {
		uint32_t una = k->c.snd_una, wnd = k->c.snd_wnd;
		int32_t room;

		if ((s.flags & TCP_FLAG_ACK) && tcp_seq_ge(s.ack, una) &&
		    tcp_seq_le(s.ack, k->c.snd_nxt)) {
			una = s.ack;
			wnd = (uint32_t)s.wnd_raw << k->c.snd_wscale;
		}
		room = (int32_t)(una + wnd - k->c.snd_nxt);
		k->c.rcv_wnd = room <= 0 ? 0 : (uint32_t)room < TCP_EP_RCV_WND ? (uint32_t)room :
			       TCP_EP_RCV_WND;
	}
	tcp_conn_input(&k->c, &s, &o);
	tcp_timer_arm(ep->wheel, &k->timer, now_ns + (k->c.state == TCP_STATE_TIME_WAIT ?
						       TCP_EP_TIME_WAIT_NS : TCP_EP_IDLE_NS));
	if (o.deliver_len_bytes && k->service == TCP_EP_ECHO) {
		/* echo: the bytes straight back, our ACK on them; the peer's FIN too, if it
		 * came with them, answered with ours (a request and its echo, one packet
		 * each way). What the peer's window has no room for is not echoed: nothing
		 * is queued or retransmitted in this version. */
		struct tcp_out d, f;
		uint32_t n, seq = k->c.snd_nxt;
		uint8_t flags = TCP_FLAG_ACK | TCP_FLAG_PSH;

		memset(&d, 0, sizeof(d));
		n = tcp_conn_send(&k->c, o.deliver_len_bytes, &d);
		if (n)
			seq = d.send_seq;
		if (o.events & TCP_EV_PEER_FIN) {
			memset(&f, 0, sizeof(f));
			if (tcp_conn_close(&k->c, &f) == 0)
				flags |= TCP_FLAG_FIN;
		}
		rc = tcp_ep_reply(m, meta, our_mac, flags, seq, k->c.rcv_nxt, tcp_ep_wnd(&k->c),
				  NULL, 0, o.deliver_off_bytes, n);
	} else if (o.events & TCP_EV_PEER_FIN && k->c.state == TCP_STATE_CLOSE_WAIT) {
		/* the peer is done; so are the services: our FIN with the ACK of theirs */
		struct tcp_out f;

		memset(&f, 0, sizeof(f));
		tcp_conn_close(&k->c, &f);
		rc = tcp_ep_reply(m, meta, our_mac, TCP_FLAG_ACK | TCP_FLAG_FIN, f.send_seq,
				  k->c.rcv_nxt, tcp_ep_wnd(&k->c), NULL, 0, 0, 0);
	} else if (o.send_flags & TCP_FLAG_SYN) {
		/* the peer's SYN again (our SYN-ACK was lost): the same SYN-ACK, options too */
		uint8_t opt[TCP_OPT_SYNACK_MAX];
		unsigned int optlen = tcp_opt_write_synack(opt, TCP_EP_MSS, &s.opts, TCP_EP_WSCALE);

		rc = tcp_ep_reply(m, meta, our_mac, o.send_flags, o.send_seq, o.send_ack,
				  o.send_wnd_raw, opt, optlen, 0, 0);
	} else if (o.send_flags) {
		rc = tcp_ep_reply(m, meta, our_mac, o.send_flags, o.send_seq, o.send_ack,
				  o.send_wnd_raw, NULL, 0, 0, 0);
	} else {
		/* nothing to answer: taken (the handshake's last ACK, a RST) or not used */
		rc = o.drop != TCP_DROP_NONE ? SL_CNT_TCP_SEGMENT_DROPPED : SL_CNT_TCP_CONSUMED;
	}
	if (o.events & TCP_EV_CLOSED || k->c.state == TCP_STATE_CLOSED)
		tcp_ep_release(ep, k, cnt);
	return rc;
}
