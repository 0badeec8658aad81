/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_local: the ARP, neighbour discovery and echo responders (dataplane/local.c).
 *
 * Each request is built byte by byte, copied into a single-segment mbuf, parsed with
 * pkt_parse and dispatched exactly as the worker does (L2 filter, stateless responders
 * where the frame arrives, local_ip_input for the rest). A reply is compared whole with
 * the reply the test builds itself, so every byte counts, including VLAN tags and
 * padding, and its checksums are also verified separately with the test's own RFC 1071
 * and ICMPv6 pseudo-header sums, not DPDK's.
 *
 * Context: test process with EAL (--no-huge, no PCI, no shared config): run as root.
 */
#include <CUnit/Basic.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "local.h"
#include "pkt_fp.h"
#include "cunit_main.h"

#define TL_FRAME_MAX  512
#define TL_NB_MBUFS   511
#define TL_V4_US      0xc6120001u       /* 198.18.0.1 */
#define TL_V4_US2     0xc6120005u       /* 198.18.0.5 */
#define TL_V4_PEER    0xc6120064u       /* 198.18.0.100 */
#define TL_V4_OTHER   0xc6120009u       /* 198.18.0.9, not ours */
#define TL_ECHO_ID    0x4242
#define TL_ECHO_SEQ   7

struct tl_frame {
	uint8_t b[TL_FRAME_MAX];
	uint32_t len;
	uint32_t l3;
	uint32_t l4;
};

static const uint8_t tl_mac_us[6] = { 0x02, 0x53, 0x4c, 0x00, 0x00, 0x01 };
static const uint8_t tl_mac_peer[6] = { 0x02, 0x53, 0x4c, 0x00, 0x00, 0x99 };
static const uint8_t tl_mac_bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
static const uint8_t tl_mac_zero[6];
static const uint8_t tl_mac_snm[6] = { 0x33, 0x33, 0xff, 0x00, 0x00, 0x01 };
static const uint8_t tl_mac_all_nodes[6] = { 0x33, 0x33, 0x00, 0x00, 0x00, 0x01 };
static const uint8_t tl_v6_us[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0x01 };
static const uint8_t tl_v6_peer[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0x64 };
static const uint8_t tl_v6_other[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0x09 };
static const uint8_t tl_v6_snm[16] = { 0xff, 0x02, [11] = 0x01, 0xff, 0x00, 0x00, 0x01 };
static const uint8_t tl_v6_all_nodes[16] = { 0xff, 0x02, [15] = 0x01 };
static const uint8_t tl_v6_unspec[16];
/* Tags outermost first; n tags use the last n entries (one: 802.1Q, two: QinQ). */
static const uint16_t tl_tpid[2] = { 0x88a8, 0x8100 };
static const uint16_t tl_tci[2] = { 0x0064, 0x60c8 };

static struct rte_mempool *tl_pool;
static struct local_port tl_port;

/* --- builders ---------------------------------------------------------------------- */

static void
tl_u8(struct tl_frame *f, uint8_t v)
{
	CU_ASSERT_FATAL(f->len < TL_FRAME_MAX);
	f->b[f->len++] = v;
}

static void
tl_u16(struct tl_frame *f, uint16_t v)
{
	tl_u8(f, (uint8_t)(v >> 8));
	tl_u8(f, (uint8_t)v);
}

static void
tl_u32(struct tl_frame *f, uint32_t v)
{
	tl_u16(f, (uint16_t)(v >> 16));
	tl_u16(f, (uint16_t)v);
}

static void
tl_bytes(struct tl_frame *f, const uint8_t *p, uint32_t n)
{
	uint32_t i;

	for (i = 0; i < n; i++)
		tl_u8(f, p[i]);
}

static void
tl_fill(struct tl_frame *f, uint8_t v, uint32_t n)
{
	while (n--)
		tl_u8(f, v);
}

static void
tl_set16(struct tl_frame *f, uint32_t off, uint16_t v)
{
	f->b[off] = (uint8_t)(v >> 8);
	f->b[off + 1] = (uint8_t)v;
}

static uint16_t
tl_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* RFC 1071 over big-endian 16-bit words, starting from sum s; folded, not inverted. */
static uint32_t
tl_sum(const uint8_t *p, uint32_t n, uint32_t s)
{
	uint32_t i;

	for (i = 0; i + 1 < n; i += 2)
		s += (uint32_t)p[i] << 8 | p[i + 1];
	if (n & 1)
		s += (uint32_t)p[n - 1] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return s;
}

/* ICMPv6 sum: RFC 8200 8.1 pseudo-header (addresses, upper-layer length, next header
 * 58) and the message; l3 is the IPv6 header, the message follows it directly. */
static uint32_t
tl_icmp6_sum(const uint8_t *l3, const uint8_t *msg, uint32_t len)
{
	uint8_t ph[8] = { (uint8_t)(len >> 24), (uint8_t)(len >> 16), (uint8_t)(len >> 8),
			  (uint8_t)len, 0, 0, 0, IPPROTO_ICMPV6 };

	return tl_sum(msg, len, tl_sum(ph, 8, tl_sum(l3 + 8, 32, 0)));
}

static void
tl_init(struct tl_frame *f)
{
	memset(f, 0, sizeof(*f));
}

static void
tl_eth(struct tl_frame *f, const uint8_t *dst, const uint8_t *src, unsigned int nb_tags,
       uint16_t type)
{
	unsigned int i;

	tl_bytes(f, dst, 6);
	tl_bytes(f, src, 6);
	for (i = 2 - nb_tags; i < 2; i++) {
		tl_u16(f, tl_tpid[i]);
		tl_u16(f, tl_tci[i]);
	}
	tl_u16(f, type);
}

static void
tl_arp(struct tl_frame *f, uint16_t op, const uint8_t *sha, uint32_t spa, const uint8_t *tha,
       uint32_t tpa)
{
	f->l3 = f->len;
	tl_u16(f, 1);
	tl_u16(f, 0x0800);
	tl_u8(f, 6);
	tl_u8(f, 4);
	tl_u16(f, op);
	tl_bytes(f, sha, 6);
	tl_u32(f, spa);
	tl_bytes(f, tha, 6);
	tl_u32(f, tpa);
}

static void
tl_ipv4(struct tl_frame *f, uint32_t src, uint32_t dst, uint8_t proto, uint8_t ttl,
	uint16_t frag)
{
	f->l3 = f->len;
	tl_u8(f, 0x45);
	tl_u8(f, 0x10);
	tl_u16(f, 0);
	tl_u16(f, 0x3c1d);
	tl_u16(f, frag);
	tl_u8(f, ttl);
	tl_u8(f, proto);
	tl_u16(f, 0);
	tl_u32(f, src);
	tl_u32(f, dst);
	f->l4 = f->len;
}

/* Total length up to here, and the header checksum. */
static void
tl_ipv4_end(struct tl_frame *f)
{
	tl_set16(f, f->l3 + 2, (uint16_t)(f->len - f->l3));
	tl_set16(f, f->l3 + 10, 0);
	tl_set16(f, f->l3 + 10, (uint16_t)~tl_sum(f->b + f->l3, 20, 0));
}

static void
tl_ipv6(struct tl_frame *f, const uint8_t *src, const uint8_t *dst, uint8_t nh, uint8_t hlim)
{
	f->l3 = f->len;
	tl_u32(f, 0x6000beef);
	tl_u16(f, 0);
	tl_u8(f, nh);
	tl_u8(f, hlim);
	tl_bytes(f, src, 16);
	tl_bytes(f, dst, 16);
	f->l4 = f->len;
}

/* Payload length up to here and, for ICMPv6 right after the header, its checksum. */
static void
tl_ipv6_end(struct tl_frame *f)
{
	tl_set16(f, f->l3 + 4, (uint16_t)(f->len - f->l3 - 40));
	if (f->b[f->l3 + 6] == IPPROTO_ICMPV6) {
		tl_set16(f, f->l4 + 2, 0);
		tl_set16(f, f->l4 + 2,
			 (uint16_t)~tl_icmp6_sum(f->b + f->l3, f->b + f->l4, f->len - f->l4));
	}
}

/* ICMP/ICMPv6 echo header and payload; for v4, the checksum too. */
static void
tl_echo(struct tl_frame *f, uint8_t type, bool v4, uint32_t npayload)
{
	uint32_t i;

	f->l4 = f->len;
	tl_u8(f, type);
	tl_u8(f, 0);
	tl_u16(f, 0);
	tl_u16(f, TL_ECHO_ID);
	tl_u16(f, TL_ECHO_SEQ);
	for (i = 0; i < npayload; i++)
		tl_u8(f, (uint8_t)(0x30 + i));
	if (v4)
		tl_set16(f, f->l4 + 2, (uint16_t)~tl_sum(f->b + f->l4, f->len - f->l4, 0));
}

static void
tl_udp(struct tl_frame *f, uint16_t dport)
{
	f->l4 = f->len;
	tl_u16(f, 33333);
	tl_u16(f, dport);
	tl_u16(f, 12);
	tl_u16(f, 0);
	tl_u32(f, 0x74657374);
}

/* An ND message (NS or NA) with an optional link-layer address option. */
static void
tl_nd(struct tl_frame *f, uint8_t type, uint32_t flags, const uint8_t *target, uint8_t opt,
      const uint8_t *lla)
{
	f->l4 = f->len;
	tl_u8(f, type);
	tl_u8(f, 0);
	tl_u16(f, 0);
	tl_u32(f, flags);
	tl_bytes(f, target, 16);
	if (lla) {
		tl_u8(f, opt);
		tl_u8(f, 1);
		tl_bytes(f, lla, 6);
	}
}

/* --- whole frames ----------------------------------------------------------------- */

static void
tl_mk_arp(struct tl_frame *f, unsigned int tags, const uint8_t *eth_dst,
	  const uint8_t *eth_src, uint16_t op, const uint8_t *sha, uint32_t spa,
	  const uint8_t *tha, uint32_t tpa)
{
	tl_init(f);
	tl_eth(f, eth_dst, eth_src, tags, 0x0806);
	tl_arp(f, op, sha, spa, tha, tpa);
	tl_fill(f, 0, 60 - f->len);     /* as it arrives: padded to the Ethernet minimum */
}

static void
tl_mk_ping4(struct tl_frame *f, unsigned int tags, const uint8_t *eth_dst,
	    const uint8_t *eth_src, uint32_t src, uint32_t dst, uint8_t type, uint8_t ttl,
	    uint32_t npayload)
{
	tl_init(f);
	tl_eth(f, eth_dst, eth_src, tags, 0x0800);
	tl_ipv4(f, src, dst, IPPROTO_ICMP, ttl, 0x4000);
	tl_echo(f, type, true, npayload);
	tl_ipv4_end(f);
}

static void
tl_mk_ping6(struct tl_frame *f, unsigned int tags, const uint8_t *eth_dst,
	    const uint8_t *eth_src, const uint8_t *src, const uint8_t *dst, uint8_t type,
	    uint8_t hlim, uint32_t npayload)
{
	tl_init(f);
	tl_eth(f, eth_dst, eth_src, tags, 0x86dd);
	tl_ipv6(f, src, dst, IPPROTO_ICMPV6, hlim);
	tl_echo(f, type, false, npayload);
	tl_ipv6_end(f);
}

static void
tl_mk_nd(struct tl_frame *f, unsigned int tags, const uint8_t *eth_dst, const uint8_t *eth_src,
	 const uint8_t *src, const uint8_t *dst, uint8_t hlim, uint8_t type, uint32_t flags,
	 const uint8_t *target, const uint8_t *lla)
{
	tl_init(f);
	tl_eth(f, eth_dst, eth_src, tags, 0x86dd);
	tl_ipv6(f, src, dst, IPPROTO_ICMPV6, hlim);
	tl_nd(f, type, flags, target, type == 135 ? 1 : 2, lla);
	tl_ipv6_end(f);
}

/* The usual solicitation: from the peer to our solicited-node group, with its SLLA. */
static void
tl_mk_ns(struct tl_frame *f, unsigned int tags, const uint8_t *target)
{
	tl_mk_nd(f, tags, tl_mac_snm, tl_mac_peer, tl_v6_peer, tl_v6_snm, 255, 135, 0, target,
		 tl_mac_peer);
}

/* --- running a frame through the worker's steps ------------------------------------ */

/*
 * Copies req into an mbuf and handles it as worker_input/worker_classify do for a
 * single worker. Returns the responder's counter; the mbuf's data afterwards (the reply
 * on an event) is copied to *out, whether the frame was stateless to *stateless.
 */
static int
tl_run(const struct tl_frame *req, struct tl_frame *out, bool *stateless)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(tl_pool);
	struct pkt_meta meta;
	char *p;
	int rc;

	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	p = rte_pktmbuf_append(m, (uint16_t)req->len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	memcpy(p, req->b, req->len);
	*stateless = false;
	rc = pkt_parse(rte_pktmbuf_mtod(m, const uint8_t *), rte_pktmbuf_data_len(m), &meta);
	if (rc != SL_CNT_OK)
		goto out;
	if (!local_l2_accept(&tl_port, rte_pktmbuf_mtod(m, const struct rte_ether_hdr *))) {
		rc = SL_CNT_L2_OTHER_HOST;
		goto out;
	}
	*stateless = local_is_stateless(m, &meta);
	if (*stateless)
		rc = meta.l3 == PKT_L3_ARP ? local_arp_input(&tl_port, m, &meta)
					   : local_nd_input(&tl_port, m, &meta);
	else
		rc = local_ip_input(&tl_port, m, &meta);
out:
	CU_ASSERT_EQUAL(m->nb_segs, 1);
	CU_ASSERT_EQUAL(rte_pktmbuf_pkt_len(m), rte_pktmbuf_data_len(m));
	tl_init(out);
	out->len = rte_pktmbuf_data_len(m);
	CU_ASSERT_FATAL(out->len <= TL_FRAME_MAX);
	memcpy(out->b, rte_pktmbuf_mtod(m, const uint8_t *), out->len);
	rte_pktmbuf_free(m);
	return rc;
}

/* Runs req and checks the counter; for a drop, that is all. */
static void
tl_expect_drop(const struct tl_frame *req, int want)
{
	struct tl_frame out;
	bool stateless;
	int rc = tl_run(req, &out, &stateless);

	CU_ASSERT_EQUAL(rc, want);
	if (rc != want)
		printf("\n  got %s, want %s\n", rc ? sl_counter_names[rc] : "ok",
		       sl_counter_names[want]);
}

/* Runs req and checks the counter and that the reply is exactly *want. */
static void
tl_expect_reply(const struct tl_frame *req, int event, bool stateless,
		const struct tl_frame *want, struct tl_frame *got)
{
	bool was_stateless;
	uint32_t i;
	int rc = tl_run(req, got, &was_stateless);

	CU_ASSERT_EQUAL(rc, event);
	CU_ASSERT_EQUAL(was_stateless, stateless);
	CU_ASSERT_EQUAL(got->len, want->len);
	CU_ASSERT(memcmp(got->b, want->b, want->len) == 0);
	if (rc != event)
		printf("\n  got %s, want %s\n", rc ? sl_counter_names[rc] : "ok",
		       sl_counter_names[event]);
	for (i = 0; i < want->len && i < got->len; i++) {
		if (got->b[i] != want->b[i]) {
			printf("\n  reply differs first at byte %u: %02x, want %02x\n", i,
			       got->b[i], want->b[i]);
			break;
		}
	}
}

static bool
tl_ip4_ok(const struct tl_frame *f, uint32_t l3)
{
	return tl_sum(f->b + l3, (uint32_t)(f->b[l3] & 0xf) * 4, 0) == 0xffff;
}

/* ICMPv4 checksum over the IP payload (total length, not the frame). */
static bool
tl_icmp4_ok(const struct tl_frame *f, uint32_t l3)
{
	uint32_t ihl = (uint32_t)(f->b[l3] & 0xf) * 4, tot = tl_get16(f->b + l3 + 2);

	return tl_sum(f->b + l3 + ihl, tot - ihl, 0) == 0xffff;
}

static bool
tl_icmp6_ok(const struct tl_frame *f, uint32_t l3)
{
	return tl_icmp6_sum(f->b + l3, f->b + l3 + 40, tl_get16(f->b + l3 + 4)) == 0xffff;
}

/* --- suite ------------------------------------------------------------------------ */

static int
tl_suite_init(void)
{
	static char a0[] = "test_local", a1[] = "--no-pci", a2[] = "--no-huge",
		    a3[] = "--no-shconf", a4[] = "-m", a5[] = "128",
		    a6[] = "--log-level=*:error";
	char *argv[] = { a0, a1, a2, a3, a4, a5, a6, NULL };

	if (rte_eal_init((int)RTE_DIM(argv) - 1, argv) < 0) {
		fprintf(stderr, "test_local: EAL init failed: %s (needs root)\n",
			rte_strerror(rte_errno));
		return -1;
	}
	tl_pool = rte_pktmbuf_pool_create("tl_pool", TL_NB_MBUFS, 0, 0,
					  RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	if (!tl_pool)
		return -1;
	memset(&tl_port, 0, sizeof(tl_port));
	memcpy(tl_port.mac.addr_bytes, tl_mac_us, 6);
	if (local_add_v4(&tl_port, rte_cpu_to_be_32(TL_V4_US)) ||
	    local_add_v4(&tl_port, rte_cpu_to_be_32(TL_V4_US2)) ||
	    local_add_v6(&tl_port, tl_v6_us))
		return -1;
	return 0;
}

static int
tl_suite_cleanup(void)
{
	rte_mempool_free(tl_pool);
	return rte_eal_cleanup();
}

/* --- tests ------------------------------------------------------------------------ */

static void
test_address_table(void)
{
	struct local_port lp;
	uint8_t a6[16] = { 0xfe, 0x80 };
	unsigned int i;

	memset(&lp, 0, sizeof(lp));
	CU_ASSERT_EQUAL(local_add_v4(&lp, rte_cpu_to_be_32(TL_V4_US)), 0);
	CU_ASSERT_EQUAL(local_add_v4(&lp, rte_cpu_to_be_32(TL_V4_US)), -EEXIST);
	CU_ASSERT(local_v4_owned(&lp, rte_cpu_to_be_32(TL_V4_US)));
	CU_ASSERT_FALSE(local_v4_owned(&lp, rte_cpu_to_be_32(TL_V4_OTHER)));
	for (i = 1; i < LOCAL_ADDR_MAX; i++)
		CU_ASSERT_EQUAL(local_add_v4(&lp, rte_cpu_to_be_32(TL_V4_US + 100 + i)), 0);
	CU_ASSERT_EQUAL(local_add_v4(&lp, rte_cpu_to_be_32(TL_V4_OTHER)), -ENOSPC);
	CU_ASSERT_EQUAL(lp.nb_v4, LOCAL_ADDR_MAX);
	for (i = 0; i < LOCAL_ADDR_MAX; i++) {
		a6[15] = (uint8_t)i;
		CU_ASSERT_EQUAL(local_add_v6(&lp, a6), 0);
	}
	a6[15] = 0;
	CU_ASSERT_EQUAL(local_add_v6(&lp, a6), -EEXIST);
	a6[15] = 0xff;
	CU_ASSERT_EQUAL(local_add_v6(&lp, a6), -ENOSPC);
	CU_ASSERT(local_v6_owned(&lp, (const uint8_t[16]){ 0xfe, 0x80, [15] = 3 }));
}

static void
test_arp_request(void)
{
	struct tl_frame req, want, got;

	tl_mk_arp(&req, 0, tl_mac_bcast, tl_mac_peer, 1, tl_mac_peer, TL_V4_PEER, tl_mac_zero,
		  TL_V4_US);
	tl_mk_arp(&want, 0, tl_mac_peer, tl_mac_us, 2, tl_mac_us, TL_V4_US, tl_mac_peer,
		  TL_V4_PEER);
	tl_expect_reply(&req, SL_CNT_ARP_REPLY, true, &want, &got);
	CU_ASSERT_EQUAL(tl_get16(got.b + 20), 2);               /* opcode */
	CU_ASSERT_EQUAL(memcmp(got.b + 22, tl_mac_us, 6), 0);   /* sha */
	CU_ASSERT_EQUAL(memcmp(got.b + 32, tl_mac_peer, 6), 0); /* tha */
	/* the second address is answered with itself */
	tl_mk_arp(&req, 0, tl_mac_bcast, tl_mac_peer, 1, tl_mac_peer, TL_V4_PEER, tl_mac_zero,
		  TL_V4_US2);
	tl_mk_arp(&want, 0, tl_mac_peer, tl_mac_us, 2, tl_mac_us, TL_V4_US2, tl_mac_peer,
		  TL_V4_PEER);
	tl_expect_reply(&req, SL_CNT_ARP_REPLY, true, &want, &got);
}

static void
test_arp_drops(void)
{
	struct tl_frame req;

	tl_mk_arp(&req, 0, tl_mac_bcast, tl_mac_peer, 1, tl_mac_peer, TL_V4_PEER, tl_mac_zero,
		  TL_V4_OTHER);
	tl_expect_drop(&req, SL_CNT_ARP_NOT_OURS);
	tl_mk_arp(&req, 0, tl_mac_us, tl_mac_peer, 2, tl_mac_peer, TL_V4_PEER, tl_mac_us,
		  TL_V4_US);
	tl_expect_drop(&req, SL_CNT_ARP_OTHER_OP);
	tl_mk_arp(&req, 0, tl_mac_bcast, tl_mac_peer, 1, tl_mac_peer, TL_V4_PEER, tl_mac_zero,
		  TL_V4_US);
	req.b[18] = 8;                  /* hlen 8 */
	tl_expect_drop(&req, SL_CNT_ARP_MALFORMED);
	req.b[18] = 6;
	req.b[19] = 16;                 /* plen 16 */
	tl_expect_drop(&req, SL_CNT_ARP_MALFORMED);
	req.b[19] = 4;
	tl_set16(&req, 14, 6);          /* IEEE 802 hardware */
	tl_expect_drop(&req, SL_CNT_ARP_MALFORMED);
	tl_set16(&req, 14, 1);
	tl_set16(&req, 16, 0x86dd);     /* protocol IPv6 */
	tl_expect_drop(&req, SL_CNT_ARP_MALFORMED);
	/* a sender hardware address we must never answer to */
	tl_mk_arp(&req, 0, tl_mac_bcast, tl_mac_peer, 1, tl_mac_bcast, TL_V4_PEER, tl_mac_zero,
		  TL_V4_US);
	tl_expect_drop(&req, SL_CNT_ARP_MALFORMED);
	tl_mk_arp(&req, 0, tl_mac_bcast, tl_mac_peer, 1, tl_mac_zero, TL_V4_PEER, tl_mac_zero,
		  TL_V4_US);
	tl_expect_drop(&req, SL_CNT_ARP_MALFORMED);
}

static void
test_arp_vlan(void)
{
	struct tl_frame req, want, got;
	unsigned int tags;

	for (tags = 1; tags <= 2; tags++) {
		tl_mk_arp(&req, tags, tl_mac_bcast, tl_mac_peer, 1, tl_mac_peer, TL_V4_PEER,
			  tl_mac_zero, TL_V4_US);
		tl_mk_arp(&want, tags, tl_mac_peer, tl_mac_us, 2, tl_mac_us, TL_V4_US,
			  tl_mac_peer, TL_V4_PEER);
		tl_expect_reply(&req, SL_CNT_ARP_REPLY, true, &want, &got);
		CU_ASSERT_EQUAL(tl_get16(got.b + 12 + 4 * (tags - 1)), 0x8100);
		CU_ASSERT_EQUAL(tl_get16(got.b + 14 + 4 * (tags - 1)), tl_tci[1]);
	}
}

static void
test_ns_solicited(void)
{
	struct tl_frame req, want, got;

	tl_mk_ns(&req, 0, tl_v6_us);
	tl_mk_nd(&want, 0, tl_mac_peer, tl_mac_us, tl_v6_us, tl_v6_peer, 255, 136,
		 0x60000000, tl_v6_us, tl_mac_us);
	tl_expect_reply(&req, SL_CNT_ND_ADVERT, true, &want, &got);
	CU_ASSERT(tl_icmp6_ok(&got, 14));
	CU_ASSERT_EQUAL(got.b[54], 136);
	CU_ASSERT_EQUAL(got.b[58], 0x60);                       /* S and O */
	CU_ASSERT_EQUAL(got.b[21], 255);                        /* hop limit */
	CU_ASSERT_EQUAL(memcmp(got.b + 38, tl_v6_peer, 16), 0); /* to the NS source */
	CU_ASSERT_EQUAL(got.b[78], 2);                          /* TLLA ... */
	CU_ASSERT_EQUAL(memcmp(got.b + 80, tl_mac_us, 6), 0);   /* ... our MAC */
}

/* Unicast NS (neighbour unreachability detection), no SLLA: answer the Ethernet source. */
static void
test_ns_unicast(void)
{
	struct tl_frame req, want, got;

	tl_mk_nd(&req, 0, tl_mac_us, tl_mac_peer, tl_v6_peer, tl_v6_us, 255, 135, 0, tl_v6_us,
		 NULL);
	tl_mk_nd(&want, 0, tl_mac_peer, tl_mac_us, tl_v6_us, tl_v6_peer, 255, 136,
		 0x60000000, tl_v6_us, tl_mac_us);
	tl_expect_reply(&req, SL_CNT_ND_ADVERT, true, &want, &got);
	CU_ASSERT(tl_icmp6_ok(&got, 14));
}

/* Duplicate address detection: from ::, defended to all-nodes, not solicited. */
static void
test_ns_dad(void)
{
	struct tl_frame req, want, got;

	tl_mk_nd(&req, 0, tl_mac_snm, tl_mac_peer, tl_v6_unspec, tl_v6_snm, 255, 135, 0,
		 tl_v6_us, NULL);
	tl_mk_nd(&want, 0, tl_mac_all_nodes, tl_mac_us, tl_v6_us, tl_v6_all_nodes, 255, 136,
		 0x20000000, tl_v6_us, tl_mac_us);
	tl_expect_reply(&req, SL_CNT_ND_ADVERT, true, &want, &got);
	CU_ASSERT(tl_icmp6_ok(&got, 14));
	CU_ASSERT_EQUAL(got.b[58] & 0x40, 0);                   /* S clear */
}

static void
test_ns_drops(void)
{
	static const uint8_t mcast_target[16] = { 0xff, 0x02, [15] = 1 };
	struct tl_frame req;

	tl_mk_nd(&req, 0, tl_mac_snm, tl_mac_peer, tl_v6_peer, tl_v6_snm, 64, 135, 0, tl_v6_us,
		 tl_mac_peer);
	tl_expect_drop(&req, SL_CNT_ND_MALFORMED);              /* routed: hop limit 64 */
	tl_mk_ns(&req, 0, tl_v6_us);
	req.b[57] ^= 0x01;
	tl_expect_drop(&req, SL_CNT_ICMP_BAD_CHECKSUM);
	tl_mk_ns(&req, 0, tl_v6_other);
	tl_expect_drop(&req, SL_CNT_NOT_LOCAL);
	tl_mk_ns(&req, 0, mcast_target);
	tl_expect_drop(&req, SL_CNT_ND_MALFORMED);
	tl_mk_ns(&req, 0, tl_v6_us);
	req.b[55] = 1;                  /* code 1 */
	tl_ipv6_end(&req);
	tl_expect_drop(&req, SL_CNT_ND_MALFORMED);
	tl_mk_ns(&req, 0, tl_v6_us);
	req.b[79] = 0;                  /* option of length 0 */
	tl_ipv6_end(&req);
	tl_expect_drop(&req, SL_CNT_ND_MALFORMED);
	/* an advertisement is not answered */
	tl_mk_nd(&req, 0, tl_mac_us, tl_mac_peer, tl_v6_peer, tl_v6_us, 255, 136, 0x60000000,
		 tl_v6_peer, tl_mac_peer);
	tl_expect_drop(&req, SL_CNT_ICMP6_UNHANDLED);
}

static void
test_ns_vlan(void)
{
	struct tl_frame req, want, got;

	tl_mk_ns(&req, 1, tl_v6_us);
	tl_mk_nd(&want, 1, tl_mac_peer, tl_mac_us, tl_v6_us, tl_v6_peer, 255, 136,
		 0x60000000, tl_v6_us, tl_mac_us);
	tl_expect_reply(&req, SL_CNT_ND_ADVERT, true, &want, &got);
	CU_ASSERT(tl_icmp6_ok(&got, 18));
}

static void
test_echo_v4(void)
{
	struct tl_frame req, want, got;

	tl_mk_ping4(&req, 0, tl_mac_us, tl_mac_peer, TL_V4_PEER, TL_V4_US, 8, 57, 37);
	tl_mk_ping4(&want, 0, tl_mac_peer, tl_mac_us, TL_V4_US, TL_V4_PEER, 0, 64, 37);
	tl_expect_reply(&req, SL_CNT_ICMP_ECHO_REPLY, false, &want, &got);
	CU_ASSERT(tl_ip4_ok(&got, 14));
	CU_ASSERT(tl_icmp4_ok(&got, 14));
	CU_ASSERT_EQUAL(got.b[34], 0);                          /* echo reply */
	CU_ASSERT_EQUAL(memcmp(got.b + 38, req.b + 38, 4 + 37), 0);  /* id, seq, data */
	CU_ASSERT_EQUAL(memcmp(got.b + 26, req.b + 30, 4), 0);  /* addresses swapped */
	CU_ASSERT_EQUAL(memcmp(got.b + 30, req.b + 26, 4), 0);
}

/* A 42-byte ping padded to 60: the checksum covers the ICMP message, not the padding. */
static void
test_echo_v4_padded(void)
{
	struct tl_frame req, want, got;

	tl_mk_ping4(&req, 0, tl_mac_us, tl_mac_peer, TL_V4_PEER, TL_V4_US, 8, 64, 0);
	tl_fill(&req, 0, 60 - req.len);
	tl_mk_ping4(&want, 0, tl_mac_peer, tl_mac_us, TL_V4_US, TL_V4_PEER, 0, 64, 0);
	tl_fill(&want, 0, 60 - want.len);
	tl_expect_reply(&req, SL_CNT_ICMP_ECHO_REPLY, false, &want, &got);
	CU_ASSERT(tl_icmp4_ok(&got, 14));
}

static void
test_echo_v4_drops(void)
{
	struct tl_frame req;

	tl_mk_ping4(&req, 0, tl_mac_us, tl_mac_peer, TL_V4_PEER, TL_V4_US, 8, 64, 16);
	req.b[36] ^= 0x80;
	tl_expect_drop(&req, SL_CNT_ICMP_BAD_CHECKSUM);
	tl_mk_ping4(&req, 0, tl_mac_us, tl_mac_peer, TL_V4_PEER, TL_V4_US, 13, 64, 12);
	tl_expect_drop(&req, SL_CNT_ICMP_UNHANDLED);            /* timestamp request */
	tl_mk_ping4(&req, 0, tl_mac_us, tl_mac_peer, TL_V4_PEER, TL_V4_OTHER, 8, 64, 16);
	tl_expect_drop(&req, SL_CNT_NOT_LOCAL);
	/* to another host's MAC: not even looked at */
	tl_mk_ping4(&req, 0, tl_mac_peer, tl_mac_peer, TL_V4_PEER, TL_V4_US, 8, 64, 16);
	tl_expect_drop(&req, SL_CNT_L2_OTHER_HOST);
}

static void
test_echo_v6(void)
{
	struct tl_frame req, want, got;

	tl_mk_ping6(&req, 0, tl_mac_us, tl_mac_peer, tl_v6_peer, tl_v6_us, 128, 61, 21);
	tl_mk_ping6(&want, 0, tl_mac_peer, tl_mac_us, tl_v6_us, tl_v6_peer, 129, 64, 21);
	tl_expect_reply(&req, SL_CNT_ICMP6_ECHO_REPLY, false, &want, &got);
	CU_ASSERT(tl_icmp6_ok(&got, 14));
	CU_ASSERT_EQUAL(got.b[54], 129);
	CU_ASSERT_EQUAL(memcmp(got.b + 58, req.b + 58, 4 + 21), 0);
}

static void
test_echo_v6_drops(void)
{
	struct tl_frame req;

	tl_mk_ping6(&req, 0, tl_mac_us, tl_mac_peer, tl_v6_peer, tl_v6_us, 128, 64, 8);
	req.b[req.len - 1] ^= 0x01;
	tl_expect_drop(&req, SL_CNT_ICMP_BAD_CHECKSUM);
	tl_mk_ping6(&req, 0, tl_mac_us, tl_mac_peer, tl_v6_peer, tl_v6_other, 128, 64, 8);
	tl_expect_drop(&req, SL_CNT_NOT_LOCAL);
	tl_mk_ping6(&req, 0, tl_mac_us, tl_mac_peer, tl_v6_peer, tl_v6_us, 1, 64, 8);
	tl_expect_drop(&req, SL_CNT_ICMP6_UNHANDLED);           /* destination unreachable */
}

static void
test_no_service(void)
{
	struct tl_frame req;

	tl_init(&req);
	tl_eth(&req, tl_mac_us, tl_mac_peer, 0, 0x0800);
	tl_ipv4(&req, TL_V4_PEER, TL_V4_US, IPPROTO_UDP, 64, 0);
	tl_udp(&req, 53);
	tl_ipv4_end(&req);
	tl_expect_drop(&req, SL_CNT_NO_SERVICE);
	tl_init(&req);
	tl_eth(&req, tl_mac_us, tl_mac_peer, 0, 0x86dd);
	tl_ipv6(&req, tl_v6_peer, tl_v6_us, IPPROTO_UDP, 64);
	tl_udp(&req, 53);
	tl_ipv6_end(&req);
	tl_expect_drop(&req, SL_CNT_NO_SERVICE);
	/* the same datagram to an address that is not ours */
	tl_init(&req);
	tl_eth(&req, tl_mac_us, tl_mac_peer, 0, 0x0800);
	tl_ipv4(&req, TL_V4_PEER, TL_V4_OTHER, IPPROTO_UDP, 64, 0);
	tl_udp(&req, 53);
	tl_ipv4_end(&req);
	tl_expect_drop(&req, SL_CNT_NOT_LOCAL);
}

static void
test_fragment(void)
{
	struct tl_frame req;

	/* the first fragment of a ping (MF set) */
	tl_init(&req);
	tl_eth(&req, tl_mac_us, tl_mac_peer, 0, 0x0800);
	tl_ipv4(&req, TL_V4_PEER, TL_V4_US, IPPROTO_ICMP, 64, 0x2000);
	tl_echo(&req, 8, true, 32);
	tl_ipv4_end(&req);
	tl_expect_drop(&req, SL_CNT_FRAGMENT);
	/* a later one */
	tl_set16(&req, 20, 0x0004);
	tl_ipv4_end(&req);
	tl_expect_drop(&req, SL_CNT_FRAGMENT);
	/* IPv6: a fragment header in front of an echo request */
	tl_init(&req);
	tl_eth(&req, tl_mac_us, tl_mac_peer, 0, 0x86dd);
	tl_ipv6(&req, tl_v6_peer, tl_v6_us, IPPROTO_FRAGMENT, 64);
	tl_u8(&req, IPPROTO_ICMPV6);
	tl_u8(&req, 0);
	tl_u16(&req, 0x0001);           /* offset 0, more fragments */
	tl_u32(&req, 0x1234);
	tl_echo(&req, 128, false, 16);
	tl_ipv6_end(&req);
	tl_expect_drop(&req, SL_CNT_FRAGMENT);
}

/* Replies keep the frame's VLAN tags, one (802.1Q) or two (QinQ). */
static void
test_vlan_ping(void)
{
	struct tl_frame req, want, got;
	unsigned int tags;

	for (tags = 1; tags <= 2; tags++) {
		uint32_t l3 = 14 + 4 * tags;

		tl_mk_ping4(&req, tags, tl_mac_us, tl_mac_peer, TL_V4_PEER, TL_V4_US, 8, 64, 24);
		tl_mk_ping4(&want, tags, tl_mac_peer, tl_mac_us, TL_V4_US, TL_V4_PEER, 0, 64,
			    24);
		tl_expect_reply(&req, SL_CNT_ICMP_ECHO_REPLY, false, &want, &got);
		CU_ASSERT(tl_ip4_ok(&got, l3));
		CU_ASSERT(tl_icmp4_ok(&got, l3));
		tl_mk_ping6(&req, tags, tl_mac_us, tl_mac_peer, tl_v6_peer, tl_v6_us, 128, 64, 24);
		tl_mk_ping6(&want, tags, tl_mac_peer, tl_mac_us, tl_v6_us, tl_v6_peer, 129, 64,
			    24);
		tl_expect_reply(&req, SL_CNT_ICMP6_ECHO_REPLY, false, &want, &got);
		CU_ASSERT(tl_icmp6_ok(&got, l3));
	}
}

/* The grace callback: records that the copy was visible before the count dropped. */
static struct local_port *tl_seen_lp;
static unsigned int tl_graces, tl_count_at_grace;

static void
tl_grace(void *arg)
{
	(void)arg;
	tl_graces++;
	tl_count_at_grace = tl_seen_lp->nb_v4 + tl_seen_lp->nb_v6;
}

/* Removal keeps every other address visible throughout: the last one is copied over the
 * removed one before the grace period, and the count drops only after it. */
static void
test_address_removal(void)
{
	static const uint8_t v6a[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
	static const uint8_t v6b[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 2 };
	struct local_port lp;
	uint32_t a = htonl(0xc6120001), b = htonl(0xc6120064), c = htonl(0xc6120065);

	memset(&lp, 0, sizeof(lp));
	tl_seen_lp = &lp;
	CU_ASSERT_EQUAL(local_add_v4(&lp, a), 0);
	CU_ASSERT_EQUAL(local_add_v4(&lp, b), 0);
	CU_ASSERT_EQUAL(local_add_v4(&lp, c), 0);
	tl_graces = 0;
	CU_ASSERT_EQUAL(local_del_v4(&lp, b, tl_grace, NULL), 0);
	CU_ASSERT_EQUAL(tl_graces, 1);
	CU_ASSERT_EQUAL(tl_count_at_grace, 3);          /* c was in both slots then */
	CU_ASSERT_EQUAL(lp.nb_v4, 2);
	CU_ASSERT(local_v4_owned(&lp, a) && local_v4_owned(&lp, c) && !local_v4_owned(&lp, b));
	CU_ASSERT_EQUAL(local_del_v4(&lp, b, tl_grace, NULL), -ENOENT);
	tl_graces = 0;
	CU_ASSERT_EQUAL(local_del_v4(&lp, c, tl_grace, NULL), 0);    /* the last: no copy */
	CU_ASSERT_EQUAL(tl_graces, 0);
	CU_ASSERT_EQUAL(lp.nb_v4, 1);
	CU_ASSERT_EQUAL(lp.v4[0], a);
	CU_ASSERT_EQUAL(local_add_v6(&lp, v6a), 0);
	CU_ASSERT_EQUAL(local_add_v6(&lp, v6b), 0);
	CU_ASSERT_EQUAL(local_del_v6(&lp, v6a, tl_grace, NULL), 0);
	CU_ASSERT_EQUAL(lp.nb_v6, 1);
	CU_ASSERT(local_v6_owned(&lp, v6b) && !local_v6_owned(&lp, v6a));
}

static const struct unit_test tests[] = {
	UNIT_TEST(test_address_table),
	UNIT_TEST(test_address_removal),
	UNIT_TEST(test_arp_request),
	UNIT_TEST(test_arp_drops),
	UNIT_TEST(test_arp_vlan),
	UNIT_TEST(test_ns_solicited),
	UNIT_TEST(test_ns_unicast),
	UNIT_TEST(test_ns_dad),
	UNIT_TEST(test_ns_drops),
	UNIT_TEST(test_ns_vlan),
	UNIT_TEST(test_echo_v4),
	UNIT_TEST(test_echo_v4_padded),
	UNIT_TEST(test_echo_v4_drops),
	UNIT_TEST(test_echo_v6),
	UNIT_TEST(test_echo_v6_drops),
	UNIT_TEST(test_no_service),
	UNIT_TEST(test_fragment),
	UNIT_TEST(test_vlan_ping),
	{ NULL, NULL },
};

int
main(void)
{
	return unit_run("local", tests, tl_suite_init, tl_suite_cleanup);
}
