/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * owner_fp: which worker owns a flow (DESIGN.md section 2).
 *
 * The owner is a function of the flow's 5-tuple that gives the same answer for both
 * directions, so per-worker tables (conntrack, sticky sessions, limits, KV shards) need no
 * locks. We compute exactly what a NIC would with RSS configured with the symmetric
 * Toeplitz key (0x6d5a repeated: swapping source and destination shifts the input by a
 * multiple of 16 bits, the key's period, so the hash is unchanged) and the default
 * redirection table (entry i -> queue i mod N). On such a NIC the packet already arrives
 * on its owner and no hand-off happens; on veth, AF_PACKET fanout or for FNAT replies,
 * the receiving worker hands it over a ring.
 *
 * Flows without ports (ICMP, other protocols, non-first fragments) hash on the address
 * pair only. ARP and ND have no owner: they are answered where they arrive.
 *
 * Context: worker lcore, fast path (inlined); owner_init from the control thread.
 */
#ifndef SL_OWNER_FP_H
#define SL_OWNER_FP_H

#include <stdint.h>
#include <rte_byteorder.h>
#include <rte_thash.h>

#include "pkt_fp.h"

#define OWNER_RSS_KEY_LEN  40
#define OWNER_RETA_SIZE    128

/* The key as NICs take it; rte_softrss wants it as given (not byte-swapped). */
extern const uint8_t owner_rss_key[OWNER_RSS_KEY_LEN];

/*
 * The key repeats every 16 bits, so the 32 key bits a Toeplitz input bit selects depend
 * only on that bit's position mod 16: a byte contributes a value fixed by the byte and by
 * whether it sits at an even or an odd offset of the input. Two 256-entry tables (2 KB,
 * L1-resident; owner.c builds them before main) turn the hash into one lookup and one
 * XOR per byte, where rte_softrss tests every bit. test_owner holds both to a reference.
 */
extern uint32_t owner_rss_tbl[2][256];

static inline uint32_t
owner_hash_bytes(uint32_t h, const uint8_t *p, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i += 2)
		h ^= owner_rss_tbl[0][p[i]] ^ owner_rss_tbl[1][p[i + 1]];
	return h;
}

/*
 * Toeplitz hash of the flow, as owner_hash_softrss computes it. Returns 0 for frames
 * that are neither IPv4 nor IPv6. Context: any thread; pure.
 */
static inline uint32_t
owner_hash(const struct pkt_meta *m)
{
	uint32_t h;

	/* The input is addresses then ports, all in network order: what the tables index. */
	if (m->l3 == PKT_L3_IPV4)
		h = owner_hash_bytes(0, (const uint8_t *)&m->addr.v4, 8);
	else if (m->l3 == PKT_L3_IPV6)
		h = owner_hash_bytes(0, (const uint8_t *)&m->addr.v6, 32);
	else
		return 0;
	return h ^ owner_rss_tbl[0][((const uint8_t *)&m->sport)[0]] ^
	       owner_rss_tbl[1][((const uint8_t *)&m->sport)[1]] ^
	       owner_rss_tbl[0][((const uint8_t *)&m->dport)[0]] ^
	       owner_rss_tbl[1][((const uint8_t *)&m->dport)[1]];
}

/* The same with DPDK's bit-serial rte_softrss: the reference (and the benchmark's peer). */
static inline uint32_t
owner_hash_softrss(const struct pkt_meta *m)
{
	/* rte_softrss takes the tuple as host-order 32-bit words: addresses, then
	 * (sport << 16 | dport), the layout of struct rte_ipv4/ipv6_tuple. */
	uint32_t w[9];
	uint32_t n, i;

	if (m->l3 == PKT_L3_IPV4) {
		w[0] = rte_be_to_cpu_32(m->addr.v4.src);
		w[1] = rte_be_to_cpu_32(m->addr.v4.dst);
		n = 2;
	} else if (m->l3 == PKT_L3_IPV6) {
		for (i = 0; i < 4; i++) {
			uint32_t s, d;

			memcpy(&s, m->addr.v6.src + 4 * i, 4);
			memcpy(&d, m->addr.v6.dst + 4 * i, 4);
			w[i] = rte_be_to_cpu_32(s);
			w[4 + i] = rte_be_to_cpu_32(d);
		}
		n = 8;
	} else {
		return 0;
	}
	w[n++] = (uint32_t)rte_be_to_cpu_16(m->sport) << 16 | rte_be_to_cpu_16(m->dport);
	return rte_softrss(w, n, owner_rss_key);
}

/*
 * Worker index (0..nb_workers-1) that owns the flow of *m.
 * Context: any thread; pure.
 */
static inline unsigned int
owner_of(const struct pkt_meta *m, unsigned int nb_workers)
{
	if (nb_workers <= 1)
		return 0;
	return (owner_hash(m) % OWNER_RETA_SIZE) % nb_workers;
}

#endif /* SL_OWNER_FP_H */
