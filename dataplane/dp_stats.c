/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dp_stats: the counter names and kinds generated from the one X-macro list, and the sum
 * over workers. Context: control thread (and the tables are read by anyone).
 */
#include <string.h>

#include "dp_stats.h"
#include "worker.h"

const char *const sl_counter_names[SL_CNT__MAX] = {
	[SL_CNT_OK] = "ok",
#define SL_CNT_NAME_(sym, name, kind) [SL_CNT_##sym] = name,
	SL_FOREACH_COUNTER(SL_CNT_NAME_)
#undef SL_CNT_NAME_
};

const uint8_t sl_counter_kinds[SL_CNT__MAX] = {
	[SL_CNT_OK] = SL_KIND_EVENT,
#define SL_CNT_KIND_(sym, name, kind) [SL_CNT_##sym] = kind,
	SL_FOREACH_COUNTER(SL_CNT_KIND_)
#undef SL_CNT_KIND_
};

int
sl_counter_by_name(const char *name)
{
	int i;

	for (i = 1; i < SL_CNT__MAX; i++)
		if (strcmp(sl_counter_names[i], name) == 0)
			return i;
	return -1;
}

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
