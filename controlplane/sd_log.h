/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sd_log: sluiced's log lines on stderr (journald takes them under systemd), one per event,
 * as text ("sluiced: what happened", the default) or, with --log-format json, as one JSON
 * object per line: {"time":"2026-12-03T14:31:10.123456Z","level":"info","event":"health",
 * "msg":"...", ...fields}, where the fields are the event's own (pool, backend, state,
 * generation, ...) so that a log pipeline can select on them without parsing sentences.
 * Every event name is listed in docs/sluiced.md. Changes are not logged here but in the
 * audit log (--audit-log), which is JSON already.
 *
 * Context: sluiced's one thread.
 */
#ifndef SL_SD_LOG_H
#define SL_SD_LOG_H

#include <jansson.h>

enum sd_log_level {
	SD_LOG_ERR,
	SD_LOG_WARNING,
	SD_LOG_INFO,
};

/* 0: text, 1: JSON lines. */
void sd_log_set_json(int json);

/*
 * Logs one event: msg (printf-style) and, in JSON, the fields of the object fields
 * (consumed; NULL for none). Never fails: without memory it falls back to the text line.
 */
void sd_log(enum sd_log_level level, const char *event, json_t *fields, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#endif /* SL_SD_LOG_H */
