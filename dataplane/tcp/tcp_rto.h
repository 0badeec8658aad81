/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tcp_rto: a connection's retransmission timeout, estimated from round-trip samples as
 * RFC 6298 says: SRTT and RTTVAR with gains alpha = 1/8 and beta = 1/4, RTO = SRTT +
 * max(G, K x RTTVAR) with K = 4, 1 s before the first sample (2.1), doubled on each
 * timeout up to a maximum (5.5), and brought back by the next sample (the note after 5.7).
 *
 * The arithmetic is in integer microseconds, Jacobson's scaled form (as in BSD and
 * Linux): SRTT kept times 8 and RTTVAR times 4, so the gains are shifts and the fractions
 * they make are kept (SRTT and RTTVAR stay within a microsecond of the exact values, the
 * RTO within a few), and K x RTTVAR is the scaled RTTVAR itself. The state is 64-bit
 * and a sample is clamped to TCP_RTO_SAMPLE_MAX_US (71 minutes), so no sum or shift can
 * overflow.
 *
 * The minimum is a parameter, 200 ms by default rather than the 1 s of RFC 6298 (2.4).
 * The RFC's floor is a SHOULD, chosen as a conservative guard against spurious
 * retransmissions, and the RFC itself expects research to lower it. 200 ms is Linux's
 * TCP_RTO_MIN, the floor most servers have run with for two decades and that clients'
 * delayed-ACK timers (Linux's 40 to 200 ms) have lived with; a 1 s floor would make every
 * tail loss on a LAN or data-centre path, with RTTs of microseconds, cost a second. Set
 * min_us to 1 s for strict conformance. The maximum is 60 s, the least RFC 6298 (2.5)
 * allows; G defaults to the timer wheel's tick (tcp_timer.h), the granularity the RTO
 * is kept to.
 *
 * What is the caller's job: Karn's algorithm — no sample from a segment that was
 * retransmitted, as its ACK may answer either transmission (with RFC 7323 timestamps
 * TSecr names the transmission, and such a sample is valid); taking at least one sample
 * per round trip; running the timer itself (arming, re-arming and cancelling it per
 * 5.1 to 5.3, on the worker's tcp_timer wheel); and, when the SYN-ACK was retransmitted,
 * starting the connection with a 3 s RTO (5.7: tcp_rto_reset, TCP_RTO_SYN_LOST_US).
 *
 * Context: the state lives in the connection and is used by the worker that owns it
 * (fast path: no allocation, no locks, a few shifts); parameters are checked on the
 * control thread.
 */
#ifndef SL_TCP_RTO_H
#define SL_TCP_RTO_H

#include <stddef.h>
#include <stdint.h>

#define TCP_RTO_INITIAL_US      1000000u        /* 2.1: before any sample */
#define TCP_RTO_MIN_US          200000u         /* Linux's; the RFC's 1 s a parameter away */
#define TCP_RTO_MAX_US          60000000u       /* 2.5: at least 60 s */
#define TCP_RTO_G_US            1000u           /* the timer wheel's default tick */
#define TCP_RTO_SYN_LOST_US     3000000u        /* 5.7: after a retransmitted SYN(-ACK) */
#define TCP_RTO_LIMIT_US        3600000000u     /* the largest maximum accepted: 1 h */
#define TCP_RTO_SAMPLE_MAX_US   ((uint64_t)UINT32_MAX)  /* samples clamped to 71 min */

/* What a listener's connections are given. */
struct tcp_rto_params {
	uint32_t initial_us;            /* before the first sample */
	uint32_t min_us;
	uint32_t max_us;
	uint32_t granularity_us;        /* G */
};

/* A connection's estimator. Written by the owning worker only. */
struct tcp_rto {
	uint64_t srtt8_us;              /* SRTT x 8 */
	uint64_t rttvar4_us;            /* RTTVAR x 4 (= K x RTTVAR) */
	uint32_t rto_us;                /* the RTO now, backed off if it was */
	uint32_t min_us;
	uint32_t max_us;
	uint32_t g_us;
	uint16_t backoffs;              /* timeouts since the last sample (saturates) */
	uint8_t sampled;                /* SRTT and RTTVAR hold a sample */
	uint8_t pad[5];
};

/* The defaults above. Context: any. */
void tcp_rto_params_default(struct tcp_rto_params *p);

/*
 * 0 if p can be used: max_us from 60 s to TCP_RTO_LIMIT_US, min_us from 1 ms to max_us,
 * initial_us from min_us to max_us, granularity_us at most 1 s; else -EINVAL and a line
 * in err naming the parameter. Context: control thread.
 */
int tcp_rto_params_check(const struct tcp_rto_params *p, char *err, size_t errlen);

/* A new connection's estimator (p checked): no sample, RTO = initial_us. Context: the
 * owning worker, fast path. */
void tcp_rto_init(struct tcp_rto *r, const struct tcp_rto_params *p);

/*
 * Takes a round-trip sample (Karn: never one from a retransmitted segment): the first
 * sets SRTT = R and RTTVAR = R / 2 (2.2), later ones update RTTVAR and then SRTT (2.3).
 * The RTO is recomputed, clamped to [min, max], and any backoff undone. Context: the
 * owning worker, fast path.
 */
void tcp_rto_sample(struct tcp_rto *r, uint64_t rtt_us);

/* The retransmission timer expired: the RTO doubles, up to max (5.5). Context: the
 * owning worker, fast path. */
void tcp_rto_backoff(struct tcp_rto *r);

/*
 * Forgets the samples and the backoff and sets the RTO to rto_us (clamped to [min,
 * max]): 5.7's 3 s once a handshake whose SYN-ACK was retransmitted completes, or after
 * so many backoffs that SRTT and RTTVAR are likely bogus (section 5 allows clearing
 * them). The next sample is taken as a first one. Context: the owning worker.
 */
void tcp_rto_reset(struct tcp_rto *r, uint32_t rto_us);

/* The RTO to arm the retransmission timer with. Context: the owning worker. */
static inline uint32_t
tcp_rto_us(const struct tcp_rto *r)
{
	return r->rto_us;
}

/* SRTT and RTTVAR, rounded down (0 before a sample): for stats. Context: the owner. */
static inline uint64_t
tcp_rto_srtt_us(const struct tcp_rto *r)
{
	return r->srtt8_us >> 3;
}

static inline uint64_t
tcp_rto_rttvar_us(const struct tcp_rto *r)
{
	return r->rttvar4_us >> 2;
}

#endif /* SL_TCP_RTO_H */
