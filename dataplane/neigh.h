/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * neigh: the link-layer addresses of the hosts the dataplane sends to on its own —
 * backends, for fnat and dsr. IPv4 only for now (ARP); IPv6 neighbour discovery is next.
 *
 * The control thread registers each backend address once (neigh_add) and keeps the
 * index in the backend, so the fast path reads an entry by index, never searches. An
 * entry is one 64-bit word — MAC, the port it answered on, a valid bit — written with a
 * single atomic store by whichever worker learns it and read with one atomic load, so
 * workers share the table without locks.
 *
 * Learning: any ARP frame whose sender is a registered neighbour (its reply to our
 * request, or its own request for our address, which backends send before they answer
 * fnat traffic) sets the entry. Asking: worker 0 broadcasts an ARP request for every
 * unresolved entry on every port once a second, from that port's first IPv4 address, and
 * refreshes resolved entries every NEIGH_REFRESH_S; the port that answers is the one the
 * neighbour is on. Until an entry is resolved, packets for it are dropped and counted
 * (lb_neigh_unresolved), as a router would while it resolves.
 *
 * Context: neigh_add on the control thread before workers start; the rest on workers.
 */
#ifndef SL_NEIGH_H
#define SL_NEIGH_H

#include <stdint.h>
#include <string.h>

#include <rte_ether.h>

#define NEIGH_MAX        4096
#define NEIGH_REFRESH_S  60
#define NEIGH_NONE       UINT32_MAX

#define NEIGH_VALID      (1ULL << 63)
#define NEIGH_PORT_SHIFT 48

struct neigh_entry {
	uint64_t word;                  /* NEIGH_VALID | port << 48 | MAC (bytes 0..5) */
	uint32_t addr;                  /* IPv4, network order (when !v6) */
	uint8_t v6;
	uint8_t addr6[16];
	uint64_t asked_tsc;             /* worker 0's last request */
};

struct neigh_table {
	struct neigh_entry e[NEIGH_MAX];
	uint32_t n;
	uint64_t learned, requests_sent, request_alloc_failed;
};

struct dp;
struct rte_mbuf;
struct pkt_meta;

/* The entry for addr, added if new. Returns its index, or NEIGH_NONE if full. */
uint32_t neigh_add(struct neigh_table *t, uint32_t addr_be);
/* The same for an IPv6 address (resolved by neighbour discovery, RFC 4861). */
uint32_t neigh_add6(struct neigh_table *t, const uint8_t *addr);

/* The entry for an address (4 bytes, or 16 if v6) without adding it; NEIGH_NONE if it
 * has none. Context: control thread. */
uint32_t neigh_find(const struct neigh_table *t, int v6, const uint8_t *addr);

/* The neighbour's MAC and port; 0 if unresolved. */
static inline int
neigh_get(const struct neigh_table *t, uint32_t idx, struct rte_ether_addr *mac,
	  uint16_t *port_idx)
{
	uint64_t w = __atomic_load_n(&t->e[idx].word, __ATOMIC_ACQUIRE);

	if (!(w & NEIGH_VALID))
		return 0;
	memcpy(mac->addr_bytes, &w, RTE_ETHER_ADDR_LEN);        /* little-endian: bytes 0..5 */
	*port_idx = (uint16_t)((w >> NEIGH_PORT_SHIFT) & 0x7fff);
	return 1;
}

/* Learns from an ARP frame received on port pi (any opcode). */
void neigh_learn_arp(struct neigh_table *t, const struct rte_mbuf *m,
		     const struct pkt_meta *meta, uint16_t pi);

/*
 * Worker 0's upkeep, once per loop pass: sends the requests that are due (at most a few
 * per call) from queue q. Returns the number of frames sent.
 */
/* Learns from a neighbour advertisement (its target's link-layer address) or a
 * solicitation (its sender's) about an IPv6 address in the table. Context: any worker. */
void neigh_learn_nd(struct neigh_table *t, const struct rte_mbuf *m,
		    const struct pkt_meta *meta, uint16_t pi);

unsigned int neigh_tick(struct neigh_table *t, struct dp *dp, uint16_t q, uint64_t now_tsc);

#endif /* SL_NEIGH_H */
