/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tcp_opt: TCP options, read from a peer's segment and written into ours (issue 8).
 *
 * The endpoint implements MSS (RFC 9293) and window scaling (RFC 7323) only. It reads
 * what a Linux client sends in a SYN — MSS, SACK-permitted, timestamps, NOPs, window
 * scale — and answers with MSS, and with its own window scale only if the peer offered
 * one (RFC 7323 section 2.2: scaling is on only when both sides said so). It never
 * echoes an option it does not implement: no SACK-permitted, no timestamps in its
 * SYN-ACK, so the peer sends neither (a peer that sends timestamps anyway is read and
 * ignored, as RFC 7323 section 3.2 allows when they were not negotiated).
 *
 * A malformed option list — a length below 2, a length past the header, an MSS or
 * window scale of the wrong length — makes the segment malformed (the caller drops and
 * counts it): it says nothing a stack could trust. Unknown kinds of a proper length are
 * skipped. A window scale above 14 is taken as 14 (RFC 7323 section 2.3).
 *
 * Context: any thread; tcp_opt_parse and tcp_opt_write_synack are the worker's, per
 * segment, and neither allocates.
 */
#ifndef SL_TCP_OPT_H
#define SL_TCP_OPT_H

#include <stdint.h>

#define TCP_OPT_EOL             0
#define TCP_OPT_NOP             1
#define TCP_OPT_MSS             2
#define TCP_OPT_WSCALE          3
#define TCP_OPT_SACK_PERM       4
#define TCP_OPT_SACK            5
#define TCP_OPT_TIMESTAMP       8

#define TCP_OPT_WSCALE_MAX      14
#define TCP_OPT_MSS_DEFAULT     536     /* RFC 9293 3.7.1: without the option (IPv4) */
#define TCP_OPT_SYNACK_MAX      8       /* what tcp_opt_write_synack may write */

/* tcp_opts.have */
#define TCP_OPTS_MSS            0x01u
#define TCP_OPTS_WSCALE         0x02u
#define TCP_OPTS_SACK_PERM      0x04u
#define TCP_OPTS_TIMESTAMP      0x08u

struct tcp_opts {
	uint8_t have;           /* TCP_OPTS_*: what the segment carried */
	uint8_t wscale;         /* shift, at most TCP_OPT_WSCALE_MAX */
	uint16_t mss;
	uint32_t ts_val, ts_ecr;
};

enum tcp_opt_err {
	TCP_OPT_OK = 0,
	TCP_OPT_BAD_LENGTH,     /* an option's length below 2 or past the header */
	TCP_OPT_BAD_MSS,        /* MSS not 4 bytes long */
	TCP_OPT_BAD_WSCALE,     /* window scale not 3 bytes long */
	TCP_OPT_BAD_TIMESTAMP,  /* timestamps not 10 bytes long */
};

/*
 * Reads the options of a segment (opt: the bytes after the fixed 20-byte header, len:
 * data offset x 4 - 20) into o. syn: whether the segment is a SYN (MSS and window scale
 * count only there; elsewhere they are read and ignored). Returns TCP_OPT_OK or why the
 * list is malformed (o is then not to be used).
 */
enum tcp_opt_err tcp_opt_parse(const uint8_t *opt, unsigned int len, int syn,
			       struct tcp_opts *o);

/*
 * Writes a SYN-ACK's options into out (at least TCP_OPT_SYNACK_MAX bytes): MSS, then,
 * if the peer's SYN offered window scaling, NOP and our window scale. Returns the bytes
 * written, a multiple of 4 (4 or 8).
 */
unsigned int tcp_opt_write_synack(uint8_t *out, uint16_t mss, const struct tcp_opts *peer,
				  uint8_t our_wscale);

/* The error's name, for counters and messages. */
const char *tcp_opt_err_name(enum tcp_opt_err e);

#endif /* SL_TCP_OPT_H */
