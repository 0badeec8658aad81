/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * meter: the telecom three-colour markers — srTCM (RFC 2697), trTCM (RFC 2698) and the
 * trTCM of RFC 4115 — on DPDK's rte_meter, with per-colour actions (transmit, remark the
 * DSCP, drop) and per-colour counters.
 *
 * The decisions that shape it:
 *  - rte_meter does the bucket arithmetic: its run-time state is at most 32 bytes per key
 *    and its per-packet check divides once and never reads a clock. This module adds what
 *    a config needs around it: parameters checked against the RFCs with a message, the
 *    actions, the colour-aware input and the counters.
 *  - Profiles are shared: a key stores a small profile id and its 32 bytes of state; the
 *    rates, bursts and actions live once in a table of METER_PROFILES_MAX profiles. The
 *    table is read-only for workers: the control thread builds the next one
 *    (meter_table_copy, meter_table_set) and publishes it whole.
 *  - Time is TSC cycles from the caller (rte_rdtsc once per burst), so tests drive time
 *    exactly. meter_state_init takes the time too: rte_meter's own init reads the TSC.
 *  - Colour-aware input comes from the DSCP through RFC 2597's drop precedence
 *    (meter_dscp_colour): AFx1 green, AFx2 yellow, AFx3 red, any other codepoint green —
 *    traffic nobody pre-coloured is metered as if colour-blind.
 *  - Lengths are what the caller meters (IP bytes, as the RFCs count); with l1_overhead a
 *    packet also pays for what it occupies on the wire around its frame (preamble and
 *    start delimiter 8, inter-frame gap 12, FCS 4: METER_L1_OVERHEAD_BYTES), so a rate can
 *    be a share of a link. Counters count the bytes metered, overhead included.
 *
 * Context: profiles and the table on the control thread (meter_profile_build divides and
 * writes messages); meter_state_init and the inlines below on a worker, on state the
 * worker owns.
 */
#ifndef SL_METER_H
#define SL_METER_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_common.h>
#include <rte_ip.h>
#include <rte_meter.h>

#include "csum_fp.h"

#define METER_PROFILES_MAX       256    /* profile ids 0..255 */
#define METER_L1_OVERHEAD_BYTES  24     /* preamble + SFD 8, inter-frame gap 12, FCS 4 */
#define METER_MAX_PKT_BYTES      1514   /* a full-size Ethernet frame without FCS */
#define METER_RATE_MAX_BPS       100000000000ULL /* 800 Gbit/s, in bytes per second */
#define METER_DSCP_MAX           63

/* The algorithms and the actions, each with its config name. */
#define foreach_meter_algo                      \
	_(NONE, "none")                         \
	_(SRTCM, "srtcm")                       \
	_(TRTCM, "trtcm")                       \
	_(TRTCM_RFC4115, "trtcm-rfc4115")

enum meter_algo {
#define _(sym, str) METER_ALGO_##sym,
	foreach_meter_algo
#undef _
	METER_ALGO__MAX
};

#define foreach_meter_action                    \
	_(TRANSMIT, "transmit")                 \
	_(REMARK, "remark")                     \
	_(DROP, "drop")

enum meter_action {
#define _(sym, str) METER_##sym,
	foreach_meter_action
#undef _
	METER_ACTION__MAX
};

/*
 * A profile as configured. Rates are bytes per second, bursts bytes. Which fields an
 * algorithm takes: srtcm cir, cbs, ebs; trtcm cir, pir, cbs, pbs; trtcm-rfc4115 cir, eir,
 * cbs, ebs (eir 0 with ebs 0: no excess bucket). The others must stay 0.
 */
struct meter_params {
	enum meter_algo algo;
	uint64_t cir_Bps;
	uint64_t pir_Bps;
	uint64_t eir_Bps;
	uint64_t cbs_bytes;
	uint64_t pbs_bytes;
	uint64_t ebs_bytes;
	/* the largest packet the meter will see; 0: METER_MAX_PKT_BYTES. A non-zero burst
	 * smaller than it (plus the L1 overhead) is refused: such a packet could never take
	 * that colour. Set it lower only where the traffic is known to be small packets. */
	uint32_t max_pkt_bytes;
	uint8_t colour_aware;                   /* input colour from the DSCP */
	uint8_t l1_overhead;                    /* meter METER_L1_OVERHEAD_BYTES more a packet */
	uint8_t action[RTE_COLORS];             /* enum meter_action, by enum rte_color */
	uint8_t remark_dscp[RTE_COLORS];        /* the DSCP METER_REMARK writes, by colour */
};

/* A profile ready for the fast path: one cache line. */
struct meter_profile {
	uint8_t algo;                           /* enum meter_algo; NONE: unused id */
	uint8_t colour_aware;
	uint8_t l1_overhead;
	uint8_t action[RTE_COLORS];
	uint8_t remark_dscp[RTE_COLORS];
	union {
		struct rte_meter_srtcm_profile srtcm;
		struct rte_meter_trtcm_profile trtcm;
		struct rte_meter_trtcm_rfc4115_profile rfc4115;
	};
} __rte_cache_aligned;

_Static_assert(sizeof(struct meter_profile) == RTE_CACHE_LINE_SIZE,
	       "struct meter_profile: not one cache line");

/* One key's run-time state, for the profile it was initialised with. */
struct meter_state {
	union {
		struct rte_meter_srtcm srtcm;
		struct rte_meter_trtcm trtcm;
		struct rte_meter_trtcm_rfc4115 rfc4115;
	};
};

_Static_assert(sizeof(struct meter_state) <= 32, "struct meter_state: more than 32 bytes");

/* Packets and metered bytes by output colour; the caller's (per worker, summed on read). */
struct meter_counters {
	uint64_t pkts[RTE_COLORS];
	uint64_t bytes[RTE_COLORS];
};

/* The shared profiles, by id: the control thread writes a table before publishing it,
 * never after; workers read. params keeps what each profile was built from. */
struct meter_table {
	struct meter_profile prof[METER_PROFILES_MAX];
	struct meter_params params[METER_PROFILES_MAX];
	uint32_t used;                          /* ids with a profile */
};

const char *meter_algo_name(enum meter_algo a);
const char *meter_action_name(enum meter_action a);
/* The enum for a config name; -1 if there is none. */
int meter_algo_parse(const char *s);
int meter_action_parse(const char *s);

/*
 * Checks mp against the RFCs and builds p from it. Returns 0, or -EINVAL with one line in
 * err naming the parameter and the reason. Context: control thread.
 */
int meter_profile_build(struct meter_profile *p, const struct meter_params *mp, char *err,
			size_t errlen);

/* An empty table, or a copy of t's profiles (t NULL: empty); NULL when out of memory.
 * Context: control thread. */
struct meter_table *meter_table_copy(const struct meter_table *t);
void meter_table_free(struct meter_table *t);

/* Builds profile id of an unpublished table from mp, or removes it. 0 or -EINVAL (bad id,
 * bad parameters, no such profile) with a message. Context: control thread. */
int meter_table_set(struct meter_table *t, uint32_t id, const struct meter_params *mp,
		    char *err, size_t errlen);
int meter_table_del(struct meter_table *t, uint32_t id, char *err, size_t errlen);

/* The profile of id; NULL if none. Context: any thread. */
static inline const struct meter_profile *
meter_table_get(const struct meter_table *t, uint32_t id)
{
	if (id >= METER_PROFILES_MAX || t->prof[id].algo == METER_ALGO_NONE)
		return NULL;
	return &t->prof[id];
}

/*
 * Starts a key's state on profile p at now_tsc with full buckets (as every RFC starts).
 * A key whose profile id changes, or whose profile changes algorithm, starts again.
 * 0, or -EINVAL if p is unused. Context: the worker that owns s.
 */
int meter_state_init(struct meter_state *s, const struct meter_profile *p, uint64_t now_tsc);

/*
 * The input colour a DSCP carries (RFC 2597): AF11..AF41 green, AF12..AF42 yellow,
 * AF13..AF43 red; every other codepoint (EF, CS*, default, unassigned) green.
 */
static inline enum rte_color
meter_dscp_colour(uint8_t dscp)
{
	unsigned int afclass = dscp >> 3, drop = dscp & 7;  /* AFxy = 8x + 2y */

	if (afclass < 1 || afclass > 4 || (drop != 4 && drop != 6))
		return RTE_COLOR_GREEN;
	return drop == 4 ? RTE_COLOR_YELLOW : RTE_COLOR_RED;
}

/* rte_meter takes its profiles non-const though it only reads them: &p->m, const dropped. */
#define METER_RTE_PROF(p, m) \
	((__typeof__(((struct meter_profile *)0)->m) *)(uintptr_t)&(p)->m)

/*
 * Meters one packet of len_bytes at now_tsc (never before the state's last packet) with
 * input colour in (ignored unless the profile is colour-aware), counts it in c and
 * returns its colour; *action is what the profile does with that colour (for
 * METER_REMARK, p->remark_dscp[colour] is the DSCP to write). Context: worker, fast path.
 */
static inline enum rte_color
meter_run(const struct meter_profile *p, struct meter_state *s, uint32_t len_bytes,
	  uint64_t now_tsc, enum rte_color in, struct meter_counters *c,
	  enum meter_action *action)
{
	uint32_t len = len_bytes + (p->l1_overhead ? METER_L1_OVERHEAD_BYTES : 0);
	enum rte_color out;

	switch (p->algo) {
	case METER_ALGO_SRTCM:
		if (p->colour_aware)
			out = rte_meter_srtcm_color_aware_check(&s->srtcm, METER_RTE_PROF(p, srtcm),
								 now_tsc, len, in);
		else
			out = rte_meter_srtcm_color_blind_check(&s->srtcm, METER_RTE_PROF(p, srtcm),
								 now_tsc, len);
		break;
	case METER_ALGO_TRTCM:
		if (p->colour_aware)
			out = rte_meter_trtcm_color_aware_check(&s->trtcm, METER_RTE_PROF(p, trtcm),
								 now_tsc, len, in);
		else
			out = rte_meter_trtcm_color_blind_check(&s->trtcm, METER_RTE_PROF(p, trtcm),
								 now_tsc, len);
		break;
	case METER_ALGO_TRTCM_RFC4115:
		if (p->colour_aware)
			out = rte_meter_trtcm_rfc4115_color_aware_check(&s->rfc4115,
					METER_RTE_PROF(p, rfc4115), now_tsc, len, in);
		else
			out = rte_meter_trtcm_rfc4115_color_blind_check(&s->rfc4115,
					METER_RTE_PROF(p, rfc4115), now_tsc, len);
		break;
	default:
		out = RTE_COLOR_RED;    /* an unused profile meters nothing through */
		break;
	}
	c->pkts[out]++;
	c->bytes[out] += len;
	*action = (enum meter_action)p->action[out];
	return out;
}

/* The DSCP of an IPv4 or IPv6 header (by its version nibble); 0 for anything else. */
static inline uint8_t
meter_dscp_get(const void *l3)
{
	const uint8_t *b = l3;

	if ((b[0] >> 4) == 4)
		return b[1] >> 2;
	if ((b[0] >> 4) == 6)
		return (uint8_t)(((b[0] & 0x0f) << 2) | (b[1] >> 6));
	return 0;
}

/* Writes dscp into an IPv4 header, keeping ECN, and updates its checksum (RFC 1624). */
static inline void
meter_dscp_set_ipv4(struct rte_ipv4_hdr *ip, uint8_t dscp)
{
	uint16_t old, new;

	memcpy(&old, ip, sizeof(old));          /* version/IHL and TOS: one checksum word */
	ip->type_of_service = (uint8_t)((dscp & METER_DSCP_MAX) << 2 |
					(ip->type_of_service & 0x03));
	memcpy(&new, ip, sizeof(new));
	ip->hdr_checksum = csum_update16(ip->hdr_checksum, old, new);
}

/* Writes dscp into an IPv6 header's traffic class, keeping ECN and the flow label. */
static inline void
meter_dscp_set_ipv6(struct rte_ipv6_hdr *ip, uint8_t dscp)
{
	uint32_t v = rte_be_to_cpu_32(ip->vtc_flow);

	v = (v & ~(UINT32_C(0x3f) << 22)) | (uint32_t)(dscp & METER_DSCP_MAX) << 22;
	ip->vtc_flow = rte_cpu_to_be_32(v);
}

/* Either, by the version nibble of the header at l3; -1 if it is neither. */
static inline int
meter_dscp_set(void *l3, uint8_t dscp)
{
	uint8_t version = *(const uint8_t *)l3 >> 4;

	if (version == 4)
		meter_dscp_set_ipv4(l3, dscp);
	else if (version == 6)
		meter_dscp_set_ipv6(l3, dscp);
	else
		return -1;
	return 0;
}

#endif /* SL_METER_H */
