/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_tcp_opt: the options a Linux client's SYN carries (as `tcpdump -x` shows them:
 * MSS 1460, SACK-permitted, timestamps, NOP, window scale 7) read right; the SYN-ACK's
 * options (MSS, and window scaling only when offered; never SACK or timestamps);
 * malformed lists refused, whatever their shape; odd but legal lists read.
 */
#include <CUnit/Basic.h>
#include <stdint.h>
#include <string.h>

#include "tcp_opt.h"
#include "cunit_main.h"

/* Linux 6.x's SYN: mss 1460, sackOK, TS val 0x11223344 ecr 0, nop, wscale 7 */
static const uint8_t linux_syn[20] = {
	2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0x11, 0x22, 0x33, 0x44, 0, 0, 0, 0, 1, 3, 3, 7,
};

static void
test_linux_syn(void)
{
	struct tcp_opts o;

	CU_ASSERT_EQUAL_FATAL(tcp_opt_parse(linux_syn, sizeof(linux_syn), 1, &o), TCP_OPT_OK);
	CU_ASSERT_EQUAL(o.have, TCP_OPTS_MSS | TCP_OPTS_SACK_PERM | TCP_OPTS_TIMESTAMP |
			TCP_OPTS_WSCALE);
	CU_ASSERT_EQUAL(o.mss, 1460);
	CU_ASSERT_EQUAL(o.wscale, 7);
	CU_ASSERT_EQUAL(o.ts_val, 0x11223344u);
	CU_ASSERT_EQUAL(o.ts_ecr, 0);
	/* the same options on a segment that is not a SYN: MSS and scale do not count */
	CU_ASSERT_EQUAL_FATAL(tcp_opt_parse(linux_syn, sizeof(linux_syn), 0, &o), TCP_OPT_OK);
	CU_ASSERT_EQUAL(o.have, TCP_OPTS_TIMESTAMP);
	CU_ASSERT_EQUAL(o.mss, 0);
}

static void
test_synack_options(void)
{
	struct tcp_opts peer;
	uint8_t out[TCP_OPT_SYNACK_MAX], with_ws[8] = { 2, 4, 0x05, 0x8c, 1, 3, 3, 9 };

	tcp_opt_parse(linux_syn, sizeof(linux_syn), 1, &peer);
	CU_ASSERT_EQUAL(tcp_opt_write_synack(out, 1420, &peer, 9), 8);
	CU_ASSERT_EQUAL(memcmp(out, with_ws, 8), 0);
	/* a peer without window scaling gets none back, nor anything else */
	tcp_opt_parse(linux_syn, 16, 1, &peer);          /* mss, sackOK, TS only */
	CU_ASSERT_EQUAL(peer.have & TCP_OPTS_WSCALE, 0);
	CU_ASSERT_EQUAL(tcp_opt_write_synack(out, 1420, &peer, 9), 4);
	CU_ASSERT_EQUAL(memcmp(out, with_ws, 4), 0);
	/* our scale is capped at 14 too */
	tcp_opt_parse(linux_syn, sizeof(linux_syn), 1, &peer);
	tcp_opt_write_synack(out, 1420, &peer, 20);
	CU_ASSERT_EQUAL(out[7], 14);
}

static void
test_odd_but_legal(void)
{
	static const uint8_t eol_then_junk[] = { 1, 1, 0, 0xff, 0xff };     /* EOL ends it */
	static const uint8_t unknown_kind[] = { 30, 4, 0xab, 0xcd, 2, 4, 0x02, 0x18 };
	static const uint8_t big_scale[] = { 3, 3, 200, 0 };
	static const uint8_t sack_blocks[] = { 1, 1, 5, 10, 0, 0, 0, 1, 0, 0, 0, 9 };
	struct tcp_opts o;

	CU_ASSERT_EQUAL(tcp_opt_parse(eol_then_junk, sizeof(eol_then_junk), 1, &o), TCP_OPT_OK);
	CU_ASSERT_EQUAL(o.have, 0);
	CU_ASSERT_EQUAL(tcp_opt_parse(unknown_kind, sizeof(unknown_kind), 1, &o), TCP_OPT_OK);
	CU_ASSERT_EQUAL(o.mss, 536);
	CU_ASSERT_EQUAL(tcp_opt_parse(big_scale, sizeof(big_scale), 1, &o), TCP_OPT_OK);
	CU_ASSERT_EQUAL(o.wscale, TCP_OPT_WSCALE_MAX);                  /* RFC 7323 2.3 */
	CU_ASSERT_EQUAL(tcp_opt_parse(sack_blocks, sizeof(sack_blocks), 0, &o), TCP_OPT_OK);
	CU_ASSERT_EQUAL(tcp_opt_parse(NULL, 0, 1, &o), TCP_OPT_OK);      /* no options */
}

static void
test_malformed(void)
{
	static const struct {
		uint8_t b[8];
		unsigned int len;
		enum tcp_opt_err want;
	} bad[] = {
		{ { 2 }, 1, TCP_OPT_BAD_LENGTH },                       /* a kind, no length */
		{ { 30, 0 }, 2, TCP_OPT_BAD_LENGTH },                   /* length 0: a loop */
		{ { 30, 1, 0 }, 3, TCP_OPT_BAD_LENGTH },                /* length 1 */
		{ { 2, 4, 5 }, 3, TCP_OPT_BAD_LENGTH },                 /* past the end */
		{ { 1, 30, 9, 0, 0 }, 5, TCP_OPT_BAD_LENGTH },          /* past, after a NOP */
		{ { 2, 3, 5, 0 }, 4, TCP_OPT_BAD_MSS },
		{ { 2, 6, 5, 0xb4, 0, 0 }, 6, TCP_OPT_BAD_MSS },
		{ { 3, 4, 7, 0 }, 4, TCP_OPT_BAD_WSCALE },
		{ { 8, 6, 0, 0, 0, 0 }, 6, TCP_OPT_BAD_TIMESTAMP },
	};
	unsigned int i;
	struct tcp_opts o;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		enum tcp_opt_err e = tcp_opt_parse(bad[i].b, bad[i].len, 1, &o);

		CU_ASSERT_EQUAL(e, bad[i].want);
		if (e != bad[i].want)
			printf("\n  case %u: %s, want %s", i, tcp_opt_err_name(e),
			       tcp_opt_err_name(bad[i].want));
	}
	CU_ASSERT_STRING_EQUAL(tcp_opt_err_name(TCP_OPT_BAD_MSS), "bad_mss_option");
}

/* Every list of up to 4 bytes from a small alphabet: parse returns a verdict and never
 * reads past len (ASan in the fuzz build would see it; here, len bounds the loop). */
static void
test_every_short_list(void)
{
	static const uint8_t alphabet[] = { 0, 1, 2, 3, 4, 8, 30, 255 };
	uint8_t b[4];
	struct tcp_opts o;
	unsigned int n, len, ok = 0, refused = 0;

	for (len = 0; len <= 4; len++) {
		unsigned int total = 1, k;

		for (k = 0; k < len; k++)
			total *= 8;
		for (n = 0; n < total; n++) {
			unsigned int v = n;

			for (k = 0; k < len; k++, v /= 8)
				b[k] = alphabet[v % 8];
			if (tcp_opt_parse(b, len, 1, &o) == TCP_OPT_OK)
				ok++;
			else
				refused++;
		}
	}
	CU_ASSERT(ok > 0 && refused > 0);
	CU_ASSERT_EQUAL(ok + refused, 1 + 8 + 64 + 512 + 4096);
}

static const struct unit_test tests[] = {
	UNIT_TEST(test_linux_syn),
	UNIT_TEST(test_synack_options),
	UNIT_TEST(test_odd_but_legal),
	UNIT_TEST(test_malformed),
	UNIT_TEST(test_every_short_list),
	{ NULL, NULL }
};

int
main(void)
{
	return unit_run("tcp_opt", tests, NULL, NULL);
}
