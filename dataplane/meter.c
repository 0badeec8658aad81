/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * meter: the control side of the three-colour markers (meter.h): parameters checked
 * against RFC 2697, 2698 and 4115 before rte_meter sees them, the shared profile table,
 * and a key's state initialised on the caller's clock.
 *
 * rte_meter accepts some profiles an operator almost certainly did not mean (a burst of
 * a few bytes, which no real packet fits, so every packet comes out red) and reports the
 * others as a bare -EINVAL; every check here has its own message instead. What the RFCs
 * say, and so what is refused:
 *  - RFC 2697: CIR > 0; CBS and EBS not both 0; each non-zero one at least the largest
 *    packet ("recommended", section 2 — here required unless max_pkt_bytes says the
 *    packets are smaller).
 *  - RFC 2698: CIR and PIR > 0, PIR >= CIR; CBS and PBS > 0 and at least a packet.
 *  - RFC 4115: CIR > 0 here (a meter with no committed rate has nothing green to give);
 *    EIR 0 with EBS 0 is a committed bucket alone, otherwise EBS at least a packet.
 * With the L1 overhead on, "a packet" is the largest one plus METER_L1_OVERHEAD_BYTES.
 *
 * Context: control thread, except meter_state_init (the worker owning the state).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>

#include "meter.h"

static const char *const meter_algo_names[] = {
#define _(sym, str) [METER_ALGO_##sym] = str,
	foreach_meter_algo
#undef _
};

static const char *const meter_action_names[] = {
#define _(sym, str) [METER_##sym] = str,
	foreach_meter_action
#undef _
};

const char *
meter_algo_name(enum meter_algo a)
{
	return (unsigned int)a < METER_ALGO__MAX ? meter_algo_names[a] : "?";
}

const char *
meter_action_name(enum meter_action a)
{
	return (unsigned int)a < METER_ACTION__MAX ? meter_action_names[a] : "?";
}

int
meter_algo_parse(const char *s)
{
	int i;

	for (i = METER_ALGO_NONE + 1; i < METER_ALGO__MAX; i++)
		if (strcmp(s, meter_algo_names[i]) == 0)
			return i;
	return -1;
}

int
meter_action_parse(const char *s)
{
	int i;

	for (i = 0; i < METER_ACTION__MAX; i++)
		if (strcmp(s, meter_action_names[i]) == 0)
			return i;
	return -1;
}

/* A parameter the algorithm does not take must be 0: a pir given to srtcm is a config
 * written for another algorithm, not something to ignore. */
static int
meter_check_unused(const char *algo, const char *name, uint64_t v, char *err, size_t errlen)
{
	if (v == 0)
		return 0;
	snprintf(err, errlen, "%s: %" PRIu64 ": not a parameter of %s", name, v, algo);
	return -EINVAL;
}

static int
meter_check_rate(const char *name, uint64_t rate_Bps, char *err, size_t errlen)
{
	if (rate_Bps == 0) {
		snprintf(err, errlen, "%s: 0 B/s: a rate must be positive", name);
		return -EINVAL;
	}
	if (rate_Bps > METER_RATE_MAX_BPS) {
		snprintf(err, errlen, "%s: %" PRIu64 " B/s: more than %llu B/s", name, rate_Bps,
			 METER_RATE_MAX_BPS);
		return -EINVAL;
	}
	return 0;
}

/* A burst must hold the largest packet, or that packet never gets the bucket's colour. */
static int
meter_check_burst(const char *name, uint64_t burst_bytes, uint64_t pkt_bytes, int l1,
		  char *err, size_t errlen)
{
	if (burst_bytes == 0) {
		snprintf(err, errlen, "%s: 0 bytes: a burst must be positive", name);
		return -EINVAL;
	}
	if (burst_bytes < pkt_bytes) {
		snprintf(err, errlen, "%s: %" PRIu64 " bytes: smaller than one %" PRIu64
			 "-byte packet%s (set max_pkt_bytes if the packets are smaller)", name,
			 burst_bytes, pkt_bytes, l1 ? " with its L1 overhead" : "");
		return -EINVAL;
	}
	return 0;
}

static int
meter_check_srtcm(const struct meter_params *mp, uint64_t pkt, char *err, size_t errlen)
{
	int l1 = mp->l1_overhead;

	if (meter_check_unused("srtcm", "pir", mp->pir_Bps, err, errlen) ||
	    meter_check_unused("srtcm", "eir", mp->eir_Bps, err, errlen) ||
	    meter_check_unused("srtcm", "pbs", mp->pbs_bytes, err, errlen) ||
	    meter_check_rate("cir", mp->cir_Bps, err, errlen))
		return -EINVAL;
	if (mp->cbs_bytes == 0 && mp->ebs_bytes == 0) {
		snprintf(err, errlen, "cbs, ebs: both 0: RFC 2697 needs one of them positive");
		return -EINVAL;
	}
	if ((mp->cbs_bytes && meter_check_burst("cbs", mp->cbs_bytes, pkt, l1, err, errlen)) ||
	    (mp->ebs_bytes && meter_check_burst("ebs", mp->ebs_bytes, pkt, l1, err, errlen)))
		return -EINVAL;
	return 0;
}

static int
meter_check_trtcm(const struct meter_params *mp, uint64_t pkt, char *err, size_t errlen)
{
	int l1 = mp->l1_overhead;

	if (meter_check_unused("trtcm", "eir", mp->eir_Bps, err, errlen) ||
	    meter_check_unused("trtcm", "ebs", mp->ebs_bytes, err, errlen) ||
	    meter_check_rate("cir", mp->cir_Bps, err, errlen) ||
	    meter_check_rate("pir", mp->pir_Bps, err, errlen))
		return -EINVAL;
	if (mp->pir_Bps < mp->cir_Bps) {
		snprintf(err, errlen, "pir: %" PRIu64 " B/s: below cir %" PRIu64
			 " B/s (RFC 2698 needs PIR >= CIR)", mp->pir_Bps, mp->cir_Bps);
		return -EINVAL;
	}
	if (meter_check_burst("cbs", mp->cbs_bytes, pkt, l1, err, errlen) ||
	    meter_check_burst("pbs", mp->pbs_bytes, pkt, l1, err, errlen))
		return -EINVAL;
	return 0;
}

static int
meter_check_rfc4115(const struct meter_params *mp, uint64_t pkt, char *err, size_t errlen)
{
	int l1 = mp->l1_overhead;

	if (meter_check_unused("trtcm-rfc4115", "pir", mp->pir_Bps, err, errlen) ||
	    meter_check_unused("trtcm-rfc4115", "pbs", mp->pbs_bytes, err, errlen) ||
	    meter_check_rate("cir", mp->cir_Bps, err, errlen) ||
	    meter_check_burst("cbs", mp->cbs_bytes, pkt, l1, err, errlen))
		return -EINVAL;
	if (mp->eir_Bps == 0) {
		if (mp->ebs_bytes == 0)
			return 0;
		snprintf(err, errlen, "ebs: %" PRIu64 " bytes: eir is 0, so the excess bucket "
			 "would never refill (give eir, or ebs 0)", mp->ebs_bytes);
		return -EINVAL;
	}
	if (meter_check_rate("eir", mp->eir_Bps, err, errlen) ||
	    meter_check_burst("ebs", mp->ebs_bytes, pkt, l1, err, errlen))
		return -EINVAL;
	return 0;
}

static int
meter_check_actions(const struct meter_params *mp, char *err, size_t errlen)
{
	static const char *const colour[RTE_COLORS] = { "green", "yellow", "red" };
	int i;

	for (i = 0; i < RTE_COLORS; i++) {
		if (mp->action[i] >= METER_ACTION__MAX) {
			snprintf(err, errlen, "%s action: %u: unknown (transmit, remark or drop)",
				 colour[i], mp->action[i]);
			return -EINVAL;
		}
		if (mp->remark_dscp[i] > METER_DSCP_MAX) {
			snprintf(err, errlen, "%s remark dscp: %u: more than %d", colour[i],
				 mp->remark_dscp[i], METER_DSCP_MAX);
			return -EINVAL;
		}
	}
	return 0;
}

int
meter_profile_build(struct meter_profile *p, const struct meter_params *mp, char *err,
		    size_t errlen)
{
	uint64_t pkt = mp->max_pkt_bytes ? mp->max_pkt_bytes : METER_MAX_PKT_BYTES;
	struct meter_profile np;
	int rc;

	memset(&np, 0, sizeof(np));
	if (mp->l1_overhead)
		pkt += METER_L1_OVERHEAD_BYTES;
	if (meter_check_actions(mp, err, errlen))
		return -EINVAL;
	switch (mp->algo) {
	case METER_ALGO_SRTCM:
		rc = meter_check_srtcm(mp, pkt, err, errlen);
		break;
	case METER_ALGO_TRTCM:
		rc = meter_check_trtcm(mp, pkt, err, errlen);
		break;
	case METER_ALGO_TRTCM_RFC4115:
		rc = meter_check_rfc4115(mp, pkt, err, errlen);
		break;
	default:
		snprintf(err, errlen, "algorithm: %d: unknown (srtcm, trtcm or trtcm-rfc4115)",
			 (int)mp->algo);
		return -EINVAL;
	}
	if (rc)
		return rc;
	/* rte_meter turns rates into TSC periods; without a known frequency it divides by 0 */
	if (rte_get_tsc_hz() == 0) {
		snprintf(err, errlen, "tsc: frequency unknown: EAL is not initialised");
		return -EINVAL;
	}

	switch (mp->algo) {
	case METER_ALGO_SRTCM: {
		struct rte_meter_srtcm_params rp = {
			.cir = mp->cir_Bps, .cbs = mp->cbs_bytes, .ebs = mp->ebs_bytes,
		};

		rc = rte_meter_srtcm_profile_config(&np.srtcm, &rp);
		break;
	}
	case METER_ALGO_TRTCM: {
		struct rte_meter_trtcm_params rp = {
			.cir = mp->cir_Bps, .pir = mp->pir_Bps,
			.cbs = mp->cbs_bytes, .pbs = mp->pbs_bytes,
		};

		rc = rte_meter_trtcm_profile_config(&np.trtcm, &rp);
		break;
	}
	default: {
		struct rte_meter_trtcm_rfc4115_params rp = {
			.cir = mp->cir_Bps, .eir = mp->eir_Bps,
			.cbs = mp->cbs_bytes, .ebs = mp->ebs_bytes,
		};

		rc = rte_meter_trtcm_rfc4115_profile_config(&np.rfc4115, &rp);
		break;
	}
	}
	if (rc) {
		snprintf(err, errlen, "%s: refused by rte_meter: %s", meter_algo_name(mp->algo),
			 strerror(-rc));
		return -EINVAL;
	}
	np.algo = (uint8_t)mp->algo;
	np.colour_aware = !!mp->colour_aware;
	np.l1_overhead = !!mp->l1_overhead;
	memcpy(np.action, mp->action, sizeof(np.action));
	memcpy(np.remark_dscp, mp->remark_dscp, sizeof(np.remark_dscp));
	*p = np;
	return 0;
}

struct meter_table *
meter_table_copy(const struct meter_table *t)
{
	struct meter_table *nt = aligned_alloc(RTE_CACHE_LINE_SIZE, sizeof(*nt));

	if (!nt)
		return NULL;
	if (t)
		memcpy(nt, t, sizeof(*nt));
	else
		memset(nt, 0, sizeof(*nt));
	return nt;
}

void
meter_table_free(struct meter_table *t)
{
	free(t);
}

static int
meter_check_id(uint32_t id, char *err, size_t errlen)
{
	if (id < METER_PROFILES_MAX)
		return 0;
	snprintf(err, errlen, "profile %u: id out of range (0..%d)", id, METER_PROFILES_MAX - 1);
	return -EINVAL;
}

int
meter_table_set(struct meter_table *t, uint32_t id, const struct meter_params *mp,
		char *err, size_t errlen)
{
	struct meter_profile p;
	char why[200];

	if (meter_check_id(id, err, errlen))
		return -EINVAL;
	if (meter_profile_build(&p, mp, why, sizeof(why))) {
		snprintf(err, errlen, "profile %u: %s", id, why);
		return -EINVAL;
	}
	if (t->prof[id].algo == METER_ALGO_NONE)
		t->used++;
	t->prof[id] = p;
	t->params[id] = *mp;
	return 0;
}

int
meter_table_del(struct meter_table *t, uint32_t id, char *err, size_t errlen)
{
	if (meter_check_id(id, err, errlen))
		return -EINVAL;
	if (t->prof[id].algo == METER_ALGO_NONE) {
		snprintf(err, errlen, "profile %u: no such profile", id);
		return -EINVAL;
	}
	memset(&t->prof[id], 0, sizeof(t->prof[id]));
	memset(&t->params[id], 0, sizeof(t->params[id]));
	t->used--;
	return 0;
}

/*
 * rte_meter's per-key config fills the buckets and stamps them with rte_get_tsc_cycles();
 * the stamp is replaced by the caller's now_tsc, the clock every later check is given.
 * Left ahead of that clock (a burst's TSC read before this call, a test's clock), the
 * next check's unsigned elapsed time would wrap near 2^64 cycles: a refill capped at the
 * bursts, and the refill phase left wherever the wrap fell, up to a period early.
 */
int
meter_state_init(struct meter_state *s, const struct meter_profile *p, uint64_t now_tsc)
{
	int rc;

	memset(s, 0, sizeof(*s));
	switch (p->algo) {
	case METER_ALGO_SRTCM:
		rc = rte_meter_srtcm_config(&s->srtcm, METER_RTE_PROF(p, srtcm));
		s->srtcm.time = now_tsc;
		return rc;
	case METER_ALGO_TRTCM:
		rc = rte_meter_trtcm_config(&s->trtcm, METER_RTE_PROF(p, trtcm));
		s->trtcm.time_tc = now_tsc;
		s->trtcm.time_tp = now_tsc;
		return rc;
	case METER_ALGO_TRTCM_RFC4115:
		rc = rte_meter_trtcm_rfc4115_config(&s->rfc4115, METER_RTE_PROF(p, rfc4115));
		s->rfc4115.time_tc = now_tsc;
		s->rfc4115.time_te = now_tsc;
		return rc;
	default:
		return -EINVAL;
	}
}
