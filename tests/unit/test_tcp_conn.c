/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_tcp_conn: the passive side's state machine against a table of (state, segment) ->
 * (new state, segment sent, bytes delivered and acknowledged, events, drop reason), each
 * row run three times: with ISS and IRS far from the wrap, just below 2^32 so the
 * connection's numbers cross it in the middle of the rows, and at 2^32 - 1 so that the
 * SYN's own number wraps. Every starting state is reached through the API (a handshake,
 * data each way, closes), never by writing the struct, so a fixture cannot be a state the
 * machine would never be in. Then the listener, window scaling, the service's calls and
 * TIME-WAIT's new SYN, each on its own.
 */
#include <CUnit/Basic.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "tcp_conn.h"
#include "cunit_main.h"

#define A       TCP_FLAG_ACK
#define S       TCP_FLAG_SYN
#define F       TCP_FLAG_FIN
#define R       TCP_FLAG_RST
#define P       TCP_FLAG_PSH

#define PEER_SYN_WND    4000u   /* the client's window, unscaled */
#define OUR_RCV_WND     1000u
#define OUR_MSS         1460u

struct conn_base {
	uint32_t iss, irs;
};

static const struct conn_base bases[] = {
	{ 1000, 5000 },
	{ 0xffffffc0u, 0xffffffa0u },   /* our 100 bytes and the peer's cross 2^32 */
	{ 0xffffffffu, 0xffffffffu },   /* the SYNs' numbers themselves wrap */
};

static struct tcp_seg
seg_make(const struct conn_base *b, uint8_t flags, int32_t seq_rel, int32_t ack_rel,
	 uint32_t len_bytes, uint16_t wnd_raw)
{
	struct tcp_seg s;

	memset(&s, 0, sizeof(s));
	s.flags = flags;
	s.seq = b->irs + (uint32_t)seq_rel;
	s.ack = flags & A ? b->iss + (uint32_t)ack_rel : 0;
	s.len_bytes = len_bytes;
	s.wnd_raw = wnd_raw;
	return s;
}

/* One input on c; asserts the state it must lead to (the fixture's steps). */
static void
fx_step(struct tcp_conn *c, const struct conn_base *b, uint8_t flags, int32_t seq_rel,
	int32_t ack_rel, uint32_t len_bytes, enum tcp_state want)
{
	struct tcp_seg s = seg_make(b, flags, seq_rel, ack_rel, len_bytes, PEER_SYN_WND);
	struct tcp_out o;

	tcp_conn_input(c, &s, &o);
	CU_ASSERT_EQUAL_FATAL(c->state, want);
}

/*
 * A connection in state st. Relative numbers: ours from ISS, the peer's from IRS.
 *   SYN-RECEIVED  SND.UNA 0, SND.NXT 1; RCV.NXT 1
 *   ESTABLISHED   the peer sent 100 bytes (RCV.NXT 101), we sent 100 (UNA 1, NXT 101)
 *   CLOSE-WAIT    + the peer's FIN (RCV.NXT 102)
 *   LAST-ACK      + our FIN (NXT 102)
 *   FIN-WAIT-1    ESTABLISHED + our FIN (NXT 102)
 *   FIN-WAIT-2    + the peer acks all (UNA 102)
 *   CLOSING       FIN-WAIT-1 + the peer's FIN, not acking ours (RCV.NXT 102)
 *   TIME-WAIT     FIN-WAIT-2 + the peer's FIN (RCV.NXT 102)
 *   CLOSED        ESTABLISHED, aborted
 */
static void
fx_make(struct tcp_conn *c, const struct conn_base *b, enum tcp_state st)
{
	struct tcp_seg syn = seg_make(b, S, 0, 0, 0, PEER_SYN_WND);
	struct tcp_out o;

	CU_ASSERT_EQUAL_FATAL(tcp_listen_input(&syn, b->iss, OUR_MSS, 7, OUR_RCV_WND, c, &o),
			      1);
	if (st == TCP_STATE_SYN_RECEIVED)
		return;
	fx_step(c, b, A, 1, 1, 0, TCP_STATE_ESTABLISHED);
	fx_step(c, b, A | P, 1, 1, 100, TCP_STATE_ESTABLISHED);
	CU_ASSERT_EQUAL_FATAL(tcp_conn_send(c, 100, &o), 100);
	switch (st) {
	case TCP_STATE_ESTABLISHED:
		return;
	case TCP_STATE_CLOSED:
		tcp_conn_abort(c, &o);
		return;
	case TCP_STATE_CLOSE_WAIT:
	case TCP_STATE_LAST_ACK:
		fx_step(c, b, A | F, 101, 1, 0, TCP_STATE_CLOSE_WAIT);
		if (st == TCP_STATE_LAST_ACK)
			CU_ASSERT_EQUAL_FATAL(tcp_conn_close(c, &o), 0);
		break;
	default:
		CU_ASSERT_EQUAL_FATAL(tcp_conn_close(c, &o), 0);
		if (st == TCP_STATE_FIN_WAIT_2 || st == TCP_STATE_TIME_WAIT)
			fx_step(c, b, A, 101, 102, 0, TCP_STATE_FIN_WAIT_2);
		if (st == TCP_STATE_CLOSING)
			fx_step(c, b, A | F, 101, 1, 0, TCP_STATE_CLOSING);
		if (st == TCP_STATE_TIME_WAIT)
			fx_step(c, b, A | F, 101, 102, 0, TCP_STATE_TIME_WAIT);
		break;
	}
	CU_ASSERT_EQUAL_FATAL(c->state, st);
}

#define NO      0
#define ANY     INT32_MIN       /* a number not checked */

struct conn_case {
	const char *name;
	enum tcp_state from;
	/* the segment: flags, SEG.SEQ - IRS, SEG.ACK - ISS, payload length */
	uint8_t flags;
	int32_t seq_rel, ack_rel;
	uint32_t len_bytes;
	/* what must follow */
	enum tcp_state to;
	uint8_t send_flags;
	int32_t send_seq_rel, send_ack_rel;     /* from ISS, from IRS */
	uint32_t deliver_off, deliver_len, acked;
	uint8_t events;
	enum tcp_drop drop;
};

#define ST(x)   TCP_STATE_##x
#define DR(x)   TCP_DROP_##x
#define EV(x)   TCP_EV_##x
#define CH      TCP_EV_CHALLENGE

static const struct conn_case cases[] = {
	/* the three-way handshake */
	{ "handshake ACK", ST(SYN_RECEIVED), A, 1, 1, 0,
	  ST(ESTABLISHED), NO, 0, 0, 0, 0, 0, EV(ESTABLISHED), DR(NONE) },
	{ "handshake ACK with data", ST(SYN_RECEIVED), A | P, 1, 1, 10,
	  ST(ESTABLISHED), A, 1, 11, 0, 10, 0, EV(ESTABLISHED), DR(NONE) },
	{ "handshake ACK with data and FIN", ST(SYN_RECEIVED), A | F, 1, 1, 10,
	  ST(CLOSE_WAIT), A, 1, 12, 0, 10, 0, EV(ESTABLISHED) | EV(PEER_FIN), DR(NONE) },
	{ "handshake ACK of a number we never sent", ST(SYN_RECEIVED), A, 1, 5, 0,
	  ST(SYN_RECEIVED), R, 5, ANY, 0, 0, 0, 0, DR(SYN_RCVD_BAD_ACK) },
	{ "handshake ACK acking nothing", ST(SYN_RECEIVED), A, 1, 0, 0,
	  ST(SYN_RECEIVED), R, 0, ANY, 0, 0, 0, 0, DR(SYN_RCVD_BAD_ACK) },
	{ "peer's SYN again: SYN-ACK again", ST(SYN_RECEIVED), S, 0, 0, 0,
	  ST(SYN_RECEIVED), S | A, 0, 1, 0, 0, 0, 0, DR(NONE) },
	{ "new SYN in the window in SYN-RECEIVED", ST(SYN_RECEIVED), S, 10, 0, 0,
	  ST(CLOSED), NO, 0, 0, 0, 0, 0, EV(CLOSED), DR(SYN_RCVD_SYN) },
	{ "RST exact in SYN-RECEIVED", ST(SYN_RECEIVED), R, 1, 0, 0,
	  ST(CLOSED), NO, 0, 0, 0, 0, 0, EV(RESET) | EV(CLOSED), DR(NONE) },
	{ "RST in window in SYN-RECEIVED", ST(SYN_RECEIVED), R, 2, 0, 0,
	  ST(SYN_RECEIVED), A, 1, 1, 0, 0, 0, CH, DR(RST_IN_WINDOW) },
	{ "no ACK bit in SYN-RECEIVED", ST(SYN_RECEIVED), P, 1, 0, 5,
	  ST(SYN_RECEIVED), NO, 0, 0, 0, 0, 0, 0, DR(NO_ACK) },

	/* data and ACKs in ESTABLISHED: RCV.NXT 101, SND.UNA 1, SND.NXT 101 */
	{ "data in order", ST(ESTABLISHED), A | P, 101, 1, 100,
	  ST(ESTABLISHED), A, 101, 201, 0, 100, 0, 0, DR(NONE) },
	{ "bare ACK of all our data", ST(ESTABLISHED), A, 101, 101, 0,
	  ST(ESTABLISHED), NO, 0, 0, 0, 0, 100, 0, DR(NONE) },
	{ "bare ACK of part", ST(ESTABLISHED), A, 101, 51, 0,
	  ST(ESTABLISHED), NO, 0, 0, 0, 0, 50, 0, DR(NONE) },
	{ "data acking ours", ST(ESTABLISHED), A | P, 101, 101, 20,
	  ST(ESTABLISHED), A, 101, 121, 0, 20, 100, 0, DR(NONE) },
	{ "duplicate ACK", ST(ESTABLISHED), A, 101, 1, 0,
	  ST(ESTABLISHED), NO, 0, 0, 0, 0, 0, 0, DR(NONE) },
	{ "old ACK within MAX.SND.WND: ignored, data taken", ST(ESTABLISHED), A, 101, -3000, 10,
	  ST(ESTABLISHED), A, 101, 111, 0, 10, 0, 0, DR(NONE) },
	{ "retransmitted old data: duplicate ACK", ST(ESTABLISHED), A | P, 1, 1, 100,
	  ST(ESTABLISHED), A, 101, 101, 0, 0, 0, 0, DR(SEQ_OLD) },
	{ "old and new data: old part trimmed", ST(ESTABLISHED), A | P, 51, 1, 100,
	  ST(ESTABLISHED), A, 101, 151, 50, 50, 0, 0, DR(NONE) },
	{ "data out of order: duplicate ACK", ST(ESTABLISHED), A | P, 201, 1, 10,
	  ST(ESTABLISHED), A, 101, 101, 0, 0, 0, 0, DR(OUT_OF_ORDER) },
	{ "out of order still acks ours", ST(ESTABLISHED), A | P, 201, 101, 10,
	  ST(ESTABLISHED), A, 101, 101, 0, 0, 100, 0, DR(OUT_OF_ORDER) },
	{ "data beyond the window", ST(ESTABLISHED), A | P, 101 + 1000, 1, 10,
	  ST(ESTABLISHED), A, 101, 101, 0, 0, 0, 0, DR(SEQ_BEYOND) },
	{ "data past the window's edge: cut", ST(ESTABLISHED), A | P, 101, 1, 1100,
	  ST(ESTABLISHED), A, 101, 1101, 0, 1000, 0, 0, DR(WINDOW_TRIMMED) },
	{ "FIN past the window's edge: not taken", ST(ESTABLISHED), A | F, 101, 1, 1100,
	  ST(ESTABLISHED), A, 101, 1101, 0, 1000, 0, 0, DR(WINDOW_TRIMMED) },
	{ "no ACK bit: dropped", ST(ESTABLISHED), P, 101, 0, 10,
	  ST(ESTABLISHED), NO, 0, 0, 0, 0, 0, 0, DR(NO_ACK) },

	/* RFC 5961 */
	{ "RST exact: reset", ST(ESTABLISHED), R, 101, 0, 0,
	  ST(CLOSED), NO, 0, 0, 0, 0, 0, EV(RESET) | EV(CLOSED), DR(NONE) },
	{ "RST+ACK exact: reset", ST(ESTABLISHED), R | A, 101, 1, 0,
	  ST(CLOSED), NO, 0, 0, 0, 0, 0, EV(RESET) | EV(CLOSED), DR(NONE) },
	{ "RST in window: challenge ACK", ST(ESTABLISHED), R, 150, 0, 0,
	  ST(ESTABLISHED), A, 101, 101, 0, 0, 0, CH, DR(RST_IN_WINDOW) },
	{ "RST at the window's last number: challenge", ST(ESTABLISHED), R, 101 + 999, 0, 0,
	  ST(ESTABLISHED), A, 101, 101, 0, 0, 0, CH, DR(RST_IN_WINDOW) },
	{ "RST past the window: dropped", ST(ESTABLISHED), R, 101 + 1000, 0, 0,
	  ST(ESTABLISHED), NO, 0, 0, 0, 0, 0, 0, DR(RST_OUT_OF_WINDOW) },
	{ "RST before the window: dropped", ST(ESTABLISHED), R, 100, 0, 0,
	  ST(ESTABLISHED), NO, 0, 0, 0, 0, 0, 0, DR(RST_OUT_OF_WINDOW) },
	{ "SYN in ESTABLISHED: challenge ACK", ST(ESTABLISHED), S, 101, 0, 0,
	  ST(ESTABLISHED), A, 101, 101, 0, 0, 0, CH, DR(SYN_SYNCHRONIZED) },
	{ "SYN+ACK in ESTABLISHED: challenge ACK", ST(ESTABLISHED), S | A, 150, 101, 0,
	  ST(ESTABLISHED), A, 101, 101, 0, 0, 0, CH, DR(SYN_SYNCHRONIZED) },
	{ "SYN out of the window: an ACK all the same", ST(ESTABLISHED), S, 5000, 0, 0,
	  ST(ESTABLISHED), A, 101, 101, 0, 0, 0, 0, DR(SEQ_BEYOND) },
	{ "ACK of data never sent: challenge ACK", ST(ESTABLISHED), A | P, 101, 102, 10,
	  ST(ESTABLISHED), A, 101, 101, 0, 0, 0, CH, DR(ACK_UNACCEPTABLE) },
	{ "ACK older than MAX.SND.WND: challenge ACK", ST(ESTABLISHED), A, 101,
	  1 - (int32_t)PEER_SYN_WND - 1, 0,
	  ST(ESTABLISHED), A, 101, 101, 0, 0, 0, CH, DR(ACK_UNACCEPTABLE) },

	/* the peer closes first, then we do */
	{ "FIN: CLOSE-WAIT", ST(ESTABLISHED), A | F, 101, 1, 0,
	  ST(CLOSE_WAIT), A, 101, 102, 0, 0, 0, EV(PEER_FIN), DR(NONE) },
	{ "data and FIN: CLOSE-WAIT", ST(ESTABLISHED), A | F | P, 101, 101, 10,
	  ST(CLOSE_WAIT), A, 101, 112, 0, 10, 100, EV(PEER_FIN), DR(NONE) },
	{ "FIN out of order: duplicate ACK", ST(ESTABLISHED), A | F, 111, 1, 0,
	  ST(ESTABLISHED), A, 101, 101, 0, 0, 0, 0, DR(OUT_OF_ORDER) },
	{ "CLOSE-WAIT: ACK of our data", ST(CLOSE_WAIT), A, 102, 101, 0,
	  ST(CLOSE_WAIT), NO, 0, 0, 0, 0, 100, 0, DR(NONE) },
	{ "CLOSE-WAIT: the FIN again: ACK", ST(CLOSE_WAIT), A | F, 101, 1, 0,
	  ST(CLOSE_WAIT), A, 101, 102, 0, 0, 0, 0, DR(SEQ_OLD) },
	{ "CLOSE-WAIT: data after the FIN: ignored", ST(CLOSE_WAIT), A | P, 102, 1, 10,
	  ST(CLOSE_WAIT), NO, 0, 0, 0, 0, 0, 0, DR(DATA_AFTER_FIN) },
	{ "LAST-ACK: our data acked, not the FIN", ST(LAST_ACK), A, 102, 101, 0,
	  ST(LAST_ACK), NO, 0, 0, 0, 0, 100, 0, DR(NONE) },
	{ "LAST-ACK: our FIN acked: CLOSED", ST(LAST_ACK), A, 102, 102, 0,
	  ST(CLOSED), NO, 0, 0, 0, 0, 100, EV(FIN_ACKED) | EV(CLOSED), DR(NONE) },
	{ "LAST-ACK: RST exact", ST(LAST_ACK), R, 102, 0, 0,
	  ST(CLOSED), NO, 0, 0, 0, 0, 0, EV(RESET) | EV(CLOSED), DR(NONE) },
	{ "LAST-ACK: the FIN again: ACK", ST(LAST_ACK), A | F, 101, 1, 0,
	  ST(LAST_ACK), A, 102, 102, 0, 0, 0, 0, DR(SEQ_OLD) },

	/* we close first */
	{ "FIN-WAIT-1: data acked, not the FIN", ST(FIN_WAIT_1), A, 101, 101, 0,
	  ST(FIN_WAIT_1), NO, 0, 0, 0, 0, 100, 0, DR(NONE) },
	{ "FIN-WAIT-1: our FIN acked: FIN-WAIT-2", ST(FIN_WAIT_1), A, 101, 102, 0,
	  ST(FIN_WAIT_2), NO, 0, 0, 0, 0, 100, EV(FIN_ACKED), DR(NONE) },
	{ "FIN-WAIT-1: data still delivered", ST(FIN_WAIT_1), A | P, 101, 1, 10,
	  ST(FIN_WAIT_1), A, 102, 111, 0, 10, 0, 0, DR(NONE) },
	{ "FIN-WAIT-1: FIN acking ours: TIME-WAIT", ST(FIN_WAIT_1), A | F, 101, 102, 0,
	  ST(TIME_WAIT), A, 102, 102, 0, 0, 100,
	  EV(FIN_ACKED) | EV(PEER_FIN) | EV(TIME_WAIT), DR(NONE) },
	{ "FIN-WAIT-2: data still delivered", ST(FIN_WAIT_2), A | P, 101, 102, 10,
	  ST(FIN_WAIT_2), A, 102, 111, 0, 10, 0, 0, DR(NONE) },
	{ "FIN-WAIT-2: FIN: TIME-WAIT", ST(FIN_WAIT_2), A | F, 101, 102, 0,
	  ST(TIME_WAIT), A, 102, 102, 0, 0, 0, EV(PEER_FIN) | EV(TIME_WAIT), DR(NONE) },

	/* simultaneous close */
	{ "FIN-WAIT-1: FIN not acking ours: CLOSING", ST(FIN_WAIT_1), A | F, 101, 1, 0,
	  ST(CLOSING), A, 102, 102, 0, 0, 0, EV(PEER_FIN), DR(NONE) },
	{ "CLOSING: data acked, not the FIN", ST(CLOSING), A, 102, 101, 0,
	  ST(CLOSING), NO, 0, 0, 0, 0, 100, 0, DR(NONE) },
	{ "CLOSING: our FIN acked: TIME-WAIT", ST(CLOSING), A, 102, 102, 0,
	  ST(TIME_WAIT), NO, 0, 0, 0, 0, 100, EV(FIN_ACKED) | EV(TIME_WAIT), DR(NONE) },

	/* TIME-WAIT and CLOSED */
	{ "TIME-WAIT: the FIN again: ACK, 2MSL again", ST(TIME_WAIT), A | F, 101, 102, 0,
	  ST(TIME_WAIT), A, 102, 102, 0, 0, 0, EV(TIME_WAIT), DR(SEQ_OLD) },
	{ "TIME-WAIT: RST exact", ST(TIME_WAIT), R, 102, 0, 0,
	  ST(CLOSED), NO, 0, 0, 0, 0, 0, EV(RESET) | EV(CLOSED), DR(NONE) },
	{ "TIME-WAIT: SYN in the window: challenge ACK", ST(TIME_WAIT), S, 102, 0, 0,
	  ST(TIME_WAIT), A, 102, 102, 0, 0, 0, CH, DR(SYN_SYNCHRONIZED) },
	{ "CLOSED: anything dropped", ST(CLOSED), A, 101, 101, 0,
	  ST(CLOSED), NO, 0, 0, 0, 0, 0, 0, DR(CLOSED) },
};

static int
case_check(const struct conn_case *k, const struct conn_base *b, const struct tcp_conn *c,
	   const struct tcp_out *o)
{
	int bad = 0;

#define CASE_EXPECT(cond, fmt, ...) do {                                         \
		if (!(cond)) {                                                   \
			printf("\n  %s (iss %#x irs %#x): " fmt, k->name, b->iss, \
			       b->irs, __VA_ARGS__);                             \
			bad++;                                                   \
		}                                                                \
	} while (0)

	CASE_EXPECT(c->state == k->to, "state %s, want %s", tcp_state_name(c->state),
		    tcp_state_name(k->to));
	CASE_EXPECT(o->send_flags == k->send_flags, "send flags %#x, want %#x", o->send_flags,
		    k->send_flags);
	if (k->send_flags) {
		CASE_EXPECT(o->send_seq == b->iss + (uint32_t)k->send_seq_rel,
			    "send seq ISS%+d, want ISS%+d", (int32_t)(o->send_seq - b->iss),
			    k->send_seq_rel);
		if (k->send_ack_rel != ANY)
			CASE_EXPECT(o->send_ack == b->irs + (uint32_t)k->send_ack_rel,
				    "send ack IRS%+d, want IRS%+d",
				    (int32_t)(o->send_ack - b->irs), k->send_ack_rel);
		if (k->send_flags & A)
			CASE_EXPECT(o->send_wnd_raw == OUR_RCV_WND, "window %u", o->send_wnd_raw);
	}
	CASE_EXPECT(o->deliver_len_bytes == k->deliver_len, "delivered %u, want %u",
		    o->deliver_len_bytes, k->deliver_len);
	if (k->deliver_len)
		CASE_EXPECT(o->deliver_off_bytes == k->deliver_off, "offset %u, want %u",
			    o->deliver_off_bytes, k->deliver_off);
	CASE_EXPECT(o->acked_bytes == k->acked, "acked %u, want %u", o->acked_bytes, k->acked);
	CASE_EXPECT(o->events == k->events, "events %#x, want %#x", o->events, k->events);
	CASE_EXPECT(o->drop == k->drop, "drop %s, want %s", tcp_drop_name(o->drop),
		    tcp_drop_name(k->drop));
#undef CASE_EXPECT
	return bad;
}

static void
test_state_table(void)
{
	unsigned int i, j, bad = 0;

	for (j = 0; j < sizeof(bases) / sizeof(bases[0]); j++) {
		for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
			const struct conn_case *k = &cases[i];
			struct tcp_conn c;
			struct tcp_seg s;
			struct tcp_out o;

			fx_make(&c, &bases[j], k->from);
			s = seg_make(&bases[j], k->flags, k->seq_rel, k->ack_rel, k->len_bytes,
				     PEER_SYN_WND);
			tcp_conn_input(&c, &s, &o);
			bad += (unsigned int)case_check(k, &bases[j], &c, &o);
		}
	}
	CU_ASSERT_EQUAL(bad, 0);
}

/* The numbers a row leaves behind, for the rows whose effect is on the variables. */
static void
test_sequence_variables(void)
{
	unsigned int j;

	for (j = 0; j < sizeof(bases) / sizeof(bases[0]); j++) {
		const struct conn_base *b = &bases[j];
		struct tcp_conn c;
		struct tcp_seg s;
		struct tcp_out o;

		fx_make(&c, b, TCP_STATE_ESTABLISHED);
		CU_ASSERT_EQUAL(c.snd_una, b->iss + 1);
		CU_ASSERT_EQUAL(c.snd_nxt, b->iss + 101);
		CU_ASSERT_EQUAL(c.rcv_nxt, b->irs + 101);
		/* old and new: RCV.NXT moves by the new part only */
		s = seg_make(b, A, 51, 51, 100, PEER_SYN_WND);
		tcp_conn_input(&c, &s, &o);
		CU_ASSERT_EQUAL(c.rcv_nxt, b->irs + 151);
		CU_ASSERT_EQUAL(c.snd_una, b->iss + 51);
		/* a challenge changes nothing */
		s = seg_make(b, A, 151, 500, 0, 9000);
		tcp_conn_input(&c, &s, &o);
		CU_ASSERT_EQUAL(c.snd_una, b->iss + 51);
		CU_ASSERT_EQUAL(c.snd_wnd, PEER_SYN_WND);
		/* the peer's FIN: RCV.NXT over it */
		s = seg_make(b, A | F, 151, 101, 0, PEER_SYN_WND);
		tcp_conn_input(&c, &s, &o);
		CU_ASSERT_EQUAL(c.rcv_nxt, b->irs + 152);
		CU_ASSERT_EQUAL(c.state, TCP_STATE_CLOSE_WAIT);
	}
}

/* SND.WL1/WL2: a reordered, older segment must not take the window back. */
static void
test_window_update_rule(void)
{
	unsigned int j;

	for (j = 0; j < sizeof(bases) / sizeof(bases[0]); j++) {
		const struct conn_base *b = &bases[j];
		struct tcp_conn c;
		struct tcp_seg s;
		struct tcp_out o;

		fx_make(&c, b, TCP_STATE_ESTABLISHED);
		s = seg_make(b, A, 101, 51, 0, 3000);
		tcp_conn_input(&c, &s, &o);
		CU_ASSERT_EQUAL(c.snd_wnd, 3000);
		CU_ASSERT_EQUAL(tcp_conn_send_space(&c), 51 + 3000 - 101);
		/* same SEG.SEQ, an older SEG.ACK (reordered): no update */
		s = seg_make(b, A, 101, 31, 0, 5000);
		tcp_conn_input(&c, &s, &o);
		CU_ASSERT_EQUAL(c.snd_wnd, 3000);
		/* same SEG.SEQ and SEG.ACK, new window (a pure window update): taken */
		s = seg_make(b, A, 101, 51, 0, 6000);
		tcp_conn_input(&c, &s, &o);
		CU_ASSERT_EQUAL(c.snd_wnd, 6000);
		CU_ASSERT_EQUAL(c.max_snd_wnd, 6000);
		/* data at the same SEG.SEQ and SEG.ACK: taken, even smaller */
		s = seg_make(b, A | P, 101, 51, 10, 2000);
		tcp_conn_input(&c, &s, &o);
		CU_ASSERT_EQUAL(c.snd_wnd, 2000);
		CU_ASSERT_EQUAL(c.max_snd_wnd, 6000);
		/* a newer SEG.SEQ (RCV.NXT is 111 now): taken */
		s = seg_make(b, A, 111, 51, 0, 2500);
		tcp_conn_input(&c, &s, &o);
		CU_ASSERT_EQUAL(c.snd_wnd, 2500);
		CU_ASSERT_EQUAL(c.snd_wl1, b->irs + 111);
		/* an out-of-order segment is acceptable: its window counts (SND.WL1 = 211) */
		s = seg_make(b, A | P, 211, 51, 10, 2200);
		tcp_conn_input(&c, &s, &o);
		CU_ASSERT_EQUAL(o.drop, TCP_DROP_OUT_OF_ORDER);
		CU_ASSERT_EQUAL(c.snd_wnd, 2200);
		CU_ASSERT_EQUAL(c.snd_wl1, b->irs + 211);
		/* so a later-arriving segment with an older SEG.SEQ may not take it back */
		s = seg_make(b, A, 111, 51, 0, 100);
		tcp_conn_input(&c, &s, &o);
		CU_ASSERT_EQUAL(o.drop, TCP_DROP_NONE);
		CU_ASSERT_EQUAL(c.snd_wnd, 2200);
	}
}

/* The listener: RFC 9293 3.10.7.2, and what a SYN sets up. */
static void
test_listen(void)
{
	unsigned int j;

	for (j = 0; j < sizeof(bases) / sizeof(bases[0]); j++) {
		const struct conn_base *b = &bases[j];
		struct tcp_conn c;
		struct tcp_seg s;
		struct tcp_out o;

		/* a SYN without options: MSS 536, no scaling */
		s = seg_make(b, S, 0, 0, 0, 29200);
		CU_ASSERT_EQUAL(tcp_listen_input(&s, b->iss, OUR_MSS, 7, 1u << 20, &c, &o), 1);
		CU_ASSERT_EQUAL(c.state, TCP_STATE_SYN_RECEIVED);
		CU_ASSERT_EQUAL(o.send_flags, S | A);
		CU_ASSERT_EQUAL(o.send_seq, b->iss);
		CU_ASSERT_EQUAL(o.send_ack, b->irs + 1);
		CU_ASSERT_EQUAL(o.send_wnd_raw, 65535);
		CU_ASSERT_EQUAL(o.drop, TCP_DROP_NONE);
		CU_ASSERT_EQUAL(c.snd_mss_bytes, TCP_OPT_MSS_DEFAULT);
		CU_ASSERT_EQUAL(c.snd_wscale, 0);
		CU_ASSERT_EQUAL(c.rcv_wscale, 0);
		CU_ASSERT_EQUAL(c.rcv_wnd, 65535);      /* cut to what 16 bits can say */
		CU_ASSERT_EQUAL(c.snd_una, b->iss);
		CU_ASSERT_EQUAL(c.snd_nxt, b->iss + 1);
		CU_ASSERT_EQUAL(c.irs, b->irs);
		CU_ASSERT_EQUAL(c.rcv_nxt, b->irs + 1);
		CU_ASSERT_EQUAL(c.snd_wnd, 29200);

		/* Linux's SYN: MSS 1460 (ours 1400 is smaller), window scale 7 */
		s.opts.have = TCP_OPTS_MSS | TCP_OPTS_WSCALE | TCP_OPTS_SACK_PERM;
		s.opts.mss = 1460;
		s.opts.wscale = 7;
		CU_ASSERT_EQUAL(tcp_listen_input(&s, b->iss, 1400, 9, 1u << 20, &c, &o), 1);
		CU_ASSERT_EQUAL(c.snd_mss_bytes, 1400);
		CU_ASSERT_EQUAL(c.snd_wscale, 7);
		CU_ASSERT_EQUAL(c.rcv_wscale, 9);
		CU_ASSERT_EQUAL(c.rcv_wnd, 1u << 20);
		CU_ASSERT_EQUAL(o.send_wnd_raw, 65535); /* a SYN's window is never scaled */
		/* an absurd MSS is raised to the floor */
		s.opts.mss = 1;
		tcp_listen_input(&s, b->iss, 1400, 9, 1u << 20, &c, &o);
		CU_ASSERT_EQUAL(c.snd_mss_bytes, TCP_CONN_MSS_MIN);

		/* a SYN with data (TFO-style): the connection, not the data */
		s = seg_make(b, S, 0, 0, 20, 29200);
		CU_ASSERT_EQUAL(tcp_listen_input(&s, b->iss, OUR_MSS, 7, 1000, &c, &o), 1);
		CU_ASSERT_EQUAL(o.drop, TCP_DROP_SYN_DATA);
		CU_ASSERT_EQUAL(o.send_ack, b->irs + 1);
		CU_ASSERT_EQUAL(o.deliver_len_bytes, 0);

		/* RST: ignored */
		memset(&c, 0xa5, sizeof(c));
		s = seg_make(b, R, 0, 0, 0, 0);
		CU_ASSERT_EQUAL(tcp_listen_input(&s, b->iss, OUR_MSS, 7, 1000, &c, &o), 0);
		CU_ASSERT_EQUAL(o.send_flags, 0);
		CU_ASSERT_EQUAL(o.drop, TCP_DROP_LISTEN_RST);
		CU_ASSERT_EQUAL(c.state, 0xa5);         /* conn untouched */
		s = seg_make(b, R | A, 0, 7, 0, 0);
		CU_ASSERT_EQUAL(tcp_listen_input(&s, b->iss, OUR_MSS, 7, 1000, &c, &o), 0);
		CU_ASSERT_EQUAL(o.send_flags, 0);
		/* ACK, and SYN+ACK: <SEQ=SEG.ACK><CTL=RST> */
		s = seg_make(b, A, 0, 77, 0, 0);
		CU_ASSERT_EQUAL(tcp_listen_input(&s, b->iss, OUR_MSS, 7, 1000, &c, &o), 0);
		CU_ASSERT_EQUAL(o.send_flags, R);
		CU_ASSERT_EQUAL(o.send_seq, b->iss + 77);
		CU_ASSERT_EQUAL(o.drop, TCP_DROP_LISTEN_ACK);
		s = seg_make(b, S | A, 0, 77, 0, 0);
		CU_ASSERT_EQUAL(tcp_listen_input(&s, b->iss, OUR_MSS, 7, 1000, &c, &o), 0);
		CU_ASSERT_EQUAL(o.send_flags, R);
		CU_ASSERT_EQUAL(o.send_seq, b->iss + 77);
		/* neither: a FIN, a null segment: dropped; SYN+FIN: dropped */
		s = seg_make(b, F, 0, 0, 0, 0);
		CU_ASSERT_EQUAL(tcp_listen_input(&s, b->iss, OUR_MSS, 7, 1000, &c, &o), 0);
		CU_ASSERT_EQUAL(o.send_flags, 0);
		CU_ASSERT_EQUAL(o.drop, TCP_DROP_LISTEN_NO_SYN);
		s = seg_make(b, 0, 0, 0, 10, 0);
		CU_ASSERT_EQUAL(tcp_listen_input(&s, b->iss, OUR_MSS, 7, 1000, &c, &o), 0);
		CU_ASSERT_EQUAL(o.drop, TCP_DROP_LISTEN_NO_SYN);
		s = seg_make(b, S | F, 0, 0, 0, 0);
		CU_ASSERT_EQUAL(tcp_listen_input(&s, b->iss, OUR_MSS, 7, 1000, &c, &o), 0);
		CU_ASSERT_EQUAL(o.send_flags, 0);
		CU_ASSERT_EQUAL(o.drop, TCP_DROP_SYN_FIN);
		CU_ASSERT_EQUAL(c.state, 0xa5);
	}
}

/* RFC 7323: SEG.WND shifted by the peer's scale only when both sides offered one. */
static void
test_window_scaling(void)
{
	unsigned int j;

	for (j = 0; j < sizeof(bases) / sizeof(bases[0]); j++) {
		const struct conn_base *b = &bases[j];
		struct tcp_conn c;
		struct tcp_seg s;
		struct tcp_out o;

		/* negotiated: the peer's 7, our 9 */
		s = seg_make(b, S, 0, 0, 0, 64240);
		s.opts.have = TCP_OPTS_WSCALE;
		s.opts.wscale = 7;
		tcp_listen_input(&s, b->iss, OUR_MSS, 9, 1u << 22, &c, &o);
		CU_ASSERT_EQUAL(c.snd_wnd, 64240);      /* the SYN's window: not scaled */
		s = seg_make(b, A, 1, 1, 0, 502);
		tcp_conn_input(&c, &s, &o);
		CU_ASSERT_EQUAL(c.state, TCP_STATE_ESTABLISHED);
		CU_ASSERT_EQUAL(c.snd_wnd, 502u << 7);
		CU_ASSERT_EQUAL(c.max_snd_wnd, 502u << 7);
		/* what we advertise: RCV.WND >> 9 */
		s = seg_make(b, A | P, 1, 1, 10, 502);
		tcp_conn_input(&c, &s, &o);
		CU_ASSERT_EQUAL(o.send_wnd_raw, (1u << 22) >> 9);
		CU_ASSERT_EQUAL(tcp_conn_send(&c, 1u << 20, &o), 502u << 7);
		CU_ASSERT_EQUAL(o.send_seq, b->iss + 1);
		CU_ASSERT_EQUAL(o.send_len_bytes, 502u << 7);
		/* a window larger than ever before raises MAX.SND.WND: RFC 5961 5.2's range */
		s = seg_make(b, A, 11, 1 + (502 << 7), 0, 1000);
		tcp_conn_input(&c, &s, &o);
		CU_ASSERT_EQUAL(c.snd_wnd, 1000u << 7);
		CU_ASSERT_EQUAL(c.max_snd_wnd, 1000u << 7);
		CU_ASSERT_EQUAL(o.acked_bytes, 502u << 7);

		/* not offered by the peer: our scale is not used either, SEG.WND as is */
		s = seg_make(b, S, 0, 0, 0, 64240);
		tcp_listen_input(&s, b->iss, OUR_MSS, 9, 1u << 22, &c, &o);
		s = seg_make(b, A, 1, 1, 0, 502);
		tcp_conn_input(&c, &s, &o);
		CU_ASSERT_EQUAL(c.snd_wnd, 502);
		s = seg_make(b, A | P, 1, 1, 10, 502);
		tcp_conn_input(&c, &s, &o);
		CU_ASSERT_EQUAL(o.send_wnd_raw, 65535);
	}
}

/* The service's calls: send within the window, close, abort. */
static void
test_send_close_abort(void)
{
	unsigned int j;

	for (j = 0; j < sizeof(bases) / sizeof(bases[0]); j++) {
		const struct conn_base *b = &bases[j];
		struct tcp_conn c;
		struct tcp_seg s;
		struct tcp_out o;

		fx_make(&c, b, TCP_STATE_SYN_RECEIVED);
		CU_ASSERT_EQUAL(tcp_conn_send(&c, 10, &o), 0);  /* not before ESTABLISHED */
		CU_ASSERT_EQUAL(o.send_flags, 0);
		CU_ASSERT_EQUAL(tcp_conn_close(&c, &o), -ENOTCONN);
		CU_ASSERT_EQUAL(c.state, TCP_STATE_SYN_RECEIVED);
		tcp_conn_abort(&c, &o);
		CU_ASSERT_EQUAL(o.send_flags, R);
		CU_ASSERT_EQUAL(o.send_seq, b->iss + 1);
		CU_ASSERT_EQUAL(o.events, TCP_EV_CLOSED);
		CU_ASSERT_EQUAL(c.state, TCP_STATE_CLOSED);

		/* ESTABLISHED with 100 in flight, the peer's window 4000 */
		fx_make(&c, b, TCP_STATE_ESTABLISHED);
		CU_ASSERT_EQUAL(tcp_conn_send_space(&c), PEER_SYN_WND - 100);
		CU_ASSERT_EQUAL(tcp_conn_send(&c, 5000, &o), PEER_SYN_WND - 100);
		CU_ASSERT_EQUAL(o.send_flags, A);
		CU_ASSERT_EQUAL(o.send_seq, b->iss + 101);
		CU_ASSERT_EQUAL(o.send_ack, b->irs + 101);
		CU_ASSERT_EQUAL(o.send_wnd_raw, OUR_RCV_WND);
		CU_ASSERT_EQUAL(c.snd_nxt, b->iss + 1 + PEER_SYN_WND);
		CU_ASSERT_EQUAL(tcp_conn_send(&c, 1, &o), 0);   /* window full */
		CU_ASSERT_EQUAL(o.send_flags, 0);
		/* the peer shrinks its window below what is in flight: still 0, no wrap */
		s = seg_make(b, A, 101, 1001, 0, 100);
		tcp_conn_input(&c, &s, &o);
		CU_ASSERT_EQUAL(o.acked_bytes, 1000);
		CU_ASSERT_EQUAL(tcp_conn_send_space(&c), 0);
		CU_ASSERT_EQUAL(tcp_conn_send(&c, 1, &o), 0);
		/* close: FIN at SND.NXT, then SND.NXT counts it; no more sends */
		CU_ASSERT_EQUAL(tcp_conn_close(&c, &o), 0);
		CU_ASSERT_EQUAL(o.send_flags, F | A);
		CU_ASSERT_EQUAL(o.send_seq, b->iss + 1 + PEER_SYN_WND);
		CU_ASSERT_EQUAL(c.snd_nxt, b->iss + 2 + PEER_SYN_WND);
		CU_ASSERT_EQUAL(c.state, TCP_STATE_FIN_WAIT_1);
		CU_ASSERT_EQUAL(tcp_conn_close(&c, &o), -ENOTCONN);
		s = seg_make(b, A, 101, 1001, 0, 60000);
		tcp_conn_input(&c, &s, &o);
		CU_ASSERT_EQUAL(tcp_conn_send(&c, 1, &o), 0);
		/* the whole FIN-WAIT-1 flight acked: the FIN is not a byte */
		s = seg_make(b, A, 101, 2 + (int32_t)PEER_SYN_WND, 0, 60000);
		tcp_conn_input(&c, &s, &o);
		CU_ASSERT_EQUAL(o.acked_bytes, PEER_SYN_WND - 1000);
		CU_ASSERT_EQUAL(o.events, TCP_EV_FIN_ACKED);
		CU_ASSERT_EQUAL(c.state, TCP_STATE_FIN_WAIT_2);
		tcp_conn_abort(&c, &o);
		CU_ASSERT_EQUAL(o.send_flags, R);
		CU_ASSERT_EQUAL(o.send_seq, b->iss + 2 + PEER_SYN_WND);

		/* CLOSE-WAIT may still send, then closes into LAST-ACK */
		fx_make(&c, b, TCP_STATE_CLOSE_WAIT);
		CU_ASSERT_EQUAL(tcp_conn_send(&c, 10, &o), 10);
		CU_ASSERT_EQUAL(o.send_ack, b->irs + 102);
		CU_ASSERT_EQUAL(tcp_conn_close(&c, &o), 0);
		CU_ASSERT_EQUAL(c.state, TCP_STATE_LAST_ACK);
		CU_ASSERT_EQUAL(o.send_seq, b->iss + 111);
		s = seg_make(b, A, 102, 112, 0, 1000);
		tcp_conn_input(&c, &s, &o);
		CU_ASSERT_EQUAL(o.acked_bytes, 110);
		CU_ASSERT_EQUAL(o.events, TCP_EV_FIN_ACKED | TCP_EV_CLOSED);
		CU_ASSERT_EQUAL(c.state, TCP_STATE_CLOSED);

		/* TIME-WAIT: abort sends nothing */
		fx_make(&c, b, TCP_STATE_TIME_WAIT);
		tcp_conn_abort(&c, &o);
		CU_ASSERT_EQUAL(o.send_flags, 0);
		CU_ASSERT_EQUAL(o.events, TCP_EV_CLOSED);
	}
}

/* A zero receive window: only RCV.NXT, and no data. */
static void
test_zero_window(void)
{
	unsigned int j;

	for (j = 0; j < sizeof(bases) / sizeof(bases[0]); j++) {
		const struct conn_base *b = &bases[j];
		struct tcp_conn c;
		struct tcp_seg s;
		struct tcp_out o;

		fx_make(&c, b, TCP_STATE_ESTABLISHED);
		c.rcv_wnd = 0;                          /* the service holds everything */
		s = seg_make(b, A | P, 101, 1, 1, 1000); /* the peer's window probe */
		tcp_conn_input(&c, &s, &o);
		CU_ASSERT_EQUAL(o.send_flags, A);
		CU_ASSERT_EQUAL(o.send_ack, b->irs + 101);
		CU_ASSERT_EQUAL(o.send_wnd_raw, 0);
		CU_ASSERT_EQUAL(o.deliver_len_bytes, 0);
		CU_ASSERT_EQUAL(o.drop, TCP_DROP_SEQ_BEYOND);
		s = seg_make(b, A, 101, 101, 0, 1000);  /* an ACK still counts */
		tcp_conn_input(&c, &s, &o);
		CU_ASSERT_EQUAL(o.acked_bytes, 100);
		CU_ASSERT_EQUAL(o.drop, TCP_DROP_NONE);
		s = seg_make(b, R, 101, 0, 0, 0);       /* and an exact RST */
		tcp_conn_input(&c, &s, &o);
		CU_ASSERT_EQUAL(c.state, TCP_STATE_CLOSED);
	}
}

/* TIME-WAIT gives way to a new SYN only above its RCV.NXT (Linux's rule). */
static void
test_time_wait_new_syn(void)
{
	unsigned int j;

	for (j = 0; j < sizeof(bases) / sizeof(bases[0]); j++) {
		const struct conn_base *b = &bases[j];
		struct tcp_conn c;
		struct tcp_seg s;

		fx_make(&c, b, TCP_STATE_TIME_WAIT);
		s = seg_make(b, S, 103, 0, 0, 1000);
		CU_ASSERT(tcp_time_wait_accepts_syn(&c, &s));
		s = seg_make(b, S, 102 + 0x40000000, 0, 0, 1000);
		CU_ASSERT(tcp_time_wait_accepts_syn(&c, &s));
		s = seg_make(b, S, 102, 0, 0, 1000);    /* RCV.NXT itself: not above */
		CU_ASSERT(!tcp_time_wait_accepts_syn(&c, &s));
		s = seg_make(b, S, 50, 0, 0, 1000);
		CU_ASSERT(!tcp_time_wait_accepts_syn(&c, &s));
		s = seg_make(b, S | A, 103, 1, 0, 1000);
		CU_ASSERT(!tcp_time_wait_accepts_syn(&c, &s));
		s = seg_make(b, S | R, 103, 0, 0, 1000);
		CU_ASSERT(!tcp_time_wait_accepts_syn(&c, &s));
		s = seg_make(b, A, 103, 1, 0, 1000);
		CU_ASSERT(!tcp_time_wait_accepts_syn(&c, &s));
		fx_make(&c, b, TCP_STATE_FIN_WAIT_2);
		s = seg_make(b, S, 103, 0, 0, 1000);
		CU_ASSERT(!tcp_time_wait_accepts_syn(&c, &s));
	}
}

static void
test_names(void)
{
	CU_ASSERT_STRING_EQUAL(tcp_state_name(TCP_STATE_SYN_RECEIVED), "syn-received");
	CU_ASSERT_STRING_EQUAL(tcp_state_name(TCP_STATE_TIME_WAIT), "time-wait");
	CU_ASSERT_STRING_EQUAL(tcp_state_name(TCP_STATE__MAX), "?");
	CU_ASSERT_STRING_EQUAL(tcp_drop_name(TCP_DROP_NONE), "none");
	CU_ASSERT_STRING_EQUAL(tcp_drop_name(TCP_DROP_RST_IN_WINDOW), "rst-in-window");
	CU_ASSERT_STRING_EQUAL(tcp_drop_name(TCP_DROP__MAX), "?");
}

static const struct unit_test tests[] = {
	UNIT_TEST(test_state_table),
	UNIT_TEST(test_sequence_variables),
	UNIT_TEST(test_window_update_rule),
	UNIT_TEST(test_listen),
	UNIT_TEST(test_window_scaling),
	UNIT_TEST(test_send_close_abort),
	UNIT_TEST(test_zero_window),
	UNIT_TEST(test_time_wait_new_syn),
	UNIT_TEST(test_names),
	{ NULL, NULL }
};

int
main(void)
{
	return unit_run("tcp_conn", tests, NULL, NULL);
}
