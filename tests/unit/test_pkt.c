/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_pkt: the packet parser (dataplane/pkt_fp.h) against frames built byte by byte:
 * offsets and fields of every supported header stack, each malformation mapped to its
 * own drop reason, and every truncation of every valid frame refused.
 */
#include <CUnit/Basic.h>

#include "frame.h"
#include "pkt_fp.h"
#include "cunit_main.h"

static int
parse(const struct frame *f, struct pkt_meta *m)
{
	return pkt_parse(f->b, f->len, m);
}

static void
test_arp(void)
{
	struct frame f;
	struct pkt_meta m;

	fr_init(&f);
	fr_eth(&f, frame_mac_bcast, 0, 0x0806);
	fr_arp(&f, 1, 6, "198.18.0.2", "198.18.0.1");
	CU_ASSERT_EQUAL(parse(&f, &m), SL_CNT_OK);
	CU_ASSERT_EQUAL(m.l3, PKT_L3_ARP);
	CU_ASSERT_EQUAL(m.l3_off, 14);
	f.len -= 1;
	CU_ASSERT_EQUAL(parse(&f, &m), SL_CNT_ARP_MALFORMED);
}

static void
test_ipv4_icmp(void)
{
	struct frame f;
	struct pkt_meta m;
	uint32_t src;

	fr_init(&f);
	fr_eth(&f, frame_mac_us, 0, 0x0800);
	fr_ipv4(&f, "198.18.0.2", "198.18.0.1", 1, 8 + 4, 0, 0);
	fr_icmp(&f, 8, 0, 1, 1);
	fr_zero(&f, 4);
	CU_ASSERT_EQUAL(parse(&f, &m), SL_CNT_OK);
	CU_ASSERT_EQUAL(m.l3, PKT_L3_IPV4);
	CU_ASSERT_EQUAL(m.l3_off, 14);
	CU_ASSERT_EQUAL(m.l4_off, 34);
	CU_ASSERT_EQUAL(m.l4_len, 12);
	CU_ASSERT_EQUAL(m.l4_proto, 1);
	CU_ASSERT_EQUAL(m.flags, 0);
	inet_pton(AF_INET, "198.18.0.2", &src);
	CU_ASSERT_EQUAL(m.addr.v4.src, src);
	CU_ASSERT_EQUAL(m.sport, 0);
}

static void
test_ipv4_options_tcp(void)
{
	struct frame f;
	struct pkt_meta m;

	fr_init(&f);
	fr_eth(&f, frame_mac_us, 0, 0x0800);
	fr_ipv4(&f, "198.18.0.2", "198.18.0.1", 6, 32, 12, 0);
	fr_tcp(&f, 40000, 80, 8);
	CU_ASSERT_EQUAL(parse(&f, &m), SL_CNT_OK);
	CU_ASSERT_EQUAL(m.l4_off, 14 + 32);
	CU_ASSERT_EQUAL(m.l4_len, 32);
	CU_ASSERT(m.flags & PKT_F_IP4_OPTS);
	CU_ASSERT_EQUAL(ntohs(m.sport), 40000);
	CU_ASSERT_EQUAL(ntohs(m.dport), 80);
}

static void
test_ipv4_udp_padding(void)
{
	struct frame f;
	struct pkt_meta m;

	/* A 42-byte frame padded to 60 by Ethernet: bytes past total_length are fine. */
	fr_init(&f);
	fr_eth(&f, frame_mac_us, 0, 0x0800);
	fr_ipv4(&f, "198.18.0.2", "198.18.0.1", 17, 8, 0, 0);
	fr_udp(&f, 1234, 53, 8);
	fr_zero(&f, 18);
	CU_ASSERT_EQUAL(parse(&f, &m), SL_CNT_OK);
	CU_ASSERT_EQUAL(m.l4_len, 8);
	CU_ASSERT_EQUAL(ntohs(m.dport), 53);
}

static void
test_vlan(void)
{
	struct frame f;
	struct pkt_meta m;
	int tags;

	for (tags = 1; tags <= 2; tags++) {
		fr_init(&f);
		fr_eth(&f, frame_mac_us, tags, 0x0800);
		fr_ipv4(&f, "198.18.0.2", "198.18.0.1", 17, 8, 0, 0);
		fr_udp(&f, 1, 2, 8);
		CU_ASSERT_EQUAL(parse(&f, &m), SL_CNT_OK);
		CU_ASSERT_EQUAL(m.nb_vlan, tags);
		CU_ASSERT_EQUAL(m.l3_off, 14 + 4 * tags);
		CU_ASSERT_EQUAL(m.vlan_tci[0], 100);
		CU_ASSERT_EQUAL(m.ethertype, 0x0800);
	}
	CU_ASSERT_EQUAL(m.vlan_tci[1], 101);
	fr_init(&f);
	fr_eth(&f, frame_mac_us, 3, 0x0800);
	fr_ipv4(&f, "198.18.0.2", "198.18.0.1", 17, 8, 0, 0);
	fr_udp(&f, 1, 2, 8);
	CU_ASSERT_EQUAL(parse(&f, &m), SL_CNT_VLAN_TOO_DEEP);
}

static void
test_ipv6_ext_headers(void)
{
	struct frame f;
	struct pkt_meta m;

	/* hop-by-hop (8) -> routing (16) -> destination options (8) -> TCP */
	fr_init(&f);
	fr_eth(&f, frame_mac_us, 0, 0x86dd);
	fr_ipv6(&f, "2001:db8::2", "2001:db8::1", 0, 8 + 16 + 8 + 20, 64);
	fr_ext6(&f, 43, 0);
	fr_ext6(&f, 60, 1);
	fr_ext6(&f, 6, 0);
	fr_tcp(&f, 1000, 443, 5);
	CU_ASSERT_EQUAL(parse(&f, &m), SL_CNT_OK);
	CU_ASSERT_EQUAL(m.l3, PKT_L3_IPV6);
	CU_ASSERT_EQUAL(m.l4_proto, 6);
	CU_ASSERT_EQUAL(m.l4_off, 14 + 40 + 32);
	CU_ASSERT_EQUAL(m.l4_len, 20);
	CU_ASSERT(m.flags & PKT_F_IP6_EXT);
	CU_ASSERT_EQUAL(ntohs(m.dport), 443);
	CU_ASSERT_EQUAL(m.addr.v6.dst[15], 1);
}

static void
test_ipv6_icmp(void)
{
	struct frame f;
	struct pkt_meta m;

	fr_init(&f);
	fr_eth(&f, frame_mac_us, 0, 0x86dd);
	fr_ipv6(&f, "2001:db8::2", "2001:db8::1", 58, 8, 64);
	fr_icmp(&f, 128, 0, 1, 1);
	CU_ASSERT_EQUAL(parse(&f, &m), SL_CNT_OK);
	CU_ASSERT_EQUAL(m.l4_proto, 58);
	CU_ASSERT_EQUAL(m.l4_off, 54);
	CU_ASSERT_EQUAL(m.flags, 0);
}

static void
test_fragments(void)
{
	struct frame f;
	struct pkt_meta m;

	/* First IPv4 fragment (MF, offset 0): L4 header parsed; the UDP length covers the
	 * whole datagram, more than this fragment carries. */
	fr_init(&f);
	fr_eth(&f, frame_mac_us, 0, 0x0800);
	fr_ipv4(&f, "198.18.0.2", "198.18.0.1", 17, 16, 0, 0x2000);
	fr_udp(&f, 5, 6, 3000);
	fr_zero(&f, 8);
	CU_ASSERT_EQUAL(parse(&f, &m), SL_CNT_OK);
	CU_ASSERT_EQUAL(m.flags & (PKT_F_FRAG | PKT_F_FRAG_LATER), PKT_F_FRAG);
	CU_ASSERT_EQUAL(ntohs(m.sport), 5);
	/* A later fragment: no L4 header, no ports. */
	fr_init(&f);
	fr_eth(&f, frame_mac_us, 0, 0x0800);
	fr_ipv4(&f, "198.18.0.2", "198.18.0.1", 6, 3, 0, 185);
	fr_zero(&f, 3);
	CU_ASSERT_EQUAL(parse(&f, &m), SL_CNT_OK);
	CU_ASSERT(m.flags & PKT_F_FRAG_LATER);
	CU_ASSERT_EQUAL(m.sport, 0);
	/* IPv6 fragment header, later fragment. */
	fr_init(&f);
	fr_eth(&f, frame_mac_us, 0, 0x86dd);
	fr_ipv6(&f, "2001:db8::2", "2001:db8::1", 44, 8 + 5, 64);
	fr_frag6(&f, 17, 100, 0);
	fr_zero(&f, 5);
	CU_ASSERT_EQUAL(parse(&f, &m), SL_CNT_OK);
	CU_ASSERT(m.flags & PKT_F_FRAG_LATER);
	CU_ASSERT_EQUAL(m.l4_proto, 17);
	CU_ASSERT_EQUAL(m.l4_len, 5);
	/* IPv6 first fragment carrying the UDP header. */
	fr_init(&f);
	fr_eth(&f, frame_mac_us, 0, 0x86dd);
	fr_ipv6(&f, "2001:db8::2", "2001:db8::1", 44, 8 + 8, 64);
	fr_frag6(&f, 17, 0, 1);
	fr_udp(&f, 7, 8, 2000);
	CU_ASSERT_EQUAL(parse(&f, &m), SL_CNT_OK);
	CU_ASSERT_EQUAL(m.flags & PKT_F_FRAG_LATER, 0);
	CU_ASSERT_EQUAL(ntohs(m.dport), 8);
}

/* One malformation per case, each with its own reason. */
static void
test_malformed(void)
{
	struct frame f;
	struct pkt_meta m;
	int i;

	/* IPv4 bad version */
	fr_init(&f);
	fr_eth(&f, frame_mac_us, 0, 0x0800);
	fr_ipv4(&f, "198.18.0.2", "198.18.0.1", 17, 8, 0, 0);
	fr_udp(&f, 1, 2, 8);
	f.b[14] = 0x65;
	CU_ASSERT_EQUAL(parse(&f, &m), SL_CNT_IP4_BAD_HEADER);
	f.b[14] = 0x44;         /* IHL 4 */
	CU_ASSERT_EQUAL(parse(&f, &m), SL_CNT_IP4_BAD_HEADER);
	f.b[14] = 0x4f;         /* IHL 15: 60 bytes, more than the frame */
	CU_ASSERT_EQUAL(parse(&f, &m), SL_CNT_IP4_TRUNCATED);
	f.b[14] = 0x45;
	CU_ASSERT_EQUAL(parse(&f, &m), SL_CNT_OK);
	f.b[14 + 10] ^= 0x01;   /* checksum */
	CU_ASSERT_EQUAL(parse(&f, &m), SL_CNT_IP4_BAD_CHECKSUM);

	/* total_length larger than the frame, and smaller than the header */
	fr_init(&f);
	fr_eth(&f, frame_mac_us, 0, 0x0800);
	fr_ipv4(&f, "198.18.0.2", "198.18.0.1", 17, 100, 0, 0);
	fr_udp(&f, 1, 2, 8);
	CU_ASSERT_EQUAL(parse(&f, &m), SL_CNT_IP4_BAD_LENGTH);
	fr_init(&f);
	fr_eth(&f, frame_mac_us, 0, 0x0800);
	fr_ipv4(&f, "198.18.0.2", "198.18.0.1", 17, 0, 8, 0);
	fr_set16(&f, 14 + 2, 24);       /* IHL says 28 */
	fr_set16(&f, 14 + 10, 0);
	fr_set16(&f, 14 + 10, (uint16_t)~fr_sum(f.b + 14, 28, 0));
	CU_ASSERT_EQUAL(parse(&f, &m), SL_CNT_IP4_BAD_LENGTH);

	/* IPv6 payload length zero (jumbogram) and too big */
	fr_init(&f);
	fr_eth(&f, frame_mac_us, 0, 0x86dd);
	fr_ipv6(&f, "2001:db8::2", "2001:db8::1", 17, 0, 64);
	fr_udp(&f, 1, 2, 8);
	CU_ASSERT_EQUAL(parse(&f, &m), SL_CNT_IP6_BAD_LENGTH);
	fr_set16(&f, 14 + 4, 9);
	CU_ASSERT_EQUAL(parse(&f, &m), SL_CNT_IP6_BAD_LENGTH);
	fr_set16(&f, 14 + 4, 8);
	CU_ASSERT_EQUAL(parse(&f, &m), SL_CNT_OK);
	f.b[14] = 0x40;
	CU_ASSERT_EQUAL(parse(&f, &m), SL_CNT_IP6_BAD_HEADER);

	/* nine chained destination-options headers */
	fr_init(&f);
	fr_eth(&f, frame_mac_us, 0, 0x86dd);
	fr_ipv6(&f, "2001:db8::2", "2001:db8::1", 60, 9 * 8 + 8, 64);
	for (i = 0; i < 9; i++)
		fr_ext6(&f, i < 8 ? 60 : 17, 0);
	fr_udp(&f, 1, 2, 8);
	CU_ASSERT_EQUAL(parse(&f, &m), SL_CNT_IP6_EXT_CHAIN);
	/* an extension header longer than the payload */
	fr_init(&f);
	fr_eth(&f, frame_mac_us, 0, 0x86dd);
	fr_ipv6(&f, "2001:db8::2", "2001:db8::1", 0, 8, 64);
	fr_ext6(&f, 17, 0);
	f.b[14 + 40 + 1] = 3;   /* claims 32 bytes */
	CU_ASSERT_EQUAL(parse(&f, &m), SL_CNT_IP6_TRUNCATED);

	/* TCP data offset below 5 and beyond the segment */
	fr_init(&f);
	fr_eth(&f, frame_mac_us, 0, 0x0800);
	fr_ipv4(&f, "198.18.0.2", "198.18.0.1", 6, 20, 0, 0);
	fr_tcp(&f, 1, 2, 5);
	f.b[f.l4 + 12] = 2 << 4;
	CU_ASSERT_EQUAL(parse(&f, &m), SL_CNT_TCP_BAD_HEADER);
	f.b[f.l4 + 12] = 6 << 4;
	CU_ASSERT_EQUAL(parse(&f, &m), SL_CNT_TCP_BAD_HEADER);
	/* TCP header cut by total_length */
	fr_init(&f);
	fr_eth(&f, frame_mac_us, 0, 0x0800);
	fr_ipv4(&f, "198.18.0.2", "198.18.0.1", 6, 10, 0, 0);
	fr_zero(&f, 10);
	CU_ASSERT_EQUAL(parse(&f, &m), SL_CNT_L4_TRUNCATED);

	/* UDP length below 8 and beyond the datagram */
	fr_init(&f);
	fr_eth(&f, frame_mac_us, 0, 0x0800);
	fr_ipv4(&f, "198.18.0.2", "198.18.0.1", 17, 8, 0, 0);
	fr_udp(&f, 1, 2, 3);
	CU_ASSERT_EQUAL(parse(&f, &m), SL_CNT_UDP_BAD_LENGTH);
	fr_set16(&f, f.l4 + 4, 9);
	CU_ASSERT_EQUAL(parse(&f, &m), SL_CNT_UDP_BAD_LENGTH);

	/* ICMP shorter than its 8-byte header */
	fr_init(&f);
	fr_eth(&f, frame_mac_us, 0, 0x0800);
	fr_ipv4(&f, "198.18.0.2", "198.18.0.1", 1, 4, 0, 0);
	fr_zero(&f, 4);
	CU_ASSERT_EQUAL(parse(&f, &m), SL_CNT_L4_TRUNCATED);

	/* non-IP EtherType, runt frames */
	fr_init(&f);
	fr_eth(&f, frame_mac_us, 0, 0x88b5);
	fr_zero(&f, 46);
	CU_ASSERT_EQUAL(parse(&f, &m), SL_CNT_ETHERTYPE);
	CU_ASSERT_EQUAL(pkt_parse(f.b, 13, &m), SL_CNT_L2_TRUNCATED);
	CU_ASSERT_EQUAL(pkt_parse(f.b, 0, &m), SL_CNT_L2_TRUNCATED);
	fr_init(&f);
	fr_eth(&f, frame_mac_us, 1, 0x0800);
	CU_ASSERT_EQUAL(pkt_parse(f.b, 16, &m), SL_CNT_L2_TRUNCATED);
}

/* Every prefix of every valid frame is refused, and never with an offset past its end. */
static void
test_truncation_sweep(void)
{
	struct frame fs[6];
	struct pkt_meta m;
	unsigned int i, len;

	for (i = 0; i < 6; i++)
		fr_init(&fs[i]);
	fr_eth(&fs[0], frame_mac_us, 0, 0x0800);
	fr_ipv4(&fs[0], "198.18.0.2", "198.18.0.1", 6, 24, 8, 0);
	fr_tcp(&fs[0], 1, 2, 6);
	fr_eth(&fs[1], frame_mac_us, 2, 0x0800);
	fr_ipv4(&fs[1], "198.18.0.2", "198.18.0.1", 17, 12, 0, 0);
	fr_udp(&fs[1], 1, 2, 12);
	fr_zero(&fs[1], 4);
	fr_eth(&fs[2], frame_mac_us, 0, 0x86dd);
	fr_ipv6(&fs[2], "2001:db8::2", "2001:db8::1", 0, 8 + 8 + 20, 64);
	fr_ext6(&fs[2], 44, 0);
	fr_frag6(&fs[2], 6, 0, 1);
	fr_tcp(&fs[2], 3, 4, 5);
	fr_eth(&fs[3], frame_mac_us, 1, 0x86dd);
	fr_ipv6(&fs[3], "2001:db8::2", "2001:db8::1", 58, 32, 255);
	fr_ns(&fs[3], "2001:db8::1", 1);
	fr_eth(&fs[4], frame_mac_bcast, 0, 0x0806);
	fr_arp(&fs[4], 1, 6, "198.18.0.2", "198.18.0.1");
	fr_eth(&fs[5], frame_mac_us, 0, 0x0800);
	fr_ipv4(&fs[5], "198.18.0.2", "198.18.0.1", 1, 8, 0, 0);
	fr_icmp(&fs[5], 8, 0, 1, 2);
	for (i = 0; i < 6; i++) {
		CU_ASSERT_EQUAL_FATAL(parse(&fs[i], &m), SL_CNT_OK);
		for (len = 0; len < fs[i].len; len++) {
			int rc = pkt_parse(fs[i].b, len, &m);

			CU_ASSERT_NOT_EQUAL(rc, SL_CNT_OK);
			CU_ASSERT(rc > SL_CNT_OK && rc < SL_CNT__MAX);
		}
	}
}

static const struct unit_test tests[] = {
	UNIT_TEST(test_arp),
	UNIT_TEST(test_ipv4_icmp),
	UNIT_TEST(test_ipv4_options_tcp),
	UNIT_TEST(test_ipv4_udp_padding),
	UNIT_TEST(test_vlan),
	UNIT_TEST(test_ipv6_ext_headers),
	UNIT_TEST(test_ipv6_icmp),
	UNIT_TEST(test_fragments),
	UNIT_TEST(test_malformed),
	UNIT_TEST(test_truncation_sweep),
	{ NULL, NULL },
};

int
main(void)
{
	return unit_run("pkt", tests, NULL, NULL);
}
