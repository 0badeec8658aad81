/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tcp_seq: sequence-number arithmetic and the segment checks of RFC 9293 and RFC 5961,
 * for the dataplane's TCP endpoint (issue 8).
 *
 * Sequence numbers live on a 2^32 circle: a < b means b is less than 2^31 ahead of a,
 * computed as the sign of the 32-bit difference (RFC 1982's serial arithmetic, as every
 * stack does it). Windows are [start, start + len) on that circle. The checks say what
 * to do with a segment, they change nothing:
 *   - acceptability of a segment's sequence range against the receive window (RFC 9293
 *     3.10.7.4, the four cases of its table);
 *   - an RST (RFC 5961 section 3): exactly RCV.NXT resets, elsewhere in the window asks
 *     for a challenge ACK, outside it is dropped — a blind attacker must guess the one
 *     right number, not any number in the window;
 *   - an ACK (RFC 5961 section 5): acceptable from SND.UNA - MAX.SND.WND to SND.NXT;
 *     older or newer ones get a challenge ACK and are otherwise ignored;
 *   - a SYN on a synchronised connection (RFC 5961 section 4): always a challenge ACK.
 *
 * Context: any thread; pure inlines.
 */
#ifndef SL_TCP_SEQ_H
#define SL_TCP_SEQ_H

#include <stdint.h>

static inline int
tcp_seq_lt(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) < 0;
}

static inline int
tcp_seq_le(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) <= 0;
}

static inline int
tcp_seq_gt(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) > 0;
}

static inline int
tcp_seq_ge(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) >= 0;
}

static inline uint32_t
tcp_seq_max(uint32_t a, uint32_t b)
{
	return tcp_seq_ge(a, b) ? a : b;
}

static inline uint32_t
tcp_seq_min(uint32_t a, uint32_t b)
{
	return tcp_seq_le(a, b) ? a : b;
}

/* Whether x lies in [start, start + len) on the circle (len < 2^31). */
static inline int
tcp_seq_in(uint32_t x, uint32_t start, uint32_t len)
{
	return x - start < len;
}

/*
 * RFC 9293 3.10.7.4: whether a segment of seg_len sequence numbers (its data, plus one
 * each for SYN and FIN) starting at seg_seq is acceptable to a receive window of rcv_wnd
 * starting at rcv_nxt:
 *   len 0, window 0:  seg_seq == rcv_nxt
 *   len 0, window >0: seg_seq in the window
 *   len >0, window 0: never (but its ACK, URG and RST are still processed: the caller's)
 *   len >0, window >0: its first or its last number in the window
 */
static inline int
tcp_seq_acceptable(uint32_t rcv_nxt, uint32_t rcv_wnd, uint32_t seg_seq, uint32_t seg_len)
{
	if (seg_len == 0)
		return rcv_wnd == 0 ? seg_seq == rcv_nxt : tcp_seq_in(seg_seq, rcv_nxt, rcv_wnd);
	if (rcv_wnd == 0)
		return 0;
	return tcp_seq_in(seg_seq, rcv_nxt, rcv_wnd) ||
	       tcp_seq_in(seg_seq + seg_len - 1, rcv_nxt, rcv_wnd);
}

enum tcp_seq_verdict {
	TCP_SEQ_ACCEPT,         /* act on it */
	TCP_SEQ_CHALLENGE,      /* send a challenge ACK (rate-limited by the caller), else drop */
	TCP_SEQ_DROP,           /* drop silently */
};

/* RFC 5961 section 3.2: an RST on a synchronised connection. */
static inline enum tcp_seq_verdict
tcp_seq_rst(uint32_t rcv_nxt, uint32_t rcv_wnd, uint32_t seg_seq)
{
	if (seg_seq == rcv_nxt)
		return TCP_SEQ_ACCEPT;
	if (tcp_seq_in(seg_seq, rcv_nxt, rcv_wnd ? rcv_wnd : 1))
		return TCP_SEQ_CHALLENGE;
	return TCP_SEQ_DROP;
}

/*
 * RFC 5961 section 5.2: an ACK field is acceptable from SND.UNA - MAX.SND.WND (the
 * largest window the peer ever offered) to SND.NXT; outside that, a challenge ACK and
 * nothing else of the segment. Within it, the caller still tells a duplicate (== snd_una)
 * from one that acknowledges new data (above snd_una).
 */
static inline enum tcp_seq_verdict
tcp_seq_ack(uint32_t snd_una, uint32_t snd_nxt, uint32_t max_snd_wnd, uint32_t seg_ack)
{
	if (tcp_seq_ge(seg_ack, snd_una - max_snd_wnd) && tcp_seq_le(seg_ack, snd_nxt))
		return TCP_SEQ_ACCEPT;
	return TCP_SEQ_CHALLENGE;
}

#endif /* SL_TCP_SEQ_H */
