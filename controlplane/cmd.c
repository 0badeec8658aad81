/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * cmd: parsing a CLI request and dispatching it (cmd.h).
 *
 * The table names every verb with its positional count, its options and whether it
 * changes the desired state. Options are checked against the table before a handler
 * runs, so a typo (--wieght) is a usage error naming the options the verb takes, never
 * an ignored word. The XDP filter's verbs (block, allow, ban, class, limit) go to
 * xdp_cmd.c over the maps sluiced holds open.
 *
 * Context: sluiced's thread.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "lb_conf.h"
#include "sluiced.h"
#include "xdp_cmd.h"

struct cmd_def {
	const char *obj, *verb;
	int min_pos, max_pos;
	const char *opts;               /* space separated, without "--" */
	int change;
	int (*fn)(struct cmd_ctx *x);
	const char *usage;
};

#define CMD_SVC_OPTS "pool policy mode sticky-ttl mss"
#define CMD_LIMIT_OPTS "algorithm rate burst limit window-ms unit key prefix4 prefix6 " \
		       "service from subscriber profile action dscp priority max-keys cir cbs " \
		       "ebs pir " \
		       "pbs eir green yellow red green-dscp yellow-dscp red-dscp colour-aware " \
		       "l1-overhead"
#define CMD_POOL_OPTS "maglev-size check check-port check-path check-status check-send " \
		      "check-expect inter-ms timeout-ms rise fall"

static const struct cmd_def cmd_table[] = {
	{ "status", NULL, 0, 0, "", 0, cmd_status, "status" },
	{ "stats", NULL, 0, 0, "", 0, cmd_stats, "stats" },
	{ "vip", "add", 1, 1, CMD_SVC_OPTS, 1, cmd_vip_add,
	  "vip add ADDR:PORT/PROTO --pool NAME [--policy P] [--mode M] [--sticky-ttl S] [--mss N]" },
	{ "vip", "set", 1, 1, CMD_SVC_OPTS, 1, cmd_vip_set,
	  "vip set ADDR:PORT/PROTO [--pool NAME] [--policy P] [--mode M] [--sticky-ttl S] [--mss N]" },
	{ "vip", "del", 1, 1, "", 1, cmd_vip_del, "vip del ADDR:PORT/PROTO" },
	{ "vip", "list", 0, 0, "", 0, cmd_vip_list, "vip list" },
	{ "pool", "add", 1, 1, CMD_POOL_OPTS, 1, cmd_pool_add,
	  "pool add NAME [--maglev-size N] [--check tcp|http|udp|none] [--check-port N] "
	  "[--check-path P] [--check-status N] [--check-send S] [--check-expect S] "
	  "[--inter-ms N] [--timeout-ms N] [--rise N] [--fall N]" },
	{ "pool", "set", 1, 1, CMD_POOL_OPTS, 1, cmd_pool_set, "pool set NAME [pool add's options]" },
	{ "pool", "del", 1, 1, "", 1, cmd_pool_del, "pool del NAME" },
	{ "pool", "list", 0, 0, "", 0, cmd_pool_list, "pool list" },
	{ "backend", "add", 2, 2, "weight state", 1, cmd_backend_add,
	  "backend add POOL ADDR:PORT [--weight 0-256] [--state ready|drain|maint]" },
	{ "backend", "set", 2, 2, "weight state", 1, cmd_backend_set,
	  "backend set POOL ADDR:PORT [--weight 0-256] [--state ready|drain|maint]" },
	{ "backend", "del", 2, 2, "", 1, cmd_backend_del, "backend del POOL ADDR:PORT" },
	{ "backend", "list", 0, 1, "", 0, cmd_backend_list, "backend list [POOL]" },
	{ "limit", "set", 1, 1, CMD_LIMIT_OPTS, 1, cmd_limit_set,
	  "limit set NAME [--algorithm A] [--rate R --burst B | --limit L --window-ms W] "
	  "[--unit packets|bytes|connections] [--key source|prefix|service|subscriber] "
	  "[--prefix4 N] [--prefix6 N] [--service ADDR:PORT/PROTO|any] [--from PREFIX|any] "
	  "[--subscriber NAME|any] [--action drop|remark|count] [--dscp N] [--priority N] "
	  "[--max-keys N]; meters (--algorithm srtcm|trtcm|trtcm-rfc4115, or --profile NAME): "
	  "[--cir N] [--cbs N] "
	  "[--ebs N] [--pir N] [--pbs N] [--eir N] [--green|--yellow|--red "
	  "transmit|remark|drop] [--green-dscp|--yellow-dscp|--red-dscp N] "
	  "[--colour-aware true|false] [--l1-overhead true|false]" },
	{ "limit", "del", 1, 1, "", 1, cmd_limit_del, "limit del NAME" },
	{ "limit", "list", 0, 0, "", 0, cmd_limit_list, "limit list" },
	{ "config", "show", 0, 0, "", 0, cmd_config_show, "config show" },
	{ "config", "save", 0, 1, "", 0, cmd_config_save, "config save [FILE]" },
	{ "config", "check", 1, 1, "", 0, cmd_config_check, "config check FILE" },
	{ "config", "reload", 0, 0, "", 1, cmd_config_reload, "config reload" },
};

const char *
cmd_opt(const struct cmd_ctx *x, const char *key)
{
	int i;

	for (i = 0; i < x->a.nopt; i++)
		if (strcmp(x->a.key[i], key) == 0)
			return x->a.val[i];
	return NULL;
}

void
cmd_print_json(struct cmd_ctx *x, json_t *o)
{
	if (o) {
		json_dumpf(o, x->out, JSON_COMPACT);
		fputc('\n', x->out);
	}
	json_decref(o);
}

int
cmd_fail(struct cmd_ctx *x, int usage, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(x->err, sizeof(x->err), fmt, ap);
	va_end(ap);
	x->usage = usage;
	return -EINVAL;
}

/* Whether word is in the space-separated list. */
static int
cmd_in_list(const char *list, const char *word)
{
	size_t n = strlen(word);
	const char *p = list;

	while ((p = strstr(p, word)) != NULL) {
		if ((p == list || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0'))
			return 1;
		p += n;
	}
	return 0;
}

/* Splits words[from..] into positionals and --key value pairs, checked against d. */
static int
cmd_parse(struct cmd_ctx *x, const struct cmd_def *d, const char **w, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		if (strncmp(w[i], "--", 2) == 0 && w[i][2]) {
			const char *k = w[i] + 2;

			if (!cmd_in_list(d->opts, k)) {
				char list[256];
				size_t off = 0;
				const char *p = d->opts;

				list[0] = '\0';
				while (*p && off < sizeof(list)) {
					size_t l = strcspn(p, " ");

					off += (size_t)snprintf(list + off, sizeof(list) - off, "%s--%.*s",
								off ? ", " : "", (int)l, p);
					p += l + (p[l] == ' ');
				}
				return cmd_fail(x, 1, "%s%s%s: no option --%.32s (%s)", d->obj,
						d->verb ? " " : "", d->verb ? d->verb : "", k,
						list[0] ? list : "it takes none");
			}
			if (cmd_opt(x, k))
				return cmd_fail(x, 1, "--%s given twice", k);
			if (i + 1 >= n)
				return cmd_fail(x, 1, "--%s needs a value", k);
			if (x->a.nopt == CMD_ARGS_MAX)
				return cmd_fail(x, 1, "too many options");
			x->a.key[x->a.nopt] = k;
			x->a.val[x->a.nopt++] = w[++i];
		} else {
			if (x->a.npos == CMD_ARGS_MAX)
				return cmd_fail(x, 1, "too many arguments");
			x->a.pos[x->a.npos++] = w[i];
		}
	}
	if (x->a.npos < d->min_pos || x->a.npos > d->max_pos)
		return cmd_fail(x, 1, "usage: sluicectl %s", d->usage);
	return 0;
}

/* The verb names it knows for obj, for "what verbs are there" messages. */
static void
cmd_verbs_of(const char *obj, char *buf, size_t len)
{
	size_t i, off = 0;

	buf[0] = '\0';
	for (i = 0; i < sizeof(cmd_table) / sizeof(cmd_table[0]); i++)
		if (strcmp(cmd_table[i].obj, obj) == 0 && cmd_table[i].verb && off < len)
			off += (size_t)snprintf(buf + off, len - off, "%s%s", off ? ", " : "",
						cmd_table[i].verb);
}

/* The XDP filter's verbs, over the maps sluiced holds. */
static int
cmd_filter(struct cmd_ctx *x, const char **w, int n, int *changed)
{
	int rc;

	*changed = n > 1 && (strcmp(w[1], "add") == 0 || strcmp(w[1], "del") == 0 ||
			     strcmp(w[1], "set") == 0);
	if (!x->sd->ctl_open)
		return cmd_fail(x, 0, "the XDP filter's maps are not open (is the dataplane up "
				"with an af_xdp port? sluiced retries every second)");
	rc = xdp_cmd_run(&x->sd->ctl, n, (char **)(uintptr_t)w, x->out, x->json, x->err,
			 sizeof(x->err));
	if (rc == XDP_CMD_USAGE) {
		if (!x->err[0])
			snprintf(x->err, sizeof(x->err), "bad arguments for '%s' (see sluicectl "
				 "--help)", w[0]);
		x->usage = 1;
		return -EINVAL;
	}
	if (*changed)
		x->sd->cnt[rc ? SD_CNT_filter_refused : SD_CNT_filter_changes]++;
	return rc;
}

static char *
cmd_reply(json_t *o)
{
	char *s = json_dumps(o, JSON_COMPACT);

	json_decref(o);
	return s;
}

static char *
cmd_refuse(struct sd *sd, const char *msg, int usage)
{
	sd->cnt[SD_CNT_cli_bad_request] += usage;
	return cmd_reply(json_pack("{s:b, s:b, s:s}", "ok", 0, "usage", usage, "error", msg));
}

/* The words as one line for the audit log. */
static void
cmd_words(const char **w, int n, char *buf, size_t len)
{
	size_t off = 0;
	int i;

	buf[0] = '\0';
	for (i = 0; i < n && off < len; i++)
		off += (size_t)snprintf(buf + off, len - off, "%s%s", i ? " " : "", w[i]);
}

/*
 * A change's reply says how long after its request every worker ran it: from the
 * request's arrival to the dataplane's acknowledgement of the push that carried it (which
 * comes after an RCU grace period over every worker), without what follows (the state
 * file's rename and directory fsync, the reply). Only when this change was pushed: the
 * acknowledgement came after the request and the dataplane is up.
 */
static void
cmd_applied_us(const struct sd *sd, json_t *o, uint64_t received_us)
{
	if (sd->dp_up && sd->dp_generation == sd->conf.generation &&
	    sd->dp_acked_at_us >= received_us)
		json_object_set_new(o, "applied_us",
				    json_integer((json_int_t)(sd->dp_acked_at_us - received_us)));
}

char *
cmd_deferred_reply(struct sd *sd, struct cmd_deferred *def, int rc, const char *err)
{
	char *out = NULL, *r;
	size_t outlen = 0;
	FILE *f;

	sd_audit(sd, def->pid, def->uid, def->words, rc == 0, rc ? err : NULL);
	if (rc) {
		sd->cnt[SD_CNT_changes_refused]++;
		free(def->out);
		def->out = NULL;
		def->staged = 0;
		return cmd_refuse(sd, err && *err ? err : strerror(rc < 0 ? -rc : EINVAL), 0);
	}
	sd->cnt[SD_CNT_changes_applied]++;
	f = open_memstream(&out, &outlen);
	if (f) {
		fputs(def->out ? def->out : "", f);
		if (def->json)
			fprintf(f, "{\"generation\":%llu}\n", (unsigned long long)def->generation);
		else
			fprintf(f, "generation %llu in force\n", (unsigned long long)def->generation);
		fclose(f);
	}
	free(def->out);
	def->out = NULL;
	def->staged = 0;
	{
		json_t *o = json_pack("{s:b, s:I, s:s}", "ok", 1, "generation",
				      (json_int_t)def->generation, "output", out ? out : "");

		cmd_applied_us(sd, o, def->received_us);
		r = cmd_reply(o);
	}
	free(out);
	return r;
}

char *
cmd_handle(struct sd *sd, const char *line, size_t len, pid_t pid, uid_t uid,
	   struct cmd_deferred *def)
{
	const char *w[CMD_ARGS_MAX + 2];
	struct cmd_ctx x = { .sd = sd };
	const struct cmd_def *d = NULL;
	struct lb_conf next;
	json_error_t jerr;
	json_t *req, *argv, *ig;
	char *outbuf = NULL, words[1024], verbs[128];
	size_t outlen = 0, i;
	int n, rc, first, changed = 0;
	uint64_t received_us = sd_now_us();

	req = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
	argv = req ? json_object_get(req, "argv") : NULL;
	if (!req || !json_is_object(req) || !json_is_array(argv) || json_array_size(argv) < 1 ||
	    json_array_size(argv) > CMD_ARGS_MAX + 2) {
		json_decref(req);
		return cmd_refuse(sd, "request: want {\"argv\": [\"WORD\", ...]} (1 to 34 words)",
				  1);
	}
	n = (int)json_array_size(argv);
	for (i = 0; i < (size_t)n; i++) {
		w[i] = json_string_value(json_array_get(argv, i));
		if (!w[i] || strlen(w[i]) > 4096) {
			json_decref(req);
			return cmd_refuse(sd, "request: every word must be a string of at most 4096 "
					  "bytes", 1);
		}
	}
	x.json = json_is_true(json_object_get(req, "json"));
	ig = json_object_get(req, "if_generation");
	if (ig && (!json_is_integer(ig) || json_integer_value(ig) < 0)) {
		json_decref(req);
		return cmd_refuse(sd, "request: if_generation must be a whole number", 1);
	}
	x.out = open_memstream(&outbuf, &outlen);
	if (!x.out) {
		json_decref(req);
		return cmd_refuse(sd, "out of memory", 0);
	}
	cmd_words(w, n, words, sizeof(words));
	/* limit: a NAME (a letter first) is the dataplane's, a CLASS (a number) the XDP
	 * filter's; list shows both (cmd_limit.c) */
	if (xdp_cmd_known(w[0]) && strcmp(w[0], "stats") != 0 &&
	    !(strcmp(w[0], "limit") == 0 && n >= 2 &&
	      (strcmp(w[1], "list") == 0 ||
	       (n >= 3 && (strcmp(w[1], "set") == 0 || strcmp(w[1], "del") == 0) &&
		((w[2][0] >= 'a' && w[2][0] <= 'z') || (w[2][0] >= 'A' && w[2][0] <= 'Z')))))) {
		rc = cmd_filter(&x, w, n, &changed);
		goto done;
	}
	for (i = 0, first = -1; i < sizeof(cmd_table) / sizeof(cmd_table[0]); i++) {
		if (strcmp(cmd_table[i].obj, w[0]) != 0)
			continue;
		if (first < 0)
			first = (int)i;
		if (!cmd_table[i].verb || (n > 1 && strcmp(cmd_table[i].verb, w[1]) == 0)) {
			d = &cmd_table[i];
			break;
		}
	}
	if (!d) {
		if (first < 0) {
			rc = cmd_fail(&x, 1, "unknown command '%.32s' (status, stats, vip, pool, "
				      "backend, block, allow, ban, class, limit, config)", w[0]);
		} else {
			cmd_verbs_of(w[0], verbs, sizeof(verbs));
			if (n > 1)
				rc = cmd_fail(&x, 1, "%s: unknown verb '%.32s' (%s)", w[0], w[1], verbs);
			else
				rc = cmd_fail(&x, 1, "%s: which? (%s)", w[0], verbs);
		}
		goto done;
	}
	rc = cmd_parse(&x, d, w + (d->verb ? 2 : 1), n - (d->verb ? 2 : 1));
	if (rc)
		goto done;
	if (!d->change) {
		rc = d->fn(&x);
		goto done;
	}
	changed = 1;
	/* While staging, a change builds on (and is stale against) the staged state. */
	if (ig && (uint64_t)json_integer_value(ig) != sd_base(sd)->generation) {
		sd->cnt[SD_CNT_changes_stale]++;
		rc = cmd_fail(&x, 0, "stale: the change was based on generation %lld, the state "
			      "is at %llu now (read it again and retry)",
			      (long long)json_integer_value(ig),
			      (unsigned long long)sd_base(sd)->generation);
		goto done;
	}
	if (lb_conf_copy(&next, sd_base(sd)) != 0) {
		rc = cmd_fail(&x, 0, "out of memory");
		goto done;
	}
	x.next = &next;
	rc = d->fn(&x);
	if (rc == 0 && sd->batching && def) {
		rc = sd_stage(sd, &next, x.err, sizeof(x.err));
		if (rc == 0) {
			/* answered after the group commit (cmd_deferred_reply) */
			fclose(x.out);
			json_decref(req);
			sd->cnt[SD_CNT_cli_requests]++;
			snprintf(def->words, sizeof(def->words), "%s", words);
			def->pid = pid;
			def->uid = uid;
			def->generation = sd->staged.generation;
			def->json = x.json;
			def->out = outbuf;
			def->staged = 1;
			def->received_us = received_us;
			return NULL;
		}
	} else if (rc == 0) {
		rc = sd_commit(sd, &next, x.err, sizeof(x.err));
	} else {
		lb_conf_free(&next);
	}
	if (rc == 0 && !x.json)
		fprintf(x.out, "generation %llu in force\n", (unsigned long long)sd->conf.generation);
	else if (rc == 0)
		fprintf(x.out, "{\"generation\":%llu}\n", (unsigned long long)sd->conf.generation);
	if (rc)
		sd->cnt[SD_CNT_changes_refused]++;
	else
		sd->cnt[SD_CNT_changes_applied]++;
done:
	fclose(x.out);
	json_decref(req);
	sd->cnt[SD_CNT_cli_requests]++;
	if (changed)    /* changes, refused ones too; reads are not audited */
		sd_audit(sd, pid, uid, words, rc == 0, rc ? x.err : NULL);
	if (rc) {
		char *r;

		if (!x.err[0])
			snprintf(x.err, sizeof(x.err), "%s", strerror(rc < 0 ? -rc : EINVAL));
		r = cmd_refuse(sd, x.err, x.usage);
		free(outbuf);
		return r;
	}
	{
		json_t *o = json_pack("{s:b, s:I, s:s}", "ok", 1, "generation",
				      (json_int_t)sd->conf.generation, "output", outbuf ? outbuf : "");

		if (changed)
			cmd_applied_us(sd, o, received_us);
		free(outbuf);
		return cmd_reply(o);
	}
}
