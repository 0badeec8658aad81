/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * health: probes and their state machine (health.h).
 *
 * A probe is one socket through its phases: CONNECT (tcp, http: non-blocking connect,
 * done when writable and SO_ERROR is 0), then for http SEND and RECV (the status line of
 * the answer to "GET path HTTP/1.0"), for udp RECV (the reply to the datagram sent at
 * once). Any error, a refused port (ICMP unreachable shows as ECONNREFUSED), a wrong
 * status or reply, or the timeout counts one failure.
 *
 * Context: sluiced's thread.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "health.h"
#include "sd_log.h"
#include "sluiced.h"

enum health_phase {
	HP_IDLE,
	HP_CONNECT,
	HP_RECV,
};

struct health_target {
	struct sd_io io;                /* first: the loop hands us back &io */
	struct health *h;
	char pool[LB_CONF_NAME_MAX];
	struct lb_addr addr;            /* the backend */
	uint16_t port;                  /* where the check goes */
	struct lb_conf_check ck;
	enum health_state state;
	unsigned int ok_run, fail_run;
	enum health_phase phase;
	uint64_t next_ms, deadline_ms, started_us;
	uint64_t rtt_us, checks, failures;
	char rbuf[256];
	size_t rlen;
	char last_error[96];
	int seen;                       /* health_sync's mark */
};

struct health {
	struct health_target **t;
	size_t n;
	/* targets dropped by health_sync, freed at the next tick: an event about one may
	 * still be in the loop's current batch (its fd is closed, so no later one) */
	struct health_target **dead;
	size_t nb_dead;
	uint64_t rtt_seq;               /* +1 on every RTT measured */
};

static const char *const health_state_names[] = {
	[HEALTH_UNCHECKED] = "unchecked", [HEALTH_UP] = "up", [HEALTH_DOWN] = "down",
};

const char *
health_state_name(enum health_state s)
{
	return s <= HEALTH_DOWN ? health_state_names[s] : "?";
}

struct health *
health_create(void)
{
	return calloc(1, sizeof(struct health));
}

static void
health_close(struct health_target *t)
{
	if (t->io.fd >= 0) {
		struct linger l = { .l_onoff = 1, .l_linger = 0 };

		setsockopt(t->io.fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
		close(t->io.fd);
	}
	t->io.fd = -1;
	t->phase = HP_IDLE;
}

void
health_free(struct health *h)
{
	size_t i;

	if (!h)
		return;
	for (i = 0; i < h->n; i++) {
		health_close(h->t[i]);
		free(h->t[i]);
	}
	for (i = 0; i < h->nb_dead; i++)
		free(h->dead[i]);
	free(h->dead);
	free(h->t);
	free(h);
}

static struct health_target *
health_find(const struct health *h, const char *pool, const struct lb_addr *a)
{
	size_t i;

	for (i = 0; i < h->n; i++)
		if (strcmp(h->t[i]->pool, pool) == 0 && h->t[i]->addr.family == a->family &&
		    memcmp(h->t[i]->addr.addr, a->addr, 16) == 0 && h->t[i]->addr.port == a->port)
			return h->t[i];
	return NULL;
}

/* One probe's outcome: the run counters, and a transition at rise or fall. */
static void
health_result(struct sd *sd, struct health_target *t, int ok, const char *why)
{
	char a[64];
	enum health_state was = t->state;

	health_close(t);
	t->checks++;
	t->next_ms = sd_now_ms() + t->ck.inter_ms;
	if (ok) {
		t->ok_run++;
		t->fail_run = 0;
		t->last_error[0] = '\0';
		if (t->state == HEALTH_DOWN && t->ok_run >= t->ck.rise)
			t->state = HEALTH_UP;
	} else {
		t->failures++;
		t->fail_run++;
		t->ok_run = 0;
		snprintf(t->last_error, sizeof(t->last_error), "%s", why);
		if (t->state == HEALTH_UP && t->fail_run >= t->ck.fall)
			t->state = HEALTH_DOWN;
	}
	if (t->state == was)
		return;
	lb_addr_format(&t->addr, a, sizeof(a));
	sd_log(ok ? SD_LOG_INFO : SD_LOG_WARNING, "health",
	       json_pack("{s:s, s:s, s:s, s:s}", "pool", t->pool, "backend", a, "state",
			 health_state_name(t->state), "reason", ok ? "" : why),
	       "health: pool %s backend %s is %s%s%s", t->pool, a, health_state_name(t->state),
	       ok ? "" : ": ", ok ? "" : why);
	sd->health_seq++;
	sd->cnt[SD_CNT_health_transitions]++;
	{
		char err[512];

		if (sd_push(sd, err, sizeof(err)) != 0 && sd->dp_up)
			sd_log(SD_LOG_ERR, "push_failed", json_pack("{s:s}", "error", err),
			       "health: push: %s", err);
	}
}

/* The http answer's status line: "HTTP/1.x NNN ...". */
static int
health_http_ok(const struct health_target *t, char *why, size_t len)
{
	unsigned int code;

	if (sscanf(t->rbuf, "HTTP/1.%*1[01] %3u", &code) != 1) {
		snprintf(why, len, "http: not an HTTP answer");
		return 0;
	}
	if (t->ck.status ? code == t->ck.status : (code >= 200 && code < 400))
		return 1;
	snprintf(why, len, "http: status %u", code);
	return 0;
}

static void
health_io(struct sd *sd, struct sd_io *io, uint32_t events)
{
	struct health_target *t = (struct health_target *)io;
	char why[96];
	int soerr = 0;
	socklen_t sl = sizeof(soerr);
	ssize_t n;

	if (t->phase == HP_CONNECT) {
		getsockopt(io->fd, SOL_SOCKET, SO_ERROR, &soerr, &sl);
		if (soerr || (events & (EPOLLERR | EPOLLHUP))) {
			snprintf(why, sizeof(why), "connect: %s", strerror(soerr ? soerr : ECONNRESET));
			health_result(sd, t, 0, why);
			return;
		}
		t->rtt_us = sd_now_us() - t->started_us;
		t->h->rtt_seq++;
		if (t->ck.type == LB_CHECK_TCP) {
			health_result(sd, t, 1, NULL);
			return;
		}
		/* http: the request is small enough for any socket buffer */
		{
			char req[LB_CONF_CHECK_TEXT_MAX + 160], host[64];
			int len;

			lb_addr_format(&t->addr, host, sizeof(host));
			len = snprintf(req, sizeof(req), "GET %s HTTP/1.0\r\nHost: %s\r\n"
				       "User-Agent: sluiced-check\r\nConnection: close\r\n\r\n",
				       t->ck.path, host);
			if (send(io->fd, req, (size_t)len, MSG_NOSIGNAL) != len) {
				snprintf(why, sizeof(why), "http: send: %s", strerror(errno));
				health_result(sd, t, 0, why);
				return;
			}
		}
		t->phase = HP_RECV;
		t->rlen = 0;
		sd_io_mod(sd, io, EPOLLIN);
		return;
	}
	if (t->phase != HP_RECV)
		return;
	n = recv(io->fd, t->rbuf + t->rlen, sizeof(t->rbuf) - 1 - t->rlen, 0);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (t->ck.type == LB_CHECK_UDP) {
		if (n < 0) {
			snprintf(why, sizeof(why), "udp: %s", strerror(errno));
			health_result(sd, t, 0, why);
			return;
		}
		t->rtt_us = sd_now_us() - t->started_us;
		t->h->rtt_seq++;
		t->rbuf[n] = '\0';
		if (strncmp(t->rbuf, t->ck.expect, strlen(t->ck.expect)) == 0 &&
		    (size_t)n >= strlen(t->ck.expect)) {
			health_result(sd, t, 1, NULL);
		} else {
			snprintf(why, sizeof(why), "udp: reply does not begin with '%.32s'",
				 t->ck.expect);
			health_result(sd, t, 0, why);
		}
		return;
	}
	if (n <= 0 && t->rlen == 0) {
		snprintf(why, sizeof(why), "http: %s", n < 0 ? strerror(errno) : "closed, no answer");
		health_result(sd, t, 0, why);
		return;
	}
	if (n > 0) {
		t->rlen += (size_t)n;
		t->rbuf[t->rlen] = '\0';
		if (!strchr(t->rbuf, '\n') && t->rlen < sizeof(t->rbuf) - 1)
			return;         /* the status line is not whole yet */
	}
	if (health_http_ok(t, why, sizeof(why)))
		health_result(sd, t, 1, NULL);
	else
		health_result(sd, t, 0, why);
}

static void
health_start(struct sd *sd, struct health_target *t, uint64_t now_ms)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	int udp = t->ck.type == LB_CHECK_UDP, fd;
	char why[96];

	memset(&ss, 0, sizeof(ss));
	if (t->addr.family == AF_INET) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

		s4->sin_family = AF_INET;
		memcpy(&s4->sin_addr, t->addr.addr, 4);
		s4->sin_port = htons(t->port);
		sl = sizeof(*s4);
	} else {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

		s6->sin6_family = AF_INET6;
		memcpy(&s6->sin6_addr, t->addr.addr, 16);
		s6->sin6_port = htons(t->port);
		sl = sizeof(*s6);
	}
	t->deadline_ms = now_ms + t->ck.timeout_ms;
	t->started_us = sd_now_us();
	fd = socket(t->addr.family, (udp ? SOCK_DGRAM : SOCK_STREAM) | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    0);
	if (fd < 0) {
		snprintf(why, sizeof(why), "socket: %s", strerror(errno));
		health_result(sd, t, 0, why);
		return;
	}
	t->io.fd = fd;
	t->io.fn = health_io;
	if (connect(fd, (struct sockaddr *)&ss, sl) != 0 && errno != EINPROGRESS) {
		snprintf(why, sizeof(why), "connect: %s", strerror(errno));
		health_result(sd, t, 0, why);
		return;
	}
	if (udp) {
		if (send(fd, t->ck.send, strlen(t->ck.send), 0) < 0) {
			snprintf(why, sizeof(why), "udp: send: %s", strerror(errno));
			health_result(sd, t, 0, why);
			return;
		}
		t->phase = HP_RECV;
		t->rlen = 0;
	} else {
		t->phase = HP_CONNECT;
	}
	if (sd_io_add(sd, &t->io, udp ? EPOLLIN : EPOLLOUT) != 0) {
		snprintf(why, sizeof(why), "epoll: %s", strerror(errno));
		health_result(sd, t, 0, why);
	}
}

int
health_tick(struct sd *sd, struct health *h, uint64_t now_ms)
{
	uint64_t next = now_ms + 1000;
	size_t i;

	for (i = 0; i < h->nb_dead; i++)
		free(h->dead[i]);
	h->nb_dead = 0;
	for (i = 0; i < h->n; i++) {
		struct health_target *t = h->t[i];

		if (t->phase != HP_IDLE && now_ms >= t->deadline_ms)
			health_result(sd, t, 0, "timeout");
		if (t->phase == HP_IDLE && now_ms >= t->next_ms)
			health_start(sd, t, now_ms);
		if (t->phase != HP_IDLE && t->deadline_ms < next)
			next = t->deadline_ms;
		if (t->phase == HP_IDLE && t->next_ms < next)
			next = t->next_ms;
	}
	return next > now_ms ? (int)(next - now_ms) : 0;
}

int
health_sync(struct sd *sd, struct health *h, const struct lb_conf *c)
{
	uint64_t now = sd_now_ms();
	size_t i, k, n = 0;
	uint32_t p, b;

	(void)sd;
	for (i = 0; i < h->n; i++)
		h->t[i]->seen = 0;
	for (p = 0; p < c->nb_pools; p++)
		if (c->pools[p].check.type != LB_CHECK_NONE)
			n += c->pools[p].nb_backends;
	if (n > h->n) {
		struct health_target **nt = realloc(h->t, n * sizeof(*nt));

		if (!nt)
			return -ENOMEM;
		h->t = nt;
	}
	{
		struct health_target **nd = realloc(h->dead, (h->nb_dead + h->n + 1) * sizeof(*nd));

		if (!nd)
			return -ENOMEM;
		h->dead = nd;
	}
	k = h->n;
	for (p = 0; p < c->nb_pools; p++) {
		const struct lb_conf_pool *pool = &c->pools[p];

		if (pool->check.type == LB_CHECK_NONE)
			continue;
		for (b = 0; b < pool->nb_backends; b++) {
			const struct lb_conf_backend *be = &pool->backends[b];
			struct health_target *t = health_find(h, pool->name, &be->addr);

			if (!t) {
				t = calloc(1, sizeof(*t));
				if (!t)
					return -ENOMEM;
				t->io.fd = -1;
				t->h = h;
				t->state = HEALTH_UP;
				snprintf(t->pool, sizeof(t->pool), "%s", pool->name);
				t->addr = be->addr;
				/* spread the first probes over one interval */
				t->next_ms = now + (uint64_t)rand() % pool->check.inter_ms;
				h->t[k++] = t;
			}
			if (memcmp(&t->ck, &pool->check, sizeof(t->ck)) != 0) {
				health_close(t);        /* a changed check starts afresh */
				t->ck = pool->check;
				t->next_ms = now;
			}
			t->port = pool->check.port ? pool->check.port : be->addr.port;
			t->seen = 1;
		}
	}
	/* drop what no pool names any more; keep the order of the rest */
	for (i = 0, n = 0; i < k; i++) {
		if (h->t[i]->seen) {
			h->t[n++] = h->t[i];
		} else {
			health_close(h->t[i]);
			h->dead[h->nb_dead++] = h->t[i];
		}
	}
	h->n = n;
	return 0;
}

enum health_state
health_of(const struct health *h, const char *pool, const struct lb_addr *a)
{
	const struct health_target *t = h ? health_find(h, pool, a) : NULL;

	return t ? t->state : HEALTH_UNCHECKED;
}

json_t *
health_json(const struct health *h, const char *pool)
{
	json_t *arr = json_array();
	char a[64];
	size_t i;

	for (i = 0; i < h->n; i++) {
		const struct health_target *t = h->t[i];

		if (pool && strcmp(pool, t->pool) != 0)
			continue;
		lb_addr_format(&t->addr, a, sizeof(a));
		json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:s, s:I, s:I, s:I, s:s}",
			"pool", t->pool, "backend", a, "check", lb_check_type_name(t->ck.type),
			"health", health_state_name(t->state), "rtt_us", (json_int_t)t->rtt_us,
			"checks", (json_int_t)t->checks, "failures", (json_int_t)t->failures,
			"last_error", t->last_error));
	}
	return arr;
}

uint64_t
health_rtt_seq(const struct health *h)
{
	return h->rtt_seq;
}

json_t *
health_rtt_json(const struct health *h)
{
	json_t *o = json_object(), *old;
	char a[INET6_ADDRSTRLEN];
	size_t i;

	for (i = 0; i < h->n; i++) {
		const struct health_target *t = h->t[i];

		if (t->state != HEALTH_UP || !t->rtt_us ||
		    !inet_ntop(t->addr.family, t->addr.addr, a, sizeof(a)))
			continue;
		/* The dataplane weighs a backend by its address (as it does handshake RTTs),
		 * so an address checked in several pools gets its slowest probe: least-latency
		 * then does not favour a host for a fast service of its when another is slow. */
		old = json_object_get(o, a);
		if (!old || (uint64_t)json_integer_value(old) < t->rtt_us)
			json_object_set_new(o, a, json_integer((json_int_t)t->rtt_us));
	}
	return o;
}

void
health_each(const struct health *h, health_each_fn fn, void *arg)
{
	size_t i;

	for (i = 0; i < h->n; i++)
		fn(arg, h->t[i]->pool, &h->t[i]->addr, h->t[i]->state, h->t[i]->rtt_us,
		   h->t[i]->checks, h->t[i]->failures);
}
