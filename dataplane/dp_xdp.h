/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dp_xdp: the dataplane's side of the XDP front program's pinned maps.
 *
 * After the af_xdp ports are open (the PMD has loaded bpf/sluice_xdp.o and libbpf has
 * created or reused the maps pinned by name under /sys/fs/bpf), the dataplane makes
 * sl_local_v4/v6 hold exactly the addresses it owns — adding its own and removing stale
 * ones left by an earlier run with other addresses — so the program redirects exactly
 * the appliance's traffic to the XSKs. It also reads the program's per-CPU counters.
 * The control-plane daemon takes these maps over when it exists.
 *
 * Context: control thread, may block.
 */
#ifndef SL_DP_XDP_H
#define SL_DP_XDP_H

#include <stdint.h>
#include <stddef.h>

struct dp;

/* Returns 0, or -errno with a reason in err. No-op (0) when no port is af_xdp. */
int dp_xdp_sync_local(const struct dp *dp, char *err, size_t errlen);

/* Sums the pinned per-CPU counters into out[SL_CNT__MAX]; -errno if not pinned. */
int dp_xdp_read_stats(uint64_t *out);

#endif /* SL_DP_XDP_H */
