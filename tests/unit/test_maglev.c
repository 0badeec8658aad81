/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_maglev: the weighted Maglev table (dataplane/maglev.c): balance with equal
 * weights, slots proportional to weights, few slots moved when a backend goes or comes,
 * determinism, refusal of bad sizes, and the tables themselves: pinned, and the same as
 * the paper's walk for every size and kind of pool.
 *
 * Context: test process; no EAL.
 */
#include <CUnit/Basic.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "maglev.h"
#include "cunit_main.h"

#define TM_M     MAGLEV_M_DEFAULT
#define TM_N_MAX 1000
#define RTE_DIM_(a) (sizeof(a) / sizeof((a)[0]))
#define TM_PIN_EQUAL    0x1c4c95800f3e63c5ULL
#define TM_PIN_WEIGHTED 0x9b597b2de4be7652ULL
#define TM_PIN_SKEWED   0x084e17e77193d48bULL
#define TM_PIN_LARGEST  0x33586c99b05633d7ULL

static uint16_t tm_table[TM_M], tm_table2[TM_M], tm_largest[MAGLEV_M_MAX];
static struct maglev_backend tm_b[TM_N_MAX];
static struct maglev_scratch tm_s[TM_N_MAX];

/* Backend i: 198.18.(i / 250).(i % 250 + 1), port 80, weight w. */
static void
tm_backends(uint32_t n, uint16_t w)
{
	uint32_t i;

	for (i = 0; i < n; i++) {
		uint8_t name[6] = { 198, 18, (uint8_t)(i / 250), (uint8_t)(i % 250 + 1), 0, 80 };

		tm_b[i].id = maglev_id(name, sizeof(name));
		tm_b[i].weight = w;
	}
}

static void
tm_count(const uint16_t *t, uint32_t m, uint32_t n, uint32_t *cnt)
{
	uint32_t i;

	memset(cnt, 0, sizeof(*cnt) * n);
	for (i = 0; i < m; i++) {
		CU_ASSERT_FATAL(t[i] < n);
		cnt[t[i]]++;
	}
}

static void
test_equal_weights_balance(void)
{
	static const uint32_t ns[] = { 1, 2, 3, 7, 10, 100, 1000 };
	uint32_t cnt[TM_N_MAX], k, i;

	for (k = 0; k < sizeof(ns) / sizeof(ns[0]); k++) {
		uint32_t n = ns[k], lo = UINT32_MAX, hi = 0;

		tm_backends(n, 1);
		CU_ASSERT_EQUAL_FATAL(maglev_build(tm_b, n, TM_M, tm_table, tm_s), 0);
		tm_count(tm_table, TM_M, n, cnt);
		for (i = 0; i < n; i++) {
			lo = cnt[i] < lo ? cnt[i] : lo;
			hi = cnt[i] > hi ? cnt[i] : hi;
		}
		CU_ASSERT(hi - lo <= 1);
		if (hi - lo > 1)
			printf("\n  n=%u: slots per backend %u..%u", n, lo, hi);
	}
}

static void
test_weights_proportional(void)
{
	static const uint16_t w[] = { 1, 2, 3, 256, 100, 7 };
	uint32_t cnt[6], i, total = 0;

	tm_backends(6, 1);
	for (i = 0; i < 6; i++) {
		tm_b[i].weight = w[i];
		total += w[i];
	}
	CU_ASSERT_EQUAL_FATAL(maglev_build(tm_b, 6, TM_M, tm_table, tm_s), 0);
	tm_count(tm_table, TM_M, 6, cnt);
	for (i = 0; i < 6; i++) {
		double want = (double)TM_M * w[i] / total;

		/* Within one slot per backend of the exact share (rounding of the last round). */
		CU_ASSERT(cnt[i] + 6.0 >= want && cnt[i] <= want + 6.0);
		if (!(cnt[i] + 6.0 >= want && cnt[i] <= want + 6.0))
			printf("\n  weight %u: %u slots, want %.1f", w[i], cnt[i], want);
	}
}

static void
test_weight_zero_takes_nothing(void)
{
	uint32_t cnt[3];
	uint32_t i;

	tm_backends(3, 1);
	tm_b[1].weight = 0;
	CU_ASSERT_EQUAL_FATAL(maglev_build(tm_b, 3, TM_M, tm_table, tm_s), 0);
	tm_count(tm_table, TM_M, 3, cnt);
	CU_ASSERT_EQUAL(cnt[1], 0);
	CU_ASSERT(cnt[0] + cnt[2] == TM_M);
	tm_b[0].weight = tm_b[2].weight = 0;
	CU_ASSERT_EQUAL(maglev_build(tm_b, 3, TM_M, tm_table, tm_s), 0);
	for (i = 0; i < TM_M; i++)
		CU_ASSERT_FATAL(tm_table[i] == MAGLEV_NONE);
}

/* Share of slots that changed backend between two tables, where backend identities are
 * compared (index maps: a[i] in the first is names[a[i]], in the second names2[...]). */
static double
tm_moved(const uint16_t *t1, const uint64_t *id1, const uint16_t *t2, const uint64_t *id2)
{
	uint32_t i, moved = 0;

	for (i = 0; i < TM_M; i++)
		moved += id1[t1[i]] != id2[t2[i]];
	return (double)moved / TM_M;
}

/* Removing one of N backends moves at most 1/N + 1% of the slots; adding it back too. */
static void
test_disruption(void)
{
	static const uint32_t ns[] = { 5, 10, 50, 100, 1000 };
	static uint64_t id1[TM_N_MAX], id2[TM_N_MAX];
	uint32_t k, i;

	for (k = 0; k < sizeof(ns) / sizeof(ns[0]); k++) {
		uint32_t n = ns[k], gone = n / 3;
		double moved, bound = 1.0 / n + 0.01;

		tm_backends(n, 1);
		for (i = 0; i < n; i++)
			id1[i] = tm_b[i].id;
		CU_ASSERT_EQUAL_FATAL(maglev_build(tm_b, n, TM_M, tm_table, tm_s), 0);
		/* the same pool without backend 'gone' (later ones shift down an index) */
		memmove(&tm_b[gone], &tm_b[gone + 1], sizeof(tm_b[0]) * (n - gone - 1));
		for (i = 0; i < n - 1; i++)
			id2[i] = tm_b[i].id;
		CU_ASSERT_EQUAL_FATAL(maglev_build(tm_b, n - 1, TM_M, tm_table2, tm_s), 0);
		moved = tm_moved(tm_table, id1, tm_table2, id2);
		CU_ASSERT(moved <= bound);
		if (moved > bound)
			printf("\n  n=%u: removing one moved %.4f of the slots (bound %.4f)", n,
			       moved, bound);
		moved = tm_moved(tm_table2, id2, tm_table, id1);
		CU_ASSERT(moved <= bound);
	}
}

static void
test_deterministic_and_order_free(void)
{
	static uint64_t id1[10], id2[10];
	uint32_t i;

	tm_backends(10, 1);
	for (i = 0; i < 10; i++)
		id1[i] = tm_b[i].id;
	CU_ASSERT_EQUAL(maglev_build(tm_b, 10, TM_M, tm_table, tm_s), 0);
	CU_ASSERT_EQUAL(maglev_build(tm_b, 10, TM_M, tm_table2, tm_s), 0);
	CU_ASSERT_EQUAL(memcmp(tm_table, tm_table2, sizeof(tm_table)), 0);
	/* The same backends listed in reverse: slots go to the same identities, except
	 * where two backends reached the same free slot in a different turn order. */
	for (i = 0; i < 10; i++) {
		tm_b[i].id = id1[9 - i];
		id2[i] = id1[9 - i];
	}
	CU_ASSERT_EQUAL(maglev_build(tm_b, 10, TM_M, tm_table2, tm_s), 0);
	CU_ASSERT(tm_moved(tm_table, id1, tm_table2, id2) < 0.05);
}

/* FNV-1a over a table: a fingerprint of every slot. */
static uint64_t
tm_fingerprint(const uint16_t *t, uint32_t m)
{
	uint64_t h = 1469598103934665603ULL;
	uint32_t i;

	for (i = 0; i < m; i++) {
		h = (h ^ (t[i] & 0xff)) * 1099511628211ULL;
		h = (h ^ (t[i] >> 8)) * 1099511628211ULL;
	}
	return h;
}

/*
 * The tables themselves are fixed: every appliance running a release must send a flow
 * where every other one does, so a change to the build that moves a slot must be seen
 * and made on purpose. Fingerprints of the tables this algorithm built when it was
 * written (equal weights, N = 1000; mixed weights 1..256 with a drained backend; one
 * backend of weight 256 among 99 of weight 1; the largest size, N = 1000, weights
 * 1..256), by the build of commit 1ec8016.
 */
static void
test_tables_pinned(void)
{
	uint32_t i;

	tm_backends(1000, 1);
	CU_ASSERT_EQUAL_FATAL(maglev_build(tm_b, 1000, TM_M, tm_table, tm_s), 0);
	CU_ASSERT_EQUAL(tm_fingerprint(tm_table, TM_M), TM_PIN_EQUAL);
	tm_backends(50, 1);
	for (i = 0; i < 50; i++)
		tm_b[i].weight = (uint16_t)(i == 7 ? 0 : (i * 37) % 256 + 1);
	CU_ASSERT_EQUAL_FATAL(maglev_build(tm_b, 50, TM_M, tm_table, tm_s), 0);
	CU_ASSERT_EQUAL(tm_fingerprint(tm_table, TM_M), TM_PIN_WEIGHTED);
	tm_backends(100, 1);
	tm_b[0].weight = 256;
	CU_ASSERT_EQUAL_FATAL(maglev_build(tm_b, 100, TM_M, tm_table, tm_s), 0);
	CU_ASSERT_EQUAL(tm_fingerprint(tm_table, TM_M), TM_PIN_SKEWED);
	tm_backends(1000, 1);
	for (i = 0; i < 1000; i++)
		tm_b[i].weight = (uint16_t)((i * 37) % 256 + 1);
	CU_ASSERT_EQUAL_FATAL(maglev_build(tm_b, 1000, MAGLEV_M_MAX, tm_largest, tm_s), 0);
	CU_ASSERT_EQUAL(tm_fingerprint(tm_largest, MAGLEV_M_MAX), TM_PIN_LARGEST);
}

/* The build as the paper states it, walk by walk: the reference for any table size. */
static void
tm_reference(const struct maglev_backend *b, uint32_t n, uint32_t m, uint16_t *t)
{
	static uint32_t pos[TM_N_MAX], skip[TM_N_MAX], credit[TM_N_MAX];
	uint32_t i, filled = 0, max_w = 0;

	memset(t, 0xff, sizeof(*t) * m);
	for (i = 0; i < n; i++) {
		pos[i] = (uint32_t)(b[i].id >> 32) % m;
		skip[i] = (uint32_t)b[i].id % (m - 1) + 1;
		credit[i] = 0;
		if (b[i].weight > max_w)
			max_w = b[i].weight;
	}
	while (max_w && filled < m)
		for (i = 0; i < n && filled < m; i++)
			for (credit[i] += b[i].weight; credit[i] >= max_w && filled < m;
			     credit[i] -= max_w) {
				while (t[pos[i]] != MAGLEV_NONE)
					pos[i] = (pos[i] + skip[i]) % m;
				t[pos[i]] = (uint16_t)i;
				pos[i] = (pos[i] + skip[i]) % m;
				filled++;
			}
}

/* Weights of backend i of n by pattern, for every way the build runs its rounds and its
 * probes: equal weights of 1 and of the maximum; mixed, with drained backends; one
 * backend of 256 among backends of 1; one of n - 1 among n - 1 of 1 (exactly half of the
 * weight, where batched probing stops). */
static uint16_t
tm_pattern_weight(unsigned int pattern, uint32_t i, uint32_t n)
{
	switch (pattern) {
	case 0: return 1;
	case 1: return (uint16_t)((i * 53) % 7 ? (i * 53) % 256 + 1 : 0);
	case 2: return MAGLEV_WEIGHT_MAX;
	case 3: return i == 0 ? MAGLEV_WEIGHT_MAX : 1;
	default: return (uint16_t)(i == 0 && n > 1 ? (n - 1 < 256 ? n - 1 : 256) : 1);
	}
}

static const char *const tm_patterns[] = { "equal", "mixed", "equal 256", "one heavy",
					   "one half" };

/* Every size, small (all of it the arithmetic tail) to large, each weight pattern: the
 * same table as the reference. */
static void
test_same_as_reference(void)
{
	static const uint32_t sizes[] = { 2, 3, 13, 251, 257, 1009, 4099, 65537 };
	static const uint32_t counts[] = { 1, 2, 3, 7, 100, 1000 };
	unsigned int a, c, w;

	for (a = 0; a < RTE_DIM_(sizes); a++)
		for (c = 0; c < RTE_DIM_(counts); c++)
			for (w = 0; w < RTE_DIM_(tm_patterns); w++) {
				uint32_t n = counts[c], i;

				if (n > sizes[a])
					continue;
				tm_backends(n, 1);
				for (i = 0; i < n; i++)
					tm_b[i].weight = tm_pattern_weight(w, i, n);
				CU_ASSERT_EQUAL_FATAL(maglev_build(tm_b, n, sizes[a], tm_table, tm_s), 0);
				tm_reference(tm_b, n, sizes[a], tm_table2);
				if (memcmp(tm_table, tm_table2, sizeof(*tm_table) * sizes[a]) != 0) {
					printf("\n  M=%u N=%u %s differs ", sizes[a], n, tm_patterns[w]);
					CU_FAIL("table differs from the reference");
				}
			}
}

static void
test_bad_sizes(void)
{
	tm_backends(3, 1);
	CU_ASSERT(maglev_size_ok(65537));
	CU_ASSERT(maglev_size_ok(251));
	CU_ASSERT(!maglev_size_ok(65536));
	CU_ASSERT(!maglev_size_ok(1));
	CU_ASSERT_EQUAL(maglev_build(tm_b, 3, 65536, tm_table, tm_s), -EINVAL);
	CU_ASSERT_EQUAL(maglev_build(tm_b, 3, 2, tm_table, tm_s), -EINVAL);     /* m < n */
	tm_b[0].weight = MAGLEV_WEIGHT_MAX + 1;
	CU_ASSERT_EQUAL(maglev_build(tm_b, 3, 251, tm_table, tm_s), -EINVAL);
}

static const struct unit_test tests[] = {
	UNIT_TEST(test_equal_weights_balance),
	UNIT_TEST(test_weights_proportional),
	UNIT_TEST(test_weight_zero_takes_nothing),
	UNIT_TEST(test_disruption),
	UNIT_TEST(test_deterministic_and_order_free),
	UNIT_TEST(test_bad_sizes),
	UNIT_TEST(test_tables_pinned),
	UNIT_TEST(test_same_as_reference),
	{ NULL, NULL },
};

int
main(void)
{
	return unit_run("maglev", tests, NULL, NULL);
}
