/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tcp_conn: the passive side of a TCP connection's state machine, RFC 9293 section 3.10.7
 * hardened per RFC 5961, for the dataplane's TCP endpoint (issue 8).
 *
 * The key decision: the module decides, the caller acts. It sees a segment already parsed
 * (struct tcp_seg: numbers, flags, payload length and options; no mbuf) and answers in a
 * struct tcp_out what to do — at most one segment to send now, which bytes of the input's
 * payload go to the service, how many of our bytes were newly acknowledged, what happened
 * to the connection (events), and why the segment, or part of it, was not used (a drop
 * reason, counted by the caller per worker, never logged). No DPDK, no I/O, no clock, no
 * allocation: it runs in unit tests and under a fuzzer exactly as in the worker.
 *
 * What it does:
 *   - LISTEN (tcp_listen_input): a SYN makes a connection in SYN-RECEIVED and asks for a
 *     SYN-ACK (its options are the caller's: tcp_opt_write_synack); the peer's MSS (536
 *     without the option) and window scaling only when the peer offered it (RFC 7323);
 *     an RST is ignored; any ACK is answered with <SEQ=SEG.ACK><CTL=RST>; a SYN+FIN is
 *     dropped (as Linux does); anything else is dropped (RFC 9293 3.10.7.2, "fourth").
 *   - the other states (tcp_conn_input), in RFC 9293's order: sequence acceptability
 *     (an unacceptable non-RST is answered with an ACK); RST per RFC 5961 3 (exactly
 *     RCV.NXT resets, elsewhere in the window gets a challenge ACK, outside is dropped);
 *     SYN on a synchronised connection: a challenge ACK (RFC 5961 4), except the peer's
 *     retransmitted SYN in SYN-RECEIVED, which gets the SYN-ACK again; no ACK: dropped;
 *     the ACK per RFC 5961 5.2 (outside [SND.UNA - MAX.SND.WND, SND.NXT]: challenge ACK),
 *     SND.UNA advanced, the send window taken with the SND.WL1/WL2 rule and the peer's
 *     scale; the handshake's, the FIN's and the close's transitions; in-order text
 *     delivered (what precedes RCV.NXT trimmed, what passes the window's right edge cut
 *     off) and acknowledged; the FIN.
 *   - the service's side: tcp_conn_send (how much of what it queued may go now, within
 *     the peer's window), tcp_conn_close (our FIN), tcp_conn_abort (our RST).
 *   - tcp_time_wait_accepts_syn: a new SYN reusing a connection in TIME-WAIT (RFC 9293
 *     3.10.7.4 note / RFC 1122 4.2.2.13, as Linux: its SEG.SEQ above the old RCV.NXT).
 *
 * What is NOT here yet (the caller's, or later modules'):
 *   - retransmission: the caller keeps what was sent and not acknowledged (out->acked_bytes
 *     tells it what to free), runs the RTO with tcp_rto on its tcp_timer wheel, and resends
 *     from SND.UNA; fast retransmit on three duplicate ACKs; congestion control (no cwnd:
 *     tcp_conn_send is bounded by the peer's window only, not by an initial window);
 *   - out-of-order reassembly: data beyond RCV.NXT is not kept, only answered with a
 *     duplicate ACK (drop reason out-of-order) so the peer resends it;
 *   - SYN cookies, keepalive, zero-window probes, the FIN-WAIT-2 and TIME-WAIT timers
 *     (events say when to arm them), a delayed-ACK policy (every ACK here is "now"; the
 *     caller may hold a bare ACK briefly or piggyback it on its reply), challenge-ACK
 *     rate limiting (RFC 5961 7: TCP_EV_CHALLENGE marks those), RFC 7323 timestamps and
 *     SACK (never negotiated: tcp_opt.h), urgent data (URG is ignored, its bytes are
 *     ordinary data), TCP Fast Open (a SYN's data is discarded and not acknowledged).
 *
 * Context: the worker lcore that owns the connection (fast path: no allocation, no locks,
 * a few compares per segment); any thread in tests.
 */
#ifndef SL_TCP_CONN_H
#define SL_TCP_CONN_H

#include <stdint.h>

#include "tcp_opt.h"

/* The flags byte of the TCP header (byte 13). */
#define TCP_FLAG_FIN            0x01u
#define TCP_FLAG_SYN            0x02u
#define TCP_FLAG_RST            0x04u
#define TCP_FLAG_PSH            0x08u
#define TCP_FLAG_ACK            0x10u
#define TCP_FLAG_URG            0x20u

#define TCP_CONN_MSS_MIN        48u     /* the peer's MSS floor: Linux's tcp_min_snd_mss */
#define TCP_CONN_WND_UNSCALED   65535u  /* the most a window field says without scaling */

/* RFC 9293 3.3.2's states; the passive side never is in SYN-SENT. */
#define foreach_tcp_state                       \
	_(CLOSED, "closed")                     \
	_(LISTEN, "listen")                     \
	_(SYN_RECEIVED, "syn-received")         \
	_(ESTABLISHED, "established")           \
	_(FIN_WAIT_1, "fin-wait-1")             \
	_(FIN_WAIT_2, "fin-wait-2")             \
	_(CLOSE_WAIT, "close-wait")             \
	_(CLOSING, "closing")                   \
	_(LAST_ACK, "last-ack")                 \
	_(TIME_WAIT, "time-wait")

enum tcp_state {
#define _(sym, str) TCP_STATE_##sym,
	foreach_tcp_state
#undef _
	TCP_STATE__MAX
};

/*
 * Why a segment, or a part of it, was not used. NONE: all of it was. Some are answered
 * (out->send_flags says with what), some are silent; either way the caller counts them.
 */
#define foreach_tcp_drop                                                        \
	_(NONE, "none")                                                         \
	_(LISTEN_RST, "listen-rst")             /* RST to a listener: ignored */ \
	_(LISTEN_ACK, "listen-ack")             /* ACK to a listener: RST */     \
	_(LISTEN_NO_SYN, "listen-no-syn")       /* neither: dropped */           \
	_(SYN_FIN, "syn-fin")                   /* SYN with FIN: dropped */      \
	_(SYN_DATA, "syn-data")                 /* a SYN's payload: discarded */ \
	_(SEQ_OLD, "seq-old")                   /* wholly before RCV.NXT: ACK */ \
	_(SEQ_BEYOND, "seq-beyond-window")      /* past the window: ACK */       \
	_(RST_OUT_OF_WINDOW, "rst-out-of-window")       /* dropped */            \
	_(RST_IN_WINDOW, "rst-in-window")       /* not RCV.NXT: challenge ACK */ \
	_(SYN_SYNCHRONIZED, "syn-synchronized") /* challenge ACK */              \
	_(SYN_RCVD_SYN, "syn-rcvd-syn")         /* new SYN in SYN-RCVD: closed */ \
	_(SYN_RCVD_BAD_ACK, "syn-rcvd-bad-ack") /* not our SYN's ACK: RST */     \
	_(NO_ACK, "no-ack")                     /* ACK bit off: dropped */       \
	_(ACK_UNACCEPTABLE, "ack-unacceptable") /* RFC 5961 5.2: challenge ACK */ \
	_(OUT_OF_ORDER, "out-of-order")         /* data past RCV.NXT: dup ACK */ \
	_(WINDOW_TRIMMED, "window-trimmed")     /* tail past the window: cut */  \
	_(DATA_AFTER_FIN, "data-after-fin")     /* text after the peer's FIN */  \
	_(CLOSED, "closed")                     /* the connection is closed */

enum tcp_drop {
#define _(sym, str) TCP_DROP_##sym,
	foreach_tcp_drop
#undef _
	TCP_DROP__MAX
};

/* tcp_out.events */
#define TCP_EV_ESTABLISHED      0x01u   /* handshake done: hand the connection to the service */
#define TCP_EV_PEER_FIN         0x02u   /* the peer's FIN: end of its input */
#define TCP_EV_RESET            0x04u   /* the peer reset the connection (then CLOSED too) */
#define TCP_EV_CLOSED           0x08u   /* state is CLOSED: free the connection */
#define TCP_EV_TIME_WAIT        0x10u   /* TIME-WAIT entered or its FIN resent: (re)arm 2MSL */
#define TCP_EV_FIN_ACKED        0x20u   /* our FIN acknowledged (FIN-WAIT-2: arm its timer) */
#define TCP_EV_CHALLENGE        0x40u   /* the segment to send is a challenge ACK: rate-limit */

/* A received segment, parsed (by pkt_fp.h and tcp_opt_parse) and its checksum checked. */
struct tcp_seg {
	uint32_t seq;
	uint32_t ack;
	uint32_t len_bytes;             /* payload only, without SYN and FIN */
	uint16_t wnd_raw;               /* the window field as received, not scaled */
	uint8_t flags;                  /* TCP_FLAG_* */
	struct tcp_opts opts;           /* MSS and window scale count only on a SYN */
};

/*
 * One connection's variables (RFC 9293 3.3.1). Written by the owning worker only, through
 * these functions; rcv_wnd is the caller's to lower when the service holds data (never so
 * far that RCV.NXT + RCV.WND moves left: RFC 9293 3.8.6.2.2).
 */
struct tcp_conn {
	uint8_t state;                  /* enum tcp_state */
	uint8_t snd_wscale;             /* the peer's shift, applied to SEG.WND; 0: not scaled */
	uint8_t rcv_wscale;             /* ours, applied to the window we send */
	uint16_t snd_mss_bytes;         /* min(the peer's MSS, ours), at least TCP_CONN_MSS_MIN */
	uint32_t iss;
	uint32_t irs;
	uint32_t snd_una;
	uint32_t snd_nxt;               /* counts our FIN once sent (SND.NXT - 1 is the FIN) */
	uint32_t snd_wnd;               /* bytes, scaled */
	uint32_t snd_wl1;               /* SEG.SEQ of the last window update */
	uint32_t snd_wl2;               /* SEG.ACK of the last window update */
	uint32_t max_snd_wnd;           /* the largest window the peer offered (RFC 5961 5.2) */
	uint32_t rcv_nxt;
	uint32_t rcv_wnd;               /* bytes; what we advertise is rcv_wnd >> rcv_wscale */
};

/*
 * What the caller does after one call. send_flags 0: nothing to send. Otherwise one
 * segment <SEQ=send_seq><ACK=send_ack (if TCP_FLAG_ACK)><WND=send_wnd_raw><CTL=send_flags>,
 * carrying send_len_bytes of the service's data (tcp_conn_send only) and, with
 * TCP_FLAG_SYN, the SYN-ACK's options. A bare ACK may instead ride on a data segment the
 * caller sends before its flush (an ACK number at least send_ack).
 */
struct tcp_out {
	uint8_t send_flags;             /* TCP_FLAG_*; 0: send nothing */
	uint8_t events;                 /* TCP_EV_* */
	uint8_t drop;                   /* enum tcp_drop */
	uint16_t send_wnd_raw;          /* the window field to send, already scaled down */
	uint32_t send_seq;
	uint32_t send_ack;
	uint32_t send_len_bytes;
	uint32_t deliver_off_bytes;     /* the in-order text for the service: payload offset */
	uint32_t deliver_len_bytes;     /* and length; 0: nothing */
	uint32_t acked_bytes;           /* our data newly acknowledged (without SYN and FIN) */
};

/*
 * A segment for a listening port that matches no connection. iss: the ISN to use (the
 * caller's choice, RFC 9293 3.4.1 / RFC 6528; after TIME-WAIT, above the old SND.NXT);
 * our_mss and our_wscale: what the SYN-ACK will say (our_wscale used only if the peer
 * offers scaling); rcv_wnd: our receive window in bytes (at most 65535 without scaling).
 * Returns 1 when conn was set up in SYN-RECEIVED (the caller keeps it and sends out's
 * SYN-ACK), 0 when not (conn untouched; out may still ask for an RST).
 * Context: the worker lcore that owns the flow.
 */
int tcp_listen_input(const struct tcp_seg *seg, uint32_t iss, uint16_t our_mss,
		     uint8_t our_wscale, uint32_t rcv_wnd, struct tcp_conn *conn,
		     struct tcp_out *out);

/*
 * A segment for an existing connection (any state but LISTEN; CLOSED drops it). Updates
 * conn and fills out. Context: the worker lcore that owns the connection.
 */
void tcp_conn_input(struct tcp_conn *conn, const struct tcp_seg *seg, struct tcp_out *out);

/*
 * The service queued len_bytes of data. Returns how many may go now (0 outside
 * ESTABLISHED and CLOSE-WAIT, or with the peer's window full) and advances SND.NXT by
 * that; out describes the data segment (flags ACK, send_seq its first byte,
 * send_len_bytes; the caller cuts it at snd_mss_bytes and keeps it until acknowledged).
 * Context: the worker lcore that owns the connection.
 */
uint32_t tcp_conn_send(struct tcp_conn *conn, uint32_t len_bytes, struct tcp_out *out);

/* What the peer's window still allows: SND.UNA + SND.WND - SND.NXT, or 0. Context: any. */
uint32_t tcp_conn_send_space(const struct tcp_conn *conn);

/*
 * The service closes (after all it queued went through tcp_conn_send): our FIN in out,
 * ESTABLISHED -> FIN-WAIT-1, CLOSE-WAIT -> LAST-ACK. Returns 0, or -ENOTCONN in any other
 * state (nothing done; tcp_conn_abort ends a connection anywhere).
 * Context: the worker lcore that owns the connection.
 */
int tcp_conn_close(struct tcp_conn *conn, struct tcp_out *out);

/*
 * The service or a limit ends the connection at once (RFC 9293 ABORT): an RST
 * <SEQ=SND.NXT> to send in SYN-RECEIVED, ESTABLISHED, FIN-WAIT-1/2 and CLOSE-WAIT, none
 * in the others; CLOSED either way (TCP_EV_CLOSED). Context: the owning worker lcore.
 */
void tcp_conn_abort(struct tcp_conn *conn, struct tcp_out *out);

/*
 * Whether seg, a SYN for a connection in TIME-WAIT, may start a new incarnation: a plain
 * SYN (no ACK, no RST) whose SEG.SEQ is above the old RCV.NXT. The caller then frees conn
 * and runs tcp_listen_input with an ISS above the old SND.NXT. Context: any.
 */
int tcp_time_wait_accepts_syn(const struct tcp_conn *conn, const struct tcp_seg *seg);

/* Names, for counters, the CLI and tests. "?" for a value out of range. Context: any. */
const char *tcp_state_name(enum tcp_state s);
const char *tcp_drop_name(enum tcp_drop d);

#endif /* SL_TCP_CONN_H */
