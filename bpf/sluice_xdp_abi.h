/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Map keys and values of the XDP front program, shared by bpf/ and userspace.
 *
 * Map names here are the same strings as the pin names under the bpffs and in sluicectl
 * output. Structs have explicit padding so BPF and x86-64 agree byte for byte.
 */
#ifndef SLUICE_XDP_ABI_H
#define SLUICE_XDP_ABI_H

/* Addresses the appliance owns (on any port); traffic to them goes to the XSK. */
#define SL_XDP_MAP_LOCAL_V4  "sl_local_v4"
#define SL_XDP_MAP_LOCAL_V6  "sl_local_v6"
/* Per-CPU counters indexed by enum sl_counter (sl_reasons.h). */
#define SL_XDP_MAP_STATS     "sl_xdp_stats"

#define SL_XDP_LOCAL_MAX     4096
#define SL_XDP_XSK_MAX       64

/* Key of sl_local_v4 is the IPv4 address in network order (__u32). */
struct sl_local_v6_key {
	unsigned char addr[16];
};

/* Value of both local maps. */
struct sl_local_val {
	unsigned int flags;     /* reserved, 0 */
};

#endif /* SLUICE_XDP_ABI_H */
