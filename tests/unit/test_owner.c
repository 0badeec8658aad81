/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_owner: the flow owner function (dataplane/owner_fp.h, owner.c).
 *
 * Per-worker tables are lock-free only if both directions of a flow land on the same
 * worker, and hand-offs are rare only if software agrees with the NIC's RSS. So the
 * suite checks symmetry over many random tuples, the range of owner_of, a coarse
 * distribution, and the hash itself against a Toeplitz written here bit by bit from
 * Microsoft's RSS definition (itself checked against Microsoft's published vectors),
 * not against rte_softrss.
 *
 * Context: test process; pure, no EAL.
 */
#include <CUnit/Basic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>

#include "owner_fp.h"
#include "pkt_fp.h"
#include "cunit_main.h"

#define TO_ROUNDS        5000
#define TO_SPREAD_FLOWS  10000

/* Microsoft's RSS verification key and vectors ("Verifying the RSS Hash Calculation"). */
static const uint8_t to_ms_key[40] = {
	0x6d, 0x5a, 0x56, 0xda, 0x25, 0x5b, 0x0e, 0xc2, 0x41, 0x67,
	0x25, 0x3d, 0x43, 0xa3, 0x8f, 0xb0, 0xd0, 0xca, 0x2b, 0xcb,
	0xae, 0x7b, 0x30, 0xb4, 0x77, 0xcb, 0x2d, 0xa3, 0x80, 0x30,
	0xf2, 0x0c, 0x6a, 0x42, 0xb7, 0x3b, 0xbe, 0xac, 0x01, 0xfa,
};

static uint64_t to_rng_state = 0x9e3779b97f4a7c15ull;

/* xorshift64*: deterministic, so a failure reproduces. */
static uint32_t
to_rand(void)
{
	to_rng_state ^= to_rng_state >> 12;
	to_rng_state ^= to_rng_state << 25;
	to_rng_state ^= to_rng_state >> 27;
	return (uint32_t)((to_rng_state * 0x2545f4914f6cdd1dull) >> 32);
}

/* The 32 key bits starting at bit position pos (bit 0 is the MSB of key[0]). */
static uint32_t
to_key_window(const uint8_t *key, uint32_t pos)
{
	uint32_t w = 0, b;

	for (b = 0; b < 32; b++) {
		uint32_t bit = pos + b;

		w = w << 1 | ((key[bit / 8] >> (7 - bit % 8)) & 1);
	}
	return w;
}

/* Toeplitz, as Microsoft defines it: for each set bit of the input, most significant
 * bit of the first byte first, XOR in the key window that starts at that bit. */
static uint32_t
to_toeplitz(const uint8_t *key, const uint8_t *in, uint32_t n)
{
	uint32_t h = 0, i;

	for (i = 0; i < n * 8; i++)
		if (in[i / 8] & (0x80 >> (i % 8)))
			h ^= to_key_window(key, i);
	return h;
}

/* The RSS input of a meta: source address, destination address, source port,
 * destination port, all in network byte order. Returns its length. */
static uint32_t
to_rss_input(const struct pkt_meta *m, uint8_t *in)
{
	uint32_t n;

	if (m->l3 == PKT_L3_IPV4) {
		memcpy(in, &m->addr.v4.src, 4);
		memcpy(in + 4, &m->addr.v4.dst, 4);
		n = 8;
	} else {
		memcpy(in, m->addr.v6.src, 16);
		memcpy(in + 16, m->addr.v6.dst, 16);
		n = 32;
	}
	memcpy(in + n, &m->sport, 2);
	memcpy(in + n + 2, &m->dport, 2);
	return n + 4;
}

static uint32_t
to_reference(const struct pkt_meta *m)
{
	uint8_t in[36];
	uint32_t n = to_rss_input(m, in);

	return to_toeplitz(owner_rss_key, in, n);
}

static void
to_meta_v4(struct pkt_meta *m, uint8_t proto, uint32_t src, uint32_t dst, uint16_t sport,
	   uint16_t dport)
{
	memset(m, 0, sizeof(*m));
	m->l3 = PKT_L3_IPV4;
	m->ethertype = 0x0800;
	m->l4_proto = proto;
	m->addr.v4.src = rte_cpu_to_be_32(src);
	m->addr.v4.dst = rte_cpu_to_be_32(dst);
	m->sport = rte_cpu_to_be_16(sport);
	m->dport = rte_cpu_to_be_16(dport);
}

static void
to_meta_v6(struct pkt_meta *m, uint8_t proto, const uint8_t *src, const uint8_t *dst,
	   uint16_t sport, uint16_t dport)
{
	memset(m, 0, sizeof(*m));
	m->l3 = PKT_L3_IPV6;
	m->ethertype = 0x86dd;
	m->l4_proto = proto;
	memcpy(m->addr.v6.src, src, 16);
	memcpy(m->addr.v6.dst, dst, 16);
	m->sport = rte_cpu_to_be_16(sport);
	m->dport = rte_cpu_to_be_16(dport);
}

/* A random flow: v4 or v6, TCP, UDP or ICMP (no ports, as the parser leaves them). */
static void
to_meta_random(struct pkt_meta *m, int v6, uint8_t proto)
{
	uint16_t sport = (uint16_t)to_rand(), dport = (uint16_t)to_rand();
	uint8_t a[16], b[16];
	unsigned int i;

	if (proto == IPPROTO_ICMP || proto == IPPROTO_ICMPV6)
		sport = dport = 0;
	if (!v6) {
		to_meta_v4(m, proto, to_rand(), to_rand(), sport, dport);
		return;
	}
	for (i = 0; i < 16; i++) {
		a[i] = (uint8_t)to_rand();
		b[i] = (uint8_t)to_rand();
	}
	to_meta_v6(m, proto, a, b, sport, dport);
}

/* The same flow seen from the other end. */
static void
to_meta_reverse(const struct pkt_meta *m, struct pkt_meta *r)
{
	*r = *m;
	r->sport = m->dport;
	r->dport = m->sport;
	if (m->l3 == PKT_L3_IPV4) {
		r->addr.v4.src = m->addr.v4.dst;
		r->addr.v4.dst = m->addr.v4.src;
	} else {
		memcpy(r->addr.v6.src, m->addr.v6.dst, 16);
		memcpy(r->addr.v6.dst, m->addr.v6.src, 16);
	}
}

/* The reference Toeplitz must reproduce Microsoft's published results first. */
static void
test_reference_vectors(void)
{
	static const uint8_t v4[12] = {
		66, 9, 149, 187, 161, 142, 100, 80, 0x0a, 0xea, 0x06, 0xe6 };  /* 2794, 1766 */
	static const uint8_t v4b[12] = {
		199, 92, 111, 2, 65, 69, 140, 83, 0x37, 0x96, 0x12, 0x83 };    /* 14230, 4739 */
	static const uint8_t v6[36] = {
		0x3f, 0xfe, 0x25, 0x01, 0x02, 0x00, 0x1f, 0xff, 0, 0, 0, 0, 0, 0, 0, 0x07,
		0x3f, 0xfe, 0x25, 0x01, 0x02, 0x00, 0x00, 0x03, 0, 0, 0, 0, 0, 0, 0, 0x01,
		0x0a, 0xea, 0x06, 0xe6 };

	CU_ASSERT_EQUAL(to_toeplitz(to_ms_key, v4, 8), 0x323e8fc2);
	CU_ASSERT_EQUAL(to_toeplitz(to_ms_key, v4, 12), 0x51ccc178);
	CU_ASSERT_EQUAL(to_toeplitz(to_ms_key, v4b, 8), 0xd718262a);
	CU_ASSERT_EQUAL(to_toeplitz(to_ms_key, v4b, 12), 0xc626b0ea);
	CU_ASSERT_EQUAL(to_toeplitz(to_ms_key, v6, 32), 0x2cc18cd5);
	CU_ASSERT_EQUAL(to_toeplitz(to_ms_key, v6, 36), 0x40207d3d);
}

/* The key is 0x6d5a repeated, 40 bytes: what the NIC is programmed with. */
static void
test_key(void)
{
	unsigned int i;

	for (i = 0; i < OWNER_RSS_KEY_LEN; i++)
		CU_ASSERT_EQUAL(owner_rss_key[i], i % 2 ? 0x5a : 0x6d);
}

/* One fixed tuple per family: a constant (computed offline), the reference, and
 * owner_hash must agree. */
static void
test_known_values(void)
{
	static const uint8_t a[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 2 };
	static const uint8_t b[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
	struct pkt_meta m;

	/* 198.18.0.2:40000 -> 198.18.0.1:80 */
	to_meta_v4(&m, IPPROTO_TCP, 0xc6120002, 0xc6120001, 40000, 80);
	CU_ASSERT_EQUAL(to_reference(&m), 0x07f307f3);
	CU_ASSERT_EQUAL(owner_hash(&m), 0x07f307f3);
	CU_ASSERT_EQUAL(owner_of(&m, 4), (0x07f307f3 % OWNER_RETA_SIZE) % 4);
	/* [2001:db8::2]:5353 -> [2001:db8::1]:53 */
	to_meta_v6(&m, IPPROTO_UDP, a, b, 5353, 53);
	CU_ASSERT_EQUAL(to_reference(&m), 0xbac6bac6);
	CU_ASSERT_EQUAL(owner_hash(&m), 0xbac6bac6);
}

/* owner_hash is the Toeplitz of the tuple for any tuple, not just the fixed ones. */
static void
test_matches_reference(void)
{
	static const uint8_t protos[3] = { IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ICMP };
	struct pkt_meta m;
	unsigned int i, bad = 0;

	for (i = 0; i < TO_ROUNDS; i++) {
		to_meta_random(&m, i & 1, protos[i % 3]);
		if (owner_hash(&m) != to_reference(&m) && bad++ < 3)
			printf("\n  round %u: owner_hash %08x, reference %08x\n", i,
			       owner_hash(&m), to_reference(&m));
	}
	CU_ASSERT_EQUAL(bad, 0);
}

static void
to_symmetry(int v6, uint8_t proto)
{
	struct pkt_meta m, r;
	unsigned int i, n, bad = 0;

	for (i = 0; i < TO_ROUNDS; i++) {
		to_meta_random(&m, v6, proto);
		to_meta_reverse(&m, &r);
		if (owner_hash(&m) != owner_hash(&r))
			bad++;
		for (n = 1; n <= 8; n++)
			if (owner_of(&m, n) != owner_of(&r, n))
				bad++;
	}
	CU_ASSERT_EQUAL(bad, 0);
}

static void
test_symmetric_v4(void)
{
	to_symmetry(0, IPPROTO_TCP);
	to_symmetry(0, IPPROTO_UDP);
	to_symmetry(0, IPPROTO_ICMP);
}

static void
test_symmetric_v6(void)
{
	to_symmetry(1, IPPROTO_TCP);
	to_symmetry(1, IPPROTO_UDP);
	to_symmetry(1, IPPROTO_ICMPV6);
}

/* A flow and its reverse through the parser, from frames as they are on the wire. */
static void
test_symmetric_parsed(void)
{
	uint8_t f[54] = {
		0x02, 0, 0, 0, 0, 1, 0x02, 0, 0, 0, 0, 2, 0x08, 0x00,
		0x45, 0, 0, 40, 0, 1, 0, 0, 64, 6, 0, 0, 10, 1, 2, 3, 192, 0, 2, 77,
		0x9c, 0x40, 0x00, 0x50, 0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x02, 0xff, 0xff, 0, 0, 0, 0,
	};
	uint8_t r[54];
	struct pkt_meta mf, mr;
	uint32_t s = 0, i;

	for (i = 14; i < 34; i += 2)
		s += (uint32_t)f[i] << 8 | f[i + 1];
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	f[24] = (uint8_t)(~s >> 8);
	f[25] = (uint8_t)~s;
	memcpy(r, f, sizeof(f));
	memcpy(r + 26, f + 30, 4);      /* addresses swapped: header sum unchanged */
	memcpy(r + 30, f + 26, 4);
	memcpy(r + 34, f + 36, 2);
	memcpy(r + 36, f + 34, 2);
	CU_ASSERT_EQUAL_FATAL(pkt_parse(f, sizeof(f), &mf), SL_CNT_OK);
	CU_ASSERT_EQUAL_FATAL(pkt_parse(r, sizeof(r), &mr), SL_CNT_OK);
	CU_ASSERT_EQUAL(mf.sport, mr.dport);
	CU_ASSERT_EQUAL(owner_hash(&mf), owner_hash(&mr));
	CU_ASSERT_EQUAL(owner_hash(&mf), to_reference(&mf));
}

static void
test_owner_range(void)
{
	struct pkt_meta m;
	unsigned int i, n, bad = 0;

	for (i = 0; i < TO_ROUNDS; i++) {
		to_meta_random(&m, i & 1, i % 3 ? IPPROTO_TCP : IPPROTO_ICMP);
		for (n = 1; n <= 8; n++)
			if (owner_of(&m, n) >= n)
				bad++;
		if (owner_of(&m, 1) != 0 || owner_of(&m, 0) != 0)
			bad++;
	}
	CU_ASSERT_EQUAL(bad, 0);
}

/* Frames that are not IP have no owner hash (ARP, ND answer where they arrive). */
static void
test_non_ip(void)
{
	struct pkt_meta m;

	memset(&m, 0, sizeof(m));
	m.l3 = PKT_L3_ARP;
	CU_ASSERT_EQUAL(owner_hash(&m), 0);
	CU_ASSERT_EQUAL(owner_of(&m, 8), 0);
	m.l3 = PKT_L3_NONE;
	CU_ASSERT_EQUAL(owner_hash(&m), 0);
}

static void
to_spread(int v6, unsigned int nb_workers, unsigned int min_pct, unsigned int max_pct)
{
	unsigned int count[8] = { 0 }, i;
	struct pkt_meta m;

	for (i = 0; i < TO_SPREAD_FLOWS; i++) {
		to_meta_random(&m, v6, i & 1 ? IPPROTO_TCP : IPPROTO_UDP);
		count[owner_of(&m, nb_workers) & 7]++;
	}
	for (i = 0; i < nb_workers; i++) {
		CU_ASSERT(count[i] * 100 >= min_pct * TO_SPREAD_FLOWS);
		CU_ASSERT(count[i] * 100 <= max_pct * TO_SPREAD_FLOWS);
		if (count[i] * 100 < min_pct * TO_SPREAD_FLOWS ||
		    count[i] * 100 > max_pct * TO_SPREAD_FLOWS)
			printf("\n  %s, %u workers: worker %u got %u of %u flows\n",
			       v6 ? "v6" : "v4", nb_workers, i, count[i], TO_SPREAD_FLOWS);
	}
}

static void
test_distribution(void)
{
	to_spread(0, 2, 40, 60);
	to_spread(1, 2, 40, 60);
	to_spread(0, 4, 15, 35);
	to_spread(1, 3, 23, 43);
}

static const struct unit_test tests[] = {
	UNIT_TEST(test_reference_vectors),
	UNIT_TEST(test_key),
	UNIT_TEST(test_known_values),
	UNIT_TEST(test_matches_reference),
	UNIT_TEST(test_symmetric_v4),
	UNIT_TEST(test_symmetric_v6),
	UNIT_TEST(test_symmetric_parsed),
	UNIT_TEST(test_owner_range),
	UNIT_TEST(test_non_ip),
	UNIT_TEST(test_distribution),
	{ NULL, NULL },
};

int
main(void)
{
	return unit_run("owner", tests, NULL, NULL);
}
