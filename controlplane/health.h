/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * health: sluiced's health checks of backends, through ordinary kernel sockets.
 *
 * Each backend of a pool with a check (lb_conf_check: tcp, http, udp) is probed every
 * inter_ms, each probe bounded by timeout_ms; fall failures in a row mark it down, rise
 * successes in a row mark it up again (HAProxy's inter/rise/fall, default 2 s/2/3). A
 * backend starts up, as HAProxy's do: a fresh daemon must not empty a pool before its
 * first checks ran. Probes are non-blocking sockets in sluiced's epoll, so hundreds of
 * backends cost no threads; connects close with RST (SO_LINGER 0) so checks leave no
 * TIME_WAIT on the node.
 *
 * The measured RTT (the TCP handshake, the UDP exchange) is kept per backend for
 * reports and for least-latency where the dataplane sees no handshake.
 *
 * Context: sluiced's thread.
 */
#ifndef SL_HEALTH_H
#define SL_HEALTH_H

#include <stdint.h>

#include <jansson.h>

#include "lb_conf.h"

struct sd;
struct health;

enum health_state {
	HEALTH_UNCHECKED,       /* its pool has no check */
	HEALTH_UP,
	HEALTH_DOWN,
};

struct health *health_create(void);
void health_free(struct health *h);

/*
 * Takes the pools' checks and backends from c: targets that stay keep their state and
 * counters, new ones start up, gone ones are dropped (their probe closed).
 */
int health_sync(struct sd *sd, struct health *h, const struct lb_conf *c);

/* Starts the probes that are due and fails the ones past their timeout. Returns the
 * milliseconds until the next thing to do (for the loop's wait). */
int health_tick(struct sd *sd, struct health *h, uint64_t now_ms);

/* A backend's state; HEALTH_UNCHECKED if unknown. */
enum health_state health_of(const struct health *h, const char *pool, const struct lb_addr *a);

/* The targets as JSON (pool, backend, state, rtt_us, checks, failures, last_error). */
json_t *health_json(const struct health *h, const char *pool);

const char *health_state_name(enum health_state s);

/* Changes whenever a probe measured a round trip. */
uint64_t health_rtt_seq(const struct health *h);

/* {"ADDRESS": rtt_us} for every backend that is up with a measured round trip (an
 * address checked in several pools: its largest), for the dataplane's least-latency. */
json_t *health_rtt_json(const struct health *h);

/* For the metrics: calls fn for every target. */
typedef void (*health_each_fn)(void *arg, const char *pool, const struct lb_addr *a,
			       enum health_state st, uint64_t rtt_us, uint64_t checks,
			       uint64_t failures);
void health_each(const struct health *h, health_each_fn fn, void *arg);

#endif /* SL_HEALTH_H */
