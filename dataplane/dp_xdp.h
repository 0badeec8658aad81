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

/*
 * Opens the filter's pinned maps for the dataplane's own upkeep and recomputes which
 * tables are in use (bpf_ctl_conf_resync: the maps may have been filled by an older
 * program or by hand). Returns 0, or -errno with a reason in err.
 */
struct bpf_ctl;
int dp_xdp_filter_open(struct bpf_ctl *ctl, char *err, size_t errlen);

/*
 * Creates (or reuses) the filter's pinned maps by loading the XDP object without
 * attaching it anywhere: for a dataplane with no af_xdp port, whose first stage runs the
 * policy over the same maps. Returns 0 or -errno with a reason in err.
 */
int dp_xdp_create_maps(const char *obj_path, char *err, size_t errlen);

/*
 * Deletes expired blocks and bans (they already stop matching; this frees their room
 * and their listing). Until sluiced exists the dataplane's control thread calls it once
 * a second. Returns the number deleted or -errno.
 */
int dp_xdp_sweep(struct bpf_ctl *ctl);

#endif /* SL_DP_XDP_H */
