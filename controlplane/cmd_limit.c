/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * cmd_limit: sluicectl's verbs for the dataplane's rate limits (docs/limits.md):
 *   limit set NAME [--algorithm A] [--rate R --burst B | --limit L --window-ms W] [--unit U]
 *                  [--key source|prefix|service|subscriber] [--prefix4 N] [--prefix6 N]
 *                  [--service ADDR:PORT/PROTO|any] [--from PREFIX|any] [--subscriber S|any]
 *                  [--action drop|remark|count] [--dscp N] [--priority N] [--max-keys N]
 *     a meter (--algorithm srtcm|trtcm|trtcm-rfc4115, or --profile NAME of meter_profiles:):
 *                  [--cir --cbs --ebs --pir --pbs --eir]
 *                  [--green|--yellow|--red transmit|remark|drop] [--green-dscp N ...]
 *                  [--colour-aware true|false] [--l1-overhead true|false]
 *   limit del NAME
 *   limit list
 * A NAME starts with a letter; `limit set|del CLASS` with a number is the XDP filter's
 * per-source limit (xdp_cmd.c), and `limit list` shows both. set creates the limit (it
 * then needs --algorithm and its numbers) or changes the options given; the whole model
 * is checked as a file is (lb_conf_check), so the messages are the file's.
 *
 * Context: sluiced's thread (cmd.c's handlers).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cmd.h"
#include "lb_conf.h"
#include "police.h"
#include "sluiced.h"
#include "xdp_cmd.h"

static int
cmd_limit_u64(struct cmd_ctx *x, const char *key, uint64_t max, uint64_t *out)
{
	const char *s = cmd_opt(x, key);
	char *end;

	if (!s)
		return 1;
	errno = 0;
	*out = strtoull(s, &end, 10);
	if (!*s || *end || *s == '-' || *s == '+' || errno || *out > max)
		return cmd_fail(x, 1, "--%s '%.32s': want a whole number up to %llu", key, s,
				(unsigned long long)max);
	return 0;
}

/* 0 buckets, 1 windows, 2 meters: switching family drops the old numbers. */
static int
cmd_limit_family(int algo)
{
	return LB_LIMIT_IS_METER(algo) ? 2 : algo > POLICE_LEAKY_BUCKET ? 1 : 0;
}

static const char *const cmd_limit_meter_nums[] = { "cir", "cbs", "ebs", "pir", "pbs", "eir" };
static const char *const cmd_limit_colours[] = { "green", "yellow", "red" };

static int
cmd_limit_bool(struct cmd_ctx *x, const char *key, uint8_t *out)
{
	const char *s = cmd_opt(x, key);

	if (!s)
		return 0;
	if (strcmp(s, "true") && strcmp(s, "false"))
		return cmd_fail(x, 1, "--%s '%.32s': want true or false", key, s);
	*out = strcmp(s, "true") == 0;
	return 0;
}

/* A meter's options (the file's keys, '-' for '_'); refused on the other algorithms. */
static int
cmd_limit_meter_opts(struct cmd_ctx *x, struct lb_conf_limit *l)
{
	uint64_t *nums[] = { &l->cir, &l->cbs, &l->ebs, &l->pir, &l->pbs, &l->eir };
	char key[32];
	const char *s;
	int given = 0, i, e, rc;
	uint64_t u;

	for (i = 0; i < 6; i++) {
		if ((rc = cmd_limit_u64(x, cmd_limit_meter_nums[i], UINT64_MAX, nums[i])) < 0)
			return rc;
		given |= rc == 0;
	}
	for (i = 0; i < 3; i++) {
		if ((s = cmd_opt(x, cmd_limit_colours[i]))) {
			if ((e = lb_colour_action_parse(s)) < 0)
				return cmd_fail(x, 1, "--%s '%.32s': want transmit, remark or drop",
						cmd_limit_colours[i], s);
			l->colour_action[i] = (uint8_t)e;
			given = 1;
		}
		snprintf(key, sizeof(key), "%s-dscp", cmd_limit_colours[i]);
		if ((rc = cmd_limit_u64(x, key, 63, &u)) < 0)
			return rc;
		if (rc == 0) {
			if (l->colour_action[i] != LB_COLOUR_REMARK)
				return cmd_fail(x, 1, "--%s is for --%s remark", key,
						cmd_limit_colours[i]);
			l->colour_dscp[i] = (uint8_t)u;
			given = 1;
		}
	}
	if ((rc = cmd_limit_bool(x, "colour-aware", &l->colour_aware)) != 0 ||
	    (rc = cmd_limit_bool(x, "l1-overhead", &l->l1_overhead)) != 0)
		return rc;
	given |= cmd_opt(x, "colour-aware") || cmd_opt(x, "l1-overhead");
	if (given && !LB_LIMIT_IS_METER(l->algo))
		return cmd_fail(x, 1, "--cir, --cbs, ..., the colours, --colour-aware and "
				"--l1-overhead are for the meters (srtcm, trtcm, trtcm-rfc4115)");
	if (given && l->profile[0])
		return cmd_fail(x, 1, "limit %s takes its meter from profile %s: change the "
				"profile in the config file, or give the limit its own with "
				"--algorithm", l->name, l->profile);
	return 0;
}

/* The options given onto l (a new limit: zeroed but for its defaults). */
static int
cmd_limit_opts(struct cmd_ctx *x, struct lb_conf_limit *l)
{
	const char *s;
	uint64_t u;
	char msg[200];
	int e, rc;

	if ((s = cmd_opt(x, "algorithm"))) {
		if ((e = lb_limit_algo_parse(s)) < 0)
			return cmd_fail(x, 1, "--algorithm '%.32s': want token-bucket, leaky-bucket, "
					"fixed-window, sliding-log, sliding-window, srtcm, trtcm or "
					"trtcm-rfc4115", s);
		if (cmd_limit_family(e) != cmd_limit_family(l->algo)) {
			/* a bucket's numbers mean nothing to a window or a meter, and back */
			l->rate = l->burst = l->limit = 0;
			l->window_ms = 0;
			l->cir = l->cbs = l->ebs = l->pir = l->pbs = l->eir = 0;
			memset(l->colour_action, 0, sizeof(l->colour_action));
			memset(l->colour_dscp, 0, sizeof(l->colour_dscp));
			l->colour_action[2] = LB_COLOUR_DROP;
			l->colour_aware = l->l1_overhead = 0;
			if (LB_LIMIT_IS_METER(e)) {
				l->unit = POLICE_BYTES;
				l->action = LB_LIMIT_DROP;
				l->dscp = 0;
			}
		}
		l->algo = (uint8_t)e;
	}
	if ((s = cmd_opt(x, "algorithm")))
		l->profile[0] = '\0';          /* its own numbers from now on */
	if ((s = cmd_opt(x, "profile"))) {
		if (cmd_opt(x, "algorithm"))
			return cmd_fail(x, 1, "--profile gives the meter: not with --algorithm");
		if (lb_conf_profile_find(x->next, s) < 0)
			return cmd_fail(x, 1, "--profile %.40s: no such meter profile "
					"(meter_profiles: in the config file)", s);
		snprintf(l->profile, sizeof(l->profile), "%s", s);
		l->algo = LB_LIMIT_TRTCM;       /* a meter: lb_conf_resolve copies the rest */
		l->unit = POLICE_BYTES;
	}
	if ((rc = cmd_limit_meter_opts(x, l)) != 0)
		return rc;
	if ((s = cmd_opt(x, "unit"))) {
		if ((e = police_unit_parse(s)) < 0)
			return cmd_fail(x, 1, "--unit '%.32s': want packets, bytes or connections", s);
		l->unit = (uint8_t)e;
	}
	if ((s = cmd_opt(x, "key"))) {
		if ((e = lb_limit_key_parse(s)) < 0)
			return cmd_fail(x, 1, "--key '%.32s': want source, prefix, service or "
					"subscriber", s);
		l->key = (uint8_t)e;
	}
	if ((s = cmd_opt(x, "subscriber"))) {
		if (strcmp(s, "any") == 0)
			l->subscriber[0] = '\0';
		else if (!*s || strlen(s) >= sizeof(l->subscriber))
			return cmd_fail(x, 1, "--subscriber '%.40s': want a subscriber's name or any",
					s);
		else
			snprintf(l->subscriber, sizeof(l->subscriber), "%s", s);
	}
	if ((s = cmd_opt(x, "action"))) {
		if ((e = lb_limit_action_parse(s)) < 0)
			return cmd_fail(x, 1, "--action '%.32s': want drop, remark or count", s);
		l->action = (uint8_t)e;
	}
	if ((s = cmd_opt(x, "service"))) {
		if (strcmp(s, "any") == 0) {
			l->has_service = 0;
		} else {
			if (lb_vip_parse(s, &l->proto, &l->vip, msg, sizeof(msg)) != 0)
				return cmd_fail(x, 1, "--service: %s", msg);
			l->has_service = 1;
		}
	}
	if ((s = cmd_opt(x, "from"))) {
		if (strcmp(s, "any") == 0) {
			l->has_from = 0;
		} else {
			if (lb_prefix_parse("--from", s, &l->from, &l->from_plen, msg, sizeof(msg)))
				return cmd_fail(x, 1, "%s", msg);
			l->has_from = 1;
		}
	}
	if ((rc = cmd_limit_u64(x, "rate", UINT64_MAX, &l->rate)) < 0 ||
	    (rc = cmd_limit_u64(x, "burst", UINT64_MAX, &l->burst)) < 0 ||
	    (rc = cmd_limit_u64(x, "limit", UINT64_MAX, &l->limit)) < 0)
		return rc;
	if ((rc = cmd_limit_u64(x, "window-ms", 86400000, &u)) < 0)
		return rc;
	if (rc == 0)
		l->window_ms = (uint32_t)u;
	if ((rc = cmd_limit_u64(x, "prefix4", 32, &u)) < 0)
		return rc;
	if (rc == 0)
		l->prefix4 = (uint8_t)u;
	if ((rc = cmd_limit_u64(x, "prefix6", 128, &u)) < 0)
		return rc;
	if (rc == 0)
		l->prefix6 = (uint8_t)u;
	if ((rc = cmd_limit_u64(x, "dscp", 63, &u)) < 0)
		return rc;
	if (rc == 0)
		l->dscp = (uint8_t)u;
	if ((rc = cmd_limit_u64(x, "priority", 1000000, &u)) < 0)
		return rc;
	if (rc == 0)
		l->priority = (uint32_t)u;
	if ((rc = cmd_limit_u64(x, "max-keys", LB_CONF_LIMIT_KEYS_MAX, &u)) < 0)
		return rc;
	if (rc == 0)
		l->max_keys = (uint32_t)u;
	/* what the file's parser refuses by key, refused here by option */
	if (LB_LIMIT_IS_METER(l->algo) &&
	    (cmd_opt(x, "rate") || cmd_opt(x, "burst") || cmd_opt(x, "limit") ||
	     cmd_opt(x, "window-ms") || cmd_opt(x, "action") || cmd_opt(x, "dscp")))
		return cmd_fail(x, 1, "%s is a meter: it takes --cir, --cbs, ... and an action per "
				"colour (--green, --yellow, --red), not --rate, --burst, --limit, "
				"--window-ms, --action or --dscp", lb_limit_algo_name(l->algo));
	if (l->algo <= POLICE_LEAKY_BUCKET && (cmd_opt(x, "limit") || cmd_opt(x, "window-ms")))
		return cmd_fail(x, 1, "--limit and --window-ms are for the window algorithms; %s "
				"takes --rate and --burst", police_algo_name(l->algo));
	if (l->algo > POLICE_LEAKY_BUCKET && (cmd_opt(x, "rate") || cmd_opt(x, "burst")))
		return cmd_fail(x, 1, "--rate and --burst are for the buckets; %s takes --limit and "
				"--window-ms", police_algo_name(l->algo));
	if (cmd_opt(x, "dscp") && l->action != LB_LIMIT_REMARK)
		return cmd_fail(x, 1, "--dscp is for --action remark");
	if ((cmd_opt(x, "prefix4") || cmd_opt(x, "prefix6")) && l->key != LB_LIMIT_KEY_PREFIX)
		return cmd_fail(x, 1, "--prefix4 and --prefix6 are for --key prefix");
	return 0;
}

/* A limit that names a meter profile takes its numbers now, before the check. */
static int
cmd_limit_resolve(struct cmd_ctx *x, struct lb_conf *c)
{
	char err[512];

	if (lb_conf_resolve(c, "limit set", err, sizeof(err)) != 0)
		return cmd_fail(x, 1, "%s", err);
	return 0;
}

int
cmd_limit_set(struct cmd_ctx *x)
{
	struct lb_conf *c = x->next;
	const char *name = x->a.pos[0];
	int i = lb_conf_limit_find(c, name);
	struct lb_conf_limit l, *nl;
	int rc;

	if (!*name || strlen(name) >= LB_CONF_NAME_MAX ||
	    name[strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.")])
		return cmd_fail(x, 1, "limit name '%.40s': 1 to %d letters, digits, '-', '_' or "
				"'.', starting with a letter", name, LB_CONF_NAME_MAX - 1);
	if (i >= 0) {
		if (!x->a.nopt)
			return cmd_fail(x, 1, "limit set %s: nothing to change", name);
		if ((rc = cmd_limit_opts(x, &c->limits[i])) != 0)
			return rc;
		return cmd_limit_resolve(x, c);
	}
	if (!cmd_opt(x, "algorithm") && !cmd_opt(x, "profile"))
		return cmd_fail(x, 1, "limit set %s: a new limit needs --algorithm (and --rate "
				"--burst, --limit --window-ms, or a meter's --cir ...) or a meter "
				"--profile", name);
	if (c->nb_limits >= LB_CONF_LIMITS_MAX)
		return cmd_fail(x, 0, "limit set: %d limits at most", LB_CONF_LIMITS_MAX);
	memset(&l, 0, sizeof(l));
	snprintf(l.name, sizeof(l.name), "%s", name);
	l.prefix4 = 24;
	l.prefix6 = 64;
	l.priority = LB_CONF_LIMIT_PRIORITY_DEFAULT;
	l.max_keys = LB_CONF_LIMIT_KEYS_DEFAULT;
	l.colour_action[2] = LB_COLOUR_DROP;    /* as the file's default: red dropped */
	if ((rc = cmd_limit_opts(x, &l)) != 0)
		return rc;
	nl = realloc(c->limits, (c->nb_limits + 1) * sizeof(*nl));
	if (!nl)
		return cmd_fail(x, 0, "out of memory");
	c->limits = nl;
	c->limits[c->nb_limits++] = l;
	return cmd_limit_resolve(x, c);
}

int
cmd_limit_del(struct cmd_ctx *x)
{
	struct lb_conf *c = x->next;
	int i = lb_conf_limit_find(c, x->a.pos[0]);

	if (i < 0)
		return cmd_fail(x, 0, "limit %.32s does not exist", x->a.pos[0]);
	memmove(&c->limits[i], &c->limits[i + 1], (c->nb_limits - (uint32_t)i - 1) *
		sizeof(c->limits[0]));
	c->nb_limits--;
	return 0;
}

/* One limit as text: "per-client token-bucket 5 connections/s burst 5, key source, ...". */
static void
cmd_limit_print(FILE *f, const struct lb_conf_limit *l)
{
	char v[96];

	fprintf(f, "limit %-16s %s ", l->name, lb_limit_algo_name(l->algo));
	if (LB_LIMIT_IS_METER(l->algo))
		fprintf(f, "cir %llu B/s cbs %llu ebs %llu pir %llu pbs %llu eir %llu, "
			"green %s yellow %s red %s", (unsigned long long)l->cir,
			(unsigned long long)l->cbs, (unsigned long long)l->ebs,
			(unsigned long long)l->pir, (unsigned long long)l->pbs,
			(unsigned long long)l->eir, lb_colour_action_name(l->colour_action[0]),
			lb_colour_action_name(l->colour_action[1]),
			lb_colour_action_name(l->colour_action[2]));
	else if (l->algo <= POLICE_LEAKY_BUCKET)
		fprintf(f, "%llu %s/s burst %llu", (unsigned long long)l->rate,
			police_unit_name(l->unit), (unsigned long long)l->burst);
	else
		fprintf(f, "%llu %s per %u ms", (unsigned long long)l->limit,
			police_unit_name(l->unit), l->window_ms);
	fprintf(f, ", key %s", lb_limit_key_name(l->key));
	if (l->key == LB_LIMIT_KEY_PREFIX)
		fprintf(f, " /%u /%u", l->prefix4, l->prefix6);
	if (l->has_service) {
		lb_vip_format(l->proto, &l->vip, v, sizeof(v));
		fprintf(f, ", service %s", v);
	}
	if (l->has_from) {
		lb_prefix_format(&l->from, l->from_plen, v, sizeof(v));
		fprintf(f, ", from %s", v);
	}
	if (l->subscriber[0])
		fprintf(f, ", subscriber %s", l->subscriber);
	if (l->profile[0])
		fprintf(f, ", profile %s", l->profile);
	if (LB_LIMIT_IS_METER(l->algo) && (l->colour_aware || l->l1_overhead))
		fprintf(f, "%s%s", l->colour_aware ? ", colour-aware" : "",
			l->l1_overhead ? ", l1-overhead" : "");
	if (!LB_LIMIT_IS_METER(l->algo))
		fprintf(f, ", %s", lb_limit_action_name(l->action));
	if (!LB_LIMIT_IS_METER(l->algo) && l->action == LB_LIMIT_REMARK)
		fprintf(f, " dscp %u", l->dscp);
	fprintf(f, ", priority %u, max-keys %u\n", l->priority, l->max_keys);
}

static json_t *
cmd_limit_json(const struct lb_conf_limit *l)
{
	json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:i, s:i}", "name", l->name,
			      "algorithm", lb_limit_algo_name(l->algo),
			      "unit", police_unit_name(l->unit),
			      "key", lb_limit_key_name(l->key),
			      "action", lb_limit_action_name(l->action),
			      "priority", (int)l->priority, "max_keys", (int)l->max_keys);
	char v[96];

	if (LB_LIMIT_IS_METER(l->algo)) {
		json_object_set_new(o, "cir", json_integer((json_int_t)l->cir));
		json_object_set_new(o, "cbs", json_integer((json_int_t)l->cbs));
		json_object_set_new(o, "ebs", json_integer((json_int_t)l->ebs));
		json_object_set_new(o, "pir", json_integer((json_int_t)l->pir));
		json_object_set_new(o, "pbs", json_integer((json_int_t)l->pbs));
		json_object_set_new(o, "eir", json_integer((json_int_t)l->eir));
		json_object_set_new(o, "green", json_string(lb_colour_action_name(l->colour_action[0])));
		json_object_set_new(o, "yellow", json_string(lb_colour_action_name(l->colour_action[1])));
		json_object_set_new(o, "red", json_string(lb_colour_action_name(l->colour_action[2])));
		json_object_del(o, "action");
	} else if (l->algo <= POLICE_LEAKY_BUCKET) {
		json_object_set_new(o, "rate", json_integer((json_int_t)l->rate));
		json_object_set_new(o, "burst", json_integer((json_int_t)l->burst));
	} else {
		json_object_set_new(o, "limit", json_integer((json_int_t)l->limit));
		json_object_set_new(o, "window_ms", json_integer(l->window_ms));
	}
	if (l->key == LB_LIMIT_KEY_PREFIX) {
		json_object_set_new(o, "prefix4", json_integer(l->prefix4));
		json_object_set_new(o, "prefix6", json_integer(l->prefix6));
	}
	if (l->has_service) {
		lb_vip_format(l->proto, &l->vip, v, sizeof(v));
		json_object_set_new(o, "service", json_string(v));
	}
	if (l->has_from) {
		lb_prefix_format(&l->from, l->from_plen, v, sizeof(v));
		json_object_set_new(o, "from", json_string(v));
	}
	if (l->subscriber[0])
		json_object_set_new(o, "subscriber", json_string(l->subscriber));
	if (l->profile[0])
		json_object_set_new(o, "profile", json_string(l->profile));
	if (LB_LIMIT_IS_METER(l->algo)) {
		int i;

		json_object_set_new(o, "colour_aware", json_boolean(l->colour_aware));
		json_object_set_new(o, "l1_overhead", json_boolean(l->l1_overhead));
		for (i = 0; i < 3; i++)
			if (l->colour_action[i] == LB_COLOUR_REMARK) {
				snprintf(v, sizeof(v), "%s_dscp", cmd_limit_colours[i]);
				json_object_set_new(o, v, json_integer(l->colour_dscp[i]));
			}
	}
	if (!LB_LIMIT_IS_METER(l->algo) && l->action == LB_LIMIT_REMARK)
		json_object_set_new(o, "dscp", json_integer(l->dscp));
	return o;
}

/*
 * limit list: the XDP filter's classes (when its maps are open), then the dataplane's
 * limits. JSON: one array, classes ({"class": N, ...}) first, then limits ({"name": ...}).
 */
int
cmd_limit_list(struct cmd_ctx *x)
{
	const struct lb_conf *c = &x->sd->conf;
	json_t *arr = NULL;
	char *buf = NULL;
	size_t len = 0;
	uint32_t i;

	if (x->sd->ctl_open) {
		static const char *const argv[] = { "limit", "list" };
		FILE *f = open_memstream(&buf, &len);
		char err[256];

		if (!f)
			return cmd_fail(x, 0, "out of memory");
		xdp_cmd_run(&x->sd->ctl, 2, (char **)(uintptr_t)argv, f, x->json, err, sizeof(err));
		fclose(f);
	}
	if (!x->json) {
		fputs(buf ? buf : "", x->out);
		free(buf);
		for (i = 0; i < c->nb_limits; i++)
			cmd_limit_print(x->out, &c->limits[i]);
		return 0;
	}
	arr = buf && *buf ? json_loads(buf, 0, NULL) : NULL;
	free(buf);
	if (!json_is_array(arr)) {
		json_decref(arr);
		arr = json_array();
	}
	for (i = 0; i < c->nb_limits; i++)
		json_array_append_new(arr, cmd_limit_json(&c->limits[i]));
	cmd_print_json(x, arr);
	return 0;
}
