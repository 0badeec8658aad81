/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * metrics: Prometheus metrics over HTTP (libmicrohttpd), default 127.0.0.1:9477.
 *
 * Names are sluice_<what>_<unit>, counters end in _total, and no label names a client:
 * sluiced's own counters, its configuration generation, the dataplane's up-ness and its
 * counters (sluice_dataplane_events_total{event}), the XDP filter's
 * (sluice_xdp_events_total{event}), and per backend its health, checks and check RTT.
 *
 * The server runs in sluiced's loop (libmicrohttpd's epoll mode, no thread), so a scrape
 * reads the daemon's state without locks; a scrape asks the dataplane for its counters
 * over its socket (bounded by a second).
 *
 * Context: sluiced's thread.
 */
#ifndef SL_METRICS_H
#define SL_METRICS_H

#include <stddef.h>

struct sd;
struct metrics;

/* Listens on addr ("IP:PORT", IPv4 or [IPv6]). NULL with err on failure. */
struct metrics *metrics_start(struct sd *sd, const char *addr, char *err, size_t errlen);
/* Runs the server's timeouts (its socket events come through the loop). */
void metrics_poll(struct metrics *m);
void metrics_stop(struct metrics *m);

#endif /* SL_METRICS_H */
