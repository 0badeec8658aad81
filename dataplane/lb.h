/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lb: the load balancer's runtime tables and per-worker state.
 *
 * Built by the control thread from the configuration model (lb_conf.h): services in an
 * rte_hash keyed by (protocol, family, address, port) — a packet's exact port first, then
 * the service's "any port" entry — pools with their backends and, per pool, the weighted
 * Maglev table over the backends that take new flows (ready, weight > 0). Workers read
 * the tables; each worker owns its connection table (conntrack.h), its round-robin
 * cursors and its fnat port cursor.
 *
 * IPv4 and IPv6 services, in fnat, dsr and dsr-ipip (ip6ip6 for IPv6) modes, with every
 * policy (rr, wrr, sticky, source-hash, maglev, least-conn, least-latency, random-p2c).
 * IPv6 flows have their own tuple table in the worker's conntrack (ct_enable_v6).
 * A configuration change builds a new version of the tables beside the running one and
 * publishes it by pointer swap; the old one is freed once every worker has passed a
 * quiescent state (rte_rcu_qsbr). Established flows keep their backend: a flow's entry
 * holds its backend's address, port and neighbour, not an index into a table version.
 *
 * Context: lb_build/lb_free and lb_worker_create on the control thread before workers
 * start; the fast path in lb_fp.h on workers.
 */
#ifndef SL_LB_H
#define SL_LB_H

#include <stdint.h>

#include <rte_common.h>

#include "conntrack.h"
#include "lb_conf.h"
#include "lb_policy_fp.h"
#include "neigh.h"
#include "police.h"
#include "meter.h"
#include "police_table.h"

#define LB_LPORT_MIN 1024u              /* fnat source ports: 1024..65535 */

struct lb_backend {
	uint32_t addr;          /* IPv4, network order */
	uint8_t addr6[16];      /* IPv6, when v6 */
	uint8_t v6;
	uint16_t port;          /* network order; 0: the client's destination port */
	uint16_t weight;
	uint8_t state;          /* enum lb_backend_state */
	uint32_t neigh;         /* index in the neighbour table */
};

/* A worker's policy state for one pool: its own cache line, written only by it. */
struct lb_pool_worker {
	uint32_t rr;                    /* next backend (rr) */
	struct lb_swrr *swrr;           /* nb entries (wrr) */
} __rte_cache_aligned;

struct lb_pool {
	char name[LB_CONF_NAME_MAX];
	struct lb_backend *b;
	uint32_t nb;
	uint16_t *maglev;       /* maglev_m slots of backend indexes (or MAGLEV_NONE) */
	uint32_t maglev_m;
	uint32_t *maglev_refs;  /* versions sharing the table (control thread only): an
				 * unchanged pool keeps its table across versions */
	struct lb_pool_worker *pw;      /* [nb_workers]; starts afresh with every version */
	unsigned int nb_workers;
};

struct lb_service {
	uint8_t proto;
	uint8_t policy;         /* enum lb_policy */
	uint8_t mode;           /* enum lb_mode */
	uint32_t vip;           /* network order */
	uint8_t vip6[16];       /* when v6 */
	uint8_t v6;
	uint16_t port;          /* network order; 0: any */
	uint32_t pool;
	uint32_t sticky_ttl_s;
	uint16_t mss;           /* clamp SYNs' MSS option to this; 0: no */
};

struct lb_svc_key {
	uint8_t proto;
	uint8_t family;
	uint16_t port;          /* network order; 0: any */
	uint32_t addr[4];       /* network order */
};

/* A rate limit's state on every worker, kept across table versions while the limit
 * keeps its name, algorithm, state size and key count (else it starts afresh): the
 * workers' keyed tables and their counters. Refcounted by the versions (control thread). */
struct lb_limit_cnt {
	uint64_t matched;               /* packets the limit charged */
	uint64_t over;                  /* of them, over the limit (dropped, remarked, counted) */
	uint64_t no_state;              /* passed: their key found no room */
	uint64_t colour[3];             /* meters: packets by output colour */
} __rte_cache_aligned;

struct lb_limit_state {
	uint32_t refs;
	unsigned int nb_workers;
	uint8_t algo;
	size_t slot_size;
	uint32_t max_keys;
	struct police_table **t;        /* [nb_workers] */
	struct lb_limit_cnt *cnt;       /* [nb_workers] */
};

/* The subscribers' LPM tables and what they were built from. rte_lpm's first level
 * alone is 2^24 entries (64 MiB), so versions share them while the prefixes stay the
 * same (a pool change must not rebuild them). Refcounted by versions (control thread). */
struct lb_subs {
	uint32_t refs;
	struct rte_lpm *v4;
	struct rte_lpm6 *v6;
	struct lb_conf_sub_prefix *prefixes;    /* lines zeroed */
	uint32_t nb_prefixes;
};

/* A limit as workers apply it (lb_conf_limit, with addresses in network order). */
struct lb_limit {
	char name[LB_CONF_NAME_MAX];
	struct police_params pp;        /* a service key: the rate split over the workers */
	uint8_t key;                    /* enum lb_limit_key */
	uint8_t action;                 /* enum lb_limit_action */
	uint8_t dscp;
	uint8_t unit;                   /* enum police_unit */
	uint8_t prefix4, prefix6;
	uint8_t has_service, proto, vip_v6;
	uint8_t has_from, from_v6, from_plen;
	uint16_t port;                  /* network order; 0: any port */
	uint32_t vip;
	uint8_t vip6[16];
	uint8_t from[16];
	uint32_t id;                    /* the key of a service-keyed limit */
	uint32_t sub;                   /* clients of this subscriber only (its id); 0: any */
	uint32_t cost_mult;             /* a budget split over W workers: each charges W
					 * times the cost (lb_build_limits says when) */
	struct meter_profile *meter;    /* a three-colour meter's profile; NULL: pp */
	struct lb_limit_state *st;
};

/* One version of the tables: immutable for workers once published. */
struct lb {
	uint64_t version;
	struct rte_hash *svc_hash;      /* struct lb_svc_key -> index in svc */
	struct lb_service *svc;
	uint32_t nb_svc;
	struct lb_pool *pools;
	uint32_t nb_pools;
	struct lb_limit *limits;        /* by priority, lowest first */
	uint32_t nb_limits;
	/* subscribers: client prefixes to ids 1..nb_subs (the longest match); NULL: none
	 * of that family. The tables are subs's, shared by versions with the same prefixes */
	struct rte_lpm *sub4;
	struct rte_lpm6 *sub6;
	uint32_t nb_subs;
	struct lb_subs *subs;
	/* shaping (lb_shape.h): NULL without; sub_pipe[id] is subscriber id's pipe + 1,
	 * 0 for one not shaped ([nb_subs + 1]) */
	struct lb_shape *shape;
	uint32_t *sub_pipe;
	struct neigh_table *neigh;      /* shared by every version; never freed with one */
};

#define LB_STICKY_MAX     65536          /* client affinities per worker */
#define LB_CT_ACTIVE      0x0001u        /* ct_entry.flags: counted in its backend's conns */
#define LB_CT_DSR         0x0002u        /* ct_entry.flags: dsr, the client's side only */
#define LB_CT_IPIP        0x0004u        /* ct_entry.flags: dsr-ipip */
#define LB_CT_V6          0x0008u        /* ct_entry.flags: an IPv6 flow */
#define LB_CT_LIMIT_REMARKED 0x0010u    /* ct_entry.flags: a limit remarked a packet of it */
#define LB_CT_LIMIT_COUNTED  0x0020u    /* ... found one over (action count) */
#define LB_CT_LIMIT_DROPPED  0x0040u    /* ... dropped one */
#define LB_CT_LIMIT_MASK     0x0070u
#define LB_CT_POLICY_SHIFT 8             /* ct_entry.flags: the policy that placed it */
#define LB_CT_POLICY_MASK 0x0f00u        /* (enum lb_policy; for the flow log) */
_Static_assert(LB_POLICY__MAX <= (LB_CT_POLICY_MASK >> LB_CT_POLICY_SHIFT) + 1,
	       "enum lb_policy: no room in ct_entry.flags");
#define LB_LATENCY_TAU_NS (10ULL * 1000 * 1000 * 1000)  /* peak-EWMA decay (Finagle's) */

/* A client's affinity to a backend under policy sticky. */
struct lb_sticky_key {
	uint32_t client;        /* network order */
	uint32_t vip;
	uint16_t vport;
	uint8_t proto;
	uint8_t pad;
};

struct lb_sticky {
	uint32_t addr;          /* the backend, by what outlives table versions */
	uint16_t port;
	uint64_t expires_tsc;
};

/*
 * A worker's own balancing state, kept across versions: flows outlive table changes.
 * Per-backend figures are indexed by neighbour (a backend's address): least-conn and
 * random-p2c read every worker's conns (relaxed loads, no locks: approximate, as the
 * issue allows), least-latency its own handshake RTTs. A flow that leaves the connection
 * table is accounted for there and, with flow logging on, handed to the flow log.
 */
struct flowlog_worker;
struct lb_shape;

struct lb_worker {
	struct ct_table *ct;
	struct flowlog_worker *flowlog;         /* this worker's flow log; NULL: off. Set
						 * by flowlog_attach before the worker runs */
	uint32_t lport_next;
	uint64_t rng;
	struct rte_hash *sticky;                /* struct lb_sticky_key -> position */
	struct lb_sticky *sticky_e;             /* by position */
	uint32_t sticky_len;
	uint32_t sticky_hand;
	uint64_t sticky_full;
	uint32_t conns[NEIGH_MAX];              /* active (not closing) flows per backend */
	struct lb_pewma lat[NEIGH_MAX];         /* handshake RTTs seen by this worker */
};

/*
 * Builds version `version` of the tables from a checked model, for nb_workers workers,
 * refusing what this dataplane does not forward yet. Backends' addresses are registered
 * in neigh (which keeps them). Returns the tables, or NULL with one line in err.
 */
/*
 * The same, taking from prev (the running version, or NULL) what did not change: a pool
 * whose backends (address, port, weight, state, in order) and table size are the same
 * shares prev's Maglev table instead of building it again. A change to one pool then
 * costs that pool's build, not every pool's (sluiced's change latency). The result is
 * the one lb_build gives.
 */
struct lb *lb_build_from(const struct lb_conf *c, struct neigh_table *neigh, uint64_t version,
			 unsigned int nb_workers, const struct lb *prev, char *err,
			 size_t errlen);

struct lb *lb_build(const struct lb_conf *c, struct neigh_table *neigh, uint64_t version,
		    unsigned int nb_workers, char *err, size_t errlen);
void lb_free(struct lb *lb);

/* 1 if some service is IPv6 (workers then keep IPv6 tuples too). */
static inline int
lb_has_v6(const struct lb *lb)
{
	uint32_t i;

	for (i = 0; lb && i < lb->nb_svc; i++)
		if (lb->svc[i].v6)
			return 1;
	return 0;
}

/* Frees expired sticky affinities among the next slice. Context: the worker. */
void lb_worker_age(struct lb_worker *lw, uint64_t now_tsc);

/* A worker's state (its conntrack of ct_max flows, named after idx). NULL with err. */
struct lb_worker *lb_worker_create(uint32_t ct_max, unsigned int idx, int socket,
				   char *err, size_t errlen);
void lb_worker_free(struct lb_worker *lw);

#endif /* SL_LB_H */
