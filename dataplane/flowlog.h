/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * flowlog: one record per balanced flow — client, service, backend, packets and bytes
 * each way, duration, how it ended, policy and mode — written as a JSON line when the
 * flow leaves its worker's connection table (docs/flow-logs.md).
 *
 * The key decision is where the cost falls. A packet only counts itself in its entry
 * (conntrack.h: packets and IP bytes per direction); nothing about logging runs per
 * packet. A record is built only when an entry is freed, from the connection table's
 * on_free hook (lb.c), behind one branch on lb_worker.flowlog (NULL when logging is off).
 * The worker then decides sampling by a hash of the client's tuple — 1 flow in N, the
 * same flows on every worker, appliance and restart — fills a fixed-size record and
 * copies it into its own single-producer/single-consumer rte_ring, whose elements are
 * the records themselves (no pointer, no pool, no allocation). A full ring drops the
 * record and counts it (flowlog_dropped_ring); a worker never waits.
 *
 * The control thread (flowlog_drain, from its loop) empties every ring, passes records
 * through a token bucket (--flow-log-rate per second, a second's worth of burst; the
 * rest dropped and counted, flowlog_dropped_cap), formats each as one JSON line and
 * appends them to the file in few write()s on an O_APPEND descriptor (whole lines, so
 * other appenders and logrotate are safe; the path is reopened when it names another
 * file), or sends them to syslog (daemon.info).
 *
 * Limit decisions: a flow's entry gathers what rate limits did to its packets (lb_police:
 * remarked, counted over, dropped), and its record says so in "policed" (null: none).
 *
 * Shared state: a struct flowlog_worker's counters are written by its worker (or the
 * control thread once workers stopped) and read by the control thread, like the worker
 * counters; the rest of struct flowlog is the control thread's.
 */
#ifndef SL_FLOWLOG_H
#define SL_FLOWLOG_H

#include <limits.h>
#include <stdint.h>

#include <jansson.h>
#include <rte_common.h>

#include "conntrack.h"

#define FLOWLOG_RING_SIZE   8192        /* records per worker between two drains */
#define FLOWLOG_DRAIN_BURST 64          /* records dequeued at once */
#define FLOWLOG_BUF_SIZE    65536       /* lines gathered per write() */
#define FLOWLOG_LINE_MAX    1024
#define FLOWLOG_SAMPLE_SEED 0xf10710c5u /* not the balancer's: sampling is independent of
					 * which backend a flow got */

/* How a flow ended. */
#define FLOWLOG_FOREACH_REASON(_)                                                       \
	_(FIN,         "fin")           /* both sides' FINs (a dsr flow: the client's) */ \
	_(RST,         "rst")                                                           \
	_(TIMEOUT,     "timeout")       /* idle past its state's timeout */             \
	_(EVICTED,     "evicted")       /* ended by the balancer before its time */     \
	_(TABLE_RESET, "table-reset")   /* the table was emptied (shutdown) */

enum flowlog_reason {
#define FLOWLOG_REASON_ENUM_(sym, name) FLOWLOG_END_##sym,
	FLOWLOG_FOREACH_REASON(FLOWLOG_REASON_ENUM_)
#undef FLOWLOG_REASON_ENUM_
	FLOWLOG_END__MAX
};

/* What rate limits did to a flow's packets (bits; "policed": null when none). */
enum flowlog_policed {
	FLOWLOG_POLICED_NONE = 0,
	FLOWLOG_POLICED_REMARKED = 1,
	FLOWLOG_POLICED_COUNTED = 2,    /* over a limit whose action is count */
	FLOWLOG_POLICED_DROPPED = 4,    /* some of its packets dropped */
};

/* The counters, in the dataplane's stats JSON under these names. */
#define FLOWLOG_FOREACH_COUNTER(_)                                                      \
	_(WRITTEN,      "flowlog_written")      /* lines written (file) or sent (syslog) */ \
	_(DROPPED_CAP,  "flowlog_dropped_cap")  /* over --flow-log-rate */               \
	_(DROPPED_RING, "flowlog_dropped_ring") /* a worker's ring was full */           \
	_(DROPPED_IO,   "flowlog_dropped_io")   /* lines a failed write() lost */        \
	_(SAMPLED_OUT,  "flowlog_sampled_out")  /* flows --flow-log-sample skipped */    \
	_(WRITE_ERRORS, "flowlog_write_errors") /* failed write()s and reopens */

enum flowlog_counter {
#define FLOWLOG_CNT_ENUM_(sym, name) FLOWLOG_CNT_##sym,
	FLOWLOG_FOREACH_COUNTER(FLOWLOG_CNT_ENUM_)
#undef FLOWLOG_CNT_ENUM_
	FLOWLOG_CNT__MAX
};

extern const char *const flowlog_counter_names[FLOWLOG_CNT__MAX];

/* What a worker hands the control thread: 128 bytes, copied into the ring. */
struct flowlog_rec {
	uint64_t start_tsc;     /* the flow's first packet */
	uint64_t last_tsc;      /* its last packet */
	uint64_t pkts[2];       /* by enum ct_dir: client -> service, backend -> client */
	uint64_t bytes[2];      /* IP bytes */
	uint8_t client[16];     /* network order; an IPv4 address in the first 4 bytes */
	uint8_t vip[16];
	uint8_t backend[16];
	uint8_t local[16];      /* fnat: our address towards the backend */
	uint16_t client_port;   /* network order */
	uint16_t vip_port;
	uint16_t backend_port;
	uint16_t local_port;    /* 0: no local side (dsr, dsr-ipip) */
	uint8_t v6;
	uint8_t proto;
	uint8_t policy;         /* enum lb_policy */
	uint8_t mode;           /* enum lb_mode */
	uint8_t reason;         /* enum flowlog_reason */
	uint8_t state;          /* enum ct_state when it left the table */
	uint8_t policed;        /* enum flowlog_policed bits */
	uint8_t pad;
};

_Static_assert(sizeof(struct flowlog_rec) % 4 == 0, "rte_ring elements are 4-byte words");

/* A worker's side: its ring and what it counts. Cache-aligned: one writer per line. */
struct flowlog_worker {
	struct rte_ring *ring;                  /* SP: the worker, SC: the control thread */
	const struct neigh_table *neigh;        /* dsr backends' addresses (append-only) */
	uint32_t sample;                        /* log 1 flow in sample */
	uint64_t sampled_out;                   /* written by the worker */
	uint64_t dropped_ring;                  /* written by the worker */
} __rte_cache_aligned;

struct dp;
struct dp_args;

/* The control thread's side. Zeroed (static) is a closed, disabled flow log. */
struct flowlog {
	int enabled;
	int to_syslog;
	int fd;                                 /* the file (O_APPEND), when !to_syslog */
	char path[PATH_MAX];
	uint32_t sample;
	uint32_t rate_per_s;                    /* records; 0: no cap */
	unsigned int nb_workers;
	struct flowlog_worker *w;               /* [nb_workers] */
	struct dp *dp;                          /* attached to (flowlog_attach) */
	uint64_t tsc_hz;
	uint64_t tokens;                        /* x tsc_hz: a record costs tsc_hz */
	uint64_t last_tsc;                      /* last refill; 0: none yet */
	uint64_t next_check_tsc;                /* next look at the path (rotation) */
	uint64_t dev, ino;                      /* what fd is */
	char *buf;                              /* FLOWLOG_BUF_SIZE: lines not yet written */
	size_t len;
	uint32_t lines;                         /* in buf */
	int last_errno;                         /* the last I/O error reported, 0: none */
	uint64_t cnt[FLOWLOG_CNT__MAX];         /* the control thread's (not sampled_out,
						 * dropped_ring: the workers') */
};

/*
 * Opens the flow log a's --flow-log* options ask for, for nb_workers workers: the file
 * (created 0640 if need be, appended to) or syslog, and one ring per worker. Without
 * --flow-log it only zeroes fl (disabled). Returns 0, or -errno with one line in err.
 * Context: control thread, before the workers start.
 */
int flowlog_open(struct flowlog *fl, const struct dp_args *a, unsigned int nb_workers,
		 char *err, size_t errlen);

/*
 * Wires an open flow log into dp: each worker's balancer state (lbw->flowlog) and
 * dp->flowlog (stats). Again after a worker's balancer state is replaced (tests). A
 * disabled flow log attaches nothing. Context: control thread, before the workers start.
 */
void flowlog_attach(struct flowlog *fl, struct dp *dp);

/*
 * Entry e of table t is being freed for cause why: its record into fw's ring, if its
 * flow is sampled (else counted), or counted as dropped if the ring is full. Never
 * blocks, allocates or makes a syscall. Context: the table's owner (the worker lcore;
 * the control thread during flowlog_flush), from the table's on_free hook.
 */
void flowlog_flow_end(struct flowlog_worker *fw, const struct ct_table *t,
		      const struct ct_entry *e, enum ct_end why);

/*
 * Empties every worker's ring: records within the rate cap are written, the rest
 * dropped and counted. now_tsc (rte_rdtsc()) drives the token bucket. Returns the lines
 * written. Context: control thread, often (every loop pass; at least every 100 ms keeps
 * the rings from filling below ~80,000 flow ends per second per worker).
 */
unsigned int flowlog_drain(struct flowlog *fl, uint64_t now_tsc);

/*
 * Ends every flow still in the attached workers' connection tables as table-reset,
 * logging them (within the rate cap) in steps the rings hold. Context: control thread,
 * after the workers have stopped (it becomes their rings' producer).
 */
void flowlog_flush(struct flowlog *fl);

/* Detaches, drains what is left, closes the file (or syslog) and frees the rings. Safe
 * on a zeroed or closed flow log. Context: control thread, workers stopped. */
void flowlog_close(struct flowlog *fl);

/* Every counter (control thread's plus the workers' sums) into out[FLOWLOG_CNT__MAX].
 * Context: control thread. */
void flowlog_counters(const struct flowlog *fl, uint64_t *out);

/* Adds the counters to a JSON object (the stats' "counters") by name. Context: control
 * thread. */
void flowlog_stats_json(const struct flowlog *fl, json_t *counters);

/* "fin", "rst", ... Context: any. */
const char *flowlog_reason_name(enum flowlog_reason r);

/*
 * Formats r (from worker) as one JSON line with its newline into buf; wall_ns and
 * now_tsc are the same instant on the wall clock and the TSC, hz the TSC's rate.
 * Returns the length, or 0 if len is too small. Context: any (pure).
 */
size_t flowlog_format(const struct flowlog_rec *r, unsigned int worker, uint64_t wall_ns,
		      uint64_t now_tsc, uint64_t hz, char *buf, size_t len);

#endif /* SL_FLOWLOG_H */
