/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_tcp_seq: sequence arithmetic across the 2^32 wrap, RFC 9293's acceptability table
 * case by case, and RFC 5961's verdicts on RSTs and ACKs — each checked near zero and
 * across the wrap, where a comparison written with plain < would be wrong.
 */
#include <CUnit/Basic.h>
#include <stdint.h>

#include "tcp_seq.h"
#include "cunit_main.h"

static void
test_compare_across_the_wrap(void)
{
	CU_ASSERT(tcp_seq_lt(1, 2));
	CU_ASSERT(tcp_seq_lt(0xfffffff0u, 0x10u));      /* 0x20 ahead, across the wrap */
	CU_ASSERT(tcp_seq_gt(0x10u, 0xfffffff0u));
	CU_ASSERT(!tcp_seq_lt(0x10u, 0xfffffff0u));
	CU_ASSERT(tcp_seq_le(5, 5) && tcp_seq_ge(5, 5) && !tcp_seq_lt(5, 5));
	CU_ASSERT(tcp_seq_lt(0, 0x7fffffffu));          /* just under half the circle ahead */
	CU_ASSERT(tcp_seq_gt(0, 0x80000001u));          /* just over it: behind */
	CU_ASSERT_EQUAL(tcp_seq_max(0xfffffff0u, 0x10u), 0x10u);
	CU_ASSERT_EQUAL(tcp_seq_min(0xfffffff0u, 0x10u), 0xfffffff0u);
	CU_ASSERT(tcp_seq_in(0xfffffffeu, 0xfffffff0u, 0x20));
	CU_ASSERT(tcp_seq_in(0x0fu, 0xfffffff0u, 0x20));
	CU_ASSERT(!tcp_seq_in(0x10u, 0xfffffff0u, 0x20));       /* the window's end: out */
	CU_ASSERT(!tcp_seq_in(0xffffffefu, 0xfffffff0u, 0x20)); /* one before its start */
}

/* RFC 9293 3.10.7.4, its four cases, at RCV.NXT = base (near 0 and across the wrap). */
static void
test_acceptability_table(void)
{
	static const uint32_t bases[] = { 1000, 0xfffffff8u };
	unsigned int i;

	for (i = 0; i < 2; i++) {
		uint32_t n = bases[i];

		/* length 0, window 0: only RCV.NXT itself */
		CU_ASSERT(tcp_seq_acceptable(n, 0, n, 0));
		CU_ASSERT(!tcp_seq_acceptable(n, 0, n + 1, 0));
		CU_ASSERT(!tcp_seq_acceptable(n, 0, n - 1, 0));
		/* length 0, window 16: anywhere in [n, n + 16) */
		CU_ASSERT(tcp_seq_acceptable(n, 16, n, 0));
		CU_ASSERT(tcp_seq_acceptable(n, 16, n + 15, 0));
		CU_ASSERT(!tcp_seq_acceptable(n, 16, n + 16, 0));
		CU_ASSERT(!tcp_seq_acceptable(n, 16, n - 1, 0));
		/* length > 0, window 0: never */
		CU_ASSERT(!tcp_seq_acceptable(n, 0, n, 1));
		/* length > 0, window 16: the first or the last byte inside */
		CU_ASSERT(tcp_seq_acceptable(n, 16, n, 100));           /* starts inside */
		CU_ASSERT(tcp_seq_acceptable(n, 16, n - 10, 11));       /* ends at n: inside */
		CU_ASSERT(!tcp_seq_acceptable(n, 16, n - 10, 10));      /* ends at n - 1: old */
		CU_ASSERT(tcp_seq_acceptable(n, 16, n + 15, 5));        /* starts at the edge */
		CU_ASSERT(!tcp_seq_acceptable(n, 16, n + 16, 5));       /* wholly beyond */
	}
}

/* RFC 5961 section 3.2: the exact number resets, the rest of the window challenges. */
static void
test_rst_verdicts(void)
{
	uint32_t n = 0xfffffffcu;

	CU_ASSERT_EQUAL(tcp_seq_rst(n, 64, n), TCP_SEQ_ACCEPT);
	CU_ASSERT_EQUAL(tcp_seq_rst(n, 64, n + 1), TCP_SEQ_CHALLENGE);
	CU_ASSERT_EQUAL(tcp_seq_rst(n, 64, n + 63), TCP_SEQ_CHALLENGE);         /* across 0 */
	CU_ASSERT_EQUAL(tcp_seq_rst(n, 64, n + 64), TCP_SEQ_DROP);
	CU_ASSERT_EQUAL(tcp_seq_rst(n, 64, n - 1), TCP_SEQ_DROP);
	CU_ASSERT_EQUAL(tcp_seq_rst(n, 0, n), TCP_SEQ_ACCEPT);                  /* closed window */
	CU_ASSERT_EQUAL(tcp_seq_rst(n, 0, n + 1), TCP_SEQ_DROP);
}

/* RFC 5961 section 5.2: from SND.UNA - MAX.SND.WND to SND.NXT. */
static void
test_ack_verdicts(void)
{
	uint32_t una = 0x10, nxt = 0x210, maxw = 0x100;         /* SND.UNA - maxw wraps */

	CU_ASSERT_EQUAL(tcp_seq_ack(una, nxt, maxw, una), TCP_SEQ_ACCEPT);      /* duplicate */
	CU_ASSERT_EQUAL(tcp_seq_ack(una, nxt, maxw, nxt), TCP_SEQ_ACCEPT);      /* all of it */
	CU_ASSERT_EQUAL(tcp_seq_ack(una, nxt, maxw, nxt + 1), TCP_SEQ_CHALLENGE);   /* unsent */
	CU_ASSERT_EQUAL(tcp_seq_ack(una, nxt, maxw, una - maxw), TCP_SEQ_ACCEPT);   /* oldest */
	CU_ASSERT_EQUAL(tcp_seq_ack(una, nxt, maxw, una - maxw - 1), TCP_SEQ_CHALLENGE);
	CU_ASSERT_EQUAL(tcp_seq_ack(una, nxt, maxw, 0xfffffff8u), TCP_SEQ_ACCEPT);  /* wrapped */
}

static const struct unit_test tests[] = {
	UNIT_TEST(test_compare_across_the_wrap),
	UNIT_TEST(test_acceptability_table),
	UNIT_TEST(test_rst_verdicts),
	UNIT_TEST(test_ack_verdicts),
	{ NULL, NULL }
};

int
main(void)
{
	return unit_run("tcp_seq", tests, NULL, NULL);
}
