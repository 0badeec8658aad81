/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lb_policy_fp: the per-packet arithmetic of the stateful balancing policies.
 *
 * Smooth weighted round robin (nginx's, ngx_http_upstream_round_robin.c): every pick adds
 * each backend's weight to its running "current" score, picks the highest, and takes the
 * total weight from the winner. Over a cycle of W = sum(weights) picks each backend is
 * picked exactly weight times, and picks are spread out (5,1,1 gives a a b a c a a, not
 * a a a a a b c). State is per worker and per pool: workers interleave, each smooth.
 *
 * Peak-EWMA latency (Finagle's PeakEwma load metric): a backend's cost is an exponentially
 * weighted moving average of observed round-trip times that jumps straight up to a slower
 * sample (so a backend going bad is avoided at once) and decays toward faster ones with
 * time constant tau: cost = cost * w + rtt * (1 - w), w = exp(-dt / tau). The load is
 * cost * (in-flight + 1); the picker compares two random backends' loads (power of two
 * choices). exp() is a 64-entry table in Q16 over [0, 4) tau, linearly interpolated, so
 * the fast path never calls libm; beyond 4 tau the old cost counts for less than 2%.
 *
 * Context: worker lcores (state owned by the caller); pure functions.
 */
#ifndef SL_LB_POLICY_FP_H
#define SL_LB_POLICY_FP_H

#include <stdint.h>

struct lb_swrr {
	int32_t weight;         /* 0: not picked (drain, maint, weight 0) */
	int32_t current;
};

/* The index picked among n, or -1 if no backend has weight. */
static inline int
lb_swrr_pick(struct lb_swrr *e, unsigned int n)
{
	int32_t total = 0;
	int best = -1;
	unsigned int i;

	for (i = 0; i < n; i++) {
		if (e[i].weight <= 0)
			continue;
		e[i].current += e[i].weight;
		total += e[i].weight;
		if (best < 0 || e[i].current > e[best].current)
			best = (int)i;
	}
	if (best >= 0)
		e[best].current -= total;
	return best;
}

#define LB_PEWMA_Q        16
#define LB_PEWMA_STEPS    16            /* table entries per tau */
#define LB_PEWMA_SPAN     4             /* the table covers [0, 4) tau */

struct lb_pewma {
	uint64_t cost_ns;       /* the moving average, ns */
	uint64_t stamp_ns;      /* when cost_ns was last decayed */
	uint32_t inflight;      /* flows opened and not yet answered */
};

/* round(65536 * exp(-k / LB_PEWMA_STEPS)) for k = 0 .. 64 (Python: [round(65536 * math.exp(-k /
 * 16)) for k in range(65)]). */
static const uint32_t lb_pewma_exp_q16[LB_PEWMA_STEPS * LB_PEWMA_SPAN + 1] = {
	65536, 61565, 57835, 54331, 51039, 47947, 45042, 42313, 39750, 37341, 35079, 32954,
	30957, 29081, 27319, 25664, 24109, 22649, 21276, 19987, 18776, 17639, 16570, 15566,
	14623, 13737, 12905, 12123, 11388, 10698, 10050, 9441, 8869, 8332, 7827, 7353,
	6907, 6489, 6096, 5726, 5380, 5054, 4747, 4460, 4190, 3936, 3697, 3473, 3263, 3065,
	2879, 2705, 2541, 2387, 2243, 2107, 1979, 1859, 1746, 1641, 1541, 1448, 1360, 1278,
	1200,
};

/* exp(-dt / tau) in Q16. */
static inline uint32_t
lb_pewma_decay_q16(uint64_t dt_ns, uint64_t tau_ns)
{
	uint64_t x, k, frac;

	if (tau_ns == 0 || dt_ns >= tau_ns * LB_PEWMA_SPAN)
		return 0;
	x = dt_ns * LB_PEWMA_STEPS * 256 / tau_ns;      /* steps, with 8 fraction bits */
	k = x >> 8;
	frac = x & 255;
	return (uint32_t)((lb_pewma_exp_q16[k] * (256 - frac) + lb_pewma_exp_q16[k + 1] * frac) >> 8);
}

/* A round-trip time observed at now. */
static inline void
lb_pewma_observe(struct lb_pewma *p, uint64_t rtt_ns, uint64_t now_ns, uint64_t tau_ns)
{
	uint64_t dt = now_ns > p->stamp_ns ? now_ns - p->stamp_ns : 0;
	uint64_t w = lb_pewma_decay_q16(dt, tau_ns);

	if (rtt_ns > p->cost_ns)
		p->cost_ns = rtt_ns;                    /* the peak: at once */
	else
		p->cost_ns = (p->cost_ns * w + rtt_ns * ((1u << LB_PEWMA_Q) - w)) >> LB_PEWMA_Q;
	p->stamp_ns = now_ns;
}

/* The load the picker compares: cost * (in-flight + 1). An unmeasured backend (cost 0)
 * is tried first, as Finagle does, so it gets measured. */
static inline uint64_t
lb_pewma_load(const struct lb_pewma *p)
{
	return p->cost_ns * ((uint64_t)p->inflight + 1);
}

/* Power of two choices: of a and b, the one with the lower load (a on a tie). */
static inline unsigned int
lb_pewma_p2c(const struct lb_pewma *e, unsigned int a, unsigned int b)
{
	return lb_pewma_load(&e[b]) < lb_pewma_load(&e[a]) ? b : a;
}

#endif /* SL_LB_POLICY_FP_H */
