/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sl_bucket: token-bucket arithmetic shared by the XDP filter and the dataplane.
 *
 * A token bucket of rate r and burst b is kept in its GCRA form (ITU-T I.371's virtual
 * scheduling algorithm, which admits exactly the same packets): one 64-bit "theoretical
 * arrival time" (TAT) per key instead of a (tokens, timestamp) pair. max(TAT, t) - t is
 * the time the bucket needs to refill completely, (b - tokens) / r; a packet of cost c
 * (its size in ns of credit, c / r) finds enough tokens iff that backlog plus c is at most
 * the burst time b / r, and admitting it moves TAT to max(TAT, t) + c. With one word of
 * state the update is a single compare-and-swap, so a
 * source whose packets land on several CPUs is limited exactly, without a spin lock (the
 * kernel refuses bpf_spin_lock in LRU maps, and per-source state must be LRU: spoofed
 * sources are unbounded).
 *
 * Costs: packets cost interval_ns = 1e9 / rate_pps; bytes cost len * byte_q16 >> 16 ns,
 * byte_q16 = 2^16 * 1e9 / rate_Bps, so byte rates keep 1/65536 ns per byte of resolution
 * without a division per packet. Parameters are computed by the control side
 * (sl_bucket_params) and stored in the limit map.
 *
 * Context: BPF (XDP, per packet) and C (dataplane fast path; control side for params).
 * Integer arithmetic only; no libc, no kernel headers beyond linux/types.h.
 */
#ifndef SL_BUCKET_H
#define SL_BUCKET_H

#include <linux/types.h>

#define SL_NSEC_PER_SEC 1000000000ULL
#define SL_BUCKET_Q     16

/* One limit: what a class of sources may send. Zero intervals mean "no limit" on that
 * unit. Explicit padding: shared with userspace through a map. */
struct sl_bucket_params {
	__u64 pkt_interval_ns;          /* 1e9 / packets per second; 0: no packet limit */
	__u64 pkt_burst_ns;             /* burst_pkts * pkt_interval_ns */
	__u64 byte_q16;                 /* 2^16 * 1e9 / bytes per second; 0: no byte limit */
	__u64 byte_burst_ns;            /* burst_bytes * 1e9 / bytes per second */
	__u64 ban_after_ns;             /* over the limit this long: ban; 0: never ban */
	__u64 ban_ttl_ns;               /* ban duration */
};

/* Per-source state: GCRA arrival times and the auto-ban tracker. */
struct sl_bucket_state {
	__u64 tat_pkt_ns;
	__u64 tat_byte_ns;
	__u64 over_since_ns;            /* first drop of the current over-limit spell */
	__u64 last_drop_ns;
};

/* A spell of drops ends when a source stays within its limit this long. */
#define SL_BUCKET_SPELL_GAP_NS (SL_NSEC_PER_SEC)

/*
 * Does a packet of cost_ns find enough tokens in a bucket of burst_ns whose arrival time
 * is tat, at now? On success *next is the arrival time to store.
 */
static inline int
sl_gcra_conforms(__u64 tat, __u64 now, __u64 cost_ns, __u64 burst_ns, __u64 *next)
{
	__u64 base = tat > now ? tat : now;

	if (base - now + cost_ns > burst_ns)
		return 0;
	*next = base + cost_ns;
	return 1;
}

static inline __u64
sl_bucket_byte_cost_ns(const struct sl_bucket_params *p, __u32 len)
{
	return ((__u64)len * p->byte_q16) >> SL_BUCKET_Q;
}

/*
 * A bucket may be driven by a clock that advances once per scheduler tick (CLOCK_MONOTONIC
 * _COARSE: 1-10 ms, by CONFIG_HZ) without changing what it admits, as long as its burst
 * holds more credit than a tick brings: packets of one tick all see the tick's time, and
 * the next tick credits the whole tick at once; a burst shorter than a tick would lose
 * the excess. SL_BUCKET_COARSE_MIN_BURST_NS is two ticks at HZ=100.
 */
#define SL_BUCKET_COARSE_MIN_BURST_NS (20ULL * 1000 * 1000)

static inline int
sl_bucket_coarse_ok(const struct sl_bucket_params *p)
{
	return (!p->pkt_interval_ns || p->pkt_burst_ns >= SL_BUCKET_COARSE_MIN_BURST_NS) &&
	       (!p->byte_q16 || p->byte_burst_ns >= SL_BUCKET_COARSE_MIN_BURST_NS);
}

/* Compare-and-swap attempts before a packet is admitted anyway (see sl_bucket_police). */
#define SL_BUCKET_CAS_TRIES 4

/* sl_bucket_police verdicts; SL_BUCKET_RACED may be or-ed into SL_BUCKET_PASS. */
#define SL_BUCKET_PASS   0
#define SL_BUCKET_DROP   1      /* over the limit */
#define SL_BUCKET_BAN    2      /* over the limit for ban_after_ns: drop, and ban it now */
#define SL_BUCKET_RACED  4      /* admitted after losing every compare-and-swap */

/* Takes cost_ns from one GCRA word shared by every CPU. Returns 1 admitted, 0 not, -1
 * admitted after SL_BUCKET_CAS_TRIES lost races: we never punish a source for our own
 * contention. __sync builtins: the same atomics in BPF (-mcpu=v3) and in C. */
static inline int
sl_bucket_take(__u64 *tat, __u64 now, __u64 cost_ns, __u64 burst_ns)
{
	int i;

	for (i = 0; i < SL_BUCKET_CAS_TRIES; i++) {
		__u64 old = *(volatile __u64 *)tat, next;

		if (!sl_gcra_conforms(old, now, cost_ns, burst_ns, &next))
			return 0;
		if (__sync_val_compare_and_swap(tat, old, next) == old)
			return 1;
	}
	return -1;
}

/*
 * One packet of len bytes from the source whose state is st, under limit p, at now:
 * the packet bucket, then the byte bucket, then the auto-ban tracker. Returns an
 * SL_BUCKET_* verdict. The XDP filter and the dataplane's first stage both decide here.
 */
static inline int
sl_bucket_police(struct sl_bucket_state *st, const struct sl_bucket_params *p, __u32 len,
		 __u64 now)
{
	int ok = 1, raced = 0;

	if (p->pkt_interval_ns) {
		ok = sl_bucket_take(&st->tat_pkt_ns, now, p->pkt_interval_ns, p->pkt_burst_ns);
		raced |= ok < 0;
	}
	if (ok && p->byte_q16) {
		ok = sl_bucket_take(&st->tat_byte_ns, now, sl_bucket_byte_cost_ns(p, len),
				    p->byte_burst_ns);
		raced |= ok < 0;
	}
	if (ok)
		return raced ? SL_BUCKET_PASS | SL_BUCKET_RACED : SL_BUCKET_PASS;
	if (!p->ban_after_ns)
		return SL_BUCKET_DROP;
	/* A spell of drops with no gap longer than SL_BUCKET_SPELL_GAP_NS; racing CPUs may
	 * both restart it, which only delays a ban by a packet. */
	if (now - st->last_drop_ns > SL_BUCKET_SPELL_GAP_NS)
		st->over_since_ns = now;
	st->last_drop_ns = now;
	if (now - st->over_since_ns < p->ban_after_ns)
		return SL_BUCKET_DROP;
	st->over_since_ns = now;
	return SL_BUCKET_BAN;
}

/* Whether a state is as good as a fresh one at now (both buckets full, no spell going):
 * such an entry can be forgotten without changing any verdict. */
static inline int
sl_bucket_idle(const struct sl_bucket_state *st, __u64 now)
{
	return st->tat_pkt_ns <= now && st->tat_byte_ns <= now &&
	       now - st->last_drop_ns > SL_BUCKET_SPELL_GAP_NS;
}

/*
 * Limit parameters from rate and burst. Returns 0, or -1 if out of range (zero rate,
 * burst below one packet, or values whose arithmetic would overflow). Control side only:
 * it divides.
 */
static inline int
sl_bucket_params_set(struct sl_bucket_params *p, __u64 rate_pps, __u64 burst_pkts,
		     __u64 rate_Bps, __u64 burst_bytes)
{
	if (rate_pps) {
		if (burst_pkts < 1 || rate_pps > SL_NSEC_PER_SEC || burst_pkts > (1ULL << 24))
			return -1;
		p->pkt_interval_ns = SL_NSEC_PER_SEC / rate_pps;
		p->pkt_burst_ns = burst_pkts * p->pkt_interval_ns;
	} else {
		p->pkt_interval_ns = 0;
		p->pkt_burst_ns = 0;
	}
	if (rate_Bps) {
		/* A burst below one full-size frame would drop every large packet. */
		if (burst_bytes < 1514 || rate_Bps < 1000 || rate_Bps > (1ULL << 40) ||
		    burst_bytes > (1ULL << 32))
			return -1;
		p->byte_q16 = (SL_NSEC_PER_SEC << SL_BUCKET_Q) / rate_Bps;
		p->byte_burst_ns = burst_bytes * SL_NSEC_PER_SEC / rate_Bps;
	} else {
		p->byte_q16 = 0;
		p->byte_burst_ns = 0;
	}
	return 0;
}

#endif /* SL_BUCKET_H */
