/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_owner: the flow owner function (dataplane/owner_fp.h). It must give both
 * directions of a flow the same owner, equal what a NIC computes (checked against a
 * straightforward bit-by-bit Toeplitz written here from the Microsoft RSS definition),
 * stay in range and spread flows evenly.
 */
#include <CUnit/Basic.h>
#include <stdlib.h>

#include "owner_fp.h"
#include "cunit_main.h"

/* Toeplitz over bytes in network order, key 0x6d5a repeated: for every set bit of the
 * input, XOR in the 32 key bits starting at that bit position. */
static uint32_t
ref_toeplitz(const uint8_t *in, unsigned int n)
{
	uint8_t key[OWNER_RSS_KEY_LEN];
	uint32_t h = 0;
	unsigned int i, b, k;

	for (i = 0; i < OWNER_RSS_KEY_LEN; i++)
		key[i] = i % 2 ? 0x5a : 0x6d;
	for (i = 0; i < n; i++)
		for (b = 0; b < 8; b++) {
			uint32_t w = 0;
			unsigned int pos = i * 8 + b;

			if (!(in[i] & (0x80 >> b)))
				continue;
			for (k = 0; k < 32; k++) {
				unsigned int bit = pos + k;

				w = w << 1 | ((key[bit / 8] >> (7 - bit % 8)) & 1);
			}
			h ^= w;
		}
	return h;
}

static void
meta_v4(struct pkt_meta *m, uint32_t s, uint32_t d, uint16_t sp, uint16_t dp)
{
	memset(m, 0, sizeof(*m));
	m->l3 = PKT_L3_IPV4;
	m->addr.v4.src = htonl(s);
	m->addr.v4.dst = htonl(d);
	m->sport = htons(sp);
	m->dport = htons(dp);
}

static void
meta_v6_rand(struct pkt_meta *m)
{
	unsigned int i;

	memset(m, 0, sizeof(*m));
	m->l3 = PKT_L3_IPV6;
	for (i = 0; i < 16; i++) {
		m->addr.v6.src[i] = (uint8_t)rand();
		m->addr.v6.dst[i] = (uint8_t)rand();
	}
	m->sport = (uint16_t)rand();
	m->dport = (uint16_t)rand();
}

static void
swap(struct pkt_meta *m)
{
	struct pkt_meta r = *m;

	if (m->l3 == PKT_L3_IPV4) {
		r.addr.v4.src = m->addr.v4.dst;
		r.addr.v4.dst = m->addr.v4.src;
	} else {
		memcpy(r.addr.v6.src, m->addr.v6.dst, 16);
		memcpy(r.addr.v6.dst, m->addr.v6.src, 16);
	}
	r.sport = m->dport;
	r.dport = m->sport;
	*m = r;
}

static void
test_matches_reference(void)
{
	struct pkt_meta m;
	uint8_t in[36];
	int i;

	srand(1);
	for (i = 0; i < 2000; i++) {
		uint32_t s = (uint32_t)rand(), d = (uint32_t)rand();
		uint16_t sp = (uint16_t)rand(), dp = (uint16_t)rand();

		meta_v4(&m, s, d, sp, dp);
		memcpy(in, &m.addr.v4.src, 4);
		memcpy(in + 4, &m.addr.v4.dst, 4);
		memcpy(in + 8, &m.sport, 2);
		memcpy(in + 10, &m.dport, 2);
		CU_ASSERT_EQUAL(owner_hash(&m), ref_toeplitz(in, 12));
		meta_v6_rand(&m);
		memcpy(in, m.addr.v6.src, 16);
		memcpy(in + 16, m.addr.v6.dst, 16);
		memcpy(in + 32, &m.sport, 2);
		memcpy(in + 34, &m.dport, 2);
		CU_ASSERT_EQUAL(owner_hash(&m), ref_toeplitz(in, 36));
	}
	/* Not IP: no owner hash. */
	memset(&m, 0, sizeof(m));
	m.l3 = PKT_L3_ARP;
	CU_ASSERT_EQUAL(owner_hash(&m), 0);
}

static void
test_symmetric(void)
{
	struct pkt_meta m;
	uint32_t h;
	int i;

	srand(2);
	for (i = 0; i < 10000; i++) {
		meta_v4(&m, (uint32_t)rand(), (uint32_t)rand(), (uint16_t)rand(),
			(uint16_t)rand());
		if (i % 3 == 0)
			m.sport = m.dport = 0;  /* ICMP-like, address pair only */
		h = owner_hash(&m);
		swap(&m);
		CU_ASSERT_EQUAL(owner_hash(&m), h);
		meta_v6_rand(&m);
		h = owner_hash(&m);
		swap(&m);
		CU_ASSERT_EQUAL(owner_hash(&m), h);
	}
}

static void
test_range_and_spread(void)
{
	struct pkt_meta m;
	unsigned int n, i, count[8];

	srand(3);
	for (n = 1; n <= 8; n++) {
		memset(count, 0, sizeof(count));
		for (i = 0; i < 10000; i++) {
			unsigned int o;

			meta_v4(&m, 0xc6120000u | (uint32_t)(rand() & 0xffff), 0xc6120001u,
				(uint16_t)rand(), 80);
			o = owner_of(&m, n);
			CU_ASSERT_FATAL(o < n);
			count[o]++;
		}
		/* Each worker gets its share within +-20% (10000 flows: ~1% expected noise). */
		for (i = 0; i < n; i++) {
			CU_ASSERT(count[i] * n > 8000);
			CU_ASSERT(count[i] * n < 12000);
		}
	}
}

static const struct unit_test tests[] = {
	UNIT_TEST(test_matches_reference),
	UNIT_TEST(test_symmetric),
	UNIT_TEST(test_range_and_spread),
	{ NULL, NULL },
};

int
main(void)
{
	return unit_run("owner", tests, NULL, NULL);
}
