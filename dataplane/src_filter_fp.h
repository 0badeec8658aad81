/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * src_filter_fp: the first stage's per-packet check (see src_filter.h), inline for the
 * worker loop. Context: worker lcore, between rte_rcu_qsbr quiescent reports.
 */
#ifndef SL_SRC_FILTER_FP_H
#define SL_SRC_FILTER_FP_H

#include <stdint.h>
#include <time.h>

#include <rte_byteorder.h>
#include <rte_hash.h>
#include <rte_ring_elem.h>

#include "pkt_fp.h"
#include "sl_reasons.h"
#include "src_filter.h"

/* The clock of every expiry in the maps: CLOCK_MONOTONIC, as bpf_ktime_get_ns(). */
static inline uint64_t
sf_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * SL_NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
}

static inline const struct sf_policy *
sf_policy_get(const struct src_filter *sf)
{
	return __atomic_load_n(&sf->policy, __ATOMIC_ACQUIRE);
}

static inline const struct sf_bans *
sf_bans_get(const struct src_filter *sf)
{
	return __atomic_load_n(&sf->bans, __ATOMIC_ACQUIRE);
}

/* The longest-prefix match of the source in a family's trie: 1 and its next hop, or 0. */
static inline int
sf_rib_find(const struct pkt_meta *m, int v6, struct rte_rib *r4, struct rte_rib6 *r6,
	    uint64_t *nh)
{
	if (v6) {
		struct rte_rib6_node *n = rte_rib6_lookup(r6, m->addr.v6.src);

		return n && rte_rib6_get_nh(n, nh) == 0;
	} else {
		struct rte_rib_node *n = rte_rib_lookup(r4, rte_be_to_cpu_32(m->addr.v4.src));

		return n && rte_rib_get_nh(n, nh) == 0;
	}
}

/* Posts a ban for the control thread to write into the pinned map. */
static inline void
sf_post_ban(struct src_filter *sf, const void *key, int v6, uint64_t until, uint64_t *cnt)
{
	struct sf_ban_req r = { .v6 = (uint8_t)v6, .until_ns = until };

	memcpy(r.addr, key, v6 ? 16 : 4);
	if (rte_ring_mp_enqueue_elem(sf->ban_ring, &r, sizeof(r)) == 0)
		cnt[SL_CNT_XDP_BAN_ADDED]++;
	else
		cnt[SL_CNT_FILTER_BAN_RING_FULL]++;
}

/*
 * The filter's verdict on a parsed IPv4/IPv6 packet of len bytes (the whole frame, as
 * XDP counts it) at now: 0 to go on, or the drop reason. Events (allowlisted, races, a
 * ban posted) are counted in cnt, the worker's counters.
 */
static inline int
sf_check(struct src_filter *sf, const struct sf_policy *pol, const struct sf_bans *bans,
	 const struct pkt_meta *m, uint32_t len, uint64_t now, uint64_t *cnt)
{
	int v6 = m->l3 == PKT_L3_IPV6, v, found = 0;
	const void *key = v6 ? (const void *)m->addr.v6.src : (const void *)&m->addr.v4.src;
	uint32_t present = pol->present;
	const struct sl_bucket_params *p;
	uint64_t nh = 0;
	void *data;
	int32_t pos;

	if (m->l3 != PKT_L3_IPV4 && !v6)
		return 0;
	if ((present & SL_CONF_BIT(SL_CONF_ALLOW, v6)) &&
	    sf_rib_find(m, v6, pol->allow4, pol->allow6, &nh)) {
		cnt[SL_CNT_XDP_ALLOWLISTED]++;
		return 0;
	}
	/* A host entry is the longest match there is: the trie only if it has none. */
	if ((present & SL_CONF_BIT(SL_CONF_BLOCK_HOST, v6)) &&
	    rte_hash_lookup_data(pol->host[v6], key, &data) >= 0) {
		found = 1;
		nh = (uint64_t)(uintptr_t)data;
	} else if (present & SL_CONF_BIT(SL_CONF_BLOCK_NET, v6)) {
		found = sf_rib_find(m, v6, pol->block4, pol->block6, &nh);
	}
	if (found && (nh == 0 || nh > now))
		return SL_CNT_XDP_BLOCKED;
	if (bans && bans->h[v6] && rte_hash_lookup_data(bans->h[v6], key, &data) >= 0 &&
	    (uint64_t)(uintptr_t)data > now)
		return SL_CNT_XDP_BANNED;
	if (!(present & SL_CONF_LIMITS))
		return 0;
	nh = 0;
	if (present & SL_CONF_BIT(SL_CONF_CLASS, v6))
		sf_rib_find(m, v6, pol->class4, pol->class6, &nh);
	p = &pol->limits[nh < SL_XDP_CLASS_MAX ? nh : 0];
	if (!p->pkt_interval_ns && !p->byte_q16)
		return 0;
	pos = rte_hash_lookup(sf->src[v6], key);
	if (pos < 0) {
		pos = rte_hash_add_key(sf->src[v6], key);
		if (unlikely(pos < 0 || (uint32_t)pos >= sf->state_len[v6])) {
			cnt[SL_CNT_FILTER_SRC_TABLE_FULL]++;
			return 0;
		}
	}
	v = sl_bucket_police(&sf->state[v6][pos], p, len, now);
	if (v & SL_BUCKET_RACED)
		cnt[SL_CNT_XDP_SRC_RACE]++;
	if (!(v & ~SL_BUCKET_RACED))
		return 0;
	if (v == SL_BUCKET_BAN)
		sf_post_ban(sf, key, v6, now + p->ban_ttl_ns, cnt);
	return SL_CNT_XDP_RATE_LIMITED;
}

#endif /* SL_SRC_FILTER_FP_H */
