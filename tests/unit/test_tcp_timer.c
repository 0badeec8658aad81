/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_tcp_timer: the worker's timer wheel (dataplane/tcp/tcp_timer.h) against what it
 * promises — a timer fires at the first tick boundary at or after its deadline, never
 * before, in the first advance past that boundary, in order of ticks, exactly once:
 *  - deadlines on, just before and just after a boundary; time going backwards;
 *  - order over several turns; far timers (tens of turns) sharing slots with near ones;
 *    the busy-slot search wrapping round its first word;
 *  - cancel (armed, not armed, twice), re-arm earlier, later and within the same tick;
 *  - callbacks that re-arm themselves (periodic, and for "now"), cancel a timer due in
 *    the same tick, arm a new one in the tick being fired;
 *  - max_fires: every call bounded, nothing lost, the backlog first;
 *  - 100,000 random deadlines against a sorted list (the k-th fire has the list's k-th
 *    tick), with and without a budget;
 *  - random arms, re-arms (past deadlines too), cancels and gaps of many turns, in and
 *    out of callbacks, against a binary heap with lazy deletion;
 *  - idle gaps of millions of turns, timed, and parameters refused.
 *
 * Context: test process; pure C, no EAL.
 */
#include <CUnit/Basic.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tcp_timer.h"
#include "cunit_main.h"

#define TT_MS           1000000ull
#define TT_START_NS     (1000000000000000ull + 123457)  /* 11.5 days after boot */

static uint64_t tt_rng = 0x9e3779b97f4a7c15ULL;

static uint64_t
tt_rand(void)
{
	tt_rng ^= tt_rng << 13;
	tt_rng ^= tt_rng >> 7;
	tt_rng ^= tt_rng << 17;
	return tt_rng;
}

/* A connection as the test sees one: the timer embedded, what it was armed for, what
 * happened to it. */
struct tt_timer {
	struct tcp_timer t;
	uint32_t id;
	uint32_t fires;
	uint64_t deadline_ns;
	uint64_t fired_ns;
};

static struct tt_timer *
tt_of(struct tcp_timer *t)
{
	return (struct tt_timer *)(void *)((char *)t - offsetof(struct tt_timer, t));
}

static uint64_t
tt_boundary_tick(uint64_t deadline_ns, uint64_t tick_ns)
{
	return (deadline_ns + tick_ns - 1) / tick_ns;
}

/* What every fire is checked against. */
struct tt_rec {
	uint64_t tick_ns;
	uint64_t prev_now_ns;   /* the previous advance's now */
	uint64_t last_tick;     /* the boundary tick of the last fire */
	uint64_t n;             /* fires */
	uint64_t early, late, order, twice;
	int exact;              /* no budget ran out: a fire must come in the first advance */
	uint32_t *seq;          /* ids in firing order, if set */
	uint64_t seq_max;
};

static void
tt_record(struct tcp_timer_wheel *w, struct tcp_timer *t, uint64_t now_ns, void *arg)
{
	struct tt_rec *r = arg;
	struct tt_timer *x = tt_of(t);
	uint64_t tick = tt_boundary_tick(x->deadline_ns, r->tick_ns);

	(void)w;
	r->early += now_ns < x->deadline_ns;
	r->late += r->exact && r->prev_now_ns >= tick * r->tick_ns;
	r->order += tick < r->last_tick;
	r->last_tick = tick;
	r->twice += x->fires++ > 0;
	x->fired_ns = now_ns;
	if (r->seq && r->n < r->seq_max)
		r->seq[r->n] = x->id;
	r->n++;
}

static void
tt_rec_init(struct tt_rec *r, uint64_t tick_ns, uint64_t now_ns)
{
	memset(r, 0, sizeof(*r));
	r->tick_ns = tick_ns;
	r->prev_now_ns = now_ns;
	r->exact = 1;
}

static unsigned int
tt_advance(struct tcp_timer_wheel *w, struct tt_rec *r, uint64_t now_ns, unsigned int max)
{
	unsigned int n = tcp_timer_wheel_advance(w, now_ns, tt_record, r, max);

	if (now_ns > r->prev_now_ns)
		r->prev_now_ns = now_ns;
	return n;
}

static void
tt_arm(struct tcp_timer_wheel *w, struct tt_timer *x, uint64_t deadline_ns)
{
	x->deadline_ns = deadline_ns;
	tcp_timer_arm(w, &x->t, deadline_ns);
}

static struct tcp_timer_wheel *
tt_wheel(uint32_t slots, uint64_t tick_ns, uint64_t now_ns)
{
	struct tcp_timer_wheel *w = NULL;
	char err[128];

	if (tcp_timer_wheel_create(slots, tick_ns, now_ns, &w, err, sizeof(err)) != 0)
		printf("\n  %s", err);
	return w;
}

static void
tt_rec_clean(const struct tt_rec *r)
{
	CU_ASSERT_EQUAL(r->early, 0);
	CU_ASSERT_EQUAL(r->late, 0);
	CU_ASSERT_EQUAL(r->order, 0);
	CU_ASSERT_EQUAL(r->twice, 0);
}

/* On a boundary, 1 ns after one, 1 ns before one: each fires at its boundary exactly,
 * never in an advance before its deadline. */
static void
test_deadline_not_before(void)
{
	const uint64_t t0 = 1000 * TT_MS;       /* a boundary */
	struct tcp_timer_wheel *w = tt_wheel(64, TT_MS, t0);
	uint64_t dl[] = { t0 + 5 * TT_MS, t0 + 5 * TT_MS + 1, t0 + 7 * TT_MS - 1,
			  t0 + 7 * TT_MS + TT_MS / 2, t0 + 5 * TT_MS - 2 };
	uint64_t want[] = { t0 + 5 * TT_MS, t0 + 6 * TT_MS, t0 + 7 * TT_MS, t0 + 8 * TT_MS,
			    t0 + 5 * TT_MS };
	struct tt_timer x[5];
	struct tt_rec r;
	uint64_t now;
	unsigned int i;

	CU_ASSERT_PTR_NOT_NULL_FATAL(w);
	memset(x, 0, sizeof(x));
	tt_rec_init(&r, TT_MS, t0);
	for (i = 0; i < 5; i++)
		tt_arm(w, &x[i], dl[i]);
	CU_ASSERT_EQUAL(w->armed, 5);
	CU_ASSERT_EQUAL(tcp_timer_fire_ns(w, &x[1].t), t0 + 6 * TT_MS);
	CU_ASSERT_EQUAL(tt_advance(w, &r, t0 + 5 * TT_MS - 1, UINT_MAX), 0);
	CU_ASSERT_EQUAL(tt_advance(w, &r, t0, UINT_MAX), 0);   /* time going backwards */
	CU_ASSERT_EQUAL(tt_advance(w, &r, t0 + 5 * TT_MS, UINT_MAX), 2);      /* x[0], x[4] */
	CU_ASSERT_EQUAL(x[0].fired_ns, t0 + 5 * TT_MS);
	for (now = t0 + 5 * TT_MS + 1; now < t0 + 20 * TT_MS; now += 250000)
		tt_advance(w, &r, now, UINT_MAX);
	for (i = 0; i < 5; i++) {
		CU_ASSERT_EQUAL(x[i].fires, 1);
		/* steps of 250 us from 1 ns after a boundary: the first advance past it */
		CU_ASSERT(x[i].fired_ns >= want[i] && x[i].fired_ns < want[i] + 250000);
		CU_ASSERT(x[i].fired_ns >= dl[i]);
	}
	tt_rec_clean(&r);
	CU_ASSERT_EQUAL(w->armed, 0);
	CU_ASSERT_EQUAL(w->fired, 5);
	tcp_timer_wheel_free(w);
}

/* 1000 timers armed latest first over three turns fire earliest first, in one call. */
static void
test_order(void)
{
	static struct tt_timer x[1000];
	static uint32_t seq[1000];
	struct tcp_timer_wheel *w = tt_wheel(256, TT_MS, TT_START_NS);
	struct tt_rec r;
	int i;

	CU_ASSERT_PTR_NOT_NULL_FATAL(w);
	memset(x, 0, sizeof(x));
	tt_rec_init(&r, TT_MS, TT_START_NS);
	r.seq = seq;
	r.seq_max = 1000;
	for (i = 999; i >= 0; i--) {
		x[i].id = (uint32_t)i;
		tt_arm(w, &x[i], TT_START_NS + (uint64_t)i * 3 * TT_MS / 4 + 1);
	}
	CU_ASSERT_EQUAL(tt_advance(w, &r, TT_START_NS + 800 * TT_MS, UINT_MAX), 1000);
	for (i = 1; i < 1000; i++)
		CU_ASSERT(tt_boundary_tick(x[seq[i]].deadline_ns, TT_MS) >=
			  tt_boundary_tick(x[seq[i - 1]].deadline_ns, TT_MS));
	CU_ASSERT_EQUAL(r.early + r.order + r.twice, 0);
	tcp_timer_wheel_free(w);
}

/* Timers 0 to 40 turns away, several per slot, each fired at its boundary exactly while
 * the wheel is advanced a tick at a time; the near one in a slot does not take the far
 * ones with it. */
static void
test_far_timers(void)
{
	static struct tt_timer x[41 * 3];
	struct tcp_timer_wheel *w = tt_wheel(64, TT_MS, TT_START_NS);
	uint64_t base = (TT_START_NS / TT_MS + 1) * TT_MS, now;
	struct tt_rec r;
	unsigned int k, j;

	CU_ASSERT_PTR_NOT_NULL_FATAL(w);
	memset(x, 0, sizeof(x));
	tt_rec_init(&r, TT_MS, TT_START_NS);
	for (k = 0; k <= 40; k++)
		for (j = 0; j < 3; j++)         /* slots 7, 7 and 20 of turn k */
			tt_arm(w, &x[k * 3 + j], base + (k * 64 + (j == 2 ? 20 : 7)) * TT_MS -
			       (j == 1 ? 1 : 0));
	for (now = base; now < base + 42 * 64 * TT_MS; now += TT_MS)
		tt_advance(w, &r, now, UINT_MAX);
	for (k = 0; k < 41 * 3; k++) {
		CU_ASSERT_EQUAL(x[k].fires, 1);
		CU_ASSERT_EQUAL(x[k].fired_ns, tt_boundary_tick(x[k].deadline_ns, TT_MS) * TT_MS);
	}
	tt_rec_clean(&r);
	CU_ASSERT_EQUAL(w->armed, 0);
	tcp_timer_wheel_free(w);
}

/*
 * A one-word wheel (64 slots) with more than a turn due in one call: after the jump to
 * the first timer (slot 61), the next (slot 58) is below the walk's place in the same
 * bitmap word, found only by reading that word again at the end of the search.
 */
static void
test_busy_search_wraps(void)
{
	struct tcp_timer_wheel *w = tt_wheel(64, TT_MS, 0);
	struct tt_timer x[3];
	struct tt_rec r;
	unsigned int i;

	CU_ASSERT_PTR_NOT_NULL_FATAL(w);
	memset(x, 0, sizeof(x));
	tt_rec_init(&r, TT_MS, 0);
	tt_arm(w, &x[0], 61 * TT_MS);
	tt_arm(w, &x[1], 122 * TT_MS);
	tt_arm(w, &x[2], (122 + 5 * 64) * TT_MS);
	CU_ASSERT_EQUAL(tt_advance(w, &r, 1000 * TT_MS, UINT_MAX), 3);
	for (i = 0; i < 3; i++)
		CU_ASSERT_EQUAL(x[i].fires, 1);
	CU_ASSERT_EQUAL(w->armed, 0);
	CU_ASSERT_EQUAL(r.early + r.order + r.twice, 0);
	tcp_timer_wheel_free(w);
}

static void
test_cancel(void)
{
	struct tcp_timer_wheel *w = tt_wheel(64, TT_MS, TT_START_NS);
	struct tt_timer x[3];
	struct tt_rec r;

	CU_ASSERT_PTR_NOT_NULL_FATAL(w);
	memset(x, 0, sizeof(x));        /* zeroed: not armed */
	tt_rec_init(&r, TT_MS, TT_START_NS);
	CU_ASSERT_FALSE(tcp_timer_armed(&x[0].t));
	tcp_timer_cancel(w, &x[0].t);   /* not armed: nothing */
	CU_ASSERT_EQUAL(w->armed, 0);
	tt_arm(w, &x[0], TT_START_NS + 10 * TT_MS);
	tt_arm(w, &x[1], TT_START_NS + 10 * TT_MS);     /* the same slot */
	tt_arm(w, &x[2], TT_START_NS + 202 * TT_MS);    /* the same slot, three turns on */
	CU_ASSERT_TRUE(tcp_timer_armed(&x[0].t));
	tcp_timer_cancel(w, &x[0].t);
	tcp_timer_cancel(w, &x[0].t);   /* twice */
	tcp_timer_cancel(w, &x[2].t);
	CU_ASSERT_FALSE(tcp_timer_armed(&x[0].t));
	CU_ASSERT_EQUAL(w->armed, 1);
	CU_ASSERT_EQUAL(tt_advance(w, &r, TT_START_NS + 1000 * TT_MS, UINT_MAX), 1);
	CU_ASSERT_EQUAL(x[0].fires + x[1].fires * 10 + x[2].fires * 100, 10);
	/* cancelled, then armed again: fires */
	tt_arm(w, &x[0], TT_START_NS + 1001 * TT_MS);
	tcp_timer_init(&x[2].t);
	CU_ASSERT_EQUAL(tt_advance(w, &r, TT_START_NS + 1002 * TT_MS, UINT_MAX), 1);
	CU_ASSERT_EQUAL(x[0].fires, 1);
	CU_ASSERT_EQUAL(w->armed, 0);
	tt_rec_clean(&r);
	tcp_timer_wheel_free(w);
}

static void
test_rearm(void)
{
	struct tcp_timer_wheel *w = tt_wheel(64, TT_MS, TT_START_NS);
	struct tt_timer a, b, c;
	struct tt_rec r;
	uint64_t t0 = TT_START_NS, now;

	CU_ASSERT_PTR_NOT_NULL_FATAL(w);
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	memset(&c, 0, sizeof(c));
	tt_rec_init(&r, TT_MS, t0);
	tt_arm(w, &a, t0 + 100 * TT_MS);
	tt_arm(w, &a, t0 + 50 * TT_MS);         /* earlier */
	tt_arm(w, &b, t0 + 30 * TT_MS);
	tt_arm(w, &b, t0 + 300 * TT_MS);        /* later, several turns */
	tt_arm(w, &c, t0 + 40 * TT_MS + 10);
	tt_arm(w, &c, t0 + 40 * TT_MS + 20);    /* within its tick: stays */
	CU_ASSERT_EQUAL(w->armed, 3);
	for (now = t0; now <= t0 + 400 * TT_MS; now += TT_MS / 3)
		tt_advance(w, &r, now, UINT_MAX);
	CU_ASSERT_EQUAL(a.fires, 1);
	CU_ASSERT_EQUAL(b.fires, 1);
	CU_ASSERT_EQUAL(c.fires, 1);
	CU_ASSERT(a.fired_ns >= t0 + 50 * TT_MS && a.fired_ns < t0 + 51 * TT_MS);
	CU_ASSERT(b.fired_ns >= t0 + 300 * TT_MS && b.fired_ns < t0 + 301 * TT_MS);
	tt_rec_clean(&r);
	tcp_timer_wheel_free(w);
}

/* Callbacks that arm and cancel. */
struct tt_cb {
	struct tt_rec r;
	struct tt_timer *periodic;      /* re-armed a period after its deadline */
	uint64_t period_ns;
	struct tt_timer *again;         /* re-armed for now */
	struct tt_timer *pair[2];       /* whichever fires first cancels the other */
	struct tt_timer *spawn;         /* armed for now by the pair's fire */
	uint64_t again_ticks[16];
	unsigned int again_n;
};

static void
tt_cb_fire(struct tcp_timer_wheel *w, struct tcp_timer *t, uint64_t now_ns, void *arg)
{
	struct tt_cb *c = arg;
	struct tt_timer *x = tt_of(t);

	if (x == c->periodic) {
		tt_record(w, t, now_ns, &c->r);
		x->fires = 0;                   /* not "twice": it is re-armed */
		tt_arm(w, x, x->deadline_ns + c->period_ns);
	} else if (x == c->again) {
		x->fires++;
		if (c->again_n < 16)
			c->again_ticks[c->again_n++] = now_ns / TT_MS;
		CU_ASSERT(now_ns >= x->deadline_ns);
		tt_arm(w, x, now_ns);
	} else if (x == c->pair[0] || x == c->pair[1]) {
		tt_record(w, t, now_ns, &c->r);
		tcp_timer_cancel(w, &c->pair[x == c->pair[0]]->t);
		tt_arm(w, c->spawn, now_ns);    /* a deadline in the tick being fired */
	} else {
		tt_record(w, t, now_ns, &c->r);
	}
}

static void
test_rearm_in_callback(void)
{
	struct tcp_timer_wheel *w = tt_wheel(64, TT_MS, 0);
	struct tt_timer p, g, a, b, s;
	struct tt_cb c;
	uint64_t now;
	unsigned int n;

	CU_ASSERT_PTR_NOT_NULL_FATAL(w);
	memset(&c, 0, sizeof(c));
	memset(&p, 0, sizeof(p));
	memset(&g, 0, sizeof(g));
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	memset(&s, 0, sizeof(s));
	tt_rec_init(&c.r, TT_MS, 0);
	c.periodic = &p;
	c.period_ns = 7 * TT_MS + 300;  /* 7.0003 ms: its boundaries drift through the ticks */
	c.again = &g;
	c.pair[0] = &a;
	c.pair[1] = &b;
	c.spawn = &s;

	/* periodic: 1000 periods, each at its own boundary, over 100+ turns */
	tt_arm(w, &p, c.period_ns);
	for (now = 0, n = 0; now <= 1000 * c.period_ns + TT_MS; now += TT_MS / 4) {
		n += tcp_timer_wheel_advance(w, now, tt_cb_fire, &c, UINT_MAX);
		c.r.prev_now_ns = now;
	}
	CU_ASSERT_EQUAL(c.r.n, 1000);
	CU_ASSERT_EQUAL(n, 1000);
	CU_ASSERT_EQUAL(c.r.early + c.r.late + c.r.order, 0);
	tcp_timer_cancel(w, &p.t);

	/* re-armed for now: the next tick, not this one again */
	now = 100000 * TT_MS;
	tt_arm(w, &g, now);
	CU_ASSERT_EQUAL(tcp_timer_wheel_advance(w, now, tt_cb_fire, &c, UINT_MAX), 1);
	CU_ASSERT_EQUAL(tcp_timer_wheel_advance(w, now, tt_cb_fire, &c, UINT_MAX), 0);
	CU_ASSERT_EQUAL(tcp_timer_wheel_advance(w, now + TT_MS - 1, tt_cb_fire, &c, UINT_MAX), 0);
	CU_ASSERT_EQUAL(tcp_timer_wheel_advance(w, now + TT_MS, tt_cb_fire, &c, UINT_MAX), 1);
	/* 9 ms later in one call: the tick after, then (armed for that now) the last one */
	CU_ASSERT_EQUAL(tcp_timer_wheel_advance(w, now + 10 * TT_MS, tt_cb_fire, &c, UINT_MAX), 2);
	CU_ASSERT_EQUAL(g.fires, 4);
	CU_ASSERT_EQUAL(c.again_ticks[0], 100000);
	CU_ASSERT_EQUAL(c.again_ticks[1], 100001);
	CU_ASSERT_EQUAL(c.again_ticks[2], 100010);      /* fired for tick 100002, at now */
	CU_ASSERT_EQUAL(c.again_ticks[3], 100010);
	CU_ASSERT_EQUAL(tcp_timer_fire_ns(w, &g.t), now + 11 * TT_MS);
	tcp_timer_cancel(w, &g.t);

	/* two in one tick: the first cancels the second and spawns a third for now */
	now = 200000 * TT_MS;
	tt_arm(w, &a, now + 5 * TT_MS);
	tt_arm(w, &b, now + 5 * TT_MS - 1);
	c.r.n = 0;
	c.r.last_tick = 0;
	c.r.prev_now_ns = now;
	CU_ASSERT_EQUAL(tcp_timer_wheel_advance(w, now + 5 * TT_MS, tt_cb_fire, &c, UINT_MAX), 1);
	CU_ASSERT_EQUAL(a.fires + b.fires, 1);
	CU_ASSERT_EQUAL(s.fires, 0);
	CU_ASSERT_TRUE(tcp_timer_armed(&s.t));
	CU_ASSERT_EQUAL(tcp_timer_fire_ns(w, &s.t), now + 6 * TT_MS);
	CU_ASSERT_EQUAL(tcp_timer_wheel_advance(w, now + 6 * TT_MS, tt_cb_fire, &c, UINT_MAX), 1);
	CU_ASSERT_EQUAL(s.fires, 1);
	CU_ASSERT_EQUAL(w->armed, 0);
	CU_ASSERT_EQUAL(c.r.early + c.r.order + c.r.twice, 0);
	tcp_timer_wheel_free(w);
}

/* A backlog of 1500 due at once, drained 7 at a time: no call over its budget, none
 * lost, none early, tick 5's before tick 6's, the far ones at their own time; a budget
 * of 0 fires nothing and loses nothing. */
static void
test_max_fires(void)
{
	static struct tt_timer x[1510];
	struct tcp_timer_wheel *w = tt_wheel(64, TT_MS, 0);
	struct tt_rec r;
	unsigned int i, n, calls = 0, over = 0;

	/* the backlog at 60 ms: before the first far one (69 ms) */

	CU_ASSERT_PTR_NOT_NULL_FATAL(w);
	memset(x, 0, sizeof(x));
	tt_rec_init(&r, TT_MS, 0);
	r.exact = 0;
	for (i = 0; i < 1510; i++) {
		x[i].id = i;
		if (i < 1000)
			tt_arm(w, &x[i], 5 * TT_MS - i % 7);
		else if (i < 1500)
			tt_arm(w, &x[i], 6 * TT_MS);
		else                            /* slot 5, turns 1 to 10 */
			tt_arm(w, &x[i], (5 + 64 * (i - 1499)) * TT_MS);
	}
	CU_ASSERT_EQUAL(tt_advance(w, &r, 60 * TT_MS, 0), 0);
	CU_ASSERT_EQUAL(w->armed, 1510);
	do {
		n = tt_advance(w, &r, 60 * TT_MS, 7);
		over += n > 7;
		calls++;
	} while (n == 7);
	CU_ASSERT_EQUAL(over, 0);
	CU_ASSERT_EQUAL(calls, 1500 / 7 + 1);
	CU_ASSERT_EQUAL(r.n, 1500);
	for (i = 0; i < 1500; i++)
		CU_ASSERT_EQUAL(x[i].fires, 1);
	CU_ASSERT_EQUAL(w->armed, 10);
	/* a backlog left, then time moves on: the backlog first, then the rest in order */
	for (i = 0; i < 1500; i++)
		tt_arm(w, &x[i], 60 * TT_MS + 1 + (i % 3) * TT_MS);
	CU_ASSERT_EQUAL(tt_advance(w, &r, 61 * TT_MS, 100), 100);
	while (tt_advance(w, &r, 2000 * TT_MS, 64) == 64)
		;
	CU_ASSERT_EQUAL(r.n, 3010);
	CU_ASSERT_EQUAL(w->armed, 0);
	for (i = 1500; i < 1510; i++)
		CU_ASSERT_EQUAL(x[i].fired_ns, 2000 * TT_MS);
	CU_ASSERT_EQUAL(r.early + r.order, 0);
	tcp_timer_wheel_free(w);
}

/* The sorted list: timers by boundary tick. */
struct tt_ref {
	uint64_t tick;
	uint32_t id;
};

static int
tt_ref_cmp(const void *a, const void *b)
{
	const struct tt_ref *x = a, *y = b;

	return x->tick < y->tick ? -1 : x->tick > y->tick;
}

#define TT_RANDOM_N 100000

/*
 * 100,000 deadlines at random over 30 s (a tenth on boundaries, a hundredth up to 300 s
 * out), the wheel advanced in random steps (now and then 60 ms at once) with a budget
 * or none. Checked per call: as many fired as the sorted list has due (or the budget
 * allows); per fire: not early, not late (without a budget: the previous advance was
 * before its boundary), and the k-th fire has the list's k-th tick.
 */
static void
tt_random_run(unsigned int budget)
{
	static struct tt_timer x[TT_RANDOM_N];
	static struct tt_ref ref[TT_RANDOM_N];
	static uint32_t seq[TT_RANDOM_N];
	struct tcp_timer_wheel *w = tt_wheel(TCP_TIMER_SLOTS_DEFAULT, TT_MS, TT_START_NS);
	uint64_t now = TT_START_NS, bad_count = 0, bad_tick = 0, due = 0, k;
	struct tt_rec r;
	uint32_t i;

	CU_ASSERT_PTR_NOT_NULL_FATAL(w);
	memset(x, 0, sizeof(x));
	tt_rec_init(&r, TT_MS, now);
	r.exact = budget == UINT_MAX;
	r.seq = seq;
	r.seq_max = TT_RANDOM_N;
	for (i = 0; i < TT_RANDOM_N; i++) {
		uint64_t dl = now + 1 + tt_rand() % (30000 * TT_MS);

		if (i % 10 == 0)
			dl = dl / TT_MS * TT_MS + TT_MS;
		if (i % 100 == 1)
			dl = now + 1 + tt_rand() % (300000 * TT_MS);
		x[i].id = i;
		tt_arm(w, &x[i], dl);
		ref[i].tick = tt_boundary_tick(dl, TT_MS);
		ref[i].id = i;
	}
	qsort(ref, TT_RANDOM_N, sizeof(ref[0]), tt_ref_cmp);
	CU_ASSERT_EQUAL(w->armed, TT_RANDOM_N);
	while (r.n < TT_RANDOM_N && now < TT_START_NS + 400000 * TT_MS) {
		uint64_t before = r.n, want;
		unsigned int n;

		now += tt_rand() % 64 == 0 ? 60 * TT_MS : tt_rand() % (5 * TT_MS / 2);
		while (due < TT_RANDOM_N && ref[due].tick * TT_MS <= now)
			due++;
		n = tt_advance(w, &r, now, budget);
		want = due - before < budget ? due - before : budget;
		bad_count += n != want || r.n != before + n;
	}
	for (k = 0; k < r.n; k++)
		bad_tick += tt_boundary_tick(x[seq[k]].deadline_ns, TT_MS) != ref[k].tick;
	CU_ASSERT_EQUAL(r.n, TT_RANDOM_N);
	CU_ASSERT_EQUAL(bad_count, 0);
	CU_ASSERT_EQUAL(bad_tick, 0);
	tt_rec_clean(&r);
	CU_ASSERT_EQUAL(w->armed, 0);
	tcp_timer_wheel_free(w);
}

static void
test_random_reference(void)
{
	tt_random_run(UINT_MAX);
}

static void
test_random_reference_budget(void)
{
	tt_random_run(16);
}

/* The heap model: armed timers by tick; a re-armed or cancelled timer's old entry is
 * left in and skipped (its generation is stale). */
#define TC_N    20000
#define TC_HEAP (1u << 21)

struct tc_ent {
	uint64_t tick;
	uint32_t id;
	uint32_t gen;
};

struct tc_model {
	struct tc_ent *heap;
	uint32_t len;
	uint32_t gen[TC_N];
	uint64_t tick[TC_N];
	uint64_t expect_call[TC_N];
	uint8_t armed[TC_N];
	uint64_t call;
	uint64_t expected, fired, bad;
	uint64_t last_tick;
	uint64_t now_ns;
	struct tt_timer *x;
};

static void
tc_push(struct tc_model *m, uint64_t tick, uint32_t id)
{
	uint32_t i = m->len++;

	CU_ASSERT_FATAL(i < TC_HEAP);
	while (i > 0 && m->heap[(i - 1) / 2].tick > tick) {
		m->heap[i] = m->heap[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	m->heap[i].tick = tick;
	m->heap[i].id = id;
	m->heap[i].gen = m->gen[id];
}

static struct tc_ent
tc_pop(struct tc_model *m)
{
	struct tc_ent top = m->heap[0], last = m->heap[--m->len];
	uint32_t i = 0;

	for (;;) {
		uint32_t c = 2 * i + 1;

		if (c >= m->len)
			break;
		if (c + 1 < m->len && m->heap[c + 1].tick < m->heap[c].tick)
			c++;
		if (m->heap[c].tick >= last.tick)
			break;
		m->heap[i] = m->heap[c];
		i = c;
	}
	if (m->len)
		m->heap[i] = last;
	return top;
}

/* The model's side of an arm: the tick the wheel must give it, given the earliest it may
 * take (the tick after the last boundary passed; in a callback, after the one firing). */
static void
tc_arm(struct tcp_timer_wheel *w, struct tc_model *m, uint32_t id, uint64_t deadline_ns,
       uint64_t arm_tick)
{
	uint64_t e = tt_boundary_tick(deadline_ns, TT_MS);

	if (e < arm_tick)
		e = arm_tick;
	if (m->armed[id] && m->expect_call[id] == m->call)
		m->expected--;                  /* was due in this call: no longer */
	m->expect_call[id] = 0;
	m->gen[id]++;
	m->armed[id] = 1;
	m->tick[id] = e;
	tc_push(m, e, id);
	tt_arm(w, &m->x[id], deadline_ns);
}

static void
tc_cancel(struct tcp_timer_wheel *w, struct tc_model *m, uint32_t id)
{
	if (m->armed[id] && m->expect_call[id] == m->call)
		m->expected--;
	m->expect_call[id] = 0;
	m->armed[id] = 0;
	m->gen[id]++;
	tcp_timer_cancel(w, &m->x[id].t);
}

static void
tc_fire(struct tcp_timer_wheel *w, struct tcp_timer *t, uint64_t now_ns, void *arg)
{
	struct tc_model *m = arg;
	uint32_t id = tt_of(t)->id;
	uint64_t r = tt_rand();

	m->bad += !m->armed[id] || m->expect_call[id] != m->call ||
		  now_ns < tt_of(t)->deadline_ns || m->tick[id] < m->last_tick ||
		  tcp_timer_armed(t);
	m->last_tick = m->tick[id];
	m->armed[id] = 0;
	m->expect_call[id] = 0;         /* calls count from 1 */
	m->gen[id]++;
	m->fired++;
	/* deadlines after now: nothing armed here is due in this call */
	if (r % 4 == 0)
		tc_arm(w, m, id, now_ns + 1 + tt_rand() % (3000 * TT_MS), 0);
	if (r % 16 == 1)
		tc_cancel(w, m, (uint32_t)(tt_rand() % TC_N));
	if (r % 16 == 2)
		tc_arm(w, m, (uint32_t)(tt_rand() % TC_N),
		       now_ns + 1 + tt_rand() % (500 * TT_MS), 0);
}

/*
 * 20,000 timers, 200,000 random steps: arms and re-arms for deadlines from 5 ms past to
 * 3 s ahead, cancels, advances of up to 3 ms and now and then of up to 10 s; callbacks
 * re-arm themselves and arm or cancel others. Each advance must fire exactly the timers
 * the heap has due, each in that call, in order of ticks. On wheels of 64 slots (one
 * bitmap word; a 10 s gap is 150 turns), 256 and 4096 (3 s fits in a turn).
 */
static void
tc_run(uint32_t slots)
{
	static struct tt_timer x[TC_N];
	static struct tc_model m;
	struct tcp_timer_wheel *w = tt_wheel(slots, TT_MS, TT_START_NS);
	uint64_t now = TT_START_NS, bad_n = 0, steps, total = 0, armed_model = 0;
	uint32_t i;

	CU_ASSERT_PTR_NOT_NULL_FATAL(w);
	memset(x, 0, sizeof(x));
	memset(&m, 0, sizeof(m));
	m.heap = calloc(TC_HEAP, sizeof(*m.heap));
	CU_ASSERT_PTR_NOT_NULL_FATAL(m.heap);
	m.x = x;
	for (i = 0; i < TC_N; i++)
		x[i].id = i;
	for (steps = 0; steps < 200000; steps++) {
		uint64_t r = tt_rand() % 100, arm_tick = now / TT_MS + 1;
		uint32_t id = (uint32_t)(tt_rand() % TC_N);

		if (r < 45) {
			tc_arm(w, &m, id, now - 5 * TT_MS + tt_rand() % (3005 * TT_MS), arm_tick);
		} else if (r < 55) {
			tc_cancel(w, &m, id);
		} else {
			unsigned int n;

			now += r == 99 ? tt_rand() % (10000 * TT_MS) : tt_rand() % (3 * TT_MS);
			m.call++;
			m.expected = 0;
			m.fired = 0;
			m.last_tick = 0;
			while (m.len && m.heap[0].tick * TT_MS <= now) {
				struct tc_ent e = tc_pop(&m);

				if (e.gen == m.gen[e.id] && m.armed[e.id]) {
					m.expect_call[e.id] = m.call;
					m.expected++;
				}
			}
			n = tcp_timer_wheel_advance(w, now, tc_fire, &m, UINT_MAX);
			bad_n += n != m.fired || m.fired != m.expected;
			total += n;
		}
	}
	for (i = 0; i < TC_N; i++) {
		armed_model += m.armed[i];
		bad_n += m.armed[i] != tcp_timer_armed(&x[i].t);
	}
	printf("\n  %u slots: %llu fired, %llu armed at the end", slots,
	       (unsigned long long)total, (unsigned long long)armed_model);
	CU_ASSERT(total > 100000);
	CU_ASSERT_EQUAL(m.bad, 0);
	CU_ASSERT_EQUAL(bad_n, 0);
	CU_ASSERT_EQUAL(w->armed, armed_model);
	free(m.heap);
	tcp_timer_wheel_free(w);
}

static void
test_churn_reference(void)
{
	tc_run(64);
	tc_run(256);
	tc_run(TCP_TIMER_SLOTS_DEFAULT);
}

static double
tt_elapsed_us(const struct timespec *a)
{
	struct timespec b;

	clock_gettime(CLOCK_MONOTONIC, &b);
	return (double)(b.tv_sec - a->tv_sec) * 1e6 + (double)(b.tv_nsec - a->tv_nsec) / 1e3;
}

/*
 * An empty wheel left for a year, then a wheel with timers 1 s to 12 days out left for
 * three weeks (some 440,000 turns): each advance one call, quick, in order; the wheel's
 * clock right afterwards (a timer 3 ms on fires at the boundary after). With a budget of
 * 2 the same gap takes three calls.
 */
static void
test_idle_gap(void)
{
	const uint64_t turn_ns = TCP_TIMER_SLOTS_DEFAULT * TT_MS;
	const uint64_t year_ns = 365ull * 86400 * 1000 * TT_MS;
	struct tcp_timer_wheel *w = tt_wheel(TCP_TIMER_SLOTS_DEFAULT, TT_MS, TT_START_NS);
	uint64_t t0 = TT_START_NS, now;
	uint64_t off[] = { 1000 * TT_MS, turn_ns + 5 * TT_MS, 100 * turn_ns + 7, 10000 * turn_ns,
			   250000 * turn_ns + 3 };
	static uint32_t seq[8];
	struct tt_timer x[5], y;
	struct timespec ts;
	struct tt_rec r;
	double us_empty, us_gap;
	unsigned int i;

	CU_ASSERT_PTR_NOT_NULL_FATAL(w);
	memset(x, 0, sizeof(x));
	memset(&y, 0, sizeof(y));
	tt_rec_init(&r, TT_MS, t0);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	CU_ASSERT_EQUAL(tt_advance(w, &r, t0 + year_ns, UINT_MAX), 0);
	us_empty = tt_elapsed_us(&ts);

	now = t0 + year_ns;
	r.seq = seq;
	r.seq_max = 8;
	for (i = 0; i < 5; i++) {
		x[i].id = 4 - i;
		tt_arm(w, &x[i], now + off[4 - i]);     /* latest first */
	}
	clock_gettime(CLOCK_MONOTONIC, &ts);
	CU_ASSERT_EQUAL(tt_advance(w, &r, now + 440000 * turn_ns, UINT_MAX), 5);
	us_gap = tt_elapsed_us(&ts);
	for (i = 0; i < 5; i++)
		CU_ASSERT_EQUAL(seq[i], i);
	now += 440000 * turn_ns;
	tt_arm(w, &y, now + 3 * TT_MS);
	CU_ASSERT(tcp_timer_fire_ns(w, &y.t) >= now + 3 * TT_MS);
	CU_ASSERT(tcp_timer_fire_ns(w, &y.t) < now + 4 * TT_MS);
	CU_ASSERT_EQUAL(tt_advance(w, &r, tcp_timer_fire_ns(w, &y.t) - 1, UINT_MAX), 0);
	CU_ASSERT_EQUAL(tt_advance(w, &r, tcp_timer_fire_ns(w, &y.t), UINT_MAX), 1);
	CU_ASSERT_EQUAL(y.fires, 1);
	tt_rec_clean(&r);

	/* the same with a budget of 2 */
	now += 10 * TT_MS;
	for (i = 0; i < 5; i++) {
		x[i].fires = 0;
		tt_arm(w, &x[i], now + off[4 - i]);
	}
	r.n = 0;
	r.last_tick = 0;
	r.exact = 0;
	CU_ASSERT_EQUAL(tt_advance(w, &r, now + 440000 * turn_ns, 2), 2);
	CU_ASSERT_EQUAL(tt_advance(w, &r, now + 440000 * turn_ns, 2), 2);
	CU_ASSERT_EQUAL(tt_advance(w, &r, now + 440000 * turn_ns, 2), 1);
	for (i = 0; i < 5; i++)
		CU_ASSERT_EQUAL(seq[i], i);
	CU_ASSERT_EQUAL(r.early + r.order + r.twice, 0);
	CU_ASSERT_EQUAL(w->armed, 0);
	printf("\n  advance over a year, empty: %.1f us; over 440,000 turns with 5 timers: %.1f us",
	       us_empty, us_gap);
	tcp_timer_wheel_free(w);
}

static void
test_create_refused(void)
{
	static const struct {
		uint32_t slots;
		uint64_t tick_ns;
		const char *says;
	} bad[] = {
		{ 100, TT_MS, "power of two" },
		{ 32, TT_MS, "power of two from 64" },
		{ 1u << 23, TT_MS, "power of two" },
		{ 4096, 0, "want 1 us to 1 s" },
		{ 4096, 999, "want 1 us to 1 s" },
		{ 4096, 2000 * TT_MS, "want 1 us to 1 s" },
	};
	char err[128];
	struct tcp_timer_wheel *w = (struct tcp_timer_wheel *)(void *)err;  /* not NULL */
	unsigned int i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		CU_ASSERT_EQUAL(tcp_timer_wheel_create(bad[i].slots, bad[i].tick_ns, 0, &w, err,
						       sizeof(err)), -EINVAL);
		CU_ASSERT_PTR_NULL(w);
		if (!strstr(err, bad[i].says))
			printf("\n  case %u: '%s' lacks '%s'", i, err, bad[i].says);
		CU_ASSERT_PTR_NOT_NULL(strstr(err, bad[i].says));
	}
	CU_ASSERT_EQUAL(tcp_timer_wheel_create(64, TCP_TIMER_TICK_NS_MIN, UINT64_MAX - 5, &w, err,
					       sizeof(err)), 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(w);
	CU_ASSERT_EQUAL(tcp_timer_wheel_advance(w, UINT64_MAX, tt_record, NULL, UINT_MAX), 0);
	tcp_timer_wheel_free(w);
	tcp_timer_wheel_free(NULL);
}

static const struct unit_test tests[] = {
	UNIT_TEST(test_deadline_not_before),
	UNIT_TEST(test_order),
	UNIT_TEST(test_far_timers),
	UNIT_TEST(test_busy_search_wraps),
	UNIT_TEST(test_cancel),
	UNIT_TEST(test_rearm),
	UNIT_TEST(test_rearm_in_callback),
	UNIT_TEST(test_max_fires),
	UNIT_TEST(test_random_reference),
	UNIT_TEST(test_random_reference_budget),
	UNIT_TEST(test_churn_reference),
	UNIT_TEST(test_idle_gap),
	UNIT_TEST(test_create_refused),
	{ NULL, NULL },
};

int
main(void)
{
	return unit_run("tcp_timer", tests, NULL, NULL);
}
