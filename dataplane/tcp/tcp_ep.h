/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tcp_ep: one worker's TCP endpoint — its connections to the appliance's own addresses,
 * driven by tcp_conn's state machine, and the built-in services on them: echo (RFC 862)
 * and discard (RFC 863), which the lab serves on 198.18.0.1 port 7 (issue 8).
 *
 * A connection belongs to the worker that owns its 5-tuple (DESIGN.md section 2: the
 * receiving worker hands it over), so the table is the worker's own: an rte_hash of
 * four-tuples to slots of a pre-allocated array, no locks, nothing allocated per
 * segment. Every reply is built in the received mbuf, as the appliance's other
 * responders do: addresses and ports swapped, the state machine's numbers and flags
 * written, for echo the delivered bytes moved behind the new header — so a request and
 * its echo cost one packet each way, the ACK riding on the reply.
 *
 * This first version is deliberately partial, and says so in its counters rather than
 * pretending: nothing is retransmitted (an echo lost on the way out is not resent: the
 * peer's retransmission of the request is answered with a duplicate ACK), data past
 * RCV.NXT is not kept, a full table drops new SYNs (SYN cookies, tcp_isn.h, come with the
 * SYN queue), and a connection quiet for TCP_EP_IDLE_NS is forgotten. TIME-WAIT lasts
 * TCP_EP_TIME_WAIT_NS. IPv6 extension headers and fragments are not served.
 *
 * Context: the owning worker lcore (input and tick); create and free on the control
 * thread.
 */
#ifndef SL_TCP_EP_H
#define SL_TCP_EP_H

#include <stdint.h>

#include <rte_ether.h>
#include <rte_mbuf.h>

#include "pkt_fp.h"
#include "tcp_conn.h"
#include "tcp_isn.h"
#include "tcp_timer.h"

#define TCP_EP_CONNS_DEFAULT    16384u
#define TCP_EP_IDLE_NS          (120ull * 1000000000ull)
#define TCP_EP_TIME_WAIT_NS     (4ull * 1000000000ull)
#define TCP_EP_MSS              1460u
#define TCP_EP_WSCALE           0       /* we offer a window of 64 KiB, unscaled */
#define TCP_EP_RCV_WND          65535u

/* What the dataplane serves; ports in host order, 0: off. Shared by every worker. */
struct tcp_ep_conf {
	uint16_t echo_port;
	uint16_t discard_port;
	uint32_t max_conns;             /* per worker */
	struct tcp_secret secret;       /* ISNs: the same on every worker */
};

struct tcp_ep_conn {
	struct tcp_conn c;
	struct tcp_timer timer;         /* idle or TIME-WAIT: the connection's end */
	struct tcp_tuple key;
	uint8_t service;                /* enum tcp_ep_service */
	uint8_t used;
};

struct tcp_ep;

/* The worker's endpoint for conf (kept by pointer). NULL with one line in err. */
struct tcp_ep *tcp_ep_create(const struct tcp_ep_conf *conf, unsigned int worker, int socket,
			     uint64_t now_ns, char *err, size_t errlen);
void tcp_ep_free(struct tcp_ep *ep);

/*
 * A TCP segment to one of the port's own addresses (meta parsed, not a fragment, one
 * segment): the connection's step, and m rewritten into the reply if there is one.
 * Returns the worker's verdict: SL_CNT_TCP_REPLY (send m back out of the port it came
 * in on), SL_CNT_TCP_CONSUMED (taken, nothing to answer: the caller frees m),
 * SL_CNT_NO_SERVICE for a port nothing listens on, or a drop reason. cnt: the
 * worker's counters (connections opened and closed are counted there too).
 */
int tcp_ep_input(struct tcp_ep *ep, const struct rte_ether_addr *our_mac, struct rte_mbuf *m,
		 const struct pkt_meta *meta, uint64_t now_ns, uint64_t *cnt);

/* The timers due by now_ns (idle and TIME-WAIT ends); a bounded amount of work. */
void tcp_ep_tick(struct tcp_ep *ep, uint64_t now_ns, uint64_t *cnt);

/* Connections in use. Context: any thread (a relaxed read). */
uint32_t tcp_ep_conns(const struct tcp_ep *ep);

#endif /* SL_TCP_EP_H */
