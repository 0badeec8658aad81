/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lb: building the balancer's tables (see lb.h). Context: control thread.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <rte_errno.h>
#include <rte_hash.h>
/* rte_lpm.h's rte_lpm_lookup_bulk_func sizes an array by its argument */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wvla"
#include <rte_lpm.h>
#pragma GCC diagnostic pop
#include <rte_lpm6.h>
#include <rte_malloc.h>

#include "flowlog.h"
#include "lb.h"
#include "lb_shape.h"
#include "maglev.h"

/* The pool in prev built from what cp says, if there is one: same name, table size and
 * backends (in order; their order is the table's index space). */
static struct lb_pool *
lb_same_pool(const struct lb *prev, uint32_t at, const struct lb_pool *p)
{
	uint32_t i, j;

	if (!prev)
		return NULL;
	for (j = 0; j < prev->nb_pools; j++) {
		/* the same position first: a change rarely reorders pools */
		struct lb_pool *q = &prev->pools[(at + j) % prev->nb_pools];

		if (strcmp(q->name, p->name) != 0)
			continue;
		if (q->nb != p->nb || q->maglev_m != p->maglev_m || !q->maglev_refs)
			return NULL;
		for (i = 0; i < p->nb; i++) {
			const struct lb_backend *a = &p->b[i], *b = &q->b[i];

			if (a->v6 != b->v6 || a->port != b->port || a->weight != b->weight ||
			    a->state != b->state ||
			    (a->v6 ? memcmp(a->addr6, b->addr6, 16) != 0 : a->addr != b->addr))
				return NULL;
		}
		return q;
	}
	return NULL;
}

static int
lb_build_pool(struct lb *lb, struct lb_pool *p, const struct lb_conf_pool *cp,
	      unsigned int nb_workers, const struct lb *prev, uint32_t at, char *err,
	      size_t errlen)
{
	const struct lb_pool *same;
	struct maglev_backend *mb = NULL;
	struct maglev_scratch *ms = NULL;
	uint32_t i, n = 0;
	uint16_t *idx = NULL;
	int rc = -ENOMEM;

	snprintf(p->name, sizeof(p->name), "%s", cp->name);
	p->nb = cp->nb_backends;
	p->b = calloc(p->nb ? p->nb : 1, sizeof(*p->b));
	p->maglev_m = cp->maglev_size;
	mb = calloc(p->nb ? p->nb : 1, sizeof(*mb));
	ms = calloc(p->nb ? p->nb : 1, sizeof(*ms));
	idx = calloc(p->nb ? p->nb : 1, sizeof(*idx));
	if (!p->b || !mb || !ms || !idx) {
		snprintf(err, errlen, "pool %s: out of memory", cp->name);
		goto out;
	}
	for (i = 0; i < p->nb; i++) {
		const struct lb_conf_backend *cb = &cp->backends[i];
		struct lb_backend *b = &p->b[i];
		uint8_t name[20] = { 0 };   /* rte_jhash reads whole words: room to 4n */

		b->v6 = cb->addr.family == AF_INET6;
		if (b->v6)
			memcpy(b->addr6, cb->addr.addr, 16);
		else
			memcpy(&b->addr, cb->addr.addr, 4);
		b->port = rte_cpu_to_be_16(cb->addr.port);
		b->weight = cb->weight;
		b->state = cb->state;
		b->neigh = b->v6 ? neigh_add6(lb->neigh, b->addr6) : neigh_add(lb->neigh, b->addr);
		if (b->neigh == NEIGH_NONE) {
			snprintf(err, errlen, "pool %s: more than %d backend addresses", cp->name,
				 NEIGH_MAX);
			rc = -ENOSPC;
			goto out;
		}
		/* Only backends that take new flows are in the table; their identity is their
		 * address and port, so every appliance builds the same table. */
		if (b->state != LB_BACKEND_READY || b->weight == 0)
			continue;
		if (b->v6) {
			memcpy(name, b->addr6, 16);
			memcpy(name + 16, &b->port, 2);
			mb[n].id = maglev_id(name, 18);
		} else {
			memcpy(name, &b->addr, 4);
			memcpy(name + 4, &b->port, 2);
			mb[n].id = maglev_id(name, 6);
		}
		mb[n].weight = b->weight;
		idx[n++] = (uint16_t)i;
	}
	p->pw = rte_zmalloc("lb_pool_worker", sizeof(*p->pw) * (nb_workers ? nb_workers : 1),
			    RTE_CACHE_LINE_SIZE);
	if (!p->pw) {
		snprintf(err, errlen, "pool %s: out of memory", cp->name);
		rc = -ENOMEM;
		goto out;
	}
	for (i = 0; i < nb_workers; i++) {
		uint32_t j;

		p->pw[i].rr = i;        /* workers start apart */
		p->pw[i].swrr = calloc(p->nb ? p->nb : 1, sizeof(*p->pw[i].swrr));
		if (!p->pw[i].swrr) {
			snprintf(err, errlen, "pool %s: out of memory", cp->name);
			rc = -ENOMEM;
			goto out;
		}
		for (j = 0; j < p->nb; j++)
			p->pw[i].swrr[j].weight = p->b[j].state == LB_BACKEND_READY ?
						  p->b[j].weight : 0;
	}
	p->nb_workers = nb_workers;
	same = lb_same_pool(prev, at, p);
	if (same) {
		p->maglev = same->maglev;
		p->maglev_refs = same->maglev_refs;
		(*p->maglev_refs)++;
		rc = 0;
		goto out;
	}
	p->maglev_refs = malloc(sizeof(*p->maglev_refs));
	p->maglev = calloc(p->maglev_m, sizeof(*p->maglev));
	if (!p->maglev_refs || !p->maglev) {
		free(p->maglev_refs);
		free(p->maglev);
		p->maglev_refs = NULL;
		p->maglev = NULL;
		snprintf(err, errlen, "pool %s: out of memory", cp->name);
		rc = -ENOMEM;
		goto out;
	}
	*p->maglev_refs = 1;
	rc = maglev_build(mb, n, p->maglev_m, p->maglev, ms);
	if (rc) {
		snprintf(err, errlen, "pool %s: maglev table: %s", cp->name, strerror(-rc));
		goto out;
	}
	for (i = 0; i < p->maglev_m; i++)       /* table positions -> pool indexes */
		if (p->maglev[i] != MAGLEV_NONE)
			p->maglev[i] = idx[p->maglev[i]];
	rc = 0;
out:
	free(mb);
	free(ms);
	free(idx);
	return rc;
}

static void
lb_limit_state_put(struct lb_limit_state *st)
{
	unsigned int w;

	if (!st || --st->refs)
		return;
	for (w = 0; st->t && w < st->nb_workers; w++)
		police_table_free(st->t[w]);
	free(st->t);
	rte_free(st->cnt);
	free(st);
}

/* A limit's state: prev's if it has the same limit (name, algorithm, state size, keys),
 * else new tables for nb_workers workers. */
static struct lb_limit_state *
lb_limit_state_get(const struct lb *prev, const struct lb_conf_limit *cl, size_t slot,
		   unsigned int nb_workers, char *err, size_t errlen)
{
	static uint32_t seq;            /* rte_hash names must differ */
	struct lb_limit_state *st;
	unsigned int w;
	uint32_t i;

	for (i = 0; prev && i < prev->nb_limits; i++) {
		st = prev->limits[i].st;
		if (strcmp(prev->limits[i].name, cl->name) == 0 && st->algo == cl->algo &&
		    st->slot_size == slot && st->max_keys == cl->max_keys &&
		    st->nb_workers == nb_workers) {
			st->refs++;
			return st;
		}
	}
	st = calloc(1, sizeof(*st));
	if (!st)
		goto nomem;
	st->refs = 1;
	st->algo = cl->algo;
	st->slot_size = slot;
	st->max_keys = cl->max_keys;
	st->t = calloc(nb_workers ? nb_workers : 1, sizeof(*st->t));
	st->cnt = rte_zmalloc("lb_limit_cnt", sizeof(*st->cnt) * (nb_workers ? nb_workers : 1),
			      RTE_CACHE_LINE_SIZE);
	if (!st->t || !st->cnt)
		goto nomem;
	for (w = 0; w < nb_workers; w++) {
		char name[RTE_HASH_NAMESIZE];

		snprintf(name, sizeof(name), "lim_%u_%u", seq++, w);
		st->t[w] = police_table_create(name, cl->max_keys, slot, SOCKET_ID_ANY, err, errlen);
		st->nb_workers = w + 1;
		if (!st->t[w]) {
			lb_limit_state_put(st);
			return NULL;
		}
	}
	st->nb_workers = nb_workers;
	return st;
nomem:
	if (st)
		lb_limit_state_put(st);
	snprintf(err, errlen, "limit %s: out of memory", cl->name);
	return NULL;
}

/* A meter limit's profile (dataplane/meter.h); a service's budget: its rates split over
 * div workers (the bursts stay whole: each must hold a packet). */
static int
lb_build_meter(struct lb_limit *l, const struct lb_conf_limit *cl, uint64_t div, char *msg,
	       size_t len)
{
	struct meter_params mp;
	int i;

	memset(&mp, 0, sizeof(mp));
	mp.algo = cl->algo == LB_LIMIT_SRTCM ? METER_ALGO_SRTCM :
		  cl->algo == LB_LIMIT_TRTCM ? METER_ALGO_TRTCM : METER_ALGO_TRTCM_RFC4115;
	mp.cir_Bps = cl->cir / div ? cl->cir / div : 1;
	mp.pir_Bps = cl->pir / div;
	mp.eir_Bps = cl->eir / div;
	mp.cbs_bytes = cl->cbs;
	mp.pbs_bytes = cl->pbs;
	mp.ebs_bytes = cl->ebs;
	mp.colour_aware = cl->colour_aware;
	mp.l1_overhead = cl->l1_overhead;
	for (i = 0; i < RTE_COLORS; i++) {
		mp.action[i] = cl->colour_action[i];    /* the same order as enum meter_action */
		mp.remark_dscp[i] = cl->colour_dscp[i];
	}
	l->meter = rte_zmalloc("lb_meter", sizeof(*l->meter), RTE_CACHE_LINE_SIZE);
	if (!l->meter) {
		snprintf(msg, len, "out of memory");
		return -ENOMEM;
	}
	return meter_profile_build(l->meter, &mp, msg, len);
}

/*
 * Over how many workers a limit's budget is split. A key's packets reach every worker
 * its flows hash to (the owner is a function of the 5-tuple, DESIGN.md section 2), so a
 * budget each worker kept whole would let a key with many flows have W times it. Split,
 * the workers together admit what was configured: exactly in expectation when the key's
 * flows spread over the workers, as new connections do (each new flow's owner is
 * independent of its key) and as a service's, a subscriber's or a prefix's many clients'
 * flows do. A single source's packets and bytes are the exception, kept whole per
 * worker: they come in few flows, often one, and a split budget would hold a lone
 * download to 1/W of its limit (docs/limits.md says so).
 */
static unsigned int
lb_limit_split(const struct lb_conf_limit *cl, unsigned int nb_workers)
{
	if (nb_workers <= 1)
		return 1;
	if (cl->key == LB_LIMIT_KEY_SOURCE && cl->unit != POLICE_CONNS)
		return 1;
	return nb_workers;
}

static void
lb_subs_put(struct lb_subs *ss)
{
	if (!ss || --ss->refs)
		return;
	rte_lpm_free(ss->v4);
	rte_lpm6_free(ss->v6);
	free(ss->prefixes);
	free(ss);
}

/* The subscribers' prefixes as LPM tables (ids 1..nb_subs as next hops): prev's when its
 * prefixes are the same, else new ones. */
static int
lb_build_subs(struct lb *lb, const struct lb_conf *c, const struct lb *prev, char *err,
	      size_t errlen)
{
	static unsigned long seq;       /* LPM names must be unique while they live */
	char name[RTE_LPM_NAMESIZE];
	uint32_t i, n4 = 0, n6 = 0;
	struct lb_subs *ss;

	lb->nb_subs = c->nb_subs;
	if (!c->nb_sub_prefixes)
		return 0;
	ss = calloc(1, sizeof(*ss));
	if (!ss || !(ss->prefixes = calloc(c->nb_sub_prefixes, sizeof(*ss->prefixes)))) {
		free(ss);
		snprintf(err, errlen, "subscribers: out of memory");
		return -ENOMEM;
	}
	ss->refs = 1;
	ss->nb_prefixes = c->nb_sub_prefixes;
	for (i = 0; i < c->nb_sub_prefixes; i++) {
		ss->prefixes[i] = c->sub_prefixes[i];
		ss->prefixes[i].line = 0;
	}
	if (prev && prev->subs && prev->subs->nb_prefixes == ss->nb_prefixes &&
	    memcmp(prev->subs->prefixes, ss->prefixes,
		   ss->nb_prefixes * sizeof(*ss->prefixes)) == 0) {
		lb_subs_put(ss);
		lb->subs = prev->subs;
		lb->subs->refs++;
		lb->sub4 = lb->subs->v4;
		lb->sub6 = lb->subs->v6;
		return 0;
	}
	lb->subs = ss;
	for (i = 0; i < c->nb_sub_prefixes; i++) {
		if (c->sub_prefixes[i].prefix.family == AF_INET)
			n4++;
		else
			n6++;
	}
	seq++;
	if (n4) {
		/* a prefix longer than /24 takes a tbl8 group (1 KiB) */
		struct rte_lpm_config lc = { .max_rules = n4, .number_tbl8s = n4 + 1 };

		snprintf(name, sizeof(name), "lb_sub4_%lu", seq);
		ss->v4 = rte_lpm_create(name, SOCKET_ID_ANY, &lc);
		if (!ss->v4)
			goto nomem;
	}
	if (n6) {
		/* at most (128 - 24) / 8 = 13 tbl8 groups a prefix; /64s take 5 */
		struct rte_lpm6_config lc = { .max_rules = n6, .number_tbl8s = n6 * 13 + 1 };

		snprintf(name, sizeof(name), "lb_sub6_%lu", seq);
		ss->v6 = rte_lpm6_create(name, SOCKET_ID_ANY, &lc);
		if (!ss->v6)
			goto nomem;
	}
	for (i = 0; i < c->nb_sub_prefixes; i++) {
		const struct lb_conf_sub_prefix *p = &c->sub_prefixes[i];
		int rc;

		if (p->prefix.family == AF_INET) {
			uint32_t a;

			memcpy(&a, p->prefix.addr, 4);
			rc = rte_lpm_add(ss->v4, rte_be_to_cpu_32(a), p->plen, p->sub + 1);
		} else {
			rc = rte_lpm6_add(ss->v6, p->prefix.addr, p->plen, p->sub + 1);
		}
		if (rc < 0) {
			snprintf(err, errlen, "subscribers: prefix table: %s", rte_strerror(-rc));
			return -EINVAL;
		}
	}
	lb->sub4 = ss->v4;
	lb->sub6 = ss->v6;
	return 0;
nomem:
	snprintf(err, errlen, "subscribers: prefix table (%s): %s", name,
		 rte_strerror(rte_errno));
	return -ENOMEM;
}

/* The limits of c, by priority (stable: the file's order breaks no tie, the check
 * refused those). */
static int
lb_build_limits(struct lb *lb, const struct lb_conf *c, const struct lb *prev,
		unsigned int nb_workers, char *err, size_t errlen)
{
	uint32_t i, j, n = 0;

	if (!c->nb_limits)
		return 0;
	lb->limits = calloc(c->nb_limits, sizeof(*lb->limits));
	if (!lb->limits) {
		snprintf(err, errlen, "limits: out of memory");
		return -ENOMEM;
	}
	for (i = 0; i < c->nb_limits; i++) {
		const struct lb_conf_limit *cl = &c->limits[i];
		struct lb_limit *l;
		unsigned int div = lb_limit_split(cl, nb_workers);
		uint64_t amount = cl->algo <= POLICE_LEAKY_BUCKET ? cl->rate : cl->limit;
		uint64_t burst = cl->burst, least = cl->unit == POLICE_BYTES ? 1514 : 1;
		char msg[256];

		l = &lb->limits[n++];
		lb->nb_limits = n;      /* counted now: lb_free frees what a refusal leaves */
		snprintf(l->name, sizeof(l->name), "%s", cl->name);
		/* A split budget: each worker charges div times the cost against the whole
		 * rate (so it admits rate / div, fractions kept), its bucket or window holding
		 * at least one packet at that cost. The sliding log keeps one entry per event:
		 * its count is divided instead (at least one). */
		l->cost_mult = 1;
		if (cl->algo == POLICE_SLIDING_LOG) {
			amount = amount / div ? amount / div : 1;
		} else if (!LB_LIMIT_IS_METER(cl->algo)) {
			l->cost_mult = div;
			if (cl->algo <= POLICE_LEAKY_BUCKET)
				burst = burst > least * div ? burst : least * div;
			else
				amount = amount > least * div ? amount : least * div;
		}
		if (LB_LIMIT_IS_METER(cl->algo)) {
			if (lb_build_meter(l, cl, div, msg, sizeof(msg)) != 0) {
				snprintf(err, errlen, "limit %s: %s", cl->name, msg);
				return -EINVAL;
			}
			l->pp.unit = POLICE_BYTES;
		} else if (police_params_set(&l->pp, (enum police_algo)cl->algo,
					     (enum police_unit)cl->unit, amount, burst,
					     (uint64_t)cl->window_ms * 1000000, msg, sizeof(msg)) != 0) {
			snprintf(err, errlen, "limit %s: %s", cl->name, msg);
			return -EINVAL;
		}
		l->key = cl->key;
		l->action = cl->action;
		l->dscp = cl->dscp;
		l->unit = cl->unit;
		l->prefix4 = cl->key == LB_LIMIT_KEY_PREFIX ? cl->prefix4 : 32;
		l->prefix6 = cl->key == LB_LIMIT_KEY_PREFIX ? cl->prefix6 : 128;
		l->has_service = cl->has_service;
		l->proto = cl->proto;
		l->vip_v6 = cl->vip.family == AF_INET6;
		if (l->vip_v6)
			memcpy(l->vip6, cl->vip.addr, 16);
		else
			memcpy(&l->vip, cl->vip.addr, 4);
		l->port = rte_cpu_to_be_16(cl->vip.port);
		l->has_from = cl->has_from;
		l->from_v6 = cl->from.family == AF_INET6;
		l->from_plen = cl->from_plen;
		memcpy(l->from, cl->from.addr, 16);
		l->id = i + 1;
		l->sub = cl->subscriber[0] ? (uint32_t)lb_conf_sub_find(c, cl->subscriber) + 1 : 0;
		l->st = lb_limit_state_get(prev, cl, l->meter ? POLICE_STATE_SIZE :
					   police_state_size(&l->pp), nb_workers, err, errlen);
		if (!l->st)
			return -ENOMEM;
	}
	/* by priority, lowest first; equal priorities keep the file's order */
	for (i = 1; i < n; i++) {
		struct lb_limit x = lb->limits[i];
		uint32_t px = c->limits[lb_conf_limit_find(c, x.name)].priority;

		for (j = i; j > 0 &&
		     c->limits[lb_conf_limit_find(c, lb->limits[j - 1].name)].priority > px; j--)
			lb->limits[j] = lb->limits[j - 1];
		lb->limits[j] = x;
	}
	return 0;
}

struct lb *
lb_build(const struct lb_conf *c, struct neigh_table *neigh, uint64_t version,
	 unsigned int nb_workers, char *err, size_t errlen)
{
	return lb_build_from(c, neigh, version, nb_workers, NULL, err, errlen);
}

struct lb *
lb_build_from(const struct lb_conf *c, struct neigh_table *neigh, uint64_t version,
	      unsigned int nb_workers, const struct lb *prev, char *err, size_t errlen)
{
	char hname[RTE_HASH_NAMESIZE];
	struct rte_hash_parameters hp = {
		.name = hname,
		.entries = c->nb_services < 8 ? 8 : c->nb_services,
		.key_len = sizeof(struct lb_svc_key),
		.socket_id = SOCKET_ID_ANY,
	};
	struct lb *lb;
	uint32_t i;

	lb = calloc(1, sizeof(*lb));
	if (!lb) {
		snprintf(err, errlen, "balancer tables: out of memory");
		return NULL;
	}
	lb->version = version;
	lb->neigh = neigh;
	snprintf(hname, sizeof(hname), "lb_svc_%lu", (unsigned long)version);
	lb->pools = calloc(c->nb_pools ? c->nb_pools : 1, sizeof(*lb->pools));
	lb->svc = calloc(c->nb_services ? c->nb_services : 1, sizeof(*lb->svc));
	lb->svc_hash = rte_hash_create(&hp);
	if (!lb->pools || !lb->svc || !lb->svc_hash) {
		snprintf(err, errlen, "balancer tables: out of memory");
		lb_free(lb);
		return NULL;
	}
	for (i = 0; i < c->nb_pools; i++) {
		int rc = lb_build_pool(lb, &lb->pools[i], &c->pools[i], nb_workers, prev, i,
				       err, errlen);

		lb->nb_pools++;
		if (rc) {
			lb_free(lb);
			return NULL;
		}
	}
	for (i = 0; i < c->nb_services; i++) {
		const struct lb_conf_service *cs = &c->services[i];
		struct lb_service *s = &lb->svc[i];
		struct lb_svc_key k;

		s->proto = cs->proto;
		s->policy = cs->policy;
		s->mode = cs->mode;
		s->v6 = cs->vip.family == AF_INET6;
		if (s->v6)
			memcpy(s->vip6, cs->vip.addr, 16);
		else
			memcpy(&s->vip, cs->vip.addr, 4);
		s->port = rte_cpu_to_be_16(cs->vip.port);
		s->pool = cs->pool;
		s->sticky_ttl_s = cs->sticky_ttl_s;
		s->mss = cs->mss;
		memset(&k, 0, sizeof(k));
		k.proto = s->proto;
		k.family = s->v6 ? 6 : 4;
		k.port = s->port;
		if (s->v6)
			memcpy(k.addr, s->vip6, 16);
		else
			k.addr[0] = s->vip;
		if (rte_hash_add_key_data(lb->svc_hash, &k, (void *)(uintptr_t)i) < 0) {
			snprintf(err, errlen, "balancer: service table full");
			lb_free(lb);
			return NULL;
		}
		lb->nb_svc++;
	}
	if (lb_build_subs(lb, c, prev, err, errlen) != 0 ||
	    lb_build_limits(lb, c, prev, nb_workers, err, errlen) != 0) {
		lb_free(lb);
		return NULL;
	}
	return lb;
}

void
lb_free(struct lb *lb)
{
	uint32_t i, j;

	if (!lb)
		return;
	for (i = 0; i < lb->nb_pools; i++) {
		struct lb_pool *p = &lb->pools[i];

		if (p->pw)
			for (j = 0; j < p->nb_workers; j++)
				free(p->pw[j].swrr);
		rte_free(p->pw);
		free(p->b);
		if (p->maglev_refs && --*p->maglev_refs == 0) {
			free(p->maglev_refs);
			free(p->maglev);
		}
	}
	for (i = 0; i < lb->nb_limits; i++) {
		lb_limit_state_put(lb->limits[i].st);
		rte_free(lb->limits[i].meter);
	}
	free(lb->limits);
	lb_shape_put(lb->shape);
	free(lb->sub_pipe);
	lb_subs_put(lb->subs);
	free(lb->pools);
	free(lb->svc);
	rte_hash_free(lb->svc_hash);
	free(lb);
}

/* A flow left the table: if it was still active, one fewer on its backend; its record
 * to the flow log when there is one (one branch when there is not). Context: the
 * table's owner (the worker; the control thread for a flush after workers stopped). */
static void
lb_worker_flow_freed(void *arg, const struct ct_entry *e, enum ct_end why)
{
	struct lb_worker *lw = arg;

	if ((e->flags & LB_CT_ACTIVE) && e->backend < NEIGH_MAX && lw->conns[e->backend])
		lw->conns[e->backend]--;
	if (lw->flowlog)
		flowlog_flow_end(lw->flowlog, lw->ct, e, why);
}

void
lb_worker_age(struct lb_worker *lw, uint64_t now_tsc)
{
	uint32_t i;

	for (i = 0; i < 64; i++) {
		void *key;
		uint32_t pos = lw->sticky_hand;

		lw->sticky_hand = pos + 1 >= lw->sticky_len ? 0 : pos + 1;
		if (rte_hash_get_key_with_position(lw->sticky, (int32_t)pos, &key) == 0 &&
		    now_tsc >= lw->sticky_e[pos].expires_tsc)
			rte_hash_del_key(lw->sticky, key);
	}
}

struct lb_worker *
lb_worker_create(uint32_t ct_max, unsigned int idx, int socket, char *err, size_t errlen)
{
	struct lb_worker *lw = rte_zmalloc_socket("lb_worker", sizeof(*lw), RTE_CACHE_LINE_SIZE,
						  socket);
	char name[32];
	struct rte_hash_parameters hp = {
		.name = name,
		.entries = LB_STICKY_MAX,
		.key_len = sizeof(struct lb_sticky_key),
		.socket_id = socket,
	};
	int32_t max;

	if (!lw)
		goto oom;
	snprintf(name, sizeof(name), "w%u", idx);
	lw->ct = ct_create(name, ct_max, socket, NULL);
	if (!lw->ct)
		goto oom;
	lw->ct->on_free = lb_worker_flow_freed;
	lw->ct->on_free_arg = lw;
	snprintf(name, sizeof(name), "lb_sticky_w%u", idx);
	lw->sticky = rte_hash_create(&hp);
	max = lw->sticky ? rte_hash_max_key_id(lw->sticky) : -1;
	if (max < 0)
		goto oom;
	lw->sticky_len = (uint32_t)max + 1;
	lw->sticky_e = rte_zmalloc_socket("lb_sticky", sizeof(*lw->sticky_e) * lw->sticky_len, 0,
					  socket);
	if (!lw->sticky_e)
		goto oom;
	lw->lport_next = LB_LPORT_MIN;
	lw->rng = 0x9e3779b97f4a7c15ULL ^ ((uint64_t)idx << 32 | idx);
	return lw;
oom:
	snprintf(err, errlen, "worker %u: balancer state: out of memory", idx);
	lb_worker_free(lw);
	return NULL;
}

void
lb_worker_free(struct lb_worker *lw)
{
	if (!lw)
		return;
	ct_free(lw->ct);
	rte_hash_free(lw->sticky);
	rte_free(lw->sticky_e);
	rte_free(lw);
}
