/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_neigh: the backends' neighbour table (dataplane/neigh.c): registering addresses
 * once, learning MAC and port from ARP replies and requests of registered hosts only,
 * ignoring broadcast or zero sender MACs, following a MAC change.
 *
 * Context: test process with EAL (--no-huge, no PCI): run as root.
 */
#include <CUnit/Basic.h>
#include <arpa/inet.h>
#include <string.h>

#include <rte_arp.h>
#include <rte_eal.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>

#include "neigh.h"
#include "pkt_fp.h"
#include "cunit_main.h"

static struct rte_mempool *tn_pool;
static struct neigh_table *tn;

/* An ARP frame (op) from sip/sha, parsed as the worker parses it; learned on port pi. */
static void
tn_arp(uint16_t op, const char *sip, const uint8_t *sha, uint16_t pi)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(tn_pool);
	uint8_t frame[60] = { 0 };
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)frame;
	struct rte_arp_hdr *arp;
	struct pkt_meta meta;
	char *data;

	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	memset(&eth->dst_addr, 0xff, 6);
	memcpy(&eth->src_addr, sha, 6);
	eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP);
	arp = (struct rte_arp_hdr *)(eth + 1);
	arp->arp_hardware = rte_cpu_to_be_16(RTE_ARP_HRD_ETHER);
	arp->arp_protocol = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	arp->arp_hlen = 6;
	arp->arp_plen = 4;
	arp->arp_opcode = rte_cpu_to_be_16(op);
	memcpy(&arp->arp_data.arp_sha, sha, 6);
	inet_pton(AF_INET, sip, &arp->arp_data.arp_sip);
	inet_pton(AF_INET, "198.18.1.1", &arp->arp_data.arp_tip);
	data = rte_pktmbuf_append(m, sizeof(frame));
	CU_ASSERT_PTR_NOT_NULL_FATAL(data);
	memcpy(data, frame, sizeof(frame));
	CU_ASSERT_EQUAL_FATAL(pkt_parse(rte_pktmbuf_mtod(m, uint8_t *), m->data_len, &meta),
			      SL_CNT_OK);
	neigh_learn_arp(tn, m, &meta, pi);
	rte_pktmbuf_free(m);
}

static uint32_t
tn_addr(const char *s)
{
	uint32_t a;

	inet_pton(AF_INET, s, &a);
	return a;
}

static int
suite_init(void)
{
	char *argv[] = { "test_neigh", "--no-pci", "--no-huge", "--no-shconf", "-m", "128",
			 "--log-level=*:error", NULL };

	if (rte_eal_init((int)RTE_DIM(argv) - 1, argv) < 0)
		return -1;
	tn_pool = rte_pktmbuf_pool_create("tn", 63, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	tn = rte_zmalloc("neigh", sizeof(*tn), 0);
	return tn_pool && tn ? 0 : -1;
}

static int
suite_cleanup(void)
{
	rte_free(tn);
	rte_mempool_free(tn_pool);
	rte_eal_cleanup();
	return 0;
}

static void
test_learn(void)
{
	static const uint8_t mac1[6] = { 0x02, 0x53, 0x4c, 0, 1, 0x11 };
	static const uint8_t mac1b[6] = { 0x02, 0x53, 0x4c, 0, 1, 0x21 };
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	static const uint8_t zero[6];
	struct rte_ether_addr mac;
	uint32_t i11 = neigh_add(tn, tn_addr("198.18.1.11"));
	uint32_t i12 = neigh_add(tn, tn_addr("198.18.1.12"));
	uint16_t pi = 99;

	CU_ASSERT_EQUAL(neigh_add(tn, tn_addr("198.18.1.11")), i11);      /* once */
	CU_ASSERT_NOT_EQUAL(i11, i12);
	CU_ASSERT_EQUAL(tn->n, 2);
	CU_ASSERT_FALSE(neigh_get(tn, i11, &mac, &pi));                   /* unresolved */
	tn_arp(RTE_ARP_OP_REPLY, "198.18.1.11", mac1, 1);
	CU_ASSERT_TRUE_FATAL(neigh_get(tn, i11, &mac, &pi));
	CU_ASSERT_EQUAL(memcmp(mac.addr_bytes, mac1, 6), 0);
	CU_ASSERT_EQUAL(pi, 1);
	CU_ASSERT_FALSE(neigh_get(tn, i12, &mac, &pi));
	/* an unregistered host teaches nothing; nor does a broadcast or zero sender */
	tn_arp(RTE_ARP_OP_REPLY, "198.18.1.99", mac1b, 1);
	CU_ASSERT_EQUAL(tn->n, 2);
	tn_arp(RTE_ARP_OP_REQUEST, "198.18.1.12", bcast, 1);
	tn_arp(RTE_ARP_OP_REQUEST, "198.18.1.12", zero, 1);
	CU_ASSERT_FALSE(neigh_get(tn, i12, &mac, &pi));
	/* a backend's own request teaches too, and a new MAC or port replaces the old */
	tn_arp(RTE_ARP_OP_REQUEST, "198.18.1.11", mac1b, 0);
	CU_ASSERT_TRUE(neigh_get(tn, i11, &mac, &pi));
	CU_ASSERT_EQUAL(memcmp(mac.addr_bytes, mac1b, 6), 0);
	CU_ASSERT_EQUAL(pi, 0);
	CU_ASSERT_EQUAL(tn->learned, 2);
}

static const struct unit_test tests[] = {
	UNIT_TEST(test_learn),
	{ NULL, NULL },
};

int
main(void)
{
	return unit_run("neigh", tests, suite_init, suite_cleanup);
}
