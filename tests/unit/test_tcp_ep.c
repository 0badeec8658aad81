/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_tcp_ep: the TCP endpoint on real mbufs (EAL --no-huge), frame in, frame out: a
 * SYN answered by a SYN-ACK with MSS (and no option we do not implement), correct
 * checksums and swapped addresses; the handshake's ACK taken silently; data echoed in
 * one segment with the ACK on it; the client's FIN answered by ours; its last ACK
 * closing the connection; an ACK to a port with no connection answered by a RST; a bad
 * checksum and a port nothing serves dropped and counted; IPv6 through the same path.
 */
#include <CUnit/Basic.h>
#include <arpa/inet.h>
#include <stdint.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_tcp.h>

#include "pkt_fp.h"
#include "sl_reasons.h"
#include "tcp_ep.h"
#include "cunit_main.h"

#define TE_CLIENT 0xc6120002u           /* 198.18.0.2 */
#define TE_US     0xc6120001u           /* 198.18.0.1 */

static struct rte_mempool *te_pool;
static struct tcp_ep_conf te_conf = { .echo_port = 7, .discard_port = 9, .max_conns = 64,
				      .secret = { 1, 2 } };
static struct tcp_ep *te_ep;
static uint64_t te_cnt[SL_CNT__MAX];
static const struct rte_ether_addr te_mac = { { 0x02, 0x5c, 0, 0, 0, 1 } };
static const uint8_t te_client_mac[6] = { 0x02, 0xc1, 0, 0, 0, 2 };

/* A client segment to port dport in a fresh mbuf: IPv4 or IPv6, options opt (olen, a
 * multiple of 4), payload of len bytes of 'a'..., checksums right. */
static struct rte_mbuf *
te_frame(int v6, uint16_t sport, uint16_t dport, uint8_t flags, uint32_t seq, uint32_t ack,
	 const uint8_t *opt, unsigned int olen, unsigned int len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(te_pool);
	unsigned int l3 = v6 ? sizeof(struct rte_ipv6_hdr) : sizeof(struct rte_ipv4_hdr);
	unsigned int total = RTE_ETHER_HDR_LEN + l3 + 20 + olen + len, i;
	uint8_t *p = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)total);
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)p;
	struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)(p + RTE_ETHER_HDR_LEN + l3);

	memset(p, 0, total);
	memcpy(eth->src_addr.addr_bytes, te_client_mac, 6);
	rte_ether_addr_copy(&te_mac, &eth->dst_addr);
	th->src_port = htons(sport);
	th->dst_port = htons(dport);
	th->sent_seq = htonl(seq);
	th->recv_ack = htonl(ack);
	th->data_off = (uint8_t)(((20 + olen) / 4) << 4);
	th->tcp_flags = flags;
	th->rx_win = htons(64240);
	if (olen)
		memcpy(th + 1, opt, olen);
	for (i = 0; i < len; i++)
		((uint8_t *)(th + 1))[olen + i] = (uint8_t)('a' + i % 26);
	if (v6) {
		struct rte_ipv6_hdr *ip6 = (struct rte_ipv6_hdr *)(eth + 1);

		eth->ether_type = htons(RTE_ETHER_TYPE_IPV6);
		ip6->vtc_flow = htonl(6u << 28);
		ip6->payload_len = htons((uint16_t)(20 + olen + len));
		ip6->proto = IPPROTO_TCP;
		ip6->hop_limits = 64;
		inet_pton(AF_INET6, "2001:db8::2", ip6->src_addr);
		inet_pton(AF_INET6, "2001:db8::1", ip6->dst_addr);
		th->cksum = rte_ipv6_udptcp_cksum(ip6, th);
	} else {
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eth + 1);

		eth->ether_type = htons(RTE_ETHER_TYPE_IPV4);
		ip->version_ihl = 0x45;
		ip->total_length = htons((uint16_t)(sizeof(*ip) + 20 + olen + len));
		ip->time_to_live = 64;
		ip->next_proto_id = IPPROTO_TCP;
		ip->src_addr = htonl(TE_CLIENT);
		ip->dst_addr = htonl(TE_US);
		ip->hdr_checksum = rte_ipv4_cksum(ip);
		th->cksum = rte_ipv4_udptcp_cksum(ip, th);
	}
	return m;
}

/* Runs m through the endpoint; the verdict, and m's parse afterwards in *meta. */
static int
te_run(struct rte_mbuf *m, struct pkt_meta *meta)
{
	int rc = pkt_parse(rte_pktmbuf_mtod(m, const uint8_t *), rte_pktmbuf_data_len(m), meta);

	CU_ASSERT_EQUAL_FATAL(rc, SL_CNT_OK);
	rc = tcp_ep_input(te_ep, &te_mac, m, meta, 1000000000ull, te_cnt);
	if (rc == SL_CNT_TCP_REPLY)
		CU_ASSERT_EQUAL(pkt_parse(rte_pktmbuf_mtod(m, const uint8_t *),
					  rte_pktmbuf_data_len(m), meta), SL_CNT_OK);
	return rc;
}

static struct rte_tcp_hdr *
te_tcp(struct rte_mbuf *m, const struct pkt_meta *meta)
{
	return rte_pktmbuf_mtod_offset(m, struct rte_tcp_hdr *, meta->l4_off);
}

/* Whether the reply's checksums are right and it goes back to the client. */
static int
te_reply_ok(struct rte_mbuf *m, const struct pkt_meta *meta)
{
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_tcp_hdr *th = te_tcp(m, meta);
	uint16_t c = th->cksum, want;
	int ok;

	if (memcmp(eth->dst_addr.addr_bytes, te_client_mac, 6) ||
	    !rte_is_same_ether_addr(&eth->src_addr, &te_mac) || ntohs(th->dst_port) < 1024)
		return 0;
	th->cksum = 0;
	if (meta->l3 == PKT_L3_IPV4) {
		struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *,
								  meta->l3_off);

		uint16_t h = ip->hdr_checksum;

		want = rte_ipv4_udptcp_cksum(ip, th);
		ip->hdr_checksum = 0;
		ok = ip->dst_addr == htonl(TE_CLIENT) && ip->src_addr == htonl(TE_US) &&
		     rte_ipv4_cksum(ip) == h;
		ip->hdr_checksum = h;
	} else {
		want = rte_ipv6_udptcp_cksum(rte_pktmbuf_mtod_offset(m, struct rte_ipv6_hdr *,
								     meta->l3_off), th);
		ok = 1;
	}
	th->cksum = c;
	return ok && c == want;
}

static void
test_handshake_echo_close(void)
{
	static const uint8_t syn_opts[20] = {   /* Linux: mss 1460, sackOK, TS, nop, ws 7 */
		2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0, 1, 3, 3, 7,
	};
	struct pkt_meta meta;
	struct rte_tcp_hdr *th;
	struct rte_mbuf *m;
	uint32_t iss, cseq = 0xfffffff0u;       /* the client's ISN: its data crosses 2^32 */
	uint8_t *opt;
	unsigned int i;
	int ok;

	/* SYN -> SYN-ACK: our MSS and window scale (the client offered one), nothing else */
	m = te_frame(0, 40000, 7, RTE_TCP_SYN_FLAG, cseq, 0, syn_opts, 20, 0);
	CU_ASSERT_EQUAL_FATAL(te_run(m, &meta), SL_CNT_TCP_REPLY);
	th = te_tcp(m, &meta);
	CU_ASSERT_EQUAL(th->tcp_flags, RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG);
	CU_ASSERT_EQUAL(ntohl(th->recv_ack), cseq + 1);
	CU_ASSERT_EQUAL(th->data_off >> 4, 7);                  /* 20 + 8 bytes */
	opt = (uint8_t *)(th + 1);
	CU_ASSERT(opt[0] == 2 && opt[1] == 4 && ((opt[2] << 8) | opt[3]) == TCP_EP_MSS);
	CU_ASSERT(opt[4] == 1 && opt[5] == 3 && opt[6] == 3);
	CU_ASSERT(te_reply_ok(m, &meta));
	CU_ASSERT_EQUAL(te_cnt[SL_CNT_TCP_CONN_OPENED], 1);
	iss = ntohl(th->sent_seq);
	rte_pktmbuf_free(m);

	/* the SYN again (our SYN-ACK lost): the same SYN-ACK, its options too */
	m = te_frame(0, 40000, 7, RTE_TCP_SYN_FLAG, cseq, 0, syn_opts, 20, 0);
	CU_ASSERT_EQUAL_FATAL(te_run(m, &meta), SL_CNT_TCP_REPLY);
	th = te_tcp(m, &meta);
	CU_ASSERT_EQUAL(th->tcp_flags, RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG);
	CU_ASSERT_EQUAL(ntohl(th->sent_seq), iss);
	CU_ASSERT_EQUAL(th->data_off >> 4, 7);
	CU_ASSERT(te_reply_ok(m, &meta));
	CU_ASSERT_EQUAL(te_cnt[SL_CNT_TCP_CONN_OPENED], 1);
	rte_pktmbuf_free(m);

	/* the handshake's ACK: taken, nothing to say */
	m = te_frame(0, 40000, 7, RTE_TCP_ACK_FLAG, cseq + 1, iss + 1, NULL, 0, 0);
	CU_ASSERT_EQUAL(te_run(m, &meta), SL_CNT_TCP_CONSUMED);
	rte_pktmbuf_free(m);

	/* 100 bytes: echoed in one segment that acknowledges them */
	m = te_frame(0, 40000, 7, RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG, cseq + 1, iss + 1, NULL,
		     0, 100);
	CU_ASSERT_EQUAL_FATAL(te_run(m, &meta), SL_CNT_TCP_REPLY);
	th = te_tcp(m, &meta);
	CU_ASSERT_EQUAL(ntohl(th->sent_seq), iss + 1);
	CU_ASSERT_EQUAL(ntohl(th->recv_ack), cseq + 101);
	CU_ASSERT_EQUAL(meta.l4_len, 20 + 100);
	for (i = 0, ok = 1; i < 100; i++)
		ok &= ((uint8_t *)(th + 1))[i] == (uint8_t)('a' + i % 26);
	CU_ASSERT(ok);
	CU_ASSERT(te_reply_ok(m, &meta));
	rte_pktmbuf_free(m);

	/* the client's FIN (it acknowledges our echo): our FIN with the ACK of theirs */
	m = te_frame(0, 40000, 7, RTE_TCP_ACK_FLAG | RTE_TCP_FIN_FLAG, cseq + 101, iss + 101,
		     NULL, 0, 0);
	CU_ASSERT_EQUAL_FATAL(te_run(m, &meta), SL_CNT_TCP_REPLY);
	th = te_tcp(m, &meta);
	CU_ASSERT_EQUAL(th->tcp_flags, RTE_TCP_ACK_FLAG | RTE_TCP_FIN_FLAG);
	CU_ASSERT_EQUAL(ntohl(th->sent_seq), iss + 101);
	CU_ASSERT_EQUAL(ntohl(th->recv_ack), cseq + 102);
	CU_ASSERT(te_reply_ok(m, &meta));
	rte_pktmbuf_free(m);
	CU_ASSERT_EQUAL(tcp_ep_conns(te_ep), 1);

	/* its last ACK closes ours: the slot is free again */
	m = te_frame(0, 40000, 7, RTE_TCP_ACK_FLAG, cseq + 102, iss + 102, NULL, 0, 0);
	CU_ASSERT_EQUAL(te_run(m, &meta), SL_CNT_TCP_CONSUMED);
	rte_pktmbuf_free(m);
	CU_ASSERT_EQUAL(tcp_ep_conns(te_ep), 0);
	CU_ASSERT_EQUAL(te_cnt[SL_CNT_TCP_CONN_CLOSED], 1);
}

static void
test_refusals(void)
{
	struct pkt_meta meta;
	struct rte_tcp_hdr *th;
	struct rte_mbuf *m;

	/* an ACK with no connection: RST with its acknowledgment number as our sequence */
	m = te_frame(0, 40001, 7, RTE_TCP_ACK_FLAG, 5000, 777, NULL, 0, 0);
	CU_ASSERT_EQUAL_FATAL(te_run(m, &meta), SL_CNT_TCP_REPLY);
	th = te_tcp(m, &meta);
	CU_ASSERT_EQUAL(th->tcp_flags, RTE_TCP_RST_FLAG);
	CU_ASSERT_EQUAL(ntohl(th->sent_seq), 777);
	CU_ASSERT(te_reply_ok(m, &meta));
	rte_pktmbuf_free(m);
	/* a bad checksum: dropped before anything */
	m = te_frame(0, 40002, 7, RTE_TCP_SYN_FLAG, 1, 0, NULL, 0, 0);
	pkt_parse(rte_pktmbuf_mtod(m, const uint8_t *), rte_pktmbuf_data_len(m), &meta);
	te_tcp(m, &meta)->cksum ^= 0x0101;
	CU_ASSERT_EQUAL(te_run(m, &meta), SL_CNT_TCP_BAD_CHECKSUM);
	rte_pktmbuf_free(m);
	/* a port nothing serves */
	m = te_frame(0, 40003, 80, RTE_TCP_SYN_FLAG, 1, 0, NULL, 0, 0);
	CU_ASSERT_EQUAL(te_run(m, &meta), SL_CNT_NO_SERVICE);
	rte_pktmbuf_free(m);
	/* malformed options */
	{
		static const uint8_t bad[4] = { 2, 3, 5, 0 };   /* MSS of length 3 */

		m = te_frame(0, 40004, 7, RTE_TCP_SYN_FLAG, 1, 0, bad, 4, 0);
		CU_ASSERT_EQUAL(te_run(m, &meta), SL_CNT_TCP_BAD_OPTIONS);
		rte_pktmbuf_free(m);
	}
	CU_ASSERT_EQUAL(tcp_ep_conns(te_ep), 0);
}

/* IPv6, a SYN without options (hping3's): the SYN-ACK grows the frame for its MSS. */
static void
test_ipv6_and_growing_frame(void)
{
	struct pkt_meta meta;
	struct rte_tcp_hdr *th;
	struct rte_mbuf *m;
	uint32_t iss;

	m = te_frame(1, 41000, 9, RTE_TCP_SYN_FLAG, 100, 0, NULL, 0, 0);
	CU_ASSERT_EQUAL_FATAL(te_run(m, &meta), SL_CNT_TCP_REPLY);
	th = te_tcp(m, &meta);
	CU_ASSERT_EQUAL(th->tcp_flags, RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG);
	CU_ASSERT_EQUAL(th->data_off >> 4, 6);                  /* MSS only: no scale offered */
	CU_ASSERT(te_reply_ok(m, &meta));
	iss = ntohl(th->sent_seq);
	rte_pktmbuf_free(m);
	/* discard: data acknowledged, not echoed */
	m = te_frame(1, 41000, 9, RTE_TCP_ACK_FLAG, 101, iss + 1, NULL, 0, 0);
	CU_ASSERT_EQUAL(te_run(m, &meta), SL_CNT_TCP_CONSUMED);
	rte_pktmbuf_free(m);
	m = te_frame(1, 41000, 9, RTE_TCP_ACK_FLAG, 101, iss + 1, NULL, 0, 50);
	CU_ASSERT_EQUAL_FATAL(te_run(m, &meta), SL_CNT_TCP_REPLY);
	th = te_tcp(m, &meta);
	CU_ASSERT_EQUAL(ntohl(th->recv_ack), 151);
	CU_ASSERT_EQUAL(meta.l4_len, 20);
	CU_ASSERT(te_reply_ok(m, &meta));
	rte_pktmbuf_free(m);
	/* a RST at RCV.NXT ends it */
	m = te_frame(1, 41000, 9, RTE_TCP_RST_FLAG, 151, 0, NULL, 0, 0);
	CU_ASSERT_EQUAL(te_run(m, &meta), SL_CNT_TCP_CONSUMED);
	rte_pktmbuf_free(m);
	CU_ASSERT_EQUAL(tcp_ep_conns(te_ep), 0);
}

static int
suite_init(void)
{
	char *argv[] = { "test_tcp_ep", "--no-pci", "--no-huge", "--no-shconf", "-m", "256",
			 "--no-telemetry", "--log-level=*:error", NULL };
	char err[256];

	if (rte_eal_init((int)RTE_DIM(argv) - 1, argv) < 0)
		return -1;
	te_pool = rte_pktmbuf_pool_create("te_pool", 255, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
					  SOCKET_ID_ANY);
	te_ep = tcp_ep_create(&te_conf, 0, SOCKET_ID_ANY, 0, err, sizeof(err));
	return te_pool && te_ep ? 0 : -1;
}

static int
suite_cleanup(void)
{
	tcp_ep_free(te_ep);
	rte_mempool_free(te_pool);
	rte_eal_cleanup();
	return 0;
}

static const struct unit_test tests[] = {
	UNIT_TEST(test_handshake_echo_close),
	UNIT_TEST(test_refusals),
	UNIT_TEST(test_ipv6_and_growing_frame),
	{ NULL, NULL }
};

int
main(void)
{
	return unit_run("tcp_ep", tests, suite_init, suite_cleanup);
}
