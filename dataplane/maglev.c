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

uint64_t
maglev_id(const void *name, size_t len)
{
	uint32_t a = MAGLEV_SEED_OFFSET, b = MAGLEV_SEED_SKIP;

	/* jhash's two-result form: 64 well-mixed bits from one pass. */
	rte_jhash_2hashes(name, (uint32_t)len, &a, &b);
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

int
maglev_build(const struct maglev_backend *b, uint32_t n, uint32_t m, uint16_t *table,
	     struct maglev_scratch *s)
{
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

				while (taken[p >> 6] & (1ULL << (p & 63))) {
					p += s[i].skip;
					if (p >= m)
						p -= m;
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
