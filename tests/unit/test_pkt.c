/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_pkt: the packet parser (dataplane/pkt_fp.h) against frames assembled byte by byte.
 *
 * The builders below know the wire formats, not the parser: they write big-endian fields
 * one byte at a time and sum the IPv4 header per RFC 1071 themselves, so a test compares
 * the parser with the protocol rather than with its own assumptions. Each valid header
 * stack is checked field by field, each malformation must map to the reason that names
 * it, and every prefix of every valid frame is parsed too. The builders also record where
 * each header ends and which reason a cut there must give, so the length sweeps need no
 * hand-written table.
 *
 * Every parse reads from a copy that ends exactly where the frame ends: at a PROT_NONE
 * guard page in a plain build (a read past len faults), in a malloc'd block of exactly
 * len bytes under ASan (the fuzz build compiles this suite with ASan and UBSan).
 *
 * Context: test process; pure, no EAL.
 */
#include <CUnit/Basic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/mman.h>

#include "pkt_fp.h"
#include "cunit_main.h"

#if defined(__SANITIZE_ADDRESS__)
#define TP_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TP_ASAN 1
#endif
#endif

#define TP_FRAME_MAX 1024
#define TP_MARK_MAX  32
#define TP_V4_SRC    0xc6120002u        /* 198.18.0.2 */
#define TP_V4_DST    0xc6120001u        /* 198.18.0.1 */
#define TP_SPORT     40000
#define TP_DPORT     80

struct tp_mark {
	uint32_t end;           /* a cut before this offset ... */
	int reason;             /* ... must be refused with this */
};

struct tp_frame {
	uint8_t b[TP_FRAME_MAX];
	uint32_t len;
	uint32_t l3;            /* the IP or ARP header */
	uint32_t l4;            /* the header after the last one written (ext or L4) */
	bool frag;              /* first fragment: UDP may be longer than the bytes here */
	bool frag_later;        /* non-first fragment: no L4 header at all */
	unsigned int nb_marks;
	struct tp_mark mark[TP_MARK_MAX];
};

struct tp_case {
	const char *name;
	void (*build)(struct tp_frame *f);
};

static const uint8_t tp_mac_dst[6] = { 0x02, 0x53, 0x4c, 0x00, 0x00, 0x01 };
static const uint8_t tp_mac_src[6] = { 0x02, 0x53, 0x4c, 0x00, 0x00, 0x02 };
static const uint8_t tp_v6_src[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0x02 };
static const uint8_t tp_v6_dst[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0x01 };
/* Tags outermost first; n tags use the last n entries (one tag: 802.1Q, two: QinQ). */
static const uint16_t tp_tpid[3] = { 0x8100, 0x88a8, 0x8100 };
static const uint16_t tp_tci[3] = { 0x012c, 0x0064, 0xa0c8 };

static uint8_t *tp_guard;       /* two pages, the second PROT_NONE */
static size_t tp_page;

/* --- builders ---------------------------------------------------------------------- */

static void
tp_u8(struct tp_frame *f, uint8_t v)
{
	CU_ASSERT_FATAL(f->len < TP_FRAME_MAX);
	f->b[f->len++] = v;
}

static void
tp_u16(struct tp_frame *f, uint16_t v)
{
	tp_u8(f, (uint8_t)(v >> 8));
	tp_u8(f, (uint8_t)v);
}

static void
tp_u32(struct tp_frame *f, uint32_t v)
{
	tp_u16(f, (uint16_t)(v >> 16));
	tp_u16(f, (uint16_t)v);
}

static void
tp_bytes(struct tp_frame *f, const uint8_t *p, uint32_t n)
{
	uint32_t i;

	for (i = 0; i < n; i++)
		tp_u8(f, p[i]);
}

static void
tp_fill(struct tp_frame *f, uint8_t v, uint32_t n)
{
	while (n--)
		tp_u8(f, v);
}

static void
tp_payload(struct tp_frame *f, uint32_t n)
{
	uint32_t i;

	for (i = 0; i < n; i++)
		tp_u8(f, (uint8_t)(0xa0 + i));
}

static void
tp_set16(struct tp_frame *f, uint32_t off, uint16_t v)
{
	f->b[off] = (uint8_t)(v >> 8);
	f->b[off + 1] = (uint8_t)v;
}

static void
tp_mark(struct tp_frame *f, uint32_t end, int reason)
{
	CU_ASSERT_FATAL(f->nb_marks < TP_MARK_MAX);
	f->mark[f->nb_marks].end = end;
	f->mark[f->nb_marks++].reason = reason;
}

/* RFC 1071: 16-bit big-endian words, end-around carry; returns the folded sum. */
static uint16_t
tp_sum(const uint8_t *p, uint32_t n)
{
	uint32_t s = 0, i;

	for (i = 0; i + 1 < n; i += 2)
		s += (uint32_t)p[i] << 8 | p[i + 1];
	if (n & 1)
		s += (uint32_t)p[n - 1] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

static void
tp_init(struct tp_frame *f)
{
	memset(f, 0, sizeof(*f));
}

static void
tp_eth(struct tp_frame *f, uint16_t type, unsigned int nb_tags)
{
	unsigned int i;

	tp_bytes(f, tp_mac_dst, 6);
	tp_bytes(f, tp_mac_src, 6);
	for (i = 3 - nb_tags; i < 3; i++) {
		tp_u16(f, tp_tpid[i]);
		tp_u16(f, tp_tci[i]);
	}
	tp_u16(f, type);
}

/* IPv4 with opt_len bytes of options (router alert, then NOPs); tp_ipv4_end fills in
 * the total length and the checksum once the payload is written. */
static void
tp_ipv4(struct tp_frame *f, uint8_t proto, uint16_t frag, uint32_t opt_len)
{
	f->l3 = f->len;
	tp_u8(f, (uint8_t)(0x40 | (20 + opt_len) / 4));
	tp_u8(f, 0);
	tp_u16(f, 0);
	tp_u16(f, 0x1c46);
	tp_u16(f, frag);
	tp_u8(f, 64);
	tp_u8(f, proto);
	tp_u16(f, 0);
	tp_u32(f, TP_V4_SRC);
	tp_u32(f, TP_V4_DST);
	if (opt_len >= 4) {
		tp_u8(f, 0x94);
		tp_u8(f, 4);
		tp_u16(f, 0);
		opt_len -= 4;
	}
	tp_fill(f, 1, opt_len);
	f->l4 = f->len;
	tp_mark(f, f->len, SL_CNT_IP4_TRUNCATED);
	f->frag = (frag & 0x3fff) != 0;
	f->frag_later = (frag & 0x1fff) != 0;
}

static void
tp_ipv4_cksum(struct tp_frame *f)
{
	uint32_t ihl = (uint32_t)(f->b[f->l3] & 0xf) * 4;

	tp_set16(f, f->l3 + 10, 0);
	tp_set16(f, f->l3 + 10, (uint16_t)~tp_sum(f->b + f->l3, ihl));
}

static void
tp_ipv4_end(struct tp_frame *f)
{
	tp_set16(f, f->l3 + 2, (uint16_t)(f->len - f->l3));
	tp_ipv4_cksum(f);
}

static void
tp_ipv6(struct tp_frame *f, uint8_t nh)
{
	f->l3 = f->len;
	tp_u32(f, 0x6000beef);          /* version 6, flow label 0xbeef */
	tp_u16(f, 0);                   /* payload length: tp_ipv6_end */
	tp_u8(f, nh);
	tp_u8(f, 64);
	tp_bytes(f, tp_v6_src, 16);
	tp_bytes(f, tp_v6_dst, 16);
	f->l4 = f->len;
	tp_mark(f, f->len, SL_CNT_IP6_TRUNCATED);
}

static void
tp_ipv6_end(struct tp_frame *f)
{
	tp_set16(f, f->l3 + 4, (uint16_t)(f->len - f->l3 - 40));
}

/* Hop-by-hop or destination options, 8 * (len8 + 1) bytes, filled with one PadN. */
static void
tp_ip6_opts(struct tp_frame *f, uint8_t nh, uint8_t len8)
{
	tp_u8(f, nh);
	tp_u8(f, len8);
	tp_u8(f, 1);
	tp_u8(f, (uint8_t)(4 + 8 * len8));
	tp_fill(f, 0, 4 + 8u * len8);
	f->l4 = f->len;
	tp_mark(f, f->len, SL_CNT_IP6_TRUNCATED);
}

/* Type 2 routing header (one address), 24 bytes. */
static void
tp_ip6_routing(struct tp_frame *f, uint8_t nh)
{
	tp_u8(f, nh);
	tp_u8(f, 2);
	tp_u8(f, 2);
	tp_u8(f, 1);
	tp_u32(f, 0);
	tp_bytes(f, tp_v6_dst, 16);
	f->l4 = f->len;
	tp_mark(f, f->len, SL_CNT_IP6_TRUNCATED);
}

static void
tp_ip6_frag(struct tp_frame *f, uint8_t nh, uint16_t offset8, bool more)
{
	tp_u8(f, nh);
	tp_u8(f, 0);
	tp_u16(f, (uint16_t)(offset8 << 3 | (more ? 1 : 0)));
	tp_u32(f, 0xdeadbeef);
	f->l4 = f->len;
	tp_mark(f, f->len, SL_CNT_IP6_TRUNCATED);
	f->frag = true;
	f->frag_later = offset8 != 0;
}

/* Authentication header: payload length 4 means (4 + 2) * 4 = 24 bytes. */
static void
tp_ip6_ah(struct tp_frame *f, uint8_t nh)
{
	tp_u8(f, nh);
	tp_u8(f, 4);
	tp_u16(f, 0);
	tp_u32(f, 0x1000);
	tp_u32(f, 1);
	tp_fill(f, 0x5a, 12);
	f->l4 = f->len;
	tp_mark(f, f->len, SL_CNT_IP6_TRUNCATED);
}

static void
tp_tcp(struct tp_frame *f, uint8_t doff_words, uint32_t npayload)
{
	f->l4 = f->len;
	tp_u16(f, TP_SPORT);
	tp_u16(f, TP_DPORT);
	tp_u32(f, 1000);
	tp_u32(f, 0);
	tp_u8(f, (uint8_t)(doff_words << 4));
	tp_u8(f, 0x18);
	tp_u16(f, 65535);
	tp_u32(f, 0);
	if (doff_words > 5)
		tp_fill(f, 1, 4u * (doff_words - 5u));
	tp_payload(f, npayload);
	if (!f->frag_later) {
		tp_mark(f, f->l4 + 20, SL_CNT_L4_TRUNCATED);
		tp_mark(f, f->l4 + 4u * doff_words, SL_CNT_TCP_BAD_HEADER);
	}
}

/* UDP with npayload bytes here and a length field of 8 + ulen_payload. */
static void
tp_udp(struct tp_frame *f, uint32_t npayload, uint32_t ulen_payload)
{
	f->l4 = f->len;
	tp_u16(f, 5353);
	tp_u16(f, 53);
	tp_u16(f, (uint16_t)(8 + ulen_payload));
	tp_u16(f, 0);
	tp_payload(f, npayload);
	if (!f->frag_later) {
		tp_mark(f, f->l4 + 8, SL_CNT_L4_TRUNCATED);
		if (!f->frag)
			tp_mark(f, f->l4 + 8 + ulen_payload, SL_CNT_UDP_BAD_LENGTH);
	}
}

/* ICMP or ICMPv6 echo-style header (type, code, checksum, id, seq) and a payload. */
static void
tp_icmp(struct tp_frame *f, uint8_t type, bool v6, uint32_t npayload)
{
	f->l4 = f->len;
	tp_u8(f, type);
	tp_u8(f, 0);
	tp_u16(f, 0);
	tp_u16(f, 0x4242);
	tp_u16(f, 7);
	tp_payload(f, npayload);
	if (!f->frag_later)
		tp_mark(f, f->l4 + (v6 ? 4 : 8), SL_CNT_L4_TRUNCATED);
}

static void
tp_arp(struct tp_frame *f, uint8_t hlen)
{
	f->l3 = f->len;
	tp_u16(f, 1);
	tp_u16(f, 0x0800);
	tp_u8(f, hlen);
	tp_u8(f, 4);
	tp_u16(f, 1);
	tp_bytes(f, tp_mac_src, 6);
	tp_u32(f, TP_V4_SRC);
	tp_fill(f, 0, 6);
	tp_u32(f, TP_V4_DST);
}

/* --- the frames the sweeps walk -------------------------------------------------- */

static void
tp_mk_arp_padded(struct tp_frame *f)
{
	tp_init(f);
	tp_eth(f, 0x0806, 0);
	tp_arp(f, 6);
	tp_fill(f, 0, 60 - f->len);
}

static void
tp_mk_v4_tcp_opts_vlan(struct tp_frame *f)
{
	tp_init(f);
	tp_eth(f, 0x0800, 1);
	tp_ipv4(f, IPPROTO_TCP, 0x4000, 8);
	tp_tcp(f, 8, 10);
	tp_ipv4_end(f);
}

static void
tp_mk_v4_udp_qinq(struct tp_frame *f)
{
	tp_init(f);
	tp_eth(f, 0x0800, 2);
	tp_ipv4(f, IPPROTO_UDP, 0, 0);
	tp_udp(f, 12, 12);
	tp_ipv4_end(f);
}

static void
tp_mk_v4_icmp(struct tp_frame *f)
{
	tp_init(f);
	tp_eth(f, 0x0800, 0);
	tp_ipv4(f, IPPROTO_ICMP, 0, 0);
	tp_icmp(f, 8, false, 20);
	tp_ipv4_end(f);
}

static void
tp_mk_v4_frag_first(struct tp_frame *f)
{
	tp_init(f);
	tp_eth(f, 0x0800, 0);
	tp_ipv4(f, IPPROTO_UDP, 0x2000, 0);
	tp_udp(f, 24, 1400);
	tp_ipv4_end(f);
}

static void
tp_mk_v4_frag_later(struct tp_frame *f)
{
	tp_init(f);
	tp_eth(f, 0x0800, 0);
	tp_ipv4(f, IPPROTO_TCP, 0x2000 | 185, 0);
	tp_payload(f, 12);
	tp_ipv4_end(f);
}

static void
tp_mk_v6_tcp(struct tp_frame *f)
{
	tp_init(f);
	tp_eth(f, 0x86dd, 0);
	tp_ipv6(f, IPPROTO_TCP);
	tp_tcp(f, 6, 6);
	tp_ipv6_end(f);
}

/* Every extension header kind in RFC 8200 order: hop-by-hop, routing, fragment (first,
 * more to come), destination options, then the start of a longer UDP datagram. */
static void
tp_mk_v6_ext_udp(struct tp_frame *f)
{
	tp_init(f);
	tp_eth(f, 0x86dd, 0);
	tp_ipv6(f, IPPROTO_HOPOPTS);
	tp_ip6_opts(f, IPPROTO_ROUTING, 0);
	tp_ip6_routing(f, IPPROTO_FRAGMENT);
	tp_ip6_frag(f, IPPROTO_DSTOPTS, 0, true);
	tp_ip6_opts(f, IPPROTO_UDP, 1);
	tp_udp(f, 16, 1200);
	tp_ipv6_end(f);
}

static void
tp_mk_v6_ah_icmp6(struct tp_frame *f)
{
	tp_init(f);
	tp_eth(f, 0x86dd, 0);
	tp_ipv6(f, IPPROTO_AH);
	tp_ip6_ah(f, IPPROTO_ICMPV6);
	tp_icmp(f, 128, true, 8);
	tp_ipv6_end(f);
}

/* A neighbour solicitation with a source link-layer address option, on a VLAN. */
static void
tp_mk_v6_ns_vlan(struct tp_frame *f)
{
	tp_init(f);
	tp_eth(f, 0x86dd, 1);
	tp_ipv6(f, IPPROTO_ICMPV6);
	f->b[f->l3 + 7] = 255;
	f->l4 = f->len;
	tp_u8(f, 135);
	tp_u8(f, 0);
	tp_u16(f, 0);
	tp_u32(f, 0);
	tp_bytes(f, tp_v6_dst, 16);
	tp_u8(f, 1);
	tp_u8(f, 1);
	tp_bytes(f, tp_mac_src, 6);
	tp_mark(f, f->l4 + 4, SL_CNT_L4_TRUNCATED);
	tp_ipv6_end(f);
}

static void
tp_mk_v6_frag_later(struct tp_frame *f)
{
	tp_init(f);
	tp_eth(f, 0x86dd, 0);
	tp_ipv6(f, IPPROTO_FRAGMENT);
	tp_ip6_frag(f, IPPROTO_UDP, 150, false);
	tp_payload(f, 20);
	tp_ipv6_end(f);
}

static const struct tp_case tp_cases[] = {
	{ "arp_padded", tp_mk_arp_padded },
	{ "v4_tcp_opts_vlan", tp_mk_v4_tcp_opts_vlan },
	{ "v4_udp_qinq", tp_mk_v4_udp_qinq },
	{ "v4_icmp", tp_mk_v4_icmp },
	{ "v4_frag_first", tp_mk_v4_frag_first },
	{ "v4_frag_later", tp_mk_v4_frag_later },
	{ "v6_tcp", tp_mk_v6_tcp },
	{ "v6_ext_udp", tp_mk_v6_ext_udp },
	{ "v6_ah_icmp6", tp_mk_v6_ah_icmp6 },
	{ "v6_ns_vlan", tp_mk_v6_ns_vlan },
	{ "v6_frag_later", tp_mk_v6_frag_later },
};

/* --- parsing under guard ---------------------------------------------------------- */

/* What every result must satisfy, valid or not. */
static bool
tp_meta_sane(int rc, const struct pkt_meta *m, uint32_t len)
{
	if (rc < SL_CNT_OK || rc >= SL_CNT__MAX)
		return false;
	if (rc != SL_CNT_OK)
		return true;
	if (m->nb_vlan > PKT_VLAN_MAX || m->l3_off != 14 + 4 * m->nb_vlan || m->l3_off > len)
		return false;
	if (m->l3 == PKT_L3_ARP)
		return m->l3_off + 28u <= len;
	if (m->l3 != PKT_L3_IPV4 && m->l3 != PKT_L3_IPV6)
		return false;
	if (m->l4_off < m->l3_off || m->l4_off > len || (uint32_t)m->l4_off + m->l4_len > len)
		return false;
	if ((m->flags & PKT_F_FRAG_LATER) && (!(m->flags & PKT_F_FRAG) || m->sport || m->dport))
		return false;
	if (m->l4_proto != IPPROTO_TCP && m->l4_proto != IPPROTO_UDP && (m->sport || m->dport))
		return false;
	return true;
}

static int
tp_parse_bytes(const uint8_t *b, uint32_t len, struct pkt_meta *m)
{
	uint8_t *p;
	int rc;

#ifdef TP_ASAN
	p = malloc(len ? len : 1);
	CU_ASSERT_FATAL(p != NULL);
	memcpy(p, b, len);
	rc = pkt_parse(p, len, m);
	free(p);
#else
	CU_ASSERT_FATAL(len <= tp_page);
	p = tp_guard + tp_page - len;
	memcpy(p, b, len);
	rc = pkt_parse(p, len, m);
#endif
	if (!tp_meta_sane(rc, m, len)) {
		printf("\n  insane result %d for a %u-byte frame (l3_off %u l4_off %u l4_len %u)\n",
		       rc, len, m->l3_off, m->l4_off, m->l4_len);
		CU_FAIL("parse result violates the meta invariants");
	}
	return rc;
}

static int
tp_parse(const struct tp_frame *f, struct pkt_meta *m)
{
	return tp_parse_bytes(f->b, f->len, m);
}

static int
tp_suite_init(void)
{
	tp_page = (size_t)sysconf(_SC_PAGESIZE);
	tp_guard = mmap(NULL, 2 * tp_page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			-1, 0);
	if (tp_guard == MAP_FAILED)
		return -1;
	return mprotect(tp_guard + tp_page, tp_page, PROT_NONE);
}

static int
tp_suite_cleanup(void)
{
	return munmap(tp_guard, 2 * tp_page);
}

static uint16_t
tp_be16(uint16_t v)
{
	return rte_cpu_to_be_16(v);
}

/* --- valid stacks ----------------------------------------------------------------- */

static void
test_arp(void)
{
	struct tp_frame f;
	struct pkt_meta m;

	tp_init(&f);
	tp_eth(&f, 0x0806, 0);
	tp_arp(&f, 6);
	CU_ASSERT_EQUAL(tp_parse(&f, &m), SL_CNT_OK);
	CU_ASSERT_EQUAL(m.l3, PKT_L3_ARP);
	CU_ASSERT_EQUAL(m.l3_off, 14);
	CU_ASSERT_EQUAL(m.ethertype, 0x0806);
	CU_ASSERT_EQUAL(m.nb_vlan, 0);
	CU_ASSERT_EQUAL(m.sport | m.dport, 0);
	f.len--;                        /* 27 bytes of ARP */
	CU_ASSERT_EQUAL(tp_parse(&f, &m), SL_CNT_ARP_MALFORMED);
	tp_mk_arp_padded(&f);
	CU_ASSERT_EQUAL(tp_parse(&f, &m), SL_CNT_OK);
	tp_init(&f);
	tp_eth(&f, 0x0806, 1);
	tp_arp(&f, 6);
	CU_ASSERT_EQUAL(tp_parse(&f, &m), SL_CNT_OK);
	CU_ASSERT_EQUAL(m.l3_off, 18);
	CU_ASSERT_EQUAL(m.vlan_tci[0], 0xa0c8);
}

static void
test_ipv4_tcp(void)
{
	struct tp_frame f;
	struct pkt_meta m;

	tp_init(&f);
	tp_eth(&f, 0x0800, 0);
	tp_ipv4(&f, IPPROTO_TCP, 0x4000, 0);    /* DF alone is not a fragment */
	tp_tcp(&f, 5, 10);
	tp_ipv4_end(&f);
	CU_ASSERT_EQUAL(tp_parse(&f, &m), SL_CNT_OK);
	CU_ASSERT_EQUAL(m.l3, PKT_L3_IPV4);
	CU_ASSERT_EQUAL(m.ethertype, 0x0800);
	CU_ASSERT_EQUAL(m.l3_off, 14);
	CU_ASSERT_EQUAL(m.l4_off, 34);
	CU_ASSERT_EQUAL(m.l4_len, 30);
	CU_ASSERT_EQUAL(m.l4_proto, IPPROTO_TCP);
	CU_ASSERT_EQUAL(m.flags, 0);
	CU_ASSERT_EQUAL(m.nb_vlan, 0);
	CU_ASSERT_EQUAL(m.sport, tp_be16(TP_SPORT));
	CU_ASSERT_EQUAL(m.dport, tp_be16(TP_DPORT));
	CU_ASSERT_EQUAL(m.addr.v4.src, rte_cpu_to_be_32(TP_V4_SRC));
	CU_ASSERT_EQUAL(m.addr.v4.dst, rte_cpu_to_be_32(TP_V4_DST));
	/* TCP options: data offset 8 words */
	tp_init(&f);
	tp_eth(&f, 0x0800, 0);
	tp_ipv4(&f, IPPROTO_TCP, 0, 0);
	tp_tcp(&f, 8, 0);
	tp_ipv4_end(&f);
	CU_ASSERT_EQUAL(tp_parse(&f, &m), SL_CNT_OK);
	CU_ASSERT_EQUAL(m.l4_len, 32);
	CU_ASSERT_EQUAL(m.dport, tp_be16(TP_DPORT));
}

static void
test_ipv4_udp_icmp_other(void)
{
	struct tp_frame f;
	struct pkt_meta m;

	tp_init(&f);
	tp_eth(&f, 0x0800, 0);
	tp_ipv4(&f, IPPROTO_UDP, 0, 0);
	tp_udp(&f, 12, 12);
	tp_ipv4_end(&f);
	CU_ASSERT_EQUAL(tp_parse(&f, &m), SL_CNT_OK);
	CU_ASSERT_EQUAL(m.l4_proto, IPPROTO_UDP);
	CU_ASSERT_EQUAL(m.l4_off, 34);
	CU_ASSERT_EQUAL(m.l4_len, 20);
	CU_ASSERT_EQUAL(m.sport, tp_be16(5353));
	CU_ASSERT_EQUAL(m.dport, tp_be16(53));
	tp_mk_v4_icmp(&f);
	CU_ASSERT_EQUAL(tp_parse(&f, &m), SL_CNT_OK);
	CU_ASSERT_EQUAL(m.l4_proto, IPPROTO_ICMP);
	CU_ASSERT_EQUAL(m.l4_len, 28);
	CU_ASSERT_EQUAL(m.sport | m.dport, 0);
	/* GRE: no L4 parsing, no ports, length still known */
	tp_init(&f);
	tp_eth(&f, 0x0800, 0);
	tp_ipv4(&f, 47, 0, 0);
	tp_payload(&f, 4);
	tp_ipv4_end(&f);
	CU_ASSERT_EQUAL(tp_parse(&f, &m), SL_CNT_OK);
	CU_ASSERT_EQUAL(m.l4_proto, 47);
	CU_ASSERT_EQUAL(m.l4_len, 4);
	CU_ASSERT_EQUAL(m.sport | m.dport, 0);
}

static void
test_ipv4_options(void)
{
	struct tp_frame f;
	struct pkt_meta m;

	tp_init(&f);
	tp_eth(&f, 0x0800, 0);
	tp_ipv4(&f, IPPROTO_UDP, 0, 4);
	tp_udp(&f, 0, 0);
	tp_ipv4_end(&f);
	CU_ASSERT_EQUAL(tp_parse(&f, &m), SL_CNT_OK);
	CU_ASSERT_EQUAL(m.l4_off, 38);
	CU_ASSERT_EQUAL(m.l4_len, 8);
	CU_ASSERT_EQUAL(m.flags, PKT_F_IP4_OPTS);
	CU_ASSERT_EQUAL(m.dport, tp_be16(53));
	/* IHL 15: the longest header */
	tp_init(&f);
	tp_eth(&f, 0x0800, 0);
	tp_ipv4(&f, IPPROTO_TCP, 0, 40);
	tp_tcp(&f, 5, 0);
	tp_ipv4_end(&f);
	CU_ASSERT_EQUAL(tp_parse(&f, &m), SL_CNT_OK);
	CU_ASSERT_EQUAL(m.l4_off, 74);
	CU_ASSERT_EQUAL(m.sport, tp_be16(TP_SPORT));
}

static void
test_vlan_one_and_two(void)
{
	struct tp_frame f;
	struct pkt_meta m;

	tp_mk_v4_tcp_opts_vlan(&f);
	CU_ASSERT_EQUAL(tp_parse(&f, &m), SL_CNT_OK);
	CU_ASSERT_EQUAL(m.nb_vlan, 1);
	CU_ASSERT_EQUAL(m.vlan_tci[0], 0xa0c8);
	CU_ASSERT_EQUAL(m.l3_off, 18);
	CU_ASSERT_EQUAL(m.l4_off, 18 + 28);
	CU_ASSERT_EQUAL(m.ethertype, 0x0800);
	CU_ASSERT_EQUAL(m.flags, PKT_F_IP4_OPTS);
	tp_mk_v4_udp_qinq(&f);
	CU_ASSERT_EQUAL(tp_parse(&f, &m), SL_CNT_OK);
	CU_ASSERT_EQUAL(m.nb_vlan, 2);
	CU_ASSERT_EQUAL(m.vlan_tci[0], 0x0064);
	CU_ASSERT_EQUAL(m.vlan_tci[1], 0xa0c8);
	CU_ASSERT_EQUAL(m.l3_off, 22);
	CU_ASSERT_EQUAL(m.l4_off, 42);
	CU_ASSERT_EQUAL(m.dport, tp_be16(53));
	/* two 802.1Q tags (no 802.1ad) are two tags as well */
	tp_set16(&f, 12, 0x8100);
	CU_ASSERT_EQUAL(tp_parse(&f, &m), SL_CNT_OK);
	CU_ASSERT_EQUAL(m.nb_vlan, 2);
}

static void
test_vlan_too_deep(void)
{
	struct tp_frame f;
	struct pkt_meta m;

	tp_init(&f);
	tp_eth(&f, 0x0800, 3);
	tp_ipv4(&f, IPPROTO_ICMP, 0, 0);
	tp_icmp(&f, 8, false, 0);
	tp_ipv4_end(&f);
	CU_ASSERT_EQUAL(tp_parse(&f, &m), SL_CNT_VLAN_TOO_DEEP);
	tp_set16(&f, 12, 0x88a8);
	tp_set16(&f, 16, 0x88a8);
	CU_ASSERT_EQUAL(tp_parse(&f, &m), SL_CNT_VLAN_TOO_DEEP);
	/* a tag cut in half */
	tp_init(&f);
	tp_eth(&f, 0x0800, 1);
	CU_ASSERT_EQUAL(tp_parse_bytes(f.b, 16, &m), SL_CNT_L2_TRUNCATED);
}

static void
test_l2_runt_and_ethertype(void)
{
	struct tp_frame f;
	struct pkt_meta m;
	uint32_t len;

	tp_mk_v4_icmp(&f);
	for (len = 0; len < 14; len++)
		CU_ASSERT_EQUAL(tp_parse_bytes(f.b, len, &m), SL_CNT_L2_TRUNCATED);
	tp_init(&f);
	tp_eth(&f, 0x88cc, 0);          /* LLDP */
	tp_payload(&f, 46);
	CU_ASSERT_EQUAL(tp_parse(&f, &m), SL_CNT_ETHERTYPE);
	tp_init(&f);
	tp_eth(&f, 0x8847, 1);          /* MPLS behind a tag */
	tp_payload(&f, 42);
	CU_ASSERT_EQUAL(tp_parse(&f, &m), SL_CNT_ETHERTYPE);
	tp_set16(&f, 16, 0x0000);
	CU_ASSERT_EQUAL(tp_parse(&f, &m), SL_CNT_ETHERTYPE);
}

static void
test_ipv6_l4(void)
{
	struct tp_frame f;
	struct pkt_meta m;

	tp_mk_v6_tcp(&f);
	CU_ASSERT_EQUAL(tp_parse(&f, &m), SL_CNT_OK);
	CU_ASSERT_EQUAL(m.l3, PKT_L3_IPV6);
	CU_ASSERT_EQUAL(m.ethertype, 0x86dd);
	CU_ASSERT_EQUAL(m.l3_off, 14);
	CU_ASSERT_EQUAL(m.l4_off, 54);
	CU_ASSERT_EQUAL(m.l4_len, 24 + 6);
	CU_ASSERT_EQUAL(m.l4_proto, IPPROTO_TCP);
	CU_ASSERT_EQUAL(m.flags, 0);
	CU_ASSERT_EQUAL(m.sport, tp_be16(TP_SPORT));
	CU_ASSERT_EQUAL(m.dport, tp_be16(TP_DPORT));
	CU_ASSERT_EQUAL(memcmp(m.addr.v6.src, tp_v6_src, 16), 0);
	CU_ASSERT_EQUAL(memcmp(m.addr.v6.dst, tp_v6_dst, 16), 0);
	tp_init(&f);
	tp_eth(&f, 0x86dd, 0);
	tp_ipv6(&f, IPPROTO_UDP);
	tp_udp(&f, 3, 3);
	tp_ipv6_end(&f);
	CU_ASSERT_EQUAL(tp_parse(&f, &m), SL_CNT_OK);
	CU_ASSERT_EQUAL(m.l4_len, 11);
	CU_ASSERT_EQUAL(m.sport, tp_be16(5353));
	tp_mk_v6_ns_vlan(&f);
	CU_ASSERT_EQUAL(tp_parse(&f, &m), SL_CNT_OK);
	CU_ASSERT_EQUAL(m.l4_proto, IPPROTO_ICMPV6);
	CU_ASSERT_EQUAL(m.l3_off, 18);
	CU_ASSERT_EQUAL(m.l4_off, 58);
	CU_ASSERT_EQUAL(m.l4_len, 32);
	CU_ASSERT_EQUAL(m.sport | m.dport, 0);
	/* padding after the payload is not L4 */
	tp_fill(&f, 0, 10);
	CU_ASSERT_EQUAL(tp_parse(&f, &m), SL_CNT_OK);
	CU_ASSERT_EQUAL(m.l4_len, 32);
}

static void
test_ipv6_ext_headers(void)
{
	struct tp_frame f;
	struct pkt_meta m;

	tp_init(&f);
	tp_eth(&f, 0x86dd, 0);
	tp_ipv6(&f, IPPROTO_HOPOPTS);
	tp_ip6_opts(&f, IPPROTO_ROUTING, 2);    /* 24 bytes */
	tp_ip6_routing(&f, IPPROTO_DSTOPTS);
	tp_ip6_opts(&f, IPPROTO_TCP, 0);
	tp_tcp(&f, 5, 4);
	tp_ipv6_end(&f);
	CU_ASSERT_EQUAL(tp_parse(&f, &m), SL_CNT_OK);
	CU_ASSERT_EQUAL(m.l4_off, 14 + 40 + 24 + 24 + 8);
	CU_ASSERT_EQUAL(m.l4_len, 24);
	CU_ASSERT_EQUAL(m.l4_proto, IPPROTO_TCP);
	CU_ASSERT_EQUAL(m.flags, PKT_F_IP6_EXT);
	CU_ASSERT_EQUAL(m.dport, tp_be16(TP_DPORT));
	tp_mk_v6_ah_icmp6(&f);
	CU_ASSERT_EQUAL(tp_parse(&f, &m), SL_CNT_OK);
	CU_ASSERT_EQUAL(m.l4_off, 14 + 40 + 24);
	CU_ASSERT_EQUAL(m.l4_proto, IPPROTO_ICMPV6);
	CU_ASSERT_EQUAL(m.l4_len, 16);
	/* an extension header longer than the payload */
	tp_init(&f);
	tp_eth(&f, 0x86dd, 0);
	tp_ipv6(&f, IPPROTO_DSTOPTS);
	tp_ip6_opts(&f, IPPROTO_UDP, 0);
	tp_udp(&f, 0, 0);
	tp_ipv6_end(&f);
	f.b[55] = 2;                    /* claims 24 bytes, 16 follow */
	CU_ASSERT_EQUAL(tp_parse(&f, &m), SL_CNT_IP6_TRUNCATED);
}

static void
test_ipv6_fragment(void)
{
	struct tp_frame f;
	struct pkt_meta m;

	tp_mk_v6_ext_udp(&f);
	CU_ASSERT_EQUAL(tp_parse(&f, &m), SL_CNT_OK);
	CU_ASSERT_EQUAL(m.flags, PKT_F_FRAG | PKT_F_IP6_EXT);
	CU_ASSERT_EQUAL(m.l4_off, 14 + 40 + 8 + 24 + 8 + 16);
	CU_ASSERT_EQUAL(m.l4_proto, IPPROTO_UDP);
	CU_ASSERT_EQUAL(m.l4_len, 24);
	CU_ASSERT_EQUAL(m.sport, tp_be16(5353));
	tp_mk_v6_frag_later(&f);
	CU_ASSERT_EQUAL(tp_parse(&f, &m), SL_CNT_OK);
	CU_ASSERT_EQUAL(m.flags, PKT_F_FRAG | PKT_F_FRAG_LATER | PKT_F_IP6_EXT);
	CU_ASSERT_EQUAL(m.l4_off, 62);
	CU_ASSERT_EQUAL(m.l4_proto, IPPROTO_UDP);
	CU_ASSERT_EQUAL(m.l4_len, 20);
	CU_ASSERT_EQUAL(m.sport | m.dport, 0);
	/* a fragment header cut short by payload_len */
	tp_init(&f);
	tp_eth(&f, 0x86dd, 0);
	tp_ipv6(&f, IPPROTO_FRAGMENT);
	tp_fill(&f, 0, 6);
	tp_ipv6_end(&f);
	CU_ASSERT_EQUAL(tp_parse(&f, &m), SL_CNT_IP6_TRUNCATED);
}

/*
 * In a non-first fragment the bytes after the Fragment header are the middle of the
 * fragmentable part, not a header, even when its Next Header names one: RFC 8200 4.5
 * lets Destination Options (and Routing) sit in the fragmentable part.
 */
static void
test_ipv6_later_fragment_is_opaque(void)
{
	struct tp_frame f;
	struct pkt_meta m;

	tp_init(&f);
	tp_eth(&f, 0x86dd, 0);
	tp_ipv6(&f, IPPROTO_FRAGMENT);
	tp_ip6_frag(&f, IPPROTO_DSTOPTS, 150, true);
	tp_u8(&f, IPPROTO_UDP);         /* reads like a 2048-byte options header */
	tp_u8(&f, 0xff);
	tp_payload(&f, 30);
	tp_ipv6_end(&f);
	CU_ASSERT_EQUAL(tp_parse(&f, &m), SL_CNT_OK);
	CU_ASSERT(m.flags & PKT_F_FRAG_LATER);
	CU_ASSERT_EQUAL(m.l4_off, 62);
	CU_ASSERT_EQUAL(m.l4_len, 32);
}

/* n extension headers (hop-by-hop, then destination options) in front of TCP. */
static void
tp_mk_v6_chain(struct tp_frame *f, unsigned int n)
{
	unsigned int i;

	tp_init(f);
	tp_eth(f, 0x86dd, 0);
	tp_ipv6(f, n ? IPPROTO_HOPOPTS : IPPROTO_TCP);
	for (i = 0; i < n; i++)
		tp_ip6_opts(f, i + 1 < n ? IPPROTO_DSTOPTS : IPPROTO_TCP, 0);
	tp_tcp(f, 5, 0);
	tp_ipv6_end(f);
}

static void
test_ipv6_ext_chain(void)
{
	struct tp_frame f;
	struct pkt_meta m;

	tp_mk_v6_chain(&f, PKT_IP6_EXT_MAX - 1);
	CU_ASSERT_EQUAL(tp_parse(&f, &m), SL_CNT_OK);
	CU_ASSERT_EQUAL(m.l4_off, 54 + 8 * (PKT_IP6_EXT_MAX - 1));
	tp_mk_v6_chain(&f, PKT_IP6_EXT_MAX + 1);
	CU_ASSERT_EQUAL(tp_parse(&f, &m), SL_CNT_IP6_EXT_CHAIN);
	tp_mk_v6_chain(&f, 20);
	CU_ASSERT_EQUAL(tp_parse(&f, &m), SL_CNT_IP6_EXT_CHAIN);
}

/* PKT_IP6_EXT_MAX headers are walked; only a longer chain is refused. */
static void
test_ipv6_ext_chain_at_limit(void)
{
	struct tp_frame f;
	struct pkt_meta m;

	tp_mk_v6_chain(&f, PKT_IP6_EXT_MAX);
	CU_ASSERT_EQUAL(tp_parse(&f, &m), SL_CNT_OK);
	CU_ASSERT_EQUAL(m.l4_off, 54 + 8 * PKT_IP6_EXT_MAX);
	CU_ASSERT_EQUAL(m.l4_proto, IPPROTO_TCP);
}

static void
test_ipv6_bad(void)
{
	struct tp_frame f;
	struct pkt_meta m;

	tp_mk_v6_tcp(&f);
	f.b[14] = 0x40;                 /* version 4 behind EtherType 0x86dd */
	CU_ASSERT_EQUAL(tp_parse(&f, &m), SL_CNT_IP6_BAD_HEADER);
	tp_mk_v6_tcp(&f);
	tp_set16(&f, 18, 0);            /* jumbogram */
	CU_ASSERT_EQUAL(tp_parse(&f, &m), SL_CNT_IP6_BAD_LENGTH);
	tp_set16(&f, 18, (uint16_t)(f.len - 54 + 1));
	CU_ASSERT_EQUAL(tp_parse(&f, &m), SL_CNT_IP6_BAD_LENGTH);
	tp_set16(&f, 18, 0xffff);
	CU_ASSERT_EQUAL(tp_parse(&f, &m), SL_CNT_IP6_BAD_LENGTH);
	tp_set16(&f, 18, (uint16_t)(f.len - 54));
	CU_ASSERT_EQUAL(tp_parse(&f, &m), SL_CNT_OK);
}

static void
test_ipv4_bad_header(void)
{
	struct tp_frame f;
	struct pkt_meta m;

	tp_mk_v4_icmp(&f);
	f.b[14] = 0x65;                 /* version 6, IHL 5 */
	tp_ipv4_cksum(&f);
	CU_ASSERT_EQUAL(tp_parse(&f, &m), SL_CNT_IP4_BAD_HEADER);
	f.b[14] = 0x05;
	tp_ipv4_cksum(&f);
	CU_ASSERT_EQUAL(tp_parse(&f, &m), SL_CNT_IP4_BAD_HEADER);
	f.b[14] = 0x44;                 /* IHL 4 */
	CU_ASSERT_EQUAL(tp_parse(&f, &m), SL_CNT_IP4_BAD_HEADER);
	f.b[14] = 0x40;
	CU_ASSERT_EQUAL(tp_parse(&f, &m), SL_CNT_IP4_BAD_HEADER);
	/* IHL 15 with 48 bytes after the Ethernet header */
	tp_mk_v4_icmp(&f);
	f.b[14] = 0x4f;
	CU_ASSERT_EQUAL(tp_parse(&f, &m), SL_CNT_IP4_TRUNCATED);
}

static void
test_ipv4_bad_length(void)
{
	struct tp_frame f;
	struct pkt_meta m;

	tp_mk_v4_icmp(&f);
	tp_set16(&f, 16, (uint16_t)(f.len - 14 + 1));  /* one byte more than the frame */
	tp_ipv4_cksum(&f);
	CU_ASSERT_EQUAL(tp_parse(&f, &m), SL_CNT_IP4_BAD_LENGTH);
	tp_set16(&f, 16, 19);           /* less than the header */
	tp_ipv4_cksum(&f);
	CU_ASSERT_EQUAL(tp_parse(&f, &m), SL_CNT_IP4_BAD_LENGTH);
	tp_set16(&f, 16, 0);
	tp_ipv4_cksum(&f);
	CU_ASSERT_EQUAL(tp_parse(&f, &m), SL_CNT_IP4_BAD_LENGTH);
	tp_mk_v4_tcp_opts_vlan(&f);     /* IHL 7 */
	tp_set16(&f, 20, 24);
	tp_ipv4_cksum(&f);
	CU_ASSERT_EQUAL(tp_parse(&f, &m), SL_CNT_IP4_BAD_LENGTH);
	tp_set16(&f, 20, 28);           /* exactly the header: no L4 bytes at all */
	tp_ipv4_cksum(&f);
	CU_ASSERT_EQUAL(tp_parse(&f, &m), SL_CNT_L4_TRUNCATED);
}

static void
test_ipv4_bad_checksum(void)
{
	struct tp_frame f;
	struct pkt_meta m;

	tp_mk_v4_icmp(&f);
	f.b[24] ^= 0x01;
	CU_ASSERT_EQUAL(tp_parse(&f, &m), SL_CNT_IP4_BAD_CHECKSUM);
	tp_mk_v4_icmp(&f);
	f.b[22] = 1;                    /* TTL changed, checksum not */
	CU_ASSERT_EQUAL(tp_parse(&f, &m), SL_CNT_IP4_BAD_CHECKSUM);
	tp_mk_v4_tcp_opts_vlan(&f);
	f.b[f.l3 + 22] = 0x07;          /* an option byte: covered by the checksum too */
	CU_ASSERT_EQUAL(tp_parse(&f, &m), SL_CNT_IP4_BAD_CHECKSUM);
}

static void
test_ipv4_fragments(void)
{
	struct tp_frame f;
	struct pkt_meta m;

	tp_init(&f);
	tp_eth(&f, 0x0800, 0);
	tp_ipv4(&f, IPPROTO_TCP, 0x2000, 0);    /* MF, offset 0 */
	tp_tcp(&f, 5, 40);
	tp_ipv4_end(&f);
	CU_ASSERT_EQUAL(tp_parse(&f, &m), SL_CNT_OK);
	CU_ASSERT_EQUAL(m.flags, PKT_F_FRAG);
	CU_ASSERT_EQUAL(m.sport, tp_be16(TP_SPORT));
	CU_ASSERT_EQUAL(m.dport, tp_be16(TP_DPORT));
	CU_ASSERT_EQUAL(m.l4_len, 60);
	/* first fragment of a datagram longer than the fragment */
	tp_mk_v4_frag_first(&f);
	CU_ASSERT_EQUAL(tp_parse(&f, &m), SL_CNT_OK);
	CU_ASSERT_EQUAL(m.flags, PKT_F_FRAG);
	CU_ASSERT_EQUAL(m.dport, tp_be16(53));
	/* a later fragment: 12 bytes of the middle of a TCP segment */
	tp_mk_v4_frag_later(&f);
	CU_ASSERT_EQUAL(tp_parse(&f, &m), SL_CNT_OK);
	CU_ASSERT_EQUAL(m.flags, PKT_F_FRAG | PKT_F_FRAG_LATER);
	CU_ASSERT_EQUAL(m.l4_proto, IPPROTO_TCP);
	CU_ASSERT_EQUAL(m.l4_off, 34);
	CU_ASSERT_EQUAL(m.l4_len, 12);
	CU_ASSERT_EQUAL(m.sport | m.dport, 0);
	/* the last fragment (MF clear, offset set) */
	tp_set16(&f, 20, 185);
	tp_ipv4_cksum(&f);
	CU_ASSERT_EQUAL(tp_parse(&f, &m), SL_CNT_OK);
	CU_ASSERT_EQUAL(m.flags, PKT_F_FRAG | PKT_F_FRAG_LATER);
}

static void
test_tcp_bad(void)
{
	struct tp_frame f;
	struct pkt_meta m;
	const uint32_t doff = 14 + 20 + 12;

	tp_init(&f);
	tp_eth(&f, 0x0800, 0);
	tp_ipv4(&f, IPPROTO_TCP, 0, 0);
	tp_tcp(&f, 5, 0);
	tp_ipv4_end(&f);
	f.b[doff] = 4 << 4;
	CU_ASSERT_EQUAL(tp_parse(&f, &m), SL_CNT_TCP_BAD_HEADER);
	f.b[doff] = 0;
	CU_ASSERT_EQUAL(tp_parse(&f, &m), SL_CNT_TCP_BAD_HEADER);
	f.b[doff] = 15 << 4;
	CU_ASSERT_EQUAL(tp_parse(&f, &m), SL_CNT_TCP_BAD_HEADER);
	/* data offset 6: the four option bytes are Ethernet padding, not IP payload */
	f.b[doff] = 6 << 4;
	tp_fill(&f, 0, 6);
	CU_ASSERT_EQUAL(tp_parse(&f, &m), SL_CNT_TCP_BAD_HEADER);
	/* 19 bytes of TCP */
	f.b[doff] = 5 << 4;
	tp_set16(&f, 16, 39);
	tp_ipv4_cksum(&f);
	CU_ASSERT_EQUAL(tp_parse(&f, &m), SL_CNT_L4_TRUNCATED);
	tp_mk_v6_tcp(&f);
	f.b[54 + 12] = 3 << 4;
	CU_ASSERT_EQUAL(tp_parse(&f, &m), SL_CNT_TCP_BAD_HEADER);
}

static void
test_udp_bad(void)
{
	struct tp_frame f;
	struct pkt_meta m;

	tp_init(&f);
	tp_eth(&f, 0x0800, 0);
	tp_ipv4(&f, IPPROTO_UDP, 0, 0);
	tp_udp(&f, 4, 4);
	tp_ipv4_end(&f);
	tp_set16(&f, 38, 7);
	CU_ASSERT_EQUAL(tp_parse(&f, &m), SL_CNT_UDP_BAD_LENGTH);
	tp_set16(&f, 38, 0);
	CU_ASSERT_EQUAL(tp_parse(&f, &m), SL_CNT_UDP_BAD_LENGTH);
	tp_set16(&f, 38, 13);
	CU_ASSERT_EQUAL(tp_parse(&f, &m), SL_CNT_UDP_BAD_LENGTH);
	tp_set16(&f, 38, 8);            /* shorter than the IP payload: allowed */
	CU_ASSERT_EQUAL(tp_parse(&f, &m), SL_CNT_OK);
	/* Ethernet padding does not make a long UDP length right */
	tp_set16(&f, 38, 20);
	tp_fill(&f, 0, 60 - f.len);
	CU_ASSERT_EQUAL(tp_parse(&f, &m), SL_CNT_UDP_BAD_LENGTH);
	tp_set16(&f, 16, 27);           /* 7 bytes of UDP */
	tp_ipv4_cksum(&f);
	CU_ASSERT_EQUAL(tp_parse(&f, &m), SL_CNT_L4_TRUNCATED);
	tp_init(&f);
	tp_eth(&f, 0x86dd, 0);
	tp_ipv6(&f, IPPROTO_UDP);
	tp_udp(&f, 4, 5);
	tp_ipv6_end(&f);
	CU_ASSERT_EQUAL(tp_parse(&f, &m), SL_CNT_UDP_BAD_LENGTH);
}

static void
test_icmp_truncated(void)
{
	struct tp_frame f;
	struct pkt_meta m;

	tp_mk_v4_icmp(&f);
	tp_set16(&f, 16, 27);
	tp_ipv4_cksum(&f);
	CU_ASSERT_EQUAL(tp_parse(&f, &m), SL_CNT_L4_TRUNCATED);
	tp_set16(&f, 16, 28);
	tp_ipv4_cksum(&f);
	CU_ASSERT_EQUAL(tp_parse(&f, &m), SL_CNT_OK);
	tp_init(&f);
	tp_eth(&f, 0x86dd, 0);
	tp_ipv6(&f, IPPROTO_ICMPV6);
	tp_u8(&f, 128);
	tp_u8(&f, 0);
	tp_u8(&f, 0);
	tp_ipv6_end(&f);
	CU_ASSERT_EQUAL(tp_parse(&f, &m), SL_CNT_L4_TRUNCATED);
	tp_u8(&f, 0);
	tp_ipv6_end(&f);
	CU_ASSERT_EQUAL(tp_parse(&f, &m), SL_CNT_OK);
}

/* Ethernet pads frames to 60 bytes: the bytes past total_length are not the packet. */
static void
test_ethernet_padding(void)
{
	struct tp_frame f;
	struct pkt_meta m;

	tp_init(&f);
	tp_eth(&f, 0x0800, 0);
	tp_ipv4(&f, IPPROTO_ICMP, 0, 0);
	tp_icmp(&f, 8, false, 0);
	tp_ipv4_end(&f);
	tp_fill(&f, 0, 60 - f.len);
	CU_ASSERT_EQUAL(tp_parse(&f, &m), SL_CNT_OK);
	CU_ASSERT_EQUAL(m.l4_off, 34);
	CU_ASSERT_EQUAL(m.l4_len, 8);
	tp_init(&f);
	tp_eth(&f, 0x0800, 1);
	tp_ipv4(&f, IPPROTO_UDP, 0, 0);
	tp_udp(&f, 2, 2);
	tp_ipv4_end(&f);
	tp_fill(&f, 0xee, 64 - f.len);
	CU_ASSERT_EQUAL(tp_parse(&f, &m), SL_CNT_OK);
	CU_ASSERT_EQUAL(m.l4_len, 10);
	CU_ASSERT_EQUAL(m.dport, tp_be16(53));
}

/* The meta is rewritten whole: nothing from a previous frame survives. */
static void
test_meta_reset(void)
{
	struct tp_frame f;
	struct pkt_meta m, fresh;

	tp_mk_v6_ext_udp(&f);
	CU_ASSERT_EQUAL(tp_parse(&f, &m), SL_CNT_OK);
	tp_mk_arp_padded(&f);
	CU_ASSERT_EQUAL(tp_parse(&f, &m), SL_CNT_OK);
	CU_ASSERT_EQUAL(tp_parse(&f, &fresh), SL_CNT_OK);
	CU_ASSERT_EQUAL(memcmp(&m, &fresh, sizeof(m)), 0);
	CU_ASSERT_EQUAL(m.flags, 0);
	CU_ASSERT_EQUAL(m.l4_off, 0);
}

/* --- sweeps ----------------------------------------------------------------------- */

/* The reason a frame cut to len bytes must give, its length fields left as they were. */
static int
tp_cut_reason(const struct tp_frame *f, uint32_t len)
{
	uint32_t ihl;

	if (len < f->l3)
		return SL_CNT_L2_TRUNCATED;
	switch ((uint32_t)f->b[f->l3 - 2] << 8 | f->b[f->l3 - 1]) {
	case 0x0806:
		return len < f->l3 + 28 ? SL_CNT_ARP_MALFORMED : SL_CNT_OK;
	case 0x0800:
		ihl = (uint32_t)(f->b[f->l3] & 0xf) * 4;
		return len < f->l3 + ihl ? SL_CNT_IP4_TRUNCATED : SL_CNT_IP4_BAD_LENGTH;
	default:
		return len < f->l3 + 40 ? SL_CNT_IP6_TRUNCATED : SL_CNT_IP6_BAD_LENGTH;
	}
}

/* The reason when the IP length field says the packet ends at end: the first header
 * that does not fit. */
static int
tp_end_reason(const struct tp_frame *f, uint32_t end)
{
	unsigned int i;

	for (i = 0; i < f->nb_marks; i++)
		if (end < f->mark[i].end)
			return f->mark[i].reason;
	return SL_CNT_OK;
}

static void
tp_check(const char *name, const char *how, uint32_t len, int rc, int want)
{
	CU_ASSERT_EQUAL(rc, want);
	if (rc != want)
		printf("\n  %s %s at %u: got %s, want %s\n", name, how, len,
		       rc > 0 && rc < SL_CNT__MAX ? sl_counter_names[rc] : "ok",
		       want > 0 ? sl_counter_names[want] : "ok");
}

/* Every prefix of every frame: never OK where a header is missing, never a read past
 * the prefix (guard page / ASan), and the reason of the header that was cut. */
static void
test_truncation_sweep(void)
{
	struct tp_frame f;
	struct pkt_meta m;
	unsigned int c;
	uint32_t len;

	for (c = 0; c < RTE_DIM(tp_cases); c++) {
		tp_cases[c].build(&f);
		CU_ASSERT_EQUAL(tp_parse(&f, &m), SL_CNT_OK);
		for (len = 0; len < f.len; len++)
			tp_check(tp_cases[c].name, "cut", len, tp_parse_bytes(f.b, len, &m),
				 tp_cut_reason(&f, len));
	}
}

/* The IP length field shortened to every value past the IP header, with the bytes cut
 * too and with them left in place as padding: each header must be checked against the
 * IP length, and a cut inside it named by its reason. */
static void
test_length_sweep(void)
{
	struct tp_frame f, g;
	struct pkt_meta m;
	unsigned int c;
	uint32_t end, first;
	bool v4;

	for (c = 0; c < RTE_DIM(tp_cases); c++) {
		tp_cases[c].build(&f);
		if (f.b[f.l3 - 2] == 0x08 && f.b[f.l3 - 1] == 0x06)
			continue;
		v4 = f.b[f.l3 - 2] == 0x08;
		first = v4 ? f.l3 + (uint32_t)(f.b[f.l3] & 0xf) * 4 : f.l3 + 41;
		for (end = first; end < f.len; end++) {
			g = f;
			if (v4) {
				tp_set16(&g, g.l3 + 2, (uint16_t)(end - g.l3));
				tp_ipv4_cksum(&g);
			} else {
				tp_set16(&g, g.l3 + 4, (uint16_t)(end - g.l3 - 40));
			}
			tp_check(tp_cases[c].name, "padded, IP length ends", end, tp_parse(&g, &m),
				 tp_end_reason(&f, end));
			tp_check(tp_cases[c].name, "cut, IP length ends", end,
				 tp_parse_bytes(g.b, end, &m), tp_end_reason(&f, end));
		}
	}
}

static const struct unit_test tests[] = {
	UNIT_TEST(test_arp),
	UNIT_TEST(test_ipv4_tcp),
	UNIT_TEST(test_ipv4_udp_icmp_other),
	UNIT_TEST(test_ipv4_options),
	UNIT_TEST(test_vlan_one_and_two),
	UNIT_TEST(test_vlan_too_deep),
	UNIT_TEST(test_l2_runt_and_ethertype),
	UNIT_TEST(test_ipv6_l4),
	UNIT_TEST(test_ipv6_ext_headers),
	UNIT_TEST(test_ipv6_fragment),
	UNIT_TEST(test_ipv6_later_fragment_is_opaque),
	UNIT_TEST(test_ipv6_ext_chain),
	UNIT_TEST(test_ipv6_ext_chain_at_limit),
	UNIT_TEST(test_ipv6_bad),
	UNIT_TEST(test_ipv4_bad_header),
	UNIT_TEST(test_ipv4_bad_length),
	UNIT_TEST(test_ipv4_bad_checksum),
	UNIT_TEST(test_ipv4_fragments),
	UNIT_TEST(test_tcp_bad),
	UNIT_TEST(test_udp_bad),
	UNIT_TEST(test_icmp_truncated),
	UNIT_TEST(test_ethernet_padding),
	UNIT_TEST(test_meta_reset),
	UNIT_TEST(test_truncation_sweep),
	UNIT_TEST(test_length_sweep),
	{ NULL, NULL },
};

int
main(void)
{
	return unit_run("pkt", tests, tp_suite_init, tp_suite_cleanup);
}
