/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_tcp_rto: the RFC 6298 estimator (dataplane/tcp/tcp_rto.h):
 *  - before a sample: 1 s (2.1), doubled by each timeout up to 60 s (5.5);
 *  - the first sample (2.2: SRTT = R, RTTVAR = R/2) and later ones (2.3) against values
 *    worked out by hand from the RFC's formulas;
 *  - random traces (LAN, WAN, jittery, jumping) against the formulas in exact (double)
 *    arithmetic: the integer state within a bound, the worst error printed;
 *  - G when RTTVAR has collapsed; the minimum (200 ms, 1 s, 1 ms) and the maximum;
 *  - backoff doubling, its cap, the backoff undone by the next sample and kept count of;
 *  - reset (5.7's 3 s after a lost SYN-ACK); samples of 71 minutes and of UINT64_MAX
 *    against a 1 h maximum, without overflow;
 *  - parameters refused with a message.
 *
 * Context: test process; pure C, no EAL.
 */
#include <CUnit/Basic.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "tcp_rto.h"
#include "cunit_main.h"

static double
tr_fabs(double x)
{
	return x < 0 ? -x : x;
}

static uint64_t tr_rng = 0x2545f4914f6cdd1dULL;

static uint64_t
tr_rand(void)
{
	tr_rng ^= tr_rng << 13;
	tr_rng ^= tr_rng >> 7;
	tr_rng ^= tr_rng << 17;
	return tr_rng;
}

static struct tcp_rto_params
tr_params(uint32_t min_us, uint32_t max_us, uint32_t g_us)
{
	struct tcp_rto_params p;
	char err[160];

	tcp_rto_params_default(&p);
	p.min_us = min_us;
	p.max_us = max_us;
	p.granularity_us = g_us;
	if (p.initial_us < min_us)
		p.initial_us = min_us;
	if (tcp_rto_params_check(&p, err, sizeof(err)) != 0) {
		printf("\n  %s", err);
		CU_FAIL("params refused");
	}
	return p;
}

static void
test_initial_and_backoff(void)
{
	static const uint32_t want[] = { 2000000, 4000000, 8000000, 16000000, 32000000,
					 60000000, 60000000 };
	struct tcp_rto_params p;
	struct tcp_rto r;
	unsigned int i;

	tcp_rto_params_default(&p);
	CU_ASSERT_EQUAL(p.initial_us, 1000000);
	CU_ASSERT_EQUAL(p.min_us, 200000);
	CU_ASSERT_EQUAL(p.max_us, 60000000);
	tcp_rto_init(&r, &p);
	CU_ASSERT_EQUAL(tcp_rto_us(&r), 1000000);
	CU_ASSERT_EQUAL(tcp_rto_srtt_us(&r), 0);
	CU_ASSERT_EQUAL(r.sampled, 0);
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		tcp_rto_backoff(&r);
		CU_ASSERT_EQUAL(tcp_rto_us(&r), want[i]);
	}
	CU_ASSERT_EQUAL(r.backoffs, 7);
	CU_ASSERT_EQUAL(r.sampled, 0);
}

/* 2.2, with each minimum. */
static void
test_first_sample(void)
{
	struct tcp_rto_params p;
	struct tcp_rto r;

	tcp_rto_params_default(&p);
	tcp_rto_init(&r, &p);
	tcp_rto_sample(&r, 100000);
	CU_ASSERT_EQUAL(tcp_rto_srtt_us(&r), 100000);
	CU_ASSERT_EQUAL(tcp_rto_rttvar_us(&r), 50000);
	CU_ASSERT_EQUAL(tcp_rto_us(&r), 300000);        /* 100 ms + 4 x 50 ms */

	tcp_rto_init(&r, &p);
	tcp_rto_sample(&r, 30000);                      /* 30 + 60 ms: under the minimum */
	CU_ASSERT_EQUAL(tcp_rto_rttvar_us(&r), 15000);
	CU_ASSERT_EQUAL(tcp_rto_us(&r), 200000);

	p = tr_params(1000, TCP_RTO_MAX_US, 1000);
	tcp_rto_init(&r, &p);
	tcp_rto_sample(&r, 30000);
	CU_ASSERT_EQUAL(tcp_rto_us(&r), 90000);

	p = tr_params(1000000, TCP_RTO_MAX_US, 1000);   /* the RFC's 1 s */
	tcp_rto_init(&r, &p);
	tcp_rto_sample(&r, 100000);
	CU_ASSERT_EQUAL(tcp_rto_us(&r), 1000000);
	tcp_rto_sample(&r, 400000);                     /* SRTT 137.5 ms, RTTVAR 112.5 ms */
	CU_ASSERT_EQUAL(tcp_rto_us(&r), 1000000);
	tcp_rto_sample(&r, 900000);
	CU_ASSERT(tcp_rto_us(&r) > 1000000);

	/* an odd first sample: RTTVAR = R/2 kept to a quarter microsecond */
	tcp_rto_init(&r, &p);
	tcp_rto_sample(&r, 3);
	CU_ASSERT_EQUAL(r.srtt8_us, 24);
	CU_ASSERT_EQUAL(r.rttvar4_us, 6);
}

/*
 * 2.3 by hand, min 1 ms so nothing is clamped (values in us):
 *   R1 = 100000: SRTT 100000, RTTVAR 50000, RTO 100000 + 200000 = 300000
 *   R2 = 200000: RTTVAR = 3/4 50000 + 1/4 |100000 - 200000| = 37500 + 25000 = 62500
 *                SRTT = 7/8 100000 + 1/8 200000 = 87500 + 25000 = 112500
 *                RTO = 112500 + 250000 = 362500
 *   R3 = 112500: RTTVAR = 3/4 62500 + 0 = 46875; SRTT = 112500; RTO = 300000
 *   R4 = 80000:  RTTVAR = 35156.25 + 1/4 32500 = 43281.25
 *                SRTT = 98437.5 + 10000 = 108437.5
 *                RTO = 108437.5 + 173125 = 281562.5: 281562 rounded down
 *   R5 = 1000000: RTTVAR = 32460.9375 + 1/4 891562.5 = 255351.5625
 *                SRTT = 94882.8125 + 125000 = 219882.8125
 *                RTO = 219882.8125 + 1021406.25 = 1241289.0625; the scaled form keeps
 *                8 SRTT = 1759063 (its S/8 rounds down, so S rounds up) and 4 RTTVAR =
 *                1021406, and RTO = 219882 + 1021406 = 1241288, a microsecond short
 */
static void
test_hand_computed(void)
{
	static const struct {
		uint64_t r, srtt8, rttvar4;
		uint32_t rto;
	} step[] = {
		{ 100000, 800000, 200000, 300000 },
		{ 200000, 900000, 250000, 362500 },
		{ 112500, 900000, 187500, 300000 },
		{ 80000, 867500, 173125, 281562 },
		{ 1000000, 1759063, 1021406, 1241288 },
	};
	struct tcp_rto_params p = tr_params(1000, TCP_RTO_MAX_US, 1000);
	struct tcp_rto r;
	unsigned int i;

	tcp_rto_init(&r, &p);
	for (i = 0; i < sizeof(step) / sizeof(step[0]); i++) {
		tcp_rto_sample(&r, step[i].r);
		CU_ASSERT_EQUAL(r.srtt8_us, step[i].srtt8);
		CU_ASSERT_EQUAL(r.rttvar4_us, step[i].rttvar4);
		CU_ASSERT_EQUAL(tcp_rto_us(&r), step[i].rto);
		if (r.srtt8_us != step[i].srtt8 || r.rttvar4_us != step[i].rttvar4 ||
		    tcp_rto_us(&r) != step[i].rto)
			printf("\n  step %u: srtt8 %llu rttvar4 %llu rto %u", i,
			       (unsigned long long)r.srtt8_us, (unsigned long long)r.rttvar4_us,
			       tcp_rto_us(&r));
	}
	CU_ASSERT_EQUAL(tcp_rto_srtt_us(&r), 219882);
	CU_ASSERT_EQUAL(tcp_rto_rttvar_us(&r), 255351);
}

/* The RFC's formulas in doubles; returns the RTO before the clamp. */
struct tr_exact {
	double srtt, rttvar;
	int sampled;
};

static double
tr_exact_sample(struct tr_exact *e, double rtt, double g)
{
	if (!e->sampled) {
		e->srtt = rtt;
		e->rttvar = rtt / 2;
		e->sampled = 1;
	} else {
		e->rttvar = 0.75 * e->rttvar + 0.25 * tr_fabs(e->srtt - rtt);
		e->srtt = 0.875 * e->srtt + 0.125 * rtt;
	}
	return e->srtt + (4 * e->rttvar > g ? 4 * e->rttvar : g);
}

static double
tr_clamp(double rto, double min, double max)
{
	return rto < min ? min : rto > max ? max : rto;
}

/*
 * 20,000 samples per trace, four traces: a LAN (20 to 200 us), a WAN (80 ms, +-20 ms), a
 * jittery path (10 to 900 ms), and one whose RTT jumps between 1 ms and 2 s every 500
 * samples. SRTT stays within 1 us of the exact value, RTTVAR within 2 us, the RTO before
 * its clamp (the LAN's is always at the minimum) within 8 us (K x RTTVAR's error); the
 * RTO itself within as much.
 */
static void
test_against_exact(void)
{
	static const char *name[] = { "lan", "wan", "jitter", "jumps" };
	struct tcp_rto_params p = tr_params(1000, TCP_RTO_MAX_US, 100);
	unsigned int t, i;

	for (t = 0; t < 4; t++) {
		struct tr_exact e = { 0, 0, 0 };
		double worst_srtt = 0, worst_var = 0, worst_raw = 0, worst_rto = 0;
		struct tcp_rto r;

		tcp_rto_init(&r, &p);
		for (i = 0; i < 20000; i++) {
			uint64_t rtt;
			double raw, d;
			uint64_t mine;

			switch (t) {
			case 0:
				rtt = 20 + tr_rand() % 181;
				break;
			case 1:
				rtt = 60000 + tr_rand() % 40001;
				break;
			case 2:
				rtt = 10000 + tr_rand() % 890001;
				break;
			default:
				rtt = (i / 500) % 2 ? 2000000 + tr_rand() % 1000
						    : 1000 + tr_rand() % 100;
				break;
			}
			tcp_rto_sample(&r, rtt);
			raw = tr_exact_sample(&e, (double)rtt, p.granularity_us);
			d = tr_fabs((double)r.srtt8_us / 8 - e.srtt);
			worst_srtt = d > worst_srtt ? d : worst_srtt;
			d = tr_fabs((double)r.rttvar4_us / 4 - e.rttvar);
			worst_var = d > worst_var ? d : worst_var;
			mine = tcp_rto_srtt_us(&r) + (r.rttvar4_us > p.granularity_us ?
						      r.rttvar4_us : p.granularity_us);
			d = tr_fabs((double)mine - raw);
			worst_raw = d > worst_raw ? d : worst_raw;
			d = tr_fabs((double)tcp_rto_us(&r) - tr_clamp(raw, p.min_us, p.max_us));
			worst_rto = d > worst_rto ? d : worst_rto;
		}
		printf("\n  %s: worst error of SRTT %.3f us, RTTVAR %.3f us, RTO %.3f us (%.3f "
		       "clamped)", name[t], worst_srtt, worst_var, worst_raw, worst_rto);
		CU_ASSERT(worst_srtt <= 1.0);
		CU_ASSERT(worst_var <= 2.0);
		CU_ASSERT(worst_raw <= 8.0);
		CU_ASSERT(worst_rto <= 8.0);
	}
}

/* A steady RTT: RTTVAR decays towards 0 and G is what keeps the RTO above SRTT. */
static void
test_granularity(void)
{
	static const uint32_t g[] = { 0, 1000, 10000, 100000 };
	unsigned int i, k;

	for (i = 0; i < sizeof(g) / sizeof(g[0]); i++) {
		struct tcp_rto_params p = tr_params(1000, TCP_RTO_MAX_US, g[i]);
		struct tcp_rto r;

		tcp_rto_init(&r, &p);
		for (k = 0; k < 200; k++)
			tcp_rto_sample(&r, 50000);
		CU_ASSERT_EQUAL(tcp_rto_srtt_us(&r), 50000);
		CU_ASSERT(r.rttvar4_us <= 3);
		CU_ASSERT_EQUAL(tcp_rto_us(&r),
				50000 + (g[i] > r.rttvar4_us ? g[i] : r.rttvar4_us));
	}
}

static void
test_min_max_clamp(void)
{
	struct tcp_rto_params p;
	struct tcp_rto r;
	unsigned int k;

	tcp_rto_params_default(&p);
	tcp_rto_init(&r, &p);
	for (k = 0; k < 50; k++)                        /* a LAN: 50 us */
		tcp_rto_sample(&r, 50);
	CU_ASSERT_EQUAL(tcp_rto_us(&r), 200000);
	tcp_rto_sample(&r, 100000000);                  /* one of 100 s */
	CU_ASSERT_EQUAL(tcp_rto_us(&r), 60000000);
	CU_ASSERT(tcp_rto_srtt_us(&r) > 12000000);

	tcp_rto_init(&r, &p);
	tcp_rto_sample(&r, 25000000);                   /* 25 + 50 s */
	CU_ASSERT_EQUAL(tcp_rto_us(&r), 60000000);
	p = tr_params(200000, 120000000, 1000);         /* Linux's maximum */
	tcp_rto_init(&r, &p);
	tcp_rto_sample(&r, 25000000);
	CU_ASSERT_EQUAL(tcp_rto_us(&r), 75000000);

	/* the initial value is kept to [min, max] too */
	p = tr_params(1000000, TCP_RTO_MAX_US, 1000);
	CU_ASSERT_EQUAL(p.initial_us, 1000000);
	tcp_rto_init(&r, &p);
	CU_ASSERT_EQUAL(tcp_rto_us(&r), 1000000);
}

/* Backed off to the cap, then a new sample: the RTO of the estimator, backoff undone. */
static void
test_backoff_reset_by_sample(void)
{
	static const uint32_t want[] = { 600000, 1200000, 2400000, 4800000, 9600000,
					 19200000, 38400000, 60000000, 60000000 };
	struct tcp_rto_params p = tr_params(1000, TCP_RTO_MAX_US, 1000);
	struct tcp_rto r;
	unsigned int i;

	tcp_rto_init(&r, &p);
	tcp_rto_sample(&r, 100000);
	CU_ASSERT_EQUAL(tcp_rto_us(&r), 300000);
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		tcp_rto_backoff(&r);
		CU_ASSERT_EQUAL(tcp_rto_us(&r), want[i]);
	}
	CU_ASSERT_EQUAL(r.backoffs, 9);
	/* SRTT and RTTVAR untouched by the backoff: the hand-computed second step */
	tcp_rto_sample(&r, 200000);
	CU_ASSERT_EQUAL(tcp_rto_us(&r), 362500);
	CU_ASSERT_EQUAL(r.backoffs, 0);
	tcp_rto_backoff(&r);
	CU_ASSERT_EQUAL(tcp_rto_us(&r), 725000);

	/* the count saturates; the RTO stays at the cap */
	for (i = 0; i < 70000; i++)
		tcp_rto_backoff(&r);
	CU_ASSERT_EQUAL(r.backoffs, UINT16_MAX);
	CU_ASSERT_EQUAL(tcp_rto_us(&r), 60000000);
}

/* 5.7: the SYN-ACK was retransmitted, so no sample (Karn): 3 s once data flows, and the
 * next sample is a first one. */
static void
test_reset(void)
{
	struct tcp_rto_params p;
	struct tcp_rto r;

	tcp_rto_params_default(&p);
	tcp_rto_init(&r, &p);
	tcp_rto_backoff(&r);
	CU_ASSERT_EQUAL(tcp_rto_us(&r), 2000000);
	tcp_rto_reset(&r, TCP_RTO_SYN_LOST_US);
	CU_ASSERT_EQUAL(tcp_rto_us(&r), 3000000);
	CU_ASSERT_EQUAL(r.backoffs, 0);
	tcp_rto_sample(&r, 100000);
	CU_ASSERT_EQUAL(tcp_rto_srtt_us(&r), 100000);
	CU_ASSERT_EQUAL(tcp_rto_rttvar_us(&r), 50000);
	tcp_rto_sample(&r, 300000);
	tcp_rto_reset(&r, 10);                          /* clamped */
	CU_ASSERT_EQUAL(tcp_rto_us(&r), 200000);
	CU_ASSERT_EQUAL(tcp_rto_srtt_us(&r), 0);
	tcp_rto_reset(&r, UINT32_MAX);
	CU_ASSERT_EQUAL(tcp_rto_us(&r), 60000000);
}

/*
 * Samples up to UINT64_MAX against a 1 h maximum: a sample is taken as at most 71
 * minutes, the state stays in range and agrees with the exact formulas; nothing wraps
 * to a small RTO.
 */
static void
test_large_rtt(void)
{
	struct tcp_rto_params p = tr_params(200000, TCP_RTO_LIMIT_US, 1000);
	struct tr_exact e = { 0, 0, 0 };
	double worst = 0;
	struct tcp_rto r;
	unsigned int i;

	tcp_rto_init(&r, &p);
	tcp_rto_sample(&r, UINT64_MAX);
	CU_ASSERT_EQUAL(tcp_rto_srtt_us(&r), UINT32_MAX);
	CU_ASSERT_EQUAL(tcp_rto_rttvar_us(&r), UINT32_MAX / 2);
	CU_ASSERT_EQUAL(tcp_rto_us(&r), TCP_RTO_LIMIT_US);
	tcp_rto_backoff(&r);
	CU_ASSERT_EQUAL(tcp_rto_us(&r), TCP_RTO_LIMIT_US);

	tcp_rto_init(&r, &p);
	for (i = 0; i < 10000; i++) {
		uint64_t s;
		double rto;

		switch (tr_rand() % 4) {
		case 0:
			s = UINT64_MAX - tr_rand() % 1000;
			break;
		case 1:
			s = (uint64_t)UINT32_MAX + tr_rand() % 1000;
			break;
		case 2:
			s = tr_rand() % 1000;
			break;
		default:
			s = tr_rand() >> (tr_rand() % 64);
			break;
		}
		tcp_rto_sample(&r, s);
		rto = tr_clamp(tr_exact_sample(&e, s > UINT32_MAX ? (double)UINT32_MAX : (double)s,
					       1000), 200000, TCP_RTO_LIMIT_US);
		CU_ASSERT(tcp_rto_srtt_us(&r) <= UINT32_MAX);
		CU_ASSERT(tcp_rto_rttvar_us(&r) <= UINT32_MAX);
		CU_ASSERT(tcp_rto_us(&r) >= 200000 && tcp_rto_us(&r) <= TCP_RTO_LIMIT_US);
		if (tr_fabs((double)tcp_rto_us(&r) - rto) > worst)
			worst = tr_fabs((double)tcp_rto_us(&r) - rto);
	}
	printf("\n  samples to UINT64_MAX: worst RTO error %.3f us", worst);
	CU_ASSERT(worst <= 8.0);
}

static void
test_params_refused(void)
{
	static const struct {
		uint32_t initial, min, max, g;
		const char *says;
	} bad[] = {
		{ 1000000, 200000, 59999999, 1000, "max of 59999999 us: want 60 s" },
		{ 1000000, 200000, 3600000001u, 1000, "want 60 s to 1 h" },
		{ 1000000, 999, 60000000, 1000, "min of 999 us: want 1 ms" },
		{ 1000000, 70000000, 60000000, 1000, "min of 70000000 us" },
		{ 100000, 200000, 60000000, 1000, "initial of 100000 us" },
		{ 61000000, 200000, 60000000, 1000, "initial of 61000000 us" },
		{ 1000000, 200000, 60000000, 1000001, "granularity of 1000001 us" },
	};
	struct tcp_rto_params p;
	char err[160];
	unsigned int i;

	tcp_rto_params_default(&p);
	CU_ASSERT_EQUAL(tcp_rto_params_check(&p, err, sizeof(err)), 0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		p.initial_us = bad[i].initial;
		p.min_us = bad[i].min;
		p.max_us = bad[i].max;
		p.granularity_us = bad[i].g;
		err[0] = '\0';
		CU_ASSERT_EQUAL(tcp_rto_params_check(&p, err, sizeof(err)), -EINVAL);
		if (!strstr(err, bad[i].says))
			printf("\n  case %u: '%s' lacks '%s'", i, err, bad[i].says);
		CU_ASSERT_PTR_NOT_NULL(strstr(err, bad[i].says));
	}
}

static const struct unit_test tests[] = {
	UNIT_TEST(test_initial_and_backoff),
	UNIT_TEST(test_first_sample),
	UNIT_TEST(test_hand_computed),
	UNIT_TEST(test_against_exact),
	UNIT_TEST(test_granularity),
	UNIT_TEST(test_min_max_clamp),
	UNIT_TEST(test_backoff_reset_by_sample),
	UNIT_TEST(test_reset),
	UNIT_TEST(test_large_rtt),
	UNIT_TEST(test_params_refused),
	{ NULL, NULL },
};

int
main(void)
{
	return unit_run("tcp_rto", tests, NULL, NULL);
}
