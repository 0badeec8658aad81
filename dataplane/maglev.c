/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * maglev: building the weighted Maglev table (see maglev.h). Context: control thread.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_branch_prediction.h>
#include <rte_common.h>
#include <rte_jhash.h>

#include "maglev.h"

/* Two independent 32-bit hashes of the identity: offset and skip must not correlate. */
#define MAGLEV_SEED_OFFSET 0x5eed0ff5u
#define MAGLEV_SEED_SKIP   0x5eed5c1bu
#define MAGLEV_NAME_MAX    60u           /* bytes of a backend's name that count */

uint64_t
maglev_id(const void *name, size_t len)
{
	uint32_t a = MAGLEV_SEED_OFFSET, b = MAGLEV_SEED_SKIP;
	uint8_t buf[MAGLEV_NAME_MAX + 4] = { 0 };

	/* rte_jhash reads its input a word at a time and masks the tail: a name whose
	 * length is not a multiple of 4 is read past its end (fuzz_lb's ASan found it), so
	 * it is hashed from a padded copy. The masked bytes never counted: same ids. */
	if (len > MAGLEV_NAME_MAX)
		len = MAGLEV_NAME_MAX;
	memcpy(buf, name, len);
	/* jhash's two-result form: 64 well-mixed bits from one pass. */
	rte_jhash_2hashes(buf, (uint32_t)len, &a, &b);
	return (uint64_t)a << 32 | b;
}

/*
 * The build's cost is its probes, about m ln m of them (a claim walks about m / r
 * preferences when r slots are free), and a mispredicted branch about every claim, where
 * its walk stops. What cuts both, without changing which slot any claim takes:
 *
 * - The walk follows two interleaved chains (preferences j even and j odd, each stepping
 *   2 * skip), so a probe does not wait on the previous one's wrap-around, itself a
 *   conditional move: p >= m - d ? p - (m - d) : p + d.
 * - Between 20% and 90% full, a claim first tests its next four preferences without
 *   branching and takes the first free one by its bit's index: where the walk's stop is
 *   a coin toss, the branch becomes one taken nearly always (all four are taken with
 *   probability fill^4). Emptier, the first preference is free so often that the plain
 *   walk predicts well; fuller, four rarely suffice. A backend's walk only meets the
 *   others' slots, so in a pool where one backend has half the weight or more, its
 *   first preference is nearly always free: no batches there.
 * - The tail, from MAGLEV_TAIL free slots on, by arithmetic: slot f is a backend's j-th
 *   preference for j = (f - pos) * skip^-1 mod m, so the claim takes the free slot of
 *   least j: r multiplications instead of about m / r probes.
 * - Equal weights, the usual pool, take the paper's rounds directly: no credit. Other
 *   weights keep their credit per backend in a pool of a few, else per weight, so that a
 *   round costs its claims rather than n (below).
 *
 * test_maglev pins the tables and compares every size with the paper's walk written out.
 */
#define MAGLEV_TAIL 128u
#define MAGLEV_FEW  8u          /* pools up to this size loop over backends each round */

_Static_assert(MAGLEV_M_MAX < 1u << 20, "maglev_mod needs m < 2^20");

/* One build's state, on maglev_build's stack. */
struct maglev_fill {
	uint64_t *taken;        /* bit p: slot p has a backend */
	uint16_t *table;
	uint32_t *free_slots;   /* the tail's free slots, in no order */
	uint64_t recip;         /* 2^44 / m (maglev_mod) */
	uint32_t m;
	uint32_t left;          /* slots still free */
	uint32_t tail_at;       /* the tail from this many free slots on */
	uint32_t batch_from;    /* four probes at once while batch_to < left <= batch_from */
	uint32_t batch_to;
};

static inline int
maglev_is_free(const uint64_t *taken, uint32_t p)
{
	return !(taken[p >> 6] & (1ULL << (p & 63)));
}

/* (p + d) mod m, for p, d < m. */
static inline uint32_t
maglev_add(uint32_t p, uint32_t d, uint32_t m)
{
	return p >= m - d ? p - (m - d) : p + d;
}

/* The first free slot of the walk from p by skip; batch: try four at once first. */
static __rte_always_inline uint32_t
maglev_walk(const uint64_t *taken, uint32_t p, uint32_t skip, uint32_t m, int batch)
{
	uint32_t skip2 = maglev_add(skip, skip, m), q;

	if (batch) {
		uint32_t c[4], free_mask;

		c[0] = p;
		c[1] = maglev_add(p, skip, m);
		c[2] = maglev_add(p, skip2, m);
		c[3] = maglev_add(c[1], skip2, m);
		free_mask = (uint32_t)maglev_is_free(taken, c[0]) |
			    (uint32_t)maglev_is_free(taken, c[1]) << 1 |
			    (uint32_t)maglev_is_free(taken, c[2]) << 2 |
			    (uint32_t)maglev_is_free(taken, c[3]) << 3;
		if (likely(free_mask != 0))
			return c[__builtin_ctz(free_mask)];
		p = maglev_add(c[2], skip2, m);
	}
	q = maglev_add(p, skip, m);
	for (;;) {
		if (maglev_is_free(taken, p))
			return p;
		if (maglev_is_free(taken, q))
			return q;
		p = maglev_add(p, skip2, m);
		q = maglev_add(q, skip2, m);
	}
}

/* a^-1 mod m (m prime, 0 < a < m): extended Euclid. */
static uint32_t
maglev_inverse(uint32_t a, uint32_t m)
{
	uint32_t r = m, nr = a;
	int32_t t = 0, nt = 1;

	while (nr) {
		uint32_t q = r / nr, x = r - q * nr;
		int32_t y = t - (int32_t)q * nt;

		r = nr;
		nr = x;
		t = nt;
		nt = y;
	}
	return (uint32_t)(t < 0 ? t + (int32_t)m : t);
}

/* x mod m for x < m^2 (Barrett): x * (2^44 / m) < m * 2^44 fits 64 bits as m < 2^20,
 * and the quotient it gives is short by at most one, as x / 2^44 < 1. */
static inline uint32_t
maglev_mod(uint64_t x, uint32_t m, uint64_t recip)
{
	uint32_t r = (uint32_t)(x - (x * recip >> 44) * m);

	return r >= m ? r - m : r;
}

/* The tail begins: list the free slots. */
static void
maglev_tail_start(struct maglev_fill *f)
{
	uint32_t w, n = 0;

	for (w = 0; w < (f->m + 63) / 64; w++) {
		uint64_t free_bits = ~f->taken[w];

		while (free_bits) {
			uint32_t p = w * 64 + (uint32_t)__builtin_ctzll(free_bits);

			if (p >= f->m)
				break;
			f->free_slots[n++] = p;
			free_bits &= free_bits - 1;
		}
	}
}

/* Backend x's first free preference among the r free slots, taken off their list. */
static __rte_noinline uint32_t
maglev_tail_take(uint32_t *free_slots, uint32_t r, struct maglev_scratch *x, uint32_t m,
		 uint64_t recip)
{
	uint32_t k, best = 0, best_j = UINT32_MAX, slot;

	if (!x->inv)
		x->inv = maglev_inverse(x->skip, m);
	for (k = 0; k < r; k++) {
		uint32_t s = free_slots[k];
		uint32_t d = s >= x->pos ? s - x->pos : s + m - x->pos;
		uint32_t j = maglev_mod((uint64_t)d * x->inv, m, recip);

		if (j < best_j) {
			best_j = j;
			best = k;
		}
	}
	slot = free_slots[best];
	free_slots[best] = free_slots[r - 1];
	return slot;
}

/* Backend x, index i, takes its first free preference. */
static __rte_always_inline void
maglev_claim(struct maglev_fill *f, struct maglev_scratch *x, uint16_t i)
{
	uint32_t p;

	if (f->left > f->tail_at) {
		p = maglev_walk(f->taken, x->pos, x->skip, f->m,
				f->left <= f->batch_from && f->left > f->batch_to);
	} else {
		if (f->left == f->tail_at)
			maglev_tail_start(f);
		p = maglev_tail_take(f->free_slots, f->left, x, f->m, f->recip);
	}
	/* Hide where p came from: the compiler would otherwise keep the walk's word address
	 * and bit live through its loop for the store below, and spill (5-9% slower here). */
	__asm__("" : "+r"(p));
	f->taken[p >> 6] |= 1ULL << (p & 63);
	f->table[p] = i;
	f->left--;
	x->pos = maglev_add(p, x->skip, f->m);
}

/* Equal weights: the paper's rounds, every backend claims once per round. */
static void
maglev_fill_equal(struct maglev_fill *f, uint32_t n, struct maglev_scratch *s)
{
	uint32_t r, i;

	for (r = 0; r < f->m / n; r++)
		for (i = 0; i < n; i++)
			maglev_claim(f, &s[i], (uint16_t)i);
	for (i = 0; f->left; i++)
		maglev_claim(f, &s[i], (uint16_t)i);
}

/*
 * Weights: in each round a backend earns its weight and spends max_w per slot it claims,
 * so it claims at most once a round (the heaviest every round), in index order. With a
 * few backends, a round is a loop over them.
 */
static void
maglev_fill_few(struct maglev_fill *f, const struct maglev_backend *b, uint32_t n,
		uint32_t max_w, struct maglev_scratch *s)
{
	uint32_t credit[MAGLEV_FEW] = { 0 }, i;

	while (f->left)
		for (i = 0; i < n && f->left; i++) {
			credit[i] += b[i].weight;
			if (credit[i] >= max_w) {
				credit[i] -= max_w;
				maglev_claim(f, &s[i], (uint16_t)i);
			}
		}
}

/*
 * The same rounds for more backends. Backends of one weight claim in the same rounds, so
 * the credit is kept per weight: a round costs the number of distinct weights plus its
 * claims, not n (a pool of one heavy backend among light ones runs nearly m rounds, with
 * one or two claims each). turn: n bits; by_weight: n indexes.
 */
static void
maglev_fill_weighted(struct maglev_fill *f, const struct maglev_backend *b, uint32_t n,
		     uint32_t max_w, struct maglev_scratch *s, uint64_t *turn, uint16_t *by_weight)
{
	uint32_t first[MAGLEV_WEIGHT_MAX + 2] = { 0 }, credit[MAGLEV_WEIGHT_MAX + 1];
	uint16_t weights[MAGLEV_WEIGHT_MAX];
	uint32_t i, w, k, nb_weights = 0;

	/* by_weight: indexes sorted by weight, in index order within a weight, which starts
	 * at first[w] (counting sort). */
	for (i = 0; i < n; i++)
		first[b[i].weight + 1]++;
	for (w = 1; w <= MAGLEV_WEIGHT_MAX + 1; w++)
		first[w] += first[w - 1];
	for (i = 0; i < n; i++)
		by_weight[first[b[i].weight]++] = (uint16_t)i;
	for (w = MAGLEV_WEIGHT_MAX + 1; w > 0; w--)
		first[w] = first[w - 1];
	first[0] = 0;
	for (w = 1; w <= max_w; w++)
		if (first[w] < first[w + 1]) {
			weights[nb_weights++] = (uint16_t)w;
			credit[w] = 0;
		}
	while (f->left) {
		for (k = 0; k < nb_weights; k++) {
			w = weights[k];
			credit[w] += w;
			if (credit[w] < max_w)
				continue;
			credit[w] -= max_w;
			for (i = first[w]; i < first[w + 1]; i++)
				turn[by_weight[i] >> 6] |= 1ULL << (by_weight[i] & 63);
		}
		for (k = 0; k < (n + 63) / 64 && f->left; k++)
			while (turn[k] && f->left) {
				i = k * 64 + (uint32_t)__builtin_ctzll(turn[k]);
				turn[k] &= turn[k] - 1;
				maglev_claim(f, &s[i], (uint16_t)i);
			}
	}
}

int
maglev_build(const struct maglev_backend *b, uint32_t n, uint32_t m, uint16_t *table,
	     struct maglev_scratch *s)
{
	uint32_t free_slots[MAGLEV_TAIL];
	uint32_t i, max_w = 0, sum_w = 0, equal = 1, words;
	struct maglev_fill f;

	if (m < 2 || m > MAGLEV_M_MAX || n > MAGLEV_BACKENDS_MAX || n > m || !maglev_size_ok(m))
		return -EINVAL;
	memset(table, 0xff, sizeof(*table) * m);       /* MAGLEV_NONE */
	for (i = 0; i < n; i++) {
		if (b[i].weight > MAGLEV_WEIGHT_MAX)
			return -EINVAL;
		s[i].pos = (uint32_t)(b[i].id >> 32) % m;
		s[i].skip = (uint32_t)b[i].id % (m - 1) + 1;
		s[i].inv = 0;
		if (b[i].weight > max_w)
			max_w = b[i].weight;
		sum_w += b[i].weight;
		equal &= b[i].weight == b[0].weight;
	}
	if (max_w == 0)
		return 0;
	/* Probes test a bitmap of taken slots (8 KB for the default size: it stays in L1)
	 * rather than the table itself. The weighted rounds' n bits and n indexes follow. */
	words = (m + 63) / 64;
	f.taken = calloc(words + (n + 63) / 64 + (n + 3) / 4, sizeof(*f.taken));
	if (!f.taken)
		return -ENOMEM;
	f.table = table;
	f.free_slots = free_slots;
	f.recip = (1ULL << 44) / m;
	f.m = m;
	f.left = m;
	f.tail_at = RTE_MIN(m, MAGLEV_TAIL);
	f.batch_from = 2 * max_w < sum_w ? m - m / 5 : 0;
	f.batch_to = m / 10;
	if (equal)
		maglev_fill_equal(&f, n, s);
	else if (n <= MAGLEV_FEW)
		maglev_fill_few(&f, b, n, max_w, s);
	else
		maglev_fill_weighted(&f, b, n, max_w, s, f.taken + words,
				     (uint16_t *)(f.taken + words + (n + 63) / 64));
	free(f.taken);
	return 0;
}
