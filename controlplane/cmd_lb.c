/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * cmd_lb: the balancer's verbs — vip, pool and backend add|set|del|list.
 *
 * A change edits x->next, the copy of the desired state cmd.c made; only what a verb
 * alone can know is checked here (its words: addresses, names, numbers in range, the
 * object exists or not). What needs the whole model (families, ports and modes agree, a
 * backend is not a VIP) is lb_conf_check's, in sd_commit, so a file and a command are
 * refused by the same rules with the same words.
 *
 * Context: sluiced's thread.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>

#include "cmd.h"
#include "health.h"
#include "lb_conf.h"
#include "sluiced.h"

/* A whole number in [lo, hi] from --key's value. */
static int
cmd_uint(struct cmd_ctx *x, const char *key, unsigned long lo, unsigned long hi,
	 unsigned long *out)
{
	const char *s = cmd_opt(x, key);
	char *end;

	if (!s)
		return 1;       /* absent */
	errno = 0;
	*out = strtoul(s, &end, 10);
	if (!*s || *end || *s == '-' || *s == '+' || errno || *out < lo || *out > hi)
		return cmd_fail(x, 1, "--%s '%.32s': want a whole number from %lu to %lu", key, s,
				lo, hi);
	return 0;
}

static int
cmd_find_vip(struct cmd_ctx *x, const struct lb_conf *c, const char *text, uint8_t *proto,
	     struct lb_addr *vip)
{
	if (lb_vip_parse(text, proto, vip, x->err, sizeof(x->err)) != 0) {
		x->usage = 1;
		return -EINVAL;
	}
	return lb_conf_service_find(c, *proto, vip);
}

/* --pool, --policy, --mode, --sticky-ttl, --mss onto s. */
static int
cmd_service_opts(struct cmd_ctx *x, struct lb_conf_service *s)
{
	const char *v;
	unsigned long u;
	int e, rc;

	if ((v = cmd_opt(x, "pool")) != NULL) {
		e = lb_conf_pool_find(x->next, v);
		if (e < 0)
			return cmd_fail(x, 0, "pool '%.32s' does not exist (pool add it first)", v);
		s->pool = (uint32_t)e;
	}
	if ((v = cmd_opt(x, "policy")) != NULL) {
		if (strcmp(v, "url-hash") == 0)
			return cmd_fail(x, 0, "policy url-hash needs an HTTP-aware service; this one "
					"balances at L4 (use source-hash or maglev)");
		e = lb_policy_parse(v);
		if (e < 0)
			return cmd_fail(x, 1, "--policy '%.32s': want rr, wrr, sticky, source-hash, "
					"maglev, least-conn, least-latency or random-p2c", v);
		s->policy = (uint8_t)e;
	}
	if ((v = cmd_opt(x, "mode")) != NULL) {
		e = lb_mode_parse(v);
		if (e < 0)
			return cmd_fail(x, 1, "--mode '%.32s': want fnat, dsr or dsr-ipip", v);
		s->mode = (uint8_t)e;
	}
	if ((rc = cmd_uint(x, "sticky-ttl", 1, 86400, &u)) < 0)
		return rc;
	if (rc == 0) {
		if (s->policy != LB_POLICY_STICKY)
			return cmd_fail(x, 0, "--sticky-ttl is for policy sticky only");
		s->sticky_ttl_s = (uint32_t)u;
	}
	if (s->policy == LB_POLICY_STICKY && !s->sticky_ttl_s)
		s->sticky_ttl_s = 300;
	if (s->policy != LB_POLICY_STICKY)
		s->sticky_ttl_s = 0;
	if ((rc = cmd_uint(x, "mss", 0, 65535, &u)) < 0)
		return rc;
	if (rc == 0) {
		if (u && u < 536)
			return cmd_fail(x, 1, "--mss %lu: want 536 or more (0: no clamp)", u);
		if (u && s->proto != IPPROTO_TCP)
			return cmd_fail(x, 0, "--mss is for TCP services only");
		s->mss = (uint16_t)u;
	}
	return 0;
}

int
cmd_vip_add(struct cmd_ctx *x)
{
	struct lb_conf *c = x->next;
	struct lb_conf_service s, *ns;
	int rc;

	memset(&s, 0, sizeof(s));
	rc = cmd_find_vip(x, c, x->a.pos[0], &s.proto, &s.vip);
	if (rc == -EINVAL && x->usage)
		return rc;
	if (rc >= 0)
		return cmd_fail(x, 0, "vip %s exists (vip set changes it)", x->a.pos[0]);
	if (!cmd_opt(x, "pool"))
		return cmd_fail(x, 1, "vip add: --pool NAME is needed");
	if (c->nb_services >= LB_CONF_SERVICES_MAX)
		return cmd_fail(x, 0, "vip add: %d services at most", LB_CONF_SERVICES_MAX);
	s.policy = LB_POLICY_MAGLEV;
	s.mode = LB_MODE_FNAT;
	if ((rc = cmd_service_opts(x, &s)) != 0)
		return rc;
	ns = realloc(c->services, (c->nb_services + 1) * sizeof(*ns));
	if (!ns)
		return cmd_fail(x, 0, "out of memory");
	c->services = ns;
	c->services[c->nb_services++] = s;
	return 0;
}

int
cmd_vip_set(struct cmd_ctx *x)
{
	struct lb_conf_service s;
	int i;

	memset(&s, 0, sizeof(s));
	i = cmd_find_vip(x, x->next, x->a.pos[0], &s.proto, &s.vip);
	if (i < 0)
		return x->usage ? i : cmd_fail(x, 0, "vip %s does not exist", x->a.pos[0]);
	if (!x->a.nopt)
		return cmd_fail(x, 1, "vip set: nothing to change (--pool, --policy, --mode, "
				"--sticky-ttl, --mss)");
	return cmd_service_opts(x, &x->next->services[i]);
}

int
cmd_vip_del(struct cmd_ctx *x)
{
	struct lb_conf *c = x->next;
	struct lb_conf_service s;
	int i;

	i = cmd_find_vip(x, c, x->a.pos[0], &s.proto, &s.vip);
	if (i < 0)
		return x->usage ? i : cmd_fail(x, 0, "vip %s does not exist", x->a.pos[0]);
	memmove(&c->services[i], &c->services[i + 1],
		(c->nb_services - (uint32_t)i - 1) * sizeof(c->services[0]));
	c->nb_services--;
	return 0;
}

int
cmd_vip_list(struct cmd_ctx *x)
{
	const struct lb_conf *c = &x->sd->conf;
	json_t *arr = json_array();
	char v[96];
	uint32_t i;

	for (i = 0; i < c->nb_services; i++) {
		const struct lb_conf_service *s = &c->services[i];

		lb_vip_format(s->proto, &s->vip, v, sizeof(v));
		if (x->json) {
			json_t *o = json_pack("{s:s, s:s, s:s, s:s}", "vip", v,
					      "pool", c->pools[s->pool].name,
					      "policy", lb_policy_name(s->policy),
					      "mode", lb_mode_name(s->mode));

			if (s->sticky_ttl_s)
				json_object_set_new(o, "sticky_ttl", json_integer(s->sticky_ttl_s));
			if (s->mss)
				json_object_set_new(o, "mss", json_integer(s->mss));
			json_array_append_new(arr, o);
		} else {
			fprintf(x->out, "%-28s pool %-12s policy %-13s mode %s", v,
				c->pools[s->pool].name, lb_policy_name(s->policy),
				lb_mode_name(s->mode));
			if (s->sticky_ttl_s)
				fprintf(x->out, " sticky-ttl %us", s->sticky_ttl_s);
			if (s->mss)
				fprintf(x->out, " mss %u", s->mss);
			fprintf(x->out, "\n");
		}
	}
	if (x->json)
		cmd_print_json(x, json_pack("{s:o}", "vips", arr));
	else
		json_decref(arr);
	return 0;
}

/* Health-check options onto pool p. */
static int
cmd_pool_opts(struct cmd_ctx *x, struct lb_conf_pool *p)
{
	struct lb_conf_check *ck = &p->check;
	const char *v;
	unsigned long u;
	int rc, e;

	if ((rc = cmd_uint(x, "maglev-size", 2, LB_CONF_MAGLEV_MAX, &u)) < 0)
		return rc;
	if (rc == 0) {
		if (!lb_conf_maglev_size_ok((uint32_t)u))
			return cmd_fail(x, 1, "--maglev-size %lu is not prime (65537, 131071 and "
					"1048573 are)", u);
		p->maglev_size = (uint32_t)u;
	}
	if ((v = cmd_opt(x, "check")) != NULL) {
		e = lb_check_type_parse(v);
		if (e < 0)
			return cmd_fail(x, 1, "--check '%.32s': want tcp, http, udp or none", v);
		if (e != ck->type)
			lb_check_default(ck, (enum lb_check_type)e);
	}
	if ((rc = cmd_uint(x, "check-port", 1, 65535, &u)) < 0)
		return rc;
	if (rc == 0)
		ck->port = (uint16_t)u;
	if ((rc = cmd_uint(x, "inter-ms", 100, 3600000, &u)) < 0)
		return rc;
	if (rc == 0) {
		ck->inter_ms = (uint32_t)u;
		if (!cmd_opt(x, "timeout-ms") && ck->timeout_ms > ck->inter_ms)
			ck->timeout_ms = ck->inter_ms;
	}
	if ((rc = cmd_uint(x, "timeout-ms", 10, 3600000, &u)) < 0)
		return rc;
	if (rc == 0)
		ck->timeout_ms = (uint32_t)u;
	if (ck->timeout_ms > ck->inter_ms)
		return cmd_fail(x, 1, "--timeout-ms %u: at most --inter-ms (%u)", ck->timeout_ms,
				ck->inter_ms);
	if ((rc = cmd_uint(x, "rise", 1, 100, &u)) < 0)
		return rc;
	if (rc == 0)
		ck->rise = (uint8_t)u;
	if ((rc = cmd_uint(x, "fall", 1, 100, &u)) < 0)
		return rc;
	if (rc == 0)
		ck->fall = (uint8_t)u;
	if ((v = cmd_opt(x, "check-path")) != NULL) {
		if (ck->type != LB_CHECK_HTTP)
			return cmd_fail(x, 1, "--check-path is for --check http");
		if (v[0] != '/' || strlen(v) >= sizeof(ck->path) || strpbrk(v, " \r\n\t"))
			return cmd_fail(x, 1, "--check-path '%.60s': want /..., without spaces, "
					"under %zu characters", v, sizeof(ck->path));
		snprintf(ck->path, sizeof(ck->path), "%s", v);
	}
	if ((rc = cmd_uint(x, "check-status", 100, 599, &u)) < 0)
		return rc;
	if (rc == 0) {
		if (ck->type != LB_CHECK_HTTP)
			return cmd_fail(x, 1, "--check-status is for --check http");
		ck->status = (uint16_t)u;
	}
	{
		static const char *const texts[2] = { "check-send", "check-expect" };
		char *dst[2] = { ck->send, ck->expect };
		int i;

		for (i = 0; i < 2; i++) {
			const char *c;

			if ((v = cmd_opt(x, texts[i])) == NULL)
				continue;
			if (ck->type != LB_CHECK_UDP)
				return cmd_fail(x, 1, "--%s is for --check udp", texts[i]);
			if (strlen(v) >= LB_CONF_CHECK_TEXT_MAX)
				return cmd_fail(x, 1, "--%s: at most %d characters", texts[i],
						LB_CONF_CHECK_TEXT_MAX - 1);
			for (c = v; *c; c++)
				if (*c < 0x20 || *c > 0x7e)
					return cmd_fail(x, 1, "--%s: printable ASCII only", texts[i]);
			snprintf(dst[i], LB_CONF_CHECK_TEXT_MAX, "%s", v);
		}
	}
	return 0;
}

int
cmd_pool_add(struct cmd_ctx *x)
{
	struct lb_conf *c = x->next;
	struct lb_conf_pool p, *np;
	const char *name = x->a.pos[0], *s;
	int rc;

	if (!*name || strlen(name) >= LB_CONF_NAME_MAX)
		return cmd_fail(x, 1, "pool name '%.40s': 1 to %d characters", name,
				LB_CONF_NAME_MAX - 1);
	for (s = name; *s; s++)
		if (*s < 0x21 || *s > 0x7e)
			return cmd_fail(x, 1, "pool name '%.40s': printable, no spaces", name);
	if (lb_conf_pool_find(c, name) >= 0)
		return cmd_fail(x, 0, "pool %s exists", name);
	if (c->nb_pools >= LB_CONF_POOLS_MAX)
		return cmd_fail(x, 0, "pool add: %d pools at most", LB_CONF_POOLS_MAX);
	memset(&p, 0, sizeof(p));
	snprintf(p.name, sizeof(p.name), "%s", name);
	p.maglev_size = LB_CONF_MAGLEV_DEFAULT;
	lb_check_default(&p.check, LB_CHECK_NONE);
	if ((rc = cmd_pool_opts(x, &p)) != 0)
		return rc;
	p.backends = calloc(1, sizeof(*p.backends));
	np = realloc(c->pools, (c->nb_pools + 1) * sizeof(*np));
	if (!p.backends || !np) {
		free(p.backends);
		if (np)
			c->pools = np;
		return cmd_fail(x, 0, "out of memory");
	}
	c->pools = np;
	c->pools[c->nb_pools++] = p;
	return 0;
}

int
cmd_pool_set(struct cmd_ctx *x)
{
	int i = lb_conf_pool_find(x->next, x->a.pos[0]);

	if (i < 0)
		return cmd_fail(x, 0, "pool %.32s does not exist", x->a.pos[0]);
	if (!x->a.nopt)
		return cmd_fail(x, 1, "pool set: nothing to change");
	return cmd_pool_opts(x, &x->next->pools[i]);
}

int
cmd_pool_del(struct cmd_ctx *x)
{
	struct lb_conf *c = x->next;
	int i = lb_conf_pool_find(c, x->a.pos[0]);
	uint32_t k;
	char v[96];

	if (i < 0)
		return cmd_fail(x, 0, "pool %.32s does not exist", x->a.pos[0]);
	for (k = 0; k < c->nb_services; k++)
		if (c->services[k].pool == (uint32_t)i) {
			lb_vip_format(c->services[k].proto, &c->services[k].vip, v, sizeof(v));
			return cmd_fail(x, 0, "pool %s is used by vip %s (vip del or vip set --pool "
					"first)", x->a.pos[0], v);
		}
	free(c->pools[i].backends);
	memmove(&c->pools[i], &c->pools[i + 1], (c->nb_pools - (uint32_t)i - 1) * sizeof(c->pools[0]));
	c->nb_pools--;
	for (k = 0; k < c->nb_services; k++)
		if (c->services[k].pool > (uint32_t)i)
			c->services[k].pool--;
	return 0;
}

int
cmd_pool_list(struct cmd_ctx *x)
{
	const struct lb_conf *c = &x->sd->conf;
	json_t *arr = json_array();
	uint32_t i;

	for (i = 0; i < c->nb_pools; i++) {
		const struct lb_conf_pool *p = &c->pools[i];
		const struct lb_conf_check *ck = &p->check;

		if (x->json) {
			json_t *o = json_pack("{s:s, s:i, s:I, s:s}", "name", p->name,
					      "backends", (int)p->nb_backends,
					      "maglev_size", (json_int_t)p->maglev_size,
					      "check", lb_check_type_name(ck->type));

			if (ck->type != LB_CHECK_NONE) {
				json_object_set_new(o, "inter_ms", json_integer(ck->inter_ms));
				json_object_set_new(o, "timeout_ms", json_integer(ck->timeout_ms));
				json_object_set_new(o, "rise", json_integer(ck->rise));
				json_object_set_new(o, "fall", json_integer(ck->fall));
			}
			json_array_append_new(arr, o);
		} else {
			fprintf(x->out, "%-16s %u backend%s, maglev %u, check %s", p->name,
				p->nb_backends, p->nb_backends == 1 ? "" : "s", p->maglev_size,
				lb_check_type_name(ck->type));
			if (ck->type != LB_CHECK_NONE)
				fprintf(x->out, " every %u ms (timeout %u, rise %u, fall %u)",
					ck->inter_ms, ck->timeout_ms, ck->rise, ck->fall);
			fprintf(x->out, "\n");
		}
	}
	if (x->json)
		cmd_print_json(x, json_pack("{s:o}", "pools", arr));
	else
		json_decref(arr);
	return 0;
}

/* The pool (positional 0) and the backend (positional 1) of a backend verb. */
static int
cmd_backend_find(struct cmd_ctx *x, struct lb_conf_pool **pool, struct lb_addr *a)
{
	int i = lb_conf_pool_find(x->next, x->a.pos[0]);
	uint32_t k;

	if (i < 0)
		return cmd_fail(x, 0, "pool %.32s does not exist", x->a.pos[0]);
	*pool = &x->next->pools[i];
	if (lb_addr_parse("backend", x->a.pos[1], 0, 1, a, x->err, sizeof(x->err)) != 0) {
		x->usage = 1;
		return -EINVAL;
	}
	for (k = 0; k < (*pool)->nb_backends; k++)
		if ((*pool)->backends[k].addr.family == a->family &&
		    memcmp((*pool)->backends[k].addr.addr, a->addr, 16) == 0 &&
		    (*pool)->backends[k].addr.port == a->port)
			return (int)k;
	return -ENOENT;
}

static int
cmd_backend_opts(struct cmd_ctx *x, struct lb_conf_backend *b)
{
	const char *v;
	unsigned long u;
	int rc, e;

	if ((rc = cmd_uint(x, "weight", 0, LB_CONF_WEIGHT_MAX, &u)) < 0)
		return rc;
	if (rc == 0)
		b->weight = (uint16_t)u;
	if ((v = cmd_opt(x, "state")) != NULL) {
		e = lb_backend_state_parse(v);
		if (e < 0)
			return cmd_fail(x, 1, "--state '%.32s': want ready, drain or maint", v);
		b->state = (uint8_t)e;
	}
	return 0;
}

int
cmd_backend_add(struct cmd_ctx *x)
{
	struct lb_conf_pool *p;
	struct lb_conf_backend b, *nb;
	int rc;

	memset(&b, 0, sizeof(b));
	rc = cmd_backend_find(x, &p, &b.addr);
	if (rc >= 0)
		return cmd_fail(x, 0, "pool %s: backend %s exists (backend set changes it)",
				p->name, x->a.pos[1]);
	if (rc != -ENOENT)
		return rc;
	if (p->nb_backends >= LB_CONF_BACKENDS_MAX)
		return cmd_fail(x, 0, "pool %s: %d backends at most", p->name, LB_CONF_BACKENDS_MAX);
	b.weight = 1;
	b.state = LB_BACKEND_READY;
	if ((rc = cmd_backend_opts(x, &b)) != 0)
		return rc;
	nb = realloc(p->backends, (p->nb_backends + 1) * sizeof(*nb));
	if (!nb)
		return cmd_fail(x, 0, "out of memory");
	p->backends = nb;
	p->backends[p->nb_backends++] = b;
	return 0;
}

int
cmd_backend_set(struct cmd_ctx *x)
{
	struct lb_conf_pool *p;
	struct lb_addr a;
	int k = cmd_backend_find(x, &p, &a);

	if (k == -ENOENT)
		return cmd_fail(x, 0, "pool %s: no backend %s", p->name, x->a.pos[1]);
	if (k < 0)
		return k;
	if (!x->a.nopt)
		return cmd_fail(x, 1, "backend set: nothing to change (--weight, --state)");
	return cmd_backend_opts(x, &p->backends[k]);
}

int
cmd_backend_del(struct cmd_ctx *x)
{
	struct lb_conf_pool *p;
	struct lb_addr a;
	int k = cmd_backend_find(x, &p, &a);

	if (k == -ENOENT)
		return cmd_fail(x, 0, "pool %s: no backend %s", p->name, x->a.pos[1]);
	if (k < 0)
		return k;
	memmove(&p->backends[k], &p->backends[k + 1],
		(p->nb_backends - (uint32_t)k - 1) * sizeof(p->backends[0]));
	p->nb_backends--;
	return 0;
}

int
cmd_backend_list(struct cmd_ctx *x)
{
	const struct lb_conf *c = &x->sd->conf;
	const char *only = x->a.npos ? x->a.pos[0] : NULL;
	json_t *arr = json_array();
	uint32_t i, k;
	char a[64];

	if (only && lb_conf_pool_find(c, only) < 0) {
		json_decref(arr);
		return cmd_fail(x, 0, "pool %.32s does not exist", only);
	}
	for (i = 0; i < c->nb_pools; i++) {
		const struct lb_conf_pool *p = &c->pools[i];

		if (only && strcmp(only, p->name) != 0)
			continue;
		for (k = 0; k < p->nb_backends; k++) {
			const struct lb_conf_backend *b = &p->backends[k];
			enum health_state h = health_of(x->sd->health, p->name, &b->addr);

			lb_addr_format(&b->addr, a, sizeof(a));
			if (!b->addr.port)
				*strrchr(a, ':') = '\0';
			if (x->json)
				json_array_append_new(arr, json_pack("{s:s, s:s, s:i, s:s, s:s}",
					"pool", p->name, "backend", a, "weight", b->weight,
					"state", lb_backend_state_name(b->state),
					"health", health_state_name(h)));
			else
				fprintf(x->out, "%-12s %-28s weight %-3u %-6s health %s\n", p->name, a,
					b->weight, lb_backend_state_name(b->state),
					health_state_name(h));
		}
	}
	if (x->json)
		cmd_print_json(x, json_pack("{s:o, s:o}", "backends", arr,
					    "checks", health_json(x->sd->health, only)));
	else
		json_decref(arr);
	return 0;
}
