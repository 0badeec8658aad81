/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * police_table: one worker's rate-limit state for one policy — key (a source address, a
 * source prefix, a service or a subscriber) to the algorithm's state (police.h) — with a
 * fixed number of keys and nothing allocated after creation.
 *
 * Keys live in an rte_hash (single writer: the owning worker; flow ownership sends all of
 * a source's packets to one worker, DESIGN.md section 2). The hash's position for a key
 * indexes a flat array of state slots, so a key costs its hash entry and one slot: 32
 * bytes for every algorithm but the sliding log. When the table is full, or the key's
 * buckets are, the least recently used key is recycled (CLOCK: a reference bit per slot,
 * set when a key is found again, cleared by the hand; a new key starts without it, so
 * keys seen once go first) and counted: spoofed or scanning sources
 * cannot grow the table, only churn it. A recycled key starts afresh (a full bucket, an
 * empty window) when it comes back, as a key never seen does.
 *
 * Context: the owning worker (lookups, inserts); create/free on the control thread.
 */
#ifndef SL_POLICE_TABLE_H
#define SL_POLICE_TABLE_H

#include <stddef.h>
#include <stdint.h>

struct rte_hash;

/* What a policy keys its state by. Zeroed beyond what the kind uses. */
struct police_key {
	uint32_t id;            /* a subscriber id, a service index; 0 for address keys */
	uint8_t family;         /* 4, 6, or 0 for id keys */
	uint8_t plen;           /* the prefix length the address was cut to */
	uint8_t pad[2];
	uint8_t addr[16];       /* network order; IPv4 in the first 4 bytes */
};

_Static_assert(sizeof(struct police_key) == 24, "struct police_key");

struct police_table {
	struct rte_hash *h;
	uint8_t *slots;         /* positions x slot_size bytes of algorithm state */
	uint8_t *ref;           /* reference bits by position (a byte each: plain stores) */
	size_t slot_size;
	uint32_t max;           /* keys kept at most */
	uint32_t positions;     /* the hash's positions (slots): max and an eighth */
	uint32_t hand;          /* the CLOCK hand, a position */
	uint32_t used;
	uint64_t inserted, recycled, insert_failed;
};

/*
 * A table of max keys (at least 8) with slot_size bytes of state each, on NUMA socket.
 * Returns NULL with one line in err. Context: control thread.
 */
struct police_table *police_table_create(const char *name, uint32_t max, size_t slot_size,
					 int socket, char *err, size_t errlen);
void police_table_free(struct police_table *t);

/*
 * The state of key k, created zeroed if k is new (recycling the least recently used key
 * when there is no room). NULL only if a key could not be placed even after recycling
 * (counted in insert_failed; the caller lets the packet through). Context: the owner.
 */
void *police_table_get(struct police_table *t, const struct police_key *k);
/* The same, saying in *created whether k was new (its state zeroed just now): states that
 * need more than zeroes to start (a meter's clock) are initialised by the caller. */
void *police_table_get_new(struct police_table *t, const struct police_key *k, int *created);

/*
 * The same for n keys at once (n <= POLICE_BURST_MAX), as a worker holds a burst: one
 * bulk hash lookup for all of them (its bucket reads overlap), the found states
 * prefetched, then the new keys inserted one by one. states[i] is keys[i]'s state (or
 * NULL as above); two equal keys in a burst get the same state. Context: the owner.
 */
#define POLICE_BURST_MAX 64
void police_table_get_burst(struct police_table *t, const struct police_key *keys,
			    unsigned int n, void **states);

/* A source address cut to plen bits as a key (family 4 or 6; a4 and a6 in network
 * order, a6 read only for family 6). Context: any. */
void police_key_prefix(struct police_key *k, int family, uint32_t a4, const uint8_t *a6,
		       uint8_t plen);

#endif /* SL_POLICE_TABLE_H */
