/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dp_ctl: control socket and telemetry commands. Context: control thread.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <jansson.h>
#include <rte_ethdev.h>
#include <rte_telemetry.h>

#include <rte_cycles.h>

#include "dp_conf.h"
#include "dp_ctl.h"
#include "dp_stats.h"
#include "dp_xdp.h"
#include "flowlog.h"
#include "lb.h"
#include "lb_shape.h"
#include "src_filter.h"
#include "sluice_config.h"
#include "worker.h"

/* For telemetry callbacks (EAL's telemetry thread): set at start, cleared under the lock
 * before the workers are freed, so no callback reads a freed worker. */
static struct dp *dp_ctl_tel_dp;
static pthread_mutex_t dp_ctl_tel_lock = PTHREAD_MUTEX_INITIALIZER;
static uint64_t dp_ctl_errors;          /* bad requests, client I/O failures */

static int
dp_ctl_mkdir_parent(const char *path)
{
	char dir[108];
	char *slash;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return 0;
	*slash = '\0';
	if (mkdir(dir, 0750) != 0 && errno != EEXIST)
		return -errno;
	return 0;
}

int
dp_ctl_open(const char *path, char *err, size_t errlen)
{
	struct sockaddr_un sa;
	int fd, rc;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		snprintf(err, errlen, "control socket path '%s' is too long", path);
		return -ENAMETOOLONG;
	}
	rc = dp_ctl_mkdir_parent(path);
	if (rc) {
		snprintf(err, errlen, "control socket %s: directory: %s", path, strerror(-rc));
		return rc;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		rc = -errno;
		snprintf(err, errlen, "control socket: %s", strerror(errno));
		return rc;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	strcpy(sa.sun_path, path);
	/* A socket file left by a killed dataplane: refuse only if someone answers on it. */
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
		close(fd);
		snprintf(err, errlen, "control socket %s is in use: another dataplane is running "
			 "(or pass --ctl PATH)", path);
		return -EADDRINUSE;
	}
	unlink(path);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 || listen(fd, 16) != 0) {
		rc = -errno;
		snprintf(err, errlen, "control socket %s: %s", path, strerror(errno));
		close(fd);
		return rc;
	}
	chmod(path, 0660);
	return fd;
}

void
dp_ctl_close(int fd, const char *path)
{
	if (fd >= 0) {
		close(fd);
		unlink(path);
	}
}

static json_t *
dp_ctl_counters_json(const uint64_t *c, int nonzero_only)
{
	json_t *o = json_object();
	int i;

	for (i = 1; i < SL_CNT__MAX; i++)
		if (!nonzero_only || c[i])
			json_object_set_new(o, sl_counter_names[i], json_integer((json_int_t)c[i]));
	return o;
}

static json_t *
dp_ctl_port_json(const struct dp_port *dpp, int with_stats)
{
	const struct port *p = &dpp->port;
	char mac[RTE_ETHER_ADDR_FMT_SIZE], ip[INET6_ADDRSTRLEN];
	json_t *o = json_object(), *addrs = json_array();
	unsigned int i;

	rte_ether_format_addr(mac, sizeof(mac), &p->mac);
	json_object_set_new(o, "name", json_string(p->spec.name));
	json_object_set_new(o, "kind", json_string(port_kind_name(p->spec.kind)));
	if (p->spec.ifname[0])
		json_object_set_new(o, "ifname", json_string(p->spec.ifname));
	json_object_set_new(o, "port_id", json_integer(p->port_id));
	json_object_set_new(o, "mac", json_string(mac));
	json_object_set_new(o, "queues", json_integer(p->nb_queues));
	for (i = 0; i < dpp->local.nb_v4; i++) {
		inet_ntop(AF_INET, &dpp->local.v4[i], ip, sizeof(ip));
		json_array_append_new(addrs, json_string(ip));
	}
	for (i = 0; i < dpp->local.nb_v6; i++) {
		inet_ntop(AF_INET6, dpp->local.v6[i], ip, sizeof(ip));
		json_array_append_new(addrs, json_string(ip));
	}
	json_object_set_new(o, "addresses", addrs);
	if (with_stats) {
		struct rte_eth_stats st;

		if (rte_eth_stats_get(p->port_id, &st) == 0) {
			json_object_set_new(o, "rx_packets", json_integer((json_int_t)st.ipackets));
			json_object_set_new(o, "tx_packets", json_integer((json_int_t)st.opackets));
			json_object_set_new(o, "rx_bytes", json_integer((json_int_t)st.ibytes));
			json_object_set_new(o, "tx_bytes", json_integer((json_int_t)st.obytes));
			json_object_set_new(o, "rx_missed", json_integer((json_int_t)st.imissed));
			json_object_set_new(o, "rx_errors", json_integer((json_int_t)st.ierrors));
			json_object_set_new(o, "tx_errors", json_integer((json_int_t)st.oerrors));
		}
	}
	return o;
}

static json_t *
dp_ctl_status(struct dp *dp)
{
	json_t *o = json_object(), *ports = json_array();
	uint16_t i;

	json_object_set_new(o, "ok", json_true());
	json_object_set_new(o, "version", json_string(SLUICE_VERSION));
	json_object_set_new(o, "pid", json_integer(getpid()));
	json_object_set_new(o, "workers", json_integer(dp->nb_workers));
	json_object_set_new(o, "boot_id", json_integer((json_int_t)dp->boot_id));
	json_object_set_new(o, "generation", json_integer((json_int_t)dp->generation));
	json_object_set_new(o, "health_seq", json_integer((json_int_t)dp->health_seq));
	if (dp->lb) {
		json_object_set_new(o, "tables_version", json_integer((json_int_t)dp->lb->version));
		json_object_set_new(o, "services", json_integer(dp->lb->nb_svc));
	}
	for (i = 0; i < dp->nb_ports; i++)
		json_array_append_new(ports, dp_ctl_port_json(&dp->ports[i], 0));
	json_object_set_new(o, "ports", ports);
	return o;
}

/* The first stage's upkeep (its packet counters are the workers'). Read racily from the
 * control thread that writes them: this runs on that thread. */
static json_t *
dp_ctl_src_filter_json(const struct src_filter *sf)
{
	const struct sf_policy *pol = sf->policy;
	const struct sf_bans *bans = sf->bans;

	return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:s}",
			 "policy_entries", (json_int_t)(pol ? pol->entries : 0),
			 "bans", (json_int_t)(bans ? bans->entries : 0),
			 "rebuilds", (json_int_t)sf->rebuilds,
			 "rebuild_errors", (json_int_t)sf->rebuild_errors,
			 "bans_written", (json_int_t)sf->bans_written,
			 "bans_lost", (json_int_t)sf->bans_lost,
			 "sources_forgotten", (json_int_t)sf->sources_forgotten,
			 "last_error", sf->last_error);
}

static char *dp_ctl_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * sluiced's push: {"cmd":"apply","generation":N,"health_seq":H,"config":"<YAML text>"}.
 * The whole model each time (dp_conf.h): a dataplane that missed pushes needs nothing but
 * the last one. health_seq is sluiced's count of health changes folded into the model
 * (backends down pushed as drain); it is only stored and reported back.
 */
static json_t *
dp_ctl_apply(struct dp *dp, json_t *req, char **errs)
{
	json_t *g = json_object_get(req, "generation"), *t = json_object_get(req, "config"), *h;
	char err[512], name[48];
	uint64_t t0 = rte_get_timer_cycles(), dt;

	if (!json_is_integer(g) || json_integer_value(g) < 1 || !json_is_string(t)) {
		*errs = dp_ctl_error("apply: want {\"generation\": N >= 1, \"config\": TEXT}");
		return NULL;
	}
	snprintf(name, sizeof(name), "generation %lld", (long long)json_integer_value(g));
	if (dp_conf_apply_text(dp, name, json_string_value(t), json_string_length(t),
			       (uint64_t)json_integer_value(g), err, sizeof(err)) != 0) {
		*errs = dp_ctl_error("%s", err);
		return NULL;
	}
	dt = rte_get_timer_cycles() - t0;
	h = json_object_get(req, "health_seq");
	dp->health_seq = json_is_integer(h) ? (uint64_t)json_integer_value(h) : 0;
	return json_pack("{s:b, s:I, s:I, s:I}", "ok", 1,
			 "generation", (json_int_t)dp->generation,
			 "tables_version", (json_int_t)dp->lb->version,
			 "apply_us", (json_int_t)(dt * 1000000 / rte_get_timer_hz()));
}

#define DP_RTT_MAX_US 60000000     /* a probe RTT above a minute is not one */

/* An address from its text: 0 and the family's bytes in a16, or -1. */
static int
dp_ctl_addr(const char *text, int *v6, uint8_t *a16)
{
	if (inet_pton(AF_INET, text, a16) == 1) {
		*v6 = 0;
		return 0;
	}
	if (inet_pton(AF_INET6, text, a16) == 1) {
		*v6 = 1;
		return 0;
	}
	return -1;
}

/*
 * sluiced's health-probe RTTs: {"cmd":"rtt","backends":{"ADDR":US,...}}, every backend
 * it has a measure for; the others go back to none. Checked whole before anything is
 * written. Workers read them for least-latency (lb_latency_cost). Addresses this
 * dataplane does not balance to are counted, not added.
 */
static json_t *
dp_ctl_rtt(struct dp *dp, json_t *req, char **errs)
{
	json_t *b = json_object_get(req, "backends"), *v;
	static uint32_t next[NEIGH_MAX];
	unsigned int set = 0, unknown = 0;
	const char *k;
	uint8_t a[16];
	uint32_t i, n;
	int v6;

	if (!json_is_object(b)) {
		*errs = dp_ctl_error("rtt: want {\"backends\": {\"ADDRESS\": MICROSECONDS, ...}}");
		return NULL;
	}
	memset(next, 0, sizeof(next));
	json_object_foreach(b, k, v) {
		if (dp_ctl_addr(k, &v6, a) != 0 || !json_is_integer(v) || json_integer_value(v) < 0 ||
		    json_integer_value(v) > DP_RTT_MAX_US) {
			*errs = dp_ctl_error("rtt: '%.64s': want an IP address and 0 to %d "
					     "microseconds", k, DP_RTT_MAX_US);
			return NULL;
		}
		n = neigh_find(dp->neigh, v6, a);
		if (n == NEIGH_NONE) {
			unknown++;
			continue;
		}
		next[n] = (uint32_t)json_integer_value(v);
		set++;
	}
	for (i = 0; i < NEIGH_MAX; i++)
		__atomic_store_n(&dp->probe_rtt_us[i], next[i], __ATOMIC_RELAXED);
	dp->rtt_updates++;
	return json_pack("{s:b, s:i, s:i}", "ok", 1, "set", set, "unknown", unknown);
}

/* The rate limits' counters, summed over workers, by limit (the stats' "limits"). */
static json_t *
dp_ctl_limits_json(const struct dp *dp)
{
	json_t *o = json_object();
	uint32_t i;

	for (i = 0; dp->lb && i < dp->lb->nb_limits; i++) {
		const struct lb_limit *l = &dp->lb->limits[i];
		uint64_t matched = 0, over = 0, no_state = 0, keys = 0, recycled = 0, col[3] = { 0 };
		unsigned int w, k;
		json_t *lo;

		for (w = 0; w < l->st->nb_workers; w++) {
			for (k = 0; k < 3; k++)
				col[k] += __atomic_load_n(&l->st->cnt[w].colour[k], __ATOMIC_RELAXED);
			matched += __atomic_load_n(&l->st->cnt[w].matched, __ATOMIC_RELAXED);
			over += __atomic_load_n(&l->st->cnt[w].over, __ATOMIC_RELAXED);
			no_state += __atomic_load_n(&l->st->cnt[w].no_state, __ATOMIC_RELAXED);
			keys += __atomic_load_n(&l->st->t[w]->used, __ATOMIC_RELAXED);
			recycled += __atomic_load_n(&l->st->t[w]->recycled, __ATOMIC_RELAXED);
		}
		lo = json_pack("{s:s, s:I, s:I, s:I, s:I, s:I}",
			"algorithm", lb_limit_algo_name(l->st->algo),
			"matched", (json_int_t)matched, "over", (json_int_t)over,
			"no_state", (json_int_t)no_state, "keys", (json_int_t)keys,
			"keys_recycled", (json_int_t)recycled);
		if (l->meter) {
			json_object_set_new(lo, "green", json_integer((json_int_t)col[0]));
			json_object_set_new(lo, "yellow", json_integer((json_int_t)col[1]));
			json_object_set_new(lo, "red", json_integer((json_int_t)col[2]));
		} else {
			json_object_set_new(lo, "action", json_string(lb_limit_action_name(
				(enum lb_limit_action)l->action)));
		}
		json_object_set_new(o, l->name, lo);
	}
	return o;
}

/* The probe RTTs in force, by backend address (the stats' "probe_rtt_us"). */
static json_t *
dp_ctl_rtt_json(const struct dp *dp)
{
	json_t *o = json_object();
	char text[INET6_ADDRSTRLEN];
	uint32_t i, us;

	for (i = 0; dp->neigh && i < __atomic_load_n(&dp->neigh->n, __ATOMIC_ACQUIRE); i++) {
		const struct neigh_entry *e = &dp->neigh->e[i];

		us = __atomic_load_n(&dp->probe_rtt_us[i], __ATOMIC_RELAXED);
		if (!us || !inet_ntop(e->v6 ? AF_INET6 : AF_INET, e->v6 ? (const void *)e->addr6 :
				      (const void *)&e->addr, text, sizeof(text)))
			continue;
		json_object_set_new(o, text, json_integer(us));
	}
	return o;
}

/* Re-reads the services file; a refused file leaves the running tables. */
static json_t *
dp_ctl_reload(struct dp *dp, char **errs)
{
	char err[512];

	if (!dp->reload) {
		*errs = dp_ctl_error("no --config: nothing to reload");
		return NULL;
	}
	if (dp->reload(dp, err, sizeof(err)) != 0) {
		*errs = dp_ctl_error("%s", err);
		return NULL;
	}
	return json_pack("{s:b, s:I}", "ok", 1, "tables_version", (json_int_t)dp->lb->version);
}

static json_t *
dp_ctl_stats(struct dp *dp)
{
	uint64_t total[SL_CNT__MAX], xdp[SL_CNT__MAX];
	json_t *o = json_object(), *workers = json_array(), *ports = json_array(), *counters;
	unsigned int w;
	uint16_t i;

	dp_stats_sum(dp, total);
	json_object_set_new(o, "ok", json_true());
	counters = dp_ctl_counters_json(total, 0);
	if (dp->flowlog)
		flowlog_stats_json(dp->flowlog, counters);
	json_object_set_new(o, "counters", counters);
	json_object_set_new(o, "probe_rtt_us", dp_ctl_rtt_json(dp));
	json_object_set_new(o, "limits", dp_ctl_limits_json(dp));
	if (dp->lb && dp->lb->shape)
		json_object_set_new(o, "shaping", json_pack("{s:I, s:i, s:i, s:I, s:I}",
			"rate", (json_int_t)dp->lb->shape->conf.rate,
			"pipes", (int)dp->lb->shape->conf.nb_pipes,
			"queue_size", (int)dp->lb->shape->conf.queue_size,
			"memory_bytes", (json_int_t)dp->lb->shape->footprint_bytes,
			"dropped_on_change", (json_int_t)lb_shape_dropped_on_change));
	for (w = 0; w < dp->nb_workers; w++) {
		json_t *wo = json_object();

		json_object_set_new(wo, "worker", json_integer(w));
		json_object_set_new(wo, "lcore", json_integer(dp->workers[w]->lcore_id));
		json_object_set_new(wo, "counters", dp_ctl_counters_json(dp->workers[w]->cnt, 1));
		json_array_append_new(workers, wo);
	}
	json_object_set_new(o, "workers", workers);
	for (i = 0; i < dp->nb_ports; i++)
		json_array_append_new(ports, dp_ctl_port_json(&dp->ports[i], 1));
	json_object_set_new(o, "ports", ports);
	if (dp_xdp_read_stats(xdp) == 0)
		json_object_set_new(o, "xdp", dp_ctl_counters_json(xdp, 1));
	if (dp->sf)
		json_object_set_new(o, "src_filter", dp_ctl_src_filter_json(dp->sf));
	if (dp->lb)
		json_object_set_new(o, "lb", json_pack("{s:I, s:I, s:I, s:I, s:I}",
			"tables_version", (json_int_t)dp->lb->version,
			"generation", (json_int_t)dp->generation,
			"applies", (json_int_t)dp->applies,
			"applies_refused", (json_int_t)dp->applies_refused,
			"rtt_updates", (json_int_t)dp->rtt_updates));
	json_object_set_new(o, "ctl_errors", json_integer((json_int_t)dp_ctl_errors));
	return o;
}

static char * __attribute__((format(printf, 1, 2)))
dp_ctl_error(const char *fmt, ...)
{
	char msg[256];
	json_t *o = json_object();
	va_list ap;
	char *s;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	json_object_set_new(o, "ok", json_false());
	json_object_set_new(o, "error", json_string(msg));
	s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	dp_ctl_errors++;
	return s;
}

char *
dp_ctl_handle(struct dp *dp, const char *line)
{
	json_error_t jerr;
	json_t *req, *reply = NULL;
	const char *cmd;
	char *s = NULL;

	req = json_loads(line, JSON_REJECT_DUPLICATES, &jerr);
	if (!req || !json_is_object(req)) {
		json_decref(req);
		return dp_ctl_error("request is not a JSON object%s%s", req ? "" : ": ",
				    req ? "" : jerr.text);
	}
	cmd = json_string_value(json_object_get(req, "cmd"));
	if (!cmd)
		s = dp_ctl_error("request has no \"cmd\" string");
	else if (strcmp(cmd, "ping") == 0)
		reply = json_pack("{s:b}", "ok", 1);
	else if (strcmp(cmd, "status") == 0)
		reply = dp_ctl_status(dp);
	else if (strcmp(cmd, "stats") == 0)
		reply = dp_ctl_stats(dp);
	else if (strcmp(cmd, "reload") == 0)
		reply = dp_ctl_reload(dp, &s);
	else if (strcmp(cmd, "apply") == 0)
		reply = dp_ctl_apply(dp, req, &s);
	else if (strcmp(cmd, "rtt") == 0)
		reply = dp_ctl_rtt(dp, req, &s);
	else {
		char safe[64];
		size_t i;

		/* Echo user text only after making it printable. */
		snprintf(safe, sizeof(safe), "%s", cmd);
		for (i = 0; safe[i]; i++)
			if (safe[i] < 0x20 || safe[i] > 0x7e)
				safe[i] = '?';
		s = dp_ctl_error("unknown cmd '%s' (ping, status, stats, reload, apply, rtt)", safe);
	}
	if (reply) {
		s = json_dumps(reply, JSON_COMPACT);
		json_decref(reply);
	}
	json_decref(req);
	return s;
}

static int
dp_ctl_wait(int fd, short ev)
{
	struct pollfd p = { .fd = fd, .events = ev };
	int rc;

	do {
		rc = poll(&p, 1, DP_CTL_IO_TIMEOUT_MS);
	} while (rc < 0 && errno == EINTR);
	return rc > 0 ? 0 : -ETIMEDOUT;
}

static void
dp_ctl_serve(struct dp *dp, int cfd)
{
	size_t cap = 65536, len = 0, off;
	char *buf = malloc(cap + 1), *reply, *nl = NULL;
	ssize_t n;

	if (!buf) {
		dp_ctl_errors++;
		return;
	}
	while (len < DP_CTL_MAX_REQUEST && !nl) {
		if (len == cap) {       /* a full model may be megabytes: grow as it comes */
			size_t ncap = cap * 4 > DP_CTL_MAX_REQUEST ? DP_CTL_MAX_REQUEST : cap * 4;
			char *nb = realloc(buf, ncap + 1);

			if (!nb)
				break;
			buf = nb;
			cap = ncap;
		}
		if (dp_ctl_wait(cfd, POLLIN) != 0)
			break;
		n = read(cfd, buf + len, cap - len);
		if (n <= 0)
			break;
		buf[len + (size_t)n] = '\0';
		nl = memchr(buf + len, '\n', (size_t)n);
		len += (size_t)n;
	}
	buf[len] = '\0';
	if (nl)
		*nl = '\0';
	if (len == 0) {
		dp_ctl_errors++;
		free(buf);
		return;
	}
	reply = (!nl && len >= DP_CTL_MAX_REQUEST) ?
		dp_ctl_error("request longer than %d bytes", DP_CTL_MAX_REQUEST) : dp_ctl_handle(dp, buf);
	free(buf);
	if (!reply) {
		dp_ctl_errors++;
		return;
	}
	len = strlen(reply);
	reply[len++] = '\n';    /* replaces the terminating NUL: same allocation */
	for (off = 0; off < len;) {
		if (dp_ctl_wait(cfd, POLLOUT) != 0)
			break;
		n = write(cfd, reply + off, len - off);
		if (n <= 0)
			break;
		off += (size_t)n;
	}
	if (off < len)
		dp_ctl_errors++;
	free(reply);
}

int
dp_ctl_poll(struct dp *dp, int fd, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	int rc, cfd;

	rc = poll(&p, 1, timeout_ms);
	if (rc <= 0)
		return rc < 0 && errno != EINTR ? -errno : 0;
	cfd = accept4(fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (cfd < 0)
		return errno == EAGAIN || errno == EINTR || errno == ECONNABORTED ? 0 : -errno;
	dp_ctl_serve(dp, cfd);
	close(cfd);
	return 0;
}

static int
dp_ctl_tel_stats_locked(const char *cmd, const char *params, struct rte_tel_data *d)
{
	uint64_t total[SL_CNT__MAX];
	int i;

	(void)cmd;
	(void)params;
	dp_stats_sum(dp_ctl_tel_dp, total);
	rte_tel_data_start_dict(d);
	for (i = 1; i < SL_CNT__MAX; i++)
		rte_tel_data_add_dict_u64(d, sl_counter_names[i], total[i]);
	return 0;
}

static int
dp_ctl_tel_status_locked(const char *cmd, const char *params, struct rte_tel_data *d)
{
	(void)cmd;
	(void)params;
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_string(d, "version", SLUICE_VERSION);
	rte_tel_data_add_dict_int(d, "workers", (int)dp_ctl_tel_dp->nb_workers);
	rte_tel_data_add_dict_int(d, "ports", dp_ctl_tel_dp->nb_ports);
	return 0;
}

/* Telemetry runs on EAL's telemetry thread, which is no RCU reader of the tables: these
 * read only what lives as long as the process (scalars, workers, connection tables),
 * never dp->lb or the flow log (freed at shutdown; its counters are in the socket's
 * stats). */
static int
dp_ctl_tel_lb_locked(const char *cmd, const char *params, struct rte_tel_data *d)
{
	const struct dp *dp = dp_ctl_tel_dp;
	uint64_t used = 0, max = 0, full = 0;
	unsigned int w;

	(void)cmd;
	(void)params;
	for (w = 0; w < dp->nb_workers; w++) {
		const struct lb_worker *lw = dp->workers[w] ? dp->workers[w]->lbw : NULL;

		if (lw && lw->ct) {
			used += __atomic_load_n(&lw->ct->used, __ATOMIC_RELAXED);
			max += lw->ct->max;
			full += __atomic_load_n(&lw->ct->full, __ATOMIC_RELAXED);
		}
	}
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_u64(d, "generation", __atomic_load_n(&dp->generation, __ATOMIC_RELAXED));
	rte_tel_data_add_dict_u64(d, "applies", __atomic_load_n(&dp->applies, __ATOMIC_RELAXED));
	rte_tel_data_add_dict_u64(d, "applies_refused",
				  __atomic_load_n(&dp->applies_refused, __ATOMIC_RELAXED));
	rte_tel_data_add_dict_u64(d, "rtt_updates", __atomic_load_n(&dp->rtt_updates, __ATOMIC_RELAXED));
	rte_tel_data_add_dict_u64(d, "conns_tracked", used);
	rte_tel_data_add_dict_u64(d, "conns_max", max);
	rte_tel_data_add_dict_u64(d, "conn_table_full", full);
	return 0;
}

/* /sluice/worker,N: one worker's counters (non-zero ones) and its connection table. */
static int
dp_ctl_tel_worker_locked(const char *cmd, const char *params, struct rte_tel_data *d)
{
	const struct dp *dp = dp_ctl_tel_dp;
	const struct worker *w;
	char *end;
	unsigned long id;
	int i;

	(void)cmd;
	if (!params || !*params)
		return -EINVAL;
	id = strtoul(params, &end, 10);
	if (*end || id >= dp->nb_workers || !(w = dp->workers[id]))
		return -EINVAL;
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_u64(d, "lcore", w->lcore_id);
	if (w->lbw && w->lbw->ct)
		rte_tel_data_add_dict_u64(d, "conns_tracked",
					  __atomic_load_n(&w->lbw->ct->used, __ATOMIC_RELAXED));
	for (i = 1; i < SL_CNT__MAX; i++) {
		uint64_t v = __atomic_load_n(&w->cnt[i], __ATOMIC_RELAXED);

		if (v)
			rte_tel_data_add_dict_u64(d, sl_counter_names[i], v);
	}
	return 0;
}

static int
dp_ctl_tel_stats(const char *cmd, const char *params, struct rte_tel_data *d)
{
	int rc = -ENODEV;

	pthread_mutex_lock(&dp_ctl_tel_lock);
	if (dp_ctl_tel_dp)
		rc = dp_ctl_tel_stats_locked(cmd, params, d);
	pthread_mutex_unlock(&dp_ctl_tel_lock);
	return rc;
}

static int
dp_ctl_tel_status(const char *cmd, const char *params, struct rte_tel_data *d)
{
	int rc = -ENODEV;

	pthread_mutex_lock(&dp_ctl_tel_lock);
	if (dp_ctl_tel_dp)
		rc = dp_ctl_tel_status_locked(cmd, params, d);
	pthread_mutex_unlock(&dp_ctl_tel_lock);
	return rc;
}

static int
dp_ctl_tel_lb(const char *cmd, const char *params, struct rte_tel_data *d)
{
	int rc = -ENODEV;

	pthread_mutex_lock(&dp_ctl_tel_lock);
	if (dp_ctl_tel_dp)
		rc = dp_ctl_tel_lb_locked(cmd, params, d);
	pthread_mutex_unlock(&dp_ctl_tel_lock);
	return rc;
}

static int
dp_ctl_tel_worker(const char *cmd, const char *params, struct rte_tel_data *d)
{
	int rc = -ENODEV;

	pthread_mutex_lock(&dp_ctl_tel_lock);
	if (dp_ctl_tel_dp)
		rc = dp_ctl_tel_worker_locked(cmd, params, d);
	pthread_mutex_unlock(&dp_ctl_tel_lock);
	return rc;
}

void
dp_ctl_telemetry_unregister(void)
{
	pthread_mutex_lock(&dp_ctl_tel_lock);
	dp_ctl_tel_dp = NULL;
	pthread_mutex_unlock(&dp_ctl_tel_lock);
}

void
dp_ctl_telemetry_register(struct dp *dp)
{
	pthread_mutex_lock(&dp_ctl_tel_lock);
	dp_ctl_tel_dp = dp;
	pthread_mutex_unlock(&dp_ctl_tel_lock);
	rte_telemetry_register_cmd("/sluice/stats", dp_ctl_tel_stats,
				   "Sluice worker counters summed over workers. No parameters");
	rte_telemetry_register_cmd("/sluice/status", dp_ctl_tel_status,
				   "Sluice version, workers and ports. No parameters");
	rte_telemetry_register_cmd("/sluice/lb", dp_ctl_tel_lb,
				   "Sluice balancer: generation, applies, connections tracked. "
				   "No parameters");
	rte_telemetry_register_cmd("/sluice/worker", dp_ctl_tel_worker,
				   "One Sluice worker's non-zero counters. Parameters: int worker");
}
