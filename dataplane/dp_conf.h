/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dp_conf: the balancer's configuration in force and how a new one takes its place.
 *
 * A model comes from --config at start, from the same file again (SIGHUP, the control
 * socket's "reload"), or from sluiced (the control socket's "apply": the model's YAML
 * text with sluiced's generation number). Whatever its origin, a new model is applied
 * the same way, or refused as a whole with the running one left in force:
 *
 *   1. the new tables are built beside the running ones and published by pointer swap;
 *   2. new service addresses join every port's local table (workers answer ARP, ND and
 *      echo for them) and the XDP program's sl_local maps (it redirects their traffic);
 *   3. the old tables are freed after a grace period (rte_rcu_qsbr), and addresses no
 *      service uses any more leave the maps and the local tables.
 *
 * Established flows keep their backends throughout: a flow's entry holds its backend's
 * address, not an index into a table version.
 *
 * Context: control thread (may block for a grace period).
 */
#ifndef SL_DP_CONF_H
#define SL_DP_CONF_H

#include <stddef.h>
#include <stdint.h>

#include "lb_conf.h"

struct dp;

/*
 * Takes the first model (c is moved into dp; c may be empty), builds its tables and its
 * addresses; the ports are open, the workers not started. Returns 0 or -errno with err.
 */
int dp_conf_setup(struct dp *dp, struct lb_conf *c, char *err, size_t errlen);
void dp_conf_teardown(struct dp *dp);

/*
 * Applies c in place of the model in force (c is moved into dp on success, freed on
 * refusal). generation: sluiced's number for it, 0 for a file. Returns 0, or -errno with
 * one line in err and nothing changed. Every call is counted (applies, applies_refused).
 */
int dp_conf_apply(struct dp *dp, struct lb_conf *c, uint64_t generation, char *err,
		  size_t errlen);

/* The same from YAML text (name prefixes the parser's messages). */
int dp_conf_apply_text(struct dp *dp, const char *name, const char *text, size_t len,
		       uint64_t generation, char *err, size_t errlen);

/* The model in force. */
const struct lb_conf *dp_conf_current(const struct dp *dp);

#endif /* SL_DP_CONF_H */
