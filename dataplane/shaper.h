/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * shaper: traffic shaping toward subscribers on DPDK's hierarchical scheduler
 * (rte_sched). One shaper per (worker, port): one subport, the aggregate, over up to
 * SHAPER_PIPES_MAX pipes, one per subscriber. The caller picks the pipe; the traffic class
 * comes from the DSCP (shaper_tc_of_dscp): thirteen classes in strict priority, a lower
 * class served first, best effort last. Each pipe is a token bucket (rate, burst); every
 * class may use the whole pipe rate, so priority decides the order, never a share.
 *
 * The decisions that shape it:
 *  - rte_sched keeps time in bytes at its "port rate", and that clock advances with the
 *    TSC and also with every byte it hands out (it expects the NIC to pace the port). A
 *    bucket whose rate equals the clock rate therefore refills with every byte sent and
 *    hands out far more than its size within one dequeue call; the clock then runs ahead
 *    of the TSC, so the long-run rate holds but the burst does not (measured after an
 *    idle 100 ms, 1 ms of dequeues: a 15 KB bucket at the clock rate gave 64 KB, all
 *    there was). The port rate is thus not the aggregate but a clock at up to twice it
 *    (an exact number of TSC cycles per 256 bytes, so rte_sched's cycles-to-bytes
 *    division does not drift), and the subport's bucket holds the aggregate in software,
 *    whatever the link or the caller's dequeue rate. A bucket at the aggregate still
 *    overshoots a little (same test: 28 KB where 20 were due; four pipes under a 53 KB
 *    subport bucket: 49 KB); pipes well below it do not.
 *  - The price of that clock: a pipe's rate is a fraction of it, which rte_sched
 *    approximates to 1e-7, so a pipe may not go below the aggregate /
 *    SHAPER_PIPE_RATE_DIV (its rate would be off by more than 1%).
 *  - Classes have a per-period cap in rte_sched that cannot be switched off (credits
 *    reset, not accumulated, each period: a frame that does not fit the rest waits for
 *    the next). Every class gets the pipe's full rate and a period holding
 *    SHAPER_TC_FRAMES full frames (at least SHAPER_TC_PERIOD_MIN_MS), so the cap costs
 *    under 1% (measured at 1.25 MB/s, 1 KB frames: -1.3% with 10 ms, 0.0% with 123 ms).
 *    Bursts are the token buckets' business: a pipe's burst_bytes, the subport's
 *    SHAPER_SUBPORT_BURST_MS of the aggregate. rte_sched starts every bucket half full.
 *  - Priority is rte_sched's: it reads a pipe's backlogged classes when it loads the
 *    pipe and stays on the class it serves while the pipe has credits, so a frame of a
 *    higher class can wait behind up to one pipe burst (burst_bytes) of a lower class
 *    already being served. Small bursts keep priority tight.
 *  - No congestion management (tail drop) and no best-effort oversubscription control
 *    (rte_sched's adaptive per-pipe cap when the pipes' sum exceeds the subport, on by
 *    default: measured, four equal saturated pipes got 29/29/29/13% of the aggregate
 *    over the first second; without it 24.5..25.7%). What a pipe sends is bounded by its
 *    own rate and the aggregate's, nothing adaptive.
 *  - rte_sched frees the mbufs it drops, and the ones still queued when it is freed,
 *    except in a queue that is exactly full (22.11, and upstream still): its read and
 *    write indexes meet and rte_sched_port_free skips it. shaper_free drains the shaper
 *    itself first.
 *  - rte_sched's clock is the TSC read in each dequeue, with the gap since the previous
 *    one converted through 32 bits: see SHAPER_DEQUEUE_GAP_MAX_TSC.
 *
 * Context: the control thread creates and frees a shaper; the one worker that owns it
 * marks, enqueues and dequeues, without locks. Nothing else may touch it meanwhile.
 */
#ifndef SL_SHAPER_H
#define SL_SHAPER_H

#include <stddef.h>
#include <stdint.h>

/* Not rte_sched.h: it pulls in rte_pie.h, whose inlines call experimental functions, and
 * every file including this one would need ALLOW_EXPERIMENTAL_API. shaper.c checks the
 * two numbers against rte_sched's. */
struct rte_mbuf;

#define SHAPER_PIPES_MAX             4096
#define SHAPER_TCS                   13     /* RTE_SCHED_TRAFFIC_CLASSES_PER_PIPE */
#define SHAPER_TC_BE                 12     /* RTE_SCHED_TRAFFIC_CLASS_BE: best effort */
#define SHAPER_QSIZE_MIN             16
#define SHAPER_QSIZE_MAX             4096
#define SHAPER_RATE_MIN_BYTES        1000ULL            /* 8 kbit/s */
#define SHAPER_RATE_MAX_BYTES        100000000000ULL    /* 800 Gbit/s */
#define SHAPER_PIPE_RATE_DIV         25000              /* pipe rate >= aggregate / this */
#define SHAPER_MTU_MIN_BYTES         60
#define SHAPER_MTU_MAX_BYTES         65535
#define SHAPER_FRAME_OVERHEAD_MAX_BYTES 128
#define SHAPER_L1_OVERHEAD_BYTES     24                 /* preamble + SFD 8, IFG 12, FCS 4 */
#define SHAPER_TC_PERIOD_MIN_MS      10
#define SHAPER_TC_FRAMES             100                /* full frames per class period */
#define SHAPER_SUBPORT_BURST_MS      10
/*
 * rte_sched converts the TSC cycles since its previous dequeue into bytes through a
 * 32-bit argument (cycles << 8 into rte_reciprocal_divide): a gap of 2^24 cycles or more
 * (6.45 ms at 2.6 GHz) loses its multiples of 2^24 cycles for good, and the shaper sends
 * that much less (measured at 1.25 MB/s: a dequeue every 5 ms kept 99.7% of the rate,
 * every 10 ms 40%, every 20 ms 12%). A worker calls shaper_dequeue on every loop pass,
 * with or without traffic; a worker preempted that long loses the time.
 */
#define SHAPER_DEQUEUE_GAP_MAX_TSC   (UINT64_C(1) << 24)

struct shaper_pipe_conf {
	uint64_t rate_bytes;            /* bytes/s */
	uint64_t burst_bytes;           /* token bucket size, bytes */
};

struct shaper_conf {
	uint64_t rate_bytes;            /* bytes/s: the aggregate (the one subport) */
	uint32_t mtu;                   /* largest frame, bytes, without the overhead */
	uint32_t frame_overhead;        /* bytes added per frame for rate accounting (24: L1) */
	uint16_t qsize;                 /* packets per queue: a power of 2, 16..4096 */
	uint32_t nb_pipes;              /* 1..SHAPER_PIPES_MAX; rounded up to a power of 2
					 * inside, the extra pipes unused */
	const struct shaper_pipe_conf *pipes;   /* [nb_pipes] */
};

struct shaper;

/*
 * Checks c: aggregate and pipe rates (SHAPER_RATE_MIN_BYTES..SHAPER_RATE_MAX_BYTES, a
 * pipe at least the aggregate / SHAPER_PIPE_RATE_DIV and at most the aggregate), bursts
 * of at least one full frame (mtu + frame_overhead), mtu, overhead, qsize and nb_pipes.
 * Returns 0, or -EINVAL with one line in err naming the field ("shaping: pipe 3: rate 0
 * B/s: want at least 5000 B/s ..."). Needs no EAL. Context: any thread.
 */
int shaper_conf_check(const struct shaper_conf *c, char *err, size_t errlen);

/*
 * Bytes rte_sched allocates for c (rte_sched_port_get_memory_footprint: its queues, pipes
 * and profiles; it leaves out the subport structure itself, a few KB). 0 if c is bad.
 * Needs no EAL. Context: any thread.
 */
size_t shaper_footprint(const struct shaper_conf *c);

/*
 * A shaper for c on NUMA socket (SOCKET_ID_ANY: the caller's socket, else 0), every pipe
 * configured, all queues empty. name identifies it in messages (rte_sched 22.11 does not
 * use the name, so it need not be unique). NULL with one line in err on a bad c, an
 * uninitialised EAL or no memory. Context: control thread.
 */
struct shaper *shaper_create(const char *name, const struct shaper_conf *c, int socket,
			     char *err, size_t errlen);

/*
 * Frees s and every mbuf still queued in it; returns how many mbufs were freed that way.
 * The queues are drained first at an unlimited rate (rte_sched_port_free leaks an exactly
 * full queue). NULL: nothing, 0. Context: control thread, after the owning worker stopped
 * using s.
 */
unsigned int shaper_free(struct shaper *s);

/*
 * The traffic class of a DSCP (its low 6 bits), strict priority, lower first:
 *   48..63 CS6, CS7 (network control)          0
 *   40..47 CS5, VA 44, EF 46                    1
 *   32..39 CS4, AF41..43                        2
 *   24..31 CS3, AF31..33                        3
 *   16..23 CS2, AF21..23                        4
 *   9..15  AF11..13                             5
 *   8 CS1, 0..7 (default, LE 1)                 12, best effort
 * CS1 is low-priority data (RFC 4594, RFC 3662) and LE below best effort (RFC 8622); no
 * class is below best effort here, so they share it rather than jump ahead of it.
 * Context: any thread, fast path.
 */
static inline uint8_t
shaper_tc_of_dscp(uint8_t dscp)
{
	static const uint8_t tc_of_class[8] = { SHAPER_TC_BE, 5, 4, 3, 2, 1, 0, 0 };

	dscp &= 0x3f;
	if (dscp == 8)
		return SHAPER_TC_BE;
	return tc_of_class[dscp >> 3];
}

/*
 * Stamps m for pipe (below the conf's nb_pipes) and tc, queue 0 of the class, colour
 * green (rte_sched_port_pkt_write). A tc of SHAPER_TCS or more is taken as best effort
 * (rte_sched would index past its class table). It writes m->hash.sched, which overlays
 * the RSS hash: read the hash before. A pipe at or above nb_pipes lands in an
 * unconfigured pipe or another one (rte_sched masks the id to its power of 2), so the
 * caller checks it. Context: worker, fast path.
 */
void shaper_mark(struct shaper *s, struct rte_mbuf *m, uint32_t pipe, uint8_t tc);

/*
 * Queues n marked packets (rte_sched_port_enqueue); returns how many were accepted. Each
 * of the others found its queue full and was dropped AND FREED by rte_sched
 * (rte_sched_port_enqueue_qwa in lib/sched/rte_sched.c calls rte_pktmbuf_free; the API
 * doc: "automatically dropped without any action required from the caller"): the caller
 * must not touch pkts[] after the call. Context: worker, fast path.
 */
unsigned int shaper_enqueue(struct shaper *s, struct rte_mbuf **pkts, unsigned int n);

/*
 * Up to n packets whose pipe, class and the aggregate have the credits now
 * (rte_sched_port_dequeue), in transmission order, into pkts; returns how many. The
 * caller owns them. Call it every loop pass (SHAPER_DEQUEUE_GAP_MAX_TSC). n 0: 0 (rte_sched
 * itself would write a packet into a zero-sized array). Context: worker, fast path.
 */
unsigned int shaper_dequeue(struct shaper *s, struct rte_mbuf **pkts, unsigned int n);

#endif /* SL_SHAPER_H */
