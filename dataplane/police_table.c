/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * police_table: a worker's keyed rate-limit state (see police_table.h).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_hash.h>
#include <rte_hash_crc.h>
#include <rte_malloc.h>
#include <rte_prefetch.h>

#include "police_table.h"

#define POLICE_EVICT_TRIES 8    /* recycled keys before an insert gives up */

struct police_table *
police_table_create(const char *name, uint32_t max, size_t slot_size, int socket, char *err,
		    size_t errlen)
{
	/* The hash gets an eighth more room than keys are kept, so that its cuckoo buckets
	 * rarely refuse a key while the table is at max (evictions free a position, not
	 * necessarily one of the key's two buckets). */
	struct rte_hash_parameters hp = {
		.name = name,
		.entries = max + max / 8,
		.key_len = sizeof(struct police_key),
		.hash_func = rte_hash_crc,
		.socket_id = socket,
	};
	struct police_table *t;

	if (max < 8 || slot_size == 0 || slot_size > 65536) {
		snprintf(err, errlen, "police table %s: %u keys of %zu bytes: want at least 8 "
			 "keys of 1 to 65536 bytes", name, max, slot_size);
		return NULL;
	}
	t = rte_zmalloc_socket("police_table", sizeof(*t), RTE_CACHE_LINE_SIZE, socket);
	if (!t) {
		snprintf(err, errlen, "police table %s: out of memory", name);
		return NULL;
	}
	t->max = max;
	t->positions = hp.entries;
	t->slot_size = slot_size;
	t->h = rte_hash_create(&hp);
	t->slots = rte_zmalloc_socket("police_slots", (size_t)t->positions * slot_size,
				      RTE_CACHE_LINE_SIZE, socket);
	t->ref = rte_zmalloc_socket("police_ref", t->positions, RTE_CACHE_LINE_SIZE, socket);
	if (!t->h || !t->slots || !t->ref) {
		snprintf(err, errlen, "police table %s: %u keys: %s", name, max,
			 t->h ? "out of memory" : rte_strerror(rte_errno));
		police_table_free(t);
		return NULL;
	}
	return t;
}

void
police_table_free(struct police_table *t)
{
	if (!t)
		return;
	rte_hash_free(t->h);
	rte_free(t->slots);
	rte_free(t->ref);
	rte_free(t);
}

/* Frees the least recently used key: the hand clears reference bits until it finds a
 * key without one. Returns 0, or -1 if the table holds no key. */
static int
police_table_evict(struct police_table *t)
{
	uint32_t i;

	for (i = 0; i < 2 * t->positions; i++) {
		uint32_t pos = t->hand;
		void *key;

		t->hand = t->hand + 1 == t->positions ? 0 : t->hand + 1;
		if (rte_hash_get_key_with_position(t->h, (int32_t)pos, &key) != 0)
			continue;               /* a free position */
		if (t->ref[pos]) {
			t->ref[pos] = 0;        /* a second chance */
			continue;
		}
		if (rte_hash_del_key(t->h, key) < 0)
			continue;
		t->used--;
		t->recycled++;
		return 0;
	}
	return -1;
}

void *
police_table_get(struct police_table *t, const struct police_key *k)
{
	int created;

	return police_table_get_new(t, k, &created);
}

void *
police_table_get_new(struct police_table *t, const struct police_key *k, int *created)
{
	int32_t pos = rte_hash_lookup(t->h, k);
	int i;

	*created = pos < 0;
	if (pos >= 0) {
		t->ref[pos] = 1;        /* used again: a second chance */
		return t->slots + (size_t)pos * t->slot_size;
	}
	if (t->used >= t->max && police_table_evict(t) != 0) {
		t->insert_failed++;
		return NULL;
	}
	for (i = 0; i <= POLICE_EVICT_TRIES; i++) {
		pos = rte_hash_add_key(t->h, k);
		if (pos >= 0 || pos != -ENOSPC || police_table_evict(t) != 0)
			break;
	}
	if (pos < 0) {
		t->insert_failed++;
		return NULL;
	}
	t->used++;
	t->inserted++;
	/* A new key starts without the bit: a key seen once (a scan, a spoofed source) goes
	 * before one that came back (CLOCK made scan-resistant). */
	t->ref[pos] = 0;
	memset(t->slots + (size_t)pos * t->slot_size, 0, t->slot_size);
	return t->slots + (size_t)pos * t->slot_size;
}

void
police_table_get_burst(struct police_table *t, const struct police_key *keys, unsigned int n,
		       void **states)
{
	const void *kp[POLICE_BURST_MAX];
	int32_t pos[POLICE_BURST_MAX];
	unsigned int i;

	if (n > POLICE_BURST_MAX)
		n = POLICE_BURST_MAX;
	for (i = 0; i < n; i++)
		kp[i] = &keys[i];
	if (rte_hash_lookup_bulk(t->h, kp, n, pos) != 0) {
		for (i = 0; i < n; i++)
			states[i] = police_table_get(t, &keys[i]);
		return;
	}
	for (i = 0; i < n; i++)
		if (pos[i] >= 0) {
			states[i] = t->slots + (size_t)pos[i] * t->slot_size;
			rte_prefetch0(states[i]);
			t->ref[pos[i]] = 1;
		}
	/* new keys (and a key twice in the burst: its second lookup finds the first) */
	for (i = 0; i < n; i++)
		if (pos[i] < 0)
			states[i] = police_table_get(t, &keys[i]);
}

void
police_key_prefix(struct police_key *k, int family, uint32_t a4, const uint8_t *a6,
		  uint8_t plen)
{
	unsigned int i, bits = plen;

	memset(k, 0, sizeof(*k));
	k->family = (uint8_t)family;
	if (family == 4) {
		if (bits > 32)
			bits = 32;
		memcpy(k->addr, &a4, 4);
	} else {
		if (bits > 128)
			bits = 128;
		memcpy(k->addr, a6, 16);
	}
	k->plen = (uint8_t)bits;
	for (i = 0; i < 16; i++) {
		if (bits >= 8) {
			bits -= 8;
			continue;
		}
		k->addr[i] &= (uint8_t)(0xff << (8 - bits));
		bits = 0;
	}
}
