/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * conntrack: the per-worker connection table (see conntrack.h). Context: the owning
 * worker lcore; ct_create/ct_free on the control thread, ct_flush on the table's owner.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <netinet/in.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_tcp.h>

#include "conntrack.h"

static const char *const ct_state_names[CT_STATE__MAX] = {
	[CT_FREE] = "free", [CT_TCP_SYN_SENT] = "syn_sent", [CT_TCP_SYN_RECV] = "syn_recv",
	[CT_TCP_ESTABLISHED] = "established", [CT_TCP_FIN_WAIT] = "fin_wait",
	[CT_TCP_CLOSE_WAIT] = "close_wait", [CT_TCP_TIME_WAIT] = "time_wait",
	[CT_TCP_CLOSE] = "close", [CT_UDP] = "udp",
};

const char *
ct_state_name(enum ct_state s)
{
	return s < CT_STATE__MAX ? ct_state_names[s] : "?";
}

/*
 * IPVS's timeouts (ip_vs_proto_tcp.c), except the handshake states: 30 s instead of
 * IPVS's 60-120 s, so a SYN flood holds entries for less time; a real handshake takes
 * well under a second.
 */
void
ct_timeouts_default(struct ct_timeouts *t)
{
	memset(t, 0, sizeof(*t));
	t->s[CT_TCP_SYN_SENT] = 30;
	t->s[CT_TCP_SYN_RECV] = 30;
	t->s[CT_TCP_ESTABLISHED] = 900;
	t->s[CT_TCP_FIN_WAIT] = 120;
	t->s[CT_TCP_CLOSE_WAIT] = 60;
	t->s[CT_TCP_TIME_WAIT] = 120;
	t->s[CT_TCP_CLOSE] = 10;
	t->s[CT_UDP] = 300;
}

struct ct_table *
ct_create(const char *name, uint32_t max, int socket, const struct ct_timeouts *to)
{
	char hname[RTE_HASH_NAMESIZE];
	struct rte_hash_parameters hp = {
		.name = hname,
		.entries = 2 * max,             /* two tuples per flow */
		.key_len = sizeof(struct ct_key),
		.socket_id = socket,
	};
	struct ct_timeouts def;
	struct ct_table *t;
	uint64_t hz = rte_get_tsc_hz();
	int s;

	if (max == 0 || max > (1u << 30)) {
		rte_errno = EINVAL;
		return NULL;
	}
	ct_timeouts_default(&def);
	t = rte_zmalloc_socket("ct_table", sizeof(*t), RTE_CACHE_LINE_SIZE, socket);
	if (!t)
		return NULL;
	snprintf(hname, sizeof(hname), "ct_%s", name);
	t->h = rte_hash_create(&hp);
	t->e = rte_zmalloc_socket("ct_entries", sizeof(*t->e) * max, RTE_CACHE_LINE_SIZE, socket);
	t->free_stack = rte_malloc_socket("ct_free", sizeof(uint32_t) * max, 0, socket);
	if (!t->h || !t->e || !t->free_stack) {
		ct_free(t);
		rte_errno = ENOMEM;
		return NULL;
	}
	t->max = max;
	/* Lowest index on top: a lightly used table stays in few cache lines. */
	for (t->nfree = 0; t->nfree < max; t->nfree++)
		t->free_stack[t->nfree] = max - 1 - t->nfree;
	for (s = 0; s < CT_STATE__MAX; s++)
		t->timeout_tsc[s] = (uint64_t)(to && to->s[s] ? to->s[s] : def.s[s]) * hz;
	return t;
}

void
ct_free(struct ct_table *t)
{
	if (!t)
		return;
	rte_hash_free(t->h);
	rte_hash_free(t->h6);
	rte_free(t->key6);
	rte_free(t->e);
	rte_free(t->free_stack);
	rte_free(t);
}

static inline void
ct_release(struct ct_table *t, struct ct_entry *e, enum ct_end why)
{
	if (t->on_free)
		t->on_free(t->on_free_arg, e, why);
	if (e->v6) {
		rte_hash_del_key(t->h6, &t->key6[e - t->e][CT_DIR_ORIG]);
		rte_hash_del_key(t->h6, &t->key6[e - t->e][CT_DIR_REPLY]);
	} else {
		rte_hash_del_key(t->h, &e->key[CT_DIR_ORIG]);
		rte_hash_del_key(t->h, &e->key[CT_DIR_REPLY]);
	}
	e->state = CT_FREE;
	t->used--;
	t->gen++;
	t->free_stack[t->nfree++] = (uint32_t)(e - t->e);
}

void
ct_delete(struct ct_table *t, struct ct_entry *e)
{
	if (e->state != CT_FREE)
		ct_release(t, e, CT_END_DELETED);
}

int
ct_expire_if_due(struct ct_table *t, struct ct_entry *e, uint64_t now_tsc)
{
	if (e->state == CT_FREE || now_tsc < e->expires_tsc)
		return 0;
	ct_release(t, e, CT_END_EXPIRED);
	t->expired++;
	return 1;
}

static inline struct ct_entry *
ct_lookup_in(struct ct_table *t, struct rte_hash *h, const void *k, uint64_t now_tsc,
	     enum ct_dir *dir)
{
	void *data;
	uintptr_t v;
	struct ct_entry *e;

	if (rte_hash_lookup_data(h, k, &data) < 0)
		return NULL;
	v = (uintptr_t)data;
	e = &t->e[v >> 1];
	if (now_tsc >= e->expires_tsc) {
		ct_release(t, e, CT_END_EXPIRED);
		t->evicted_on_lookup++;
		t->expired++;
		return NULL;
	}
	*dir = (enum ct_dir)(v & 1);
	return e;
}

struct ct_entry *
ct_lookup(struct ct_table *t, const struct ct_key *k, uint64_t now_tsc, enum ct_dir *dir)
{
	return ct_lookup_in(t, t->h, k, now_tsc, dir);
}

struct ct_entry *
ct_lookup6(struct ct_table *t, const struct ct_key6 *k, uint64_t now_tsc, enum ct_dir *dir)
{
	return t->h6 ? ct_lookup_in(t, t->h6, k, now_tsc, dir) : NULL;
}

int
ct_enable_v6(struct ct_table *t, int socket)
{
	char hname[RTE_HASH_NAMESIZE];
	struct rte_hash_parameters hp = {
		.name = hname,
		.entries = 2 * t->max,
		.key_len = sizeof(struct ct_key6),
		.socket_id = socket,
	};

	if (t->h6)
		return 0;
	snprintf(hname, sizeof(hname), "ct6_%p", (void *)t);
	t->key6 = rte_zmalloc_socket("ct_key6", sizeof(*t->key6) * t->max, RTE_CACHE_LINE_SIZE,
				     socket);
	t->h6 = rte_hash_create(&hp);
	if (!t->key6 || !t->h6) {
		rte_hash_free(t->h6);
		rte_free(t->key6);
		t->h6 = NULL;
		t->key6 = NULL;
		return -ENOMEM;
	}
	return 0;
}

struct ct_entry *
ct_insert(struct ct_table *t, const struct ct_key *orig, const struct ct_key *reply,
	  uint8_t proto, uint64_t now_tsc)
{
	/* rte_hash_add_key_data would overwrite an existing key's data: look first. */
	if (rte_hash_lookup(t->h, orig) >= 0 || rte_hash_lookup(t->h, reply) >= 0) {
		t->taken++;
		return NULL;
	}
	return ct_insert_new(t, orig, reply, proto, now_tsc);
}

/* Takes a free entry and files both tuples (one if they are the same) in h. */
static inline struct ct_entry *
ct_insert_in(struct ct_table *t, struct rte_hash *h, const void *orig, const void *reply,
	     size_t klen)
{
	struct ct_entry *e;
	uint32_t idx;

	/* Entries that expired but were not aged yet still count: the hand gets to them
	 * within max / CT_AGE_SLICE passes. */
	if (t->nfree == 0 || !h) {
		t->full++;
		return NULL;
	}
	idx = t->free_stack[t->nfree - 1];
	e = &t->e[idx];
	if (rte_hash_add_key_data(h, orig, (void *)(uintptr_t)((uintptr_t)idx << 1)) < 0) {
		t->full++;
		return NULL;
	}
	if (memcmp(orig, reply, klen) != 0 &&
	    rte_hash_add_key_data(h, reply, (void *)(uintptr_t)((uintptr_t)idx << 1 | 1)) < 0) {
		rte_hash_del_key(h, orig);
		t->full++;
		return NULL;
	}
	t->nfree--;
	memset(e, 0, sizeof(*e));
	return e;
}

static inline void
ct_insert_init(struct ct_table *t, struct ct_entry *e, uint8_t proto, uint64_t now_tsc)
{
	e->state = proto == IPPROTO_TCP ? CT_TCP_SYN_SENT : CT_UDP;
	e->created_tsc = now_tsc;
	e->expires_tsc = now_tsc + t->timeout_tsc[e->state];
	t->used++;
	t->gen++;
	t->inserted++;
}

struct ct_entry *
ct_insert_new6(struct ct_table *t, const struct ct_key6 *orig, const struct ct_key6 *reply,
	       uint8_t proto, uint64_t now_tsc)
{
	struct ct_entry *e = ct_insert_in(t, t->h6, orig, reply, sizeof(*orig));

	if (!e)
		return NULL;
	e->v6 = 1;
	t->key6[e - t->e][CT_DIR_ORIG] = *orig;
	t->key6[e - t->e][CT_DIR_REPLY] = *reply;
	ct_insert_init(t, e, proto, now_tsc);
	return e;
}

struct ct_entry *
ct_insert_new(struct ct_table *t, const struct ct_key *orig, const struct ct_key *reply,
	      uint8_t proto, uint64_t now_tsc)
{
	struct ct_entry *e = ct_insert_in(t, t->h, orig, reply, sizeof(*orig));

	if (!e)
		return NULL;
	e->key[CT_DIR_ORIG] = *orig;
	e->key[CT_DIR_REPLY] = *reply;
	ct_insert_init(t, e, proto, now_tsc);
	return e;
}

/* The TCP state after a segment with flags from dir (a simplified RFC 793 / IPVS table:
 * what a middlebox can see, not what either end believes). */
static enum ct_state
ct_tcp_next(struct ct_entry *e, enum ct_dir dir, uint8_t f)
{
	enum ct_state s = (enum ct_state)e->state;

	if (f & RTE_TCP_RST_FLAG)
		return CT_TCP_CLOSE;
	if (f & RTE_TCP_FIN_FLAG) {
		e->fin_seen |= (uint8_t)(1u << dir);
		return e->fin_seen == 3 ? CT_TCP_CLOSE_WAIT : CT_TCP_FIN_WAIT;
	}
	switch (s) {
	case CT_TCP_SYN_SENT:
		if (dir == CT_DIR_REPLY && (f & RTE_TCP_SYN_FLAG) && (f & RTE_TCP_ACK_FLAG))
			return CT_TCP_SYN_RECV;
		/* One-way: the client's ACK after its SYN is all there is to see of the
		 * handshake (IPVS's input-only table does the same). */
		if (e->oneway && !(f & RTE_TCP_SYN_FLAG) && (f & RTE_TCP_ACK_FLAG))
			return CT_TCP_ESTABLISHED;
		return s;
	case CT_TCP_SYN_RECV:
		if (dir == CT_DIR_ORIG && !(f & RTE_TCP_SYN_FLAG) && (f & RTE_TCP_ACK_FLAG))
			return CT_TCP_ESTABLISHED;
		return s;
	case CT_TCP_CLOSE_WAIT:
		return (f & RTE_TCP_ACK_FLAG) ? CT_TCP_TIME_WAIT : s;
	case CT_TCP_CLOSE:
		/* a new SYN on a reset flow's tuple starts over */
		if (dir == CT_DIR_ORIG && (f & RTE_TCP_SYN_FLAG) && !(f & RTE_TCP_ACK_FLAG)) {
			e->fin_seen = 0;
			return CT_TCP_SYN_SENT;
		}
		return s;
	default:
		return s;
	}
}

void
ct_update(struct ct_table *t, struct ct_entry *e, enum ct_dir dir, uint8_t tcp_flags,
	  uint64_t now_tsc)
{
	if (e->state != CT_UDP)
		e->state = (uint8_t)ct_tcp_next(e, dir, tcp_flags);
	e->pkts[dir]++;
	e->expires_tsc = now_tsc + t->timeout_tsc[e->state];
}

uint32_t
ct_age(struct ct_table *t, uint64_t now_tsc)
{
	uint32_t i, freed = 0, idx = t->hand;

	for (i = 0; i < CT_AGE_SLICE && i < t->max; i++) {
		struct ct_entry *e = &t->e[idx];

		if (e->state != CT_FREE && now_tsc >= e->expires_tsc) {
			ct_release(t, e, CT_END_EXPIRED);
			t->expired++;
			freed++;
		}
		if (++idx == t->max)
			idx = 0;
	}
	t->hand = idx;
	return freed;
}

uint32_t
ct_flush(struct ct_table *t, uint32_t max)
{
	uint32_t i, freed = 0, idx = t->hand;

	for (i = 0; i < t->max && freed < max && t->used; i++) {
		struct ct_entry *e = &t->e[idx];

		if (e->state != CT_FREE) {
			ct_release(t, e, CT_END_FLUSHED);
			freed++;
		}
		if (++idx == t->max)
			idx = 0;
	}
	t->hand = idx;
	return freed;
}
