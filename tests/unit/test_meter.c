/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_meter: the three-colour markers (dataplane/meter.h) against their RFCs. Each
 * worked example below was computed by hand from the RFC's own definitions (bucket
 * contents in the comments), not by running the code: srTCM (RFC 2697) and trTCM (RFC
 * 2698) colour-blind and colour-aware, RFC 4115's trTCM, the L1 overhead moving a packet
 * across a bucket boundary, counters adding up, the DSCP to colour mapping of RFC 2597,
 * DSCP remarking against a full checksum recomputation, and bad profiles refused with a
 * message.
 *
 * Time: every state starts at TM_T0 and a step says how many milliseconds after it the
 * packet arrives. rte_meter refills a bucket of rate R by one byte every hz / R cycles
 * (rounded down); tm_at rounds the time up, so at R = 500, 1000 or 2000 B/s a bucket has
 * earned exactly ms x R / 1000 bytes at tm_at(ms) (the roundings are worth less than one
 * byte while hz / R is far above the byte counts: hz above 4e8, checked in suite_init,
 * covers the largest count here, 100000 periods of hz / 1000). TM_T0 is far
 * below the machine's TSC: it also shows meter_state_init puts the state on the caller's
 * clock, not on rte_meter's reading of the TSC.
 *
 * Context: test process with EAL (--no-huge, no PCI) for rte_get_tsc_hz, which rte_meter
 * turns rates into periods with: run as root.
 */
#include <CUnit/Basic.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_eal.h>

#include "meter.h"
#include "cunit_main.h"

#define G RTE_COLOR_GREEN
#define Y RTE_COLOR_YELLOW
#define R RTE_COLOR_RED

#define TM_T0 UINT64_C(1000)

static uint64_t tm_hz;
static uint64_t tm_rand_state = 0x9e3779b97f4a7c15ULL;

/* xorshift64: a fixed sequence, so a failure replays. */
static uint64_t
tm_rand(void)
{
	tm_rand_state ^= tm_rand_state << 13;
	tm_rand_state ^= tm_rand_state >> 7;
	tm_rand_state ^= tm_rand_state << 17;
	return tm_rand_state;
}

static uint64_t
tm_at(uint64_t ms)
{
	return TM_T0 + (ms * tm_hz + 999) / 1000;
}

static void
tm_build(struct meter_profile *p, const struct meter_params *mp)
{
	char err[256] = "";
	int rc = meter_profile_build(p, mp, err, sizeof(err));

	if (rc)
		printf("\n  %s", err);
	CU_ASSERT_FATAL(rc == 0);
}

/* One packet: its arrival (ms after TM_T0), IP length, input colour, expected colour. */
struct tm_step {
	uint64_t ms;
	uint32_t len;
	enum rte_color in;
	enum rte_color want;
};

/* Runs steps on a fresh state of p; returns the counters. */
static struct meter_counters
tm_run(const struct meter_profile *p, const struct tm_step *st, unsigned int n)
{
	struct meter_counters c;
	struct meter_state s;
	enum meter_action a;
	enum rte_color out;
	unsigned int i;

	memset(&c, 0, sizeof(c));
	CU_ASSERT_FATAL(meter_state_init(&s, p, TM_T0) == 0);
	for (i = 0; i < n; i++) {
		out = meter_run(p, &s, st[i].len, tm_at(st[i].ms), st[i].in, &c, &a);
		if (out != st[i].want)
			printf("\n  step %u: %u bytes at %" PRIu64 " ms: colour %d, want %d", i + 1,
			       st[i].len, st[i].ms, out, st[i].want);
		CU_ASSERT(out == st[i].want);
	}
	return c;
}

/*
 * RFC 2697, colour-blind. CIR 1000 B/s, CBS 2000, EBS 3000; Tc(0) = CBS, Te(0) = EBS.
 * Every 1/CIR s one byte of tokens goes to Tc while Tc < CBS, else to Te while Te < EBS.
 * A packet of B bytes is green if Tc >= B (Tc -= B), else yellow if Te >= B (Te -= B),
 * else red (nothing taken). The input colour (red here) is ignored.
 */
static void
test_srtcm_blind(void)
{
	static const struct tm_step st[] = {
		{ 0, 1500, R, G },      /* Tc 2000 >= 1500: Tc 500, Te 3000 */
		{ 0, 1000, R, Y },      /* Tc 500 < 1000, Te 3000 >= 1000: Te 2000 */
		{ 0, 1500, R, Y },      /* Tc 500 < 1500, Te 2000 >= 1500: Te 500 */
		{ 0, 1000, R, R },      /* Tc 500, Te 500: both short; red takes nothing */
		{ 0, 500, R, G },       /* Tc 500 >= 500: a smaller packet still fits: Tc 0 */
		/* 1 s: 1000 tokens, all to Tc (below CBS): Tc 1000, Te 500 */
		{ 1000, 1200, R, R },   /* Tc 1000 < 1200, Te 500 < 1200 */
		{ 1000, 1000, R, G },   /* Tc 0 */
		/* 4 s: 3000 more; 2000 fill Tc to CBS, the other 1000 overflow to Te: 1500 */
		{ 4000, 1500, R, G },   /* Tc 500 */
		{ 4000, 1500, R, Y },   /* Tc 500 < 1500, Te 1500 >= 1500: Te 0 */
		/* 100 s: 96000 tokens: Tc 2000 (CBS), Te 3000 (EBS); the rest lost */
		{ 100000, 2000, R, G }, /* Tc 0 */
		{ 100000, 3000, R, Y }, /* Te 0 */
		{ 100000, 1, R, R },
	};
	struct meter_params mp = {
		.algo = METER_ALGO_SRTCM, .cir_Bps = 1000, .cbs_bytes = 2000, .ebs_bytes = 3000,
	};
	struct meter_profile p;

	tm_build(&p, &mp);
	tm_run(&p, st, RTE_DIM(st));
}

/*
 * RFC 2697 section 3, colour-aware: a green packet as colour-blind; a yellow one is
 * yellow if Te >= B (Te -= B), else red — it never takes Tc, so never turns green; a red
 * one stays red and takes nothing. Same profile: Tc 2000, Te 3000 at 0.
 */
static void
test_srtcm_aware(void)
{
	static const struct tm_step st[] = {
		{ 0, 100, Y, Y },       /* Tc full, but yellow-in uses Te only: Te 2900 */
		{ 0, 100, R, R },       /* red-in: red, Tc 2000 and Te 2900 untouched */
		{ 0, 2000, G, G },      /* Tc 2000 >= 2000: Tc 0 (so red took nothing) */
		{ 0, 100, G, Y },       /* Tc 0 < 100, Te 2900 >= 100: Te 2800 */
		{ 0, 2900, Y, R },      /* Te 2800 < 2900 */
		{ 0, 2800, Y, Y },      /* Te 0 */
		/* 0.5 s: 500 tokens, to Tc: Tc 500, Te 0 */
		{ 500, 400, Y, R },     /* Te 0: red, though Tc holds 500 */
		{ 500, 400, G, G },     /* Tc 100 */
	};
	struct meter_params mp = {
		.algo = METER_ALGO_SRTCM, .cir_Bps = 1000, .cbs_bytes = 2000, .ebs_bytes = 3000,
		.colour_aware = 1,
	};
	struct meter_profile p;

	tm_build(&p, &mp);
	tm_run(&p, st, RTE_DIM(st));
}

/*
 * RFC 2698, colour-blind. CIR 1000 B/s, PIR 2000 B/s, CBS 2000, PBS 4000; Tc(0) = CBS,
 * Tp(0) = PBS, each refilled at its own rate up to its own size. A packet of B bytes is
 * red if Tp < B; else yellow if Tc < B (Tp -= B); else green (Tp -= B, Tc -= B).
 */
static void
test_trtcm_blind(void)
{
	static const struct tm_step st[] = {
		{ 0, 1500, R, G },      /* Tp 4000, Tc 2000 both hold it: Tp 2500, Tc 500 */
		{ 0, 1000, R, Y },      /* Tp 2500 >= 1000, Tc 500 < 1000: Tp 1500 */
		{ 0, 1600, R, R },      /* Tp 1500 < 1600 */
		{ 0, 500, R, G },       /* Tp 1000, Tc 0 */
		/* 1 s: Tc 0 + 1000, Tp 1000 + 2000 */
		{ 1000, 1000, R, G },   /* Tp 2000, Tc 0 */
		{ 1000, 2000, R, Y },   /* Tc 0 < 2000, Tp 2000 >= 2000: Tp 0 */
		{ 1000, 1, R, R },      /* Tp 0 */
		/* 10 s: Tc min(2000, 9000), Tp min(4000, 18000) */
		{ 10000, 2000, R, G },  /* Tp 2000, Tc 0 */
		{ 10000, 2000, R, Y },  /* Tp 0 */
		{ 10000, 100, R, R },
	};
	struct meter_params mp = {
		.algo = METER_ALGO_TRTCM, .cir_Bps = 1000, .pir_Bps = 2000,
		.cbs_bytes = 2000, .pbs_bytes = 4000,
	};
	struct meter_profile p;

	tm_build(&p, &mp);
	tm_run(&p, st, RTE_DIM(st));
}

/*
 * RFC 2698, colour-aware: red-in, or Tp < B, is red; else yellow-in, or Tc < B, is
 * yellow (Tp -= B); else green (both). Same profile: Tp 4000, Tc 2000 at 0.
 */
static void
test_trtcm_aware(void)
{
	static const struct tm_step st[] = {
		{ 0, 1000, Y, Y },      /* Tc would hold it; yellow-in takes Tp only: Tp 3000 */
		{ 0, 10, R, R },        /* red-in takes nothing */
		{ 0, 2000, G, G },      /* Tp 1000, Tc 0 */
		{ 0, 1500, Y, R },      /* Tp 1000 < 1500 */
		{ 0, 1000, G, Y },      /* Tp 1000 >= 1000, Tc 0 < 1000: Tp 0 */
		/* 1 s: Tc 1000, Tp 2000 */
		{ 1000, 1000, Y, Y },   /* Tp 1000; Tc still 1000 */
		{ 1000, 1000, G, G },   /* Tp 0, Tc 0 */
	};
	struct meter_params mp = {
		.algo = METER_ALGO_TRTCM, .cir_Bps = 1000, .pir_Bps = 2000,
		.cbs_bytes = 2000, .pbs_bytes = 4000, .colour_aware = 1,
	};
	struct meter_profile p;

	tm_build(&p, &mp);
	tm_run(&p, st, RTE_DIM(st));
}

/*
 * RFC 4115, colour-blind. CIR 1000 B/s, EIR 500 B/s, CBS 2000, EBS 1500; Tc(0) = CBS,
 * Te(0) = EBS, each refilled at its own rate up to its size — unlike RFC 2697, Te fills
 * at EIR whatever Tc holds, and what overflows Tc is lost. A packet is green if Tc >= B
 * (Tc -= B), else yellow if Te >= B (Te -= B), else red.
 */
static void
test_rfc4115_blind(void)
{
	static const struct tm_step st[] = {
		{ 0, 1500, R, G },      /* Tc 500 */
		{ 0, 1000, R, Y },      /* Tc 500 < 1000, Te 1500: Te 500 */
		{ 0, 600, R, R },       /* Tc 500 < 600, Te 500 < 600 */
		{ 0, 500, R, G },       /* Tc 0 */
		{ 0, 500, R, Y },       /* Te 0 */
		/* 2 s: Tc 0 + 2000, Te 0 + 1000: Te refilled while Tc was not full */
		{ 2000, 1500, R, G },   /* Tc 500 */
		{ 2000, 1000, R, Y },   /* Tc 500 < 1000: Te 0 */
		/* 10 s: Tc min(2000, 500 + 8000), Te min(1500, 0 + 4000): no overflow to Te */
		{ 10000, 2000, R, G },
		{ 10000, 1500, R, Y },
		{ 10000, 1, R, R },
	};
	struct meter_params mp = {
		.algo = METER_ALGO_TRTCM_RFC4115, .cir_Bps = 1000, .eir_Bps = 500,
		.cbs_bytes = 2000, .ebs_bytes = 1500,
		.max_pkt_bytes = 1500,  /* so an EBS of 1500 is accepted */
	};
	struct meter_profile p;

	tm_build(&p, &mp);
	tm_run(&p, st, RTE_DIM(st));
}

/*
 * RFC 4115, colour-aware: green-in and Tc >= B is green; green- or yellow-in and
 * Te >= B is yellow; anything else red. Same profile: Tc 2000, Te 1500 at 0.
 */
static void
test_rfc4115_aware(void)
{
	static const struct tm_step st[] = {
		{ 0, 1000, Y, Y },      /* Tc full, but yellow-in takes Te: Te 500 */
		{ 0, 100, R, R },       /* takes nothing */
		{ 0, 600, Y, R },       /* Te 500 < 600, and Tc is not for yellow */
		{ 0, 2000, G, G },      /* Tc 0 */
		{ 0, 500, G, Y },       /* Tc 0: Te 0 */
		/* 2 s: Tc 2000, Te 1000 */
		{ 2000, 1000, G, G },   /* Tc 1000 */
		{ 2000, 1000, Y, Y },   /* Te 0 */
	};
	struct meter_params mp = {
		.algo = METER_ALGO_TRTCM_RFC4115, .cir_Bps = 1000, .eir_Bps = 500,
		.cbs_bytes = 2000, .ebs_bytes = 1500, .colour_aware = 1,
		.max_pkt_bytes = 1500,
	};
	struct meter_profile p;

	tm_build(&p, &mp);
	tm_run(&p, st, RTE_DIM(st));
}

/* Colour-aware on random traffic, every algorithm: the output is never better than the
 * input (a yellow packet never comes out green, a red one stays red). */
static void
test_aware_never_promotes(void)
{
	static const struct meter_params mps[] = {
		{ .algo = METER_ALGO_SRTCM, .cir_Bps = 1000, .cbs_bytes = 2000,
		  .ebs_bytes = 3000, .colour_aware = 1 },
		{ .algo = METER_ALGO_TRTCM, .cir_Bps = 1000, .pir_Bps = 2000,
		  .cbs_bytes = 2000, .pbs_bytes = 4000, .colour_aware = 1 },
		{ .algo = METER_ALGO_TRTCM_RFC4115, .cir_Bps = 1000, .eir_Bps = 500,
		  .cbs_bytes = 2000, .ebs_bytes = 1500, .colour_aware = 1,
		  .max_pkt_bytes = 1500 },
	};
	unsigned int i, k, worse = 0, seen[RTE_COLORS][RTE_COLORS];

	for (i = 0; i < RTE_DIM(mps); i++) {
		struct meter_counters c = { 0 };
		struct meter_profile p;
		struct meter_state s;
		enum meter_action a;
		uint64_t ms = 0;

		memset(seen, 0, sizeof(seen));
		tm_build(&p, &mps[i]);
		CU_ASSERT_FATAL(meter_state_init(&s, &p, TM_T0) == 0);
		for (k = 0; k < 5000; k++) {
			enum rte_color in = (enum rte_color)(tm_rand() % RTE_COLORS), out;

			ms += tm_rand() % 400;  /* about 3750 B/s offered: over every rate */
			out = meter_run(&p, &s, 64 + tm_rand() % 1437, tm_at(ms), in, &c, &a);
			worse += out < in;
			seen[in][out]++;
		}
		CU_ASSERT(worse == 0);
		CU_ASSERT(seen[R][G] == 0 && seen[R][Y] == 0 && seen[Y][G] == 0);
		/* and the trace reached the interesting cases */
		if (!(seen[G][G] && seen[G][Y] && seen[Y][Y] && seen[Y][R]))
			printf("\n  %s: GG %u GY %u YY %u YR %u", meter_algo_name(p.algo),
			       seen[G][G], seen[G][Y], seen[Y][Y], seen[Y][R]);
		CU_ASSERT(seen[G][G] && seen[G][Y] && seen[Y][Y] && seen[Y][R]);
	}
}

/*
 * The L1 overhead: srTCM, CIR 1000, CBS 1600, EBS 1600 (at least 1514 + 24). A 1500-byte
 * packet costs 1524 with the overhead and leaves Tc 76: a 52-byte packet (76) is still
 * green, a 53-byte one (77) is not. Without it the 1500 leaves 100, and 76 bytes are
 * green where with the overhead (100 > 76) they are yellow.
 */
static void
test_l1_overhead_boundary(void)
{
	static const struct tm_step with52[] = { { 0, 1500, G, G }, { 0, 52, G, G } };
	static const struct tm_step with53[] = { { 0, 1500, G, G }, { 0, 53, G, Y } };
	static const struct tm_step with76[] = { { 0, 1500, G, G }, { 0, 76, G, Y } };
	static const struct tm_step without76[] = { { 0, 1500, G, G }, { 0, 76, G, G } };
	struct meter_params mp = {
		.algo = METER_ALGO_SRTCM, .cir_Bps = 1000, .cbs_bytes = 1600, .ebs_bytes = 1600,
		.l1_overhead = 1,
	};
	struct meter_profile p, p_no;
	struct meter_counters c;

	tm_build(&p, &mp);
	mp.l1_overhead = 0;
	tm_build(&p_no, &mp);
	c = tm_run(&p, with52, 2);
	CU_ASSERT(c.pkts[G] == 2 && c.bytes[G] == 1524 + 76);   /* counted as metered */
	c = tm_run(&p, with53, 2);
	CU_ASSERT(c.bytes[G] == 1524 && c.bytes[Y] == 77);
	tm_run(&p, with76, 2);
	c = tm_run(&p_no, without76, 2);
	CU_ASSERT(c.bytes[G] == 1576);
}

/*
 * Counters on a random trTCM trace: packets and bytes by colour add up to what was sent
 * and to the colours returned, and RFC 2698's bounds hold at the end (t ms): green bytes
 * at most CBS + CIR t, green and yellow at most PBS + PIR t.
 */
static void
test_counters_add_up(void)
{
	struct meter_params mp = {
		.algo = METER_ALGO_TRTCM, .cir_Bps = 1000, .pir_Bps = 2000,
		.cbs_bytes = 2000, .pbs_bytes = 4000,
	};
	uint64_t ms = 0, pkts = 0, bytes = 0, mine[RTE_COLORS] = { 0 };
	struct meter_counters c = { 0 };
	struct meter_profile p;
	struct meter_state s;
	enum meter_action a;
	unsigned int k;

	tm_build(&p, &mp);
	CU_ASSERT_FATAL(meter_state_init(&s, &p, TM_T0) == 0);
	for (k = 0; k < 20000; k++) {
		uint32_t len = 64 + tm_rand() % 1437;

		ms += tm_rand() % 4;
		mine[meter_run(&p, &s, len, tm_at(ms), G, &c, &a)]++;
		pkts++;
		bytes += len;
	}
	CU_ASSERT(c.pkts[G] + c.pkts[Y] + c.pkts[R] == pkts);
	CU_ASSERT(c.bytes[G] + c.bytes[Y] + c.bytes[R] == bytes);
	CU_ASSERT(c.pkts[G] == mine[G] && c.pkts[Y] == mine[Y] && c.pkts[R] == mine[R]);
	CU_ASSERT(c.bytes[G] <= 2000 + 1000 * ms / 1000);
	CU_ASSERT(c.bytes[G] + c.bytes[Y] <= 4000 + 2000 * ms / 1000);
	/* offered about 750 B per 1.5 ms, 500 kB/s, far over PIR: all three colours occur */
	CU_ASSERT(c.pkts[G] && c.pkts[Y] && c.pkts[R]);
}

/* The action and remark DSCP of the colour a packet gets. */
static void
test_actions(void)
{
	struct meter_params mp = {
		.algo = METER_ALGO_SRTCM, .cir_Bps = 1000, .cbs_bytes = 1514, .ebs_bytes = 1514,
		.action = { METER_TRANSMIT, METER_REMARK, METER_DROP },
		.remark_dscp = { 0, 12, 0 },    /* yellow to AF12 */
	};
	struct meter_counters c = { 0 };
	struct meter_profile p;
	struct meter_state s;
	enum meter_action a;

	tm_build(&p, &mp);
	CU_ASSERT_FATAL(meter_state_init(&s, &p, TM_T0) == 0);
	CU_ASSERT(meter_run(&p, &s, 1000, TM_T0, G, &c, &a) == G && a == METER_TRANSMIT);
	CU_ASSERT(meter_run(&p, &s, 1000, TM_T0, G, &c, &a) == Y && a == METER_REMARK);
	CU_ASSERT(p.remark_dscp[Y] == 12);
	CU_ASSERT(meter_run(&p, &s, 1000, TM_T0, G, &c, &a) == R && a == METER_DROP);
	CU_ASSERT(meter_algo_parse("trtcm-rfc4115") == METER_ALGO_TRTCM_RFC4115);
	CU_ASSERT(meter_algo_parse("none") == -1);
	CU_ASSERT(meter_action_parse("remark") == METER_REMARK);
	CU_ASSERT(strcmp(meter_action_name(METER_DROP), "drop") == 0);
}

/* RFC 2597's drop precedence: AFx1 green, AFx2 yellow, AFx3 red, the rest green. */
static void
test_dscp_colour(void)
{
	static const uint8_t yellow[] = { 12, 20, 28, 36 };     /* AF12 AF22 AF32 AF42 */
	static const uint8_t red[] = { 14, 22, 30, 38 };        /* AF13 AF23 AF33 AF43 */
	unsigned int d, ny = 0, nr = 0, i;

	for (i = 0; i < 4; i++) {
		CU_ASSERT(meter_dscp_colour(yellow[i]) == Y);
		CU_ASSERT(meter_dscp_colour(red[i]) == R);
		CU_ASSERT(meter_dscp_colour((uint8_t)(yellow[i] - 2)) == G);    /* AFx1 */
	}
	for (d = 0; d <= METER_DSCP_MAX; d++) {
		ny += meter_dscp_colour((uint8_t)d) == Y;
		nr += meter_dscp_colour((uint8_t)d) == R;
	}
	CU_ASSERT(ny == 4 && nr == 4);  /* EF 46, CS 8n, 4/6 (class 0), 44 (class 5): green */
	CU_ASSERT(meter_dscp_colour(46) == G && meter_dscp_colour(6) == G);
	CU_ASSERT(meter_dscp_colour(44) == G && meter_dscp_colour(0) == G);
}

/* The IPv4 header checksum summed from scratch over ihl words. */
static uint16_t
tm_ipv4_csum(const struct rte_ipv4_hdr *ip)
{
	const uint8_t *b = (const uint8_t *)ip;
	unsigned int i, n = (b[0] & 0x0f) * 4;
	uint32_t sum = 0;
	uint16_t w;

	for (i = 0; i < n; i += 2) {
		if (i == 10)
			continue;       /* the checksum field itself */
		memcpy(&w, b + i, 2);
		sum += w;
	}
	return (uint16_t)~csum_fold32(sum);
}

/* Remarking random IPv4 headers (options included): the DSCP changes, ECN stays, and the
 * incrementally updated checksum equals a full recomputation. */
static void
test_dscp_remark_ipv4(void)
{
	union {
		struct rte_ipv4_hdr ip;
		uint8_t b[60];
	} h;
	unsigned int k, i, bad = 0;

	for (k = 0; k < 100000; k++) {
		uint8_t dscp = (uint8_t)(tm_rand() % 64), ecn;

		for (i = 0; i < sizeof(h.b); i++)
			h.b[i] = (uint8_t)tm_rand();
		h.b[0] = (uint8_t)(0x40 | (5 + tm_rand() % 11));
		h.ip.hdr_checksum = tm_ipv4_csum(&h.ip);
		ecn = h.ip.type_of_service & 3;
		CU_ASSERT_FATAL(meter_dscp_set(&h.ip, dscp) == 0);
		bad += h.ip.hdr_checksum != tm_ipv4_csum(&h.ip);
		bad += meter_dscp_get(&h.ip) != dscp || (h.ip.type_of_service & 3) != ecn;
		bad += (h.b[0] >> 4) != 4;
	}
	CU_ASSERT(bad == 0);
}

/* IPv6: the traffic class's DSCP changes; version, ECN and flow label stay. */
static void
test_dscp_remark_ipv6(void)
{
	struct rte_ipv6_hdr ip;
	unsigned int k, bad = 0;
	uint8_t v[40] = { 0x57 };         /* version 5: neither */

	memset(&ip, 0, sizeof(ip));
	for (k = 0; k < 10000; k++) {
		uint32_t before = (6u << 28) | (uint32_t)(tm_rand() & 0x0fffffff), after;
		uint8_t dscp = (uint8_t)(tm_rand() % 64);

		ip.vtc_flow = rte_cpu_to_be_32(before);
		CU_ASSERT_FATAL(meter_dscp_set(&ip, dscp) == 0);
		after = rte_be_to_cpu_32(ip.vtc_flow);
		bad += (after & 0xf03fffff) != (before & 0xf03fffff);   /* all but the DSCP */
		bad += ((after >> 22) & 0x3f) != dscp || meter_dscp_get(&ip) != dscp;
	}
	CU_ASSERT(bad == 0);
	CU_ASSERT(meter_dscp_set(v, 1) == -1 && v[0] == 0x57 && v[1] == 0);
}

/* Bad profiles: refused, with one line naming the parameter and why. */
static void
test_bad_params(void)
{
	static const struct {
		struct meter_params mp;
		const char *msg;
	} bad[] = {
		{ { .algo = METER_ALGO_SRTCM, .cbs_bytes = 2000, .ebs_bytes = 2000 },
		  "cir: 0 B/s: a rate must be positive" },
		{ { .algo = METER_ALGO_SRTCM, .cir_Bps = 1000, .cbs_bytes = 1000 },
		  "cbs: 1000 bytes: smaller than one 1514-byte packet" },
		{ { .algo = METER_ALGO_SRTCM, .cir_Bps = 1000, .cbs_bytes = 1514,
		    .l1_overhead = 1 },
		  "cbs: 1514 bytes: smaller than one 1538-byte packet with its L1 overhead" },
		{ { .algo = METER_ALGO_SRTCM, .cir_Bps = 1000 },
		  "cbs, ebs: both 0: RFC 2697 needs one of them positive" },
		{ { .algo = METER_ALGO_SRTCM, .cir_Bps = 1000, .pir_Bps = 5, .cbs_bytes = 2000 },
		  "pir: 5: not a parameter of srtcm" },
		{ { .algo = METER_ALGO_SRTCM, .cir_Bps = 200000000000ULL, .cbs_bytes = 2000 },
		  "cir: 200000000000 B/s: more than" },
		{ { .algo = METER_ALGO_TRTCM, .cir_Bps = 2000, .pir_Bps = 1000,
		    .cbs_bytes = 2000, .pbs_bytes = 2000 },
		  "pir: 1000 B/s: below cir 2000 B/s (RFC 2698 needs PIR >= CIR)" },
		{ { .algo = METER_ALGO_TRTCM, .cir_Bps = 1000, .pir_Bps = 2000,
		    .cbs_bytes = 2000 },
		  "pbs: 0 bytes: a burst must be positive" },
		{ { .algo = METER_ALGO_TRTCM, .cir_Bps = 1000, .cbs_bytes = 2000,
		    .pbs_bytes = 2000 },
		  "pir: 0 B/s" },
		{ { .algo = METER_ALGO_TRTCM_RFC4115, .cir_Bps = 1000, .cbs_bytes = 2000,
		    .ebs_bytes = 3000 },
		  "ebs: 3000 bytes: eir is 0, so the excess bucket would never refill" },
		{ { .algo = METER_ALGO_TRTCM_RFC4115, .cir_Bps = 1000, .eir_Bps = 1000,
		    .cbs_bytes = 2000, .ebs_bytes = 100 },
		  "ebs: 100 bytes: smaller than one 1514-byte packet" },
		{ { .algo = (enum meter_algo)99, .cir_Bps = 1000 }, "algorithm: 99: unknown" },
		{ { .algo = METER_ALGO_NONE, .cir_Bps = 1000 }, "algorithm: 0: unknown" },
		{ { .algo = METER_ALGO_SRTCM, .cir_Bps = 1000, .cbs_bytes = 2000,
		    .action = { 7 } }, "green action: 7: unknown" },
		{ { .algo = METER_ALGO_SRTCM, .cir_Bps = 1000, .cbs_bytes = 2000,
		    .action = { 0, METER_REMARK }, .remark_dscp = { 0, 64 } },
		  "yellow remark dscp: 64: more than 63" },
	};
	struct meter_params small = {
		.algo = METER_ALGO_SRTCM, .cir_Bps = 1000, .cbs_bytes = 1000,
		.max_pkt_bytes = 1000,
	};
	struct meter_profile p;
	char err[256];
	unsigned int i;

	for (i = 0; i < RTE_DIM(bad); i++) {
		err[0] = '\0';
		CU_ASSERT(meter_profile_build(&p, &bad[i].mp, err, sizeof(err)) == -EINVAL);
		if (strncmp(err, bad[i].msg, strlen(bad[i].msg)) != 0)
			printf("\n  case %u: \"%s\", want \"%s...\"", i, err, bad[i].msg);
		CU_ASSERT(strncmp(err, bad[i].msg, strlen(bad[i].msg)) == 0);
		CU_ASSERT(strchr(err, '\n') == NULL);
	}
	/* a small burst is fine where the packets are said to be small */
	CU_ASSERT(meter_profile_build(&p, &small, err, sizeof(err)) == 0);
	/* RFC 4115 with no excess bucket: a committed bucket alone, never yellow */
	small.algo = METER_ALGO_TRTCM_RFC4115;
	CU_ASSERT(meter_profile_build(&p, &small, err, sizeof(err)) == 0);
}

/*
 * The state runs on the caller's clock from meter_state_init on: TM_T0 is far below the
 * TSC rte_meter's own init reads. Drained at TM_T0, a bucket has earned nothing one cycle
 * before its first refill period ends (rte_meter's cir_period), and one byte at its end.
 */
static void
test_state_on_callers_clock(void)
{
	struct meter_params mp = {
		.algo = METER_ALGO_SRTCM, .cir_Bps = 1000, .cbs_bytes = 1514,
	};
	struct meter_counters c = { 0 };
	struct meter_profile p;
	struct meter_state s;
	enum meter_action a;
	uint64_t period;

	tm_build(&p, &mp);
	period = p.srtcm.cir_period;
	CU_ASSERT_FATAL(rte_get_tsc_cycles() > TM_T0 + period);
	CU_ASSERT_FATAL(meter_state_init(&s, &p, TM_T0) == 0);
	CU_ASSERT(meter_run(&p, &s, 1514, TM_T0, G, &c, &a) == G);
	CU_ASSERT(meter_run(&p, &s, 1, TM_T0 + period - 1, G, &c, &a) == R);
	CU_ASSERT(meter_run(&p, &s, 1, TM_T0 + period, G, &c, &a) == G);
	CU_ASSERT(meter_run(&p, &s, 1, TM_T0 + period, G, &c, &a) == R);
}

/* Shared profiles: many keys on one id, each its own state; ids checked; a copy is the
 * next version, the running one unchanged. */
static void
test_table(void)
{
	struct meter_params mp = {
		.algo = METER_ALGO_SRTCM, .cir_Bps = 1000, .cbs_bytes = 2000, .ebs_bytes = 0,
	};
	struct meter_table *t = meter_table_copy(NULL), *t2;
	const struct meter_profile *p;
	struct meter_counters c = { 0 };
	struct meter_state s[3];
	enum meter_action a;
	char err[256];
	unsigned int i;

	CU_ASSERT_FATAL(t != NULL);
	CU_ASSERT(meter_table_get(t, 7) == NULL);
	CU_ASSERT(meter_table_set(t, 7, &mp, err, sizeof(err)) == 0);
	CU_ASSERT(t->used == 1);
	p = meter_table_get(t, 7);
	CU_ASSERT_FATAL(p != NULL);
	/* three keys, one profile: each has its own 2000 bytes of CBS (EBS 0: no yellow) */
	for (i = 0; i < 3; i++) {
		CU_ASSERT_FATAL(meter_state_init(&s[i], p, TM_T0) == 0);
		CU_ASSERT(meter_run(p, &s[i], 2000, TM_T0, G, &c, &a) == G);
		CU_ASSERT(meter_run(p, &s[i], 1, TM_T0, G, &c, &a) == R);
	}
	CU_ASSERT(c.pkts[G] == 3 && c.pkts[R] == 3 && c.pkts[Y] == 0);

	CU_ASSERT(meter_table_set(t, METER_PROFILES_MAX, &mp, err, sizeof(err)) == -EINVAL);
	CU_ASSERT(strcmp(err, "profile 256: id out of range (0..255)") == 0);
	mp.cir_Bps = 0;
	CU_ASSERT(meter_table_set(t, 8, &mp, err, sizeof(err)) == -EINVAL);
	CU_ASSERT(strcmp(err, "profile 8: cir: 0 B/s: a rate must be positive") == 0);
	CU_ASSERT(meter_table_get(t, 8) == NULL);

	t2 = meter_table_copy(t);
	CU_ASSERT_FATAL(t2 != NULL);
	CU_ASSERT(meter_table_del(t2, 7, err, sizeof(err)) == 0);
	CU_ASSERT(meter_table_del(t2, 7, err, sizeof(err)) == -EINVAL);
	CU_ASSERT(strcmp(err, "profile 7: no such profile") == 0);
	CU_ASSERT(meter_table_get(t2, 7) == NULL && t2->used == 0);
	CU_ASSERT(meter_table_get(t, 7) != NULL && t->used == 1);
	CU_ASSERT(t->params[7].cbs_bytes == 2000);
	meter_table_free(t2);
	meter_table_free(t);
}

static int
suite_init(void)
{
	static char a0[] = "test_meter", a1[] = "--no-pci", a2[] = "--no-huge",
		    a3[] = "--no-shconf", a4[] = "-m", a5[] = "64", a6[] = "--log-level=*:error";
	char *argv[] = { a0, a1, a2, a3, a4, a5, a6, NULL };

	if (rte_eal_init((int)RTE_DIM(argv) - 1, argv) < 0)
		return -1;
	tm_hz = rte_get_tsc_hz();
	/* the exact-refill argument of the header comment */
	return tm_hz > 400000000 ? 0 : -1;
}

static int
suite_cleanup(void)
{
	rte_eal_cleanup();
	return 0;
}

static const struct unit_test tests[] = {
	UNIT_TEST(test_srtcm_blind),
	UNIT_TEST(test_srtcm_aware),
	UNIT_TEST(test_trtcm_blind),
	UNIT_TEST(test_trtcm_aware),
	UNIT_TEST(test_rfc4115_blind),
	UNIT_TEST(test_rfc4115_aware),
	UNIT_TEST(test_aware_never_promotes),
	UNIT_TEST(test_l1_overhead_boundary),
	UNIT_TEST(test_counters_add_up),
	UNIT_TEST(test_actions),
	UNIT_TEST(test_dscp_colour),
	UNIT_TEST(test_dscp_remark_ipv4),
	UNIT_TEST(test_dscp_remark_ipv6),
	UNIT_TEST(test_bad_params),
	UNIT_TEST(test_state_on_callers_clock),
	UNIT_TEST(test_table),
	{ NULL, NULL },
};

int
main(void)
{
	return unit_run("meter", tests, suite_init, suite_cleanup);
}
