/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * shaper: the control side of the subscriber shaper (shaper.h) — the conf checked with
 * a message per field, rte_sched's port, subport and pipe parameters derived from it, and
 * the teardown that frees every queued mbuf — plus the three fast-path calls, thin
 * wrappers over rte_sched.
 *
 * What rte_sched (22.11, lib/sched/rte_sched.c) does that this file works around:
 *  - Its clock: port->time, in bytes at the port rate, is max(TSC time, its own value)
 *    plus every byte dequeued, and credits are computed from it: a bucket at the port
 *    rate refills with each byte it sends. shaper_clock_bytes sets the port rate to at
 *    most twice the aggregate, at an exact number of TSC cycles per 256 bytes (rte_sched
 *    keeps cycles per byte as an integer in 1/256ths: (hz << 8) / rate).
 *  - Bucket rates are fractions of the port rate from rte_approx_64 at an absolute 1e-7
 *    (the ratio truncated to 1e-7 before that); a fraction below 1e-7 fails, rte_sched
 *    ignores the failure and later divides by the zero period left behind. Hence the
 *    pipe floor, SHAPER_PIPE_RATE_DIV: at least 2e-5 of the clock, within 1%.
 *  - A failed rte_sched_subport_config or rte_sched_pipe_config frees the port itself:
 *    after either fails the port is gone, and is not freed again here.
 *  - rte_sched_port_free frees the mbufs of every queue but an exactly full one (qr and
 *    qw equal modulo qsize: measured, 16 of 21 mbufs leaked). shaper_free first switches
 *    the subport and every pipe to profiles at the clock rate, whose credits come back
 *    with every byte sent, and dequeues everything (262144 mbufs in 4096 pipes: 112 ms).
 *  - Best-effort oversubscription is on by default in 22.11; it is switched off (see
 *    shaper.h).
 *  - The port's name is not used by rte_sched 22.11 (rte_sched_port_config never reads
 *    it); it is kept for messages.
 *  - rte_sched_port_dequeue with n 0 breaks out only while no grinder holds a packet;
 *    once one does it writes past the array (measured: 28 packets for n 0): guarded.
 *
 * Context: control thread (create, free, checks); worker for mark, enqueue, dequeue.
 */
#define ALLOW_EXPERIMENTAL_API  /* rte_sched_subport_tc_ov_config; rte_pie.h's inlines (22.11) */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_sched.h>

#include "shaper.h"

_Static_assert(SHAPER_TCS == RTE_SCHED_TRAFFIC_CLASSES_PER_PIPE, "SHAPER_TCS");
_Static_assert(SHAPER_TC_BE == RTE_SCHED_TRAFFIC_CLASS_BE, "SHAPER_TC_BE");

#define SHAPER_DRAIN_BURST      64
#define SHAPER_DRAIN_MAX_MS     1000    /* a drain at CPU speed never comes near it */
#define SHAPER_SUBPORT_PROFILE  0
#define SHAPER_SUBPORT_DRAIN    1       /* the subport profile shaper_free drains with */

struct shaper {
	struct rte_sched_port *port;
	uint64_t clock_bytes;           /* rte_sched's port rate: its clock, bytes/s */
	uint32_t nb_pipes;              /* configured, the caller's */
	uint32_t nb_pipes_sched;        /* rte_sched's: a power of 2 */
	uint32_t frame_bytes;           /* mtu + frame overhead */
	uint16_t qsize;
	char name[32];
};

/* Everything rte_sched_port_config and rte_sched_subport_config take, for one conf. */
struct shaper_params {
	struct rte_sched_port_params port;
	struct rte_sched_subport_params subport;
	struct rte_sched_subport_profile_params subport_prof[2];
	struct rte_sched_pipe_params *pipe_prof;        /* [nb_pipes], malloc'd */
};

static uint32_t
shaper_frame_bytes(const struct shaper_conf *c)
{
	return c->mtu + c->frame_overhead;
}

/*
 * rte_sched resets a class's credits every period to rate x period (leftovers lost), so a
 * packet that does not fit what is left waits for the next period: the period holds
 * SHAPER_TC_FRAMES full frames, and the cap costs at most one frame in that many.
 */
static uint64_t
shaper_tc_period_ms(uint64_t rate_bytes, uint32_t frame_bytes)
{
	uint64_t ms = ((uint64_t)SHAPER_TC_FRAMES * frame_bytes * 1000 + rate_bytes - 1) /
		      rate_bytes;

	return RTE_MAX(ms, (uint64_t)SHAPER_TC_PERIOD_MIN_MS);
}

/*
 * The port rate rte_sched keeps time in: hz * 256 / n bytes/s for the smallest integer n
 * that puts it at or below twice the aggregate, so that rte_sched's cycles per byte
 * ((hz << 8) / rate, an integer) is n exactly and its clock does not drift. 0 if no clock
 * above the aggregate exists at this TSC frequency.
 */
static uint64_t
shaper_clock_bytes(uint64_t hz, uint64_t rate_bytes)
{
	uint64_t h = hz << 8, n = (h + 2 * rate_bytes - 1) / (2 * rate_bytes);
	uint64_t clock;

	if (n == 0 || n > UINT32_MAX)
		return 0;
	clock = h / n;
	return clock > rate_bytes ? clock : 0;
}

static void
shaper_pipe_params(struct rte_sched_pipe_params *pp, uint64_t rate_bytes,
		   uint64_t burst_bytes, uint32_t frame_bytes)
{
	unsigned int i;

	memset(pp, 0, sizeof(*pp));
	pp->tb_rate = rate_bytes;
	pp->tb_size = burst_bytes;
	for (i = 0; i < SHAPER_TCS; i++)
		pp->tc_rate[i] = rate_bytes;
	pp->tc_period = shaper_tc_period_ms(rate_bytes, frame_bytes);
	pp->tc_ov_weight = 1;
	for (i = 0; i < RTE_SCHED_BE_QUEUES_PER_PIPE; i++)
		pp->wrr_weights[i] = 1;
}

static void
shaper_subport_profile(struct rte_sched_subport_profile_params *sp, uint64_t rate_bytes,
		       uint64_t burst_bytes, uint32_t frame_bytes)
{
	unsigned int i;

	memset(sp, 0, sizeof(*sp));
	sp->tb_rate = rate_bytes;
	sp->tb_size = burst_bytes;
	for (i = 0; i < SHAPER_TCS; i++)
		sp->tc_rate[i] = rate_bytes;
	sp->tc_period = shaper_tc_period_ms(rate_bytes, frame_bytes);
}

/* The drain profiles: the clock rate, whose credits come back with every byte sent. */
static uint64_t
shaper_drain_burst_bytes(uint64_t clock_bytes, uint32_t frame_bytes)
{
	return RTE_MAX(clock_bytes / 100, 2 * (uint64_t)frame_bytes);
}

/* Fills p for c (checked) at clock_bytes; 0 or -ENOMEM. */
static int
shaper_params_build(struct shaper_params *p, const char *name, const struct shaper_conf *c,
		    uint64_t clock_bytes, int socket)
{
	uint32_t frame = shaper_frame_bytes(c), nb_sched = rte_align32pow2(c->nb_pipes), i;
	uint64_t burst = RTE_MAX(c->rate_bytes * SHAPER_SUBPORT_BURST_MS / 1000,
				 2 * (uint64_t)frame);

	memset(p, 0, sizeof(*p));
	p->pipe_prof = calloc(c->nb_pipes, sizeof(*p->pipe_prof));
	if (!p->pipe_prof)
		return -ENOMEM;
	for (i = 0; i < c->nb_pipes; i++)
		shaper_pipe_params(&p->pipe_prof[i], c->pipes[i].rate_bytes,
				   c->pipes[i].burst_bytes, frame);

	shaper_subport_profile(&p->subport_prof[SHAPER_SUBPORT_PROFILE], c->rate_bytes, burst,
			       frame);
	shaper_subport_profile(&p->subport_prof[SHAPER_SUBPORT_DRAIN], clock_bytes,
			       shaper_drain_burst_bytes(clock_bytes, frame), frame);

	p->subport.n_pipes_per_subport_enabled = nb_sched;
	for (i = 0; i < SHAPER_TCS; i++)
		p->subport.qsize[i] = c->qsize;
	p->subport.pipe_profiles = p->pipe_prof;
	p->subport.n_pipe_profiles = c->nb_pipes;
	p->subport.n_max_pipe_profiles = c->nb_pipes + 1;      /* + the drain profile */
	p->subport.cman_params = NULL;                          /* tail drop */

	p->port.name = name;
	p->port.socket = socket;
	p->port.rate = clock_bytes;
	p->port.mtu = c->mtu;
	p->port.frame_overhead = c->frame_overhead;
	p->port.n_subports_per_port = 1;
	p->port.subport_profiles = p->subport_prof;
	p->port.n_subport_profiles = RTE_DIM(p->subport_prof);
	p->port.n_max_subport_profiles = RTE_DIM(p->subport_prof);
	p->port.n_pipes_per_subport = nb_sched;
	return 0;
}

static void
shaper_params_release(struct shaper_params *p)
{
	free(p->pipe_prof);
	p->pipe_prof = NULL;
}

static uint64_t
shaper_pipe_rate_min(uint64_t aggregate_bytes)
{
	uint64_t floor = (aggregate_bytes + SHAPER_PIPE_RATE_DIV - 1) / SHAPER_PIPE_RATE_DIV;

	return RTE_MAX(floor, SHAPER_RATE_MIN_BYTES);
}

int
shaper_conf_check(const struct shaper_conf *c, char *err, size_t errlen)
{
	uint64_t rate_min;
	uint32_t frame, i;

	if (c->rate_bytes < SHAPER_RATE_MIN_BYTES || c->rate_bytes > SHAPER_RATE_MAX_BYTES) {
		snprintf(err, errlen, "shaping: rate %" PRIu64 " B/s: want %llu..%llu B/s",
			 c->rate_bytes, SHAPER_RATE_MIN_BYTES, SHAPER_RATE_MAX_BYTES);
		return -EINVAL;
	}
	if (c->mtu < SHAPER_MTU_MIN_BYTES || c->mtu > SHAPER_MTU_MAX_BYTES) {
		snprintf(err, errlen, "shaping: mtu %u: want %d..%d bytes", c->mtu,
			 SHAPER_MTU_MIN_BYTES, SHAPER_MTU_MAX_BYTES);
		return -EINVAL;
	}
	if (c->frame_overhead > SHAPER_FRAME_OVERHEAD_MAX_BYTES) {
		snprintf(err, errlen, "shaping: frame overhead %u: want at most %d bytes",
			 c->frame_overhead, SHAPER_FRAME_OVERHEAD_MAX_BYTES);
		return -EINVAL;
	}
	if (c->qsize < SHAPER_QSIZE_MIN || c->qsize > SHAPER_QSIZE_MAX ||
	    !rte_is_power_of_2(c->qsize)) {
		snprintf(err, errlen, "shaping: qsize %u: want a power of 2 from %d to %d packets",
			 c->qsize, SHAPER_QSIZE_MIN, SHAPER_QSIZE_MAX);
		return -EINVAL;
	}
	if (c->nb_pipes < 1 || c->nb_pipes > SHAPER_PIPES_MAX) {
		snprintf(err, errlen, "shaping: pipes %u: want 1..%d", c->nb_pipes,
			 SHAPER_PIPES_MAX);
		return -EINVAL;
	}
	if (!c->pipes) {
		snprintf(err, errlen, "shaping: pipes: %u configured but no table", c->nb_pipes);
		return -EINVAL;
	}
	frame = shaper_frame_bytes(c);
	rate_min = shaper_pipe_rate_min(c->rate_bytes);
	for (i = 0; i < c->nb_pipes; i++) {
		const struct shaper_pipe_conf *p = &c->pipes[i];

		if (p->rate_bytes < rate_min) {
			snprintf(err, errlen, "shaping: pipe %u: rate %" PRIu64 " B/s: want at "
				 "least %" PRIu64 " B/s (%llu, and 1/%d of the aggregate: rte_sched "
				 "resolves a pipe's rate to 1e-7 of its clock)", i, p->rate_bytes,
				 rate_min, SHAPER_RATE_MIN_BYTES, SHAPER_PIPE_RATE_DIV);
			return -EINVAL;
		}
		if (p->rate_bytes > c->rate_bytes) {
			snprintf(err, errlen, "shaping: pipe %u: rate %" PRIu64 " B/s: above the "
				 "aggregate %" PRIu64 " B/s", i, p->rate_bytes, c->rate_bytes);
			return -EINVAL;
		}
		if (p->burst_bytes < frame) {
			snprintf(err, errlen, "shaping: pipe %u: burst %" PRIu64 " bytes: want at "
				 "least one %u-byte frame (mtu %u + overhead %u)", i,
				 p->burst_bytes, frame, c->mtu, c->frame_overhead);
			return -EINVAL;
		}
	}
	return 0;
}

size_t
shaper_footprint(const struct shaper_conf *c)
{
	struct rte_sched_subport_params *sub[1];
	struct shaper_params p;
	char err[256];
	uint32_t bytes;

	if (shaper_conf_check(c, err, sizeof(err)))
		return 0;
	/* the sizes do not depend on the clock: any clock above the aggregate passes */
	if (shaper_params_build(&p, "footprint", c, 2 * c->rate_bytes, 0))
		return 0;
	sub[0] = &p.subport;
	bytes = rte_sched_port_get_memory_footprint(&p.port, sub);
	shaper_params_release(&p);
	return bytes;
}

struct shaper *
shaper_create(const char *name, const struct shaper_conf *c, int socket, char *err,
	      size_t errlen)
{
	struct shaper_params p;
	struct shaper *s;
	uint32_t i;
	int rc;

	if (shaper_conf_check(c, err, errlen))
		return NULL;
	if (rte_get_tsc_hz() == 0) {
		snprintf(err, errlen, "shaping: %s: tsc: frequency unknown: EAL is not "
			 "initialised", name);
		return NULL;
	}
	if (socket < 0)
		socket = (int)rte_socket_id();
	if (socket < 0)         /* rte_sched refuses SOCKET_ID_ANY */
		socket = 0;

	s = calloc(1, sizeof(*s));
	if (!s) {
		snprintf(err, errlen, "shaping: %s: out of memory", name);
		return NULL;
	}
	snprintf(s->name, sizeof(s->name), "%s", name);
	s->nb_pipes = c->nb_pipes;
	s->nb_pipes_sched = rte_align32pow2(c->nb_pipes);
	s->qsize = c->qsize;
	s->frame_bytes = shaper_frame_bytes(c);
	s->clock_bytes = shaper_clock_bytes(rte_get_tsc_hz(), c->rate_bytes);
	if (s->clock_bytes == 0) {
		snprintf(err, errlen, "shaping: %s: rate %" PRIu64 " B/s: no rte_sched clock "
			 "for it at a %" PRIu64 " Hz TSC", name, c->rate_bytes, rte_get_tsc_hz());
		goto err_shaper;
	}
	if (shaper_params_build(&p, s->name, c, s->clock_bytes, socket)) {
		snprintf(err, errlen, "shaping: %s: out of memory", name);
		goto err_shaper;
	}

	s->port = rte_sched_port_config(&p.port);
	if (!s->port) {
		snprintf(err, errlen, "shaping: %s: rte_sched_port_config failed (out of memory "
			 "on socket %d?)", name, socket);
		goto err_params;
	}
	/* from here a failure in rte_sched frees the port itself (see the top of file) */
	rc = rte_sched_subport_config(s->port, 0, &p.subport, SHAPER_SUBPORT_PROFILE);
	if (rc) {
		snprintf(err, errlen, "shaping: %s: rte_sched_subport_config: %s (%zu bytes "
			 "on socket %d)", name, strerror(-rc), shaper_footprint(c), socket);
		goto err_params;
	}
	rc = rte_sched_subport_tc_ov_config(s->port, 0, false);
	if (rc) {
		snprintf(err, errlen, "shaping: %s: rte_sched_subport_tc_ov_config: %s", name,
			 strerror(-rc));
		goto err_port;
	}
	for (i = 0; i < c->nb_pipes; i++) {
		rc = rte_sched_pipe_config(s->port, 0, i, (int32_t)i);
		if (rc) {
			snprintf(err, errlen, "shaping: %s: pipe %u: rte_sched_pipe_config: %s",
				 name, i, strerror(-rc));
			goto err_params;
		}
	}
	shaper_params_release(&p);
	return s;

err_port:
	rte_sched_port_free(s->port);
err_params:
	shaper_params_release(&p);
err_shaper:
	free(s);
	return NULL;
}

/* Packets held in s's queues; *full: how many queues are exactly full. */
static uint64_t
shaper_queued(struct shaper *s, uint32_t *full)
{
	struct rte_sched_queue_stats st;
	uint64_t total = 0;
	uint32_t q, nq = s->nb_pipes_sched * RTE_SCHED_QUEUES_PER_PIPE;
	uint16_t qlen;

	*full = 0;
	for (q = 0; q < nq; q++) {
		/* queue ids of subport 0: pipe << 4 | queue in the pipe */
		if (rte_sched_queue_read_stats(s->port, q, &st, &qlen) != 0)
			continue;
		total += qlen;
		if (qlen >= s->qsize)
			(*full)++;
	}
	return total;
}

/*
 * Switches the subport and every pipe to the clock rate and dequeues until nothing is
 * left (or SHAPER_DRAIN_MAX_MS passed); returns how many mbufs it freed. At the clock
 * rate a byte sent advances the clock by one byte and refills one credit, so the drain
 * is not paced.
 */
static uint64_t
shaper_drain(struct shaper *s, uint64_t queued)
{
	struct rte_sched_pipe_params pp;
	struct rte_mbuf *pkts[SHAPER_DRAIN_BURST];
	uint64_t freed = 0, deadline;
	uint32_t prof, i;
	int n;

	shaper_pipe_params(&pp, s->clock_bytes,
			   shaper_drain_burst_bytes(s->clock_bytes, s->frame_bytes), s->frame_bytes);
	if (rte_sched_subport_pipe_profile_add(s->port, 0, &pp, &prof) != 0)
		return 0;
	if (rte_sched_subport_config(s->port, 0, NULL, SHAPER_SUBPORT_DRAIN) != 0) {
		s->port = NULL;         /* rte_sched freed it */
		return 0;
	}
	for (i = 0; i < s->nb_pipes_sched; i++) {
		if (rte_sched_pipe_config(s->port, 0, i, (int32_t)prof) != 0) {
			s->port = NULL; /* rte_sched freed it */
			return 0;
		}
	}
	deadline = rte_get_tsc_cycles() + rte_get_tsc_hz() / 1000 * SHAPER_DRAIN_MAX_MS;
	while (freed < queued && rte_get_tsc_cycles() < deadline) {
		n = rte_sched_port_dequeue(s->port, pkts, SHAPER_DRAIN_BURST);
		if (n > 0) {
			rte_pktmbuf_free_bulk(pkts, (unsigned int)n);
			freed += (uint64_t)n;
		}
	}
	return freed;
}

unsigned int
shaper_free(struct shaper *s)
{
	uint64_t queued, freed = 0, left;
	uint32_t full;

	if (!s)
		return 0;
	queued = shaper_queued(s, &full);
	if (queued) {
		freed = shaper_drain(s, queued);
		if (s->port) {
			left = shaper_queued(s, &full);
			if (full)
				fprintf(stderr, "sluice-dataplane: shaper %s: %u full queues left "
					"after draining: rte_sched_port_free leaks their %" PRIu64
					" mbufs\n", s->name, full, (uint64_t)full * s->qsize);
			/* rte_sched_port_free frees the rest */
			freed += left - (uint64_t)full * s->qsize;
		} else {
			fprintf(stderr, "sluice-dataplane: shaper %s: rte_sched refused the drain "
				"profiles and freed the port: %" PRIu64 " mbufs leaked\n", s->name,
				queued - freed);
		}
	}
	rte_sched_port_free(s->port);
	free(s);
	return (unsigned int)freed;
}

void
shaper_mark(struct shaper *s, struct rte_mbuf *m, uint32_t pipe, uint8_t tc)
{
	if (unlikely(tc >= SHAPER_TCS))
		tc = SHAPER_TC_BE;
	rte_sched_port_pkt_write(s->port, m, 0, pipe, tc, 0, RTE_COLOR_GREEN);
}

unsigned int
shaper_enqueue(struct shaper *s, struct rte_mbuf **pkts, unsigned int n)
{
	return (unsigned int)rte_sched_port_enqueue(s->port, pkts, n);
}

unsigned int
shaper_dequeue(struct shaper *s, struct rte_mbuf **pkts, unsigned int n)
{
	if (unlikely(n == 0))
		return 0;
	return (unsigned int)rte_sched_port_dequeue(s->port, pkts, n);
}
