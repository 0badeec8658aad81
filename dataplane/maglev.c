/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * maglev: building the weighted Maglev table (see maglev.h). Context: control thread.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

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

int
maglev_size_ok(uint32_t m)
{
	uint32_t d;

	if (m < 2)
		return 0;
	for (d = 2; (uint64_t)d * d <= m; d++)
		if (m % d == 0)
			return 0;
	return 1;
}

/*
 * The tail. With r slots left free, a claim walks about m / r preferences, so the last
 * few hundred slots cost about half of all probes (sum of m / r). There, a backend's
 * first free preference is found arithmetically instead: slot f is its j-th preference
 * for j = (f - pos) * skip^-1 mod m, so the claim takes the free slot of least j, r
 * multiplications instead of m / r dependent loads — the same slot the walk would reach,
 * so the same table (test_maglev pins it). Below MAGLEV_TAIL free slots that is cheaper.
 */
#define MAGLEV_TAIL 256u

/* a^-1 mod m (m prime, 0 < a < m): extended Euclid. */
static uint32_t
maglev_inverse(uint32_t a, uint32_t m)
{
	int64_t t = 0, nt = 1, r = m, nr = a;

	while (nr) {
		int64_t q = r / nr, x;

		x = t - q * nt;
		t = nt;
		nt = x;
		x = r - q * nr;
		r = nr;
		nr = x;
	}
	return (uint32_t)(t < 0 ? t + m : t);
}

/* x mod m for x < 2^42 by a double reciprocal (one correction either way suffices). */
static inline uint32_t
maglev_mod(uint64_t x, uint32_t m, double rm)
{
	int64_t r = (int64_t)(x - (uint64_t)((double)x * rm) * m);

	if (r < 0)
		r += m;
	else if (r >= (int64_t)m)
		r -= m;
	return (uint32_t)r;
}

/* Index in free[0..r) of backend x's first free preference. */
static uint32_t
maglev_tail_pick(const uint32_t *free_slots, uint32_t r, struct maglev_scratch *x, uint32_t m,
		 double rm)
{
	uint32_t k, best = 0, best_j = UINT32_MAX;

	if (!x->inv)
		x->inv = maglev_inverse(x->skip, m);
	for (k = 0; k < r; k++) {
		uint32_t f = free_slots[k];
		uint32_t d = f >= x->pos ? f - x->pos : f + m - x->pos;
		uint32_t j = maglev_mod((uint64_t)d * x->inv, m, rm);

		if (j < best_j) {
			best_j = j;
			best = k;
		}
	}
	return best;
}

int
maglev_build(const struct maglev_backend *b, uint32_t n, uint32_t m, uint16_t *table,
	     struct maglev_scratch *s)
{
	uint32_t free_slots[MAGLEV_TAIL], nfree = 0;
	double rm = 1.0 / m;
	int tail = 0;
	uint32_t i, filled = 0, max_w = 0;
	uint64_t *taken;

	if (m < 2 || m > MAGLEV_M_MAX || n > MAGLEV_BACKENDS_MAX || n > m || !maglev_size_ok(m))
		return -EINVAL;
	memset(table, 0xff, sizeof(*table) * m);       /* MAGLEV_NONE */
	for (i = 0; i < n; i++) {
		if (b[i].weight > MAGLEV_WEIGHT_MAX)
			return -EINVAL;
		s[i].pos = (uint32_t)(b[i].id >> 32) % m;
		s[i].skip = (uint32_t)b[i].id % (m - 1) + 1;
		s[i].credit = 0;
		s[i].inv = 0;
		if (b[i].weight > max_w)
			max_w = b[i].weight;
	}
	if (max_w == 0)
		return 0;
	/* Rounds: each backend earns its weight and spends max_w per slot it claims. The
	 * heaviest claims one slot per round, so the table fills in about m rounds' worth of
	 * claims; a claim walks the backend's preferences past taken slots. */
	/* Probes test a bitmap of taken slots (8 KB for the default size: it stays in L1)
	 * rather than the table itself; most of the build is probing near the end. */
	taken = calloc((m + 63) / 64, sizeof(*taken));
	if (!taken)
		return -ENOMEM;
	while (filled < m) {
		for (i = 0; i < n && filled < m; i++) {
			s[i].credit += b[i].weight;
			while (s[i].credit >= max_w && filled < m) {
				uint32_t p = s[i].pos;

				if (!tail && m - filled <= MAGLEV_TAIL) {
					uint32_t w;

					for (w = 0; w < (m + 63) / 64; w++) {
						uint64_t f = ~taken[w];

						while (f) {
							uint32_t q = w * 64 + (uint32_t)__builtin_ctzll(f);

							if (q >= m)
								break;
							free_slots[nfree++] = q;
							f &= f - 1;
						}
					}
					tail = 1;
				}
				if (tail) {
					uint32_t k = maglev_tail_pick(free_slots, nfree, &s[i], m, rm);

					p = free_slots[k];
					free_slots[k] = free_slots[--nfree];
				} else {
					while (taken[p >> 6] & (1ULL << (p & 63))) {
						p += s[i].skip;
						if (p >= m)
							p -= m;
					}
				}
				taken[p >> 6] |= 1ULL << (p & 63);
				table[p] = (uint16_t)i;
				filled++;
				p += s[i].skip;
				s[i].pos = p >= m ? p - m : p;
				s[i].credit -= max_w;
			}
		}
	}
	free(taken);
	return 0;
}
