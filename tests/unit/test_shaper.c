/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_shaper: the subscriber shaper (dataplane/shaper.h) on a real rte_sched, in real
 * time: conf refusals with their messages, the DSCP to class map, one pipe's rate, two
 * pipes' rates side by side, the aggregate holding four pipes that want twice it, strict
 * priority (an EF frame overtakes a standing best-effort queue; the same frame marked
 * best effort waits behind it, so the check cannot pass by accident), shaper_free
 * freeing everything still queued (full queues included, which rte_sched_port_free
 * alone leaks), and the memory footprint per pipe.
 *
 * Rates are measured as rte_sched counts them: frame length plus the frame overhead, on
 * the TSC. Each real-time run offers twice the rate, dequeues continuously and lasts
 * TS_RUN_MS. rte_sched's clock loses the multiples of 2^24 TSC cycles of a gap between
 * two dequeues (shaper.h), which a test process preempted on a busy machine suffers: the
 * run takes that time off what it expects (and says so), and runs once more if it lost a
 * tenth of its time. The error of every run is printed.
 *
 * Context: test process with EAL (--no-huge, no PCI): run as root.
 */
#define ALLOW_EXPERIMENTAL_API          /* rte_sched.h (rte_pie.h inlines), for struct sizes */
#include <CUnit/Basic.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_sched.h>

#include "shaper.h"
#include "cunit_main.h"

#define TS_NB_MBUFS     8191
#define TS_FRAME_BYTES  1000            /* pkt_len of every test frame */
#define TS_OVERHEAD     SHAPER_L1_OVERHEAD_BYTES
#define TS_BURST        32
#define TS_RUN_MS       1000
#define TS_TOLERANCE    0.05

static struct rte_mempool *ts_pool;
static uint64_t ts_hz;

/* What a test frame carries in its first bytes. */
struct ts_tag {
	uint32_t pipe;
	uint32_t seq;
	uint32_t marker;                /* 1: a frame the priority test follows */
};

static void
ts_conf(struct shaper_conf *c, struct shaper_pipe_conf *pipes, uint32_t nb_pipes,
	uint64_t aggregate_bytes, uint16_t qsize)
{
	memset(c, 0, sizeof(*c));
	c->rate_bytes = aggregate_bytes;
	c->mtu = 1514;
	c->frame_overhead = TS_OVERHEAD;
	c->qsize = qsize;
	c->nb_pipes = nb_pipes;
	c->pipes = pipes;
}

static struct shaper *
ts_create(const struct shaper_conf *c)
{
	char err[256] = "";
	struct shaper *s = shaper_create("ts", c, (int)rte_socket_id(), err, sizeof(err));

	if (!s)
		printf("\n  %s", err);
	CU_ASSERT_FATAL(s != NULL);
	return s;
}

/* n frames for pipe and tc, tagged; how many the shaper accepted. */
static unsigned int
ts_offer(struct shaper *s, uint32_t pipe, uint8_t tc, uint32_t marker, uint32_t seq,
	 unsigned int n)
{
	struct rte_mbuf *m[TS_BURST];
	struct ts_tag *t;
	unsigned int i;

	CU_ASSERT_FATAL(n <= TS_BURST);
	if (n == 0 || rte_pktmbuf_alloc_bulk(ts_pool, m, n) != 0)
		return 0;
	for (i = 0; i < n; i++) {
		t = (struct ts_tag *)rte_pktmbuf_append(m[i], TS_FRAME_BYTES);
		t->pipe = pipe;
		t->seq = seq + i;
		t->marker = marker;
		shaper_mark(s, m[i], pipe, tc);
	}
	return shaper_enqueue(s, m, n);
}

static double
ts_sec(uint64_t tsc)
{
	return (double)tsc / (double)ts_hz;
}

/* One pipe's load and what came out of it. */
struct ts_load {
	double offer_bytes;             /* bytes/s offered, frame plus overhead */
	uint64_t offered_pkts;
	uint64_t bytes;                 /* dequeued, frame plus overhead */
};

/*
 * Offers every pipe its load and dequeues continuously for TS_RUN_MS. *elapsed_s: from
 * the first offer to the last dequeue; *lost_s: the time rte_sched's clock lost to gaps
 * of 2^24 cycles or more between dequeues (each loses its multiples of 2^24 cycles,
 * SHAPER_DEQUEUE_GAP_MAX_TSC).
 */
static void
ts_run(struct shaper *s, struct ts_load *ld, uint32_t nb_pipes, double *elapsed_s,
       double *lost_s)
{
	uint64_t t0 = rte_rdtsc(), now = t0, last = t0, end = t0 + ts_hz * TS_RUN_MS / 1000;
	struct rte_mbuf *out[TS_BURST];
	unsigned int n, i, want;
	uint64_t due, lost = 0;
	uint32_t p;

	while (now < end) {
		for (p = 0; p < nb_pipes; p++) {
			due = (uint64_t)(ld[p].offer_bytes * ts_sec(now - t0) /
					 (TS_FRAME_BYTES + TS_OVERHEAD)) + 1;
			while (ld[p].offered_pkts < due) {
				want = (unsigned int)RTE_MIN(due - ld[p].offered_pkts,
							     (uint64_t)TS_BURST);
				ts_offer(s, p, SHAPER_TC_BE, 0, 0, want);
				ld[p].offered_pkts += want;
			}
		}
		n = shaper_dequeue(s, out, TS_BURST);
		for (i = 0; i < n; i++) {
			const struct ts_tag *t = rte_pktmbuf_mtod(out[i], const struct ts_tag *);

			CU_ASSERT(t->pipe < nb_pipes);
			if (t->pipe < nb_pipes)
				ld[t->pipe].bytes += out[i]->pkt_len + TS_OVERHEAD;
		}
		rte_pktmbuf_free_bulk(out, n);
		now = rte_rdtsc();
		lost += (now - last) / SHAPER_DEQUEUE_GAP_MAX_TSC * SHAPER_DEQUEUE_GAP_MAX_TSC;
		last = now;
	}
	*elapsed_s = ts_sec(last - t0);
	*lost_s = ts_sec(lost);
}

/*
 * Creates a shaper for c, runs it with every pipe offered twice its rate, frees it (and
 * checks nothing is left in use); the bytes per pipe in ld, *elapsed_s the time
 * rte_sched's clock saw. Runs once more if the process was preempted so long that the
 * clock lost a tenth of the run.
 */
static void
ts_saturate(const struct shaper_conf *c, struct ts_load *ld, double *elapsed_s)
{
	struct shaper *s;
	double lost;
	uint32_t p;
	int attempt;

	for (attempt = 0; attempt < 2; attempt++) {
		memset(ld, 0, sizeof(*ld) * c->nb_pipes);
		for (p = 0; p < c->nb_pipes; p++)
			ld[p].offer_bytes = 2.0 * (double)c->pipes[p].rate_bytes;
		s = ts_create(c);
		ts_run(s, ld, c->nb_pipes, elapsed_s, &lost);
		shaper_free(s);
		CU_ASSERT(rte_mempool_in_use_count(ts_pool) == 0);
		if (lost > 0)
			printf("\n  preempted: rte_sched's clock lost %.1f ms to dequeue gaps of "
			       "2^24 TSC cycles or more", lost * 1e3);
		*elapsed_s -= lost;
		if (lost * 10 < ts_sec(ts_hz * TS_RUN_MS / 1000))
			return;
		printf("; %s", attempt ? "keeping it" : "again");
	}
}

/* bytes against rate x elapsed + burst: the relative error, printed. */
static double
ts_check(const char *what, uint64_t bytes, uint64_t rate_bytes, uint64_t burst_bytes,
	 double elapsed_s)
{
	double want = (double)rate_bytes * elapsed_s + (double)burst_bytes;
	double e = (double)bytes / want - 1.0;
	/* rte_sched starts a bucket half full: what is left is the rate's own error */
	double e_rate = ((double)bytes - (double)burst_bytes / 2) /
			((double)rate_bytes * elapsed_s) - 1.0;

	printf("\n  %s: %" PRIu64 " bytes in %.3f s, want %.0f (rate %" PRIu64
	       " B/s x elapsed + burst %" PRIu64 "): %+.2f%% (rate alone, from half a "
	       "burst: %+.2f%%)", what, bytes, elapsed_s, want, rate_bytes, burst_bytes,
	       e * 100.0, e_rate * 100.0);
	CU_ASSERT(e > -TS_TOLERANCE && e < TS_TOLERANCE);
	return e;
}

/* --- conf ------------------------------------------------------------------------- */

static void
ts_refused(const struct shaper_conf *c, const char *want)
{
	char err[256] = "";
	struct shaper *s;

	CU_ASSERT(shaper_conf_check(c, err, sizeof(err)) == -EINVAL);
	if (strcmp(err, want) != 0)
		printf("\n  got:  %s\n  want: %s", err, want);
	CU_ASSERT(strcmp(err, want) == 0);
	CU_ASSERT(shaper_footprint(c) == 0);
	err[0] = '\0';
	s = shaper_create("bad", c, 0, err, sizeof(err));
	CU_ASSERT(s == NULL);
	CU_ASSERT(strcmp(err, want) == 0);
	shaper_free(s);
}

static void
test_conf_refusals(void)
{
	struct shaper_pipe_conf pipes[4] = {
		{ 1250000, 15000 }, { 2500000, 15000 }, { 5000, 1538 }, { 125000000, 100000 },
	};
	struct shaper_pipe_conf small[1] = { { 1000, 1538 } };
	struct shaper_conf c, ok;
	char err[256] = "";

	ts_conf(&ok, pipes, 4, 125000000, 64);
	CU_ASSERT(shaper_conf_check(&ok, err, sizeof(err)) == 0);

	c = ok, c.rate_bytes = 0;
	ts_refused(&c, "shaping: rate 0 B/s: want 1000..100000000000 B/s");
	c = ok, c.rate_bytes = 100000000001ULL;
	ts_refused(&c, "shaping: rate 100000000001 B/s: want 1000..100000000000 B/s");
	c = ok, c.mtu = 0;
	ts_refused(&c, "shaping: mtu 0: want 60..65535 bytes");
	c = ok, c.frame_overhead = 200;
	ts_refused(&c, "shaping: frame overhead 200: want at most 128 bytes");
	c = ok, c.qsize = 48;
	ts_refused(&c, "shaping: qsize 48: want a power of 2 from 16 to 4096 packets");
	c = ok, c.qsize = 8;
	ts_refused(&c, "shaping: qsize 8: want a power of 2 from 16 to 4096 packets");
	c = ok, c.qsize = 8192;
	ts_refused(&c, "shaping: qsize 8192: want a power of 2 from 16 to 4096 packets");
	c = ok, c.nb_pipes = 0;
	ts_refused(&c, "shaping: pipes 0: want 1..4096");
	c = ok, c.nb_pipes = SHAPER_PIPES_MAX + 1;
	ts_refused(&c, "shaping: pipes 4097: want 1..4096");
	c = ok, c.pipes = NULL;
	ts_refused(&c, "shaping: pipes: 4 configured but no table");

	pipes[3].rate_bytes = 0;
	ts_refused(&ok, "shaping: pipe 3: rate 0 B/s: want at least 5000 B/s (1000, and "
		   "1/25000 of the aggregate: rte_sched resolves a pipe's rate to 1e-7 of "
		   "its clock)");
	pipes[3].rate_bytes = 4999;
	ts_refused(&ok, "shaping: pipe 3: rate 4999 B/s: want at least 5000 B/s (1000, and "
		   "1/25000 of the aggregate: rte_sched resolves a pipe's rate to 1e-7 of "
		   "its clock)");
	pipes[3].rate_bytes = 125000001;
	ts_refused(&ok, "shaping: pipe 3: rate 125000001 B/s: above the aggregate 125000000 "
		   "B/s");
	pipes[3].rate_bytes = 125000000;
	pipes[2].burst_bytes = 1537;
	ts_refused(&ok, "shaping: pipe 2: burst 1537 bytes: want at least one 1538-byte "
		   "frame (mtu 1514 + overhead 24)");
	pipes[2].burst_bytes = 1538;
	/* the smallest aggregate puts the pipe floor at SHAPER_RATE_MIN_BYTES */
	ts_conf(&c, small, 1, 1000, 16);
	small[0].rate_bytes = 999;
	ts_refused(&c, "shaping: pipe 0: rate 999 B/s: want at least 1000 B/s (1000, and "
		   "1/25000 of the aggregate: rte_sched resolves a pipe's rate to 1e-7 of "
		   "its clock)");
	small[0].rate_bytes = 1000;
	CU_ASSERT(shaper_conf_check(&c, err, sizeof(err)) == 0);
	CU_ASSERT(shaper_conf_check(&ok, err, sizeof(err)) == 0);
	/* the edges are accepted by rte_sched too */
	shaper_free(ts_create(&ok));
	shaper_free(ts_create(&c));
	CU_ASSERT(shaper_free(NULL) == 0);
}

/* Every codepoint's class, against the table in shaper.h. */
static void
test_tc_of_dscp(void)
{
	unsigned int d;
	uint8_t want;

	for (d = 0; d < 64; d++) {
		if (d >= 48)
			want = 0;
		else if (d >= 40)
			want = 1;
		else if (d >= 32)
			want = 2;
		else if (d >= 24)
			want = 3;
		else if (d >= 16)
			want = 4;
		else if (d >= 9)
			want = 5;
		else
			want = SHAPER_TC_BE;
		CU_ASSERT(shaper_tc_of_dscp((uint8_t)d) == want);
		CU_ASSERT(shaper_tc_of_dscp((uint8_t)(d | 0xc0)) == want);   /* ECN bits */
	}
	CU_ASSERT(shaper_tc_of_dscp(46) == 1);          /* EF */
	CU_ASSERT(shaper_tc_of_dscp(8) == SHAPER_TC_BE);   /* CS1 */
	CU_ASSERT(shaper_tc_of_dscp(1) == SHAPER_TC_BE);   /* LE */
	CU_ASSERT(shaper_tc_of_dscp(10) == 5);          /* AF11 */
	CU_ASSERT(SHAPER_TC_BE == SHAPER_TCS - 1);
}

/* --- rates ------------------------------------------------------------------------ */

static void
test_rate_one_pipe(void)
{
	struct shaper_pipe_conf pipes[1] = { { 1250000, 15000 } };     /* 10 Mbit/s */
	struct ts_load ld[1];
	struct shaper_conf c;
	double el;

	ts_conf(&c, pipes, 1, 125000000, 64);
	ts_saturate(&c, ld, &el);
	ts_check("pipe 0 at 1250000 B/s", ld[0].bytes, 1250000, 15000, el);
}

static void
test_rate_two_pipes(void)
{
	struct shaper_pipe_conf pipes[2] = { { 1250000, 15000 }, { 2500000, 15000 } };
	struct ts_load ld[2];
	struct shaper_conf c;
	double el;

	ts_conf(&c, pipes, 2, 125000000, 64);
	ts_saturate(&c, ld, &el);
	ts_check("pipe 0 at 1250000 B/s", ld[0].bytes, 1250000, 15000, el);
	ts_check("pipe 1 at 2500000 B/s", ld[1].bytes, 2500000, 15000, el);
}

/* Four pipes each allowed half the aggregate, each offered its own rate twice. */
static void
test_rate_aggregate(void)
{
	struct shaper_pipe_conf pipes[4] = {
		{ 2500000, 15000 }, { 2500000, 15000 }, { 2500000, 15000 }, { 2500000, 15000 },
	};
	uint64_t total = 0, subport_burst = 5000000 * SHAPER_SUBPORT_BURST_MS / 1000;
	struct ts_load ld[4];
	struct shaper_conf c;
	double el;
	uint32_t p;

	ts_conf(&c, pipes, 4, 5000000, 64);
	ts_saturate(&c, ld, &el);
	for (p = 0; p < 4; p++)
		total += ld[p].bytes;
	for (p = 0; p < 4; p++)
		printf("\n  pipe %u: %.0f B/s, %.1f%% of the total", p,
		       (double)ld[p].bytes / el, 100.0 * (double)ld[p].bytes / (double)total);
	ts_check("4 pipes under a 5000000 B/s aggregate", total, 5000000, subport_burst, el);
	/* and not one pipe took it all: each got something of its own rate */
	for (p = 0; p < 4; p++)
		CU_ASSERT((double)ld[p].bytes / el > 0.1 * 2500000);
}

/* --- priority --------------------------------------------------------------------- */

#define TP_PIPE_RATE    1250000
#define TP_BURST        3076            /* two full frames, three test frames */
#define TP_QSIZE        64
#define TP_MARKERS      25
#define TP_MARKER_MS    10

/* What the priority run saw of its markers. */
struct tp_result {
	unsigned int markers_out;
	uint64_t passed_min, passed_max; /* best-effort frames dequeued while a marker waited */
	uint64_t backlog_min;            /* best-effort frames queued ahead when one went in */
	double wait_max_ms;
};

/*
 * One pipe with a best-effort queue kept at qsize - 1 frames; every TP_MARKER_MS a
 * marker frame of class marker_tc goes in. For each marker: the best-effort frames
 * dequeued between its enqueue and its dequeue, and its wait.
 */
static void
tp_run(uint8_t marker_tc, struct tp_result *r)
{
	struct shaper_pipe_conf pipes[1] = { { TP_PIPE_RATE, TP_BURST } };
	uint64_t be_in = 0, be_out = 0, seen[TP_MARKERS], at[TP_MARKERS], in_be = 0;
	uint64_t t0, now, next, end, backlog;
	struct rte_mbuf *out[TS_BURST];
	unsigned int markers = 0, n, i;
	struct shaper_conf c;
	struct shaper *s;

	memset(r, 0, sizeof(*r));
	r->passed_min = r->backlog_min = UINT64_MAX;
	ts_conf(&c, pipes, 1, 125000000, TP_QSIZE);
	s = ts_create(&c);
	t0 = rte_rdtsc();
	next = t0 + ts_hz * TP_MARKER_MS / 1000;
	end = t0 + ts_hz * (TP_MARKERS + 10) * TP_MARKER_MS / 1000;
	for (now = t0; now < end; now = rte_rdtsc()) {
		/* keep the best-effort queue one short of full, so a marker fits behind it
		 * (markers in the best-effort class take their place in it too) */
		backlog = be_in - be_out;
		if (marker_tc == SHAPER_TC_BE)
			backlog += in_be;
		while (backlog < TP_QSIZE - 1) {
			n = ts_offer(s, 0, SHAPER_TC_BE, 0, 0,
				     (unsigned int)RTE_MIN(TP_QSIZE - 1 - backlog, (uint64_t)TS_BURST));
			be_in += n;
			backlog += n;
		}
		if (now >= next && markers < TP_MARKERS) {
			seen[markers] = be_out;
			at[markers] = now;
			r->backlog_min = RTE_MIN(r->backlog_min, backlog);
			CU_ASSERT(ts_offer(s, 0, marker_tc, 1, markers, 1) == 1);
			in_be += marker_tc == SHAPER_TC_BE;
			markers++;
			next += ts_hz * TP_MARKER_MS / 1000;
		}
		n = shaper_dequeue(s, out, TS_BURST);
		for (i = 0; i < n; i++) {
			const struct ts_tag *t = rte_pktmbuf_mtod(out[i], const struct ts_tag *);

			if (!t->marker) {
				be_out++;
				continue;
			}
			r->markers_out++;
			in_be -= marker_tc == SHAPER_TC_BE;
			r->passed_min = RTE_MIN(r->passed_min, be_out - seen[t->seq]);
			r->passed_max = RTE_MAX(r->passed_max, be_out - seen[t->seq]);
			r->wait_max_ms = RTE_MAX(r->wait_max_ms, ts_sec(now - at[t->seq]) * 1e3);
		}
		rte_pktmbuf_free_bulk(out, n);
	}
	shaper_free(s);
	CU_ASSERT(rte_mempool_in_use_count(ts_pool) == 0);
}

/*
 * EF (dscp 46, class 1) overtakes a standing best-effort queue of 63 frames. rte_sched
 * looks at a pipe's classes when it loads the pipe, and serves the class it is on while
 * the pipe has credits: an EF frame can wait behind the best-effort frames the pipe's
 * bucket holds then, at most its burst (TP_BURST: 3 frames) and the one being sent —
 * after a preemption the bucket is full. The control: the same markers in the
 * best-effort class wait behind the whole queue, so the measure does see a queue when
 * there is one.
 */
static void
test_priority(void)
{
	uint8_t ef = shaper_tc_of_dscp(46);
	struct tp_result pri, fifo;

	CU_ASSERT(ef == 1);
	tp_run(ef, &pri);
	tp_run(SHAPER_TC_BE, &fifo);
	printf("\n  EF markers: %u out, %" PRIu64 "..%" PRIu64 " best-effort frames went first "
	       "(%" PRIu64 "+ queued ahead), waited up to %.2f ms", pri.markers_out,
	       pri.passed_min, pri.passed_max, pri.backlog_min, pri.wait_max_ms);
	printf("\n  same markers as best effort: %u out, %" PRIu64 "..%" PRIu64 " went first, "
	       "waited up to %.2f ms", fifo.markers_out, fifo.passed_min, fifo.passed_max,
	       fifo.wait_max_ms);
	CU_ASSERT(pri.markers_out == TP_MARKERS);
	CU_ASSERT(pri.backlog_min >= TP_QSIZE - 1 - TS_BURST);
	CU_ASSERT(pri.passed_max <= TP_BURST / (TS_FRAME_BYTES + TS_OVERHEAD) + 1);
	CU_ASSERT(fifo.markers_out == TP_MARKERS);
	CU_ASSERT(fifo.passed_min >= TP_QSIZE / 2);
}

/* --- teardown --------------------------------------------------------------------- */

/*
 * Full queues (rte_sched_port_free alone skips them), a partly filled one, packets
 * dropped on full queues (rte_sched frees those), some dequeued: shaper_free returns
 * what was still queued, and the pool is whole again.
 */
static void
test_free_counts(void)
{
	struct shaper_pipe_conf pipes[3] = {
		{ 1250000, 15000 }, { 1250000, 15000 }, { 1250000, 15000 },
	};
	struct rte_mbuf *out[TS_BURST];
	unsigned int queued = 0, n, p;
	struct shaper_conf c;
	struct shaper *s;

	ts_conf(&c, pipes, 3, 125000000, 16);
	/* only full queues */
	s = ts_create(&c);
	for (p = 0; p < 3; p++) {
		n = ts_offer(s, p, SHAPER_TC_BE, 0, 0, 20);     /* 4 dropped and freed */
		CU_ASSERT(n == 16);
		queued += n;
	}
	CU_ASSERT(rte_mempool_in_use_count(ts_pool) == queued);
	n = shaper_free(s);
	printf("\n  full queues: %u queued, shaper_free freed %u", queued, n);
	CU_ASSERT(n == queued);
	CU_ASSERT(rte_mempool_in_use_count(ts_pool) == 0);

	/* full, partly filled, several classes, some dequeued first */
	s = ts_create(&c);
	queued = ts_offer(s, 0, SHAPER_TC_BE, 0, 0, 16);
	queued += ts_offer(s, 0, shaper_tc_of_dscp(46), 0, 0, 5);
	queued += ts_offer(s, 1, 0, 0, 0, 20);
	queued += ts_offer(s, 2, shaper_tc_of_dscp(10), 0, 0, 3);
	CU_ASSERT(queued == 16 + 5 + 16 + 3);
	n = shaper_dequeue(s, out, 4);
	CU_ASSERT(shaper_dequeue(s, out + n, 0) == 0);
	queued -= n;
	rte_pktmbuf_free_bulk(out, n);
	CU_ASSERT(rte_mempool_in_use_count(ts_pool) == queued);
	n = shaper_free(s);
	printf("\n  mixed queues: %u queued, shaper_free freed %u", queued, n);
	CU_ASSERT(n == queued);
	CU_ASSERT(rte_mempool_in_use_count(ts_pool) == 0);

	/* empty */
	s = ts_create(&c);
	CU_ASSERT(shaper_free(s) == 0);
}

/* --- footprint -------------------------------------------------------------------- */

static size_t
ts_footprint(uint32_t nb_pipes, uint16_t qsize)
{
	static struct shaper_pipe_conf pipes[SHAPER_PIPES_MAX];
	struct shaper_conf c;
	uint32_t i;

	for (i = 0; i < nb_pipes; i++)
		pipes[i] = (struct shaper_pipe_conf){ 1250000, 15000 };
	ts_conf(&c, pipes, nb_pipes, 125000000, qsize);
	return shaper_footprint(&c);
}

/*
 * Per pipe, rte_sched holds 16 queues of qsize mbuf pointers, each with its indexes (4
 * bytes), its statistics and its congestion-management state (the larger of RED's and
 * PIE's, a union); the pipe's state (13 classes of credits) and its profile (one per
 * pipe here), two to six cache lines together; two bytes of bitmap.
 */
static void
test_footprint(void)
{
	static const uint16_t qs[] = { 32, 64, 128 };
	size_t per_queue, lo, hi, per_pipe, prev = 0;
	unsigned int i;

	for (i = 0; i < RTE_DIM(qs); i++) {
		per_queue = qs[i] * sizeof(struct rte_mbuf *) + 4 +
			    sizeof(struct rte_sched_queue_stats) +
			    RTE_MAX(sizeof(struct rte_red), sizeof(struct rte_pie));
		lo = RTE_SCHED_QUEUES_PER_PIPE * per_queue + 2 * RTE_CACHE_LINE_SIZE;
		hi = lo + 4 * RTE_CACHE_LINE_SIZE;
		CU_ASSERT(ts_footprint(64, qs[i]) > ts_footprint(32, qs[i]));
		per_pipe = (ts_footprint(64, qs[i]) - ts_footprint(32, qs[i])) / 32;
		printf("\n  qsize %u: %zu bytes per pipe (want %zu..%zu); 4096 pipes: %zu bytes",
		       qs[i], per_pipe, lo, hi, ts_footprint(SHAPER_PIPES_MAX, qs[i]));
		CU_ASSERT(per_pipe >= lo && per_pipe <= hi);
		CU_ASSERT(ts_footprint(64, qs[i]) > prev);
		prev = ts_footprint(64, qs[i]);
	}
	/* 33 pipes are 64 to rte_sched, all but the profiles (one per configured pipe) */
	CU_ASSERT(ts_footprint(33, 64) <= ts_footprint(64, 64));
	CU_ASSERT(ts_footprint(64, 64) - ts_footprint(33, 64) <= 31 * 4 * RTE_CACHE_LINE_SIZE);
}

/* --- suite ------------------------------------------------------------------------ */

static int
ts_suite_init(void)
{
	static char a0[] = "test_shaper", a1[] = "--no-pci", a2[] = "--no-huge",
		    a3[] = "--no-shconf", a4[] = "-m", a5[] = "128",
		    a6[] = "--log-level=*:error";
	char *argv[] = { a0, a1, a2, a3, a4, a5, a6, NULL };

	if (rte_eal_init((int)RTE_DIM(argv) - 1, argv) < 0) {
		fprintf(stderr, "test_shaper: EAL init failed: %s (needs root)\n",
			rte_strerror(rte_errno));
		return -1;
	}
	ts_hz = rte_get_tsc_hz();
	ts_pool = rte_pktmbuf_pool_create("ts_pool", TS_NB_MBUFS, 0, 0,
					  RTE_MBUF_DEFAULT_BUF_SIZE, (int)rte_socket_id());
	return ts_pool ? 0 : -1;
}

static int
ts_suite_cleanup(void)
{
	rte_mempool_free(ts_pool);
	rte_eal_cleanup();
	return 0;
}

static const struct unit_test tests[] = {
	UNIT_TEST(test_conf_refusals),
	UNIT_TEST(test_tc_of_dscp),
	UNIT_TEST(test_footprint),
	UNIT_TEST(test_free_counts),
	UNIT_TEST(test_rate_one_pipe),
	UNIT_TEST(test_rate_two_pipes),
	UNIT_TEST(test_rate_aggregate),
	UNIT_TEST(test_priority),
	{ NULL, NULL },
};

int
main(void)
{
	return unit_run("shaper", tests, ts_suite_init, ts_suite_cleanup);
}
