/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * police: the five rate-limit algorithms of DESIGN.md section 8, as pure arithmetic on one
 * key's state — token bucket, leaky bucket (as a meter: GCRA), fixed window, sliding log
 * and sliding window counter — in packets, bytes or new connections (the caller says what
 * a packet costs: 1, its length, or 1 for a flow's first packet and 0 after).
 *
 * The decisions that shape it:
 *  - State is per worker (flow ownership makes a key single-owner), so no atomics: plain
 *    loads and stores, and each algorithm's state fits in POLICE_STATE_SIZE (32) bytes,
 *    except the sliding log, whose log is the algorithm (8 bytes per admitted event it
 *    remembers, at most POLICE_LOG_MAX).
 *  - Time is nanoseconds from the caller (the TSC converted once per burst), so tests
 *    replay arrival traces exactly and the fast path never reads a clock.
 *  - No division per packet. The token bucket keeps tokens in nano-units (units x 1e9)
 *    and credits rate x elapsed; the leaky bucket is bpf/sl_bucket.h's GCRA (the XDP
 *    filter's own arithmetic), whose cost per unit is precomputed in 1/65536 ns; the
 *    sliding window counter's weighting multiplies by a precomputed reciprocal.
 *  - The two buckets admit the same packets when the rate divides 1e9 (test_police shows
 *    it on random traces); they are both here because operators name them differently and
 *    the token bucket's state reads as "tokens left" in a dump.
 *  - Windows are aligned to multiples of the window on the caller's clock (as an API
 *    gateway's per-minute counter keys are): the fixed window admits up to twice its
 *    limit across a boundary — its known weakness, shown by a test — which the sliding
 *    log (exact) and the sliding window counter (an estimate, error measured against the
 *    log in test_police) do not.
 *
 * Context: any (pure functions on caller-owned state); police_params_set on the control
 * side (it divides).
 */
#ifndef SL_POLICE_H
#define SL_POLICE_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "sl_bucket.h"

#define POLICE_STATE_SIZE 32            /* bytes per key, every algorithm but the log */
#define POLICE_LOG_MAX    1024          /* sliding log: events remembered per key */
#define POLICE_NS         1000000000ULL

enum police_algo {
	POLICE_TOKEN_BUCKET,
	POLICE_LEAKY_BUCKET,            /* GCRA: a leaky bucket as a meter */
	POLICE_FIXED_WINDOW,
	POLICE_SLIDING_LOG,
	POLICE_SLIDING_WINDOW,          /* the sliding window counter */
	POLICE_ALGO__MAX
};

enum police_unit {
	POLICE_PACKETS,
	POLICE_BYTES,
	POLICE_CONNS,                   /* new connections: the caller charges first packets */
	POLICE_UNIT__MAX
};

/* One limit, ready for the fast path (police_params_set fills it). */
struct police_params {
	uint8_t algo;                   /* enum police_algo */
	uint8_t unit;                   /* enum police_unit */
	/* buckets: rate per second and burst, in units */
	uint64_t rate;
	uint64_t burst;
	uint64_t tb_cap_nano;           /* token bucket: burst x 1e9 */
	uint64_t gcra_unit_q16;         /* leaky bucket: ns of credit per unit, x 2^16 */
	uint64_t gcra_burst_ns;         /* leaky bucket: burst / rate, in ns */
	/* windows: at most limit units per window_ns */
	uint64_t limit;
	uint64_t window_ns;
	uint64_t recip_q32;             /* sliding window: 2^32 / window_ns, x 2^32 */
};

/* The per-key states; each starts zeroed (a fresh key: full bucket, empty windows). */
struct police_tb {
	uint64_t tokens_nano;           /* tokens x 1e9, up to tb_cap_nano */
	uint64_t last_ns;               /* when they were counted */
	uint64_t seen;                  /* 0: a new key (its bucket full) */
};

struct police_gcra {
	uint64_t tat_ns;                /* theoretical arrival time (sl_bucket.h) */
};

struct police_fw {
	uint64_t start_ns;              /* the window's start (a multiple of window_ns) */
	uint64_t count;
};

struct police_swc {
	uint64_t start_ns;              /* the current window's start */
	uint64_t count;                 /* in the current window */
	uint64_t prev;                  /* in the one before it */
};

/* The sliding log: a ring of the last admitted events' times, at most limit of them. */
struct police_log {
	uint32_t head;                  /* the oldest event */
	uint32_t n;
	uint64_t t[];                   /* limit entries */
};

/* A key's state under any algorithm but the log: what a table slot holds. */
union police_state {
	struct police_tb tb;
	struct police_gcra gcra;
	struct police_fw fw;
	struct police_swc swc;
	uint8_t raw[POLICE_STATE_SIZE];
};

_Static_assert(sizeof(union police_state) == POLICE_STATE_SIZE, "union police_state");

/* Bytes of state a key needs under p. */
static inline size_t
police_state_size(const struct police_params *p)
{
	if (p->algo == POLICE_SLIDING_LOG)
		return sizeof(struct police_log) + p->limit * sizeof(uint64_t);
	return POLICE_STATE_SIZE;
}

/* Token bucket: credit rate x elapsed (capped at the burst), then take cost if there. */
static inline int
police_tb(struct police_tb *s, const struct police_params *p, uint64_t cost, uint64_t now_ns)
{
	uint64_t need = cost * POLICE_NS;

	if (!s->seen) {
		s->tokens_nano = p->tb_cap_nano;        /* a new key starts full */
		s->last_ns = now_ns;
		s->seen = 1;
	} else if (now_ns > s->last_ns) {
		uint64_t dt = now_ns - s->last_ns, room = p->tb_cap_nano - s->tokens_nano;

		/* dt x rate only while it can matter: no overflow for any dt */
		s->tokens_nano = dt >= room / p->rate + 1 ? p->tb_cap_nano :
				 s->tokens_nano + dt * p->rate;
	}
	s->last_ns = now_ns > s->last_ns ? now_ns : s->last_ns;
	if (s->tokens_nano < need)
		return 0;
	s->tokens_nano -= need;
	return 1;
}

/* Leaky bucket as a meter: GCRA (sl_bucket.h), one word. */
static inline int
police_gcra(struct police_gcra *s, const struct police_params *p, uint64_t cost, uint64_t now_ns)
{
	__u64 next;

	if (!sl_gcra_conforms(s->tat_ns, now_ns, (cost * p->gcra_unit_q16) >> SL_BUCKET_Q,
			      p->gcra_burst_ns, &next))
		return 0;
	s->tat_ns = next;
	return 1;
}

/* Fixed window: a count per aligned window. */
static inline int
police_fw(struct police_fw *s, const struct police_params *p, uint64_t cost, uint64_t now_ns)
{
	uint64_t start = now_ns - now_ns % p->window_ns;

	if (start != s->start_ns) {
		s->start_ns = start;
		s->count = 0;
	}
	if (s->count + cost > p->limit)
		return 0;
	s->count += cost;
	return 1;
}

/*
 * Sliding window counter: the previous window's count weighted by how much of it the
 * sliding window still covers, plus the current one's (Cloudflare's estimate). The
 * weight (window - elapsed) / window is taken as (window - elapsed) x recip >> 64.
 */
static inline int
police_swc(struct police_swc *s, const struct police_params *p, uint64_t cost, uint64_t now_ns)
{
	uint64_t start = now_ns - now_ns % p->window_ns, est;

	if (start != s->start_ns) {
		/* one window on: the current becomes the previous; further: both empty */
		s->prev = start - s->start_ns == p->window_ns ? s->count : 0;
		s->start_ns = start;
		s->count = 0;
	}
	est = (uint64_t)(((unsigned __int128)s->prev * (p->window_ns - (now_ns - start)) *
			  p->recip_q32) >> 64) + s->count;
	if (est + cost > p->limit)
		return 0;
	s->count += cost;
	return 1;
}

/* Sliding log: admitted iff fewer than limit events in (now - window, now]. Events only
 * (packets or connections, cost 1); police_params_set refuses bytes for it. */
static inline int
police_log(struct police_log *s, const struct police_params *p, uint64_t now_ns)
{
	uint32_t lim = (uint32_t)p->limit;

	/* forget what left the window */
	while (s->n && now_ns - s->t[s->head] >= p->window_ns) {
		s->head = s->head + 1 == lim ? 0 : s->head + 1;
		s->n--;
	}
	if (s->n >= lim)
		return 0;
	s->t[(s->head + s->n) % lim] = now_ns;
	s->n++;
	return 1;
}

/*
 * One packet of cost units against the key's state st (police_state_size(p) bytes,
 * zeroed when the key is new) at now_ns. Returns 1 conforming, 0 over the limit.
 * A cost of 0 (a connection's later packets) always conforms and changes nothing.
 */
static inline int
police_check(void *st, const struct police_params *p, uint64_t cost, uint64_t now_ns)
{
	if (cost == 0)
		return 1;
	switch (p->algo) {
	case POLICE_TOKEN_BUCKET:
		return police_tb(st, p, cost, now_ns);
	case POLICE_LEAKY_BUCKET:
		return police_gcra(st, p, cost, now_ns);
	case POLICE_FIXED_WINDOW:
		return police_fw(st, p, cost, now_ns);
	case POLICE_SLIDING_WINDOW:
		return police_swc(st, p, cost, now_ns);
	default:
		return police_log(st, p, now_ns);
	}
}

/*
 * Fills p for algo and unit: the buckets take rate (units per second) and burst (units);
 * the windows take limit (units) per window_ns. Refuses, with one line in err, a rate or
 * limit of zero, a burst smaller than one packet (1514 bytes for bytes), a sliding log in
 * bytes or longer than POLICE_LOG_MAX, and values whose arithmetic would overflow.
 * Returns 0 or -EINVAL. Context: control side.
 */
int police_params_set(struct police_params *p, enum police_algo algo, enum police_unit unit,
		      uint64_t rate_or_limit, uint64_t burst, uint64_t window_ns, char *err,
		      size_t errlen);

/* "token-bucket", ...; NULL if out of range. And back: -1 if unknown. */
const char *police_algo_name(enum police_algo a);
int police_algo_parse(const char *name);
const char *police_unit_name(enum police_unit u);
int police_unit_parse(const char *name);

#endif /* SL_POLICE_H */
