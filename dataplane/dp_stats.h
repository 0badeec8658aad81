/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dp_stats: counter totals over workers (names and kinds: bpf/sl_reasons.h).
 *
 * Workers own their counters (struct worker.cnt, plain uint64_t written only by that
 * worker); readers on the control thread sum them without locks. A torn read is not
 * possible for aligned 64-bit words on the architectures DPDK supports, and a value a
 * pass old is fine for statistics.
 *
 * Context: names and kinds are constant; dp_stats_sum runs on the control thread.
 */
#ifndef SL_DP_STATS_H
#define SL_DP_STATS_H

#include <stdbool.h>
#include <stdint.h>

#include "sl_reasons.h"

static inline bool
sl_counter_is_drop(int c)
{
	return sl_counter_kinds[c] == SL_KIND_DROP;
}

struct dp;
/* Sums every worker's counters into out[SL_CNT__MAX]. Context: control thread. */
void dp_stats_sum(const struct dp *dp, uint64_t *out);

#endif /* SL_DP_STATS_H */
