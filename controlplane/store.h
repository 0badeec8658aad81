/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * store: sluiced's desired state on disk.
 *
 * The state file is the model's YAML (lb_conf_emit), the same language as the operator's
 * config file, so it can be read, diffed and even used as a config. It is replaced
 * atomically — written to FILE.tmp, fsync'd, renamed over FILE, the directory fsync'd —
 * so a crash at any point leaves either the old state or the new one, never a torn file;
 * a FILE.tmp left by a crash is ignored (and removed) at start.
 *
 * At start the state file wins over the config file: it holds the runtime changes made
 * since. The config file is read when there is no state yet, on SIGHUP/reload (replacing
 * the runtime changes, as a reload of HAProxy's config does), and by `config check`.
 *
 * Context: sluiced's thread; blocks on disk I/O.
 */
#ifndef SL_STORE_H
#define SL_STORE_H

#include <stddef.h>

#include "lb_conf.h"

/* Writes c to path atomically. Returns 0 or -errno with one line in err. */
int store_save(const char *path, const struct lb_conf *c, char *err, size_t errlen);

/*
 * The same in two halves, so that the slow part overlaps other work (sluiced's push to
 * the dataplane, as etcd overlaps its WAL fsync with replication): store_begin emits c
 * and writes and fsyncs path.tmp on a thread of its own; store_finish waits for it, then
 * renames path.tmp over path and fsyncs the directory; store_abort waits and removes
 * path.tmp, leaving path as it was. One of the two must follow every successful begin.
 * Return 0 or -errno with one line in err.
 */
struct store_job;
int store_begin(struct store_job **j, const char *path, const struct lb_conf *c, char *err,
		size_t errlen);
int store_finish(struct store_job *j, char *err, size_t errlen);
void store_abort(struct store_job *j);

/*
 * Loads the state file if it exists, else the config file (if that is missing too, an
 * empty model). *from says which ("state", "config", "empty"). Returns 0 or -errno with
 * "file:line: what: why" in err (an invalid state file is refused, never replaced).
 */
int store_load(const char *state, const char *config, struct lb_conf *c, const char **from,
	       char *err, size_t errlen);

#endif /* SL_STORE_H */
