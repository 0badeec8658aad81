/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * cmd_sys: the daemon's own verbs — status, stats and config show|save|check|reload.
 *
 * stats joins three sources: sluiced's counters, the dataplane's (asked over its
 * socket; the answer is passed through) and the XDP filter's (from the pinned maps).
 *
 * Context: sluiced's thread.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "dp_client.h"
#include "health.h"
#include "lb_conf.h"
#include "sluice_config.h"
#include "sluiced.h"
#include "store.h"
#include "xdp_cmd.h"

int
cmd_status(struct cmd_ctx *x)
{
	struct sd *sd = x->sd;
	json_t *o = json_pack("{s:s, s:i, s:I, s:I, s:s, s:s, s:i, s:i, s:b, s:b}",
		"version", SLUICE_VERSION, "pid", (int)getpid(),
		"generation", (json_int_t)sd->conf.generation,
		"health_seq", (json_int_t)sd->health_seq,
		"state_file", sd->args.state, "config_file", sd->args.config,
		"services", (int)sd->conf.nb_services, "pools", (int)sd->conf.nb_pools,
		"filter_maps", sd->ctl_open, "dataplane_up", sd->dp_up);

	if (sd->dp_up) {
		json_object_set_new(o, "dataplane_generation", json_integer((json_int_t)sd->dp_generation));
		json_object_set_new(o, "dataplane_in_sync", json_boolean(
			sd->dp_generation == sd->conf.generation && sd->dp_health_seq == sd->health_seq));
	}
	if (x->json) {
		cmd_print_json(x, json_incref(o));
	} else {
		fprintf(x->out, "sluiced %s, pid %d: generation %llu, %u services, %u pools\n",
			SLUICE_VERSION, (int)getpid(), (unsigned long long)sd->conf.generation,
			sd->conf.nb_services, sd->conf.nb_pools);
		fprintf(x->out, "state file %s\n", sd->args.state);
		if (sd->dp_up)
			fprintf(x->out, "dataplane: up, generation %llu (%s)\n",
				(unsigned long long)sd->dp_generation,
				sd->dp_generation == sd->conf.generation &&
				sd->dp_health_seq == sd->health_seq ? "in sync" : "being synced");
		else
			fprintf(x->out, "dataplane: not answering on %s (it keeps its last "
				"configuration; sluiced pushes when it is back)\n", sd->args.dp_sock);
		fprintf(x->out, "XDP filter maps: %s\n", sd->ctl_open ? "open" : "not open");
	}
	json_decref(o);
	return 0;
}

int
cmd_stats(struct cmd_ctx *x)
{
	struct sd *sd = x->sd;
	json_t *o = json_object(), *mine = json_object(), *req, *dp;
	char err[256];
	int i;

	for (i = 0; i < SD_CNT__MAX; i++)
		json_object_set_new(mine, sd_counter_names[i], json_integer((json_int_t)sd->cnt[i]));
	json_object_set_new(o, "sluiced", mine);
	req = json_pack("{s:s}", "cmd", "stats");
	dp = dpc_call(sd->args.dp_sock, req, 1000, err, sizeof(err));
	json_decref(req);
	if (dp) {
		json_object_del(dp, "ok");
		json_object_set_new(o, "dataplane", dp);
	} else {
		json_object_set_new(o, "dataplane_error", json_string(err));
	}
	if (x->json) {
		cmd_print_json(x, json_incref(o));
	} else {
		const char *k;
		json_t *v;

		fprintf(x->out, "sluiced:\n");
		json_object_foreach(mine, k, v)
			if (json_integer_value(v))
				fprintf(x->out, "  %-24s %lld\n", k, (long long)json_integer_value(v));
		if (dp) {
			fprintf(x->out, "dataplane (non-zero, summed over workers):\n");
			json_object_foreach(json_object_get(dp, "counters"), k, v)
				if (json_integer_value(v))
					fprintf(x->out, "  %-24s %lld\n", k,
						(long long)json_integer_value(v));
		} else {
			fprintf(x->out, "dataplane: %s\n", err);
		}
		if (sd->ctl_open) {
			char w0[] = "stats", *words[] = { w0 };

			fprintf(x->out, "XDP filter:\n");
			xdp_cmd_run(&sd->ctl, 1, words, x->out, 0, err, sizeof(err));
		}
	}
	json_decref(o);
	return 0;
}

int
cmd_config_show(struct cmd_ctx *x)
{
	char *text;
	size_t len;

	if (lb_conf_emit(&x->sd->conf, &text, &len) != 0)
		return cmd_fail(x, 0, "out of memory");
	if (x->json) {
		cmd_print_json(x, json_pack("{s:I, s:s}", "generation",
					    (json_int_t)x->sd->conf.generation, "yaml", text));
	} else {
		fwrite(text, 1, len, x->out);
	}
	free(text);
	return 0;
}

int
cmd_config_save(struct cmd_ctx *x)
{
	const char *path = x->a.npos ? x->a.pos[0] : x->sd->args.config;
	int rc;

	if (!path[0])
		return cmd_fail(x, 1, "config save: which file? (sluiced has no --config)");
	if (path[0] != '/')
		return cmd_fail(x, 1, "config save '%.60s': give an absolute path (it is "
				"written by the daemon, not in your directory)", path);
	rc = store_save(path, &x->sd->conf, x->err, sizeof(x->err));
	if (rc)
		return rc;
	fprintf(x->out, x->json ? "{\"saved\":\"%s\"}\n" : "saved to %s\n", path);
	return 0;
}

int
cmd_config_check(struct cmd_ctx *x)
{
	struct lb_conf c;
	int rc = lb_conf_load(x->a.pos[0], &c, x->err, sizeof(x->err));

	if (rc)
		return rc;
	if (x->json)
		fprintf(x->out, "{\"valid\":true,\"services\":%u,\"pools\":%u}\n",
			c.nb_services, c.nb_pools);
	else
		fprintf(x->out, "%s: valid (%u services, %u pools)\n", x->a.pos[0], c.nb_services,
			c.nb_pools);
	lb_conf_free(&c);
	return 0;
}

/* Replaces the desired state with the config file's (runtime changes not saved to it
 * are dropped, as a reload of HAProxy's file drops its runtime API changes). */
int
cmd_config_reload(struct cmd_ctx *x)
{
	struct lb_conf c;
	int rc;

	if (!x->sd->args.config[0])
		return cmd_fail(x, 0, "config reload: sluiced has no --config");
	rc = lb_conf_load(x->sd->args.config, &c, x->err, sizeof(x->err));
	if (rc)
		return rc;
	lb_conf_free(x->next);
	*x->next = c;
	return 0;
}
