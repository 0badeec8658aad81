/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * neigh: resolving backends' link-layer addresses (see neigh.h). Context: neigh_add on
 * the control thread; learning on any worker; requests from worker 0.
 */
#include <rte_arp.h>
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include "neigh.h"
#include "pkt_fp.h"
#include "worker.h"

#define NEIGH_REQUESTS_PER_TICK 8

uint32_t
neigh_add(struct neigh_table *t, uint32_t addr_be)
{
	uint32_t i;

	for (i = 0; i < t->n; i++)
		if (t->e[i].addr == addr_be)
			return i;
	if (t->n == NEIGH_MAX)
		return NEIGH_NONE;
	t->e[t->n].addr = addr_be;
	t->e[t->n].word = 0;
	t->e[t->n].asked_tsc = 0;
	return t->n++;
}

void
neigh_learn_arp(struct neigh_table *t, const struct rte_mbuf *m, const struct pkt_meta *meta,
		uint16_t pi)
{
	const struct rte_arp_hdr *arp;
	uint64_t w = 0;
	uint32_t i, n = __atomic_load_n(&t->n, __ATOMIC_ACQUIRE);

	if (m->data_len < meta->l3_off + sizeof(*arp))
		return;
	arp = rte_pktmbuf_mtod_offset(m, const struct rte_arp_hdr *, meta->l3_off);
	if (arp->arp_hardware != rte_cpu_to_be_16(RTE_ARP_HRD_ETHER) ||
	    arp->arp_protocol != rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4) ||
	    rte_is_multicast_ether_addr(&arp->arp_data.arp_sha) ||
	    rte_is_zero_ether_addr(&arp->arp_data.arp_sha))
		return;
	for (i = 0; i < n; i++) {
		if (t->e[i].addr != arp->arp_data.arp_sip)
			continue;
		memcpy(&w, arp->arp_data.arp_sha.addr_bytes, RTE_ETHER_ADDR_LEN);
		w |= NEIGH_VALID | (uint64_t)pi << NEIGH_PORT_SHIFT;
		if (__atomic_load_n(&t->e[i].word, __ATOMIC_RELAXED) != w) {
			__atomic_store_n(&t->e[i].word, w, __ATOMIC_RELEASE);
			t->learned++;   /* approximate when two workers learn at once */
		}
		return;
	}
}

/* A broadcast ARP request for addr out of port pi, from its first IPv4 address. */
static int
neigh_request(struct neigh_table *t, struct dp *dp, uint16_t pi, uint16_t q, uint32_t addr)
{
	const struct dp_port *p = &dp->ports[pi];
	struct rte_ether_hdr *eth;
	struct rte_arp_hdr *arp;
	struct rte_mbuf *m;

	if (!p->local.nb_v4)
		return 0;
	m = rte_pktmbuf_alloc(dp->pool);
	if (!m) {
		t->request_alloc_failed++;
		return 0;
	}
	eth = (struct rte_ether_hdr *)rte_pktmbuf_append(m, sizeof(*eth) + sizeof(*arp));
	arp = (struct rte_arp_hdr *)(eth + 1);
	memset(&eth->dst_addr, 0xff, RTE_ETHER_ADDR_LEN);
	rte_ether_addr_copy(&p->local.mac, &eth->src_addr);
	eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP);
	arp->arp_hardware = rte_cpu_to_be_16(RTE_ARP_HRD_ETHER);
	arp->arp_protocol = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	arp->arp_hlen = RTE_ETHER_ADDR_LEN;
	arp->arp_plen = 4;
	arp->arp_opcode = rte_cpu_to_be_16(RTE_ARP_OP_REQUEST);
	rte_ether_addr_copy(&p->local.mac, &arp->arp_data.arp_sha);
	arp->arp_data.arp_sip = p->local.v4[0];
	memset(&arp->arp_data.arp_tha, 0, RTE_ETHER_ADDR_LEN);
	arp->arp_data.arp_tip = addr;
	if (rte_eth_tx_burst(p->port.port_id, q, &m, 1) != 1) {
		rte_pktmbuf_free(m);
		return 0;
	}
	t->requests_sent++;
	return 1;
}

unsigned int
neigh_tick(struct neigh_table *t, struct dp *dp, uint16_t q, uint64_t now_tsc)
{
	uint64_t hz = rte_get_tsc_hz();
	unsigned int sent = 0, budget = NEIGH_REQUESTS_PER_TICK;
	uint32_t i;
	uint16_t pi;

	for (i = 0; i < t->n && budget; i++) {
		struct neigh_entry *e = &t->e[i];
		uint64_t w = __atomic_load_n(&e->word, __ATOMIC_ACQUIRE);
		uint64_t every = (w & NEIGH_VALID) ? NEIGH_REFRESH_S * hz : hz;

		if (e->asked_tsc && now_tsc - e->asked_tsc < every)
			continue;
		e->asked_tsc = now_tsc;
		budget--;
		for (pi = 0; pi < dp->nb_ports; pi++)
			sent += (unsigned int)neigh_request(t, dp, pi, q, e->addr);
	}
	return sent;
}
