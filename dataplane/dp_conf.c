/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dp_conf: applying a balancer model (dp_conf.h). The order — tables swapped, new
 * addresses in, old tables freed after a grace period, stale addresses out — means a
 * packet for a new service finds its tables as soon as the XDP program sends it here,
 * and a packet for a removed one meets tables without it (refused like any closed port)
 * until its address is gone: never a half-built state. If the XDP maps refuse an
 * address, the running tables and addresses are put back. Context: control thread.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <rte_malloc.h>
#include <rte_rcu_qsbr.h>

#include "dp_conf.h"
#include "dp_xdp.h"
#include "lb.h"
#include "lb_shape.h"
#include "local.h"
#include "worker.h"

/* Whether service address v is in model c. */
static int
dp_conf_has_vip(const struct lb_conf *c, int family, const uint8_t *addr)
{
	uint32_t i;

	for (i = 0; c && i < c->nb_services; i++)
		if (c->services[i].vip.family == family &&
		    memcmp(c->services[i].vip.addr, addr, family == AF_INET ? 4 : 16) == 0)
			return 1;
	return 0;
}

static void
dp_conf_grace(void *arg)
{
	struct dp *dp = arg;

	if (dp->lb_qs)
		rte_rcu_qsbr_synchronize(dp->lb_qs, RTE_QSBR_THRID_INVALID);
}

/* Refuses a model whose addresses would not fit a port's table, before anything moves. */
static int
dp_conf_addrs_fit(const struct dp *dp, const struct lb_conf *c, char *err, size_t errlen)
{
	unsigned int n4 = 0, n6 = 0;
	uint32_t i, j;
	uint16_t pi;

	for (i = 0; i < c->nb_services; i++) {
		const struct lb_addr *v = &c->services[i].vip;

		for (j = 0; j < i; j++)
			if (c->services[j].vip.family == v->family &&
			    memcmp(c->services[j].vip.addr, v->addr, 16) == 0)
				break;
		if (j < i)
			continue;
		if (v->family == AF_INET)
			n4++;
		else
			n6++;
	}
	for (pi = 0; pi < dp->nb_ports; pi++) {
		const struct dp_port *p = &dp->ports[pi];

		if (p->nb_v4_static + n4 > LOCAL_ADDR_MAX || p->nb_v6_static + n6 > LOCAL_ADDR_MAX) {
			snprintf(err, errlen, "port %s: %u IPv4 and %u IPv6 service addresses with "
				 "its own %u and %u: at most %d of each family per port",
				 p->port.spec.name, n4, n6, p->nb_v4_static, p->nb_v6_static,
				 LOCAL_ADDR_MAX);
			return -ENOSPC;
		}
	}
	return 0;
}

/* Step 1: every address of c on every port (an address also given by --addr stays).
 * Returns how many were new. */
static unsigned int
dp_conf_addrs_add(struct dp *dp, const struct lb_conf *c)
{
	unsigned int added = 0;
	uint32_t i, a4;
	uint16_t pi;

	for (pi = 0; pi < dp->nb_ports; pi++)
		for (i = 0; i < c->nb_services; i++) {
			const struct lb_addr *v = &c->services[i].vip;

			if (v->family == AF_INET) {
				memcpy(&a4, v->addr, 4);
				added += local_add_v4(&dp->ports[pi].local, a4) == 0;
			} else {
				added += local_add_v6(&dp->ports[pi].local, v->addr) == 0;
			}
		}
	return added;
}

/* Step 3: addresses past a port's own that c no longer names. Returns how many. */
static unsigned int
dp_conf_addrs_drop(struct dp *dp, const struct lb_conf *c)
{
	unsigned int i, dropped = 0;
	uint16_t pi;

	for (pi = 0; pi < dp->nb_ports; pi++) {
		struct dp_port *p = &dp->ports[pi];
		struct local_port *lp = &p->local;

		for (i = p->nb_v4_static; i < lp->nb_v4;) {
			if (dp_conf_has_vip(c, AF_INET, (const uint8_t *)&lp->v4[i]))
				i++;
			else
				dropped += local_del_v4(lp, lp->v4[i], dp_conf_grace, dp) == 0;
		}
		for (i = p->nb_v6_static; i < lp->nb_v6;) {
			if (dp_conf_has_vip(c, AF_INET6, lp->v6[i]))
				i++;
			else
				dropped += local_del_v6(lp, lp->v6[i], dp_conf_grace, dp) == 0;
		}
	}
	return dropped;
}

int
dp_conf_setup(struct dp *dp, struct lb_conf *c, char *err, size_t errlen)
{
	size_t qsz = rte_rcu_qsbr_get_memsize(dp->nb_workers);
	uint16_t pi;
	int rc;

	for (pi = 0; pi < dp->nb_ports; pi++) {
		dp->ports[pi].nb_v4_static = dp->ports[pi].local.nb_v4;
		dp->ports[pi].nb_v6_static = dp->ports[pi].local.nb_v6;
	}
	dp->conf = calloc(1, sizeof(*dp->conf));
	dp->neigh = rte_zmalloc("neigh", sizeof(*dp->neigh), RTE_CACHE_LINE_SIZE);
	dp->lb_qs = rte_zmalloc("lb_qsbr", qsz, RTE_CACHE_LINE_SIZE);
	if (!dp->conf || !dp->neigh || !dp->lb_qs ||
	    rte_rcu_qsbr_init(dp->lb_qs, dp->nb_workers) != 0) {
		snprintf(err, errlen, "balancer: out of memory");
		return -ENOMEM;
	}
	if ((rc = dp_conf_addrs_fit(dp, c, err, errlen)) != 0)
		return rc;
	dp->lb = lb_build(c, dp->neigh, 1, dp->nb_workers, err, errlen);
	if (!dp->lb)
		return -EINVAL;
	if ((rc = lb_shape_build(dp->lb, c, NULL, dp->nb_workers, dp->nb_ports, err,
				 errlen)) != 0) {
		lb_free(dp->lb);
		dp->lb = NULL;
		return rc;
	}
	dp_conf_addrs_add(dp, c);
	*dp->conf = *c;
	memset(c, 0, sizeof(*c));
	return dp_xdp_sync_local(dp, err, errlen);
}

void
dp_conf_teardown(struct dp *dp)
{
	lb_free(dp->lb);
	dp->lb = NULL;
	rte_free(dp->neigh);
	rte_free(dp->lb_qs);
	dp->neigh = NULL;
	dp->lb_qs = NULL;
	if (dp->conf)
		lb_conf_free(dp->conf);
	free(dp->conf);
	dp->conf = NULL;
}

static int
dp_conf_apply_once(struct dp *dp, struct lb_conf *c, uint64_t generation, char *err,
		   size_t errlen)
{
	struct lb *fresh, *old = dp->lb;
	int rc;

	if (!old) {
		snprintf(err, errlen, "the balancer is not set up");
		return -ENODEV;
	}
	if ((rc = dp_conf_addrs_fit(dp, c, err, errlen)) != 0)
		return rc;
	/* Pools that did not change keep their Maglev tables (lb_build_from), and the XDP
	 * program's address maps are written only when the addresses changed: a backend
	 * change costs its own pool's build and a grace period (sluiced's change latency). */
	fresh = lb_build_from(c, dp->neigh, old->version + 1, dp->nb_workers, old, err, errlen);
	if (!fresh)
		return -EINVAL;
	if ((rc = lb_shape_build(fresh, c, old, dp->nb_workers, dp->nb_ports, err,
				 errlen)) != 0) {
		lb_free(fresh);
		return rc;
	}
	__atomic_store_n(&dp->lb, fresh, __ATOMIC_RELEASE);
	if ((dp_conf_addrs_add(dp, c) || dp->xdp_local_stale) &&
	    (rc = dp_xdp_sync_local(dp, err, errlen)) != 0) {
		/* the maps refused: back to the running tables and addresses */
		__atomic_store_n(&dp->lb, old, __ATOMIC_RELEASE);
		rte_rcu_qsbr_synchronize(dp->lb_qs, RTE_QSBR_THRID_INVALID);
		lb_free(fresh);
		dp_conf_addrs_drop(dp, dp->conf);
		dp_xdp_sync_local(dp, err + strlen(err), 0);
		return rc;
	}
	rte_rcu_qsbr_synchronize(dp->lb_qs, RTE_QSBR_THRID_INVALID);
	lb_free(old);
	if (dp_conf_addrs_drop(dp, c)) {
		dp->xdp_local_stale = dp_xdp_sync_local(dp, err, errlen) != 0;
		if (dp->xdp_local_stale)
			fprintf(stderr, "sluice-dataplane: removing old service addresses: %s "
				"(retried with the next change)\n", err);
	}
	lb_conf_free(dp->conf);
	*dp->conf = *c;
	memset(c, 0, sizeof(*c));
	dp->generation = generation;
	return 0;
}

int
dp_conf_apply(struct dp *dp, struct lb_conf *c, uint64_t generation, char *err, size_t errlen)
{
	int rc = dp_conf_apply_once(dp, c, generation, err, errlen);

	if (rc) {
		lb_conf_free(c);
		dp->applies_refused++;
	} else {
		dp->applies++;
	}
	return rc;
}

int
dp_conf_apply_text(struct dp *dp, const char *name, const char *text, size_t len,
		   uint64_t generation, char *err, size_t errlen)
{
	struct lb_conf c;
	int rc = lb_conf_parse(name, text, len, &c, err, errlen);

	if (rc) {
		dp->applies_refused++;
		return rc;
	}
	return dp_conf_apply(dp, &c, generation, err, errlen);
}

const struct lb_conf *
dp_conf_current(const struct dp *dp)
{
	return dp->conf;
}
