/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * police: the rate-limit algorithms' parameters and names (see police.h).
 * Context: control side.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "police.h"

static const char *const police_algo_names[POLICE_ALGO__MAX] = {
	[POLICE_TOKEN_BUCKET] = "token-bucket", [POLICE_LEAKY_BUCKET] = "leaky-bucket",
	[POLICE_FIXED_WINDOW] = "fixed-window", [POLICE_SLIDING_LOG] = "sliding-log",
	[POLICE_SLIDING_WINDOW] = "sliding-window",
};

static const char *const police_unit_names[POLICE_UNIT__MAX] = {
	[POLICE_PACKETS] = "packets", [POLICE_BYTES] = "bytes", [POLICE_CONNS] = "connections",
};

const char *
police_algo_name(enum police_algo a)
{
	return a < POLICE_ALGO__MAX ? police_algo_names[a] : NULL;
}

int
police_algo_parse(const char *name)
{
	int i;

	for (i = 0; i < POLICE_ALGO__MAX; i++)
		if (strcmp(name, police_algo_names[i]) == 0)
			return i;
	return -1;
}

const char *
police_unit_name(enum police_unit u)
{
	return u < POLICE_UNIT__MAX ? police_unit_names[u] : NULL;
}

int
police_unit_parse(const char *name)
{
	int i;

	for (i = 0; i < POLICE_UNIT__MAX; i++)
		if (strcmp(name, police_unit_names[i]) == 0)
			return i;
	return -1;
}

/* Bounds that keep every product in police.h inside 64 bits (128 for the weighting). */
#define POLICE_RATE_MAX   (1ULL << 40)          /* units per second (8.8 Tbit/s in bytes) */
#define POLICE_BURST_MAX  (1ULL << 34)          /* units: x 1e9 stays below 2^64 */
#define POLICE_LIMIT_MAX  (1ULL << 40)
#define POLICE_WINDOW_MIN 1000000ULL            /* 1 ms */
#define POLICE_WINDOW_MAX (86400ULL * POLICE_NS)

int
police_params_set(struct police_params *p, enum police_algo algo, enum police_unit unit,
		  uint64_t rate_or_limit, uint64_t burst, uint64_t window_ns, char *err,
		  size_t errlen)
{
	uint64_t one = unit == POLICE_BYTES ? 1514 : 1;  /* the least a burst must hold */

	memset(p, 0, sizeof(*p));
	if (algo >= POLICE_ALGO__MAX || unit >= POLICE_UNIT__MAX) {
		snprintf(err, errlen, "unknown algorithm or unit");
		return -EINVAL;
	}
	p->algo = (uint8_t)algo;
	p->unit = (uint8_t)unit;
	if (rate_or_limit == 0) {
		snprintf(err, errlen, "%s: a %s of zero admits nothing (remove the limit, or "
			 "block the source)", police_algo_names[algo],
			 algo <= POLICE_LEAKY_BUCKET ? "rate" : "limit");
		return -EINVAL;
	}
	if (algo == POLICE_TOKEN_BUCKET || algo == POLICE_LEAKY_BUCKET) {
		if (rate_or_limit > POLICE_RATE_MAX) {
			snprintf(err, errlen, "%s: rate %llu %s per second: at most %llu",
				 police_algo_names[algo], (unsigned long long)rate_or_limit,
				 police_unit_names[unit], (unsigned long long)POLICE_RATE_MAX);
			return -EINVAL;
		}
		if (burst < one || burst > POLICE_BURST_MAX) {
			snprintf(err, errlen, "%s: burst %llu %s: want %llu (one %s) to %llu",
				 police_algo_names[algo], (unsigned long long)burst,
				 police_unit_names[unit], (unsigned long long)one,
				 unit == POLICE_BYTES ? "full-size frame" : "packet",
				 (unsigned long long)POLICE_BURST_MAX);
			return -EINVAL;
		}
		p->rate = rate_or_limit;
		p->burst = burst;
		p->tb_cap_nano = burst * POLICE_NS;
		p->gcra_unit_q16 = (POLICE_NS << SL_BUCKET_Q) / rate_or_limit;
		p->gcra_burst_ns = burst * POLICE_NS / rate_or_limit;
		return 0;
	}
	if (window_ns < POLICE_WINDOW_MIN || window_ns > POLICE_WINDOW_MAX) {
		snprintf(err, errlen, "%s: window %llu ns: want 1 ms to 1 day",
			 police_algo_names[algo], (unsigned long long)window_ns);
		return -EINVAL;
	}
	if (rate_or_limit > POLICE_LIMIT_MAX || rate_or_limit < one) {
		snprintf(err, errlen, "%s: limit %llu %s per window: want %llu to %llu",
			 police_algo_names[algo], (unsigned long long)rate_or_limit,
			 police_unit_names[unit], (unsigned long long)one,
			 (unsigned long long)POLICE_LIMIT_MAX);
		return -EINVAL;
	}
	if (algo == POLICE_SLIDING_LOG) {
		if (unit == POLICE_BYTES) {
			snprintf(err, errlen, "sliding-log: counts events (packets or connections), "
				 "not bytes; use sliding-window for bytes");
			return -EINVAL;
		}
		if (rate_or_limit > POLICE_LOG_MAX) {
			snprintf(err, errlen, "sliding-log: limit %llu: at most %d events per key "
				 "(it keeps each one); use sliding-window for more",
				 (unsigned long long)rate_or_limit, POLICE_LOG_MAX);
			return -EINVAL;
		}
	}
	p->limit = rate_or_limit;
	p->window_ns = window_ns;
	/* 2^64 / window, rounded down: the weighting underestimates by under one unit */
	p->recip_q32 = (uint64_t)(((unsigned __int128)1 << 64) / window_ns);
	return 0;
}
