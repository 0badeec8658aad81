/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sd_log: sluiced's log lines, text or JSON (see sd_log.h).
 */
#include <stdarg.h>
#include <stdlib.h>
#include <stdio.h>
#include <time.h>

#include "sd_log.h"

static int sd_log_json;

static const char *const sd_log_levels[] = {
	[SD_LOG_ERR] = "error", [SD_LOG_WARNING] = "warning", [SD_LOG_INFO] = "info",
};

void
sd_log_set_json(int json)
{
	sd_log_json = json;
}

void
sd_log(enum sd_log_level level, const char *event, json_t *fields, const char *fmt, ...)
{
	char msg[1024], ts[40];
	struct timespec now;
	struct tm tm;
	json_t *o;
	char *line;
	va_list ap;
	size_t n;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (!sd_log_json) {
		json_decref(fields);
		fprintf(stderr, "sluiced: %s\n", msg);
		return;
	}
	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	n = strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(ts + n, sizeof(ts) - n, ".%06ldZ", now.tv_nsec / 1000);
	/* the fixed keys first; an event's field never replaces one of them */
	o = json_pack("{s:s, s:s, s:s, s:s}", "time", ts, "level",
		      sd_log_levels[level <= SD_LOG_INFO ? level : SD_LOG_INFO], "event", event,
		      "msg", msg);
	if (o && fields)
		json_object_update_missing(o, fields);
	json_decref(fields);
	line = o ? json_dumps(o, JSON_COMPACT) : NULL;
	json_decref(o);
	if (!line) {
		fprintf(stderr, "sluiced: %s\n", msg);
		return;
	}
	fprintf(stderr, "%s\n", line);
	free(line);
}
