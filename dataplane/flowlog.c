/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * flowlog: flow records from the workers' connection tables to a file or syslog (see
 * flowlog.h). flowlog_flow_end runs on the worker that frees an entry; everything else
 * on the control thread.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_jhash.h>
#include <rte_malloc.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>

#include "dp_args.h"
#include "flowlog.h"
#include "lb.h"
#include "worker.h"

const char *const flowlog_counter_names[FLOWLOG_CNT__MAX] = {
#define FLOWLOG_CNT_NAME_(sym, name) [FLOWLOG_CNT_##sym] = name,
	FLOWLOG_FOREACH_COUNTER(FLOWLOG_CNT_NAME_)
#undef FLOWLOG_CNT_NAME_
};

static const char *const flowlog_reason_names[FLOWLOG_END__MAX] = {
#define FLOWLOG_REASON_NAME_(sym, name) [FLOWLOG_END_##sym] = name,
	FLOWLOG_FOREACH_REASON(FLOWLOG_REASON_NAME_)
#undef FLOWLOG_REASON_NAME_
};

const char *
flowlog_reason_name(enum flowlog_reason r)
{
	return r < FLOWLOG_END__MAX ? flowlog_reason_names[r] : "?";
}

/* ---- worker side ---------------------------------------------------------------- */

/* What ended the flow: what the flow itself showed (RST, both FINs) outranks why the
 * table let it go, so a closed flow aged out of TIME_WAIT reads "fin", not "timeout". */
static inline uint8_t
flowlog_reason(const struct ct_entry *e, enum ct_end why)
{
	if (e->state == CT_TCP_CLOSE)
		return FLOWLOG_END_RST;
	if (e->fin_seen == 3 || (e->oneway && e->fin_seen))
		return FLOWLOG_END_FIN;
	switch (why) {
	case CT_END_DELETED:
		return FLOWLOG_END_EVICTED;
	case CT_END_FLUSHED:
		return FLOWLOG_END_TABLE_RESET;
	default:
		return FLOWLOG_END_TIMEOUT;
	}
}

void
flowlog_flow_end(struct flowlog_worker *fw, const struct ct_table *t, const struct ct_entry *e,
		 enum ct_end why)
{
	const struct ct_key6 *k6 = e->v6 ? t->key6[e - t->e] : NULL;
	struct flowlog_rec r;

	/* 1 in N by the client's tuple: the same flows whichever worker or node sees them. */
	if (fw->sample > 1 &&
	    (k6 ? rte_jhash(&k6[CT_DIR_ORIG], sizeof(k6[0]), FLOWLOG_SAMPLE_SEED) :
		  rte_jhash(&e->key[CT_DIR_ORIG], sizeof(e->key[0]), FLOWLOG_SAMPLE_SEED)) %
	    fw->sample != 0) {
		fw->sampled_out++;
		return;
	}
	memset(&r, 0, sizeof(r));
	r.start_tsc = e->created_tsc;
	r.last_tsc = ct_last_seen_tsc(t, e);
	r.pkts[0] = e->pkts[0];
	r.pkts[1] = e->pkts[1];
	r.bytes[0] = e->bytes[0];
	r.bytes[1] = e->bytes[1];
	r.v6 = e->v6;
	r.policy = (uint8_t)((e->flags & LB_CT_POLICY_MASK) >> LB_CT_POLICY_SHIFT);
	r.mode = !(e->flags & LB_CT_DSR) ? LB_MODE_FNAT :
		 (e->flags & LB_CT_IPIP) ? LB_MODE_DSR_IPIP : LB_MODE_DSR;
	r.reason = flowlog_reason(e, why);
	r.state = e->state;
	r.policed = (uint8_t)(((e->flags & LB_CT_LIMIT_REMARKED) ? FLOWLOG_POLICED_REMARKED : 0) |
			      ((e->flags & LB_CT_LIMIT_COUNTED) ? FLOWLOG_POLICED_COUNTED : 0) |
			      ((e->flags & LB_CT_LIMIT_DROPPED) ? FLOWLOG_POLICED_DROPPED : 0));
	if (k6) {
		memcpy(r.client, k6[CT_DIR_ORIG].src, 16);
		memcpy(r.vip, k6[CT_DIR_ORIG].dst, 16);
		r.client_port = k6[CT_DIR_ORIG].sport;
		r.vip_port = k6[CT_DIR_ORIG].dport;
		r.proto = k6[CT_DIR_ORIG].proto;
	} else {
		memcpy(r.client, &e->key[CT_DIR_ORIG].src, 4);
		memcpy(r.vip, &e->key[CT_DIR_ORIG].dst, 4);
		r.client_port = e->key[CT_DIR_ORIG].sport;
		r.vip_port = e->key[CT_DIR_ORIG].dport;
		r.proto = e->key[CT_DIR_ORIG].proto;
	}
	if (r.mode == LB_MODE_FNAT) {
		/* The reply tuple: backend:port -> our local address:port. */
		if (k6) {
			memcpy(r.backend, k6[CT_DIR_REPLY].src, 16);
			memcpy(r.local, k6[CT_DIR_REPLY].dst, 16);
			r.backend_port = k6[CT_DIR_REPLY].sport;
			r.local_port = k6[CT_DIR_REPLY].dport;
		} else {
			memcpy(r.backend, &e->key[CT_DIR_REPLY].src, 4);
			memcpy(r.local, &e->key[CT_DIR_REPLY].dst, 4);
			r.backend_port = e->key[CT_DIR_REPLY].sport;
			r.local_port = e->key[CT_DIR_REPLY].dport;
		}
	} else if (fw->neigh && e->backend < NEIGH_MAX) {
		/* dsr keeps no reply tuple: the backend by its neighbour entry, on the
		 * service's port (dsr does not translate ports). */
		const struct neigh_entry *n = &fw->neigh->e[e->backend];

		if (n->v6)
			memcpy(r.backend, n->addr6, 16);
		else
			memcpy(r.backend, &n->addr, 4);
		r.backend_port = r.vip_port;
	}
	if (rte_ring_sp_enqueue_elem(fw->ring, &r, sizeof(r)) != 0)
		fw->dropped_ring++;
}

/* ---- control thread ------------------------------------------------------------- */

static uint64_t
flowlog_tsc_ns(uint64_t tsc, uint64_t hz)
{
	return tsc / hz * 1000000000ULL + tsc % hz * 1000000000ULL / hz;
}

/* "198.18.0.2:40001" or "[2001:db8::2]:40001". */
static void
flowlog_addr(char *b, size_t len, int v6, const uint8_t *a, uint16_t port_be)
{
	char ip[INET6_ADDRSTRLEN];

	if (!inet_ntop(v6 ? AF_INET6 : AF_INET, a, ip, sizeof(ip)))
		snprintf(ip, sizeof(ip), "?");
	snprintf(b, len, v6 ? "[%s]:%u" : "%s:%u", ip, rte_be_to_cpu_16(port_be));
}

/* RFC 3339, UTC, microseconds: "2025-01-31T12:00:00.123456Z". */
static void
flowlog_time(char *b, size_t len, uint64_t wall_ns)
{
	time_t s = (time_t)(wall_ns / 1000000000ULL);
	struct tm tm;
	size_t n;

	if (!gmtime_r(&s, &tm) || (n = strftime(b, len, "%Y-%m-%dT%H:%M:%S", &tm)) == 0) {
		snprintf(b, len, "?");
		return;
	}
	snprintf(b + n, len - n, ".%06uZ", (unsigned int)(wall_ns % 1000000000ULL / 1000));
}

/* The wall clock at a TSC reading, from an instant known on both. */
static uint64_t
flowlog_wall(uint64_t tsc, uint64_t wall_ns, uint64_t now_tsc, uint64_t hz)
{
	if (tsc <= now_tsc)
		return wall_ns - flowlog_tsc_ns(now_tsc - tsc, hz);
	return wall_ns + flowlog_tsc_ns(tsc - now_tsc, hz);
}

size_t
flowlog_format(const struct flowlog_rec *r, unsigned int worker, uint64_t wall_ns,
	       uint64_t now_tsc, uint64_t hz, char *buf, size_t len)
{
	char client[64], vip[64], backend[64], local[72], t_last[40], t_start[40], proto[8];
	char policed[48];
	uint64_t us = r->last_tsc > r->start_tsc ?
		      flowlog_tsc_ns(r->last_tsc - r->start_tsc, hz) / 1000 : 0;
	int n;

	flowlog_addr(client, sizeof(client), r->v6, r->client, r->client_port);
	flowlog_addr(vip, sizeof(vip), r->v6, r->vip, r->vip_port);
	flowlog_addr(backend, sizeof(backend), r->v6, r->backend, r->backend_port);
	if (r->local_port) {
		local[0] = '"';
		flowlog_addr(local + 1, sizeof(local) - 2, r->v6, r->local, r->local_port);
		strcat(local, "\"");
	} else {
		snprintf(local, sizeof(local), "null");
	}
	if (r->proto == IPPROTO_TCP)
		snprintf(proto, sizeof(proto), "tcp");
	else if (r->proto == IPPROTO_UDP)
		snprintf(proto, sizeof(proto), "udp");
	else
		snprintf(proto, sizeof(proto), "%u", r->proto);
	if (r->policed) {
		/* "policed":"remarked,dropped" */
		snprintf(policed, sizeof(policed), "\"%s%s%s%s%s\"",
			 (r->policed & FLOWLOG_POLICED_REMARKED) ? "remarked" : "",
			 (r->policed & FLOWLOG_POLICED_REMARKED) &&
			 (r->policed & ~FLOWLOG_POLICED_REMARKED) ? "," : "",
			 (r->policed & FLOWLOG_POLICED_COUNTED) ? "counted" : "",
			 (r->policed & FLOWLOG_POLICED_COUNTED) &&
			 (r->policed & FLOWLOG_POLICED_DROPPED) ? "," : "",
			 (r->policed & FLOWLOG_POLICED_DROPPED) ? "dropped" : "");
	} else {
		snprintf(policed, sizeof(policed), "null");
	}
	flowlog_time(t_last, sizeof(t_last), flowlog_wall(r->last_tsc, wall_ns, now_tsc, hz));
	flowlog_time(t_start, sizeof(t_start), flowlog_wall(r->start_tsc, wall_ns, now_tsc, hz));
	/* Every value is a number, a fixed word or an address we printed: nothing to
	 * escape. "policed": what rate limits did to the flow (flowlog.h). */
	n = snprintf(buf, len,
		     "{\"time\":\"%s\",\"start\":\"%s\",\"duration_ms\":%" PRIu64 ".%03u,"
		     "\"worker\":%u,\"client\":\"%s\",\"service\":\"%s/%s\",\"backend\":\"%s\","
		     "\"local\":%s,\"policy\":\"%s\",\"mode\":\"%s\","
		     "\"pkts_orig\":%" PRIu64 ",\"bytes_orig\":%" PRIu64 ","
		     "\"pkts_reply\":%" PRIu64 ",\"bytes_reply\":%" PRIu64 ","
		     "\"reason\":\"%s\",\"state\":\"%s\",\"policed\":%s}\n",
		     t_last, t_start, us / 1000, (unsigned int)(us % 1000), worker, client, vip,
		     proto, backend, local, lb_policy_name((enum lb_policy)r->policy),
		     lb_mode_name((enum lb_mode)r->mode), r->pkts[0], r->bytes[0], r->pkts[1],
		     r->bytes[1], flowlog_reason_name((enum flowlog_reason)r->reason),
		     ct_state_name((enum ct_state)r->state), policed);
	return n > 0 && (size_t)n < len ? (size_t)n : 0;
}

/* An I/O error, said once until things work again (the control thread may print). */
static void
flowlog_io_error(struct flowlog *fl, const char *what, int e)
{
	fl->cnt[FLOWLOG_CNT_WRITE_ERRORS]++;
	if (e == fl->last_errno)
		return;
	fl->last_errno = e;
	fprintf(stderr, "sluice-dataplane: flow log %s: %s: %s\n", fl->path, what, strerror(e));
}

static int
flowlog_open_file(struct flowlog *fl)
{
	struct stat st;
	int fd = open(fl->path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) != 0) {
		int rc = -errno;

		close(fd);
		return rc;
	}
	if (fl->fd >= 0)
		close(fl->fd);
	fl->fd = fd;
	fl->dev = (uint64_t)st.st_dev;
	fl->ino = (uint64_t)st.st_ino;
	return 0;
}

/* Once a second: a path that now names another file (rotated, removed) is reopened, so
 * logrotate needs no signal. */
static void
flowlog_check_path(struct flowlog *fl, uint64_t now_tsc)
{
	struct stat st;
	int rc;

	if (fl->to_syslog || now_tsc < fl->next_check_tsc)
		return;
	fl->next_check_tsc = now_tsc + fl->tsc_hz;
	if (stat(fl->path, &st) == 0 && (uint64_t)st.st_dev == fl->dev &&
	    (uint64_t)st.st_ino == fl->ino)
		return;
	rc = flowlog_open_file(fl);
	if (rc)
		flowlog_io_error(fl, "reopen", -rc);
}

/* Writes the gathered lines; whatever a failed write() leaves is lost and counted. */
static void
flowlog_flush_buf(struct flowlog *fl)
{
	size_t off = 0;

	while (off < fl->len) {
		ssize_t n = write(fl->fd, fl->buf + off, fl->len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			uint32_t lost = 0;
			size_t i;

			/* Lines wholly or partly unwritten. */
			for (i = off; i < fl->len; i++)
				lost += fl->buf[i] == '\n';
			fl->cnt[FLOWLOG_CNT_DROPPED_IO] += lost;
			fl->cnt[FLOWLOG_CNT_WRITTEN] += fl->lines - lost;
			flowlog_io_error(fl, "write", n < 0 ? errno : ENOSPC);
			fl->len = 0;
			fl->lines = 0;
			return;
		}
		off += (size_t)n;
	}
	if (fl->len)
		fl->last_errno = 0;
	fl->cnt[FLOWLOG_CNT_WRITTEN] += fl->lines;
	fl->len = 0;
	fl->lines = 0;
}

/* Refills the token bucket up to one second's worth of records. */
static void
flowlog_refill(struct flowlog *fl, uint64_t now_tsc)
{
	uint64_t dt, burst = (uint64_t)fl->rate_per_s * fl->tsc_hz;

	if (!fl->rate_per_s)
		return;
	if (!fl->last_tsc || now_tsc < fl->last_tsc) {
		fl->last_tsc = now_tsc;
		return;
	}
	dt = now_tsc - fl->last_tsc;
	fl->last_tsc = now_tsc;
	if (dt > fl->tsc_hz)
		dt = fl->tsc_hz;            /* a second refills it all; no overflow */
	fl->tokens = RTE_MIN(burst, fl->tokens + dt * fl->rate_per_s);
}

static void
flowlog_emit(struct flowlog *fl, const struct flowlog_rec *r, unsigned int worker,
	     uint64_t wall_ns, uint64_t now_tsc)
{
	size_t n;

	if (fl->rate_per_s) {
		if (fl->tokens < fl->tsc_hz) {
			fl->cnt[FLOWLOG_CNT_DROPPED_CAP]++;
			return;
		}
		fl->tokens -= fl->tsc_hz;
	}
	if (fl->len + FLOWLOG_LINE_MAX > FLOWLOG_BUF_SIZE)
		flowlog_flush_buf(fl);
	n = flowlog_format(r, worker, wall_ns, now_tsc, fl->tsc_hz, fl->buf + fl->len,
			   FLOWLOG_LINE_MAX);
	if (!n) {
		fl->cnt[FLOWLOG_CNT_DROPPED_IO]++;
		return;
	}
	if (fl->to_syslog) {
		fl->buf[fl->len + n - 1] = '\0';        /* syslog adds its own framing */
		syslog(LOG_INFO, "%s", fl->buf + fl->len);
		fl->cnt[FLOWLOG_CNT_WRITTEN]++;
		return;
	}
	fl->len += n;
	fl->lines++;
}

unsigned int
flowlog_drain(struct flowlog *fl, uint64_t now_tsc)
{
	struct flowlog_rec recs[FLOWLOG_DRAIN_BURST];
	uint64_t before, wall_ns, tsc;
	struct timespec ts;
	unsigned int i, j, n, total;

	if (!fl->enabled)
		return 0;
	before = fl->cnt[FLOWLOG_CNT_WRITTEN];
	flowlog_refill(fl, now_tsc);
	flowlog_check_path(fl, now_tsc);
	/* One instant on both clocks converts the records' TSC times (the TSC does not
	 * follow NTP: taken afresh every drain). */
	clock_gettime(CLOCK_REALTIME, &ts);
	tsc = rte_rdtsc();
	wall_ns = (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
	for (i = 0; i < fl->nb_workers; i++) {
		/* At most a ring's worth each: a worker that keeps producing cannot hold the
		 * control thread here. */
		for (total = 0; total < FLOWLOG_RING_SIZE; total += n) {
			n = rte_ring_sc_dequeue_burst_elem(fl->w[i].ring, recs, sizeof(recs[0]),
							   FLOWLOG_DRAIN_BURST, NULL);
			if (!n)
				break;
			for (j = 0; j < n; j++)
				flowlog_emit(fl, &recs[j], i, wall_ns, tsc);
		}
	}
	if (!fl->to_syslog)
		flowlog_flush_buf(fl);
	return (unsigned int)(fl->cnt[FLOWLOG_CNT_WRITTEN] - before);
}

int
flowlog_open(struct flowlog *fl, const struct dp_args *a, unsigned int nb_workers,
	     char *err, size_t errlen)
{
	unsigned int i;
	int rc;

	memset(fl, 0, sizeof(*fl));
	fl->fd = -1;
	if (!a->flow_log[0])
		return 0;
	snprintf(fl->path, sizeof(fl->path), "%s", a->flow_log);
	fl->sample = a->flow_log_sample ? a->flow_log_sample : 1;
	fl->rate_per_s = a->flow_log_rate;
	fl->tsc_hz = rte_get_tsc_hz();
	fl->tokens = (uint64_t)fl->rate_per_s * fl->tsc_hz;       /* starts with a second's burst */
	fl->buf = malloc(FLOWLOG_BUF_SIZE);
	fl->w = rte_zmalloc("sl_flowlog", sizeof(*fl->w) * (nb_workers ? nb_workers : 1),
			    RTE_CACHE_LINE_SIZE);
	if (!fl->buf || !fl->w) {
		snprintf(err, errlen, "flow log: out of memory");
		rc = -ENOMEM;
		goto err_free;
	}
	for (i = 0; i < nb_workers; i++) {
		char name[RTE_RING_NAMESIZE];

		snprintf(name, sizeof(name), "sl_flowlog_%u", i);
		fl->w[i].sample = fl->sample;
		fl->w[i].ring = rte_ring_create_elem(name, sizeof(struct flowlog_rec),
						     FLOWLOG_RING_SIZE, SOCKET_ID_ANY,
						     RING_F_SP_ENQ | RING_F_SC_DEQ);
		if (!fl->w[i].ring) {
			snprintf(err, errlen, "flow log: ring %s: %s", name,
				 rte_strerror(rte_errno));
			rc = -ENOMEM;
			goto err_rings;
		}
		fl->nb_workers = i + 1;
	}
	if (strcmp(fl->path, DP_FLOW_LOG_SYSLOG) == 0) {
		fl->to_syslog = 1;
		openlog("sluice-dataplane", LOG_PID | LOG_NDELAY, LOG_DAEMON);
	} else {
		rc = flowlog_open_file(fl);
		if (rc) {
			snprintf(err, errlen, "--flow-log %s: %s", fl->path, strerror(-rc));
			goto err_rings;
		}
	}
	fl->enabled = 1;
	return 0;
err_rings:
	for (i = 0; i < fl->nb_workers; i++)
		rte_ring_free(fl->w[i].ring);
err_free:
	rte_free(fl->w);
	free(fl->buf);
	memset(fl, 0, sizeof(*fl));
	fl->fd = -1;
	return rc;
}

void
flowlog_attach(struct flowlog *fl, struct dp *dp)
{
	unsigned int i;

	if (!fl->enabled)
		return;
	fl->dp = dp;
	dp->flowlog = fl;
	for (i = 0; i < fl->nb_workers && i < dp->nb_workers; i++) {
		fl->w[i].neigh = dp->neigh;
		if (dp->workers[i] && dp->workers[i]->lbw)
			dp->workers[i]->lbw->flowlog = &fl->w[i];
	}
}

void
flowlog_flush(struct flowlog *fl)
{
	unsigned int i;

	if (!fl->enabled || !fl->dp)
		return;
	for (i = 0; i < fl->nb_workers && i < fl->dp->nb_workers; i++) {
		struct worker *w = fl->dp->workers[i];
		struct ct_table *t = w && w->lbw && w->lbw->flowlog ? w->lbw->ct : NULL;

		/* As many flows at a time as the ring has room for, then drained: none is
		 * lost to a full ring, only (beyond the cap) to the rate. */
		while (t && t->used) {
			unsigned int room = rte_ring_free_count(fl->w[i].ring);

			if (room)
				ct_flush(t, room);
			flowlog_drain(fl, rte_rdtsc());
		}
	}
}

void
flowlog_close(struct flowlog *fl)
{
	unsigned int i;

	if (!fl->enabled)
		return;
	flowlog_drain(fl, rte_rdtsc());
	if (fl->dp) {
		for (i = 0; i < fl->dp->nb_workers; i++)
			if (fl->dp->workers[i] && fl->dp->workers[i]->lbw)
				fl->dp->workers[i]->lbw->flowlog = NULL;
		fl->dp->flowlog = NULL;
	}
	for (i = 0; i < fl->nb_workers; i++)
		rte_ring_free(fl->w[i].ring);
	rte_free(fl->w);
	free(fl->buf);
	if (fl->to_syslog)
		closelog();
	else if (fl->fd >= 0)
		close(fl->fd);
	memset(fl, 0, sizeof(*fl));
	fl->fd = -1;
}

void
flowlog_counters(const struct flowlog *fl, uint64_t *out)
{
	unsigned int i;

	memcpy(out, fl->cnt, sizeof(fl->cnt));
	for (i = 0; i < fl->nb_workers; i++) {
		out[FLOWLOG_CNT_SAMPLED_OUT] += fl->w[i].sampled_out;
		out[FLOWLOG_CNT_DROPPED_RING] += fl->w[i].dropped_ring;
	}
}

void
flowlog_stats_json(const struct flowlog *fl, json_t *counters)
{
	uint64_t c[FLOWLOG_CNT__MAX];
	int i;

	flowlog_counters(fl, c);
	for (i = 0; i < FLOWLOG_CNT__MAX; i++)
		json_object_set_new(counters, flowlog_counter_names[i],
				    json_integer((json_int_t)c[i]));
}
