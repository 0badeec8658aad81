/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_police_table: a worker's keyed rate-limit state (dataplane/police_table.c): a new
 * key gets zeroed state and keeps it; source prefixes make one key of a subnet; a full
 * table recycles its least recently used keys, counts them and never refuses a packet,
 * and a key in use survives the churn; with the algorithms, sources are limited apart;
 * a burst's bulk lookup gives what one-by-one lookups give.
 *
 * Context: test process with EAL (--no-huge, no PCI): run as root.
 */
#include <CUnit/Basic.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include <rte_common.h>
#include <rte_eal.h>
#include <rte_memory.h>

#include "police.h"
#include "police_table.h"
#include "cunit_main.h"

static int
suite_init(void)
{
	char *argv[] = { "test_police_table", "--no-pci", "--no-huge", "--no-shconf", "-m", "256",
			 "--log-level=*:error", NULL };

	return rte_eal_init((int)RTE_DIM(argv) - 1, argv) < 0 ? -1 : 0;
}

static int
suite_cleanup(void)
{
	rte_eal_cleanup();
	return 0;
}

static struct police_key
tpt_src(uint32_t host_order, uint8_t plen)
{
	struct police_key k;

	police_key_prefix(&k, 4, htonl(host_order), NULL, plen);
	return k;
}

static void
test_new_key_zeroed_and_kept(void)
{
	char err[256];
	struct police_table *t = police_table_create("tpt_keep", 64, 32, SOCKET_ID_ANY, err,
						     sizeof(err));
	struct police_key a = tpt_src(0xc6120002u, 32), b = tpt_src(0xc6120003u, 32);
	uint8_t *sa, *sb;

	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	sa = police_table_get(t, &a);
	CU_ASSERT_PTR_NOT_NULL_FATAL(sa);
	CU_ASSERT_EQUAL(sa[0] | sa[31], 0);
	sa[0] = 0x5a;
	sb = police_table_get(t, &b);
	CU_ASSERT_PTR_NOT_NULL_FATAL(sb);
	CU_ASSERT_PTR_NOT_EQUAL(sa, sb);
	CU_ASSERT_PTR_EQUAL(police_table_get(t, &a), sa);
	CU_ASSERT_EQUAL(sa[0], 0x5a);
	CU_ASSERT_EQUAL(t->used, 2);
	police_table_free(t);
	CU_ASSERT_PTR_NULL(police_table_create("tpt_bad", 4, 32, SOCKET_ID_ANY, err, sizeof(err)));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "at least 8"));
}

static void
test_prefix_keys(void)
{
	static const uint8_t a6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 1, [15] = 0x11 };
	static const uint8_t b6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 1, [8] = 0xff, [15] = 0x22 };
	struct police_key a = tpt_src(0xc6120001u, 24), b = tpt_src(0xc61200c8u, 24),
			  c = tpt_src(0xc6120101u, 24), x, y;

	CU_ASSERT_EQUAL(memcmp(&a, &b, sizeof(a)), 0);          /* 198.18.0.1, .200 in /24 */
	CU_ASSERT_NOT_EQUAL(memcmp(&a, &c, sizeof(a)), 0);      /* 198.18.1.1: another */
	a = tpt_src(0xc6120001u, 32);
	CU_ASSERT_NOT_EQUAL(memcmp(&a, &b, sizeof(a)), 0);
	b = tpt_src(0xc61200ffu, 25);                           /* .255/25 is .128 */
	CU_ASSERT_EQUAL(b.addr[3], 0x80);
	police_key_prefix(&x, 6, 0, a6, 64);
	police_key_prefix(&y, 6, 0, b6, 64);
	CU_ASSERT_EQUAL(memcmp(&x, &y, sizeof(x)), 0);          /* one /64 */
	police_key_prefix(&y, 6, 0, b6, 72);
	CU_ASSERT_NOT_EQUAL(memcmp(&x, &y, sizeof(x)), 0);
	CU_ASSERT_EQUAL(y.plen, 72);
}

/* 1024 keys, 20000 sources: the table stays at most full, recycles and counts, never
 * refuses; a source seen between every two others (in use) keeps its state. */
static void
test_full_table_recycles_lru(void)
{
	char err[256];
	struct police_table *t = police_table_create("tpt_full", 1024, 32, SOCKET_ID_ANY, err,
						     sizeof(err));
	struct police_key hot = tpt_src(0xc6130001u, 32);
	uint8_t *h;
	uint32_t i, nulls = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	h = police_table_get(t, &hot);
	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	h[7] = 0x77;
	for (i = 0; i < 20000; i++) {
		struct police_key k = tpt_src(0xc6120000u + i, 32);

		nulls += police_table_get(t, &k) == NULL;
		h = police_table_get(t, &hot);
		CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	}
	CU_ASSERT_EQUAL(h[7], 0x77);
	CU_ASSERT_EQUAL(nulls, 0);
	CU_ASSERT(t->used <= 1024);
	CU_ASSERT(t->recycled >= 20000 + 1 - 1024);
	CU_ASSERT_EQUAL(t->inserted, t->used + t->recycled);
	printf("\n  20001 keys through 1024: %u in use, %llu recycled, %llu not placed",
	       t->used, (unsigned long long)t->recycled, (unsigned long long)t->insert_failed);
	police_table_free(t);
}

/* Ten sources at 100 packets per second each, a 10-packet burst, all sending 1000/s for a
 * second: each is held to about 110 alone, whatever the others do. */
static void
test_sources_limited_apart(void)
{
	char err[256];
	struct police_params p;
	struct police_table *t = police_table_create("tpt_apart", 64, POLICE_STATE_SIZE,
						     SOCKET_ID_ANY, err, sizeof(err));
	uint64_t now = 5 * POLICE_NS;
	int got[10] = { 0 }, s, i;

	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	CU_ASSERT_EQUAL_FATAL(police_params_set(&p, POLICE_TOKEN_BUCKET, POLICE_PACKETS, 100, 10,
						0, err, sizeof(err)), 0);
	for (i = 0; i < 1000; i++, now += 1000000)
		for (s = 0; s < 10; s++) {
			struct police_key k = tpt_src(0xc6120100u + (uint32_t)s, 32);

			got[s] += police_check(police_table_get(t, &k), &p, 1, now);
		}
	for (s = 0; s < 10; s++)
		CU_ASSERT(got[s] >= 108 && got[s] <= 110);
	police_table_free(t);
}

/* A burst: known keys, new keys and one key twice get what one-by-one lookups give. */
static void
test_burst_matches_single(void)
{
	char err[256];
	struct police_table *t = police_table_create("tpt_burst", 256, 32, SOCKET_ID_ANY, err,
						     sizeof(err));
	struct police_key k[40];
	void *st[40];
	unsigned int i;

	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	for (i = 0; i < 20; i++) {              /* the first 20 known */
		k[i] = tpt_src(0xc6120200u + i, 32);
		((uint8_t *)police_table_get(t, &k[i]))[0] = (uint8_t)(i + 1);
	}
	for (i = 20; i < 39; i++)               /* 19 new */
		k[i] = tpt_src(0xc6120300u + i, 32);
	k[39] = k[25];                          /* a new one twice */
	police_table_get_burst(t, k, 40, st);
	for (i = 0; i < 40; i++) {
		CU_ASSERT_PTR_NOT_NULL_FATAL(st[i]);
		CU_ASSERT_PTR_EQUAL(st[i], police_table_get(t, &k[i]));
		if (i < 20)
			CU_ASSERT_EQUAL(((uint8_t *)st[i])[0], i + 1);
	}
	CU_ASSERT_PTR_EQUAL(st[39], st[25]);
	CU_ASSERT_EQUAL(t->used, 39);
	police_table_free(t);
}

static const struct unit_test tests[] = {
	UNIT_TEST(test_new_key_zeroed_and_kept),
	UNIT_TEST(test_prefix_keys),
	UNIT_TEST(test_full_table_recycles_lru),
	UNIT_TEST(test_sources_limited_apart),
	UNIT_TEST(test_burst_matches_single),
	{ NULL, NULL },
};

int
main(void)
{
	return unit_run("police_table", tests, suite_init, suite_cleanup);
}
