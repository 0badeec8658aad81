/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_tcp_isn: SipHash-2-4 against the reference vectors of its paper (key 00..0f,
 * messages 00, 00 01, ...: the empty one and the 15-byte one, whose values the paper
 * prints), ISNs that differ by tuple and advance with the 4 us clock, and SYN cookies:
 * each MSS carried back, a wrong tuple, a wrong peer ISN, a cookie too old or from the
 * future refused, and forged ACKs accepted about as rarely as the layout says.
 */
#include <CUnit/Basic.h>
#include <stdint.h>
#include <string.h>

#include "tcp_isn.h"
#include "cunit_main.h"

static const struct tcp_secret ti_key = { 0x0706050403020100ULL, 0x0f0e0d0c0b0a0908ULL };

static void
test_siphash_reference_vectors(void)
{
	uint8_t m[64];
	unsigned int i;

	for (i = 0; i < sizeof(m); i++)
		m[i] = (uint8_t)i;
	CU_ASSERT_EQUAL(tcp_siphash(&ti_key, m, 0), 0x726fdb47dd0e0e31ULL);
	CU_ASSERT_EQUAL(tcp_siphash(&ti_key, m, 15), 0xa129ca6149be45e5ULL);
	/* lengths across the 8-byte blocks all differ */
	for (i = 1; i < 17; i++)
		CU_ASSERT_NOT_EQUAL(tcp_siphash(&ti_key, m, i), tcp_siphash(&ti_key, m, i - 1));
}

static struct tcp_tuple
ti_tuple(uint8_t last, uint16_t rport)
{
	struct tcp_tuple t;

	memset(&t, 0, sizeof(t));
	t.family = 4;
	t.lport = 7 << 8;                               /* port 7, network order */
	t.rport = rport;
	memcpy(t.laddr, (const uint8_t[]){ 198, 18, 0, 1 }, 4);
	memcpy(t.raddr, (const uint8_t[]){ 198, 18, 0, last }, 4);
	return t;
}

static void
test_isn(void)
{
	struct tcp_tuple a = ti_tuple(2, 40000), b = ti_tuple(2, 40001);
	uint64_t t0 = 1000000000ull;

	CU_ASSERT_NOT_EQUAL(tcp_isn(&ti_key, &a, t0), tcp_isn(&ti_key, &b, t0));
	CU_ASSERT_EQUAL(tcp_isn(&ti_key, &a, t0), tcp_isn(&ti_key, &a, t0));
	/* the clock: 1 s later, 250000 ahead (4 us a tick) */
	CU_ASSERT_EQUAL(tcp_isn(&ti_key, &a, t0 + 1000000000ull) - tcp_isn(&ti_key, &a, t0),
			250000u);
	/* another secret, another number */
	{
		struct tcp_secret k2 = { 1, 2 };

		CU_ASSERT_NOT_EQUAL(tcp_isn(&k2, &a, t0), tcp_isn(&ti_key, &a, t0));
	}
}

static void
test_cookie_round_trip(void)
{
	struct tcp_tuple t = ti_tuple(66, 50000);
	uint64_t now = 5000ull * TCP_COOKIE_PERIOD_NS + 123;
	uint32_t peer_isn = 0xfffffff0u;        /* its SYN's sequence number, near the wrap */
	unsigned int i;

	CU_ASSERT_EQUAL(tcp_cookie_mss_index(1460), 3);
	CU_ASSERT_EQUAL(tcp_cookie_mss_index(1459), 2);
	CU_ASSERT_EQUAL(tcp_cookie_mss_index(1300), 1);
	CU_ASSERT_EQUAL(tcp_cookie_mss_index(9000), 3);
	CU_ASSERT_EQUAL(tcp_cookie_mss_index(100), 0);
	for (i = 0; i < TCP_COOKIE_MSS_N; i++) {
		uint32_t c = tcp_cookie_make(&ti_key, &t, peer_isn, i, now);

		/* the ACK: SEG.SEQ = peer ISN + 1, SEG.ACK = cookie + 1 */
		CU_ASSERT_EQUAL(tcp_cookie_check(&ti_key, &t, peer_isn + 1, c + 1, now),
				tcp_cookie_mss[i]);
		/* still good two periods on, not three */
		CU_ASSERT_EQUAL(tcp_cookie_check(&ti_key, &t, peer_isn + 1, c + 1,
						 now + 2 * TCP_COOKIE_PERIOD_NS), tcp_cookie_mss[i]);
		CU_ASSERT_EQUAL(tcp_cookie_check(&ti_key, &t, peer_isn + 1, c + 1,
						 now + 3 * TCP_COOKIE_PERIOD_NS), 0);
		/* not from the future */
		CU_ASSERT_EQUAL(tcp_cookie_check(&ti_key, &t, peer_isn + 1, c + 1,
						 now - TCP_COOKIE_PERIOD_NS), 0);
	}
}

static void
test_cookie_refusals(void)
{
	struct tcp_tuple t = ti_tuple(66, 50000), other = ti_tuple(67, 50000);
	uint64_t now = 77ull * TCP_COOKIE_PERIOD_NS;
	uint32_t c = tcp_cookie_make(&ti_key, &t, 1000, 3, now), x = 0x12345678u;
	unsigned int i, accepted = 0;
	struct tcp_secret k2 = { 5, 6 };

	CU_ASSERT_EQUAL(tcp_cookie_check(&ti_key, &other, 1001, c + 1, now), 0);   /* tuple */
	/* another peer ISN moves the index (the sequence number is the peer's own: the
	 * check proves it saw our SYN-ACK, as in Linux's layout); far off, nothing */
	CU_ASSERT_EQUAL(tcp_cookie_check(&ti_key, &t, 1002, c + 1, now), tcp_cookie_mss[2]);
	CU_ASSERT_EQUAL(tcp_cookie_check(&ti_key, &t, 2001, c + 1, now), 0);
	CU_ASSERT_EQUAL(tcp_cookie_check(&ti_key, &t, 1001, c + 2, now), 0);       /* cookie */
	CU_ASSERT_EQUAL(tcp_cookie_check(&k2, &t, 1001, c + 1, now), 0);           /* secret */
	/* forged ACKs: 2^20 random acknowledgment numbers; each passes with a chance of
	 * (1 + 2) x 4 / 2^32 (three counts' top bytes, four indexes): 0.003 expected */
	for (i = 0; i < (1u << 20); i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		accepted += tcp_cookie_check(&ti_key, &t, 1001, x, now) != 0;
	}
	CU_ASSERT(accepted <= 1);
}

static const struct unit_test tests[] = {
	UNIT_TEST(test_siphash_reference_vectors),
	UNIT_TEST(test_isn),
	UNIT_TEST(test_cookie_round_trip),
	UNIT_TEST(test_cookie_refusals),
	{ NULL, NULL }
};

int
main(void)
{
	return unit_run("tcp_isn", tests, NULL, NULL);
}
