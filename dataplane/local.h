/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * local: the addresses the appliance owns on each port, and the responders that make
 * them reachable — ARP, IPv6 neighbour discovery and ICMP/ICMPv6 echo — answered by
 * rewriting the received mbuf in place into the reply, so a ping costs no allocation.
 *
 * The kernel interfaces carry none of these addresses (the lab checks it): if the
 * dataplane is down, they do not answer.
 *
 * Every responder returns an enum sl_counter: an event (SL_CNT_ARP_REPLY, ...) means the
 * mbuf now holds the reply and is to be sent back out of the port it came in on; a drop
 * reason means the caller frees it and counts the reason.
 *
 * Context: worker lcore, fast path. The tables are read by workers and written only by
 * the control thread: appends publish the address before the count, and removals wait
 * for a grace period (local_del_*), so a running worker never misses an address that
 * stays.
 */
#ifndef SL_LOCAL_H
#define SL_LOCAL_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <rte_ether.h>

#include "pkt_fp.h"

#define LOCAL_ADDR_MAX 16

struct local_port {
	struct rte_ether_addr mac;
	uint8_t nb_v4;
	uint8_t nb_v6;
	uint32_t v4[LOCAL_ADDR_MAX];            /* network order */
	uint8_t v6[LOCAL_ADDR_MAX][16];
};

struct rte_mbuf;

static inline bool
local_v4_owned(const struct local_port *lp, uint32_t addr_be)
{
	unsigned int i;

	for (i = 0; i < lp->nb_v4; i++)
		if (lp->v4[i] == addr_be)
			return true;
	return false;
}

static inline bool
local_v6_owned(const struct local_port *lp, const uint8_t *addr)
{
	unsigned int i;

	for (i = 0; i < lp->nb_v6; i++)
		if (memcmp(lp->v6[i], addr, 16) == 0)
			return true;
	return false;
}

/* Adds an address; returns 0, -EEXIST or -ENOSPC. Context: control thread. */
int local_add_v4(struct local_port *lp, uint32_t addr_be);
int local_add_v6(struct local_port *lp, const uint8_t *addr);
/* Removes one; grace(arg) must return only when every worker has finished the scans it
 * had begun (rte_rcu_qsbr_synchronize). Returns 0 or -ENOENT. Context: control thread. */
int local_del_v4(struct local_port *lp, uint32_t addr_be, void (*grace)(void *), void *arg);
int local_del_v6(struct local_port *lp, const uint8_t *addr, void (*grace)(void *), void *arg);

/* Accepts frames to our MAC, broadcast and multicast (ARP, ND). */
static inline bool
local_l2_accept(const struct local_port *lp, const struct rte_ether_hdr *eth)
{
	return rte_is_same_ether_addr(&eth->dst_addr, &lp->mac) ||
	       rte_is_multicast_ether_addr(&eth->dst_addr);
}

/* True for frames answered where they arrive, with no flow owner: ARP and ND. */
bool local_is_stateless(const struct rte_mbuf *m, const struct pkt_meta *meta);

int local_arp_input(const struct local_port *lp, struct rte_mbuf *m,
		    const struct pkt_meta *meta);
int local_nd_input(const struct local_port *lp, struct rte_mbuf *m,
		   const struct pkt_meta *meta);
/* IP traffic after the owner check: our address? then ICMP echo, else no service. */
int local_ip_input(const struct local_port *lp, struct rte_mbuf *m,
		   const struct pkt_meta *meta);

#endif /* SL_LOCAL_H */
