/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tcp_rto: RFC 6298's retransmission timeout estimator (see tcp_rto.h).
 *
 * In the scaled form, with S = 8 x SRTT, V = 4 x RTTVAR and R the sample:
 *   RTTVAR' = 3/4 RTTVAR + 1/4 |SRTT - R|  becomes  V' = V - V/4 + |S - 8R| / 8
 *   SRTT'   = 7/8 SRTT + 1/8 R             becomes  S' = S - S/8 + R
 *   RTO     = SRTT + max(G, 4 RTTVAR)      becomes  S/8 + max(G, V)
 * Each division rounds down and costs less than a microsecond.
 *
 * Context: the owning worker (fast path); tcp_rto_params_check on the control thread.
 */
#include <errno.h>
#include <stdio.h>

#include "tcp_rto.h"

void
tcp_rto_params_default(struct tcp_rto_params *p)
{
	p->initial_us = TCP_RTO_INITIAL_US;
	p->min_us = TCP_RTO_MIN_US;
	p->max_us = TCP_RTO_MAX_US;
	p->granularity_us = TCP_RTO_G_US;
}

int
tcp_rto_params_check(const struct tcp_rto_params *p, char *err, size_t errlen)
{
	if (p->max_us < TCP_RTO_MAX_US || p->max_us > TCP_RTO_LIMIT_US) {
		snprintf(err, errlen, "tcp rto: max of %u us: want 60 s to 1 h (RFC 6298 2.5)",
			 p->max_us);
		return -EINVAL;
	}
	if (p->min_us < 1000 || p->min_us > p->max_us) {
		snprintf(err, errlen, "tcp rto: min of %u us: want 1 ms to the max (%u us)",
			 p->min_us, p->max_us);
		return -EINVAL;
	}
	if (p->initial_us < p->min_us || p->initial_us > p->max_us) {
		snprintf(err, errlen, "tcp rto: initial of %u us: want the min (%u us) to the "
			 "max (%u us)", p->initial_us, p->min_us, p->max_us);
		return -EINVAL;
	}
	if (p->granularity_us > 1000000) {
		snprintf(err, errlen, "tcp rto: granularity of %u us: want at most 1 s",
			 p->granularity_us);
		return -EINVAL;
	}
	return 0;
}

static inline uint32_t
tcp_rto_clamp(const struct tcp_rto *r, uint64_t rto_us)
{
	if (rto_us < r->min_us)
		return r->min_us;
	if (rto_us > r->max_us)
		return r->max_us;
	return (uint32_t)rto_us;
}

void
tcp_rto_init(struct tcp_rto *r, const struct tcp_rto_params *p)
{
	r->srtt8_us = 0;
	r->rttvar4_us = 0;
	r->min_us = p->min_us;
	r->max_us = p->max_us;
	r->g_us = p->granularity_us;
	r->rto_us = tcp_rto_clamp(r, p->initial_us);
	r->backoffs = 0;
	r->sampled = 0;
	r->pad[0] = r->pad[1] = r->pad[2] = r->pad[3] = r->pad[4] = 0;
}

void
tcp_rto_sample(struct tcp_rto *r, uint64_t rtt_us)
{
	uint64_t var4;

	if (rtt_us > TCP_RTO_SAMPLE_MAX_US)
		rtt_us = TCP_RTO_SAMPLE_MAX_US;
	if (!r->sampled) {
		r->srtt8_us = rtt_us << 3;              /* SRTT = R */
		r->rttvar4_us = rtt_us << 1;            /* RTTVAR = R / 2 */
		r->sampled = 1;
	} else {
		uint64_t r8 = rtt_us << 3;
		uint64_t diff8 = r->srtt8_us > r8 ? r->srtt8_us - r8 : r8 - r->srtt8_us;

		/* RTTVAR first: it takes the SRTT before this sample */
		r->rttvar4_us = r->rttvar4_us - (r->rttvar4_us >> 2) + (diff8 >> 3);
		r->srtt8_us = r->srtt8_us - (r->srtt8_us >> 3) + rtt_us;
	}
	var4 = r->rttvar4_us > r->g_us ? r->rttvar4_us : r->g_us;
	r->rto_us = tcp_rto_clamp(r, (r->srtt8_us >> 3) + var4);
	r->backoffs = 0;
}

void
tcp_rto_backoff(struct tcp_rto *r)
{
	r->rto_us = tcp_rto_clamp(r, (uint64_t)r->rto_us << 1);
	if (r->backoffs < UINT16_MAX)
		r->backoffs++;
}

void
tcp_rto_reset(struct tcp_rto *r, uint32_t rto_us)
{
	r->srtt8_us = 0;
	r->rttvar4_us = 0;
	r->sampled = 0;
	r->backoffs = 0;
	r->rto_us = tcp_rto_clamp(r, rto_us);
}
