/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lb_conf: the YAML file of services and pools (see lb_conf.h), read with libyaml's
 * document API so every node keeps its line for messages. Parsing fills the model; the
 * checks that need the whole model (lb_conf_check in lb_conf_model.c: families and ports
 * fit the mode, no two services alike, no backend that is a VIP) run after.
 * Context: control side.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>

#include <yaml.h>

#include "lb_conf.h"
#include "police.h"

/* Parser state. */
struct lc {
	const char *name;
	yaml_document_t *doc;
	struct lb_conf *c;
	char *err;
	size_t errlen;
};

static int __attribute__((format(printf, 3, 4)))
lc_fail(struct lc *p, const yaml_node_t *n, const char *fmt, ...)
{
	char msg[384];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(p->err, p->errlen, "%s:%lu: %s", p->name,
		 n ? (unsigned long)n->start_mark.line + 1 : 0UL, msg);
	return -EINVAL;
}

static yaml_node_t *
lc_node(struct lc *p, int i)
{
	return yaml_document_get_node(p->doc, i);
}

/* The text of a scalar node, or NULL (refused with what) if it is not one. */
static const char *
lc_scalar(struct lc *p, yaml_node_t *n, const char *what, int *rc)
{
	if (!n || n->type != YAML_SCALAR_NODE) {
		*rc = lc_fail(p, n, "%s: want a single value", what);
		return NULL;
	}
	return (const char *)n->data.scalar.value;
}

static int
lc_uint(struct lc *p, yaml_node_t *n, const char *what, unsigned long max, unsigned long *out)
{
	int rc = 0;
	const char *s = lc_scalar(p, n, what, &rc);
	char *end;

	if (!s)
		return rc;
	errno = 0;
	*out = strtoul(s, &end, 10);
	if (!*s || *end || *s == '-' || errno || *out > max)
		return lc_fail(p, n, "%s: '%.40s' is not a whole number from 0 to %lu", what, s, max);
	return 0;
}

/* "ADDR:PORT" and its kin (lb_addr_parse), refused at node n. */
static int
lc_addr(struct lc *p, yaml_node_t *n, const char *what, const char *s, int allow_any,
	int allow_bare, struct lb_addr *a)
{
	char msg[200];

	if (lb_addr_parse(what, s, allow_any, allow_bare, a, msg, sizeof(msg)) != 0)
		return lc_fail(p, n, "%s", msg);
	return 0;
}

static int
lc_backend(struct lc *p, yaml_node_t *n, struct lb_conf_backend *b)
{
	yaml_node_pair_t *pr;
	int rc = 0, have_addr = 0;
	const char *s;

	memset(b, 0, sizeof(*b));
	b->weight = 1;
	b->state = LB_BACKEND_READY;
	b->line = (int)n->start_mark.line + 1;
	if (n->type == YAML_SCALAR_NODE)
		return lc_addr(p, n, "backend", (const char *)n->data.scalar.value, 0, 1, &b->addr);
	if (n->type != YAML_MAPPING_NODE)
		return lc_fail(p, n, "backend: want ADDR:PORT or {address, weight, state}");
	for (pr = n->data.mapping.pairs.start; pr < n->data.mapping.pairs.top; pr++) {
		yaml_node_t *k = lc_node(p, pr->key), *v = lc_node(p, pr->value);
		const char *key = lc_scalar(p, k, "backend key", &rc);
		unsigned long u;

		if (!key)
			return rc;
		if (strcmp(key, "address") == 0) {
			if (!(s = lc_scalar(p, v, "address", &rc)))
				return rc;
			if ((rc = lc_addr(p, v, "backend", s, 0, 1, &b->addr)) != 0)
				return rc;
			have_addr = 1;
		} else if (strcmp(key, "weight") == 0) {
			if ((rc = lc_uint(p, v, "weight", LB_CONF_WEIGHT_MAX, &u)) != 0)
				return rc;
			b->weight = (uint16_t)u;
		} else if (strcmp(key, "state") == 0) {
			int e;

			if (!(s = lc_scalar(p, v, "state", &rc)))
				return rc;
			e = lb_backend_state_parse(s);
			if (e < 0)
				return lc_fail(p, v, "state '%.32s': want ready, drain or maint", s);
			b->state = (uint8_t)e;
		} else {
			return lc_fail(p, k, "backend: unknown key '%.32s' (address, weight, state)", key);
		}
	}
	if (!have_addr)
		return lc_fail(p, n, "backend: no address");
	return 0;
}

/* A text option of a check: printable ASCII only (it goes on the wire as it is). */
static int
lc_check_text(struct lc *p, yaml_node_t *v, const char *what, char *out, size_t outlen)
{
	int rc = 0;
	const char *s = lc_scalar(p, v, what, &rc);
	const char *c;

	if (!s)
		return rc;
	if (strlen(s) >= outlen)
		return lc_fail(p, v, "check %s: at most %zu characters", what, outlen - 1);
	for (c = s; *c; c++)
		if (*c < 0x20 || *c > 0x7e)
			return lc_fail(p, v, "check %s: printable ASCII only", what);
	snprintf(out, outlen, "%s", s);
	return 0;
}

/* check: { type, port, path, status, send, expect, inter_ms, timeout_ms, rise, fall } */
static int
lc_check_node(struct lc *p, yaml_node_t *n, const char *pool, struct lb_conf_check *ck)
{
	yaml_node_t *type_node = NULL, *timeout_node = NULL;
	yaml_node_pair_t *pr;
	int rc = 0, t = -1, have_timeout = 0;

	if (n->type != YAML_MAPPING_NODE)
		return lc_fail(p, n, "pool %s: check: want a mapping with a type", pool);
	for (pr = n->data.mapping.pairs.start; pr < n->data.mapping.pairs.top; pr++) {
		yaml_node_t *k = lc_node(p, pr->key), *v = lc_node(p, pr->value);
		const char *key = lc_scalar(p, k, "check key", &rc), *s;

		if (!key)
			return rc;
		if (strcmp(key, "type") == 0) {
			if (!(s = lc_scalar(p, v, "check type", &rc)))
				return rc;
			t = lb_check_type_parse(s);
			if (t < 0)
				return lc_fail(p, v, "check type '%.32s': want tcp, http, udp or none", s);
			type_node = v;
		}
	}
	if (!type_node)
		return lc_fail(p, n, "pool %s: check: no type (tcp, http, udp or none)", pool);
	lb_check_default(ck, (enum lb_check_type)t);
	ck->line = (int)n->start_mark.line + 1;
	for (pr = n->data.mapping.pairs.start; pr < n->data.mapping.pairs.top; pr++) {
		yaml_node_t *k = lc_node(p, pr->key), *v = lc_node(p, pr->value);
		const char *key = (const char *)k->data.scalar.value;
		unsigned long u;

		if (strcmp(key, "type") == 0)
			continue;
		if (strcmp(key, "port") == 0) {
			if ((rc = lc_uint(p, v, "check port", 65535, &u)) != 0)
				return rc;
			ck->port = (uint16_t)u;
		} else if (strcmp(key, "inter_ms") == 0) {
			if ((rc = lc_uint(p, v, "check inter_ms", 3600000, &u)) != 0)
				return rc;
			if (u < 100)
				return lc_fail(p, v, "check inter_ms %lu: at least 100", u);
			ck->inter_ms = (uint32_t)u;
		} else if (strcmp(key, "timeout_ms") == 0) {
			if ((rc = lc_uint(p, v, "check timeout_ms", 3600000, &u)) != 0)
				return rc;
			if (u < 10)
				return lc_fail(p, v, "check timeout_ms %lu: at least 10", u);
			ck->timeout_ms = (uint32_t)u;
			have_timeout = 1;
			timeout_node = v;
		} else if (strcmp(key, "rise") == 0 || strcmp(key, "fall") == 0) {
			if ((rc = lc_uint(p, v, key, 100, &u)) != 0)
				return rc;
			if (u < 1)
				return lc_fail(p, v, "check %s: 1 to 100", key);
			if (key[0] == 'r')
				ck->rise = (uint8_t)u;
			else
				ck->fall = (uint8_t)u;
		} else if (strcmp(key, "path") == 0 && t == LB_CHECK_HTTP) {
			if ((rc = lc_check_text(p, v, "path", ck->path, sizeof(ck->path))) != 0)
				return rc;
			if (ck->path[0] != '/' || strchr(ck->path, ' '))
				return lc_fail(p, v, "check path '%.60s': want /..., without spaces",
					       ck->path);
		} else if (strcmp(key, "status") == 0 && t == LB_CHECK_HTTP) {
			if ((rc = lc_uint(p, v, "check status", 599, &u)) != 0)
				return rc;
			if (u < 100)
				return lc_fail(p, v, "check status %lu: 100 to 599", u);
			ck->status = (uint16_t)u;
		} else if (strcmp(key, "send") == 0 && t == LB_CHECK_UDP) {
			if ((rc = lc_check_text(p, v, "send", ck->send, sizeof(ck->send))) != 0)
				return rc;
		} else if (strcmp(key, "expect") == 0 && t == LB_CHECK_UDP) {
			if ((rc = lc_check_text(p, v, "expect", ck->expect, sizeof(ck->expect))) != 0)
				return rc;
		} else {
			return lc_fail(p, k, "pool %s: check: '%.32s' is not an option of a %s check "
				       "(port, inter_ms, timeout_ms, rise, fall%s)", pool, key,
				       lb_check_type_name(ck->type),
				       t == LB_CHECK_HTTP ? ", path, status" :
				       t == LB_CHECK_UDP ? ", send, expect" : "");
		}
	}
	if (!have_timeout && ck->timeout_ms > ck->inter_ms)
		ck->timeout_ms = ck->inter_ms;
	if (ck->timeout_ms > ck->inter_ms)
		return lc_fail(p, timeout_node, "check timeout_ms %u: at most inter_ms (%u)",
			       ck->timeout_ms, ck->inter_ms);
	return 0;
}

static int
lc_pool(struct lc *p, yaml_node_t *k, yaml_node_t *n, struct lb_conf_pool *pool)
{
	yaml_node_pair_t *pr;
	int rc = 0;
	const char *name = lc_scalar(p, k, "pool name", &rc);

	memset(pool, 0, sizeof(*pool));
	if (!name)
		return rc;
	if (!*name || strlen(name) >= LB_CONF_NAME_MAX)
		return lc_fail(p, k, "pool name '%.40s': 1 to %d characters", name, LB_CONF_NAME_MAX - 1);
	snprintf(pool->name, sizeof(pool->name), "%s", name);
	pool->maglev_size = LB_CONF_MAGLEV_DEFAULT;
	pool->line = (int)k->start_mark.line + 1;
	if (n->type != YAML_MAPPING_NODE)
		return lc_fail(p, n, "pool %s: want a mapping with backends", name);
	for (pr = n->data.mapping.pairs.start; pr < n->data.mapping.pairs.top; pr++) {
		yaml_node_t *kk = lc_node(p, pr->key), *v = lc_node(p, pr->value);
		const char *key = lc_scalar(p, kk, "pool key", &rc);
		unsigned long u;

		if (!key)
			return rc;
		if (strcmp(key, "maglev_size") == 0) {
			if ((rc = lc_uint(p, v, "maglev_size", LB_CONF_MAGLEV_MAX, &u)) != 0)
				return rc;
			if (!lb_conf_maglev_size_ok((uint32_t)u))
				return lc_fail(p, v, "pool %s: maglev_size %lu is not prime (65537, "
					       "131071 and 1048573 are)", name, u);
			pool->maglev_size = (uint32_t)u;
		} else if (strcmp(key, "check") == 0) {
			if ((rc = lc_check_node(p, v, name, &pool->check)) != 0)
				return rc;
		} else if (strcmp(key, "backends") == 0) {
			yaml_node_item_t *it;
			uint32_t i = 0, nb;

			if (v->type != YAML_SEQUENCE_NODE)
				return lc_fail(p, v, "pool %s: backends: want a list", name);
			nb = (uint32_t)(v->data.sequence.items.top - v->data.sequence.items.start);
			if (nb > LB_CONF_BACKENDS_MAX)
				return lc_fail(p, v, "pool %s: %u backends, at most %d", name, nb,
					       LB_CONF_BACKENDS_MAX);
			free(pool->backends);
			pool->backends = calloc(nb ? nb : 1, sizeof(*pool->backends));
			if (!pool->backends)
				return lc_fail(p, v, "out of memory");
			for (it = v->data.sequence.items.start; it < v->data.sequence.items.top; it++) {
				if ((rc = lc_backend(p, lc_node(p, *it), &pool->backends[i])) != 0)
					return rc;
				i++;
			}
			pool->nb_backends = nb;
		} else {
			return lc_fail(p, kk, "pool %s: unknown key '%.32s' (backends, maglev_size, check)",
				       name, key);
		}
	}
	return 0;
}

static int
lc_service(struct lc *p, yaml_node_t *n, struct lb_conf_service *s)
{
	yaml_node_pair_t *pr;
	yaml_node_t *pool_node = NULL, *ttl_node = NULL, *mss_node = NULL;
	const char *pool = NULL;
	int rc = 0, have_vip = 0;

	memset(s, 0, sizeof(*s));
	s->policy = LB_POLICY_MAGLEV;
	s->mode = LB_MODE_FNAT;
	s->line = (int)n->start_mark.line + 1;
	if (n->type != YAML_MAPPING_NODE)
		return lc_fail(p, n, "service: want a mapping with vip and pool");
	for (pr = n->data.mapping.pairs.start; pr < n->data.mapping.pairs.top; pr++) {
		yaml_node_t *k = lc_node(p, pr->key), *v = lc_node(p, pr->value);
		const char *key = lc_scalar(p, k, "service key", &rc), *val;
		unsigned long u;
		int e;

		if (!key)
			return rc;
		if (strcmp(key, "vip") == 0) {
			char msg[200];

			if (!(val = lc_scalar(p, v, "vip", &rc)))
				return rc;
			if (lb_vip_parse(val, &s->proto, &s->vip, msg, sizeof(msg)) != 0)
				return lc_fail(p, v, "%s", msg);
			have_vip = 1;
		} else if (strcmp(key, "pool") == 0) {
			if (!(pool = lc_scalar(p, v, "pool", &rc)))
				return rc;
			pool_node = v;
		} else if (strcmp(key, "policy") == 0) {
			if (!(val = lc_scalar(p, v, "policy", &rc)))
				return rc;
			if (strcmp(val, "url-hash") == 0)
				return lc_fail(p, v, "policy url-hash needs an HTTP-aware service; this "
					       "one balances at L4 (use source-hash or maglev)");
			e = lb_policy_parse(val);
			if (e < 0)
				return lc_fail(p, v, "policy '%.32s': want rr, wrr, sticky, source-hash, "
					       "maglev, least-conn, least-latency or random-p2c", val);
			s->policy = (uint8_t)e;
		} else if (strcmp(key, "mode") == 0) {
			if (!(val = lc_scalar(p, v, "mode", &rc)))
				return rc;
			e = lb_mode_parse(val);
			if (e < 0)
				return lc_fail(p, v, "mode '%.32s': want fnat, dsr or dsr-ipip", val);
			s->mode = (uint8_t)e;
		} else if (strcmp(key, "sticky_ttl") == 0) {
			if ((rc = lc_uint(p, v, "sticky_ttl", 86400, &u)) != 0)
				return rc;
			s->sticky_ttl_s = (uint32_t)u;
			ttl_node = v;
		} else if (strcmp(key, "mss") == 0) {
			if ((rc = lc_uint(p, v, "mss", 65535, &u)) != 0)
				return rc;
			/* RFC 879's 536 is what every IPv4 host must take; below it the clamp
			 * would break hosts rather than fit a tunnel. */
			if (u < 536)
				return lc_fail(p, v, "mss %lu: want 536 or more", u);
			s->mss = (uint16_t)u;
			mss_node = v;
		} else {
			return lc_fail(p, k, "service: unknown key '%.32s' (vip, pool, policy, mode, "
				       "sticky_ttl, mss)", key);
		}
	}
	if (!have_vip)
		return lc_fail(p, n, "service: no vip");
	if (!pool)
		return lc_fail(p, n, "service: no pool");
	{
		int i = lb_conf_pool_find(p->c, pool);

		if (i < 0)
			return lc_fail(p, pool_node, "service: pool '%.32s' is not defined", pool);
		s->pool = (uint32_t)i;
	}
	if (mss_node && s->proto != IPPROTO_TCP)
		return lc_fail(p, mss_node, "mss is for TCP services only");
	if (ttl_node && s->policy != LB_POLICY_STICKY)
		return lc_fail(p, ttl_node, "sticky_ttl is for policy sticky only");
	if (s->policy == LB_POLICY_STICKY && !s->sticky_ttl_s)
		s->sticky_ttl_s = 300;
	return 0;
}

static int
lc_u64(struct lc *p, yaml_node_t *n, const char *what, uint64_t *out)
{
	int rc = 0;
	const char *s = lc_scalar(p, n, what, &rc);
	char *end;

	if (!s)
		return rc;
	errno = 0;
	*out = strtoull(s, &end, 10);
	if (!*s || *end || *s == '-' || errno)
		return lc_fail(p, n, "%s: '%.40s' is not a whole number", what, s);
	return 0;
}

static const char *const lc_meter_keys[] = {
	"cir", "cbs", "ebs", "pir", "pbs", "eir", "green", "yellow", "red", "green_dscp",
	"yellow_dscp", "red_dscp", "colour_aware", "l1_overhead",
};

static int
lc_meter_key(const char *key)
{
	unsigned int i;

	for (i = 0; i < sizeof(lc_meter_keys) / sizeof(lc_meter_keys[0]); i++)
		if (strcmp(key, lc_meter_keys[i]) == 0)
			return 1;
	return 0;
}

/* One of a meter's keys (lc_meter_keys) onto l (what: "limit X", "meter profile Y"). */
static int
lc_meter_value(struct lc *p, yaml_node_t *v, const char *what, const char *key,
	       struct lb_conf_limit *l)
{
	static const char *const colours[] = { "green", "yellow", "red" };
	uint64_t *nums[] = { &l->cir, &l->cbs, &l->ebs, &l->pir, &l->pbs, &l->eir };
	unsigned long u;
	const char *val;
	int rc = 0, i, e;

	for (i = 0; i < 6; i++)
		if (strcmp(key, lc_meter_keys[i]) == 0)
			return lc_u64(p, v, key, nums[i]);
	for (i = 0; i < 3; i++) {
		char dk[16];

		if (strcmp(key, colours[i]) == 0) {
			if (!(val = lc_scalar(p, v, key, &rc)))
				return rc;
			if ((e = lb_colour_action_parse(val)) < 0)
				return lc_fail(p, v, "%s: %s '%.32s': want transmit, remark or "
					       "drop", what, key, val);
			l->colour_action[i] = (uint8_t)e;
			return 0;
		}
		snprintf(dk, sizeof(dk), "%s_dscp", colours[i]);
		if (strcmp(key, dk) == 0) {
			if ((rc = lc_uint(p, v, key, 63, &u)) != 0)
				return rc;
			l->colour_dscp[i] = (uint8_t)u;
			return 0;
		}
	}
	if (!(val = lc_scalar(p, v, key, &rc)))
		return rc;
	if (strcmp(val, "true") != 0 && strcmp(val, "false") != 0)
		return lc_fail(p, v, "%s: %s '%.32s': want true or false", what, key, val);
	if (strcmp(key, "colour_aware") == 0)
		l->colour_aware = strcmp(val, "true") == 0;
	else
		l->l1_overhead = strcmp(val, "true") == 0;
	return 0;
}

/* A name of the file's own (a subscriber's, a limit's): it labels metrics. */
static int
lc_name_ok(const char *name)
{
	return *name && strlen(name) < LB_CONF_NAME_MAX &&
	       ((*name >= 'a' && *name <= 'z') || (*name >= 'A' && *name <= 'Z')) &&
	       !name[strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.")];
}

/* One limit, "name: { ... }" (lb_conf.h shows every key). */
static int
lc_limit(struct lc *p, yaml_node_t *kn, yaml_node_t *n, struct lb_conf_limit *l)
{
	yaml_node_t *dscp_node = NULL, *p4_node = NULL, *p6_node = NULL, *unit_node = NULL;
	yaml_node_t *bucket_node = NULL, *window_node = NULL, *meter_node = NULL;
	yaml_node_t *action_node = NULL, *profile_node = NULL;
	int rc = 0, have_algo = 0, e;
	const char *name = lc_scalar(p, kn, "limit name", &rc), *val;
	yaml_node_pair_t *pr;
	unsigned long u;

	memset(l, 0, sizeof(*l));
	if (!name)
		return rc;
	/* Names become metric labels: letters, digits, '-', '_', '.', a letter first. */
	if (!lc_name_ok(name))
		return lc_fail(p, kn, "limit name '%.40s': want 1 to %d letters, digits, '-', '_' "
			       "or '.', starting with a letter", name, LB_CONF_NAME_MAX - 1);
	snprintf(l->name, sizeof(l->name), "%s", name);
	l->line = (int)kn->start_mark.line + 1;
	l->prefix4 = 24;
	l->prefix6 = 64;
	l->unit = POLICE_PACKETS;
	l->priority = LB_CONF_LIMIT_PRIORITY_DEFAULT;
	l->max_keys = LB_CONF_LIMIT_KEYS_DEFAULT;
	l->colour_action[2] = LB_COLOUR_DROP;   /* green, yellow transmit; red dropped */
	if (n->type != YAML_MAPPING_NODE)
		return lc_fail(p, n, "limit %s: want a mapping with algorithm, rate/limit, ...", name);
	for (pr = n->data.mapping.pairs.start; pr < n->data.mapping.pairs.top; pr++) {
		yaml_node_t *k = lc_node(p, pr->key), *v = lc_node(p, pr->value);
		const char *key = lc_scalar(p, k, "limit key", &rc);
		char msg[200];

		if (!key)
			return rc;
		if (strcmp(key, "service") == 0) {
			if (!(val = lc_scalar(p, v, "service", &rc)))
				return rc;
			if (lb_vip_parse(val, &l->proto, &l->vip, msg, sizeof(msg)) != 0)
				return lc_fail(p, v, "limit %s: %s", name, msg);
			l->has_service = 1;
		} else if (strcmp(key, "from") == 0) {
			if (!(val = lc_scalar(p, v, "from", &rc)))
				return rc;
			if (lb_prefix_parse("from", val, &l->from, &l->from_plen, msg, sizeof(msg)))
				return lc_fail(p, v, "limit %s: %s", name, msg);
			l->has_from = 1;
		} else if (strcmp(key, "subscriber") == 0) {
			if (!(val = lc_scalar(p, v, "subscriber", &rc)))
				return rc;
			if (!*val || strlen(val) >= sizeof(l->subscriber))
				return lc_fail(p, v, "limit %s: subscriber '%.40s': want a name of "
					       "subscribers:", name, val);
			snprintf(l->subscriber, sizeof(l->subscriber), "%s", val);
		} else if (strcmp(key, "key") == 0) {
			if (!(val = lc_scalar(p, v, "key", &rc)))
				return rc;
			if ((e = lb_limit_key_parse(val)) < 0)
				return lc_fail(p, v, "limit %s: key '%.32s': want source, prefix, "
					       "service or subscriber", name, val);
			l->key = (uint8_t)e;
		} else if (strcmp(key, "prefix4") == 0) {
			if ((rc = lc_uint(p, v, "prefix4", 32, &u)) != 0)
				return rc;
			l->prefix4 = (uint8_t)u;
			p4_node = v;
		} else if (strcmp(key, "prefix6") == 0) {
			if ((rc = lc_uint(p, v, "prefix6", 128, &u)) != 0)
				return rc;
			l->prefix6 = (uint8_t)u;
			p6_node = v;
		} else if (strcmp(key, "algorithm") == 0) {
			if (!(val = lc_scalar(p, v, "algorithm", &rc)))
				return rc;
			if ((e = lb_limit_algo_parse(val)) < 0)
				return lc_fail(p, v, "limit %s: algorithm '%.32s': want token-bucket, "
					       "leaky-bucket, fixed-window, sliding-log, "
					       "sliding-window, srtcm, trtcm or trtcm-rfc4115", name, val);
			l->algo = (uint8_t)e;
			have_algo = 1;
		} else if (lc_meter_key(key)) {
			char what[LB_CONF_NAME_MAX + 8];

			snprintf(what, sizeof(what), "limit %s", name);
			if ((rc = lc_meter_value(p, v, what, key, l)) != 0)
				return rc;
			meter_node = v;
		} else if (strcmp(key, "profile") == 0) {
			if (!(val = lc_scalar(p, v, "profile", &rc)))
				return rc;
			if (!lc_name_ok(val))
				return lc_fail(p, v, "limit %s: profile '%.40s': want a name of "
					       "meter_profiles:", name, val);
			snprintf(l->profile, sizeof(l->profile), "%s", val);
			profile_node = v;
		} else if (strcmp(key, "unit") == 0) {
			unit_node = v;
			if (!(val = lc_scalar(p, v, "unit", &rc)))
				return rc;
			if ((e = police_unit_parse(val)) < 0)
				return lc_fail(p, v, "limit %s: unit '%.32s': want packets, bytes or "
					       "connections", name, val);
			l->unit = (uint8_t)e;
		} else if (strcmp(key, "rate") == 0) {
			if ((rc = lc_u64(p, v, "rate", &l->rate)) != 0)
				return rc;
			bucket_node = v;
		} else if (strcmp(key, "burst") == 0) {
			if ((rc = lc_u64(p, v, "burst", &l->burst)) != 0)
				return rc;
			bucket_node = v;
		} else if (strcmp(key, "limit") == 0) {
			if ((rc = lc_u64(p, v, "limit", &l->limit)) != 0)
				return rc;
			window_node = v;
		} else if (strcmp(key, "window_ms") == 0) {
			if ((rc = lc_uint(p, v, "window_ms", 86400000, &u)) != 0)
				return rc;
			l->window_ms = (uint32_t)u;
			window_node = v;
		} else if (strcmp(key, "action") == 0) {
			action_node = v;
			if (!(val = lc_scalar(p, v, "action", &rc)))
				return rc;
			if ((e = lb_limit_action_parse(val)) < 0)
				return lc_fail(p, v, "limit %s: action '%.32s': want drop, remark or "
					       "count", name, val);
			l->action = (uint8_t)e;
		} else if (strcmp(key, "dscp") == 0) {
			if ((rc = lc_uint(p, v, "dscp", 63, &u)) != 0)
				return rc;
			l->dscp = (uint8_t)u;
			dscp_node = v;
		} else if (strcmp(key, "priority") == 0) {
			if ((rc = lc_uint(p, v, "priority", 1000000, &u)) != 0)
				return rc;
			l->priority = (uint32_t)u;
		} else if (strcmp(key, "max_keys") == 0) {
			if ((rc = lc_uint(p, v, "max_keys", LB_CONF_LIMIT_KEYS_MAX, &u)) != 0)
				return rc;
			l->max_keys = (uint32_t)u;
		} else {
			return lc_fail(p, k, "limit %s: unknown key '%.32s' (service, from, "
				       "subscriber, profile, key, "
				       "prefix4, prefix6, algorithm, unit, rate, burst, limit, "
				       "window_ms, action, dscp, priority, max_keys; meters: cir, "
				       "cbs, ebs, pir, pbs, eir, green, yellow, red, green_dscp, "
				       "yellow_dscp, red_dscp, colour_aware, l1_overhead)", name, key);
		}
	}
	if (profile_node) {
		/* the numbers are the profile's (lb_conf_resolve copies them in) */
		if (have_algo || meter_node || bucket_node || window_node || action_node ||
		    dscp_node || unit_node)
			return lc_fail(p, profile_node, "limit %s: profile %s gives the meter: no "
				       "algorithm, unit, cir, ..., colours, rate, limit or action "
				       "beside it", name, l->profile);
		l->algo = LB_LIMIT_TRTCM;       /* a meter until resolved */
		l->unit = POLICE_BYTES;
		return 0;
	}
	if (!have_algo)
		return lc_fail(p, n, "limit %s: no algorithm", name);
	if (LB_LIMIT_IS_METER(l->algo)) {
		if (bucket_node || window_node || action_node || dscp_node)
			return lc_fail(p, bucket_node ? bucket_node : window_node ? window_node :
				       action_node ? action_node : dscp_node,
				       "limit %s: %s is a meter: it takes cir, cbs, ... and an action "
				       "per colour (green, yellow, red), not rate, burst, limit, "
				       "window_ms, action or dscp", name, lb_limit_algo_name(l->algo));
		if (!unit_node)
			l->unit = POLICE_BYTES;         /* a meter counts bytes */
		return 0;
	}
	if (meter_node)
		return lc_fail(p, meter_node, "limit %s: cir, cbs, ..., colours and colour_aware "
			       "are for the meters (srtcm, trtcm, trtcm-rfc4115)", name);
	if (l->algo <= POLICE_LEAKY_BUCKET && window_node)
		return lc_fail(p, window_node, "limit %s: limit and window_ms are for the window "
			       "algorithms; %s takes rate and burst", name, police_algo_name(l->algo));
	if (l->algo > POLICE_LEAKY_BUCKET && bucket_node)
		return lc_fail(p, bucket_node, "limit %s: rate and burst are for the buckets; %s "
			       "takes limit and window_ms", name, police_algo_name(l->algo));
	if (dscp_node && l->action != LB_LIMIT_REMARK)
		return lc_fail(p, dscp_node, "limit %s: dscp is for action remark", name);
	if ((p4_node || p6_node) && l->key != LB_LIMIT_KEY_PREFIX)
		return lc_fail(p, p4_node ? p4_node : p6_node, "limit %s: prefix4 and prefix6 are "
			       "for key prefix", name);
	return 0;
}

/* meter_profiles: name: { algorithm: srtcm|trtcm|trtcm-rfc4115, cir, ..., colours } */
static int
lc_profiles(struct lc *p, yaml_node_t *n)
{
	yaml_node_pair_t *pr, *q;
	uint32_t nb;
	int rc = 0, e;

	if (n->type != YAML_MAPPING_NODE)
		return lc_fail(p, n, "meter_profiles: want a mapping of name: { algorithm, cir, "
			       "... }");
	nb = (uint32_t)(n->data.mapping.pairs.top - n->data.mapping.pairs.start);
	if (nb > LB_CONF_LIMITS_MAX)
		return lc_fail(p, n, "meter_profiles: %u, at most %d", nb, LB_CONF_LIMITS_MAX);
	p->c->meter_profiles = calloc(nb ? nb : 1, sizeof(*p->c->meter_profiles));
	if (!p->c->meter_profiles)
		return lc_fail(p, n, "out of memory");
	for (pr = n->data.mapping.pairs.start; pr < n->data.mapping.pairs.top; pr++) {
		yaml_node_t *k = lc_node(p, pr->key), *v = lc_node(p, pr->value);
		const char *name = lc_scalar(p, k, "meter profile name", &rc), *val;
		struct lb_conf_limit *mp = &p->c->meter_profiles[p->c->nb_meter_profiles];
		char what[LB_CONF_NAME_MAX + 16];
		int have_algo = 0;

		if (!name)
			return rc;
		if (!lc_name_ok(name))
			return lc_fail(p, k, "meter profile name '%.40s': want 1 to %d letters, "
				       "digits, '-', '_' or '.', starting with a letter", name,
				       LB_CONF_NAME_MAX - 1);
		snprintf(what, sizeof(what), "meter profile %s", name);
		snprintf(mp->name, sizeof(mp->name), "%s", name);
		mp->line = (int)k->start_mark.line + 1;
		mp->unit = POLICE_BYTES;
		mp->colour_action[2] = LB_COLOUR_DROP;
		p->c->nb_meter_profiles++;
		if (!v || v->type != YAML_MAPPING_NODE)
			return lc_fail(p, v ? v : k, "%s: want { algorithm, cir, ... }", what);
		for (q = v->data.mapping.pairs.start; q < v->data.mapping.pairs.top; q++) {
			yaml_node_t *qk = lc_node(p, q->key), *qv = lc_node(p, q->value);
			const char *key = lc_scalar(p, qk, "meter profile key", &rc);

			if (!key)
				return rc;
			if (strcmp(key, "algorithm") == 0) {
				if (!(val = lc_scalar(p, qv, "algorithm", &rc)))
					return rc;
				if ((e = lb_limit_algo_parse(val)) < 0 || !LB_LIMIT_IS_METER(e))
					return lc_fail(p, qv, "%s: algorithm '%.32s': want srtcm, "
						       "trtcm or trtcm-rfc4115", what, val);
				mp->algo = (uint8_t)e;
				have_algo = 1;
			} else if (lc_meter_key(key)) {
				if ((rc = lc_meter_value(p, qv, what, key, mp)) != 0)
					return rc;
			} else {
				return lc_fail(p, qk, "%s: unknown key '%.32s' (algorithm, cir, cbs, "
					       "ebs, pir, pbs, eir, green, yellow, red, green_dscp, "
					       "yellow_dscp, red_dscp, colour_aware, l1_overhead)",
					       what, key);
			}
		}
		if (!have_algo)
			return lc_fail(p, v, "%s: no algorithm (srtcm, trtcm or trtcm-rfc4115)", what);
	}
	return 0;
}

/* One subscriber prefix of subscriber sub. */
static int
lc_sub_prefix(struct lc *p, yaml_node_t *v, uint32_t sub)
{
	struct lb_conf_sub_prefix *sp;
	const char *val;
	char msg[200];
	int rc = 0;

	if (p->c->nb_sub_prefixes == p->c->sub_prefixes_cap)
		return lc_fail(p, v, "subscribers: more than %d prefixes", LB_CONF_SUB_PREFIXES_MAX);
	if (!(val = lc_scalar(p, v, "subscriber prefix", &rc)))
		return rc;
	sp = &p->c->sub_prefixes[p->c->nb_sub_prefixes];
	if (lb_prefix_parse("prefix", val, &sp->prefix, &sp->plen, msg, sizeof(msg)) != 0)
		return lc_fail(p, v, "subscriber %s: %s", p->c->subs[sub].name, msg);
	sp->sub = sub;
	sp->line = (int)v->start_mark.line + 1;
	p->c->nb_sub_prefixes++;
	return 0;
}

/* subscribers: name: PREFIX or [PREFIX, ...] */
static int
lc_subs(struct lc *p, yaml_node_t *n)
{
	yaml_node_pair_t *pr;
	yaml_node_item_t *it;
	size_t np = 0;
	uint32_t nb;
	int rc = 0;

	if (n->type != YAML_MAPPING_NODE)
		return lc_fail(p, n, "subscribers: want a mapping of name: [prefix, ...]");
	nb = (uint32_t)(n->data.mapping.pairs.top - n->data.mapping.pairs.start);
	if (nb > LB_CONF_SUBSCRIBERS_MAX)
		return lc_fail(p, n, "subscribers: %u, at most %d", nb, LB_CONF_SUBSCRIBERS_MAX);
	/* room for the prefixes: one per scalar, a list's length (lc_sub_prefix bounds it) */
	for (pr = n->data.mapping.pairs.start; pr < n->data.mapping.pairs.top; pr++) {
		yaml_node_t *v = lc_node(p, pr->value);

		np += v && v->type == YAML_SEQUENCE_NODE ?
		      (size_t)(v->data.sequence.items.top - v->data.sequence.items.start) : 1;
	}
	np = np < LB_CONF_SUB_PREFIXES_MAX ? np : LB_CONF_SUB_PREFIXES_MAX;
	p->c->subs = calloc(nb ? nb : 1, sizeof(*p->c->subs));
	p->c->sub_prefixes = calloc(np ? np : 1, sizeof(*p->c->sub_prefixes));
	p->c->sub_prefixes_cap = (uint32_t)np;
	if (!p->c->subs || !p->c->sub_prefixes)
		return lc_fail(p, n, "out of memory");
	for (pr = n->data.mapping.pairs.start; pr < n->data.mapping.pairs.top; pr++) {
		yaml_node_t *k = lc_node(p, pr->key), *v = lc_node(p, pr->value);
		const char *name = lc_scalar(p, k, "subscriber name", &rc);
		struct lb_conf_subscriber *sub = &p->c->subs[p->c->nb_subs];

		if (!name)
			return rc;
		if (!lc_name_ok(name))
			return lc_fail(p, k, "subscriber name '%.40s': want 1 to %d letters, digits, "
				       "'-', '_' or '.', starting with a letter", name,
				       LB_CONF_NAME_MAX - 1);
		snprintf(sub->name, sizeof(sub->name), "%s", name);
		sub->line = (int)k->start_mark.line + 1;
		p->c->nb_subs++;
		if (!v)
			return lc_fail(p, k, "subscriber %s: want its prefixes", name);
		if (v->type == YAML_SCALAR_NODE) {
			if ((rc = lc_sub_prefix(p, v, p->c->nb_subs - 1)) != 0)
				return rc;
			continue;
		}
		if (v->type != YAML_SEQUENCE_NODE ||
		    v->data.sequence.items.top == v->data.sequence.items.start)
			return lc_fail(p, v, "subscriber %s: want a prefix or a list of them", name);
		for (it = v->data.sequence.items.start; it < v->data.sequence.items.top; it++)
			if ((rc = lc_sub_prefix(p, lc_node(p, *it), p->c->nb_subs - 1)) != 0)
				return rc;
	}
	return 0;
}

/* shaping: { rate, queue_size, l1_overhead, pipes: { subscriber: { rate, burst } } } */
static int
lc_shaping(struct lc *p, yaml_node_t *kn, yaml_node_t *n)
{
	struct lb_conf_shaping *sh = &p->c->shaping;
	yaml_node_t *pipes = NULL;
	yaml_node_pair_t *pr;
	unsigned long u;
	int rc = 0;

	if (n->type != YAML_MAPPING_NODE)
		return lc_fail(p, n, "shaping: want a mapping with rate and pipes");
	sh->line = (int)kn->start_mark.line + 1;
	sh->queue_size = LB_CONF_SHAPING_QSIZE_DEFAULT;
	for (pr = n->data.mapping.pairs.start; pr < n->data.mapping.pairs.top; pr++) {
		yaml_node_t *k = lc_node(p, pr->key), *v = lc_node(p, pr->value);
		const char *key = lc_scalar(p, k, "shaping key", &rc), *val;

		if (!key)
			return rc;
		if (strcmp(key, "rate") == 0) {
			if ((rc = lc_u64(p, v, "shaping rate", &sh->rate)) != 0)
				return rc;
			if (!sh->rate)
				return lc_fail(p, v, "shaping: rate 0: want bytes per second");
		} else if (strcmp(key, "queue_size") == 0) {
			if ((rc = lc_uint(p, v, "shaping queue_size", 65535, &u)) != 0)
				return rc;
			if (u < 16 || u > 4096 || (u & (u - 1)))
				return lc_fail(p, v, "shaping: queue_size %lu: want a power of 2, 16 "
					       "to 4096", u);
			sh->queue_size = (uint16_t)u;
		} else if (strcmp(key, "l1_overhead") == 0) {
			if (!(val = lc_scalar(p, v, "l1_overhead", &rc)))
				return rc;
			if (strcmp(val, "true") && strcmp(val, "false"))
				return lc_fail(p, v, "shaping: l1_overhead '%.32s': want true or false",
					       val);
			sh->l1_overhead = strcmp(val, "true") == 0;
		} else if (strcmp(key, "pipes") == 0) {
			pipes = v;
		} else {
			return lc_fail(p, k, "shaping: unknown key '%.32s' (rate, queue_size, "
				       "l1_overhead, pipes)", key);
		}
	}
	if (!sh->rate)
		return lc_fail(p, kn, "shaping: no rate (the aggregate, bytes per second)");
	if (!pipes || pipes->type != YAML_MAPPING_NODE)
		return lc_fail(p, pipes ? pipes : n, "shaping: pipes: want a mapping of "
			       "subscriber: { rate, burst }");
	sh->pipes = calloc((size_t)(pipes->data.mapping.pairs.top - pipes->data.mapping.pairs.start)
			   + 1, sizeof(*sh->pipes));
	if (!sh->pipes)
		return lc_fail(p, pipes, "out of memory");
	for (pr = pipes->data.mapping.pairs.start; pr < pipes->data.mapping.pairs.top; pr++) {
		yaml_node_t *k = lc_node(p, pr->key), *v = lc_node(p, pr->value);
		const char *name = lc_scalar(p, k, "pipe", &rc);
		struct lb_conf_pipe *pipe = &sh->pipes[sh->nb_pipes];
		yaml_node_pair_t *q;

		if (!name)
			return rc;
		if (!lc_name_ok(name))
			return lc_fail(p, k, "shaping: pipe '%.40s': want a subscriber's name", name);
		snprintf(pipe->subscriber, sizeof(pipe->subscriber), "%s", name);
		pipe->line = (int)k->start_mark.line + 1;
		sh->nb_pipes++;
		if (!v || v->type != YAML_MAPPING_NODE)
			return lc_fail(p, v ? v : k, "shaping: pipe %s: want { rate, burst }", name);
		for (q = v->data.mapping.pairs.start; q < v->data.mapping.pairs.top; q++) {
			yaml_node_t *qk = lc_node(p, q->key), *qv = lc_node(p, q->value);
			const char *key = lc_scalar(p, qk, "pipe key", &rc);

			if (!key)
				return rc;
			if (strcmp(key, "rate") == 0)
				rc = lc_u64(p, qv, "pipe rate", &pipe->rate);
			else if (strcmp(key, "burst") == 0)
				rc = lc_u64(p, qv, "pipe burst", &pipe->burst);
			else
				return lc_fail(p, qk, "shaping: pipe %s: unknown key '%.32s' (rate, "
					       "burst)", name, key);
			if (rc)
				return rc;
		}
		if (!pipe->rate || !pipe->burst)
			return lc_fail(p, v, "shaping: pipe %s: want rate (bytes per second) and "
				       "burst (bytes)", name);
	}
	return 0;
}

static int
lc_root(struct lc *p, yaml_node_t *root)
{
	yaml_node_t *pools = NULL, *services = NULL, *limits = NULL;
	yaml_node_t *subs = NULL, *shaping = NULL, *shaping_k = NULL, *profiles = NULL;
	yaml_node_pair_t *pr;
	yaml_node_item_t *it;
	int rc = 0;

	if (!root)
		return lc_fail(p, NULL, "empty file: want pools and services");
	if (root->type != YAML_MAPPING_NODE)
		return lc_fail(p, root, "want a mapping with pools and services");
	for (pr = root->data.mapping.pairs.start; pr < root->data.mapping.pairs.top; pr++) {
		yaml_node_t *k = lc_node(p, pr->key);
		const char *key = lc_scalar(p, k, "key", &rc);

		if (!key)
			return rc;
		if (strcmp(key, "pools") == 0) {
			pools = lc_node(p, pr->value);
		} else if (strcmp(key, "generation") == 0) {
			unsigned long long g;
			const char *gs = lc_scalar(p, lc_node(p, pr->value), "generation", &rc);
			char *end;

			if (!gs)
				return rc;
			errno = 0;
			g = strtoull(gs, &end, 10);
			if (!*gs || *end || *gs == '-' || errno)
				return lc_fail(p, lc_node(p, pr->value), "generation '%.32s': want a "
					       "whole number", gs);
			p->c->generation = g;
		}
		else if (strcmp(key, "services") == 0)
			services = lc_node(p, pr->value);
		else if (strcmp(key, "limits") == 0)
			limits = lc_node(p, pr->value);
		else if (strcmp(key, "subscribers") == 0)
			subs = lc_node(p, pr->value);
		else if (strcmp(key, "meter_profiles") == 0)
			profiles = lc_node(p, pr->value);
		else if (strcmp(key, "shaping") == 0) {
			shaping = lc_node(p, pr->value);
			shaping_k = k;
		}
		else
			return lc_fail(p, k, "unknown key '%.32s' (pools, services, limits, "
				       "meter_profiles, subscribers, shaping, generation)", key);
	}
	if (subs && (rc = lc_subs(p, subs)) != 0)
		return rc;
	if (profiles && (rc = lc_profiles(p, profiles)) != 0)
		return rc;
	if (shaping && (rc = lc_shaping(p, shaping_k, shaping)) != 0)
		return rc;
	if (pools) {
		uint32_t n;

		if (pools->type != YAML_MAPPING_NODE)
			return lc_fail(p, pools, "pools: want a mapping of name: pool");
		n = (uint32_t)(pools->data.mapping.pairs.top - pools->data.mapping.pairs.start);
		if (n > LB_CONF_POOLS_MAX)
			return lc_fail(p, pools, "pools: %u, at most %d", n, LB_CONF_POOLS_MAX);
		p->c->pools = calloc(n ? n : 1, sizeof(*p->c->pools));
		if (!p->c->pools)
			return lc_fail(p, pools, "out of memory");
		for (pr = pools->data.mapping.pairs.start; pr < pools->data.mapping.pairs.top; pr++) {
			struct lb_conf_pool *pool = &p->c->pools[p->c->nb_pools];
			yaml_node_t *k = lc_node(p, pr->key);

			rc = lc_pool(p, k, lc_node(p, pr->value), pool);
			p->c->nb_pools++;       /* counted even if refused: freed with the rest */
			if (rc)
				return rc;
			if (lb_conf_pool_find(p->c, pool->name) != (int)p->c->nb_pools - 1)
				return lc_fail(p, k, "pool %s: defined twice", pool->name);
		}
	}
	if (services) {
		uint32_t n;

		if (services->type != YAML_SEQUENCE_NODE)
			return lc_fail(p, services, "services: want a list");
		n = (uint32_t)(services->data.sequence.items.top - services->data.sequence.items.start);
		if (n > LB_CONF_SERVICES_MAX)
			return lc_fail(p, services, "services: %u, at most %d", n, LB_CONF_SERVICES_MAX);
		p->c->services = calloc(n ? n : 1, sizeof(*p->c->services));
		if (!p->c->services)
			return lc_fail(p, services, "out of memory");
		for (it = services->data.sequence.items.start; it < services->data.sequence.items.top;
		     it++) {
			rc = lc_service(p, lc_node(p, *it), &p->c->services[p->c->nb_services]);
			if (rc)
				return rc;
			p->c->nb_services++;
		}
	}
	if (limits) {
		uint32_t n;

		if (limits->type != YAML_MAPPING_NODE)
			return lc_fail(p, limits, "limits: want a mapping of name: limit");
		n = (uint32_t)(limits->data.mapping.pairs.top - limits->data.mapping.pairs.start);
		if (n > LB_CONF_LIMITS_MAX)
			return lc_fail(p, limits, "limits: %u, at most %d", n, LB_CONF_LIMITS_MAX);
		p->c->limits = calloc(n ? n : 1, sizeof(*p->c->limits));
		if (!p->c->limits)
			return lc_fail(p, limits, "out of memory");
		for (pr = limits->data.mapping.pairs.start; pr < limits->data.mapping.pairs.top;
		     pr++) {
			rc = lc_limit(p, lc_node(p, pr->key), lc_node(p, pr->value),
				      &p->c->limits[p->c->nb_limits]);
			if (rc)
				return rc;
			p->c->nb_limits++;
		}
	}
	if ((rc = lb_conf_resolve(p->c, p->name, p->err, p->errlen)) != 0)
		return rc;
	return lb_conf_check(p->c, p->name, p->err, p->errlen);
}

int
lb_conf_parse(const char *name, const char *text, size_t len, struct lb_conf *c, char *err,
	      size_t errlen)
{
	yaml_parser_t parser;
	yaml_document_t doc;
	struct lc p = { .name = name, .doc = &doc, .c = c, .err = err, .errlen = errlen };
	int rc;

	memset(c, 0, sizeof(*c));
	if (!yaml_parser_initialize(&parser)) {
		snprintf(err, errlen, "%s: out of memory", name);
		return -ENOMEM;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	if (!yaml_parser_load(&parser, &doc)) {
		snprintf(err, errlen, "%s:%lu: not valid YAML: %s", name,
			 (unsigned long)parser.problem_mark.line + 1,
			 parser.problem ? parser.problem : "parse error");
		yaml_parser_delete(&parser);
		return -EINVAL;
	}
	rc = lc_root(&p, yaml_document_get_root_node(&doc));
	yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	if (rc)
		lb_conf_free(c);
	return rc;
}

int
lb_conf_load(const char *path, struct lb_conf *c, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long n;
	int rc;

	memset(c, 0, sizeof(*c));
	if (!f) {
		rc = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return rc;
	}
	if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || n > (16L << 20) ||
	    fseek(f, 0, SEEK_SET) != 0) {
		fclose(f);
		snprintf(err, errlen, "%s: unreadable or larger than 16 MB", path);
		return -EINVAL;
	}
	buf = malloc((size_t)n + 1);
	if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		fclose(f);
		snprintf(err, errlen, "%s: read failed", path);
		return -EIO;
	}
	fclose(f);
	buf[n] = '\0';
	rc = lb_conf_parse(path, buf, (size_t)n, c, err, errlen);
	free(buf);
	return rc;
}
