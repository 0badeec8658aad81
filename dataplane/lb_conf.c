/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lb_conf: the YAML file of services and pools (see lb_conf.h), read with libyaml's
 * document API so every node keeps its line for messages. Parsing fills the model; the
 * checks that need the whole model (pools named by services exist, no two services
 * alike, no backend that is a VIP) run after. Context: control side.
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
#include "maglev.h"

static const char *const lb_policy_names[LB_POLICY__MAX] = {
	[LB_POLICY_RR] = "rr", [LB_POLICY_WRR] = "wrr", [LB_POLICY_STICKY] = "sticky",
	[LB_POLICY_SOURCE_HASH] = "source-hash", [LB_POLICY_MAGLEV] = "maglev",
	[LB_POLICY_LEAST_CONN] = "least-conn", [LB_POLICY_LEAST_LATENCY] = "least-latency",
	[LB_POLICY_RANDOM_P2C] = "random-p2c",
};

static const char *const lb_mode_names[LB_MODE__MAX] = {
	[LB_MODE_FNAT] = "fnat", [LB_MODE_DSR] = "dsr", [LB_MODE_DSR_IPIP] = "dsr-ipip",
};

static const char *const lb_state_names[LB_BACKEND__MAX] = {
	[LB_BACKEND_READY] = "ready", [LB_BACKEND_DRAIN] = "drain", [LB_BACKEND_MAINT] = "maint",
};

const char *
lb_policy_name(enum lb_policy p)
{
	return p < LB_POLICY__MAX ? lb_policy_names[p] : "?";
}

const char *
lb_mode_name(enum lb_mode m)
{
	return m < LB_MODE__MAX ? lb_mode_names[m] : "?";
}

const char *
lb_backend_state_name(enum lb_backend_state s)
{
	return s < LB_BACKEND__MAX ? lb_state_names[s] : "?";
}

void
lb_addr_format(const struct lb_addr *a, char *buf, size_t len)
{
	char s[INET6_ADDRSTRLEN], port[8];

	inet_ntop(a->family, a->addr, s, sizeof(s));
	if (a->port)
		snprintf(port, sizeof(port), "%u", a->port);
	else
		snprintf(port, sizeof(port), "*");
	snprintf(buf, len, a->family == AF_INET6 ? "[%s]:%s" : "%s:%s", s, port);
}

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

/* Looks name up in a table of n names; -1 if absent. */
static int
lc_enum(const char *s, const char *const *names, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (names[i] && strcmp(s, names[i]) == 0)
			return i;
	return -1;
}

/*
 * "ADDR:PORT", "[V6]:PORT", "ADDR:*" (any port; only if allow_any), or "ADDR" (port 0)
 * if allow_bare. Returns 0 or a refusal.
 */
static int
lc_addr(struct lc *p, yaml_node_t *n, const char *what, const char *s, int allow_any,
	int allow_bare, struct lb_addr *a)
{
	char host[INET6_ADDRSTRLEN + 2];
	const char *port = NULL;
	size_t hl;

	memset(a, 0, sizeof(*a));
	if (s[0] == '[') {
		const char *close = strchr(s, ']');

		if (!close || (close[1] && close[1] != ':'))
			return lc_fail(p, n, "%s '%.60s': want [IPV6]:PORT", what, s);
		hl = (size_t)(close - s - 1);
		if (hl >= sizeof(host))
			return lc_fail(p, n, "%s '%.60s': not an address", what, s);
		memcpy(host, s + 1, hl);
		host[hl] = '\0';
		port = close[1] ? close + 2 : NULL;
	} else {
		const char *colon = strrchr(s, ':');

		if (colon && strchr(s, ':') != colon)   /* bare IPv6: ambiguous with a port */
			return lc_fail(p, n, "%s '%.60s': write IPv6 as [ADDR]:PORT", what, s);
		hl = colon ? (size_t)(colon - s) : strlen(s);
		if (hl >= sizeof(host))
			return lc_fail(p, n, "%s '%.60s': not an address", what, s);
		memcpy(host, s, hl);
		host[hl] = '\0';
		port = colon ? colon + 1 : NULL;
	}
	if (inet_pton(AF_INET, host, a->addr) == 1)
		a->family = AF_INET;
	else if (inet_pton(AF_INET6, host, a->addr) == 1)
		a->family = AF_INET6;
	else
		return lc_fail(p, n, "%s '%.60s': '%s' is not an IPv4 or IPv6 address", what, s, host);
	if (!port) {
		if (!allow_bare)
			return lc_fail(p, n, "%s '%.60s': a port is needed (ADDR:PORT)", what, s);
		return 0;
	}
	if (strcmp(port, "*") == 0) {
		if (!allow_any)
			return lc_fail(p, n, "%s '%.60s': '*' (any port) is only for services", what, s);
		return 0;
	} else {
		char *end;
		unsigned long v;

		errno = 0;
		v = strtoul(port, &end, 10);
		if (!*port || *end || errno || v == 0 || v > 65535 || *port == '-' || *port == '+')
			return lc_fail(p, n, "%s '%.60s': port must be 1 to 65535%s", what, s,
				       allow_any ? " or *" : "");
		a->port = (uint16_t)v;
	}
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
			e = lc_enum(s, lb_state_names, LB_BACKEND__MAX);
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
			if ((rc = lc_uint(p, v, "maglev_size", MAGLEV_M_MAX, &u)) != 0)
				return rc;
			if (!maglev_size_ok((uint32_t)u))
				return lc_fail(p, v, "pool %s: maglev_size %lu is not prime (65537, "
					       "131071 and 1048573 are)", name, u);
			pool->maglev_size = (uint32_t)u;
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
			return lc_fail(p, kk, "pool %s: unknown key '%.32s' (backends, maglev_size)",
				       name, key);
		}
	}
	return 0;
}

static int
lc_pool_index(const struct lb_conf *c, const char *name)
{
	uint32_t i;

	for (i = 0; i < c->nb_pools; i++)
		if (strcmp(c->pools[i].name, name) == 0)
			return (int)i;
	return -1;
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
			char addr[96];
			const char *slash;

			if (!(val = lc_scalar(p, v, "vip", &rc)))
				return rc;
			slash = strrchr(val, '/');
			if (!slash || (strcmp(slash, "/tcp") && strcmp(slash, "/udp")))
				return lc_fail(p, v, "vip '%.60s': want ADDR:PORT/tcp or /udp", val);
			if ((size_t)(slash - val) >= sizeof(addr))
				return lc_fail(p, v, "vip '%.60s': too long", val);
			memcpy(addr, val, (size_t)(slash - val));
			addr[slash - val] = '\0';
			if ((rc = lc_addr(p, v, "vip", addr, 1, 0, &s->vip)) != 0)
				return rc;
			s->proto = strcmp(slash, "/tcp") == 0 ? IPPROTO_TCP : IPPROTO_UDP;
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
			e = lc_enum(val, lb_policy_names, LB_POLICY__MAX);
			if (e < 0)
				return lc_fail(p, v, "policy '%.32s': want rr, wrr, sticky, source-hash, "
					       "maglev, least-conn, least-latency or random-p2c", val);
			s->policy = (uint8_t)e;
		} else if (strcmp(key, "mode") == 0) {
			if (!(val = lc_scalar(p, v, "mode", &rc)))
				return rc;
			e = lc_enum(val, lb_mode_names, LB_MODE__MAX);
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
		int i = lc_pool_index(p->c, pool);

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
lc_same_addr(const struct lb_addr *a, const struct lb_addr *b)
{
	return a->family == b->family && memcmp(a->addr, b->addr, 16) == 0;
}

/* Checks that need the whole model. */
static int
lc_check(struct lc *p)
{
	struct lb_conf *c = p->c;
	char a[64];
	uint32_t i, j, k;

	for (i = 0; i < c->nb_services; i++) {
		const struct lb_conf_service *s = &c->services[i];
		const struct lb_conf_pool *pool = &c->pools[s->pool];

		for (j = 0; j < i; j++) {
			const struct lb_conf_service *t = &c->services[j];

			if (s->proto == t->proto && s->vip.port == t->vip.port &&
			    lc_same_addr(&s->vip, &t->vip)) {
				lb_addr_format(&s->vip, a, sizeof(a));
				snprintf(p->err, p->errlen, "%s:%d: service %s/%s: already defined at "
					 "line %d", p->name, s->line, a,
					 s->proto == IPPROTO_TCP ? "tcp" : "udp", t->line);
				return -EINVAL;
			}
		}
		for (k = 0; k < pool->nb_backends; k++) {
			const struct lb_conf_backend *b = &pool->backends[k];

			if (b->addr.family != s->vip.family && s->mode == LB_MODE_FNAT) {
				lb_addr_format(&b->addr, a, sizeof(a));
				snprintf(p->err, p->errlen, "%s:%d: pool %s: backend %s is IPv%d, the "
					 "service at line %d is IPv%d (fnat does not translate families)",
					 p->name, b->line, pool->name, a, b->addr.family == AF_INET ? 4 : 6,
					 s->line, s->vip.family == AF_INET ? 4 : 6);
				return -EINVAL;
			}
			if (s->mode != LB_MODE_FNAT && b->addr.family != s->vip.family) {
				lb_addr_format(&b->addr, a, sizeof(a));
				snprintf(p->err, p->errlen, "%s:%d: pool %s: backend %s is IPv%d, the "
					 "service at line %d is IPv%d (%s carries the client's packet "
					 "unchanged)", p->name, b->line, pool->name, a,
					 b->addr.family == AF_INET ? 4 : 6, s->line,
					 s->vip.family == AF_INET ? 4 : 6, lb_mode_name(s->mode));
				return -EINVAL;
			}
			if (s->mode != LB_MODE_FNAT && b->addr.port && b->addr.port != s->vip.port) {
				lb_addr_format(&b->addr, a, sizeof(a));
				snprintf(p->err, p->errlen, "%s:%d: pool %s: backend %s: the service at "
					 "line %d is %s, which does not translate ports: give the "
					 "backend the service's port or none", p->name, b->line,
					 pool->name, a, s->line, lb_mode_name(s->mode));
				return -EINVAL;
			}
			if (!b->addr.port && !s->vip.port && s->mode == LB_MODE_FNAT) {
				lb_addr_format(&b->addr, a, sizeof(a));
				snprintf(p->err, p->errlen, "%s:%d: pool %s: backend %s has no port and "
					 "the service at line %d takes any port: give it one",
					 p->name, b->line, pool->name, a, s->line);
				return -EINVAL;
			}
		}
	}
	/* A backend that is a VIP would loop traffic back into the appliance. */
	for (i = 0; i < c->nb_pools; i++)
		for (k = 0; k < c->pools[i].nb_backends; k++) {
			const struct lb_conf_backend *b = &c->pools[i].backends[k];

			for (j = 0; j < k; j++)
				if (lc_same_addr(&b->addr, &c->pools[i].backends[j].addr) &&
				    b->addr.port == c->pools[i].backends[j].addr.port) {
					lb_addr_format(&b->addr, a, sizeof(a));
					snprintf(p->err, p->errlen, "%s:%d: pool %s: backend %s is listed "
						 "twice (line %d)", p->name, b->line, c->pools[i].name, a,
						 c->pools[i].backends[j].line);
					return -EINVAL;
				}
			for (j = 0; j < c->nb_services; j++)
				if (lc_same_addr(&b->addr, &c->services[j].vip)) {
					lb_addr_format(&b->addr, a, sizeof(a));
					snprintf(p->err, p->errlen, "%s:%d: pool %s: backend %s is the "
						 "address of the service at line %d (it would loop)",
						 p->name, b->line, c->pools[i].name, a, c->services[j].line);
					return -EINVAL;
				}
		}
	return 0;
}

static int
lc_root(struct lc *p, yaml_node_t *root)
{
	yaml_node_t *pools = NULL, *services = NULL;
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
		if (strcmp(key, "pools") == 0)
			pools = lc_node(p, pr->value);
		else if (strcmp(key, "services") == 0)
			services = lc_node(p, pr->value);
		else
			return lc_fail(p, k, "unknown key '%.32s' (pools, services)", key);
	}
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
			if (lc_pool_index(p->c, pool->name) != (int)p->c->nb_pools - 1)
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
	return lc_check(p);
}

void
lb_conf_free(struct lb_conf *c)
{
	uint32_t i;

	for (i = 0; i < c->nb_pools; i++)
		free(c->pools[i].backends);
	free(c->pools);
	free(c->services);
	memset(c, 0, sizeof(*c));
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
