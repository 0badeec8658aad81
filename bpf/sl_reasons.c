/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sl_reasons: counter names and kinds for userspace, generated from the X-macro list in
 * sl_reasons.h, so the dataplane, the control tools and (later) the metrics print the
 * same names. Context: any thread; constant tables.
 */
#include <string.h>

#include "sl_reasons.h"

const char *const sl_counter_names[SL_CNT__MAX] = {
	[SL_CNT_OK] = "ok",
#define SL_CNT_NAME_(sym, name, kind) [SL_CNT_##sym] = name,
	SL_FOREACH_COUNTER(SL_CNT_NAME_)
#undef SL_CNT_NAME_
};

const unsigned char sl_counter_kinds[SL_CNT__MAX] = {
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
