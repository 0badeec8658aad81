/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_lb_policy: the balancing arithmetic of dataplane/lb_policy_fp.h — smooth weighted
 * round robin's order and shares, peak-EWMA's jump, decay and load, and the exp table.
 *
 * Context: test process; no EAL.
 */
#include <CUnit/Basic.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "lb_policy_fp.h"
#include "cunit_main.h"

#define MS_NS 1000000ULL

/* nginx's example: weights 5, 1, 1 pick a a b a c a a, then repeat. */
static void
test_swrr_order(void)
{
	struct lb_swrr e[3] = { { 5, 0 }, { 1, 0 }, { 1, 0 } };
	static const char want[] = "aabacaaaabacaa";
	char got[sizeof(want)];
	unsigned int i;

	for (i = 0; i < sizeof(want) - 1; i++)
		got[i] = (char)('a' + lb_swrr_pick(e, 3));
	got[i] = '\0';
	CU_ASSERT_STRING_EQUAL(got, want);
}

/* Over any whole cycle each backend is picked exactly its weight; weight 0 never. */
static void
test_swrr_shares(void)
{
	struct lb_swrr e[5] = { { 3, 0 }, { 0, 0 }, { 7, 0 }, { 256, 0 }, { 1, 0 } };
	unsigned int cnt[5] = { 0 }, i, cycle = 3 + 7 + 256 + 1;

	for (i = 0; i < 4 * cycle; i++)
		cnt[lb_swrr_pick(e, 5)]++;
	CU_ASSERT_EQUAL(cnt[0], 4 * 3);
	CU_ASSERT_EQUAL(cnt[1], 0);
	CU_ASSERT_EQUAL(cnt[2], 4 * 7);
	CU_ASSERT_EQUAL(cnt[3], 4 * 256);
	CU_ASSERT_EQUAL(cnt[4], 4 * 1);
	memset(e, 0, sizeof(e));
	CU_ASSERT_EQUAL(lb_swrr_pick(e, 5), -1);
}

/* The table against libm, at and between its points. */
static void
test_pewma_exp_table(void)
{
	uint64_t tau = 10 * MS_NS, dt;

	for (dt = 0; dt < 4 * tau; dt += tau / 37) {
		double want = exp(-(double)dt / (double)tau) * 65536;
		double got = lb_pewma_decay_q16(dt, tau);

		CU_ASSERT(fabs(got - want) <= 65536 * 0.002);
		if (fabs(got - want) > 65536 * 0.002)
			printf("\n  dt/tau %.3f: %.0f, want %.0f", (double)dt / tau, got, want);
	}
	CU_ASSERT_EQUAL(lb_pewma_decay_q16(4 * tau, tau), 0);
	CU_ASSERT_EQUAL(lb_pewma_decay_q16(0, tau), 65536);
}

static void
test_pewma_peak_and_decay(void)
{
	struct lb_pewma p = { 0 };
	uint64_t tau = 100 * MS_NS, half = (uint64_t)(0.693147 * (double)tau);

	lb_pewma_observe(&p, 2 * MS_NS, 1000 * MS_NS, tau);
	CU_ASSERT_EQUAL(p.cost_ns, 2 * MS_NS);          /* first sample: the peak */
	lb_pewma_observe(&p, 10 * MS_NS, 1001 * MS_NS, tau);
	CU_ASSERT_EQUAL(p.cost_ns, 10 * MS_NS);         /* slower: at once */
	/* A faster sample one half-life later: halfway between, within 0.5%. */
	lb_pewma_observe(&p, 2 * MS_NS, 1001 * MS_NS + half, tau);
	CU_ASSERT(fabs((double)p.cost_ns - 6.0 * MS_NS) <= 0.005 * 6.0 * MS_NS);
	/* Long after (beyond 4 tau), the old cost is forgotten. */
	lb_pewma_observe(&p, 1 * MS_NS, 1001 * MS_NS + 5 * tau, tau);
	CU_ASSERT_EQUAL(p.cost_ns, 1 * MS_NS);
	/* A clock that goes backwards decays nothing. */
	lb_pewma_observe(&p, 0, 1000 * MS_NS, tau);
	CU_ASSERT_EQUAL(p.cost_ns, 1 * MS_NS);
}

static void
test_pewma_load_and_p2c(void)
{
	struct lb_pewma e[3] = { { 4 * MS_NS, 0, 0 }, { 1 * MS_NS, 0, 5 }, { 0, 0, 9 } };

	CU_ASSERT_EQUAL(lb_pewma_load(&e[0]), 4 * MS_NS);
	CU_ASSERT_EQUAL(lb_pewma_load(&e[1]), 6 * MS_NS);       /* 1 ms x (5 + 1) */
	CU_ASSERT_EQUAL(lb_pewma_p2c(e, 0, 1), 0);
	CU_ASSERT_EQUAL(lb_pewma_p2c(e, 1, 0), 0);
	CU_ASSERT_EQUAL(lb_pewma_p2c(e, 0, 2), 2);              /* unmeasured: tried first */
	CU_ASSERT_EQUAL(lb_pewma_p2c(e, 1, 1), 1);
}

static const struct unit_test tests[] = {
	UNIT_TEST(test_swrr_order),
	UNIT_TEST(test_swrr_shares),
	UNIT_TEST(test_pewma_exp_table),
	UNIT_TEST(test_pewma_peak_and_decay),
	UNIT_TEST(test_pewma_load_and_p2c),
	{ NULL, NULL },
};

int
main(void)
{
	return unit_run("lb_policy", tests, NULL, NULL);
}
