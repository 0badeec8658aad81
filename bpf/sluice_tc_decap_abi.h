/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Maps of the backends' tc decapsulator (sluice_tc_decap.bpf.c), shared by bpf/ and
 * userspace (tests, tools). Preprocessor, enums and fixed-size structs only.
 *
 * The maps are not pinned: tc loads one copy of the object per interface, and each copy
 * has its own counters and its own list of balancers (find them with
 * `bpftool net show dev IF` -> prog id -> `bpftool prog show id N` -> map_ids).
 */
#ifndef SLUICE_TC_DECAP_ABI_H
#define SLUICE_TC_DECAP_ABI_H

#include <linux/types.h>

/* Per-CPU counters, one per reason (PERCPU_ARRAY, key = enum sl_decap_reason). */
#define SL_DECAP_MAP_STATS   "sl_decap_stats"
/* The balancers allowed to tunnel to this backend, one address per slot (ARRAY of
 * SL_DECAP_SRC_MAX; IPv4: __be32, IPv6: struct sl_decap_src_v6). An all-zero slot is
 * empty; a family whose slots are all empty accepts tunnels from any source. */
#define SL_DECAP_MAP_SRC_V4  "sl_decap_src_v4"
#define SL_DECAP_MAP_SRC_V6  "sl_decap_src_v6"

#define SL_DECAP_SRC_MAX     16

/* _(SYM, "name"). Append only: scripts read the counters by index. */
#define SL_DECAP_FOREACH_REASON(_)                                              \
	_(OK_V4,              "decap_ok_v4")                                    \
	_(OK_V6,              "decap_ok_v6")                                    \
	_(PASS_NOT_TUNNEL,    "pass_not_tunnel")                                \
	_(DROP_MALFORMED,     "drop_malformed")                                 \
	_(DROP_FRAGMENT,      "drop_fragment")                                  \
	_(DROP_ADJUST,        "drop_adjust")                                    \
	_(DROP_SOURCE,        "drop_source_not_allowed")

enum sl_decap_reason {
#define SL_DECAP_REASON_ENUM(sym, name) SL_DECAP_##sym,
	SL_DECAP_FOREACH_REASON(SL_DECAP_REASON_ENUM)
#undef SL_DECAP_REASON_ENUM
	SL_DECAP__MAX
};

/* An IPv6 balancer address, network byte order; :: marks an empty slot. */
struct sl_decap_src_v6 {
	__u32 addr[4];
};

#endif
