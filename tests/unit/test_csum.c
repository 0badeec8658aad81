/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_csum: incremental checksum updates (dataplane/csum_fp.h) equal a full
 * recomputation, over random IPv4/TCP, IPv4/UDP and IPv6/TCP packets whose addresses and
 * ports are rewritten as fnat does. The full sums are DPDK's (rte_ipv4_cksum,
 * rte_ipv4_udptcp_cksum, rte_ipv6_udptcp_cksum); a few fixed vectors pin the arithmetic
 * itself (RFC 1624's example).
 *
 * Context: test process; no EAL.
 */
#include <CUnit/Basic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_ip.h>
#include <rte_tcp.h>
#include <rte_udp.h>

#include "csum_fp.h"
#include "cunit_main.h"

#define TC_ROUNDS 20000

static uint64_t tc_rng = 0x9e3779b97f4a7c15ULL;

static uint32_t
tc_rand(void)
{
	tc_rng ^= tc_rng << 13;
	tc_rng ^= tc_rng >> 7;
	tc_rng ^= tc_rng << 17;
	return (uint32_t)tc_rng;
}

static void
tc_fill(void *p, size_t n)
{
	uint8_t *b = p;
	size_t i;

	for (i = 0; i < n; i++)
		b[i] = (uint8_t)tc_rand();
}

/* RFC 1624 section 4: HC = 0xdd2f, m = 0x5555 -> m' = 0x3285 gives HC' = 0x0000. */
static void
test_rfc1624_vector(void)
{
	CU_ASSERT_EQUAL(csum_update16(rte_cpu_to_be_16(0xdd2f), rte_cpu_to_be_16(0x5555),
				      rte_cpu_to_be_16(0x3285)), rte_cpu_to_be_16(0x0000));
	CU_ASSERT_EQUAL(csum_fold32(0x1fffe), 0xffff);
	CU_ASSERT_EQUAL(csum_udp_fixup(0, 0x1234), 0);
	CU_ASSERT_EQUAL(csum_udp_fixup(0x4321, 0), 0xffff);
}

struct tc_v4 {
	struct rte_ipv4_hdr ip;
	union {
		struct rte_tcp_hdr tcp;
		struct rte_udp_hdr udp;
	} l4;
	uint8_t payload[64];
} __rte_packed;

static void
test_ipv4_rewrite(void)
{
	unsigned int r, bad = 0;

	for (r = 0; r < TC_ROUNDS; r++) {
		struct tc_v4 pk;
		int udp = r & 1;
		uint16_t plen = (uint16_t)(tc_rand() % 64), l4len = (udp ? 8 : 20) + plen;
		uint32_t nsrc = tc_rand(), ndst = tc_rand(), osrc, odst;
		uint16_t nsport = (uint16_t)tc_rand(), ndport = (uint16_t)tc_rand(), osport, odport;
		uint16_t ipck, l4ck, *l4field, old_l4field;
		unsigned int wrong;

		tc_fill(&pk, sizeof(pk));
		pk.ip.version_ihl = 0x45;
		pk.ip.next_proto_id = udp ? IPPROTO_UDP : IPPROTO_TCP;
		pk.ip.total_length = rte_cpu_to_be_16((uint16_t)(20 + l4len));
		if (udp) {
			pk.l4.udp.dgram_len = rte_cpu_to_be_16(l4len);
			l4field = &pk.l4.udp.dgram_cksum;
		} else {
			pk.l4.tcp.data_off = 0x50;
			l4field = &pk.l4.tcp.cksum;
		}
		pk.ip.hdr_checksum = 0;
		pk.ip.hdr_checksum = rte_ipv4_cksum(&pk.ip);
		*l4field = 0;
		*l4field = rte_ipv4_udptcp_cksum(&pk.ip, &pk.l4);
		old_l4field = *l4field;

		/* rewrite as fnat does: both addresses and both ports, incrementally */
		osrc = pk.ip.src_addr;
		odst = pk.ip.dst_addr;
		memcpy(&osport, &pk.l4, 2);
		memcpy(&odport, (uint8_t *)&pk.l4 + 2, 2);
		pk.ip.src_addr = nsrc;
		pk.ip.dst_addr = ndst;
		memcpy(&pk.l4, &nsport, 2);
		memcpy((uint8_t *)&pk.l4 + 2, &ndport, 2);
		pk.ip.hdr_checksum = csum_update32(pk.ip.hdr_checksum, osrc, nsrc);
		pk.ip.hdr_checksum = csum_update32(pk.ip.hdr_checksum, odst, ndst);
		l4ck = csum_update32(*l4field, osrc, nsrc);
		l4ck = csum_update32(l4ck, odst, ndst);
		l4ck = csum_update16(l4ck, osport, nsport);
		l4ck = csum_update16(l4ck, odport, ndport);
		*l4field = udp ? csum_udp_fixup(old_l4field, l4ck) : l4ck;

		ipck = pk.ip.hdr_checksum;
		pk.ip.hdr_checksum = 0;
		wrong = ipck != rte_ipv4_cksum(&pk.ip);
		pk.ip.hdr_checksum = ipck;
		l4ck = *l4field;
		*l4field = 0;
		/* DPDK sends a computed 0 as 0xffff for both TCP and UDP; 0 and 0xffff are the
		 * same one's-complement number, so a TCP sum may legitimately be either. */
		{
			uint16_t full = rte_ipv4_udptcp_cksum(&pk.ip, &pk.l4);

			wrong |= !(l4ck == full || (!udp && (l4ck ^ full) == 0xffff &&
						    (l4ck == 0 || full == 0)));
		}
		bad += wrong;
	}
	CU_ASSERT_EQUAL(bad, 0);
	if (bad)
		printf("\n  %u of %u rewritten packets disagree with a full sum", bad, TC_ROUNDS);
}

struct tc_v6 {
	struct rte_ipv6_hdr ip;
	struct rte_tcp_hdr tcp;
	uint8_t payload[64];
} __rte_packed;

static void
test_ipv6_rewrite(void)
{
	unsigned int r, bad = 0;

	for (r = 0; r < TC_ROUNDS; r++) {
		struct tc_v6 pk;
		uint16_t plen = (uint16_t)(tc_rand() % 64), ck, full;
		uint8_t nsrc[16], ndst[16], osrc[16], odst[16];
		uint16_t nport = (uint16_t)tc_rand(), oport;

		tc_fill(&pk, sizeof(pk));
		tc_fill(nsrc, 16);
		tc_fill(ndst, 16);
		pk.ip.vtc_flow = rte_cpu_to_be_32(6u << 28);
		pk.ip.proto = IPPROTO_TCP;
		pk.ip.payload_len = rte_cpu_to_be_16((uint16_t)(20 + plen));
		pk.tcp.data_off = 0x50;
		pk.tcp.cksum = 0;
		pk.tcp.cksum = rte_ipv6_udptcp_cksum(&pk.ip, &pk.tcp);
		memcpy(osrc, pk.ip.src_addr, 16);
		memcpy(odst, pk.ip.dst_addr, 16);
		oport = pk.tcp.src_port;
		memcpy(pk.ip.src_addr, nsrc, 16);
		memcpy(pk.ip.dst_addr, ndst, 16);
		pk.tcp.src_port = nport;
		ck = csum_update128(pk.tcp.cksum, osrc, nsrc);
		ck = csum_update128(ck, odst, ndst);
		ck = csum_update16(ck, oport, nport);
		pk.tcp.cksum = 0;
		full = rte_ipv6_udptcp_cksum(&pk.ip, &pk.tcp);
		bad += !(ck == full || ((ck ^ full) == 0xffff && (ck == 0 || full == 0)));
	}
	CU_ASSERT_EQUAL(bad, 0);
}

static const struct unit_test tests[] = {
	UNIT_TEST(test_rfc1624_vector),
	UNIT_TEST(test_ipv4_rewrite),
	UNIT_TEST(test_ipv6_rewrite),
	{ NULL, NULL },
};

int
main(void)
{
	return unit_run("csum", tests, NULL, NULL);
}
