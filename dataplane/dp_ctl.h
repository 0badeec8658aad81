/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dp_ctl: the dataplane's control socket (DESIGN.md section 6: /run/sluice/dataplane.sock).
 *
 * A unix stream socket served by the control thread between its other duties. Protocol:
 * the client sends one JSON object on one line ({"cmd":"status"}), the dataplane answers
 * with one JSON object on one line ({"ok":true,...} or {"ok":false,"error":"..."}) and
 * closes. Commands: ping, status, stats, reload (re-read --config) and apply, sluiced's
 * push of a whole model with its generation number, acknowledged once every worker runs
 * on the new tables (dp_conf.h). status carries the generation in force and a boot id,
 * by which sluiced sees a restarted dataplane and pushes again.
 *
 * Context: control thread only; may block up to DP_CTL_IO_TIMEOUT_MS per client.
 */
#ifndef SL_DP_CTL_H
#define SL_DP_CTL_H

#include <stddef.h>

#define DP_CTL_IO_TIMEOUT_MS 1000
#define DP_CTL_MAX_REQUEST   (16 << 20)      /* sluiced pushes whole models */

struct dp;

/* Creates the socket (and its directory), mode 0660. Returns the fd or -errno. */
int dp_ctl_open(const char *path, char *err, size_t errlen);

/* Waits up to timeout_ms for a client and serves it. Returns 0, or -errno on a
 * listening-socket failure (client errors are answered and counted, not returned). */
int dp_ctl_poll(struct dp *dp, int fd, int timeout_ms);

void dp_ctl_close(int fd, const char *path);

/* Builds the reply to one request line; the caller frees it. Exposed for tests. */
char *dp_ctl_handle(struct dp *dp, const char *line);

/* Registers DPDK telemetry commands /sluice/stats, /sluice/status, /sluice/lb and
 * /sluice/worker,N. Context: control thread, once. */
void dp_ctl_telemetry_register(struct dp *dp);

/* Stops the telemetry commands from reading dp (they answer -ENODEV): before the
 * workers are freed. Context: control thread. */
void dp_ctl_telemetry_unregister(void);

#endif /* SL_DP_CTL_H */
