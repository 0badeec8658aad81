/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz_tcp: libFuzzer target feeding segments into a connection (issue 8): the bytes
 * pick the handshake's numbers, then a sequence of peer segments (flags, sequence and
 * acknowledgment numbers near the connection's own so most land in its windows, window,
 * length) and of the service's moves (send, close, abort), each through tcp_conn
 * (dataplane/tcp/tcp_conn.h). After every step the connection must still make sense:
 *   - its state is a state; SND.UNA <= SND.NXT, and no more is in flight than the
 *     service sent plus SYN and FIN;
 *   - RCV.NXT never goes back, and the bytes delivered to the service are exactly the
 *     ones between the peer's SYN and RCV.NXT (one for its FIN): in order, none twice,
 *     none skipped; what a step delivers lies inside that segment's payload;
 *   - a closed connection takes nothing more.
 * A broken invariant aborts (the fuzzer keeps the input); ASan and UBSan watch the rest.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tcp_conn.h"
#include "tcp_seq.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FT_STEP 10

static uint32_t
ft_get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint16_t
ft_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static int
ft_synchronized(uint8_t st)
{
	return st != TCP_STATE_CLOSED && st != TCP_STATE_LISTEN && st != TCP_STATE_SYN_RECEIVED;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tcp_conn c;
	struct tcp_seg s;
	struct tcp_out o;
	uint64_t delivered = 0, app_sent = 0;
	uint32_t irs, fins = 0;
	size_t i;

	if (size < 12)
		return 0;
	memset(&s, 0, sizeof(s));
	irs = ft_get32(data + 4);
	s.seq = irs;
	s.flags = TCP_FLAG_SYN;
	s.wnd_raw = ft_get16(data + 8);
	if (data[10] & 1) {
		s.opts.have |= TCP_OPTS_MSS;
		s.opts.mss = (uint16_t)(data[11] << 4);
	}
	if (data[10] & 2) {
		s.opts.have |= TCP_OPTS_WSCALE;
		s.opts.wscale = (uint8_t)((data[10] >> 4) % (TCP_OPT_WSCALE_MAX + 1));
	}
	memset(&c, 0, sizeof(c));
	if (!tcp_listen_input(&s, ft_get32(data), 1460, 7, 65535u << 2, &c, &o))
		return 0;
	if (c.state != TCP_STATE_SYN_RECEIVED || c.rcv_nxt != irs + 1 || c.snd_nxt != c.iss + 1)
		abort();
	for (i = 12; i + FT_STEP <= size; i += FT_STEP) {
		const uint8_t *p = data + i;
		uint8_t op = p[0] & 7, before = c.state;
		uint32_t rcv0 = c.rcv_nxt, una0 = c.snd_una;

		memset(&o, 0, sizeof(o));
		if (op == 5) {                  /* the service sends */
			app_sent += tcp_conn_send(&c, ft_get16(p + 1), &o);
		} else if (op == 6) {           /* the service closes */
			tcp_conn_close(&c, &o);
		} else if (op == 7 && (p[1] & 0x0f) == 0) {     /* rarely: it aborts */
			tcp_conn_abort(&c, &o);
		} else {                        /* a segment from the peer */
			memset(&s, 0, sizeof(s));
			s.flags = p[1];
			/* mostly near RCV.NXT and SND.UNA..SND.NXT; the high bit throws far */
			s.seq = c.rcv_nxt + (uint32_t)(int32_t)(int16_t)ft_get16(p + 2) *
				(p[8] & 0x80 ? 65537u : 1u);
			s.ack = c.snd_una + (uint32_t)(int32_t)(int16_t)ft_get16(p + 4) *
				(p[8] & 0x40 ? 65537u : 1u);
			s.wnd_raw = ft_get16(p + 6);
			s.len_bytes = (uint32_t)(p[8] & 0x3f) << 5 | p[9] >> 3;
			if (s.flags & TCP_FLAG_SYN && p[9] & 1) {
				s.opts.have = TCP_OPTS_MSS;
				s.opts.mss = 1200;
			}
			tcp_conn_input(&c, &s, &o);
			if ((uint64_t)o.deliver_off_bytes + o.deliver_len_bytes > s.len_bytes)
				abort();        /* delivered bytes outside the segment */
			if (o.deliver_len_bytes && !ft_synchronized(c.state) &&
			    !(o.events & (TCP_EV_CLOSED | TCP_EV_RESET)))
				abort();        /* text delivered before the handshake */
		}
		delivered += o.deliver_len_bytes;
		if (o.events & TCP_EV_PEER_FIN)
			fins++;
		if (c.state >= TCP_STATE__MAX || o.drop >= TCP_DROP__MAX)
			abort();
		if (c.state == TCP_STATE_CLOSED)
			break;          /* freed by the caller: nothing more goes in */
		if (!tcp_seq_le(c.snd_una, c.snd_nxt) || tcp_seq_lt(c.snd_una, una0))
			abort();        /* SND.UNA past SND.NXT, or gone back */
		if ((uint64_t)(c.snd_nxt - c.snd_una) > app_sent + 2)
			abort();        /* more in flight than was ever sent */
		if (tcp_seq_lt(c.rcv_nxt, rcv0))
			abort();        /* RCV.NXT went back */
		if (before != TCP_STATE_SYN_RECEIVED || ft_synchronized(c.state))
			if ((uint64_t)(c.rcv_nxt - irs - 1) != delivered + fins)
				abort();        /* bytes skipped or delivered twice */
		if (fins > 1)
			abort();        /* a FIN counted twice */
	}
	return 0;
}
