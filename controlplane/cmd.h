/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * cmd: sluiced's command table and the CLI protocol (DESIGN.md section 6).
 *
 * sluicectl sends one JSON line per connection:
 *
 *   {"argv": ["backend", "set", "web", "198.18.1.11:80", "--state", "drain"],
 *    "json": false, "if_generation": 12}
 *
 * and sluiced answers one JSON line:
 *
 *   {"ok": true, "generation": 13, "output": "..."}           the verb's text or JSON
 *   {"ok": false, "usage": false, "error": "one line: what and why"}
 *
 * The words are parsed here, in the daemon, so every client gets the same checks and the
 * same messages; sluicectl only maps the answer to an exit status (0 ok, 1 refused, 2
 * usage). A change (vip, pool, backend add|set|del; config reload) is made on a copy of
 * the desired state, checked as a whole and committed (sd_commit) or refused with the
 * running state untouched; "if_generation" makes it conditional on the state it was
 * based on (optimistic concurrency).
 *
 * Context: sluiced's thread.
 */
#ifndef SL_CMD_H
#define SL_CMD_H

#include <stdio.h>
#include <stdint.h>
#include <sys/types.h>

#include <jansson.h>

struct sd;

#define CMD_ARGS_MAX 32

/* A verb's words: positionals and --options (every option takes a value). */
struct cmd_args {
	const char *pos[CMD_ARGS_MAX];
	int npos;
	const char *key[CMD_ARGS_MAX];
	const char *val[CMD_ARGS_MAX];
	int nopt;
};

struct lb_conf;

/* What a handler gets: its words, where its output goes, and for a change, the copy of
 * the desired state to edit. */
struct cmd_ctx {
	struct sd *sd;
	struct cmd_args a;
	FILE *out;
	int json;
	struct lb_conf *next;   /* changes only */
	char err[512];
	int usage;              /* err is a usage error (exit 2) */
};

/* The value of --key, or NULL. */
const char *cmd_opt(const struct cmd_ctx *x, const char *key);

/* Writes o (consumed) as one JSON line of the verb's output. */
void cmd_print_json(struct cmd_ctx *x, json_t *o);

/* Refuses (returns -EINVAL) with a message; usage: exit status 2. */
int cmd_fail(struct cmd_ctx *x, int usage, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* A change staged for a group commit (sd->batching): what its reply and audit record
 * need once the commit is decided. */
struct cmd_deferred {
	char words[1024];       /* the command, for the audit log */
	pid_t pid;
	uid_t uid;
	uint64_t generation;    /* the change's own generation */
	int json;
	char *out;              /* the verb's output so far (malloc'd) */
	int staged;             /* set by cmd_handle when it staged the change */
	uint64_t received_us;   /* sd_now_us() when the request came (for applied_us) */
};

/*
 * Serves one request line from a peer (pid, uid: its credentials, already let in).
 * Returns the reply line, malloc'd, without the newline; or, while sd->batching, NULL
 * for a change it staged (def filled: cmd_deferred_reply answers it after sd_flush).
 */
char *cmd_handle(struct sd *sd, const char *line, size_t len, pid_t pid, uid_t uid,
		 struct cmd_deferred *def);

/* The reply to a staged change whose commit ended with rc (err: why, if rc); counts and
 * audits it, and frees def's output. Returns the reply line, malloc'd. */
char *cmd_deferred_reply(struct sd *sd, struct cmd_deferred *def, int rc, const char *err);

/* Handlers, by object (cmd_lb.c, cmd_limit.c, cmd_sys.c). */
int cmd_limit_set(struct cmd_ctx *x);
int cmd_limit_del(struct cmd_ctx *x);
int cmd_limit_list(struct cmd_ctx *x);
int cmd_vip_add(struct cmd_ctx *x);
int cmd_vip_set(struct cmd_ctx *x);
int cmd_vip_del(struct cmd_ctx *x);
int cmd_vip_list(struct cmd_ctx *x);
int cmd_pool_add(struct cmd_ctx *x);
int cmd_pool_set(struct cmd_ctx *x);
int cmd_pool_del(struct cmd_ctx *x);
int cmd_pool_list(struct cmd_ctx *x);
int cmd_backend_add(struct cmd_ctx *x);
int cmd_backend_set(struct cmd_ctx *x);
int cmd_backend_del(struct cmd_ctx *x);
int cmd_backend_list(struct cmd_ctx *x);
int cmd_status(struct cmd_ctx *x);
int cmd_stats(struct cmd_ctx *x);
int cmd_config_show(struct cmd_ctx *x);
int cmd_config_save(struct cmd_ctx *x);
int cmd_config_check(struct cmd_ctx *x);
int cmd_config_reload(struct cmd_ctx *x);

#endif /* SL_CMD_H */
