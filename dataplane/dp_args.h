/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dp_args: the dataplane's own command line (after EAL's "--").
 *
 * Parsing is pure (no EAL, no I/O beyond what port_spec_parse checks), so it is unit
 * tested and runs before rte_eal_init: a bad option is refused with one line and exit
 * status 2 rather than after EAL has printed its start-up banner.
 *
 * Context: main thread, before EAL.
 */
#ifndef SL_DP_ARGS_H
#define SL_DP_ARGS_H

#include <limits.h>
#include <stdio.h>

#include "local.h"
#include "port.h"

#define DP_CTL_DEFAULT "/run/sluice/dataplane.sock"
#define DP_CT_MAX_DEFAULT 65536u
#define DP_FLOW_LOG_SYSLOG "syslog"             /* --flow-log's word for syslog */
#define DP_FLOW_LOG_RATE_DEFAULT 10000u         /* records written per second */
#define DP_FLOW_LOG_RATE_MAX 10000000u

struct dp_args {
	struct port_spec ports[PORT_MAX];
	struct local_port locals[PORT_MAX];     /* addresses, by port index */
	unsigned int nb_ports;
	unsigned int nb_workers;                /* 0: one per EAL worker lcore */
	unsigned int idle_sleep_us;
	char ctl_path[PATH_MAX];                /* "" to disable */
	char xdp_obj[PATH_MAX];                 /* "" to look next to the binary */
	int no_src_filter;                      /* no first-stage filter on non-XDP ports */
	char config[PATH_MAX];                  /* services and pools; "" for none */
	unsigned int ct_max;                    /* connections per worker */
	char flow_log[PATH_MAX];                /* file, DP_FLOW_LOG_SYSLOG, or "": off */
	unsigned int flow_log_sample;           /* log 1 flow in N (by tuple hash); 1: all */
	unsigned int flow_log_rate;             /* records per second at most; 0: no cap */
};

/*
 * Parses argv (the part after "--"; argv[0] is the program name). Returns 0, or -EINVAL
 * with a one-line reason in err. Address options may come before or after their port.
 */
int dp_args_parse(int argc, char **argv, struct dp_args *a, char *err, size_t errlen);

void dp_args_usage(FILE *f, const char *prog);

#endif /* SL_DP_ARGS_H */
