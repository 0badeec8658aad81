/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dp_stats: the sum of every worker's counters. Context: control thread.
 */
#include <string.h>

#include "dp_stats.h"
#include "worker.h"

void
dp_stats_sum(const struct dp *dp, uint64_t *out)
{
	unsigned int w;
	int c;

	memset(out, 0, sizeof(uint64_t) * SL_CNT__MAX);
	for (w = 0; w < dp->nb_workers; w++) {
		const struct worker *wk = dp->workers[w];

		if (!wk)
			continue;
		for (c = 0; c < SL_CNT__MAX; c++)
			out[c] += wk->cnt[c];
	}
}
