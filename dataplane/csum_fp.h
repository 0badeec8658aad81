/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * csum_fp: incremental Internet checksum updates (RFC 1624, eqn. 3: HC' = ~(~HC + ~m + m')),
 * for rewriting addresses and ports without summing the packet again.
 *
 * Every function takes the checksum field as stored (network order) and the old and new
 * values as stored, and returns the new field as stored: one's-complement sums are
 * byte-order independent as long as everything is in the same order. Rewriting an IPv4
 * address changes the IPv4 header checksum and, through the pseudo-header, the TCP/UDP
 * one; a port only the latter. A UDP checksum of 0 means "none" over IPv4 and must stay 0
 * (csum_udp_fixup); a computed 0 is sent as 0xffff.
 *
 * Context: any thread; pure.
 */
#ifndef SL_CSUM_FP_H
#define SL_CSUM_FP_H

#include <stdint.h>
#include <string.h>

/* Folds a 32-bit one's-complement sum to 16 bits. */
static inline uint16_t
csum_fold32(uint32_t sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

/* The field after one 16-bit word of the covered data changed from old to new. */
static inline uint16_t
csum_update16(uint16_t check, uint16_t old, uint16_t new)
{
	uint32_t sum = (uint16_t)~check + (uint32_t)(uint16_t)~old + new;

	return (uint16_t)~csum_fold32(sum);
}

/* The same for a 32-bit word (an IPv4 address), as two 16-bit words. */
static inline uint16_t
csum_update32(uint16_t check, uint32_t old, uint32_t new)
{
	uint32_t sum = (uint16_t)~check;

	sum += (uint16_t)~(uint16_t)old + (uint16_t)~(uint16_t)(old >> 16);
	sum += (uint16_t)new + (uint16_t)(new >> 16);
	return (uint16_t)~csum_fold32(sum);
}

/* The same for 16 bytes (an IPv6 address), old and new as stored. */
static inline uint16_t
csum_update128(uint16_t check, const uint8_t *old, const uint8_t *new)
{
	uint32_t sum = (uint16_t)~check;
	uint16_t o, n;
	int i;

	for (i = 0; i < 16; i += 2) {
		memcpy(&o, old + i, 2);
		memcpy(&n, new + i, 2);
		sum += (uint16_t)~o + (uint32_t)n;
	}
	return (uint16_t)~csum_fold32(sum);
}

/* A UDP-over-IPv4 checksum field after an update: 0 stays 0 (no checksum was sent), and
 * a result of 0 is sent as all ones (RFC 768). old is the field before the update. */
static inline uint16_t
csum_udp_fixup(uint16_t old, uint16_t updated)
{
	if (old == 0)
		return 0;
	return updated == 0 ? 0xffff : updated;
}

#endif /* SL_CSUM_FP_H */
