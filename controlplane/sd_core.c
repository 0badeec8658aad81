/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sd_core: the path of a change and the dataplane's sync (sluiced.h), apart from the
 * daemon's sockets so that unit and fuzz tests drive it as sluiced does.
 *
 * A change, from sluicectl or a reload, goes: checked as a whole (lb_conf_check) ->
 * pushed to the dataplane, which acknowledges once every worker runs on it (a refusal
 * there refuses the change) -> persisted atomically (store.c) -> in force here and
 * audited. If persisting fails after the dataplane took the change, the previous model is
 * pushed back: what the daemon says is in force is always what is on disk. When the
 * dataplane is not answering, the change is persisted and pushed by the next sync tick
 * once it is back (DESIGN: the dataplane keeps its last config while sluiced or the link
 * is down, and gets the full state again when it reconnects).
 *
 * Context: sluiced's thread.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "dp_client.h"
#include "health.h"
#include "lb_conf.h"
#include "sd_log.h"
#include "sluiced.h"
#include "store.h"

const char *const sd_counter_names[SD_CNT__MAX] = {
#define SD_NAME(n, d) #n,
	SD_FOREACH_COUNTER(SD_NAME)
#undef SD_NAME
};

const char *const sd_counter_help[SD_CNT__MAX] = {
#define SD_HELP(n, d) d,
	SD_FOREACH_COUNTER(SD_HELP)
#undef SD_HELP
};

uint64_t
sd_now_ms(void)
{
	return sd_now_us() / 1000;
}

uint64_t
sd_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

int
sd_io_add(struct sd *sd, struct sd_io *io, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = io };

	return epoll_ctl(sd->epfd, EPOLL_CTL_ADD, io->fd, &ev) == 0 ? 0 : -errno;
}

int
sd_io_mod(struct sd *sd, struct sd_io *io, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = io };

	return epoll_ctl(sd->epfd, EPOLL_CTL_MOD, io->fd, &ev) == 0 ? 0 : -errno;
}

void
sd_audit(struct sd *sd, pid_t pid, uid_t uid, const char *what, int ok, const char *detail)
{
	char when[40];
	struct timespec ts;
	struct tm tm;
	json_t *o;

	if (!sd->audit)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(when + strlen(when), sizeof(when) - strlen(when), ".%03ldZ",
		 ts.tv_nsec / 1000000);
	o = json_pack("{s:s, s:i, s:i, s:s, s:b, s:I}", "time", when, "pid", (int)pid,
		      "uid", (int)uid, "command", what, "ok", ok,
		      "generation", (json_int_t)sd->conf.generation);
	if (detail)
		json_object_set_new(o, "error", json_string(detail));
	if (!o || json_dumpf(o, sd->audit, JSON_COMPACT) != 0 || fputc('\n', sd->audit) == EOF ||
	    fflush(sd->audit) != 0)
		sd->cnt[SD_CNT_audit_errors]++;
	json_decref(o);
}

/* The model the dataplane runs: the desired one with backends whose checks fail pushed
 * as drain (no new flows; established ones stay). */
static int
sd_effective(const struct sd *sd, const struct lb_conf *desired, struct lb_conf *out)
{
	uint32_t p, b;

	if (lb_conf_copy(out, desired) != 0)
		return -ENOMEM;
	for (p = 0; p < out->nb_pools; p++)
		for (b = 0; b < out->pools[p].nb_backends; b++) {
			struct lb_conf_backend *be = &out->pools[p].backends[b];

			if (be->state == LB_BACKEND_READY &&
			    health_of(sd->health, out->pools[p].name, &be->addr) == HEALTH_DOWN)
				be->state = LB_BACKEND_DRAIN;
		}
	return 0;
}

/* Pushes desired (+ health) as generation gen. 0, -ENOTCONN (no dataplane), or -EINVAL
 * with the dataplane's refusal in err. */
static int
sd_push_model(struct sd *sd, const struct lb_conf *desired, uint64_t gen, char *err,
	      size_t errlen)
{
	struct lb_conf eff;
	json_t *req, *rep;
	char *text;
	size_t len;
	uint64_t t0 = sd_now_us();
	int rc = 0;

	if (sd_effective(sd, desired, &eff) != 0) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	eff.generation = gen;
	rc = lb_conf_emit(&eff, &text, &len);
	lb_conf_free(&eff);
	if (rc) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	req = json_pack("{s:s, s:I, s:I, s:s%}", "cmd", "apply", "generation", (json_int_t)gen,
			"health_seq", (json_int_t)sd->health_seq, "config", text, len);
	free(text);
	rep = dpc_call(sd->args.dp_sock, req, 5000, err, errlen);
	json_decref(req);
	if (!rep) {
		sd->dp_up = 0;
		sd->cnt[SD_CNT_dp_push_errors]++;
		return -ENOTCONN;
	}
	if (!json_is_true(json_object_get(rep, "ok"))) {
		const char *e = json_string_value(json_object_get(rep, "error"));

		snprintf(err, errlen, "the dataplane refused it: %s", e ? e : "no reason given");
		sd->cnt[SD_CNT_dp_push_errors]++;
		rc = -EINVAL;
	} else {
		sd->dp_up = 1;
		sd->dp_generation = gen;
		sd->dp_health_seq = sd->health_seq;
		sd->dp_acked_at_us = sd_now_us();
		sd->dp_last_apply_us = sd->dp_acked_at_us - t0;
		sd->cnt[SD_CNT_dp_pushes]++;
	}
	json_decref(rep);
	return rc;
}

int
sd_push(struct sd *sd, char *err, size_t errlen)
{
	return sd_push_model(sd, &sd->conf, sd->conf.generation, err, errlen);
}

/* Objects keep the line they had in a file; after loading, edits name them instead. */
void
sd_forget_lines(struct lb_conf *c)
{
	uint32_t p, b;

	for (p = 0; p < c->nb_pools; p++) {
		c->pools[p].line = 0;
		c->pools[p].check.line = 0;
		for (b = 0; b < c->pools[p].nb_backends; b++)
			c->pools[p].backends[b].line = 0;
	}
	for (p = 0; p < c->nb_services; p++)
		c->services[p].line = 0;
	for (p = 0; p < c->nb_limits; p++)
		c->limits[p].line = 0;
}

/* Pushes and persists a checked next as generation gen; moves it into the desired state.
 * Frees it on refusal. */
static int
sd_commit_checked(struct sd *sd, struct lb_conf *next, uint64_t gen, char *err,
		  size_t errlen)
{
	struct store_job *job;
	int rc, pushed = 0;

	next->generation = gen;
	/* The state file's write and fsync run while the dataplane applies the model; the
	 * rename comes only once it took it, so a refused change never reaches the disk. */
	rc = store_begin(&job, sd->args.state, next, err, errlen);
	if (rc) {
		sd->cnt[SD_CNT_persist_errors]++;
		lb_conf_free(next);
		return rc;
	}
	if (sd->dp_up) {
		rc = sd_push_model(sd, next, gen, err, errlen);
		if (rc == -EINVAL || rc == -ENOMEM) {
			store_abort(job);
			lb_conf_free(next);
			return rc;
		}
		pushed = rc == 0;
	}
	rc = store_finish(job, err, errlen);
	if (rc) {
		char e2[256];

		sd->cnt[SD_CNT_persist_errors]++;
		if (pushed)
			sd_push(sd, e2, sizeof(e2));    /* back to what is on disk */
		lb_conf_free(next);
		return rc;
	}
	lb_conf_free(&sd->conf);
	sd->conf = *next;
	memset(next, 0, sizeof(*next));
	health_sync(sd, sd->health, &sd->conf);
	return 0;
}

/* The whole model's checks on a changed copy (freed if refused). */
static int
sd_check(struct lb_conf *next, char *err, size_t errlen)
{
	int rc;

	sd_forget_lines(next);
	rc = lb_conf_check(next, "refused", err, errlen);
	if (rc)
		lb_conf_free(next);
	return rc;
}

int
sd_commit(struct sd *sd, struct lb_conf *next, char *err, size_t errlen)
{
	int rc = sd_check(next, err, errlen);

	return rc ? rc : sd_commit_checked(sd, next, sd->conf.generation + 1, err, errlen);
}

const struct lb_conf *
sd_base(const struct sd *sd)
{
	return sd->staged_n ? &sd->staged : &sd->conf;
}

int
sd_stage(struct sd *sd, struct lb_conf *next, char *err, size_t errlen)
{
	uint64_t gen = sd_base(sd)->generation + 1;
	int rc = sd_check(next, err, errlen);

	if (rc)
		return rc;
	next->generation = gen;
	if (sd->staged_n)
		lb_conf_free(&sd->staged);
	sd->staged = *next;
	memset(next, 0, sizeof(*next));
	sd->staged_n++;
	return 0;
}

int
sd_flush(struct sd *sd, char *err, size_t errlen)
{
	struct lb_conf next;

	sd->batching = 0;
	if (!sd->staged_n)
		return 0;
	next = sd->staged;
	memset(&sd->staged, 0, sizeof(sd->staged));
	sd->staged_n = 0;
	sd->cnt[SD_CNT_commits]++;
	return sd_commit_checked(sd, &next, next.generation, err, errlen);
}

/* The health probes' round trips to the dataplane when they changed (at most once a
 * sync tick), where least-latency weighs backends it has no handshake RTT for. */
static void
sd_push_rtt(struct sd *sd)
{
	uint64_t seq = health_rtt_seq(sd->health);
	json_t *req, *rep;
	char err[256];

	if (!sd->dp_up || seq == sd->dp_rtt_seq)
		return;
	req = json_pack("{s:s, s:o}", "cmd", "rtt", "backends", health_rtt_json(sd->health));
	rep = dpc_call(sd->args.dp_sock, req, 1000, err, sizeof(err));
	json_decref(req);
	if (rep && json_is_true(json_object_get(rep, "ok"))) {
		sd->dp_rtt_seq = seq;
		sd->cnt[SD_CNT_dp_rtt_pushes]++;
	} else {
		sd->cnt[SD_CNT_dp_push_errors]++;
	}
	json_decref(rep);
}

void
sd_sync(struct sd *sd)
{
	json_t *req = json_pack("{s:s}", "cmd", "status"), *st;
	uint64_t boot, gen, hs;
	char err[512];

	st = dpc_call(sd->args.dp_sock, req, 1000, err, sizeof(err));
	json_decref(req);
	if (!st || !json_is_true(json_object_get(st, "ok"))) {
		if (sd->dp_up)
			sd_log(SD_LOG_WARNING, "dataplane_lost",
			       json_pack("{s:s}", "error", st ? "refused status" : err),
			       "the dataplane stopped answering: %s", st ? "refused status" : err);
		sd->dp_up = 0;
		sd->cnt[SD_CNT_dp_unreachable]++;
		json_decref(st);
		return;
	}
	boot = (uint64_t)json_integer_value(json_object_get(st, "boot_id"));
	gen = (uint64_t)json_integer_value(json_object_get(st, "generation"));
	hs = (uint64_t)json_integer_value(json_object_get(st, "health_seq"));
	json_decref(st);
	if (boot != sd->dp_boot_id) {
		if (sd->dp_boot_id)
			sd->cnt[SD_CNT_dp_restarts_seen]++;
		sd_log(SD_LOG_INFO, sd->dp_boot_id ? "dataplane_restarted" : "dataplane_found",
		       json_pack("{s:I, s:I}", "boot_id", (json_int_t)boot, "generation",
				 (json_int_t)gen),
		       "dataplane %s (boot id %llu, generation %llu)",
		       sd->dp_boot_id ? "restarted" : "found", (unsigned long long)boot,
		       (unsigned long long)gen);
		sd->dp_boot_id = boot;
		sd->dp_rtt_seq = 0;     /* a new dataplane has none */
	}
	sd->dp_up = 1;
	sd->dp_generation = gen;
	sd->dp_health_seq = hs;
	if (gen == sd->conf.generation && hs == sd->health_seq) {
		sd_push_rtt(sd);
		return;
	}
	if (gen > sd->conf.generation) {
		/* it ran a change this daemon's last life pushed but did not persist (a crash
		 * in between): numbers must not repeat, so ours jump past it */
		sd->conf.generation = gen + 1;
		if (store_save(sd->args.state, &sd->conf, err, sizeof(err)) != 0) {
			sd->cnt[SD_CNT_persist_errors]++;
			sd_log(SD_LOG_ERR, "persist_failed", json_pack("{s:s}", "error", err), "%s",
			       err);
		}
	}
	if (sd_push(sd, err, sizeof(err)) == 0) {
		sd_log(SD_LOG_INFO, "dataplane_synced",
		       json_pack("{s:I}", "generation", (json_int_t)sd->conf.generation),
		       "dataplane now runs generation %llu", (unsigned long long)sd->conf.generation);
		sd_push_rtt(sd);
	} else {
		sd_log(SD_LOG_ERR, "push_failed", json_pack("{s:s}", "error", err), "push: %s", err);
	}
}

