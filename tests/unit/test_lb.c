/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_lb: the balancer's policies as lb_pick runs them (dataplane/lb_fp.h) on tables
 * built from a config (lb.c): rr skipping backends that take no new flows, smooth wrr,
 * least-conn summed over workers and weighted, random-p2c and least-latency preferring
 * the less loaded of two, sticky keeping a client within its TTL and letting go after
 * it or when its backend drains, the hash policies agreeing across workers, and a new
 * version sharing the Maglev tables of pools that did not change.
 *
 * Context: test process with EAL (--no-huge, no PCI): run as root.
 */
#include <CUnit/Basic.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_malloc.h>

#include "lb.h"
#include "lb_fp.h"
#include "cunit_main.h"

#define TLB_WORKERS 2

static struct dp tlb_dp;
static struct worker tlb_w[TLB_WORKERS];
static struct neigh_table *tlb_neigh;
static uint64_t tlb_hz;
static char err[512];

/* Tables for one policy over be1..be3 (weights w1..w3; be2 drained if drain2). */
static struct lb *
tlb_tables(const char *policy, int w1, int w2, int w3, int drain2)
{
	static uint64_t version;
	char text[1024];
	struct lb_conf c;
	struct lb *lb;

	snprintf(text, sizeof(text),
		 "pools:\n  web:\n    backends:\n"
		 "      - { address: 198.18.1.11:80, weight: %d }\n"
		 "      - { address: 198.18.1.12:80, weight: %d, state: %s }\n"
		 "      - { address: 198.18.1.13:80, weight: %d }\n"
		 "services:\n  - vip: 198.18.0.100:80/tcp\n    pool: web\n    policy: %s\n%s",
		 w1, w2, drain2 ? "drain" : "ready", w3, policy,
		 strcmp(policy, "sticky") == 0 ? "    sticky_ttl: 10\n" : "");
	if (lb_conf_parse("t.yaml", text, strlen(text), &c, err, sizeof(err)) != 0) {
		printf("\n  %s", err);
		return NULL;
	}
	lb = lb_build(&c, tlb_neigh, ++version, TLB_WORKERS, err, sizeof(err));
	lb_conf_free(&c);
	tlb_dp.lb = lb;
	return lb;
}

/* Two pools, web (be1 weight w1, be2) and api (be3, be4; a small table). */
static int
tlb_conf(struct lb_conf *c, int w1)
{
	char text[1024];

	snprintf(text, sizeof(text),
		 "pools:\n  web:\n    backends:\n"
		 "      - { address: 198.18.1.11:80, weight: %d }\n"
		 "      - 198.18.1.12:80\n"
		 "  api:\n    maglev_size: 251\n    backends: [198.18.1.13:80, 198.18.1.14:80]\n"
		 "services:\n  - vip: 198.18.0.100:80/tcp\n    pool: web\n"
		 "  - vip: 198.18.0.100:81/tcp\n    pool: api\n", w1);
	return lb_conf_parse("t.yaml", text, strlen(text), c, err, sizeof(err));
}

/* A version built from the running one shares the Maglev tables of the pools that did
 * not change and builds the others; the tables are those a fresh build gives, and the
 * versions free in any order (the tables live as long as a version uses them). */
static void
test_build_from_shares_unchanged_pools(void)
{
	struct lb_conf c1, c2;
	struct lb *a, *b, *fresh, *same;

	CU_ASSERT_EQUAL_FATAL(tlb_conf(&c1, 1), 0);
	CU_ASSERT_EQUAL_FATAL(tlb_conf(&c2, 3), 0);
	a = lb_build(&c1, tlb_neigh, 100, TLB_WORKERS, err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	b = lb_build_from(&c2, tlb_neigh, 101, TLB_WORKERS, a, err, sizeof(err));
	fresh = lb_build(&c2, tlb_neigh, 102, TLB_WORKERS, err, sizeof(err));
	same = lb_build_from(&c1, tlb_neigh, 103, TLB_WORKERS, a, err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	CU_ASSERT_PTR_NOT_NULL_FATAL(fresh);
	CU_ASSERT_PTR_NOT_NULL_FATAL(same);
	/* web changed (a weight): its own table, the one a fresh build gives */
	CU_ASSERT_PTR_NOT_EQUAL(b->pools[0].maglev, a->pools[0].maglev);
	CU_ASSERT_EQUAL(memcmp(b->pools[0].maglev, fresh->pools[0].maglev,
			       b->pools[0].maglev_m * sizeof(uint16_t)), 0);
	CU_ASSERT_NOT_EQUAL(memcmp(b->pools[0].maglev, a->pools[0].maglev,
				   b->pools[0].maglev_m * sizeof(uint16_t)), 0);
	/* api did not: shared */
	CU_ASSERT_PTR_EQUAL(b->pools[1].maglev, a->pools[1].maglev);
	CU_ASSERT_EQUAL(*a->pools[1].maglev_refs, 3);   /* a, b and same */
	CU_ASSERT_PTR_EQUAL(same->pools[0].maglev, a->pools[0].maglev);
	lb_free(a);                                     /* the running one goes first */
	CU_ASSERT_EQUAL(*b->pools[1].maglev_refs, 2);
	CU_ASSERT_EQUAL(memcmp(b->pools[1].maglev, fresh->pools[1].maglev,
			       b->pools[1].maglev_m * sizeof(uint16_t)), 0);
	lb_free(same);
	CU_ASSERT_EQUAL(*b->pools[1].maglev_refs, 1);
	lb_free(b);
	lb_free(fresh);
	lb_conf_free(&c1);
	lb_conf_free(&c2);
}

/* A client's new flow to the VIP from port sport. */
static struct pkt_meta
tlb_flow(uint32_t client_low, uint16_t sport)
{
	struct pkt_meta m;

	memset(&m, 0, sizeof(m));
	m.l3 = PKT_L3_IPV4;
	m.l4_proto = IPPROTO_TCP;
	m.addr.v4.src = htonl(0xc6120000u | client_low);
	m.addr.v4.dst = htonl(0xc6120064u);
	m.sport = htons(sport);
	m.dport = htons(80);
	return m;
}

static int
tlb_pick(struct lb *lb, unsigned int w, const struct pkt_meta *m, uint64_t now)
{
	return lb_pick(&tlb_dp, lb, tlb_w[w].lbw, w, &lb->svc[0], m, now);
}

static void
tlb_conns(struct lb *lb, unsigned int b, uint32_t w0, uint32_t w1)
{
	tlb_w[0].lbw->conns[lb->pools[0].b[b].neigh] = w0;
	tlb_w[1].lbw->conns[lb->pools[0].b[b].neigh] = w1;
}

static int
suite_init(void)
{
	char *argv[] = { "test_lb", "--no-pci", "--no-huge", "--no-shconf", "-m", "256",
			 "--log-level=*:error", NULL };
	unsigned int i;

	if (rte_eal_init((int)RTE_DIM(argv) - 1, argv) < 0)
		return -1;
	tlb_hz = rte_get_tsc_hz();
	tlb_neigh = rte_zmalloc("neigh", sizeof(*tlb_neigh), 0);
	if (!tlb_neigh)
		return -1;
	tlb_dp.nb_workers = TLB_WORKERS;
	tlb_dp.neigh = tlb_neigh;
	for (i = 0; i < TLB_WORKERS; i++) {
		tlb_w[i].idx = i;
		tlb_w[i].lbw = lb_worker_create(1024, i, SOCKET_ID_ANY, err, sizeof(err));
		if (!tlb_w[i].lbw)
			return -1;
		tlb_dp.workers[i] = &tlb_w[i];
	}
	return 0;
}

static int
suite_cleanup(void)
{
	unsigned int i;

	for (i = 0; i < TLB_WORKERS; i++)
		lb_worker_free(tlb_w[i].lbw);
	rte_free(tlb_neigh);
	rte_eal_cleanup();
	return 0;
}

static void
test_rr_skips_drained(void)
{
	struct lb *lb = tlb_tables("rr", 1, 1, 1, 1);
	struct pkt_meta m = tlb_flow(2, 1000);
	int i, seen[3] = { 0 };

	CU_ASSERT_PTR_NOT_NULL_FATAL(lb);
	for (i = 0; i < 10; i++)
		seen[tlb_pick(lb, 0, &m, 0)]++;
	CU_ASSERT_EQUAL(seen[1], 0);
	CU_ASSERT_EQUAL(seen[0], 5);
	CU_ASSERT_EQUAL(seen[2], 5);
	lb_free(lb);
}

static void
test_wrr(void)
{
	struct lb *lb = tlb_tables("wrr", 5, 1, 1, 0);
	struct pkt_meta m = tlb_flow(2, 1000);
	char got[8];
	int i;

	CU_ASSERT_PTR_NOT_NULL_FATAL(lb);
	for (i = 0; i < 7; i++)
		got[i] = (char)('a' + tlb_pick(lb, 0, &m, 0));
	got[7] = '\0';
	CU_ASSERT_STRING_EQUAL(got, "aabacaa");
	lb_free(lb);
}

/* Counts of all workers are summed; weights divide them. */
static void
test_least_conn(void)
{
	struct lb *lb = tlb_tables("least-conn", 1, 1, 1, 0);
	struct pkt_meta m = tlb_flow(2, 1000);

	CU_ASSERT_PTR_NOT_NULL_FATAL(lb);
	tlb_conns(lb, 0, 3, 2);         /* 5 */
	tlb_conns(lb, 1, 0, 4);         /* 4: least, though worker 0 sees none on be1 only */
	tlb_conns(lb, 2, 6, 0);         /* 6 */
	CU_ASSERT_EQUAL(tlb_pick(lb, 0, &m, 0), 1);
	CU_ASSERT_EQUAL(tlb_pick(lb, 1, &m, 0), 1);
	lb_free(lb);
	lb = tlb_tables("least-conn", 1, 1, 4, 0);      /* be3 weight 4: 6 / 4 < 4 / 1 */
	CU_ASSERT_EQUAL(tlb_pick(lb, 0, &m, 0), 2);
	tlb_conns(lb, 0, 0, 0);
	tlb_conns(lb, 1, 0, 0);
	tlb_conns(lb, 2, 0, 0);
	lb_free(lb);
}

static void
test_p2c_prefers_less_loaded(void)
{
	struct lb *lb = tlb_tables("random-p2c", 1, 1, 1, 0);
	struct pkt_meta m = tlb_flow(2, 1000);
	int i, busy = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(lb);
	tlb_conns(lb, 0, 50, 50);
	for (i = 0; i < 900; i++)
		busy += tlb_pick(lb, 0, &m, 0) == 0;
	/* be1 wins only when both choices are be1: 1 in 9, about 100 of 900. */
	CU_ASSERT(busy < 180);
	tlb_conns(lb, 0, 0, 0);
	lb_free(lb);

	lb = tlb_tables("least-latency", 1, 1, 1, 0);
	tlb_w[0].lbw->lat[lb->pools[0].b[2].neigh].cost_ns = 50 * 1000 * 1000;
	tlb_w[0].lbw->lat[lb->pools[0].b[0].neigh].cost_ns = 1 * 1000 * 1000;
	tlb_w[0].lbw->lat[lb->pools[0].b[1].neigh].cost_ns = 1 * 1000 * 1000;
	for (i = 0, busy = 0; i < 900; i++)
		busy += tlb_pick(lb, 0, &m, 0) == 2;
	CU_ASSERT(busy < 180);
	tlb_w[0].lbw->lat[lb->pools[0].b[2].neigh].cost_ns = 0;
	tlb_w[0].lbw->lat[lb->pools[0].b[0].neigh].cost_ns = 0;
	tlb_w[0].lbw->lat[lb->pools[0].b[1].neigh].cost_ns = 0;

	/* No handshake seen (a UDP service): sluiced's probe RTTs decide. be3 slow. */
	tlb_dp.probe_rtt_us[lb->pools[0].b[0].neigh] = 300;
	tlb_dp.probe_rtt_us[lb->pools[0].b[1].neigh] = 300;
	tlb_dp.probe_rtt_us[lb->pools[0].b[2].neigh] = 50000;
	for (i = 0, busy = 0; i < 900; i++)
		busy += tlb_pick(lb, 0, &m, 0) == 2;
	CU_ASSERT(busy < 180);
	/* A handshake RTT, where there is one, outranks the probe: be3 measured fast. */
	tlb_w[0].lbw->lat[lb->pools[0].b[2].neigh].cost_ns = 1000;
	tlb_w[0].lbw->lat[lb->pools[0].b[0].neigh].cost_ns = 1000 * 1000;
	tlb_w[0].lbw->lat[lb->pools[0].b[1].neigh].cost_ns = 1000 * 1000;
	for (i = 0, busy = 0; i < 900; i++)
		busy += tlb_pick(lb, 0, &m, 0) == 2;
	CU_ASSERT(busy > 400);  /* be3 wins whenever drawn: 5 in 9, about 500 */
	memset(tlb_dp.probe_rtt_us, 0, sizeof(tlb_dp.probe_rtt_us));
	tlb_w[0].lbw->lat[lb->pools[0].b[2].neigh].cost_ns = 0;
	tlb_w[0].lbw->lat[lb->pools[0].b[0].neigh].cost_ns = 0;
	tlb_w[0].lbw->lat[lb->pools[0].b[1].neigh].cost_ns = 0;
	lb_free(lb);
}

/* sticky_ttl 10 s: a client returns to its backend within it, not after; a drained
 * backend lets its clients go. */
static void
test_sticky_ttl(void)
{
	struct lb *lb = tlb_tables("sticky", 1, 1, 1, 0);
	struct pkt_meta a1 = tlb_flow(2, 1000), a2 = tlb_flow(2, 1001), b = tlb_flow(3, 1000);
	uint64_t t = 100 * tlb_hz;
	int first, other, i;

	CU_ASSERT_PTR_NOT_NULL_FATAL(lb);
	first = tlb_pick(lb, 0, &a1, t);
	other = tlb_pick(lb, 0, &b, t);
	CU_ASSERT_NOT_EQUAL(first, other);              /* round robin between clients */
	for (i = 1; i <= 5; i++)                        /* each visit renews the TTL */
		CU_ASSERT_EQUAL(tlb_pick(lb, 0, &a2, t + (uint64_t)i * 9 * tlb_hz), first);
	/* 11 s after the last visit: forgotten; round robin moves on */
	CU_ASSERT_NOT_EQUAL(tlb_pick(lb, 0, &a1, t + 56 * tlb_hz), first);
	lb_free(lb);
	/* the client's backend drained: it goes elsewhere */
	lb = tlb_tables("sticky", 1, 1, 1, 1);
	CU_ASSERT_NOT_EQUAL(tlb_pick(lb, 0, &b, t + 1), 1);
	lb_free(lb);
}

/* Hash policies give the same answer on every worker. */
static void
test_hash_policies_agree(void)
{
	static const char *const pol[] = { "maglev", "source-hash" };
	unsigned int k, i;

	for (k = 0; k < 2; k++) {
		struct lb *lb = tlb_tables(pol[k], 1, 1, 1, 0);
		int same = 1, seen[3] = { 0 };

		CU_ASSERT_PTR_NOT_NULL_FATAL(lb);
		for (i = 0; i < 300; i++) {
			struct pkt_meta m = tlb_flow(2 + i % 50, (uint16_t)(1000 + i));
			int b0 = tlb_pick(lb, 0, &m, 0);

			same &= b0 == tlb_pick(lb, 1, &m, 0);
			seen[b0]++;
		}
		CU_ASSERT(same);
		CU_ASSERT(seen[0] && seen[1] && seen[2]);
		lb_free(lb);
	}
}

static const struct unit_test tests[] = {
	UNIT_TEST(test_rr_skips_drained),
	UNIT_TEST(test_wrr),
	UNIT_TEST(test_least_conn),
	UNIT_TEST(test_p2c_prefers_less_loaded),
	UNIT_TEST(test_sticky_ttl),
	UNIT_TEST(test_hash_policies_agree),
	UNIT_TEST(test_build_from_shares_unchanged_pools),
	{ NULL, NULL },
};

int
main(void)
{
	return unit_run("lb", tests, suite_init, suite_cleanup);
}
