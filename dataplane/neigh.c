/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * neigh: resolving backends' link-layer addresses (see neigh.h). Context: neigh_add on
 * the control thread; learning on any worker; requests from worker 0.
 */
#include <rte_arp.h>
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_ip.h>
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
		if (!t->e[i].v6 && t->e[i].addr == addr_be)
			return i;
	if (t->n == NEIGH_MAX)
		return NEIGH_NONE;
	t->e[t->n].addr = addr_be;
	t->e[t->n].v6 = 0;
	t->e[t->n].word = 0;
	t->e[t->n].asked_tsc = 0;
	/* Workers read up to n: the entry first. */
	__atomic_store_n(&t->n, t->n + 1, __ATOMIC_RELEASE);
	return t->n - 1;
}

uint32_t
neigh_find(const struct neigh_table *t, int v6, const uint8_t *addr)
{
	uint32_t i, a4 = 0;

	if (!v6)
		memcpy(&a4, addr, 4);
	for (i = 0; i < t->n; i++)
		if (t->e[i].v6 == !!v6 &&
		    (v6 ? memcmp(t->e[i].addr6, addr, 16) == 0 : t->e[i].addr == a4))
			return i;
	return NEIGH_NONE;
}

uint32_t
neigh_add6(struct neigh_table *t, const uint8_t *addr)
{
	uint32_t i;

	for (i = 0; i < t->n; i++)
		if (t->e[i].v6 && memcmp(t->e[i].addr6, addr, 16) == 0)
			return i;
	if (t->n == NEIGH_MAX)
		return NEIGH_NONE;
	memcpy(t->e[t->n].addr6, addr, 16);
	t->e[t->n].v6 = 1;
	t->e[t->n].addr = 0;
	t->e[t->n].word = 0;
	t->e[t->n].asked_tsc = 0;
	__atomic_store_n(&t->n, t->n + 1, __ATOMIC_RELEASE);
	return t->n - 1;
}

static void
neigh_set(struct neigh_table *t, uint32_t i, const uint8_t *mac, uint16_t pi)
{
	uint64_t w = 0;

	memcpy(&w, mac, RTE_ETHER_ADDR_LEN);
	w |= NEIGH_VALID | (uint64_t)pi << NEIGH_PORT_SHIFT;
	if (__atomic_load_n(&t->e[i].word, __ATOMIC_RELAXED) != w) {
		__atomic_store_n(&t->e[i].word, w, __ATOMIC_RELEASE);
		t->learned++;   /* approximate when two workers learn at once */
	}
}

void
neigh_learn_nd(struct neigh_table *t, const struct rte_mbuf *m, const struct pkt_meta *meta,
	       uint16_t pi)
{
	const uint8_t *icmp = rte_pktmbuf_mtod_offset(m, const uint8_t *, meta->l4_off);
	const uint8_t *who, *mac = NULL;
	uint32_t i, off, n = __atomic_load_n(&t->n, __ATOMIC_ACQUIRE);
	uint8_t want;

	if (meta->l3 != PKT_L3_IPV6 || meta->l4_proto != IPPROTO_ICMPV6 || meta->l4_len < 24 ||
	    meta->l4_off + (uint32_t)meta->l4_len > rte_pktmbuf_data_len(m))
		return;
	if (icmp[0] == 136) {           /* advertisement: the target's address */
		who = icmp + 8;
		want = 2;
	} else if (icmp[0] == 135) {    /* solicitation: the sender's */
		who = meta->addr.v6.src;
		want = 1;
	} else {
		return;
	}
	for (off = 24; off + 8 <= meta->l4_len; off += icmp[off + 1] * 8u) {
		if (icmp[off + 1] == 0)
			return;         /* RFC 4861 4.6: a zero length is invalid */
		if (icmp[off] == want && icmp[off + 1] == 1) {
			mac = icmp + off + 2;
			break;
		}
	}
	if (!mac || (mac[0] & 1))
		return;
	for (i = 0; i < n; i++)
		if (t->e[i].v6 && memcmp(t->e[i].addr6, who, 16) == 0) {
			neigh_set(t, i, mac, pi);
			return;
		}
}

void
neigh_learn_arp(struct neigh_table *t, const struct rte_mbuf *m, const struct pkt_meta *meta,
		uint16_t pi)
{
	const struct rte_arp_hdr *arp;
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
		if (t->e[i].v6 || t->e[i].addr != arp->arp_data.arp_sip)
			continue;
		neigh_set(t, i, arp->arp_data.arp_sha.addr_bytes, pi);
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

/* A neighbour solicitation for addr out of port pi (RFC 4861 7.2.2: to the solicited-node
 * multicast group, from the port's first IPv6 address, with our link-layer address). */
static int
neigh_request6(struct neigh_table *t, struct dp *dp, uint16_t pi, uint16_t q,
	       const uint8_t *addr)
{
	const struct dp_port *p = &dp->ports[pi];
	struct rte_ether_hdr *eth;
	struct rte_ipv6_hdr *ip;
	uint8_t *ns;
	struct rte_mbuf *m;
	uint16_t ck;

	if (!p->local.nb_v6)
		return 0;
	m = rte_pktmbuf_alloc(dp->pool);
	if (!m) {
		t->request_alloc_failed++;
		return 0;
	}
	eth = (struct rte_ether_hdr *)rte_pktmbuf_append(m, sizeof(*eth) + sizeof(*ip) + 32);
	if (!eth) {
		rte_pktmbuf_free(m);
		return 0;
	}
	ip = (struct rte_ipv6_hdr *)(eth + 1);
	ns = (uint8_t *)(ip + 1);
	memset(ip, 0, sizeof(*ip) + 32);
	eth->dst_addr.addr_bytes[0] = 0x33;
	eth->dst_addr.addr_bytes[1] = 0x33;
	eth->dst_addr.addr_bytes[2] = 0xff;
	memcpy(&eth->dst_addr.addr_bytes[3], addr + 13, 3);
	rte_ether_addr_copy(&p->local.mac, &eth->src_addr);
	eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV6);
	ip->vtc_flow = rte_cpu_to_be_32(6u << 28);
	ip->payload_len = rte_cpu_to_be_16(32);
	ip->proto = IPPROTO_ICMPV6;
	ip->hop_limits = 255;
	memcpy(ip->src_addr, p->local.v6[0], 16);
	ip->dst_addr[0] = 0xff;
	ip->dst_addr[1] = 0x02;
	ip->dst_addr[11] = 0x01;
	ip->dst_addr[12] = 0xff;
	memcpy(&ip->dst_addr[13], addr + 13, 3);
	ns[0] = 135;
	memcpy(ns + 8, addr, 16);
	ns[24] = 1;                     /* source link-layer address */
	ns[25] = 1;
	memcpy(ns + 26, p->local.mac.addr_bytes, RTE_ETHER_ADDR_LEN);
	ck = rte_ipv6_udptcp_cksum(ip, ns);
	memcpy(ns + 2, &ck, 2);
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
			sent += (unsigned int)(e->v6 ? neigh_request6(t, dp, pi, q, e->addr6) :
						       neigh_request(t, dp, pi, q, e->addr));
	}
	return sent;
}
