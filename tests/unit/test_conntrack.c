/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_conntrack: the per-worker connection table (dataplane/conntrack.c) — both
 * directions find the flow, TCP states and their timeouts, UDP idle timeout, lazy and
 * incremental aging, a full table refusing and counting, and slots reused after expiry.
 * Time is stepped by hand in TSC cycles.
 *
 * Context: test process with EAL (--no-huge, no PCI): run as root.
 */
#include <CUnit/Basic.h>
#include <arpa/inet.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_tcp.h>

#include "conntrack.h"
#include "cunit_main.h"

static uint64_t hz;

/* Client c:sport -> VIP 198.18.0.100:80, and its fnat reply from backend b:80 to local
 * 198.18.1.1:lport. */
static void
tct_flow(struct ct_key *orig, struct ct_key *reply, uint8_t proto, uint32_t c, uint16_t sport,
	 uint16_t lport)
{
	memset(orig, 0, sizeof(*orig));
	memset(reply, 0, sizeof(*reply));
	orig->proto = reply->proto = proto;
	orig->src = htonl(0xc6120000u | c);
	orig->dst = htonl(0xc6120064u);
	orig->sport = htons(sport);
	orig->dport = htons(80);
	reply->src = htonl(0xc612010bu);
	reply->dst = htonl(0xc6120101u);
	reply->sport = htons(80);
	reply->dport = htons(lport);
}

static int
suite_init(void)
{
	char *argv[] = { "test_conntrack", "--no-pci", "--no-huge", "--no-shconf", "-m", "128",
			 "--log-level=*:error", NULL };

	if (rte_eal_init((int)RTE_DIM(argv) - 1, argv) < 0)
		return -1;
	hz = rte_get_tsc_hz();
	return 0;
}

static int
suite_cleanup(void)
{
	rte_eal_cleanup();
	return 0;
}

static void
test_both_directions(void)
{
	struct ct_table *t = ct_create("dirs", 16, SOCKET_ID_ANY, NULL);
	struct ct_key o, r, other, other_r;
	struct ct_entry *e;
	enum ct_dir d;

	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	tct_flow(&o, &r, IPPROTO_TCP, 2, 40000, 10000);
	e = ct_insert(t, &o, &r, IPPROTO_TCP, 1000);
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	e->backend = 7;
	CU_ASSERT_PTR_EQUAL(ct_lookup(t, &o, 2000, &d), e);
	CU_ASSERT_EQUAL(d, CT_DIR_ORIG);
	CU_ASSERT_PTR_EQUAL(ct_lookup(t, &r, 2000, &d), e);
	CU_ASSERT_EQUAL(d, CT_DIR_REPLY);
	tct_flow(&other, &other_r, IPPROTO_TCP, 2, 40001, 10001);
	CU_ASSERT_PTR_NULL(ct_lookup(t, &other, 2000, &d));
	/* a tuple already in use is refused */
	CU_ASSERT_PTR_NULL(ct_insert(t, &o, &r, IPPROTO_TCP, 3000));
	CU_ASSERT_PTR_NULL(ct_insert(t, &other, &r, IPPROTO_TCP, 3000));   /* reply taken */
	CU_ASSERT_EQUAL(t->taken, 2);
	CU_ASSERT_EQUAL(t->used, 1);
	CU_ASSERT_EQUAL(ct_lookup(t, &r, 3000, &d)->backend, 7);           /* unchanged */
	ct_free(t);
}

/* A whole TCP connection: handshake, data, FIN both ways, last ACK; each state's timeout. */
static void
test_tcp_states(void)
{
	struct ct_table *t = ct_create("tcp", 16, SOCKET_ID_ANY, NULL);
	struct ct_key o, r;
	struct ct_entry *e;
	uint64_t now = 10 * hz;

	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	tct_flow(&o, &r, IPPROTO_TCP, 2, 40000, 10000);
	e = ct_insert(t, &o, &r, IPPROTO_TCP, now);
	CU_ASSERT_EQUAL(e->state, CT_TCP_SYN_SENT);
	CU_ASSERT_EQUAL(e->expires_tsc, now + 30 * hz);
	ct_update(t, e, CT_DIR_REPLY, RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG, now);
	CU_ASSERT_EQUAL(e->state, CT_TCP_SYN_RECV);
	ct_update(t, e, CT_DIR_ORIG, RTE_TCP_ACK_FLAG, now);
	CU_ASSERT_EQUAL(e->state, CT_TCP_ESTABLISHED);
	CU_ASSERT_EQUAL(e->expires_tsc, now + 900 * hz);
	ct_update(t, e, CT_DIR_REPLY, RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG, now);
	CU_ASSERT_EQUAL(e->state, CT_TCP_ESTABLISHED);
	ct_update(t, e, CT_DIR_ORIG, RTE_TCP_FIN_FLAG | RTE_TCP_ACK_FLAG, now);
	CU_ASSERT_EQUAL(e->state, CT_TCP_FIN_WAIT);
	CU_ASSERT_EQUAL(e->expires_tsc, now + 120 * hz);
	ct_update(t, e, CT_DIR_REPLY, RTE_TCP_FIN_FLAG | RTE_TCP_ACK_FLAG, now);
	CU_ASSERT_EQUAL(e->state, CT_TCP_CLOSE_WAIT);
	ct_update(t, e, CT_DIR_ORIG, RTE_TCP_ACK_FLAG, now);
	CU_ASSERT_EQUAL(e->state, CT_TCP_TIME_WAIT);
	CU_ASSERT_EQUAL(e->pkts[CT_DIR_ORIG], 3);
	CU_ASSERT_EQUAL(e->pkts[CT_DIR_REPLY], 3);
	/* an RST closes at once, with the short timeout */
	ct_update(t, e, CT_DIR_REPLY, RTE_TCP_RST_FLAG, now);
	CU_ASSERT_EQUAL(e->state, CT_TCP_CLOSE);
	CU_ASSERT_EQUAL(e->expires_tsc, now + 10 * hz);
	/* a SYN without the backend's SYN-ACK stays half open */
	tct_flow(&o, &r, IPPROTO_TCP, 3, 40000, 10002);
	e = ct_insert(t, &o, &r, IPPROTO_TCP, now);
	ct_update(t, e, CT_DIR_ORIG, RTE_TCP_ACK_FLAG, now);
	CU_ASSERT_EQUAL(e->state, CT_TCP_SYN_SENT);
	ct_free(t);
}

static void
test_expiry_lazy_and_aged(void)
{
	struct ct_timeouts to;
	struct ct_table *t;
	struct ct_key o, r;
	struct ct_entry *e;
	enum ct_dir d;
	uint32_t i, freed = 0;
	uint64_t now = 100 * hz;

	ct_timeouts_default(&to);
	to.s[CT_UDP] = 5;
	t = ct_create("age", 1000, SOCKET_ID_ANY, &to);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	tct_flow(&o, &r, IPPROTO_UDP, 2, 5353, 10000);
	e = ct_insert(t, &o, &r, IPPROTO_UDP, now);
	CU_ASSERT_EQUAL(e->state, CT_UDP);
	CU_ASSERT_PTR_NOT_NULL(ct_lookup(t, &o, now + 5 * hz - 1, &d));
	CU_ASSERT_PTR_NULL(ct_lookup(t, &o, now + 5 * hz, &d));         /* lazily freed */
	CU_ASSERT_EQUAL(t->used, 0);
	CU_ASSERT_PTR_NULL(ct_lookup(t, &r, now + 5 * hz, &d));         /* both keys gone */
	/* 300 flows, idle: the hand frees them all within max / slice calls, no more */
	for (i = 0; i < 300; i++) {
		tct_flow(&o, &r, IPPROTO_UDP, 2 + i, 5353, (uint16_t)(10000 + i));
		CU_ASSERT_PTR_NOT_NULL_FATAL(ct_insert(t, &o, &r, IPPROTO_UDP, now));
	}
	CU_ASSERT_EQUAL(ct_age(t, now + 4 * hz), 0);                    /* not yet */
	for (i = 0; i < (1000 + CT_AGE_SLICE - 1) / CT_AGE_SLICE; i++) {
		uint32_t n = ct_age(t, now + 6 * hz);

		CU_ASSERT(n <= CT_AGE_SLICE);
		freed += n;
	}
	CU_ASSERT_EQUAL(freed, 300);
	CU_ASSERT_EQUAL(t->used, 0);
	ct_free(t);
}

static void
test_full_table(void)
{
	struct ct_table *t = ct_create("full", 4, SOCKET_ID_ANY, NULL);
	struct ct_key o, r;
	enum ct_dir d;
	uint32_t i;
	uint64_t now = hz;

	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	for (i = 0; i < 4; i++) {
		tct_flow(&o, &r, IPPROTO_UDP, 2 + i, 5353, (uint16_t)(10000 + i));
		CU_ASSERT_PTR_NOT_NULL(ct_insert(t, &o, &r, IPPROTO_UDP, now));
	}
	tct_flow(&o, &r, IPPROTO_UDP, 99, 5353, 10099);
	CU_ASSERT_PTR_NULL(ct_insert(t, &o, &r, IPPROTO_UDP, now));
	CU_ASSERT_EQUAL(t->full, 1);
	/* the first flows still work */
	tct_flow(&o, &r, IPPROTO_UDP, 2, 5353, 10000);
	CU_ASSERT_PTR_NOT_NULL(ct_lookup(t, &o, now, &d));
	/* once they expire and are aged, the slots are reused */
	ct_age(t, now + 301 * hz);
	CU_ASSERT_EQUAL(t->used, 0);
	tct_flow(&o, &r, IPPROTO_UDP, 99, 5353, 10099);
	CU_ASSERT_PTR_NOT_NULL(ct_insert(t, &o, &r, IPPROTO_UDP, now + 301 * hz));
	CU_ASSERT_EQUAL(t->inserted, 5);
	ct_free(t);
}

static const struct unit_test tests[] = {
	UNIT_TEST(test_both_directions),
	UNIT_TEST(test_tcp_states),
	UNIT_TEST(test_expiry_lazy_and_aged),
	UNIT_TEST(test_full_table),
	{ NULL, NULL },
};

int
main(void)
{
	return unit_run("conntrack", tests, suite_init, suite_cleanup);
}
