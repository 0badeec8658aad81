/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * metrics: the Prometheus text exposition of sluiced's view (metrics.h).
 *
 * Context: sluiced's thread.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>

#include <jansson.h>
#include <microhttpd.h>

#include "dp_client.h"
#include "health.h"
#include "metrics.h"
#include "sl_reasons.h"
#include "sluiced.h"

struct metrics {
	struct sd_io io;                /* libmicrohttpd's epoll fd, in our loop */
	struct sd *sd;
	struct MHD_Daemon *d;
};

static void
metrics_head(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* A label value: backslash, quote and newline escaped. Addresses and pool names only. */
static void
metrics_label(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\' || *s == '"')
			fputc('\\', f);
		if (*s == '\n')
			fputs("\\n", f);
		else
			fputc(*s, f);
	}
}

struct metrics_each {
	FILE *f;
	int what;
};

static void
metrics_backend(void *arg, const char *pool, const struct lb_addr *a, enum health_state st,
		uint64_t rtt_us, uint64_t checks, uint64_t failures)
{
	struct metrics_each *e = arg;
	char addr[64];

	lb_addr_format(a, addr, sizeof(addr));
	fputs(e->what == 0 ? "sluice_backend_up{pool=\"" : e->what == 1 ?
	      "sluice_backend_checks_total{pool=\"" : e->what == 2 ?
	      "sluice_backend_check_failures_total{pool=\"" : "sluice_backend_check_rtt_seconds{pool=\"",
	      e->f);
	metrics_label(e->f, pool);
	fputs("\",backend=\"", e->f);
	metrics_label(e->f, addr);
	fputs("\"} ", e->f);
	if (e->what == 0)
		fprintf(e->f, "%d\n", st != HEALTH_DOWN);
	else if (e->what == 1)
		fprintf(e->f, "%llu\n", (unsigned long long)checks);
	else if (e->what == 2)
		fprintf(e->f, "%llu\n", (unsigned long long)failures);
	else
		fprintf(e->f, "%.6f\n", (double)rtt_us / 1e6);
}

static void
metrics_render(struct sd *sd, FILE *f)
{
	static const char *const bhelp[4][2] = {
		{ "sluice_backend_up", "1 unless the backend's health checks failed" },
		{ "sluice_backend_checks_total", "health checks made" },
		{ "sluice_backend_check_failures_total", "health checks failed" },
		{ "sluice_backend_check_rtt_seconds", "the last check's round trip" },
	};
	char name[128], err[256];
	json_t *req, *st;
	int i;

	metrics_head(f, "sluice_config_generation", "gauge", "the configuration's generation");
	fprintf(f, "sluice_config_generation %llu\n", (unsigned long long)sd->conf.generation);
	metrics_head(f, "sluice_config_services", "gauge", "services (VIPs) configured");
	fprintf(f, "sluice_config_services %u\n", sd->conf.nb_services);
	for (i = 0; i < SD_CNT__MAX; i++) {
		snprintf(name, sizeof(name), "sluice_sluiced_%s_total", sd_counter_names[i]);
		metrics_head(f, name, "counter", sd_counter_help[i]);
		fprintf(f, "%s %llu\n", name, (unsigned long long)sd->cnt[i]);
	}
	for (i = 0; i < 4; i++) {
		struct metrics_each e = { f, i };

		metrics_head(f, bhelp[i][0], i == 0 || i == 3 ? "gauge" : "counter", bhelp[i][1]);
		health_each(sd->health, metrics_backend, &e);
	}
	req = json_pack("{s:s}", "cmd", "stats");
	st = dpc_call(sd->args.dp_sock, req, 1000, err, sizeof(err));
	json_decref(req);
	metrics_head(f, "sluice_dataplane_up", "gauge", "1 if the dataplane answered this scrape");
	fprintf(f, "sluice_dataplane_up %d\n", st != NULL);
	metrics_head(f, "sluice_dataplane_generation", "gauge", "the generation the dataplane runs");
	fprintf(f, "sluice_dataplane_generation %llu\n", (unsigned long long)sd->dp_generation);
	metrics_head(f, "sluice_dataplane_apply_seconds", "gauge",
		     "the last push's time until every worker ran it");
	fprintf(f, "sluice_dataplane_apply_seconds %.6f\n", (double)sd->dp_last_apply_us / 1e6);
	if (st) {
		const char *k;
		json_t *v;

		metrics_head(f, "sluice_dataplane_events_total", "counter",
			     "the dataplane's counters, summed over workers (packets, drops by reason)");
		json_object_foreach(json_object_get(st, "counters"), k, v)
			fprintf(f, "sluice_dataplane_events_total{event=\"%s\"} %lld\n", k,
				(long long)json_integer_value(v));
		/* rate limits, by the configuration's names (never by client) */
		metrics_head(f, "sluice_limit_packets_total", "counter",
			     "packets a rate limit charged, and of them those over it");
		json_object_foreach(json_object_get(st, "limits"), k, v) {
			fprintf(f, "sluice_limit_packets_total{limit=\"%s\",result=\"charged\"} %lld\n",
				k, (long long)json_integer_value(json_object_get(v, "matched")));
			fprintf(f, "sluice_limit_packets_total{limit=\"%s\",result=\"over\"} %lld\n",
				k, (long long)json_integer_value(json_object_get(v, "over")));
		}
		metrics_head(f, "sluice_limit_keys", "gauge", "keys a rate limit tracks, all workers");
		json_object_foreach(json_object_get(st, "limits"), k, v)
			fprintf(f, "sluice_limit_keys{limit=\"%s\"} %lld\n", k,
				(long long)json_integer_value(json_object_get(v, "keys")));
		json_decref(st);
	}
	if (sd->ctl_open) {
		uint64_t x[SL_CNT__MAX];

		if (bpf_ctl_stats(&sd->ctl, x) == 0) {
			metrics_head(f, "sluice_xdp_events_total", "counter",
				     "the XDP front filter's counters, summed over CPUs");
			for (i = 1; i < SL_CNT__MAX; i++)
				if (strncmp(sl_counter_names[i], "xdp_", 4) == 0)
					fprintf(f, "sluice_xdp_events_total{event=\"%s\"} %llu\n",
						sl_counter_names[i] + 4, (unsigned long long)x[i]);
		}
	}
}

static enum MHD_Result
metrics_answer(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
	       const char *version, const char *upload, size_t *upload_len, void **con_cls)
{
	struct metrics *m = cls;
	struct MHD_Response *r;
	enum MHD_Result ret;
	unsigned int code = MHD_HTTP_OK;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	(void)version;
	(void)upload;
	(void)con_cls;
	if (*upload_len)
		return MHD_NO;
	f = open_memstream(&buf, &len);
	if (!f)
		return MHD_NO;
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
		fprintf(f, "method not allowed\n");
		code = MHD_HTTP_METHOD_NOT_ALLOWED;
	} else if (strcmp(url, "/metrics") == 0) {
		m->sd->cnt[SD_CNT_metrics_scrapes]++;
		metrics_render(m->sd, f);
	} else {
		fprintf(f, "sluiced: metrics are at /metrics\n");
		code = strcmp(url, "/") == 0 ? MHD_HTTP_OK : MHD_HTTP_NOT_FOUND;
	}
	fclose(f);
	r = MHD_create_response_from_buffer(len, buf, MHD_RESPMEM_MUST_FREE);
	if (!r) {
		free(buf);
		return MHD_NO;
	}
	MHD_add_response_header(r, "Content-Type", code == MHD_HTTP_OK && strcmp(url, "/metrics") == 0 ?
				"text/plain; version=0.0.4" : "text/plain");
	ret = MHD_queue_response(conn, code, r);
	MHD_destroy_response(r);
	return ret;
}

static void
metrics_io(struct sd *sd, struct sd_io *io, uint32_t events)
{
	struct metrics *m = (struct metrics *)io;

	(void)sd;
	(void)events;
	MHD_run(m->d);
}

struct metrics *
metrics_start(struct sd *sd, const char *addr, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	struct metrics *m;
	const union MHD_DaemonInfo *info;
	char host[64];
	const char *colon = strrchr(addr, ':');
	unsigned long port;
	char *end;

	memset(&ss, 0, sizeof(ss));
	if (!colon || (size_t)(colon - addr) >= sizeof(host)) {
		snprintf(err, errlen, "'%s': want IP:PORT", addr);
		return NULL;
	}
	port = strtoul(colon + 1, &end, 10);
	if (*end || port == 0 || port > 65535) {
		snprintf(err, errlen, "'%s': port must be 1 to 65535", addr);
		return NULL;
	}
	if (addr[0] == '[' && colon > addr + 1 && colon[-1] == ']') {
		memcpy(host, addr + 1, (size_t)(colon - addr - 2));
		host[colon - addr - 2] = '\0';
	} else {
		memcpy(host, addr, (size_t)(colon - addr));
		host[colon - addr] = '\0';
	}
	if (inet_pton(AF_INET, host, &((struct sockaddr_in *)&ss)->sin_addr) == 1) {
		((struct sockaddr_in *)&ss)->sin_family = AF_INET;
		((struct sockaddr_in *)&ss)->sin_port = htons((uint16_t)port);
	} else if (inet_pton(AF_INET6, host, &((struct sockaddr_in6 *)&ss)->sin6_addr) == 1) {
		((struct sockaddr_in6 *)&ss)->sin6_family = AF_INET6;
		((struct sockaddr_in6 *)&ss)->sin6_port = htons((uint16_t)port);
	} else {
		snprintf(err, errlen, "'%s': '%s' is not an IP address", addr, host);
		return NULL;
	}
	m = calloc(1, sizeof(*m));
	if (!m) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	m->sd = sd;
	m->d = MHD_start_daemon(MHD_USE_EPOLL | (ss.ss_family == AF_INET6 ? MHD_USE_IPv6 : 0),
				(uint16_t)port, NULL, NULL, metrics_answer, m,
				MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
				MHD_OPTION_CONNECTION_LIMIT, 16u,
				MHD_OPTION_CONNECTION_TIMEOUT, 5u,
				MHD_OPTION_END);
	if (!m->d) {
		snprintf(err, errlen, "cannot listen on %s (in use? permission?)", addr);
		free(m);
		return NULL;
	}
	info = MHD_get_daemon_info(m->d, MHD_DAEMON_INFO_EPOLL_FD);
	m->io.fd = info ? info->epoll_fd : -1;
	m->io.fn = metrics_io;
	if (m->io.fd < 0 || sd_io_add(sd, &m->io, EPOLLIN) != 0) {
		snprintf(err, errlen, "libmicrohttpd gave no epoll fd");
		MHD_stop_daemon(m->d);
		free(m);
		return NULL;
	}
	return m;
}

void
metrics_poll(struct metrics *m)
{
	MHD_run(m->d);
}

void
metrics_stop(struct metrics *m)
{
	if (!m)
		return;
	MHD_stop_daemon(m->d);
	free(m);
}
