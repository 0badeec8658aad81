/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tcp_isn: initial sequence numbers (RFC 6528) and SYN cookies (RFC 4987) for the
 * dataplane's TCP endpoint (issue 8).
 *
 * Both are a keyed hash of the connection's four-tuple: SipHash-2-4 (Aumasson and
 * Bernstein), 64-bit output, under a 128-bit secret drawn from getrandom(2) when the
 * dataplane starts, the same on every worker (a tuple's packets all reach one worker, but
 * a cookie must verify wherever its ACK lands).
 *
 *   ISN = M + F(tuple, secret), M a clock ticking every 4 us (RFC 6528 section 3): a
 *   connection's numbers are unguessable off-path, and a new connection of the same
 *   tuple starts above the old one's (what TIME-WAIT's new-SYN rule relies on).
 *
 *   A SYN cookie is an ISN that carries the connection's state, so that a SYN needs no
 *   memory until its ACK proves the peer real (Linux's layout):
 *     cookie = H1(tuple) + SEG.SEQ + (count << 24) + ((H2(tuple, count) + mss_index) mod 2^24)
 *   count is a clock of TCP_COOKIE_PERIOD_NS (64 s); the ACK's SEG.ACK - 1 is checked by
 *   taking H1 and the peer's ISN off, reading count from the top byte (at most
 *   TCP_COOKIE_MAX_AGE periods old), and the mss index from what H2 of that count leaves;
 *   a forged ACK passes with a chance of about 4 in 2^24 per count. SEG.SEQ is the
 *   peer's own number: a different one only moves the index, as in Linux; what the
 *   check proves is that the peer saw our SYN-ACK. The MSS the cookie
 *   can say is one of four (TCP_COOKIE_MSS); window scaling, SACK and timestamps are not
 *   carried: a connection born from a cookie has no window scaling (the endpoint
 *   implements none of the others anyway).
 *
 * Context: tcp_secret_init on the control thread at start; the rest any thread, pure (the
 * caller passes the time).
 */
#ifndef SL_TCP_ISN_H
#define SL_TCP_ISN_H

#include <stdint.h>

#define TCP_COOKIE_PERIOD_NS    (64ull * 1000 * 1000 * 1000)
#define TCP_COOKIE_MAX_AGE      2       /* periods: a cookie lives 2 to 3 x 64 s */
#define TCP_COOKIE_MSS_N        4

/* The MSS a cookie can carry (Linux's IPv4 table): the largest at most the peer's. */
extern const uint16_t tcp_cookie_mss[TCP_COOKIE_MSS_N];

struct tcp_secret {
	uint64_t k0, k1;
};

/* A connection's four-tuple as the hash sees it: addresses and ports in network order,
 * IPv4 addresses in the first 4 bytes, the rest zero. */
struct tcp_tuple {
	uint8_t family;                 /* 4 or 6 */
	uint8_t pad;
	uint16_t lport;                 /* ours */
	uint16_t rport;                 /* the peer's */
	uint16_t pad2;
	uint8_t laddr[16];
	uint8_t raddr[16];
};

_Static_assert(sizeof(struct tcp_tuple) == 40, "struct tcp_tuple");

/* A fresh secret from getrandom(2). Returns 0 or -errno. Context: control thread. */
int tcp_secret_init(struct tcp_secret *s);

/* SipHash-2-4 of len bytes under s. */
uint64_t tcp_siphash(const struct tcp_secret *s, const void *data, unsigned int len);

/* RFC 6528's ISN for tuple t at now_ns. */
uint32_t tcp_isn(const struct tcp_secret *s, const struct tcp_tuple *t, uint64_t now_ns);

/* The index in tcp_cookie_mss of the largest MSS at most peer_mss (0 if below all). */
unsigned int tcp_cookie_mss_index(uint16_t peer_mss);

/* The SYN cookie to use as our ISN for a SYN of sequence number peer_isn on tuple t at
 * now_ns, carrying mss_index. */
uint32_t tcp_cookie_make(const struct tcp_secret *s, const struct tcp_tuple *t,
			 uint32_t peer_isn, unsigned int mss_index, uint64_t now_ns);

/*
 * Checks the ACK that completes a cookie's handshake: seg_ack - 1 must be a cookie we
 * made for tuple t and the peer ISN seg_seq - 1, at most TCP_COOKIE_MAX_AGE periods ago.
 * Returns the MSS it carries, or 0 if it is not one of ours (drop the segment).
 */
uint16_t tcp_cookie_check(const struct tcp_secret *s, const struct tcp_tuple *t,
			  uint32_t seg_seq, uint32_t seg_ack, uint64_t now_ns);

#endif /* SL_TCP_ISN_H */
