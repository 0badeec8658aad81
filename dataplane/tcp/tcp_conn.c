/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tcp_conn: the passive side's state machine (tcp_conn.h). Each input runs RFC 9293
 * 3.10.7.4's steps top to bottom and returns at the first that ends the segment's
 * processing; every return leaves out complete (it was zeroed first), so a caller never
 * reads a stale field.
 */
#include <errno.h>
#include <string.h>

#include "tcp_conn.h"
#include "tcp_seq.h"

static const char *const tcp_state_names[] = {
#define _(sym, str) [TCP_STATE_##sym] = str,
	foreach_tcp_state
#undef _
};

static const char *const tcp_drop_names[] = {
#define _(sym, str) [TCP_DROP_##sym] = str,
	foreach_tcp_drop
#undef _
};

const char *
tcp_state_name(enum tcp_state s)
{
	return (unsigned int)s < TCP_STATE__MAX ? tcp_state_names[s] : "?";
}

const char *
tcp_drop_name(enum tcp_drop d)
{
	return (unsigned int)d < TCP_DROP__MAX ? tcp_drop_names[d] : "?";
}

/* The window field of a segment that is not a SYN: RCV.WND in the peer's units. */
static uint16_t
tcp_conn_wnd_raw(const struct tcp_conn *c)
{
	uint32_t w = c->rcv_wnd >> c->rcv_wscale;

	return (uint16_t)(w > TCP_CONN_WND_UNSCALED ? TCP_CONN_WND_UNSCALED : w);
}

/* <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>: every ACK this module asks for. */
static void
tcp_conn_ack(const struct tcp_conn *c, struct tcp_out *out)
{
	out->send_flags = TCP_FLAG_ACK;
	out->send_seq = c->snd_nxt;
	out->send_ack = c->rcv_nxt;
	out->send_wnd_raw = tcp_conn_wnd_raw(c);
}

/* RFC 5961's challenge ACK: an ordinary ACK the caller may rate-limit (section 7). */
static void
tcp_conn_challenge(const struct tcp_conn *c, struct tcp_out *out, enum tcp_drop why)
{
	tcp_conn_ack(c, out);
	out->events |= TCP_EV_CHALLENGE;
	out->drop = why;
}

/* <SEQ=ISS><ACK=RCV.NXT><CTL=SYN,ACK>; a SYN's window is never scaled (RFC 7323 2.2). */
static void
tcp_conn_synack(const struct tcp_conn *c, struct tcp_out *out)
{
	out->send_flags = TCP_FLAG_SYN | TCP_FLAG_ACK;
	out->send_seq = c->iss;
	out->send_ack = c->rcv_nxt;
	out->send_wnd_raw = (uint16_t)(c->rcv_wnd > TCP_CONN_WND_UNSCALED ?
				       TCP_CONN_WND_UNSCALED : c->rcv_wnd);
}

int
tcp_listen_input(const struct tcp_seg *seg, uint32_t iss, uint16_t our_mss,
		 uint8_t our_wscale, uint32_t rcv_wnd, struct tcp_conn *conn,
		 struct tcp_out *out)
{
	uint32_t mss, wnd_max;

	memset(out, 0, sizeof(*out));
	/* RFC 9293 3.10.7.2, in its order: RST, ACK, SYN, anything else */
	if (seg->flags & TCP_FLAG_RST) {
		out->drop = TCP_DROP_LISTEN_RST;
		return 0;
	}
	if (seg->flags & TCP_FLAG_ACK) {
		out->send_flags = TCP_FLAG_RST;
		out->send_seq = seg->ack;
		out->drop = TCP_DROP_LISTEN_ACK;
		return 0;
	}
	if (!(seg->flags & TCP_FLAG_SYN)) {
		out->drop = TCP_DROP_LISTEN_NO_SYN;
		return 0;
	}
	/* SYN+FIN is a scanner's probe, never a client's: Linux drops it too */
	if (seg->flags & TCP_FLAG_FIN) {
		out->drop = TCP_DROP_SYN_FIN;
		return 0;
	}

	memset(conn, 0, sizeof(*conn));
	conn->state = TCP_STATE_SYN_RECEIVED;
	conn->irs = seg->seq;
	conn->rcv_nxt = seg->seq + 1;
	conn->iss = iss;
	conn->snd_una = iss;
	conn->snd_nxt = iss + 1;

	mss = seg->opts.have & TCP_OPTS_MSS ? seg->opts.mss : TCP_OPT_MSS_DEFAULT;
	if (mss > our_mss)
		mss = our_mss;
	conn->snd_mss_bytes = (uint16_t)(mss < TCP_CONN_MSS_MIN ? TCP_CONN_MSS_MIN : mss);

	/* RFC 7323 2.2: scaling on only when the peer's SYN offered it */
	if (seg->opts.have & TCP_OPTS_WSCALE) {
		conn->snd_wscale = seg->opts.wscale > TCP_OPT_WSCALE_MAX ?
				   TCP_OPT_WSCALE_MAX : seg->opts.wscale;
		conn->rcv_wscale = our_wscale > TCP_OPT_WSCALE_MAX ?
				   TCP_OPT_WSCALE_MAX : our_wscale;
	}
	wnd_max = TCP_CONN_WND_UNSCALED << conn->rcv_wscale;
	conn->rcv_wnd = rcv_wnd > wnd_max ? wnd_max : rcv_wnd;

	/* the SYN's window, unscaled; WL1/WL2 so that the handshake's ACK updates it */
	conn->snd_wnd = seg->wnd_raw;
	conn->max_snd_wnd = seg->wnd_raw;
	conn->snd_wl1 = seg->seq;
	conn->snd_wl2 = iss;

	if (seg->len_bytes)
		out->drop = TCP_DROP_SYN_DATA;  /* no TFO: not acknowledged, the peer resends */
	tcp_conn_synack(conn, out);
	return 1;
}

/* Whether our FIN has been sent and is not yet acknowledged. */
static int
tcp_conn_fin_pending(const struct tcp_conn *c)
{
	return c->state == TCP_STATE_FIN_WAIT_1 || c->state == TCP_STATE_CLOSING ||
	       c->state == TCP_STATE_LAST_ACK;
}

/*
 * Step five for a connection past SYN-RECEIVED: RFC 5961 5.2's range, SND.UNA, the
 * window. Returns 0 when the segment is done with (out says why), 1 to go on.
 */
static int
tcp_conn_ack_input(struct tcp_conn *c, const struct tcp_seg *seg, int syn_unacked,
		   struct tcp_out *out)
{
	uint32_t una_before = c->snd_una;

	if (tcp_seq_ack(c->snd_una, c->snd_nxt, c->max_snd_wnd, seg->ack) != TCP_SEQ_ACCEPT) {
		tcp_conn_challenge(c, out, TCP_DROP_ACK_UNACCEPTABLE);
		return 0;
	}
	if (tcp_seq_gt(seg->ack, c->snd_una)) {
		uint32_t acked = seg->ack - c->snd_una;

		/* SYN and FIN take a number each but are no bytes of the caller's */
		if (syn_unacked)
			acked--;
		if (tcp_conn_fin_pending(c) && seg->ack == c->snd_nxt) {
			acked--;
			out->events |= TCP_EV_FIN_ACKED;
		}
		out->acked_bytes = acked;
		c->snd_una = seg->ack;
	}
	/* RFC 9293 3.10.7.4: only a segment newer than the last update moves the window */
	if (tcp_seq_ge(seg->ack, una_before) &&
	    (tcp_seq_lt(c->snd_wl1, seg->seq) ||
	     (c->snd_wl1 == seg->seq && tcp_seq_le(c->snd_wl2, seg->ack)))) {
		c->snd_wnd = (uint32_t)seg->wnd_raw << c->snd_wscale;
		c->snd_wl1 = seg->seq;
		c->snd_wl2 = seg->ack;
		if (c->snd_wnd > c->max_snd_wnd)
			c->max_snd_wnd = c->snd_wnd;
	}

	if (!(out->events & TCP_EV_FIN_ACKED))
		return c->state != TCP_STATE_CLOSING;   /* CLOSING: "otherwise ignore" */
	switch (c->state) {
	case TCP_STATE_FIN_WAIT_1:
		c->state = TCP_STATE_FIN_WAIT_2;
		return 1;
	case TCP_STATE_CLOSING:
		c->state = TCP_STATE_TIME_WAIT;
		out->events |= TCP_EV_TIME_WAIT;
		return 0;
	default:        /* LAST-ACK */
		c->state = TCP_STATE_CLOSED;
		out->events |= TCP_EV_CLOSED;
		return 0;
	}
}

/* Steps seven and eight in ESTABLISHED, FIN-WAIT-1 and FIN-WAIT-2. */
static void
tcp_conn_text_input(struct tcp_conn *c, const struct tcp_seg *seg, struct tcp_out *out)
{
	uint32_t skip, n;
	int fin = !!(seg->flags & TCP_FLAG_FIN);

	if (seg->len_bytes == 0 && !fin)
		return;         /* a bare ACK: nothing to answer */
	if (tcp_seq_gt(seg->seq, c->rcv_nxt)) {
		/* no reassembly yet: the duplicate ACK asks the peer to fill the hole */
		tcp_conn_ack(c, out);
		out->drop = TCP_DROP_OUT_OF_ORDER;
		return;
	}
	skip = c->rcv_nxt - seg->seq;
	if (skip > seg->len_bytes) {
		n = 0;          /* the FIN too is old: acceptability let in no such segment */
		fin = 0;
	} else {
		n = seg->len_bytes - skip;
	}
	if (n > c->rcv_wnd) {
		n = c->rcv_wnd;
		fin = 0;        /* past the window's edge with the bytes it follows */
		out->drop = TCP_DROP_WINDOW_TRIMMED;
	}
	if (n) {
		out->deliver_off_bytes = skip;
		out->deliver_len_bytes = n;
		c->rcv_nxt += n;
	}
	if (fin) {
		c->rcv_nxt++;
		out->events |= TCP_EV_PEER_FIN;
		switch (c->state) {
		case TCP_STATE_ESTABLISHED:
			c->state = TCP_STATE_CLOSE_WAIT;
			break;
		case TCP_STATE_FIN_WAIT_1:      /* our FIN not acked yet: simultaneous close */
			c->state = TCP_STATE_CLOSING;
			break;
		default:                        /* FIN-WAIT-2 */
			c->state = TCP_STATE_TIME_WAIT;
			out->events |= TCP_EV_TIME_WAIT;
			break;
		}
	}
	tcp_conn_ack(c, out);
}

void
tcp_conn_input(struct tcp_conn *c, const struct tcp_seg *seg, struct tcp_out *out)
{
	uint32_t seg_len;
	int syn_unacked = 0;

	memset(out, 0, sizeof(*out));
	if (c->state == TCP_STATE_CLOSED || c->state == TCP_STATE_LISTEN ||
	    c->state >= TCP_STATE__MAX) {
		out->drop = TCP_DROP_CLOSED;
		return;
	}
	/* the peer's SYN again: our SYN-ACK was lost (before step one: it is old) */
	if (c->state == TCP_STATE_SYN_RECEIVED &&
	    (seg->flags & (TCP_FLAG_SYN | TCP_FLAG_ACK | TCP_FLAG_RST)) == TCP_FLAG_SYN &&
	    seg->seq == c->irs) {
		tcp_conn_synack(c, out);
		return;
	}

	/* first: RFC 5961 3.2 for an RST, RFC 9293's acceptability for everything else */
	if (seg->flags & TCP_FLAG_RST) {
		switch (tcp_seq_rst(c->rcv_nxt, c->rcv_wnd, seg->seq)) {
		case TCP_SEQ_ACCEPT:
			c->state = TCP_STATE_CLOSED;
			out->events = TCP_EV_RESET | TCP_EV_CLOSED;
			return;
		case TCP_SEQ_CHALLENGE:
			tcp_conn_challenge(c, out, TCP_DROP_RST_IN_WINDOW);
			return;
		default:
			out->drop = TCP_DROP_RST_OUT_OF_WINDOW;
			return;
		}
	}
	seg_len = seg->len_bytes + !!(seg->flags & TCP_FLAG_SYN) + !!(seg->flags & TCP_FLAG_FIN);
	if (!tcp_seq_acceptable(c->rcv_nxt, c->rcv_wnd, seg->seq, seg_len)) {
		tcp_conn_ack(c, out);
		out->drop = tcp_seq_le(seg->seq + seg_len, c->rcv_nxt) ? TCP_DROP_SEQ_OLD :
									 TCP_DROP_SEQ_BEYOND;
		/* the peer's FIN again: our last ACK was lost, TIME-WAIT starts over */
		if (c->state == TCP_STATE_TIME_WAIT && (seg->flags & TCP_FLAG_FIN))
			out->events |= TCP_EV_TIME_WAIT;
		return;
	}

	/* fourth: a SYN inside the window */
	if (seg->flags & TCP_FLAG_SYN) {
		if (c->state == TCP_STATE_SYN_RECEIVED) {
			/* passive open: "return to LISTEN", i.e. forget the embryo */
			c->state = TCP_STATE_CLOSED;
			out->events = TCP_EV_CLOSED;
			out->drop = TCP_DROP_SYN_RCVD_SYN;
			return;
		}
		tcp_conn_challenge(c, out, TCP_DROP_SYN_SYNCHRONIZED);
		return;
	}

	/* fifth: the ACK */
	if (!(seg->flags & TCP_FLAG_ACK)) {
		out->drop = TCP_DROP_NO_ACK;
		return;
	}
	if (c->state == TCP_STATE_SYN_RECEIVED) {
		if (!(tcp_seq_gt(seg->ack, c->snd_una) && tcp_seq_le(seg->ack, c->snd_nxt))) {
			out->send_flags = TCP_FLAG_RST;
			out->send_seq = seg->ack;
			out->drop = TCP_DROP_SYN_RCVD_BAD_ACK;
			return;
		}
		c->state = TCP_STATE_ESTABLISHED;
		c->snd_wnd = (uint32_t)seg->wnd_raw << c->snd_wscale;
		if (c->snd_wnd > c->max_snd_wnd)
			c->max_snd_wnd = c->snd_wnd;
		c->snd_wl1 = seg->seq;
		c->snd_wl2 = seg->ack;
		out->events |= TCP_EV_ESTABLISHED;
		syn_unacked = 1;
	}
	if (!tcp_conn_ack_input(c, seg, syn_unacked, out))
		return;

	/* seventh and eighth: text and FIN */
	switch (c->state) {
	case TCP_STATE_ESTABLISHED:
	case TCP_STATE_FIN_WAIT_1:
	case TCP_STATE_FIN_WAIT_2:
		tcp_conn_text_input(c, seg, out);
		return;
	default:        /* CLOSE-WAIT, LAST-ACK, TIME-WAIT: the peer's FIN is behind us */
		if (seg->len_bytes)
			out->drop = TCP_DROP_DATA_AFTER_FIN;
		if (seg->flags & TCP_FLAG_FIN) {
			tcp_conn_ack(c, out);
			if (c->state == TCP_STATE_TIME_WAIT)
				out->events |= TCP_EV_TIME_WAIT;
		}
		return;
	}
}

uint32_t
tcp_conn_send_space(const struct tcp_conn *c)
{
	int32_t space = (int32_t)(c->snd_una + c->snd_wnd - c->snd_nxt);

	return space > 0 ? (uint32_t)space : 0;
}

uint32_t
tcp_conn_send(struct tcp_conn *c, uint32_t len_bytes, struct tcp_out *out)
{
	uint32_t n = 0;

	memset(out, 0, sizeof(*out));
	if (c->state == TCP_STATE_ESTABLISHED || c->state == TCP_STATE_CLOSE_WAIT) {
		n = tcp_conn_send_space(c);
		if (n > len_bytes)
			n = len_bytes;
	}
	if (n == 0)
		return 0;
	tcp_conn_ack(c, out);
	out->send_len_bytes = n;
	c->snd_nxt += n;
	return n;
}

int
tcp_conn_close(struct tcp_conn *c, struct tcp_out *out)
{
	memset(out, 0, sizeof(*out));
	switch (c->state) {
	case TCP_STATE_ESTABLISHED:
		c->state = TCP_STATE_FIN_WAIT_1;
		break;
	case TCP_STATE_CLOSE_WAIT:
		c->state = TCP_STATE_LAST_ACK;
		break;
	default:
		return -ENOTCONN;
	}
	tcp_conn_ack(c, out);
	out->send_flags |= TCP_FLAG_FIN;
	c->snd_nxt++;
	return 0;
}

void
tcp_conn_abort(struct tcp_conn *c, struct tcp_out *out)
{
	memset(out, 0, sizeof(*out));
	switch (c->state) {
	case TCP_STATE_SYN_RECEIVED:
	case TCP_STATE_ESTABLISHED:
	case TCP_STATE_FIN_WAIT_1:
	case TCP_STATE_FIN_WAIT_2:
	case TCP_STATE_CLOSE_WAIT:
		out->send_flags = TCP_FLAG_RST;
		out->send_seq = c->snd_nxt;
		break;
	default:
		break;
	}
	c->state = TCP_STATE_CLOSED;
	out->events = TCP_EV_CLOSED;
}

int
tcp_time_wait_accepts_syn(const struct tcp_conn *c, const struct tcp_seg *seg)
{
	return c->state == TCP_STATE_TIME_WAIT &&
	       (seg->flags & (TCP_FLAG_SYN | TCP_FLAG_ACK | TCP_FLAG_RST)) == TCP_FLAG_SYN &&
	       tcp_seq_gt(seg->seq, c->rcv_nxt);
}
