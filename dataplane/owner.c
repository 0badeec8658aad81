/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The symmetric RSS key shared by owner_fp.h and by pci ports' RSS configuration, so
 * that hardware and software agree on every flow's owner; and the byte tables that
 * compute its Toeplitz hash without a loop over bits (see owner_fp.h).
 */
#include "owner_fp.h"

const uint8_t owner_rss_key[OWNER_RSS_KEY_LEN] = {
	0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a,
	0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a,
	0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a,
	0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a,
};

uint32_t owner_rss_tbl[2][256];

/* The 32 key bits starting at bit i (0 = the key's first bit, most significant). */
static uint32_t
owner_key_window(unsigned int i)
{
	uint32_t w = 0;
	unsigned int b;

	for (b = 0; b < 32; b++) {
		unsigned int k = i + b;

		w = w << 1 | ((owner_rss_key[k / 8] >> (7 - k % 8)) & 1u);
	}
	return w;
}

/* Built before main: a byte at an even (odd) position of the input contributes
 * owner_rss_tbl[0 (1)][byte], by the Toeplitz definition. */
__attribute__((constructor)) static void
owner_tables_init(void)
{
	unsigned int q, v, j;

	for (q = 0; q < 2; q++)
		for (v = 0; v < 256; v++) {
			uint32_t h = 0;

			for (j = 0; j < 8; j++)
				if (v & (0x80u >> j))
					h ^= owner_key_window(8 * q + j);
			owner_rss_tbl[q][v] = h;
		}
}
