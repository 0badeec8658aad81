/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * maglev: the consistent-hashing lookup table of Maglev (Eisenbud et al., NSDI 2016),
 * weighted.
 *
 * Each backend has a preference list over the M slots, a permutation fixed by its
 * identity alone: offset = h1(id) mod M, skip = h2(id) mod (M - 1) + 1, the j-th
 * preference (offset + j * skip) mod M (M prime, so every skip visits every slot).
 * Backends take turns claiming their most preferred free slot until the table is full.
 * A flow's backend is table[hash(flow) mod M]. Because preferences depend only on the
 * backend, not on the others, adding or removing one backend moves few slots (about 1/N
 * of them plus a little), and every worker and every appliance that has the same pool
 * builds the same table: flows keep their backend across ECMP reshuffles.
 *
 * Weights: the paper gives every backend one turn per round. Here a backend earns its
 * weight in credit each round and claims a slot per max-weight of credit (the heaviest
 * claims exactly one per round), so slot counts are proportional to weights, and equal
 * weights differ by at most one slot — the unweighted algorithm. Weight 0 claims nothing.
 * (Katran and Envoy weight Maglev the same way in spirit; the arithmetic is ours.)
 *
 * Identities are 64-bit hashes of what names a backend (its address and port), so the
 * permutation survives reordering and renumbering of a pool. Context: control thread
 * (building); the table is read by workers.
 */
#ifndef SL_MAGLEV_H
#define SL_MAGLEV_H

#include <stddef.h>
#include <stdint.h>

#include "lb_conf.h"

#define MAGLEV_M_DEFAULT  65537u
#define MAGLEV_M_MAX      LB_CONF_MAGLEV_MAX
#define MAGLEV_WEIGHT_MAX 256u
#define MAGLEV_NONE       0xffffu       /* an empty slot: no backend has weight */
#define MAGLEV_BACKENDS_MAX 65535u

struct maglev_backend {
	uint64_t id;            /* hash of the backend's identity (maglev_id) */
	uint16_t weight;        /* 0..MAGLEV_WEIGHT_MAX; 0 takes no slot */
};

/* Per-backend build state; the caller provides n of them. */
struct maglev_scratch {
	uint32_t pos;           /* next preferred slot */
	uint32_t skip;
	uint32_t inv;           /* skip^-1 mod M, once needed (0: not yet) */
};

/* The identity hash of a backend named by len bytes (e.g. address then port). */
uint64_t maglev_id(const void *name, size_t len);

/* 1 if m is prime (a valid table size), else 0. */
static inline int
maglev_size_ok(uint32_t m)
{
	return lb_conf_maglev_size_ok(m);
}

/*
 * Fills table[0..m) with backend indexes 0..n-1 (or MAGLEV_NONE everywhere if no backend
 * has weight). m must be prime and at least n; scratch holds n entries. Returns 0,
 * -EINVAL for bad sizes or weights, -ENOMEM. Deterministic: same backends, same table.
 */
int maglev_build(const struct maglev_backend *b, uint32_t n, uint32_t m, uint16_t *table,
		 struct maglev_scratch *scratch);

/* The backend for a flow hash. */
static inline uint16_t
maglev_lookup(const uint16_t *table, uint32_t m, uint32_t flow_hash)
{
	return table[flow_hash % m];
}

#endif /* SL_MAGLEV_H */
