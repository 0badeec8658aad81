/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_local: the ARP, neighbour discovery and echo responders (dataplane/local.c) on
 * crafted mbufs. Each request is parsed exactly as the worker does, handed to the
 * responder, and the reply checked byte by byte — addresses, flags, options, and
 * checksums recomputed by the test's own RFC 1071 code.
 */
#include <CUnit/Basic.h>

#include <rte_eal.h>
#include <rte_mbuf.h>

#include "frame.h"
#include "local.h"
#include "cunit_main.h"

static struct rte_mempool *pool;
static struct local_port lp;

static int
suite_init(void)
{
	char *argv[] = { "test_local", "--no-pci", "--no-huge", "--no-shconf", "-m", "128",
			 "--log-level=*:error", NULL };
	uint8_t a6[16];
	uint32_t a4;

	if (rte_eal_init(7, argv) < 0)
		return -1;
	pool = rte_pktmbuf_pool_create("t", 256, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	if (!pool)
		return -1;
	memset(&lp, 0, sizeof(lp));
	memcpy(lp.mac.addr_bytes, frame_mac_us, 6);
	inet_pton(AF_INET, "198.18.0.1", &a4);
	local_add_v4(&lp, a4);
	inet_pton(AF_INET6, "2001:db8::1", a6);
	local_add_v6(&lp, a6);
	return 0;
}

static int
suite_cleanup(void)
{
	rte_mempool_free(pool);
	return rte_eal_cleanup();
}

/* Copies the frame into an mbuf, parses it and runs the responder the worker would. */
static int
respond(const struct frame *f, struct rte_mbuf **out)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	struct pkt_meta meta;
	int rc;

	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	memcpy(rte_pktmbuf_append(m, (uint16_t)f->len), f->b, f->len);
	rc = pkt_parse(rte_pktmbuf_mtod(m, const uint8_t *), m->data_len, &meta);
	if (rc == SL_CNT_OK) {
		if (local_is_stateless(m, &meta))
			rc = meta.l3 == PKT_L3_ARP ? local_arp_input(&lp, m, &meta)
						   : local_nd_input(&lp, m, &meta);
		else
			rc = local_ip_input(&lp, m, &meta);
	}
	*out = m;
	return rc;
}

static const uint8_t *
data(struct rte_mbuf *m)
{
	return rte_pktmbuf_mtod(m, const uint8_t *);
}

static void
test_arp_request(void)
{
	struct frame f;
	struct rte_mbuf *m;
	const uint8_t *d;
	uint8_t ip[4];

	fr_init(&f);
	fr_eth(&f, frame_mac_bcast, 0, 0x0806);
	fr_arp(&f, 1, 6, "198.18.0.2", "198.18.0.1");
	CU_ASSERT_EQUAL_FATAL(respond(&f, &m), SL_CNT_ARP_REPLY);
	d = data(m);
	CU_ASSERT(memcmp(d, frame_mac_them, 6) == 0);           /* eth dst = requester */
	CU_ASSERT(memcmp(d + 6, frame_mac_us, 6) == 0);
	CU_ASSERT_EQUAL(d[14 + 7], 2);                          /* op = reply */
	CU_ASSERT(memcmp(d + 14 + 8, frame_mac_us, 6) == 0);    /* sha */
	inet_pton(AF_INET, "198.18.0.1", ip);
	CU_ASSERT(memcmp(d + 14 + 14, ip, 4) == 0);             /* spa */
	CU_ASSERT(memcmp(d + 14 + 18, frame_mac_them, 6) == 0); /* tha */
	inet_pton(AF_INET, "198.18.0.2", ip);
	CU_ASSERT(memcmp(d + 14 + 24, ip, 4) == 0);             /* tpa */
	rte_pktmbuf_free(m);
}

static void
test_arp_refusals(void)
{
	struct frame f;
	struct rte_mbuf *m;

	fr_init(&f);
	fr_eth(&f, frame_mac_bcast, 0, 0x0806);
	fr_arp(&f, 1, 6, "198.18.0.2", "198.18.0.9");
	CU_ASSERT_EQUAL(respond(&f, &m), SL_CNT_ARP_NOT_OURS);
	rte_pktmbuf_free(m);
	fr_init(&f);
	fr_eth(&f, frame_mac_us, 0, 0x0806);
	fr_arp(&f, 2, 6, "198.18.0.2", "198.18.0.1");
	CU_ASSERT_EQUAL(respond(&f, &m), SL_CNT_ARP_OTHER_OP);
	rte_pktmbuf_free(m);
	fr_init(&f);
	fr_eth(&f, frame_mac_bcast, 0, 0x0806);
	fr_arp(&f, 1, 8, "198.18.0.2", "198.18.0.1");
	CU_ASSERT_EQUAL(respond(&f, &m), SL_CNT_ARP_MALFORMED);
	rte_pktmbuf_free(m);
}

static void
build_ns(struct frame *f, const char *src, const char *target, uint8_t hlim, int slla)
{
	fr_init(f);
	fr_eth(f, (const uint8_t[]){ 0x33, 0x33, 0xff, 0, 0, 1 }, 0, 0x86dd);
	fr_ipv6(f, src, "ff02::1:ff00:1", 58, slla ? 32 : 24, hlim);
	fr_ns(f, target, slla);
	fr_icmp6_cksum(f);
}

static void
test_nd_solicitation(void)
{
	struct frame f;
	struct rte_mbuf *m;
	const uint8_t *d;
	uint8_t a[16];

	build_ns(&f, "2001:db8::2", "2001:db8::1", 255, 1);
	CU_ASSERT_EQUAL_FATAL(respond(&f, &m), SL_CNT_ND_ADVERT);
	d = data(m);
	CU_ASSERT_EQUAL(m->data_len, 14 + 40 + 32);
	CU_ASSERT(memcmp(d, frame_mac_them, 6) == 0);
	CU_ASSERT(memcmp(d + 6, frame_mac_us, 6) == 0);
	CU_ASSERT_EQUAL(d[14 + 4] << 8 | d[14 + 5], 32);       /* payload length */
	CU_ASSERT_EQUAL(d[14 + 7], 255);                        /* hop limit */
	inet_pton(AF_INET6, "2001:db8::1", a);
	CU_ASSERT(memcmp(d + 14 + 8, a, 16) == 0);              /* src = target */
	inet_pton(AF_INET6, "2001:db8::2", a);
	CU_ASSERT(memcmp(d + 14 + 24, a, 16) == 0);             /* dst = solicitor */
	CU_ASSERT_EQUAL(d[54], 136);                            /* NA */
	CU_ASSERT_EQUAL(d[54 + 4], 0x60);                       /* S and O */
	CU_ASSERT_EQUAL(d[54 + 24], 2);                         /* TLLA option */
	CU_ASSERT_EQUAL(d[54 + 25], 1);
	CU_ASSERT(memcmp(d + 54 + 26, frame_mac_us, 6) == 0);
	CU_ASSERT_EQUAL(fr_icmp6_sum(d + 14, d + 54, 32), 0xffff);
	rte_pktmbuf_free(m);
}

static void
test_nd_dad_defended(void)
{
	struct frame f;
	struct rte_mbuf *m;
	const uint8_t *d;
	static const uint8_t all_nodes_mac[6] = { 0x33, 0x33, 0, 0, 0, 1 };

	build_ns(&f, "::", "2001:db8::1", 255, 0);
	CU_ASSERT_EQUAL_FATAL(respond(&f, &m), SL_CNT_ND_ADVERT);
	d = data(m);
	CU_ASSERT(memcmp(d, all_nodes_mac, 6) == 0);
	CU_ASSERT_EQUAL(d[14 + 24], 0xff);                      /* ff02::1 */
	CU_ASSERT_EQUAL(d[14 + 39], 1);
	CU_ASSERT_EQUAL(d[54 + 4], 0x20);                       /* O only, not solicited */
	CU_ASSERT_EQUAL(fr_icmp6_sum(d + 14, d + 54, 32), 0xffff);
	rte_pktmbuf_free(m);
}

static void
test_nd_refusals(void)
{
	struct frame f;
	struct rte_mbuf *m;

	build_ns(&f, "2001:db8::2", "2001:db8::1", 64, 1);     /* forwarded: hop limit < 255 */
	CU_ASSERT_EQUAL(respond(&f, &m), SL_CNT_ND_MALFORMED);
	rte_pktmbuf_free(m);
	build_ns(&f, "2001:db8::2", "2001:db8::1", 255, 1);
	f.b[54 + 2] ^= 0xff;
	CU_ASSERT_EQUAL(respond(&f, &m), SL_CNT_ICMP_BAD_CHECKSUM);
	rte_pktmbuf_free(m);
	build_ns(&f, "2001:db8::2", "2001:db8::7", 255, 1);
	CU_ASSERT_EQUAL(respond(&f, &m), SL_CNT_NOT_LOCAL);
	rte_pktmbuf_free(m);
	build_ns(&f, "2001:db8::2", "2001:db8::1", 255, 1);
	f.b[54 + 25] = 0;                                       /* option length 0 */
	fr_icmp6_cksum(&f);
	CU_ASSERT_EQUAL(respond(&f, &m), SL_CNT_ND_MALFORMED);
	rte_pktmbuf_free(m);
}

static void
build_ping4(struct frame *f, int nb_vlan, const char *dst)
{
	fr_init(f);
	fr_eth(f, frame_mac_us, nb_vlan, 0x0800);
	fr_ipv4(f, "198.18.0.2", dst, 1, 8 + 16, 0, 0);
	fr_icmp(f, 8, 0, 0x1234, 7);
	memcpy(f->b + f->len, "sluice-echo-data", 16);
	f->len += 16;
	fr_icmp4_cksum(f);
}

static void
test_icmp4_echo(void)
{
	struct frame f;
	struct rte_mbuf *m;
	const uint8_t *d;
	int tags;

	for (tags = 0; tags <= 1; tags++) {
		uint32_t l3 = 14 + 4u * (uint32_t)tags;

		build_ping4(&f, tags, "198.18.0.1");
		CU_ASSERT_EQUAL_FATAL(respond(&f, &m), SL_CNT_ICMP_ECHO_REPLY);
		d = data(m);
		CU_ASSERT(memcmp(d, frame_mac_them, 6) == 0);
		CU_ASSERT(memcmp(d + 6, frame_mac_us, 6) == 0);
		if (tags)
			CU_ASSERT_EQUAL(d[14] << 8 | d[15], 100);       /* VLAN tag kept */
		CU_ASSERT(memcmp(d + l3 + 12, f.b + l3 + 16, 4) == 0);  /* addresses swapped */
		CU_ASSERT(memcmp(d + l3 + 16, f.b + l3 + 12, 4) == 0);
		CU_ASSERT_EQUAL(fr_sum(d + l3, 20, 0), 0xffff);         /* IP checksum */
		CU_ASSERT_EQUAL(d[l3 + 20], 0);                         /* echo reply */
		CU_ASSERT_EQUAL(fr_sum(d + l3 + 20, 24, 0), 0xffff);    /* ICMP checksum */
		CU_ASSERT(memcmp(d + l3 + 24, f.b + l3 + 24, 20) == 0); /* id, seq, data */
		rte_pktmbuf_free(m);
	}
}

static void
test_icmp4_refusals(void)
{
	struct frame f;
	struct rte_mbuf *m;

	build_ping4(&f, 0, "198.18.0.1");
	f.b[34 + 2] ^= 0x55;
	CU_ASSERT_EQUAL(respond(&f, &m), SL_CNT_ICMP_BAD_CHECKSUM);
	rte_pktmbuf_free(m);
	build_ping4(&f, 0, "198.18.0.9");
	CU_ASSERT_EQUAL(respond(&f, &m), SL_CNT_NOT_LOCAL);
	rte_pktmbuf_free(m);
	build_ping4(&f, 0, "198.18.0.1");
	f.b[34] = 13;                                           /* timestamp request */
	fr_icmp4_cksum(&f);
	CU_ASSERT_EQUAL(respond(&f, &m), SL_CNT_ICMP_UNHANDLED);
	rte_pktmbuf_free(m);
	fr_init(&f);
	fr_eth(&f, frame_mac_us, 0, 0x0800);
	fr_ipv4(&f, "198.18.0.2", "198.18.0.1", 17, 8, 0, 0);
	fr_udp(&f, 1000, 9, 8);
	CU_ASSERT_EQUAL(respond(&f, &m), SL_CNT_NO_SERVICE);
	rte_pktmbuf_free(m);
	fr_init(&f);
	fr_eth(&f, frame_mac_us, 0, 0x0800);
	fr_ipv4(&f, "198.18.0.2", "198.18.0.1", 1, 16, 0, 0x2000);
	fr_icmp(&f, 8, 0, 1, 1);
	fr_zero(&f, 8);
	CU_ASSERT_EQUAL(respond(&f, &m), SL_CNT_FRAGMENT);
	rte_pktmbuf_free(m);
}

static void
test_icmp6_echo(void)
{
	struct frame f;
	struct rte_mbuf *m;
	const uint8_t *d;

	fr_init(&f);
	fr_eth(&f, frame_mac_us, 0, 0x86dd);
	fr_ipv6(&f, "2001:db8::2", "2001:db8::1", 58, 8 + 10, 64);
	fr_icmp(&f, 128, 0, 0x4321, 9);
	memcpy(f.b + f.len, "0123456789", 10);
	f.len += 10;
	fr_icmp6_cksum(&f);
	CU_ASSERT_EQUAL_FATAL(respond(&f, &m), SL_CNT_ICMP6_ECHO_REPLY);
	d = data(m);
	CU_ASSERT(memcmp(d + 14 + 8, f.b + 14 + 24, 16) == 0);
	CU_ASSERT(memcmp(d + 14 + 24, f.b + 14 + 8, 16) == 0);
	CU_ASSERT_EQUAL(d[54], 129);
	CU_ASSERT_EQUAL(fr_icmp6_sum(d + 14, d + 54, 18), 0xffff);
	CU_ASSERT(memcmp(d + 58, f.b + 58, 14) == 0);
	rte_pktmbuf_free(m);
	f.b[54 + 2] ^= 1;
	CU_ASSERT_EQUAL(respond(&f, &m), SL_CNT_ICMP_BAD_CHECKSUM);
	rte_pktmbuf_free(m);
}

static void
test_l2_accept(void)
{
	struct rte_ether_hdr eth;

	memset(&eth, 0, sizeof(eth));
	memcpy(eth.dst_addr.addr_bytes, frame_mac_us, 6);
	CU_ASSERT(local_l2_accept(&lp, &eth));
	memcpy(eth.dst_addr.addr_bytes, frame_mac_bcast, 6);
	CU_ASSERT(local_l2_accept(&lp, &eth));
	memcpy(eth.dst_addr.addr_bytes, frame_mac_them, 6);
	CU_ASSERT(!local_l2_accept(&lp, &eth));
}

static void
test_address_table(void)
{
	struct local_port t;
	uint32_t i;

	memset(&t, 0, sizeof(t));
	for (i = 0; i < LOCAL_ADDR_MAX; i++)
		CU_ASSERT_EQUAL(local_add_v4(&t, i + 1), 0);
	CU_ASSERT_EQUAL(local_add_v4(&t, 1), -EEXIST);
	CU_ASSERT_EQUAL(local_add_v4(&t, 1000), -ENOSPC);
	CU_ASSERT(local_v4_owned(&t, LOCAL_ADDR_MAX));
	CU_ASSERT(!local_v4_owned(&t, 1000));
}

static const struct unit_test tests[] = {
	UNIT_TEST(test_arp_request),
	UNIT_TEST(test_arp_refusals),
	UNIT_TEST(test_nd_solicitation),
	UNIT_TEST(test_nd_dad_defended),
	UNIT_TEST(test_nd_refusals),
	UNIT_TEST(test_icmp4_echo),
	UNIT_TEST(test_icmp4_refusals),
	UNIT_TEST(test_icmp6_echo),
	UNIT_TEST(test_l2_accept),
	UNIT_TEST(test_address_table),
	{ NULL, NULL },
};

int
main(void)
{
	return unit_run("local", tests, suite_init, suite_cleanup);
}
