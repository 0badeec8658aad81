/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * conntrack: the per-worker connection table of the load balancer.
 *
 * Each worker owns one table and is its only reader and writer (flow ownership, DESIGN.md
 * section 2, puts both directions of a flow on one worker), so there are no locks and no
 * atomics. Memory is bounded and allocated up front: an entry array and an rte_hash from
 * tuple to entry, with two keys per entry — the tuple as the client sent it (original)
 * and the tuple the backend's replies carry (reply; with fnat the translated one) — as
 * IPVS and DPVS keep a connection findable from both sides.
 *
 * Timeouts follow the TCP state seen (IPVS's defaults: a handshake gets seconds, an
 * established flow fifteen minutes, a closing one seconds), UDP and other protocols an
 * idle timeout. Expiry is lazy (a lookup that finds an expired entry frees it) and
 * incremental: ct_age examines a bounded slice of the array per call, a clock hand, so
 * the loop never stops for a sweep. A full table refuses the insert; the caller falls
 * back to stateless consistent hashing and counts it (DESIGN.md section 7).
 *
 * Every free goes through one place, which first calls the owner's on_free hook with the
 * cause (expired, deleted, flushed): the balancer's per-backend accounting and its flow
 * log (flowlog.h) both hang there, so a flow's end costs nothing per packet. An entry
 * counts packets and IP bytes per direction; its last packet's time is not stored but
 * derived (ct_last_seen_tsc), since every packet re-arms the timeout from it.
 *
 * Times are TSC cycles (rte_rdtsc), timeouts given in seconds and converted once.
 * Context: one worker lcore per table; ct_create/ct_free on the control thread, ct_flush
 * on whichever thread owns the table at the time (the control thread once workers stop).
 */
#ifndef SL_CONNTRACK_H
#define SL_CONNTRACK_H

#include <stdint.h>

#include <rte_common.h>
#include <rte_hash.h>

enum ct_state {
	CT_FREE = 0,
	CT_TCP_SYN_SENT,        /* client SYN seen */
	CT_TCP_SYN_RECV,        /* backend SYN-ACK seen */
	CT_TCP_ESTABLISHED,     /* client ACK after the SYN-ACK, or data both ways */
	CT_TCP_FIN_WAIT,        /* one side sent FIN */
	CT_TCP_CLOSE_WAIT,      /* both sides sent FIN */
	CT_TCP_TIME_WAIT,       /* last ACK after both FINs */
	CT_TCP_CLOSE,           /* RST seen */
	CT_UDP,                 /* UDP and any other protocol: idle timeout */
	CT_STATE__MAX
};

/*
 * An IPv4 flow's tuple as it appears on the wire, either direction: addresses in network
 * order, ports as on the wire. 16 bytes, so the hash works on two words and compares
 * with one vector instruction (rte_hash's 16-byte compare). IPv6 flows will get a table
 * of their own: an rte_hash has one key length.
 */
struct ct_key {
	uint32_t src;
	uint32_t dst;
	uint16_t sport;
	uint16_t dport;
	uint8_t proto;
	uint8_t pad[3];
};

/* An IPv6 flow's tuple, the same way (40 bytes; a table of its own, ct_enable_v6). */
struct ct_key6 {
	uint8_t src[16];
	uint8_t dst[16];
	uint16_t sport;
	uint16_t dport;
	uint8_t proto;
	uint8_t pad[3];
};

enum ct_dir {
	CT_DIR_ORIG = 0,        /* client -> service */
	CT_DIR_REPLY = 1,       /* backend -> us */
};

struct ct_entry {
	struct ct_key key[2];   /* [CT_DIR_ORIG], [CT_DIR_REPLY] */
	uint64_t expires_tsc;
	uint64_t created_tsc;
	uint32_t service;       /* caller's indexes */
	uint32_t backend;
	uint8_t state;          /* enum ct_state */
	uint8_t fin_seen;       /* bit per direction */
	uint16_t flags;         /* caller's */
	uint16_t peer_port;     /* caller's: the port the client's packets came in on */
	uint8_t peer_mac[6];    /* caller's: the client side's next hop */
	uint8_t oneway;         /* only the client's side passes here (direct server return):
				 * the state follows what that side alone shows */
	uint8_t v6;             /* the tuples are IPv6: in key6[], not key[] */
	uint16_t mss;           /* caller's: MSS clamp for the flow's SYNs, 0: none */
	uint64_t pkts[2];       /* by enum ct_dir */
	uint64_t bytes[2];      /* IP bytes (headers on), by enum ct_dir: the caller's */
};

/* 104 bytes; two cache lines at most: the fast path touches most of an entry on every
 * packet and prefetches the (up to three) lines an entry spans at its offset
 * (lb_lookup_burst). The byte counts took 16 of the 40 bytes that were left. */
_Static_assert(sizeof(struct ct_entry) <= 2 * RTE_CACHE_LINE_SIZE,
	       "struct ct_entry: more than two cache lines");

/* Why an entry left the table (on_free's cause). */
enum ct_end {
	CT_END_EXPIRED = 0,     /* its timeout passed (aged, or found expired by a lookup) */
	CT_END_DELETED,         /* ct_delete: the owner ended it (a new SYN on its tuple) */
	CT_END_FLUSHED,         /* ct_flush: the table was emptied */
};

/* Seconds per state; zero means "use the default". */
struct ct_timeouts {
	uint32_t s[CT_STATE__MAX];
};

struct ct_table {
	struct rte_hash *h;
	struct ct_entry *e;
	struct rte_hash *h6;            /* IPv6 tuples, once ct_enable_v6 made it */
	struct ct_key6 (*key6)[2];      /* an IPv6 entry's tuples, by entry index */
	uint32_t *free_stack;           /* indexes of free entries */
	uint32_t nfree;
	uint32_t max;
	uint32_t hand;                  /* the aging clock hand */
	uint32_t used;
	uint64_t gen;                   /* +1 on every insert and free: burst lookups go stale */
	uint64_t timeout_tsc[CT_STATE__MAX];
	/* called for every entry freed (expired, deleted, flushed), before it is: the
	 * owner's accounting (e.g. connections per backend) and flow log */
	void (*on_free)(void *arg, const struct ct_entry *e, enum ct_end why);
	void *on_free_arg;
	/* counters */
	uint64_t inserted, expired, full, taken, evicted_on_lookup;
};

#define CT_AGE_SLICE 64                 /* entries examined per ct_age call */

/* Fills t with IPVS's defaults (TCP established 900 s, handshake 60/30 s, closing 60-120 s,
 * UDP 300 s). */
void ct_timeouts_default(struct ct_timeouts *t);

/*
 * Creates a table of max flows for one worker (name unique per process). to: NULL for
 * the defaults. Returns NULL with rte_errno set. Context: control thread.
 */
struct ct_table *ct_create(const char *name, uint32_t max, int socket,
			   const struct ct_timeouts *to);
void ct_free(struct ct_table *t);

/* The entry a tuple belongs to and the direction it was seen in, or NULL; an expired
 * entry found is freed and NULL returned. */
struct ct_entry *ct_lookup(struct ct_table *t, const struct ct_key *k, uint64_t now_tsc,
			   enum ct_dir *dir);

/* A new flow with both tuples; NULL if the table is full or a tuple is in use (each
 * counted). ct_insert_new skips the in-use checks: for a caller that has just looked
 * both tuples up and found neither. */
struct ct_entry *ct_insert(struct ct_table *t, const struct ct_key *orig,
			   const struct ct_key *reply, uint8_t proto, uint64_t now_tsc);
struct ct_entry *ct_insert_new(struct ct_table *t, const struct ct_key *orig,
			       const struct ct_key *reply, uint8_t proto, uint64_t now_tsc);

/* The same for IPv6 flows, which share the entries (and the limit) with IPv4 ones.
 * ct_enable_v6 makes the IPv6 tuple table (control thread, before the worker runs;
 * -ENOMEM); without it the lookups find nothing and the inserts count the table full. */
int ct_enable_v6(struct ct_table *t, int socket);
struct ct_entry *ct_lookup6(struct ct_table *t, const struct ct_key6 *k, uint64_t now_tsc,
			    enum ct_dir *dir);
struct ct_entry *ct_insert_new6(struct ct_table *t, const struct ct_key6 *orig,
				const struct ct_key6 *reply, uint8_t proto, uint64_t now_tsc);

/* Advances the state on a packet (TCP flags as in the header; 0 for UDP) and re-arms the
 * timeout. */
void ct_update(struct ct_table *t, struct ct_entry *e, enum ct_dir dir, uint8_t tcp_flags,
	       uint64_t now_tsc);

void ct_delete(struct ct_table *t, struct ct_entry *e);

/* Frees e if it expired by now (counted); returns 1 if it did. For entries found by a
 * bulk lookup, which does not look at expiry. */
int ct_expire_if_due(struct ct_table *t, struct ct_entry *e, uint64_t now_tsc);

/* Frees expired entries among the next CT_AGE_SLICE slots. Returns how many it freed. */
uint32_t ct_age(struct ct_table *t, uint64_t now_tsc);

/*
 * Frees up to max entries in use, whatever their state or timeout (cause CT_END_FLUSHED),
 * from the aging hand on; returns how many. Call until t->used is 0 to empty the table
 * in steps (a flow log drains between them). Context: the table's owner — the control
 * thread only once the worker has stopped.
 */
uint32_t ct_flush(struct ct_table *t, uint32_t max);

/* The TSC of the entry's last packet: every packet (and the insert) sets the timeout of
 * the state it leaves the entry in from its own time. Context: any reader of e. */
static inline uint64_t
ct_last_seen_tsc(const struct ct_table *t, const struct ct_entry *e)
{
	return e->expires_tsc - t->timeout_tsc[e->state];
}

const char *ct_state_name(enum ct_state s);

#endif /* SL_CONNTRACK_H */
