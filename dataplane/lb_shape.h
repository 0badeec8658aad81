/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lb_shape: the config's shaping (docs/limits.md) as shapers on the workers' transmit.
 *
 * What the dataplane sends to an address of a subscriber that has a pipe is queued in
 * that pipe (dataplane/shaper.h, rte_sched) instead of going straight to the port, and
 * leaves at the pipe's rate, within the aggregate's; its DSCP picks the traffic class.
 * rte_sched is single-threaded, so each worker has its own shaper per port, sized to
 * 1/W of the configured rates: a subscriber's flows, like its clients', spread over the
 * workers by their 5-tuples (the same split as the rate limits, lb.c).
 *
 * The shapers are kept across table versions while the shaping section is unchanged
 * (refcounted, like a limit's state), so a pool change does not drop what is queued.
 * A changed section builds new shapers; packets still queued in the old ones are freed
 * with them after the grace period, and counted (dropped_on_change).
 *
 * Context: lb_shape_build and lb_shape_put on the control thread; the fields the
 * workers read are written before the version is published.
 */
#ifndef SL_LB_SHAPE_H
#define SL_LB_SHAPE_H

#include <stdint.h>

#include "lb.h"
#include "lb_conf.h"
#include "shaper.h"

struct lb_shape {
	uint32_t refs;
	unsigned int nb_workers;
	unsigned int nb_ports;
	struct lb_conf_shaping conf;    /* what it was built from (pipes copied) */
	size_t footprint_bytes;         /* rte_sched's memory, every shaper together */
	struct shaper **s;              /* [worker * nb_ports + port] */
};

/*
 * Gives lb the shapers of c's shaping section for nb_workers workers and nb_ports
 * ports: prev's if it has the same section, else new ones; and lb->sub_pipe, the pipe
 * of each subscriber id. Nothing to do without a shaping section. Returns 0 or -errno
 * with one line in err (lb is then freed by the caller with lb_free).
 */
int lb_shape_build(struct lb *lb, const struct lb_conf *c, const struct lb *prev,
		   unsigned int nb_workers, unsigned int nb_ports, char *err, size_t errlen);

/* Packets freed with replaced shapers since the start (control thread). */
extern uint64_t lb_shape_dropped_on_change;

/* Drops a version's reference (lb_free calls it); the last frees the shapers and every
 * mbuf still queued in them. */
void lb_shape_put(struct lb_shape *sh);

#endif /* SL_LB_SHAPE_H */
