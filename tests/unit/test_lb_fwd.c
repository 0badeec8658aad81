/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_lb_fwd: what the balancer's fast path (dataplane/lb_fp.h) does to a frame, byte
 * for byte, in each forwarding mode: fnat (addresses and ports translated, checksums that
 * equal a full recomputation), dsr (only the link header changes), dsr-ipip (an outer
 * IPv4 header exactly as RFC 2003 wants it, the client's packet intact behind it), the
 * ICMP "fragmentation needed" a client gets when its packet no longer fits the tunnel,
 * the MSS clamp (also at an odd option offset), one-way tracking of dsr flows, the
 * stateless Maglev fallback when the connection table is full, ICMP errors translated
 * with their flow, and fragments split and put back together (ipfrag).
 *
 * Frames are built here, parsed by the dataplane's own parser (pkt_parse) and handed to
 * lb_input as a worker would. Context: test process with EAL (--no-huge, no PCI): root.
 */
#include <CUnit/Basic.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_ip.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_tcp.h>

#include "ipfrag.h"
#include "ipfrag_fp.h"
#include "lb.h"
#include "lb_shape.h"
#include "lb_fp.h"
#include "pkt_fp.h"
#include "cunit_main.h"

#define TF_CLIENT 0xc6120002u   /* 198.18.0.2 */
#define TF_VIP    0xc6120064u   /* 198.18.0.100 */
#define TF_FRONT  0xc6120001u   /* 198.18.0.1 */
#define TF_BACK   0xc6120101u   /* 198.18.1.1 */
#define TF_CT_MAX 64

static struct dp tf_dp;
static struct worker tf_w;
static struct neigh_table *tf_neigh;
static struct rte_mempool *tf_pool;
static uint64_t tf_cnt[SL_CNT__MAX];
static char err[512];

static const uint8_t tf_mac_client[6] = { 0x02, 0xc1, 0, 0, 0, 2 };
static const uint8_t tf_mac_front[6] = { 0x02, 0x5c, 0, 0, 0, 1 };
static const uint8_t tf_mac_back[6] = { 0x02, 0x5c, 0, 0, 0, 2 };
static const uint8_t tf6_client[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0x02 };
static const uint8_t tf6_vip[16] = { 0x20, 0x01, 0x0d, 0xb8, [14] = 0x01, [15] = 0x00 };
static const uint8_t tf6_back[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 1, [15] = 0x01 };
static const uint8_t tf6_front[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0x01 };

/*
 * Puts built tables in force: every backend resolved on port 1 with MAC
 * 02:be:00:00:00:<last address byte>, and a fresh connection table (IPv6 too) per case.
 */
static struct lb *
tf_install(struct lb *lb)
{
	uint32_t i;

	if (!lb) {
		printf("\n  %s", err);
		return NULL;
	}
	for (i = 0; i < tf_neigh->n; i++) {
		uint8_t mac[8] = { 0x02, 0xbe, 0, 0, 0, 0, 0, 0 };
		uint64_t w;

		mac[5] = tf_neigh->e[i].v6 ? tf_neigh->e[i].addr6[15] :
			 (uint8_t)(ntohl(tf_neigh->e[i].addr) & 0xff);
		memcpy(&w, mac, sizeof(w));
		tf_neigh->e[i].word = NEIGH_VALID | (uint64_t)1 << NEIGH_PORT_SHIFT | w;
	}
	lb_free(tf_dp.lb);
	tf_dp.lb = lb;
	lb_worker_free(tf_w.lbw);
	tf_w.lbw = lb_worker_create(TF_CT_MAX, 0, SOCKET_ID_ANY, err, sizeof(err));
	if (!tf_w.lbw || ct_enable_v6(tf_w.lbw->ct, SOCKET_ID_ANY) != 0)
		return NULL;
	return lb;
}

/* Tables for one service over be1..be3 in the given mode (and options). */
static struct lb *
tf_tables(const char *mode, const char *policy, const char *extra)
{
	static uint64_t version;
	char text[2048];
	struct lb_conf c;
	struct lb *lb;

	snprintf(text, sizeof(text),
		 "pools:\n  web:\n    backends:\n"
		 "      - address: 198.18.1.11:80\n"
		 "      - address: 198.18.1.12:80\n"
		 "      - address: 198.18.1.13:80\n"
		 "services:\n  - vip: 198.18.0.100:80/tcp\n    pool: web\n    policy: %s\n"
		 "    mode: %s\n%s", policy, mode, extra);
	if (lb_conf_parse("t.yaml", text, strlen(text), &c, err, sizeof(err)) != 0) {
		printf("\n  %s", err);
		return NULL;
	}
	lb = lb_build(&c, tf_neigh, ++version, 1, err, sizeof(err));
	lb_conf_free(&c);
	return tf_install(lb);
}

struct tf_frame {
	uint8_t b[2048];
	uint32_t len;
};

/*
 * Client -> VIP:80 TCP with flags, IPv4 DF if df, options opt (olen bytes, a multiple of
 * 4) and payload bytes of 'x'; checksums complete.
 */
static void
tf_tcp(struct tf_frame *f, uint16_t sport, uint8_t flags, int df, const uint8_t *opt,
       uint32_t olen, uint32_t payload)
{
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)f->b;
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eth + 1);
	struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)(ip + 1);

	memset(f, 0, sizeof(*f));
	memcpy(eth->dst_addr.addr_bytes, tf_mac_front, 6);
	memcpy(eth->src_addr.addr_bytes, tf_mac_client, 6);
	eth->ether_type = htons(RTE_ETHER_TYPE_IPV4);
	ip->version_ihl = 0x45;
	ip->type_of_service = 0x28;
	ip->total_length = htons((uint16_t)(sizeof(*ip) + sizeof(*th) + olen + payload));
	ip->packet_id = htons(0x1234);
	ip->fragment_offset = df ? htons(RTE_IPV4_HDR_DF_FLAG) : 0;
	ip->time_to_live = 63;
	ip->next_proto_id = IPPROTO_TCP;
	ip->src_addr = htonl(TF_CLIENT);
	ip->dst_addr = htonl(TF_VIP);
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	th->src_port = htons(sport);
	th->dst_port = htons(80);
	th->sent_seq = htonl(1000);
	th->recv_ack = (flags & RTE_TCP_ACK_FLAG) ? htonl(5000) : 0;
	th->data_off = (uint8_t)(((sizeof(*th) + olen) / 4) << 4);
	th->tcp_flags = flags;
	th->rx_win = htons(64240);
	memcpy(th + 1, opt, olen);
	memset((uint8_t *)(th + 1) + olen, 'x', payload);
	th->cksum = rte_ipv4_udptcp_cksum(ip, th);
	f->len = (uint32_t)(sizeof(*eth) + sizeof(*ip) + sizeof(*th) + olen + payload);
}

static const uint8_t tf_opt_mss1460[4] = { 2, 4, 0x05, 0xb4 };
/* NOP, MSS at offset 21 (odd), then NOP padding to 8 bytes */
static const uint8_t tf_opt_mss_odd[8] = { 1, 2, 4, 0x05, 0xb4, 1, 1, 1 };

/* Runs frame f through lb_input on port 0: the verdict, the output in out. */
static int
tf_run(const struct tf_frame *f, struct tf_frame *out, uint16_t *out_pi)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(tf_pool);
	struct pkt_meta meta;
	int rc;

	CU_ASSERT_FATAL(m != NULL);
	memcpy(rte_pktmbuf_append(m, (uint16_t)f->len), f->b, f->len);
	rc = pkt_parse(rte_pktmbuf_mtod(m, const uint8_t *), f->len, &meta);
	CU_ASSERT_EQUAL_FATAL(rc, SL_CNT_OK);
	*out_pi = 0;
	rc = lb_input(&tf_dp, tf_w.lbw, 0, m, 0, &meta, out_pi, tf_cnt, NULL);
	out->len = rte_pktmbuf_data_len(m);
	memcpy(out->b, rte_pktmbuf_mtod(m, const uint8_t *), out->len);
	rte_pktmbuf_free(m);
	return rc;
}

/* 1 if the IPv4 header at ip has a correct checksum. */
static int
tf_ip_ok(const struct rte_ipv4_hdr *ip)
{
	struct rte_ipv4_hdr c = *ip;

	c.hdr_checksum = 0;
	return rte_ipv4_cksum(&c) == ip->hdr_checksum;
}

/* 1 if the TCP checksum of the IPv4 packet at ip equals a full recomputation. */
static int
tf_tcp_ok(const struct rte_ipv4_hdr *ip)
{
	struct tf_frame copy;
	struct rte_ipv4_hdr *c = (struct rte_ipv4_hdr *)copy.b;
	struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)(c + 1);
	uint16_t want;

	memcpy(copy.b, ip, ntohs(ip->total_length));
	want = th->cksum;
	th->cksum = 0;
	return rte_ipv4_udptcp_cksum(c, th) == want;
}

static uint8_t tf_backend_of(const uint8_t *dst_mac) { return dst_mac[5]; }

static void
test_fnat_rewrites_with_full_checksums(void)
{
	struct tf_frame f, o;
	const struct rte_ipv4_hdr *ip;
	const struct rte_tcp_hdr *th;
	uint16_t pi;

	CU_ASSERT_FATAL(tf_tables("fnat", "rr", "") != NULL);
	tf_tcp(&f, 40001, RTE_TCP_SYN_FLAG, 1, tf_opt_mss1460, 4, 0);
	CU_ASSERT_EQUAL(tf_run(&f, &o, &pi), SL_CNT_LB_FORWARD);
	CU_ASSERT_EQUAL(pi, 1);
	ip = (const struct rte_ipv4_hdr *)(o.b + sizeof(struct rte_ether_hdr));
	th = (const struct rte_tcp_hdr *)(ip + 1);
	CU_ASSERT_EQUAL(ip->src_addr, htonl(TF_BACK));
	CU_ASSERT_EQUAL(ntohl(ip->dst_addr) & 0xffffff00u, 0xc6120100u);
	CU_ASSERT_EQUAL(th->dst_port, htons(80));
	CU_ASSERT(ntohs(th->src_port) >= LB_LPORT_MIN);
	CU_ASSERT(tf_ip_ok(ip));
	CU_ASSERT(tf_tcp_ok(ip));
	CU_ASSERT_EQUAL(memcmp(o.b + 6, tf_mac_back, 6), 0);
}

static void
test_dsr_changes_only_the_link_header(void)
{
	struct tf_frame f, o;
	uint16_t pi;
	uint8_t be;

	CU_ASSERT_FATAL(tf_tables("dsr", "maglev", "") != NULL);
	tf_tcp(&f, 40002, RTE_TCP_SYN_FLAG, 1, tf_opt_mss1460, 4, 0);
	CU_ASSERT_EQUAL(tf_run(&f, &o, &pi), SL_CNT_LB_FORWARD);
	CU_ASSERT_EQUAL(pi, 1);
	CU_ASSERT_EQUAL(o.len, f.len);
	be = tf_backend_of(o.b);
	CU_ASSERT(be >= 11 && be <= 13);
	CU_ASSERT_EQUAL(memcmp(o.b + 6, tf_mac_back, 6), 0);
	CU_ASSERT_EQUAL(memcmp(o.b + 12, f.b + 12, f.len - 12), 0);     /* IP on: as sent */
	/* The rest of the flow follows its entry to the same backend. */
	tf_tcp(&f, 40002, RTE_TCP_ACK_FLAG, 1, NULL, 0, 100);
	CU_ASSERT_EQUAL(tf_run(&f, &o, &pi), SL_CNT_LB_FORWARD);
	CU_ASSERT_EQUAL(tf_backend_of(o.b), be);
	CU_ASSERT_EQUAL(tf_w.lbw->ct->used, 1);
}

static void
test_dsr_flow_tracked_one_way(void)
{
	struct tf_frame f, o;
	struct ct_entry *e;
	struct ct_key k;
	enum ct_dir d;
	uint16_t pi;

	CU_ASSERT_FATAL(tf_tables("dsr", "rr", "") != NULL);
	tf_tcp(&f, 40003, RTE_TCP_SYN_FLAG, 1, NULL, 0, 0);
	CU_ASSERT_EQUAL(tf_run(&f, &o, &pi), SL_CNT_LB_FORWARD);
	lb_ct_key4(&k, IPPROTO_TCP, htonl(TF_CLIENT), htonl(TF_VIP), htons(40003), htons(80));
	e = ct_lookup(tf_w.lbw->ct, &k, rte_rdtsc(), &d);
	CU_ASSERT_FATAL(e != NULL);
	CU_ASSERT_EQUAL(e->state, CT_TCP_SYN_SENT);
	tf_tcp(&f, 40003, RTE_TCP_ACK_FLAG, 1, NULL, 0, 0);
	CU_ASSERT_EQUAL(tf_run(&f, &o, &pi), SL_CNT_LB_FORWARD);
	CU_ASSERT_EQUAL(e->state, CT_TCP_ESTABLISHED);
	CU_ASSERT_EQUAL(tf_w.lbw->conns[e->backend], 1);
	tf_tcp(&f, 40003, RTE_TCP_FIN_FLAG | RTE_TCP_ACK_FLAG, 1, NULL, 0, 0);
	CU_ASSERT_EQUAL(tf_run(&f, &o, &pi), SL_CNT_LB_FORWARD);
	CU_ASSERT_EQUAL(e->state, CT_TCP_FIN_WAIT);
	CU_ASSERT_EQUAL(tf_w.lbw->conns[e->backend], 0);
	/* A new SYN on the finished tuple is a new connection (rescheduled: rr moves on). */
	{
		uint8_t first = tf_backend_of(o.b);

		tf_tcp(&f, 40003, RTE_TCP_SYN_FLAG, 1, NULL, 0, 0);
		CU_ASSERT_EQUAL(tf_run(&f, &o, &pi), SL_CNT_LB_FORWARD);
		CU_ASSERT_NOT_EQUAL(tf_backend_of(o.b), first);
	}
}

static void
test_dsr_ipip_outer_header(void)
{
	struct tf_frame f, o;
	const struct rte_ipv4_hdr *out, *in;
	uint16_t pi;

	CU_ASSERT_FATAL(tf_tables("dsr-ipip", "maglev", "") != NULL);
	tf_tcp(&f, 40004, RTE_TCP_SYN_FLAG, 1, tf_opt_mss1460, 4, 0);
	CU_ASSERT_EQUAL(tf_run(&f, &o, &pi), SL_CNT_LB_FORWARD);
	CU_ASSERT_EQUAL(pi, 1);
	CU_ASSERT_EQUAL(o.len, f.len + 20);
	CU_ASSERT_EQUAL(memcmp(o.b + 6, tf_mac_back, 6), 0);
	CU_ASSERT_EQUAL(o.b[12], 0x08);
	CU_ASSERT_EQUAL(o.b[13], 0x00);
	out = (const struct rte_ipv4_hdr *)(o.b + 14);
	CU_ASSERT_EQUAL(out->version_ihl, 0x45);
	CU_ASSERT_EQUAL(out->type_of_service, 0x28);
	CU_ASSERT_EQUAL(ntohs(out->total_length), f.len - 14 + 20);
	CU_ASSERT_EQUAL(out->packet_id, htons(0x1234));
	CU_ASSERT_EQUAL(out->fragment_offset, htons(RTE_IPV4_HDR_DF_FLAG));
	CU_ASSERT_EQUAL(out->time_to_live, 64);
	CU_ASSERT_EQUAL(out->next_proto_id, IPPROTO_IPIP);
	CU_ASSERT_EQUAL(out->src_addr, htonl(TF_BACK));
	CU_ASSERT_EQUAL(ntohl(out->dst_addr), 0xc6120100u | tf_backend_of(o.b));
	CU_ASSERT(tf_ip_ok(out));
	in = out + 1;
	CU_ASSERT_EQUAL(memcmp(in, f.b + 14, f.len - 14), 0);          /* the client's, intact */
}

static void
test_dsr_ipip_too_big(void)
{
	struct tf_frame f, o;
	const struct rte_ipv4_hdr *ip;
	const uint8_t *icmp;
	uint16_t pi;

	CU_ASSERT_FATAL(tf_tables("dsr-ipip", "maglev", "") != NULL);
	/* A connection, then a full-sized segment with DF: too big for the tunnel. */
	tf_tcp(&f, 40005, RTE_TCP_SYN_FLAG, 1, NULL, 0, 0);
	CU_ASSERT_EQUAL(tf_run(&f, &o, &pi), SL_CNT_LB_FORWARD);
	tf_tcp(&f, 40005, RTE_TCP_ACK_FLAG, 1, NULL, 0, 1460);
	CU_ASSERT_EQUAL(f.len, 1514);
	CU_ASSERT_EQUAL(tf_run(&f, &o, &pi), SL_CNT_LB_FRAG_NEEDED_SENT);
	CU_ASSERT_EQUAL(pi, 0);
	CU_ASSERT_EQUAL(memcmp(o.b, tf_mac_client, 6), 0);
	CU_ASSERT_EQUAL(memcmp(o.b + 6, tf_mac_front, 6), 0);
	ip = (const struct rte_ipv4_hdr *)(o.b + 14);
	CU_ASSERT_EQUAL(o.len, 14 + 20 + 8 + 20 + 8);
	CU_ASSERT_EQUAL(ntohs(ip->total_length), 20 + 8 + 20 + 8);
	CU_ASSERT_EQUAL(ip->next_proto_id, IPPROTO_ICMP);
	CU_ASSERT_EQUAL(ip->src_addr, htonl(TF_FRONT));
	CU_ASSERT_EQUAL(ip->dst_addr, htonl(TF_CLIENT));
	CU_ASSERT(tf_ip_ok(ip));
	icmp = (const uint8_t *)(ip + 1);
	CU_ASSERT_EQUAL(icmp[0], 3);
	CU_ASSERT_EQUAL(icmp[1], 4);
	CU_ASSERT_EQUAL(icmp[6] << 8 | icmp[7], 1480);
	CU_ASSERT_EQUAL(rte_raw_cksum(icmp, 8 + 28), 0xffff);
	CU_ASSERT_EQUAL(memcmp(icmp + 8, f.b + 14, 28), 0);     /* the client's header + 8 */
	/* Without DF it is encapsulated whole; the worker sends it in pieces (ipfrag). */
	tf_tcp(&f, 40005, RTE_TCP_ACK_FLAG, 0, NULL, 0, 1460);
	CU_ASSERT_EQUAL(tf_run(&f, &o, &pi), SL_CNT_LB_FORWARD);
	CU_ASSERT_EQUAL(o.len, 1514 + 20);
	/* What fits goes. */
	tf_tcp(&f, 40005, RTE_TCP_ACK_FLAG, 1, NULL, 0, 1440);
	CU_ASSERT_EQUAL(tf_run(&f, &o, &pi), SL_CNT_LB_FORWARD);
	CU_ASSERT_EQUAL(o.len, 1514);
}

static void
test_mss_clamp(void)
{
	static const uint8_t *const opts[] = { tf_opt_mss1460, tf_opt_mss_odd };
	static const uint32_t olen[] = { 4, 8 }, at[] = { 2, 3 };
	struct tf_frame f, o;
	unsigned int i;
	uint16_t pi;

	for (i = 0; i < 2; i++) {
		const struct rte_ipv4_hdr *ip;
		const uint8_t *opt;

		CU_ASSERT_FATAL(tf_tables("fnat", "rr", "    mss: 1400\n") != NULL);
		tf_tcp(&f, (uint16_t)(40010 + i), RTE_TCP_SYN_FLAG, 1, opts[i], olen[i], 0);
		CU_ASSERT_EQUAL(tf_run(&f, &o, &pi), SL_CNT_LB_FORWARD);
		ip = (const struct rte_ipv4_hdr *)(o.b + 14);
		opt = (const uint8_t *)(ip + 1) + sizeof(struct rte_tcp_hdr);
		CU_ASSERT_EQUAL(opt[at[i]] << 8 | opt[at[i] + 1], 1400);
		CU_ASSERT(tf_tcp_ok(ip));
	}
	CU_ASSERT_EQUAL(tf_cnt[SL_CNT_LB_MSS_CLAMPED], 2);
	/* Below the clamp: untouched. */
	CU_ASSERT_FATAL(tf_tables("fnat", "rr", "    mss: 1460\n") != NULL);
	tf_tcp(&f, 40020, RTE_TCP_SYN_FLAG, 1, tf_opt_mss1460, 4, 0);
	CU_ASSERT_EQUAL(tf_run(&f, &o, &pi), SL_CNT_LB_FORWARD);
	CU_ASSERT_EQUAL(o.b[14 + 20 + 20 + 2] << 8 | o.b[14 + 20 + 20 + 3], 1460);
	CU_ASSERT_EQUAL(tf_cnt[SL_CNT_LB_MSS_CLAMPED], 2);
}

static void
test_full_table_falls_back_to_maglev(void)
{
	struct tf_frame f, o;
	uint16_t pi, port;
	uint64_t stateless = tf_cnt[SL_CNT_LB_STATELESS];
	const struct lb *lb;

	CU_ASSERT_FATAL((lb = tf_tables("dsr", "rr", "")) != NULL);
	for (port = 1; port <= TF_CT_MAX; port++) {
		tf_tcp(&f, port, RTE_TCP_SYN_FLAG, 1, NULL, 0, 0);
		CU_ASSERT_EQUAL(tf_run(&f, &o, &pi), SL_CNT_LB_FORWARD);
	}
	CU_ASSERT_EQUAL(tf_w.lbw->ct->used, TF_CT_MAX);
	CU_ASSERT_EQUAL(tf_cnt[SL_CNT_LB_STATELESS], stateless);
	/* Full: new flows still go, each where Maglev says, and so do their later segments,
	 * which no entry remembers. */
	for (port = 1000; port < 1100; port++) {
		struct pkt_meta meta;
		uint8_t want;

		tf_tcp(&f, port, RTE_TCP_SYN_FLAG, 1, NULL, 0, 0);
		pkt_parse(f.b, f.len, &meta);
		want = (uint8_t)(ntohl(lb->pools[0].b[lb_pick_stateless(lb, &lb->svc[0],
									 &meta)].addr) & 0xff);
		CU_ASSERT_EQUAL(tf_run(&f, &o, &pi), SL_CNT_LB_FORWARD);
		CU_ASSERT_EQUAL(tf_backend_of(o.b), want);
		tf_tcp(&f, port, RTE_TCP_ACK_FLAG, 1, NULL, 0, 10);
		CU_ASSERT_EQUAL(tf_run(&f, &o, &pi), SL_CNT_LB_FORWARD);
		CU_ASSERT_EQUAL(tf_backend_of(o.b), want);
	}
	CU_ASSERT_EQUAL(tf_cnt[SL_CNT_LB_STATELESS], stateless + 200);
	CU_ASSERT_EQUAL(tf_w.lbw->ct->used, TF_CT_MAX);
	/* fnat cannot forward without state (the reply needs the mapping): counted drop. */
	CU_ASSERT_FATAL(tf_tables("fnat", "rr", "") != NULL);
	for (port = 1; port <= TF_CT_MAX; port++) {
		tf_tcp(&f, port, RTE_TCP_SYN_FLAG, 1, NULL, 0, 0);
		CU_ASSERT_EQUAL(tf_run(&f, &o, &pi), SL_CNT_LB_FORWARD);
	}
	tf_tcp(&f, 2000, RTE_TCP_SYN_FLAG, 1, NULL, 0, 0);
	CU_ASSERT_EQUAL(tf_run(&f, &o, &pi), SL_CNT_LB_CT_FULL);
}

/*
 * An ICMP error from outer_src to outer_dst quoting a whole TCP segment (header only,
 * checksums valid) from qsrc:qsport to qdst:qdport.
 */
static void
tf_icmp_err(struct tf_frame *f, uint32_t outer_src, uint32_t outer_dst, uint8_t type,
	    uint8_t code, uint32_t qsrc, uint16_t qsport, uint32_t qdst, uint16_t qdport)
{
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)f->b;
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eth + 1);
	uint8_t *icmp = (uint8_t *)(ip + 1);
	struct rte_ipv4_hdr *q = (struct rte_ipv4_hdr *)(icmp + 8);
	struct rte_tcp_hdr *qt = (struct rte_tcp_hdr *)(q + 1);
	uint16_t ck;

	memset(f, 0, sizeof(*f));
	memcpy(eth->dst_addr.addr_bytes, tf_mac_front, 6);
	memcpy(eth->src_addr.addr_bytes, tf_mac_client, 6);
	eth->ether_type = htons(RTE_ETHER_TYPE_IPV4);
	q->version_ihl = 0x45;
	q->total_length = htons(40);
	q->time_to_live = 64;
	q->fragment_offset = htons(RTE_IPV4_HDR_DF_FLAG);
	q->next_proto_id = IPPROTO_TCP;
	q->src_addr = htonl(qsrc);
	q->dst_addr = htonl(qdst);
	q->hdr_checksum = rte_ipv4_cksum(q);
	qt->src_port = htons(qsport);
	qt->dst_port = htons(qdport);
	qt->sent_seq = htonl(777);
	qt->data_off = 0x50;
	qt->tcp_flags = RTE_TCP_ACK_FLAG;
	qt->cksum = rte_ipv4_udptcp_cksum(q, qt);
	icmp[0] = type;
	icmp[1] = code;
	icmp[6] = 1480 >> 8;
	icmp[7] = 1480 & 0xff;
	ck = (uint16_t)~rte_raw_cksum(icmp, 8 + 40);
	memcpy(icmp + 2, &ck, 2);
	ip->version_ihl = 0x45;
	ip->total_length = htons(20 + 8 + 40);
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_ICMP;
	ip->src_addr = htonl(outer_src);
	ip->dst_addr = htonl(outer_dst);
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	f->len = 14 + 20 + 8 + 40;
}

/* Checks every checksum of a translated ICMP error and returns its quoted packet. */
static const struct rte_ipv4_hdr *
tf_icmp_check(const struct tf_frame *o)
{
	const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)(o->b + 14);
	const uint8_t *icmp = (const uint8_t *)(ip + 1);
	const struct rte_ipv4_hdr *q = (const struct rte_ipv4_hdr *)(icmp + 8);

	CU_ASSERT(tf_ip_ok(ip));
	CU_ASSERT_EQUAL(rte_raw_cksum(icmp, 8 + 40), 0xffff);
	CU_ASSERT(tf_ip_ok(q));
	CU_ASSERT(tf_tcp_ok(q));
	return q;
}

static void
test_icmp_errors_follow_the_flow(void)
{
	struct tf_frame f, o;
	const struct rte_ipv4_hdr *ip, *q;
	const struct rte_tcp_hdr *qt;
	uint32_t be, local;
	uint16_t pi, lport;

	CU_ASSERT_FATAL(tf_tables("fnat", "rr", "") != NULL);
	tf_tcp(&f, 40030, RTE_TCP_SYN_FLAG, 1, NULL, 0, 0);
	CU_ASSERT_EQUAL_FATAL(tf_run(&f, &o, &pi), SL_CNT_LB_FORWARD);
	ip = (const struct rte_ipv4_hdr *)(o.b + 14);
	be = ntohl(ip->dst_addr);
	local = ntohl(ip->src_addr);
	lport = ntohs(((const struct rte_tcp_hdr *)(ip + 1))->src_port);

	/* The client's host says our reply was too big: the backend must hear it, about
	 * the packet it sent. */
	tf_icmp_err(&f, TF_CLIENT, TF_VIP, 3, 4, TF_VIP, 80, TF_CLIENT, 40030);
	CU_ASSERT_EQUAL(tf_run(&f, &o, &pi), SL_CNT_LB_ICMP_ERROR);
	CU_ASSERT_EQUAL(pi, 1);
	ip = (const struct rte_ipv4_hdr *)(o.b + 14);
	CU_ASSERT_EQUAL(ntohl(ip->src_addr), local);
	CU_ASSERT_EQUAL(ntohl(ip->dst_addr), be);
	CU_ASSERT_EQUAL(o.b[5], be & 0xff);                     /* the backend's MAC */
	q = tf_icmp_check(&o);
	qt = (const struct rte_tcp_hdr *)(q + 1);
	CU_ASSERT_EQUAL(ntohl(q->src_addr), be);
	CU_ASSERT_EQUAL(ntohs(qt->src_port), 80);
	CU_ASSERT_EQUAL(ntohl(q->dst_addr), local);
	CU_ASSERT_EQUAL(ntohs(qt->dst_port), lport);
	CU_ASSERT_EQUAL(o.b[14 + 20 + 6] << 8 | o.b[14 + 20 + 7], 1480);

	/* The backend refuses what we sent it: the client hears it from the VIP, about its
	 * own packet. */
	tf_icmp_err(&f, be, local, 3, 3, local, lport, be, 80);
	CU_ASSERT_EQUAL(tf_run(&f, &o, &pi), SL_CNT_LB_ICMP_ERROR);
	CU_ASSERT_EQUAL(pi, 0);
	CU_ASSERT_EQUAL(memcmp(o.b, tf_mac_client, 6), 0);
	ip = (const struct rte_ipv4_hdr *)(o.b + 14);
	CU_ASSERT_EQUAL(ntohl(ip->src_addr), TF_VIP);
	CU_ASSERT_EQUAL(ntohl(ip->dst_addr), TF_CLIENT);
	q = tf_icmp_check(&o);
	qt = (const struct rte_tcp_hdr *)(q + 1);
	CU_ASSERT_EQUAL(ntohl(q->src_addr), TF_CLIENT);
	CU_ASSERT_EQUAL(ntohs(qt->src_port), 40030);
	CU_ASSERT_EQUAL(ntohl(q->dst_addr), TF_VIP);
	CU_ASSERT_EQUAL(ntohs(qt->dst_port), 80);

	/* A router on the way (not the flow's end) keeps its own source address. */
	tf_icmp_err(&f, 0xc6120005u, TF_VIP, 11, 0, TF_VIP, 80, TF_CLIENT, 40030);
	CU_ASSERT_EQUAL(tf_run(&f, &o, &pi), SL_CNT_LB_ICMP_ERROR);
	ip = (const struct rte_ipv4_hdr *)(o.b + 14);
	CU_ASSERT_EQUAL(ntohl(ip->src_addr), 0xc6120005u);
	tf_icmp_check(&o);

	/* About no flow of ours: the appliance's own business. */
	tf_icmp_err(&f, TF_CLIENT, TF_VIP, 3, 4, TF_VIP, 80, TF_CLIENT, 40031);
	CU_ASSERT_EQUAL(tf_run(&f, &o, &pi), SL_CNT_OK);

	/* dsr: the error goes to the backend as the flow's packets do, unchanged. */
	CU_ASSERT_FATAL(tf_tables("dsr", "rr", "") != NULL);
	tf_tcp(&f, 40032, RTE_TCP_SYN_FLAG, 1, NULL, 0, 0);
	CU_ASSERT_EQUAL_FATAL(tf_run(&f, &o, &pi), SL_CNT_LB_FORWARD);
	be = tf_backend_of(o.b);
	tf_icmp_err(&f, TF_CLIENT, TF_VIP, 3, 4, TF_VIP, 80, TF_CLIENT, 40032);
	CU_ASSERT_EQUAL(tf_run(&f, &o, &pi), SL_CNT_LB_ICMP_ERROR);
	CU_ASSERT_EQUAL(tf_backend_of(o.b), be);
	CU_ASSERT_EQUAL(memcmp(o.b + 12, f.b + 12, f.len - 12), 0);
}

/* A UDP datagram client -> VIP:53 of payload bytes (a counting pattern), in one mbuf
 * chain-free buffer of tf_pool's or a bigger one. */
static struct rte_mbuf *
tf_udp_big(struct rte_mempool *mp, uint32_t payload)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(mp);
	uint32_t len = 14 + 20 + 8 + payload, i;
	struct rte_ipv4_hdr *ip;
	struct rte_udp_hdr *uh;
	uint8_t *p;

	if (!m)
		return NULL;
	p = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)len);
	if (!p) {
		rte_pktmbuf_free(m);
		return NULL;
	}
	memset(p, 0, 14 + 20 + 8);
	memcpy(p, tf_mac_front, 6);
	memcpy(p + 6, tf_mac_client, 6);
	p[12] = 0x08;
	ip = (struct rte_ipv4_hdr *)(p + 14);
	uh = (struct rte_udp_hdr *)(ip + 1);
	ip->version_ihl = 0x45;
	ip->total_length = htons((uint16_t)(20 + 8 + payload));
	ip->packet_id = htons(0x4242);
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_UDP;
	ip->src_addr = htonl(TF_CLIENT);
	ip->dst_addr = htonl(TF_VIP);
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	uh->src_port = htons(5000);
	uh->dst_port = htons(53);
	uh->dgram_len = htons((uint16_t)(8 + payload));
	for (i = 0; i < payload; i++)
		((uint8_t *)(uh + 1))[i] = (uint8_t)(i * 7);
	uh->dgram_cksum = rte_ipv4_udptcp_cksum(ip, uh);
	return m;
}

static void
test_fragment_and_reassemble(void)
{
	struct rte_mempool *big = rte_pktmbuf_pool_create("tf_big", 63, 0, 0, 9216 + 128,
							   SOCKET_ID_ANY);
	struct rte_mempool *ind = rte_pktmbuf_pool_create("tf_ind", 255, 0, 0, 0, SOCKET_ID_ANY);
	struct ipfrag *fr = ipfrag_create(0, SOCKET_ID_ANY, err, sizeof(err));
	static uint8_t want[9216], got[9216];
	struct rte_mbuf *m, *out[IPFRAG_OUT_MAX], *whole = NULL;
	uint32_t len;
	int n, i;

	CU_ASSERT_FATAL(big && ind && fr);
	m = tf_udp_big(big, 4000);
	CU_ASSERT_FATAL(m != NULL);
	len = rte_pktmbuf_pkt_len(m);
	memcpy(want, rte_pktmbuf_mtod(m, const uint8_t *), len);
	n = ipfrag_fragment(m, 14, 0, 1500, tf_pool, ind, out);
	CU_ASSERT_EQUAL_FATAL(n, 3);
	for (i = 0; i < n; i++) {
		const struct rte_ipv4_hdr *ip;
		struct rte_ipv4_hdr h;
		uint16_t fo;

		CU_ASSERT(rte_pktmbuf_pkt_len(out[i]) <= 1514);
		CU_ASSERT_EQUAL(memcmp(rte_pktmbuf_mtod(out[i], const uint8_t *), want, 14), 0);
		ip = rte_pktmbuf_mtod_offset(out[i], const struct rte_ipv4_hdr *, 14);
		CU_ASSERT(tf_ip_ok(ip));
		memcpy(&h, ip, sizeof(h));
		fo = ntohs(h.fragment_offset);
		CU_ASSERT_EQUAL(!!(fo & RTE_IPV4_HDR_MF_FLAG), i < n - 1);
		CU_ASSERT_EQUAL(ntohs(h.packet_id), 0x4242);
	}
	/* Back together, last piece first: the datagram as it was. */
	for (i = n - 1; i >= 0; i--) {
		struct pkt_meta meta;
		struct rte_mbuf *r;

		/* As the wire would deliver it: one segment. */
		CU_ASSERT_EQUAL_FATAL(rte_pktmbuf_linearize(out[i]), 0);
		CU_ASSERT_EQUAL(pkt_parse(rte_pktmbuf_mtod(out[i], const uint8_t *),
					  rte_pktmbuf_data_len(out[i]), &meta), SL_CNT_OK);
		CU_ASSERT(meta.flags & PKT_F_FRAG);
		{ int refused; r = ipfrag_reassemble(fr, out[i], &meta, rte_rdtsc(), &refused); CU_ASSERT_EQUAL(refused, 0); }
		CU_ASSERT_EQUAL(r != NULL, i == 0);
		if (r)
			whole = r;
	}
	CU_ASSERT_FATAL(whole != NULL);
	CU_ASSERT_EQUAL(rte_pktmbuf_pkt_len(whole), len);
	CU_ASSERT_EQUAL(memcmp(rte_pktmbuf_read(whole, 0, len, got), want, len), 0);
	rte_pktmbuf_free(whole);

	/* IPv6 likewise (fragment headers instead of offsets in the header). */
	{
		struct rte_ipv6_hdr *ip6;
		struct rte_udp_hdr *uh;
		uint8_t *p;
		uint32_t k;

		m = rte_pktmbuf_alloc(big);
		CU_ASSERT_FATAL(m != NULL);
		len = 14 + 40 + 8 + 3000;
		p = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)len);
		if (!p) {
			CU_FAIL("no room for the datagram");
			rte_pktmbuf_free(m);
			return;
		}
		memset(p, 0, 14 + 40 + 8);
		memcpy(p, tf_mac_front, 6);
		memcpy(p + 6, tf_mac_client, 6);
		p[12] = 0x86;
		p[13] = 0xdd;
		ip6 = (struct rte_ipv6_hdr *)(p + 14);
		ip6->vtc_flow = htonl(6u << 28);
		ip6->payload_len = htons(8 + 3000);
		ip6->proto = IPPROTO_UDP;
		ip6->hop_limits = 64;
		memcpy(ip6->src_addr, tf6_client, 16);
		memcpy(ip6->dst_addr, tf6_vip, 16);
		uh = (struct rte_udp_hdr *)(ip6 + 1);
		uh->src_port = htons(5000);
		uh->dst_port = htons(53);
		uh->dgram_len = htons(8 + 3000);
		for (k = 0; k < 3000; k++)
			((uint8_t *)(uh + 1))[k] = (uint8_t)(k * 3);
		uh->dgram_cksum = rte_ipv6_udptcp_cksum(ip6, uh);
		memcpy(want, p, len);
		n = ipfrag_fragment(m, 14, 0, 1500, tf_pool, ind, out);
		CU_ASSERT_EQUAL_FATAL(n, 3);
		whole = NULL;
		for (i = n - 1; i >= 0; i--) {
			struct pkt_meta meta;
			struct rte_mbuf *r;
			int refused;

			CU_ASSERT(rte_pktmbuf_pkt_len(out[i]) <= 1514);
			CU_ASSERT_EQUAL_FATAL(rte_pktmbuf_linearize(out[i]), 0);
			CU_ASSERT_EQUAL(pkt_parse(rte_pktmbuf_mtod(out[i], const uint8_t *),
						  rte_pktmbuf_data_len(out[i]), &meta), SL_CNT_OK);
			CU_ASSERT(meta.flags & PKT_F_FRAG);
			r = ipfrag_reassemble(fr, out[i], &meta, rte_rdtsc(), &refused);
			CU_ASSERT_EQUAL(refused, 0);
			CU_ASSERT_EQUAL(r != NULL, i == 0);
			if (r)
				whole = r;
		}
		CU_ASSERT_FATAL(whole != NULL);
		CU_ASSERT_EQUAL(rte_pktmbuf_pkt_len(whole), len);
		CU_ASSERT_EQUAL(memcmp(rte_pktmbuf_read(whole, 0, len, got), want, len), 0);
		rte_pktmbuf_free(whole);
	}

	/* dsr-ipip: our outer header whole on every piece, the datagram inside split. */
	CU_ASSERT_FATAL(tf_tables("dsr-ipip", "maglev", "") != NULL);
	{
		struct tf_frame f, o;
		uint16_t pi;

		tf_tcp(&f, 40040, RTE_TCP_SYN_FLAG, 0, NULL, 0, 0);
		CU_ASSERT_EQUAL(tf_run(&f, &o, &pi), SL_CNT_LB_FORWARD);
		tf_tcp(&f, 40040, RTE_TCP_ACK_FLAG, 0, NULL, 0, 1460);
		CU_ASSERT_EQUAL(tf_run(&f, &o, &pi), SL_CNT_LB_FORWARD);
		CU_ASSERT_EQUAL_FATAL(o.len, 1534);
		m = rte_pktmbuf_alloc(tf_pool);
		memcpy(rte_pktmbuf_append(m, (uint16_t)o.len), o.b, o.len);
		n = ipfrag_fragment(m, 14 + 20, 1, 1480, tf_pool, ind, out);
		CU_ASSERT_EQUAL_FATAL(n, 2);
		for (i = 0; i < n; i++) {
			const struct rte_ipv4_hdr *outer, *inner;

			CU_ASSERT(rte_pktmbuf_pkt_len(out[i]) <= 1514);
			outer = rte_pktmbuf_mtod_offset(out[i], const struct rte_ipv4_hdr *, 14);
			inner = outer + 1;
			CU_ASSERT_EQUAL(outer->next_proto_id, IPPROTO_IPIP);
			CU_ASSERT_EQUAL(outer->fragment_offset, 0);
			CU_ASSERT_EQUAL(ntohs(outer->total_length), rte_pktmbuf_pkt_len(out[i]) - 14);
			CU_ASSERT(tf_ip_ok(outer));
			CU_ASSERT(tf_ip_ok(inner));
			CU_ASSERT_EQUAL(ntohs(inner->total_length), rte_pktmbuf_pkt_len(out[i]) - 34);
			CU_ASSERT_EQUAL(!!(ntohs(inner->fragment_offset) & RTE_IPV4_HDR_MF_FLAG), i == 0);
		}
		rte_pktmbuf_free_bulk(out, (unsigned int)n);
	}
	ipfrag_free(fr);
	rte_mempool_free(ind);
	rte_mempool_free(big);
}


/* Tables for an IPv6 service [2001:db8::100]:80 over [2001:db8:1::11..13]:80. */
static struct lb *
tf_tables6(const char *mode)
{
	static uint64_t version = 1000;
	char text[2048];
	struct lb_conf c;
	struct lb *lb;

	snprintf(text, sizeof(text),
		 "pools:\n  web6:\n    backends:\n"
		 "      - address: \"[2001:db8:1::11]:80\"\n"
		 "      - address: \"[2001:db8:1::12]:80\"\n"
		 "      - address: \"[2001:db8:1::13]:80\"\n"
		 "services:\n  - vip: \"[2001:db8::100]:80/tcp\"\n    pool: web6\n"
		 "    policy: rr\n    mode: %s\n", mode);
	if (lb_conf_parse("t6.yaml", text, strlen(text), &c, err, sizeof(err)) != 0) {
		printf("\n  %s", err);
		return NULL;
	}
	lb = lb_build(&c, tf_neigh, ++version, 1, err, sizeof(err));
	lb_conf_free(&c);
	return tf_install(lb);
}

/* IPv6 TCP between two addresses, payload bytes of 'y', checksum complete. */
static void
tf_tcp6(struct tf_frame *f, const uint8_t *src, const uint8_t *dst, uint16_t sport,
	uint16_t dport, uint8_t flags, uint32_t payload)
{
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)f->b;
	struct rte_ipv6_hdr *ip = (struct rte_ipv6_hdr *)(eth + 1);
	struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)(ip + 1);

	memset(f, 0, sizeof(*f));
	memcpy(eth->dst_addr.addr_bytes, tf_mac_front, 6);
	memcpy(eth->src_addr.addr_bytes, tf_mac_client, 6);
	eth->ether_type = htons(RTE_ETHER_TYPE_IPV6);
	ip->vtc_flow = htonl(6u << 28 | 0x12345);
	ip->payload_len = htons((uint16_t)(sizeof(*th) + payload));
	ip->proto = IPPROTO_TCP;
	ip->hop_limits = 64;
	memcpy(ip->src_addr, src, 16);
	memcpy(ip->dst_addr, dst, 16);
	th->src_port = htons(sport);
	th->dst_port = htons(dport);
	th->data_off = 0x50;
	th->tcp_flags = flags;
	th->rx_win = htons(64240);
	memset(th + 1, 'y', payload);
	th->cksum = rte_ipv6_udptcp_cksum(ip, th);
	f->len = (uint32_t)(sizeof(*eth) + sizeof(*ip) + sizeof(*th) + payload);
}

/* 1 if the L4 checksum (TCP's, or ICMPv6's) of the IPv6 packet at ip is right. */
static int
tf_tcp6_ok(const struct rte_ipv6_hdr *ip)
{
	struct tf_frame copy;
	struct rte_ipv6_hdr *c = (struct rte_ipv6_hdr *)copy.b;
	uint8_t *l4 = (uint8_t *)(c + 1);
	unsigned int at = ip->proto == IPPROTO_TCP ? 16 : 2;
	uint16_t want, got;

	memcpy(copy.b, ip, sizeof(*ip) + ntohs(ip->payload_len));
	memcpy(&want, l4 + at, 2);
	memset(l4 + at, 0, 2);
	got = rte_ipv6_udptcp_cksum(c, l4);
	return got == want;
}

static void
test_ipv6_fnat_and_dsr_ipip(void)
{
	struct tf_frame f, o;
	const struct rte_ipv6_hdr *ip, *in;
	const struct rte_tcp_hdr *th;
	uint8_t be[16], local[16];
	uint16_t pi, lport;

	CU_ASSERT_FATAL(tf_tables6("fnat") != NULL);
	tf_tcp6(&f, tf6_client, tf6_vip, 40100, 80, RTE_TCP_SYN_FLAG, 0);
	CU_ASSERT_EQUAL_FATAL(tf_run(&f, &o, &pi), SL_CNT_LB_FORWARD);
	CU_ASSERT_EQUAL(pi, 1);
	ip = (const struct rte_ipv6_hdr *)(o.b + 14);
	th = (const struct rte_tcp_hdr *)(ip + 1);
	CU_ASSERT_EQUAL(memcmp(ip->src_addr, tf6_back, 16), 0);
	CU_ASSERT_EQUAL(memcmp(ip->dst_addr, tf6_back, 15), 0);      /* 2001:db8:1::/64 */
	CU_ASSERT(ip->dst_addr[15] >= 0x11 && ip->dst_addr[15] <= 0x13);
	CU_ASSERT_EQUAL(o.b[5], ip->dst_addr[15]);              /* to that backend's MAC */
	CU_ASSERT_EQUAL(th->dst_port, htons(80));
	CU_ASSERT(tf_tcp6_ok(ip));
	memcpy(be, ip->dst_addr, 16);
	memcpy(local, ip->src_addr, 16);
	lport = ntohs(th->src_port);
	/* The backend's SYN-ACK comes back to the client from the VIP. */
	tf_tcp6(&f, be, local, 80, lport, RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG, 0);
	CU_ASSERT_EQUAL(tf_run(&f, &o, &pi), SL_CNT_LB_REPLY);
	ip = (const struct rte_ipv6_hdr *)(o.b + 14);
	th = (const struct rte_tcp_hdr *)(ip + 1);
	CU_ASSERT_EQUAL(memcmp(ip->src_addr, tf6_vip, 16), 0);
	CU_ASSERT_EQUAL(memcmp(ip->dst_addr, tf6_client, 16), 0);
	CU_ASSERT_EQUAL(ntohs(th->src_port), 80);
	CU_ASSERT_EQUAL(ntohs(th->dst_port), 40100);
	CU_ASSERT(tf_tcp6_ok(ip));
	CU_ASSERT_EQUAL(memcmp(o.b, tf_mac_client, 6), 0);

	/* ICMPv6 errors follow the flow: packet too big from the client about the VIP's
	 * segment goes to the backend about its own; a refusal from the backend about what
	 * we sent goes to the client about its own. */
	{
		struct tf_frame q;
		uint8_t *icmp;
		const struct rte_ipv6_hdr *qi;
		const struct rte_tcp_hdr *qt;
		uint16_t ck;
		int dir;

		for (dir = 0; dir < 2; dir++) {
			const uint8_t *osrc = dir ? be : tf6_client, *odst = dir ? local : tf6_vip;

			if (dir)
				tf_tcp6(&q, local, be, lport, 80, RTE_TCP_ACK_FLAG, 0);
			else
				tf_tcp6(&q, tf6_vip, tf6_client, 80, 40100, RTE_TCP_ACK_FLAG, 0);
			memset(&f, 0, sizeof(f));
			memcpy(f.b, q.b, 14);
			ip = (const struct rte_ipv6_hdr *)(f.b + 14);
			{
				struct rte_ipv6_hdr *w = (struct rte_ipv6_hdr *)(f.b + 14);

				w->vtc_flow = htonl(6u << 28);
				w->payload_len = htons((uint16_t)(8 + q.len - 14));
				w->proto = IPPROTO_ICMPV6;
				w->hop_limits = 64;
				memcpy(w->src_addr, osrc, 16);
				memcpy(w->dst_addr, odst, 16);
				icmp = (uint8_t *)(w + 1);
				icmp[0] = dir ? 1 : 2;  /* unreachable (port) / packet too big */
				icmp[1] = dir ? 4 : 0;
				if (!dir)
					icmp[6] = 0x05, icmp[7] = 0x00;     /* MTU 1280 */
				memcpy(icmp + 8, q.b + 14, q.len - 14);
				ck = rte_ipv6_udptcp_cksum(w, icmp);
				memcpy(icmp + 2, &ck, 2);
			}
			f.len = 14 + 40 + 8 + q.len - 14;
			CU_ASSERT_EQUAL(tf_run(&f, &o, &pi), SL_CNT_LB_ICMP_ERROR);
			ip = (const struct rte_ipv6_hdr *)(o.b + 14);
			CU_ASSERT(tf_tcp6_ok(ip));                      /* ICMPv6 checksum */
			qi = (const struct rte_ipv6_hdr *)((const uint8_t *)(ip + 1) + 8);
			qt = (const struct rte_tcp_hdr *)(qi + 1);
			CU_ASSERT(tf_tcp6_ok(qi));                      /* the quoted segment's */
			if (!dir) {
				CU_ASSERT_EQUAL(pi, 1);
				CU_ASSERT_EQUAL(memcmp(ip->src_addr, local, 16), 0);
				CU_ASSERT_EQUAL(memcmp(ip->dst_addr, be, 16), 0);
				CU_ASSERT_EQUAL(memcmp(qi->src_addr, be, 16), 0);
				CU_ASSERT_EQUAL(memcmp(qi->dst_addr, local, 16), 0);
				CU_ASSERT_EQUAL(ntohs(qt->dst_port), lport);
			} else {
				CU_ASSERT_EQUAL(pi, 0);
				CU_ASSERT_EQUAL(memcmp(ip->src_addr, tf6_vip, 16), 0);
				CU_ASSERT_EQUAL(memcmp(ip->dst_addr, tf6_client, 16), 0);
				CU_ASSERT_EQUAL(memcmp(qi->src_addr, tf6_client, 16), 0);
				CU_ASSERT_EQUAL(memcmp(qi->dst_addr, tf6_vip, 16), 0);
				CU_ASSERT_EQUAL(ntohs(qt->src_port), 40100);
			}
		}
	}

	/* dsr-ipip: RFC 2473 outer header, the client's packet intact inside. */
	CU_ASSERT_FATAL(tf_tables6("dsr-ipip") != NULL);
	tf_tcp6(&f, tf6_client, tf6_vip, 40101, 80, RTE_TCP_SYN_FLAG, 0);
	CU_ASSERT_EQUAL_FATAL(tf_run(&f, &o, &pi), SL_CNT_LB_FORWARD);
	CU_ASSERT_EQUAL(o.len, f.len + 40);
	CU_ASSERT_EQUAL(o.b[12] << 8 | o.b[13], RTE_ETHER_TYPE_IPV6);
	ip = (const struct rte_ipv6_hdr *)(o.b + 14);
	in = ip + 1;
	CU_ASSERT_EQUAL(ip->proto, IPPROTO_IPV6);
	CU_ASSERT_EQUAL(ntohs(ip->payload_len), f.len - 14);
	CU_ASSERT_EQUAL(ip->vtc_flow, htonl(6u << 28 | 0x12345));
	CU_ASSERT_EQUAL(memcmp(ip->src_addr, tf6_back, 16), 0);
	CU_ASSERT_EQUAL(ip->dst_addr[15], o.b[5]);
	CU_ASSERT_EQUAL(memcmp(in, f.b + 14, f.len - 14), 0);
	/* Too big once encapsulated: packet too big, from the front, quoting the packet. */
	tf_tcp6(&f, tf6_client, tf6_vip, 40101, 80, RTE_TCP_ACK_FLAG, 1440);
	CU_ASSERT_EQUAL(tf_run(&f, &o, &pi), SL_CNT_LB_FRAG_NEEDED_SENT);
	CU_ASSERT_EQUAL(pi, 0);
	ip = (const struct rte_ipv6_hdr *)(o.b + 14);
	CU_ASSERT_EQUAL(ip->proto, IPPROTO_ICMPV6);
	CU_ASSERT_EQUAL(memcmp(ip->src_addr, tf6_front, 16), 0);
	CU_ASSERT_EQUAL(memcmp(ip->dst_addr, tf6_client, 16), 0);
	CU_ASSERT_EQUAL(((const uint8_t *)(ip + 1))[0], 2);
	CU_ASSERT_EQUAL(ntohl(*(const uint32_t *)((const uint8_t *)(ip + 1) + 4)), 1460);
	CU_ASSERT(tf_tcp6_ok(ip));      /* the same pseudo-header sum checks ICMPv6 */
	CU_ASSERT(o.len <= 14 + 1280);
}

/* fnat's local port: the reply tuple it makes is owned by the worker that chose it,
 * for any number of workers, both families (the owner hash by parts must agree with
 * owner_of whole). */
static void
test_lport_reply_owned_by_chooser(void)
{
	struct pkt_meta rm;
	unsigned int nw, w, i, bad = 0;
	uint32_t rng = 12345;

	for (nw = 1; nw <= 5; nw++)
		for (w = 0; w < nw; w++)
			for (i = 0; i < 200; i++) {
				uint32_t baddr, laddr;
				uint16_t bport, p;

				rng = rng * 1103515245u + 12345u;
				baddr = rng;
				laddr = rng * 7u;
				bport = (uint16_t)(rng >> 7);
				memset(&rm, 0, sizeof(rm));
				if (i & 1) {
					uint8_t b6[16], l6[16];

					memset(b6, (int)(rng & 0xff), 16);
					memset(l6, (int)(rng >> 24), 16);
					p = lb_lport6(tf_w.lbw, w, nw, b6, bport, l6, IPPROTO_TCP,
						      rte_rdtsc());
					rm.l3 = PKT_L3_IPV6;
					memcpy(rm.addr.v6.src, b6, 16);
					memcpy(rm.addr.v6.dst, l6, 16);
				} else {
					p = lb_lport(tf_w.lbw, w, nw, baddr, bport, laddr, IPPROTO_TCP,
						     rte_rdtsc());
					rm.l3 = PKT_L3_IPV4;
					rm.addr.v4.src = baddr;
					rm.addr.v4.dst = laddr;
				}
				rm.sport = bport;
				rm.dport = p;
				if (!p || owner_of(&rm, nw) != w)
					bad++;
			}
	CU_ASSERT_EQUAL(bad, 0);
}

static void
test_dsr_config_refusals(void)
{
	static const char *const bad[] = {
		/* dsr does not translate ports */
		"pools:\n  p:\n    backends:\n      - address: 198.18.1.11:8080\n"
		"services:\n  - { vip: 198.18.0.100:80/tcp, pool: p, mode: dsr }\n",
		/* nor families */
		"pools:\n  p:\n    backends:\n      - address: \"[2001:db8:1::11]:80\"\n"
		"services:\n  - { vip: 198.18.0.100:80/tcp, pool: p, mode: dsr-ipip }\n",
		/* mss for UDP, and too small */
		"pools:\n  p:\n    backends:\n      - address: 198.18.1.11:53\n"
		"services:\n  - { vip: 198.18.0.100:53/udp, pool: p, mss: 1400 }\n",
		"pools:\n  p:\n    backends:\n      - address: 198.18.1.11:80\n"
		"services:\n  - { vip: 198.18.0.100:80/tcp, pool: p, mss: 100 }\n",
	};
	static const char *const why[] = { "does not translate ports", "carries the client",
					   "TCP services only", "536 or more" };
	struct lb_conf c;
	unsigned int i;

	for (i = 0; i < RTE_DIM(bad); i++) {
		err[0] = '\0';
		CU_ASSERT_EQUAL(lb_conf_parse("t.yaml", bad[i], strlen(bad[i]), &c, err,
					      sizeof(err)), -EINVAL);
		CU_ASSERT_PTR_NOT_NULL(strstr(err, why[i]));
		CU_ASSERT_PTR_NOT_NULL(strstr(err, "t.yaml:"));
	}
}

static int
suite_init(void)
{
	char *argv[] = { "test_lb_fwd", "--no-pci", "--no-huge", "--no-shconf", "-m", "256",
			 "--log-level=*:error", NULL };

	if (rte_eal_init((int)RTE_DIM(argv) - 1, argv) < 0)
		return -1;
	tf_pool = rte_pktmbuf_pool_create("tf_pool", 255, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
					  SOCKET_ID_ANY);
	tf_neigh = rte_zmalloc("neigh", sizeof(*tf_neigh), 0);
	if (!tf_pool || !tf_neigh)
		return -1;
	tf_dp.nb_workers = 1;
	tf_dp.neigh = tf_neigh;
	tf_dp.nb_ports = 2;
	memcpy(tf_dp.ports[0].local.mac.addr_bytes, tf_mac_front, 6);
	tf_dp.ports[0].local.v4[0] = htonl(TF_FRONT);
	tf_dp.ports[0].local.v4[1] = htonl(TF_VIP);
	tf_dp.ports[0].local.nb_v4 = 2;
	memcpy(tf_dp.ports[0].local.v6[0], tf6_front, 16);
	memcpy(tf_dp.ports[0].local.v6[1], tf6_vip, 16);
	tf_dp.ports[0].local.nb_v6 = 2;
	memcpy(tf_dp.ports[1].local.v6[0], tf6_back, 16);
	tf_dp.ports[1].local.nb_v6 = 1;
	tf_dp.ports[0].mtu = 1500;
	memcpy(tf_dp.ports[1].local.mac.addr_bytes, tf_mac_back, 6);
	tf_dp.ports[1].local.v4[0] = htonl(TF_BACK);
	tf_dp.ports[1].local.nb_v4 = 1;
	tf_dp.ports[1].mtu = 1500;
	tf_w.idx = 0;
	tf_dp.workers[0] = &tf_w;
	return 0;
}

static int
suite_cleanup(void)
{
	lb_free(tf_dp.lb);
	lb_worker_free(tf_w.lbw);
	rte_free(tf_neigh);
	rte_mempool_free(tf_pool);
	rte_eal_cleanup();
	return 0;
}

/* The frame from another client address: the source and both checksums redone. */
static void
tf_from(struct tf_frame *f, uint32_t src)
{
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(f->b + sizeof(struct rte_ether_hdr));
	struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)(ip + 1);

	ip->src_addr = htonl(src);
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	th->cksum = 0;
	th->cksum = rte_ipv4_udptcp_cksum(ip, th);
}

/*
 * Rate limits on the fast path (lb_police): connections per client, token bucket 1/s
 * with a burst of 2 — two SYNs pass, the third is dropped (the worker counts the
 * verdict) and the limit counts it over, a flow's later
 * packets are not charged, another client has its own budget, a limit whose prefix the
 * client is not in does nothing; remark sets the DSCP (ECN kept, checksum right); count
 * passes and counts.
 */
static void
test_limits_on_the_fast_path(void)
{
	struct tf_frame f, o;
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(o.b + sizeof(struct rte_ether_hdr));
	uint64_t remarked, counted;
	uint16_t pi;
	struct lb *lb = tf_tables("fnat", "rr",
		"limits:\n"
		"  per-client: { algorithm: token-bucket, unit: connections, rate: 1, burst: 2 }\n"
		"  elsewhere: { from: 198.18.9.0/24, algorithm: fixed-window, limit: 1,\n"
		"               window_ms: 60000, priority: 1 }\n");

	CU_ASSERT_PTR_NOT_NULL_FATAL(lb);
	CU_ASSERT_EQUAL_FATAL(lb->nb_limits, 2);
	CU_ASSERT_STRING_EQUAL(lb->limits[0].name, "elsewhere");        /* by priority */
	tf_tcp(&f, 41001, RTE_TCP_SYN_FLAG, 1, NULL, 0, 0);
	CU_ASSERT_EQUAL(tf_run(&f, &o, &pi), SL_CNT_LB_FORWARD);
	tf_tcp(&f, 41002, RTE_TCP_SYN_FLAG, 1, NULL, 0, 0);
	CU_ASSERT_EQUAL(tf_run(&f, &o, &pi), SL_CNT_LB_FORWARD);
	tf_tcp(&f, 41003, RTE_TCP_SYN_FLAG, 1, NULL, 0, 0);
	CU_ASSERT_EQUAL(tf_run(&f, &o, &pi), SL_CNT_POLICED);
	tf_tcp(&f, 41001, RTE_TCP_ACK_FLAG, 1, NULL, 0, 100);          /* the first flow goes on */
	CU_ASSERT_EQUAL(tf_run(&f, &o, &pi), SL_CNT_LB_FORWARD);
	tf_tcp(&f, 41004, RTE_TCP_SYN_FLAG, 1, NULL, 0, 0);
	tf_from(&f, TF_CLIENT + 1);                                     /* another client */
	CU_ASSERT_EQUAL(tf_run(&f, &o, &pi), SL_CNT_LB_FORWARD);
	CU_ASSERT_EQUAL(lb->limits[1].st->cnt[0].matched, 4);
	CU_ASSERT_EQUAL(lb->limits[1].st->cnt[0].over, 1);
	CU_ASSERT_EQUAL(lb->limits[0].st->cnt[0].matched, 0);
	CU_ASSERT_EQUAL(lb->limits[1].st->t[0]->used, 2);               /* two clients' keys */

	/* remark: packets over 1/s (burst 1) get DSCP EF (46), ECN bits kept */
	remarked = tf_cnt[SL_CNT_POLICE_REMARKED];
	lb = tf_tables("fnat", "rr",
		"limits:\n  ef: { algorithm: leaky-bucket, rate: 1, burst: 1, action: remark,\n"
		"        dscp: 46 }\n");
	CU_ASSERT_PTR_NOT_NULL_FATAL(lb);
	tf_tcp(&f, 42001, RTE_TCP_SYN_FLAG, 1, NULL, 0, 0);
	((struct rte_ipv4_hdr *)(f.b + sizeof(struct rte_ether_hdr)))->type_of_service = 0x29;
	tf_from(&f, TF_CLIENT);
	CU_ASSERT_EQUAL(tf_run(&f, &o, &pi), SL_CNT_LB_FORWARD);
	CU_ASSERT_EQUAL(ip->type_of_service, 0x29);                     /* within the limit */
	tf_tcp(&f, 42001, RTE_TCP_ACK_FLAG, 1, NULL, 0, 10);
	((struct rte_ipv4_hdr *)(f.b + sizeof(struct rte_ether_hdr)))->type_of_service = 0x29;
	tf_from(&f, TF_CLIENT);
	CU_ASSERT_EQUAL(tf_run(&f, &o, &pi), SL_CNT_LB_FORWARD);
	CU_ASSERT_EQUAL(ip->type_of_service, (46 << 2) | 0x01);
	CU_ASSERT(tf_ip_ok(ip));
	CU_ASSERT(tf_tcp_ok(ip));
	CU_ASSERT_EQUAL(tf_cnt[SL_CNT_POLICE_REMARKED], remarked + 1);

	/* count: over the limit, passed and counted */
	counted = tf_cnt[SL_CNT_POLICE_COUNTED];
	lb = tf_tables("fnat", "rr",
		"limits:\n  shadow: { algorithm: sliding-log, limit: 1, window_ms: 10000,\n"
		"            action: count }\n");
	CU_ASSERT_PTR_NOT_NULL_FATAL(lb);
	tf_tcp(&f, 43001, RTE_TCP_SYN_FLAG, 1, NULL, 0, 0);
	CU_ASSERT_EQUAL(tf_run(&f, &o, &pi), SL_CNT_LB_FORWARD);
	tf_tcp(&f, 43002, RTE_TCP_SYN_FLAG, 1, NULL, 0, 0);
	CU_ASSERT_EQUAL(tf_run(&f, &o, &pi), SL_CNT_LB_FORWARD);
	CU_ASSERT_EQUAL(tf_cnt[SL_CNT_POLICE_COUNTED], counted + 1);
}

/* A trTCM (RFC 2698) meter on the fast path: cir 1000 B/s with cbs 1514, pir 2000 B/s
 * with pbs 3028, a flow's packets of 100 IP bytes back to back: the first fifteen fit
 * the committed bucket (green, untouched), the next fifteen only the peak one (yellow:
 * remarked to DSCP 12, the checksum right), the rest neither (red: dropped). */
static void
test_meter_limit_colours(void)
{
	struct tf_frame f, o;
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(o.b + sizeof(struct rte_ether_hdr));
	int i, green = 0, yellow = 0, red = 0, order_ok = 1, last = 0;
	uint16_t pi;
	struct lb *lb = tf_tables("fnat", "rr",
		"limits:\n  trunk: { algorithm: trtcm, cir: 1000, cbs: 1514, pir: 2000, pbs: 3028,\n"
		"           yellow: remark, yellow_dscp: 12 }\n");

	CU_ASSERT_PTR_NOT_NULL_FATAL(lb);
	CU_ASSERT_PTR_NOT_NULL_FATAL(lb->limits[0].meter);
	tf_tcp(&f, 44001, RTE_TCP_SYN_FLAG, 1, NULL, 0, 60);    /* 100 IP bytes each */
	for (i = 0; i < 45; i++) {
		int rc, colour;

		if (i == 1)
			tf_tcp(&f, 44001, RTE_TCP_ACK_FLAG, 1, NULL, 0, 60);
		rc = tf_run(&f, &o, &pi);
		if (rc == SL_CNT_POLICED) {
			colour = 3;
			red++;
		} else if (ip->type_of_service == ((12 << 2) | (0x28 & 3))) {
			colour = 2;
			yellow++;
			CU_ASSERT(tf_ip_ok(ip));
		} else {
			colour = 1;
			green++;
			CU_ASSERT_EQUAL(rc, SL_CNT_LB_FORWARD);
		}
		order_ok &= colour >= last;
		last = colour;
	}
	CU_ASSERT_EQUAL(green, 15);
	CU_ASSERT_EQUAL(yellow, 15);
	CU_ASSERT_EQUAL(red, 15);
	CU_ASSERT(order_ok);
	CU_ASSERT_EQUAL(lb->limits[0].st->cnt[0].colour[RTE_COLOR_RED], 15);
}

/*
 * Subscribers (lb_subscriber): 198.18.0.0/28 is acme, but 198.18.0.8/29 inside it is
 * globex (the longest prefix wins); a subscriber-keyed limit gives each subscriber one
 * budget whatever its addresses (two of acme's clients share theirs), a limit naming a
 * subscriber sees only that subscriber's clients, and a client of no subscriber is not
 * charged by either.
 */
static void
test_subscriber_limits(void)
{
	struct tf_frame f, o;
	uint16_t pi;
	struct lb *lb = tf_tables("fnat", "rr",
		"subscribers:\n"
		"  acme: [198.18.0.0/28, \"2001:db8:100::/48\"]\n"
		"  globex: 198.18.0.8/29\n"
		"limits:\n"
		"  per-sub: { key: subscriber, algorithm: token-bucket, unit: connections,\n"
		"             rate: 1, burst: 2 }\n"
		"  globex-only: { subscriber: globex, algorithm: fixed-window, unit: connections,\n"
		"                 limit: 100, window_ms: 60000, priority: 1 }\n");

	CU_ASSERT_PTR_NOT_NULL_FATAL(lb);
	CU_ASSERT_EQUAL(lb->nb_subs, 2);
	CU_ASSERT_PTR_NOT_NULL(lb->sub4);
	CU_ASSERT_PTR_NOT_NULL(lb->sub6);
	/* acme: 198.18.0.2 and 198.18.0.3 share a budget of 2 */
	tf_tcp(&f, 45001, RTE_TCP_SYN_FLAG, 1, NULL, 0, 0);
	tf_from(&f, 0xc6120002u);
	CU_ASSERT_EQUAL(tf_run(&f, &o, &pi), SL_CNT_LB_FORWARD);
	tf_tcp(&f, 45002, RTE_TCP_SYN_FLAG, 1, NULL, 0, 0);
	tf_from(&f, 0xc6120003u);
	CU_ASSERT_EQUAL(tf_run(&f, &o, &pi), SL_CNT_LB_FORWARD);
	tf_tcp(&f, 45003, RTE_TCP_SYN_FLAG, 1, NULL, 0, 0);
	tf_from(&f, 0xc6120002u);
	CU_ASSERT_EQUAL(tf_run(&f, &o, &pi), SL_CNT_POLICED);
	/* globex (198.18.0.9, inside acme's /28 but in globex's /29): its own budget */
	tf_tcp(&f, 45004, RTE_TCP_SYN_FLAG, 1, NULL, 0, 0);
	tf_from(&f, 0xc6120009u);
	CU_ASSERT_EQUAL(tf_run(&f, &o, &pi), SL_CNT_LB_FORWARD);
	/* no subscriber (198.18.0.66): neither limit sees it */
	tf_tcp(&f, 45005, RTE_TCP_SYN_FLAG, 1, NULL, 0, 0);
	tf_from(&f, 0xc6120042u);
	CU_ASSERT_EQUAL(tf_run(&f, &o, &pi), SL_CNT_LB_FORWARD);
	tf_tcp(&f, 45006, RTE_TCP_SYN_FLAG, 1, NULL, 0, 0);
	tf_from(&f, 0xc6120042u);
	CU_ASSERT_EQUAL(tf_run(&f, &o, &pi), SL_CNT_LB_FORWARD);
	tf_tcp(&f, 45007, RTE_TCP_SYN_FLAG, 1, NULL, 0, 0);
	tf_from(&f, 0xc6120042u);
	CU_ASSERT_EQUAL(tf_run(&f, &o, &pi), SL_CNT_LB_FORWARD);
	CU_ASSERT_EQUAL(lb->limits[1].st->cnt[0].matched, 4);   /* per-sub: acme 3, globex 1 */
	CU_ASSERT_EQUAL(lb->limits[1].st->cnt[0].over, 1);
	CU_ASSERT_EQUAL(lb->limits[1].st->t[0]->used, 2);       /* two subscribers' keys */
	CU_ASSERT_EQUAL(lb->limits[0].st->cnt[0].matched, 1);   /* globex-only: globex's SYN */
	/* IPv6 clients map through their own table */
	{
		struct pkt_meta m6;

		memset(&m6, 0, sizeof(m6));
		m6.l3 = PKT_L3_IPV6;
		inet_pton(AF_INET6, "2001:db8:100:ffff::5", m6.addr.v6.src);
		CU_ASSERT_EQUAL(lb_subscriber(lb, &m6), 1);     /* acme */
		inet_pton(AF_INET6, "2001:db8:101::5", m6.addr.v6.src);
		CU_ASSERT_EQUAL(lb_subscriber(lb, &m6), 0);
	}
}

/*
 * A budget split over the workers (lb_limit_split): built for 4 workers, a limit of 8
 * new connections (burst 8) admits 2 on one worker, while a per-source packet limit
 * stays whole on each worker (a lone flow is not held to a quarter).
 */
static void
test_limit_split_over_workers(void)
{
	char err[512];
	const char *text =
		"pools:\n  web:\n    backends:\n      - address: 198.18.1.11:80\n"
		"services:\n  - vip: 198.18.0.100:80/tcp\n    pool: web\n"
		"limits:\n"
		"  conns: { algorithm: token-bucket, unit: connections, rate: 8, burst: 8 }\n"
		"  pkts: { algorithm: token-bucket, rate: 8, burst: 8, priority: 5 }\n"
		"  win: { key: service, algorithm: fixed-window, limit: 8, window_ms: 1000,\n"
		"         priority: 7 }\n";
	struct police_key k = { .id = 1 };
	struct lb_conf c;
	struct lb *lb;
	void *st;
	int i, n;

	CU_ASSERT_EQUAL_FATAL(lb_conf_parse("t.yaml", text, strlen(text), &c, err, sizeof(err)), 0);
	lb = lb_build(&c, tf_neigh, 900, 4, err, sizeof(err));
	lb_conf_free(&c);
	CU_ASSERT_PTR_NOT_NULL_FATAL(lb);
	CU_ASSERT_STRING_EQUAL(lb->limits[0].name, "pkts");
	CU_ASSERT_EQUAL(lb->limits[0].cost_mult, 1);
	CU_ASSERT_EQUAL(lb->limits[1].cost_mult, 4);            /* win */
	CU_ASSERT_EQUAL(lb->limits[2].cost_mult, 4);            /* conns */
	/* conns on one worker: a full bucket of 8, each connection costs 4: two pass */
	st = police_table_get(lb->limits[2].st->t[0], &k);
	CU_ASSERT_PTR_NOT_NULL_FATAL(st);
	for (i = 0, n = 0; i < 5; i++)
		n += police_check(st, &lb->limits[2].pp, 1 * lb->limits[2].cost_mult, 1000);
	CU_ASSERT_EQUAL(n, 2);
	/* pkts: whole on each worker: eight pass */
	st = police_table_get(lb->limits[0].st->t[0], &k);
	CU_ASSERT_PTR_NOT_NULL_FATAL(st);
	for (i = 0, n = 0; i < 10; i++)
		n += police_check(st, &lb->limits[0].pp, 1 * lb->limits[0].cost_mult, 1000);
	CU_ASSERT_EQUAL(n, 8);
	lb_free(lb);
}

/*
 * Shaping's tables (lb_shape_build): each shaped subscriber's id maps to its pipe, the
 * others to none; a version with the same shaping section keeps the shapers (what they
 * queue survives a pool change), a changed section gets new ones; the subscribers' LPM
 * tables are shared while their prefixes stay the same.
 */
static void
test_shape_kept_across_versions(void)
{
	static const char base[] =
		"pools:\n  web:\n    backends:\n      - address: 198.18.1.11:80\n"
		"services:\n  - vip: 198.18.0.100:80/tcp\n    pool: web\n"
		"subscribers:\n  a: 198.18.0.0/28\n  b: 198.18.0.16/28\n  c: 198.18.0.32/28\n"
		"shaping:\n  rate: 12500000\n  pipes:\n"
		"    c: { rate: 125000, burst: 3000 }\n    a: { rate: %s, burst: 3000 }\n";
	char text[1024], err[512];
	struct lb_conf c;
	struct lb *v1, *v2, *v3;

	snprintf(text, sizeof(text), base, "250000");
	CU_ASSERT_EQUAL_FATAL(lb_conf_parse("t.yaml", text, strlen(text), &c, err, sizeof(err)), 0);
	v1 = lb_build(&c, tf_neigh, 1001, 2, err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(v1);
	CU_ASSERT_EQUAL_FATAL(lb_shape_build(v1, &c, NULL, 2, 1, err, sizeof(err)), 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(v1->shape);
	CU_ASSERT_EQUAL(v1->sub_pipe[1], 2);            /* a: the second pipe */
	CU_ASSERT_EQUAL(v1->sub_pipe[2], 0);            /* b: not shaped */
	CU_ASSERT_EQUAL(v1->sub_pipe[3], 1);            /* c: the first */
	CU_ASSERT(v1->shape->footprint_bytes > 0);
	/* the same section: the same shapers */
	v2 = lb_build_from(&c, tf_neigh, 1002, 2, v1, err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(v2);
	CU_ASSERT_EQUAL_FATAL(lb_shape_build(v2, &c, v1, 2, 1, err, sizeof(err)), 0);
	CU_ASSERT_PTR_EQUAL(v2->shape, v1->shape);
	CU_ASSERT_EQUAL(v2->shape->refs, 2);
	CU_ASSERT_PTR_EQUAL(v2->subs, v1->subs);        /* the LPM tables too (64 MiB) */
	CU_ASSERT_PTR_EQUAL(v2->sub4, v1->sub4);
	lb_conf_free(&c);
	lb_free(v1);
	/* a pipe's rate changed: new shapers */
	snprintf(text, sizeof(text), base, "500000");
	CU_ASSERT_EQUAL_FATAL(lb_conf_parse("t.yaml", text, strlen(text), &c, err, sizeof(err)), 0);
	v3 = lb_build_from(&c, tf_neigh, 1003, 2, v2, err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(v3);
	CU_ASSERT_EQUAL_FATAL(lb_shape_build(v3, &c, v2, 2, 1, err, sizeof(err)), 0);
	CU_ASSERT_PTR_NOT_EQUAL(v3->shape, v2->shape);
	CU_ASSERT_EQUAL(v3->shape->refs, 1);
	CU_ASSERT_PTR_EQUAL(v3->subs, v2->subs);        /* the prefixes did not change */
	lb_conf_free(&c);
	lb_free(v2);
	lb_free(v3);
}

static const struct unit_test tests[] = {
	UNIT_TEST(test_fnat_rewrites_with_full_checksums),
	UNIT_TEST(test_dsr_changes_only_the_link_header),
	UNIT_TEST(test_dsr_flow_tracked_one_way),
	UNIT_TEST(test_dsr_ipip_outer_header),
	UNIT_TEST(test_dsr_ipip_too_big),
	UNIT_TEST(test_mss_clamp),
	UNIT_TEST(test_full_table_falls_back_to_maglev),
	UNIT_TEST(test_icmp_errors_follow_the_flow),
	UNIT_TEST(test_fragment_and_reassemble),
	UNIT_TEST(test_ipv6_fnat_and_dsr_ipip),
	UNIT_TEST(test_lport_reply_owned_by_chooser),
	UNIT_TEST(test_dsr_config_refusals),
	UNIT_TEST(test_limits_on_the_fast_path),
	UNIT_TEST(test_meter_limit_colours),
	UNIT_TEST(test_subscriber_limits),
	UNIT_TEST(test_limit_split_over_workers),
	UNIT_TEST(test_shape_kept_across_versions),
	{ NULL, NULL }
};

int
main(void)
{
	return unit_run("lb_fwd", tests, suite_init, suite_cleanup);
}
