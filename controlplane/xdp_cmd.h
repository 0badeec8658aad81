/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * xdp_cmd: the XDP front filter's verbs over its pinned maps, for sluiced and
 * sluice-xdpctl alike (see xdp_cmd.c). Context: control side, may block.
 */
#ifndef SL_XDP_CMD_H
#define SL_XDP_CMD_H

#include <stddef.h>
#include <stdio.h>

#define XDP_CMD_USAGE 2

struct bpf_ctl;

/*
 * Runs one verb: argv is "block add 198.18.0.66/32 --ttl 60" split in words. Output (a
 * listing, counters) goes to f, as JSON if json. Returns 0 done, XDP_CMD_USAGE for words
 * that are not a verb (err may say why), or -errno refused with one line in err.
 */
int xdp_cmd_run(struct bpf_ctl *c, int argc, char **argv, FILE *f, int json, char *err,
		size_t errlen);

/* Whether obj is one of the filter's objects (block, allow, class, ban, limit, stats,
 * sweep). */
int xdp_cmd_known(const char *obj);

#endif /* SL_XDP_CMD_H */
