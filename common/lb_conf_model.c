/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lb_conf_model: what can be said of the configuration model without its file — names,
 * addresses, the whole-model checks, copies and the YAML emitter (lb_conf.h).
 *
 * The checks live here rather than in the parser because sluiced runs them on models that
 * no file wrote: a sluicectl change is applied to a copy of the model and the copy is
 * checked as a whole before it replaces the running one. Objects parsed from a file carry
 * their line; objects made by a command have line 0 and are named instead.
 *
 * The emitter writes through libyaml's event API, which quotes what must be quoted (an
 * IPv6 backend begins with '['), so the text always reads back to the same model.
 *
 * Context: control side (allocates).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>

#include <yaml.h>

#include "lb_conf.h"
#include "police.h"

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

static const char *const lb_check_names[LB_CHECK__MAX] = {
	[LB_CHECK_NONE] = "none", [LB_CHECK_TCP] = "tcp", [LB_CHECK_HTTP] = "http",
	[LB_CHECK_UDP] = "udp",
};

static int
lb_name_find(const char *s, const char *const *names, int n)
{
	int i;

	for (i = 0; s && i < n; i++)
		if (names[i] && strcmp(s, names[i]) == 0)
			return i;
	return -1;
}

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

const char *
lb_check_type_name(enum lb_check_type t)
{
	return t < LB_CHECK__MAX ? lb_check_names[t] : "?";
}

int
lb_policy_parse(const char *s)
{
	return lb_name_find(s, lb_policy_names, LB_POLICY__MAX);
}

int
lb_mode_parse(const char *s)
{
	return lb_name_find(s, lb_mode_names, LB_MODE__MAX);
}

int
lb_backend_state_parse(const char *s)
{
	return lb_name_find(s, lb_state_names, LB_BACKEND__MAX);
}

int
lb_check_type_parse(const char *s)
{
	return lb_name_find(s, lb_check_names, LB_CHECK__MAX);
}

void
lb_check_default(struct lb_conf_check *ck, enum lb_check_type t)
{
	memset(ck, 0, sizeof(*ck));
	ck->type = (uint8_t)t;
	ck->rise = 2;
	ck->fall = 3;
	ck->inter_ms = 2000;
	ck->timeout_ms = 1000;
	if (t == LB_CHECK_HTTP)
		snprintf(ck->path, sizeof(ck->path), "/");
}

int
lb_conf_maglev_size_ok(uint32_t m)
{
	uint32_t d;

	if (m < 2 || m > LB_CONF_MAGLEV_MAX)
		return 0;
	for (d = 2; (uint64_t)d * d <= m; d++)
		if (m % d == 0)
			return 0;
	return 1;
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

void
lb_vip_format(uint8_t proto, const struct lb_addr *vip, char *buf, size_t len)
{
	char a[64];

	lb_addr_format(vip, a, sizeof(a));
	snprintf(buf, len, "%s/%s", a, proto == IPPROTO_TCP ? "tcp" : "udp");
}

static const char *const lb_limit_key_names[LB_LIMIT_KEY__MAX] = {
	[LB_LIMIT_KEY_SOURCE] = "source", [LB_LIMIT_KEY_PREFIX] = "prefix",
	[LB_LIMIT_KEY_SERVICE] = "service", [LB_LIMIT_KEY_SUBSCRIBER] = "subscriber",
};

static const char *const lb_limit_action_names[LB_LIMIT_ACTION__MAX] = {
	[LB_LIMIT_DROP] = "drop", [LB_LIMIT_REMARK] = "remark", [LB_LIMIT_COUNT] = "count",
};

static const char *const lb_meter_names[] = { "srtcm", "trtcm", "trtcm-rfc4115" };
static const char *const lb_colour_action_names[LB_COLOUR_ACTION__MAX] = {
	[LB_COLOUR_TRANSMIT] = "transmit", [LB_COLOUR_REMARK] = "remark",
	[LB_COLOUR_DROP] = "drop",
};

const char *
lb_limit_algo_name(unsigned int algo)
{
	if (LB_LIMIT_IS_METER(algo))
		return algo <= LB_LIMIT_TRTCM_RFC4115 ? lb_meter_names[algo - LB_LIMIT_SRTCM] : "?";
	return police_algo_name((enum police_algo)algo) ?: "?";
}

int
lb_limit_algo_parse(const char *s)
{
	int e = police_algo_parse(s);

	if (e >= 0)
		return e;
	e = lb_name_find(s, lb_meter_names, 3);
	return e < 0 ? -1 : LB_LIMIT_SRTCM + e;
}

const char *
lb_colour_action_name(enum lb_colour_action a)
{
	return a < LB_COLOUR_ACTION__MAX ? lb_colour_action_names[a] : "?";
}

int
lb_colour_action_parse(const char *s)
{
	return lb_name_find(s, lb_colour_action_names, LB_COLOUR_ACTION__MAX);
}

const char *
lb_limit_key_name(enum lb_limit_key k)
{
	return k < LB_LIMIT_KEY__MAX ? lb_limit_key_names[k] : "?";
}

const char *
lb_limit_action_name(enum lb_limit_action a)
{
	return a < LB_LIMIT_ACTION__MAX ? lb_limit_action_names[a] : "?";
}

int
lb_limit_key_parse(const char *s)
{
	return lb_name_find(s, lb_limit_key_names, LB_LIMIT_KEY__MAX);
}

int
lb_limit_action_parse(const char *s)
{
	return lb_name_find(s, lb_limit_action_names, LB_LIMIT_ACTION__MAX);
}

int
lb_conf_limit_find(const struct lb_conf *c, const char *name)
{
	uint32_t i;

	for (i = 0; i < c->nb_limits; i++)
		if (strcmp(c->limits[i].name, name) == 0)
			return (int)i;
	return -1;
}

int
lb_conf_profile_find(const struct lb_conf *c, const char *name)
{
	uint32_t i;

	for (i = 0; i < c->nb_meter_profiles; i++)
		if (strcmp(c->meter_profiles[i].name, name) == 0)
			return (int)i;
	return -1;
}

int
lb_conf_sub_find(const struct lb_conf *c, const char *name)
{
	uint32_t i;

	for (i = 0; i < c->nb_subs; i++)
		if (strcmp(c->subs[i].name, name) == 0)
			return (int)i;
	return -1;
}

/* Whether the first plen bits of a and b are equal. */
static int
lb_prefix_eq(const uint8_t *a, const uint8_t *b, unsigned int plen)
{
	unsigned int full = plen / 8, rest = plen % 8;

	if (memcmp(a, b, full) != 0)
		return 0;
	return !rest || ((a[full] ^ b[full]) & (uint8_t)(0xff << (8 - rest))) == 0;
}

int
lb_prefix_parse(const char *what, const char *s, struct lb_addr *a, uint8_t *plen, char *err,
		size_t errlen)
{
	char host[INET6_ADDRSTRLEN];
	const char *slash = strchr(s, '/');
	unsigned long v = 0;
	size_t hl = slash ? (size_t)(slash - s) : strlen(s);
	unsigned int max, i;
	uint8_t masked[16];

	memset(a, 0, sizeof(*a));
	if (hl >= sizeof(host))
		goto bad;
	memcpy(host, s, hl);
	host[hl] = '\0';
	if (inet_pton(AF_INET, host, a->addr) == 1)
		a->family = AF_INET;
	else if (inet_pton(AF_INET6, host, a->addr) == 1)
		a->family = AF_INET6;
	else
		goto bad;
	max = a->family == AF_INET ? 32 : 128;
	if (slash) {
		char *end;

		errno = 0;
		v = strtoul(slash + 1, &end, 10);
		if (!slash[1] || *end || errno || v > max || slash[1] == '-' || slash[1] == '+') {
			snprintf(err, errlen, "%s '%.60s': prefix length must be 0 to %u", what, s,
				 max);
			return -EINVAL;
		}
	} else {
		v = max;
	}
	*plen = (uint8_t)v;
	memset(masked, 0, sizeof(masked));
	for (i = 0; i < max / 8; i++)
		if (i * 8 + 8 <= v)
			masked[i] = a->addr[i];
		else if (i * 8 < v)
			masked[i] = a->addr[i] & (uint8_t)(0xff << (8 - (v - i * 8)));
	if (memcmp(masked, a->addr, max / 8) != 0) {
		struct lb_addr m = *a;

		memcpy(m.addr, masked, 16);
		inet_ntop(a->family, m.addr, host, sizeof(host));
		snprintf(err, errlen, "%s '%.60s': host bits set (the prefix is %s/%lu)", what, s,
			 host, v);
		return -EINVAL;
	}
	return 0;
bad:
	snprintf(err, errlen, "%s '%.60s': want ADDRESS/LENGTH (198.18.0.0/24, 2001:db8::/64)",
		 what, s);
	return -EINVAL;
}

void
lb_prefix_format(const struct lb_addr *a, uint8_t plen, char *buf, size_t len)
{
	char h[INET6_ADDRSTRLEN];

	if (!inet_ntop(a->family, a->addr, h, sizeof(h)))
		snprintf(h, sizeof(h), "?");
	snprintf(buf, len, "%s/%u", h, plen);
}

int
lb_addr_parse(const char *what, const char *s, int allow_any, int allow_bare,
	      struct lb_addr *a, char *err, size_t errlen)
{
	char host[INET6_ADDRSTRLEN + 2];
	const char *port = NULL;
	size_t hl;

	memset(a, 0, sizeof(*a));
	if (s[0] == '[') {
		const char *close = strchr(s, ']');

		if (!close || (close[1] && close[1] != ':'))
			goto want_v6;
		hl = (size_t)(close - s - 1);
		if (hl >= sizeof(host))
			goto not_addr;
		memcpy(host, s + 1, hl);
		host[hl] = '\0';
		port = close[1] ? close + 2 : NULL;
	} else {
		const char *colon = strrchr(s, ':');

		if (colon && strchr(s, ':') != colon) { /* bare IPv6: ambiguous with a port */
			snprintf(err, errlen, "%s '%.60s': write IPv6 as [ADDR]:PORT", what, s);
			return -EINVAL;
		}
		hl = colon ? (size_t)(colon - s) : strlen(s);
		if (hl >= sizeof(host))
			goto not_addr;
		memcpy(host, s, hl);
		host[hl] = '\0';
		port = colon ? colon + 1 : NULL;
	}
	if (inet_pton(AF_INET, host, a->addr) == 1) {
		a->family = AF_INET;
	} else if (inet_pton(AF_INET6, host, a->addr) == 1) {
		a->family = AF_INET6;
	} else {
		snprintf(err, errlen, "%s '%.60s': '%s' is not an IPv4 or IPv6 address", what, s,
			 host);
		return -EINVAL;
	}
	if (!port) {
		if (allow_bare)
			return 0;
		snprintf(err, errlen, "%s '%.60s': a port is needed (ADDR:PORT)", what, s);
		return -EINVAL;
	}
	if (strcmp(port, "*") == 0) {
		if (allow_any)
			return 0;
		snprintf(err, errlen, "%s '%.60s': '*' (any port) is only for services", what, s);
		return -EINVAL;
	} else {
		char *end;
		unsigned long v;

		errno = 0;
		v = strtoul(port, &end, 10);
		if (!*port || *end || errno || v == 0 || v > 65535 || *port == '-' || *port == '+') {
			snprintf(err, errlen, "%s '%.60s': port must be 1 to 65535%s", what, s,
				 allow_any ? " or *" : "");
			return -EINVAL;
		}
		a->port = (uint16_t)v;
	}
	return 0;
want_v6:
	snprintf(err, errlen, "%s '%.60s': want [IPV6]:PORT", what, s);
	return -EINVAL;
not_addr:
	snprintf(err, errlen, "%s '%.60s': not an address", what, s);
	return -EINVAL;
}

int
lb_vip_parse(const char *s, uint8_t *proto, struct lb_addr *vip, char *err, size_t errlen)
{
	const char *slash = strrchr(s, '/');
	char addr[96];

	if (!slash || (strcmp(slash, "/tcp") && strcmp(slash, "/udp"))) {
		snprintf(err, errlen, "vip '%.60s': want ADDR:PORT/tcp or /udp", s);
		return -EINVAL;
	}
	if ((size_t)(slash - s) >= sizeof(addr)) {
		snprintf(err, errlen, "vip '%.60s': too long", s);
		return -EINVAL;
	}
	memcpy(addr, s, (size_t)(slash - s));
	addr[slash - s] = '\0';
	*proto = strcmp(slash, "/tcp") == 0 ? IPPROTO_TCP : IPPROTO_UDP;
	return lb_addr_parse("vip", addr, 1, 0, vip, err, errlen);
}

int
lb_conf_pool_find(const struct lb_conf *c, const char *name)
{
	uint32_t i;

	for (i = 0; i < c->nb_pools; i++)
		if (strcmp(c->pools[i].name, name) == 0)
			return (int)i;
	return -1;
}

static int
lb_same_addr(const struct lb_addr *a, const struct lb_addr *b)
{
	return a->family == b->family && memcmp(a->addr, b->addr, 16) == 0;
}

int
lb_conf_service_find(const struct lb_conf *c, uint8_t proto, const struct lb_addr *vip)
{
	uint32_t i;

	for (i = 0; i < c->nb_services; i++)
		if (c->services[i].proto == proto && c->services[i].vip.port == vip->port &&
		    lb_same_addr(&c->services[i].vip, vip))
			return (int)i;
	return -1;
}

/* "name:line" for an object read from a file, "name" for one a command made. */
static void
lb_where(char *buf, size_t len, const char *name, int line)
{
	if (line > 0)
		snprintf(buf, len, "%s:%d", name, line);
	else
		snprintf(buf, len, "%s", name);
}

/* "the service at line 5" or "service 198.18.0.100:80/tcp". */
static void
lb_service_ref(char *buf, size_t len, const struct lb_conf_service *s)
{
	char v[80];

	if (s->line > 0) {
		snprintf(buf, len, "the service at line %d", s->line);
	} else {
		lb_vip_format(s->proto, &s->vip, v, sizeof(v));
		snprintf(buf, len, "service %s", v);
	}
}

static int
lb_check_service(const struct lb_conf *c, uint32_t i, const char *name, char *err,
		 size_t errlen)
{
	const struct lb_conf_service *s = &c->services[i];
	const struct lb_conf_pool *pool;
	char a[64], where[300], ref[100];
	uint32_t j, k;
	int fam = s->vip.family == AF_INET ? 4 : 6;

	if (s->pool >= c->nb_pools) {
		lb_where(where, sizeof(where), name, s->line);
		snprintf(err, errlen, "%s: service: no such pool", where);
		return -EINVAL;
	}
	pool = &c->pools[s->pool];
	for (j = 0; j < i; j++) {
		const struct lb_conf_service *t = &c->services[j];

		if (s->proto == t->proto && s->vip.port == t->vip.port &&
		    lb_same_addr(&s->vip, &t->vip)) {
			lb_vip_format(s->proto, &s->vip, a, sizeof(a));
			lb_where(where, sizeof(where), name, s->line);
			if (t->line > 0)
				snprintf(err, errlen, "%s: service %s: already defined at line %d",
					 where, a, t->line);
			else
				snprintf(err, errlen, "%s: service %s: already defined", where, a);
			return -EINVAL;
		}
	}
	lb_service_ref(ref, sizeof(ref), s);
	for (k = 0; k < pool->nb_backends; k++) {
		const struct lb_conf_backend *b = &pool->backends[k];
		int bfam = b->addr.family == AF_INET ? 4 : 6;

		lb_addr_format(&b->addr, a, sizeof(a));
		lb_where(where, sizeof(where), name, b->line ? b->line : s->line);
		if (bfam != fam && s->mode == LB_MODE_FNAT) {
			snprintf(err, errlen, "%s: pool %s: backend %s is IPv%d, %s is IPv%d (fnat "
				 "does not translate families)", where, pool->name, a, bfam, ref, fam);
			return -EINVAL;
		}
		if (bfam != fam) {
			snprintf(err, errlen, "%s: pool %s: backend %s is IPv%d, %s is IPv%d (%s "
				 "carries the client's packet unchanged)", where, pool->name, a, bfam,
				 ref, fam, lb_mode_name(s->mode));
			return -EINVAL;
		}
		if (s->mode != LB_MODE_FNAT && b->addr.port && b->addr.port != s->vip.port) {
			snprintf(err, errlen, "%s: pool %s: backend %s: %s is %s, which does not "
				 "translate ports: give the backend the service's port or none",
				 where, pool->name, a, ref, lb_mode_name(s->mode));
			return -EINVAL;
		}
		if (!b->addr.port && !s->vip.port && s->mode == LB_MODE_FNAT) {
			snprintf(err, errlen, "%s: pool %s: backend %s has no port and %s takes any "
				 "port: give it one", where, pool->name, a, ref);
			return -EINVAL;
		}
	}
	return 0;
}

/* Whether two limits can see the same packet: their services and client prefixes meet. */
static int
lb_limits_overlap(const struct lb_conf_limit *a, const struct lb_conf_limit *b)
{
	if (a->has_service && b->has_service &&
	    (a->proto != b->proto || !lb_same_addr(&a->vip, &b->vip) || a->vip.port != b->vip.port))
		return 0;
	if (a->has_from && b->has_from &&
	    (a->from.family != b->from.family ||
	     !lb_prefix_eq(a->from.addr, b->from.addr,
			   a->from_plen < b->from_plen ? a->from_plen : b->from_plen)))
		return 0;
	if (a->subscriber[0] && b->subscriber[0] && strcmp(a->subscriber, b->subscriber) != 0)
		return 0;
	return 1;
}

#define LB_METER_RATE_MAX 100000000000ULL        /* bytes per second: 800 Gbit/s */

/*
 * A meter's numbers as its RFC wants them, in bytes per second and bytes: a committed
 * rate; every bucket that exists holds a full-size packet (1514 bytes, 1538 with the L1
 * overhead), or that colour could never be given to one; RFC 2698's peak rate at least
 * its committed rate; RFC 4115's excess bucket only with an excess rate. The dataplane's
 * meter_profile_build says the same (dataplane/meter.c).
 */
static int
lb_check_meter(const struct lb_conf_limit *l, char *msg, size_t len)
{
	uint64_t pkt = 1514 + (l->l1_overhead ? 24 : 0);

	if (l->unit != POLICE_BYTES) {
		snprintf(msg, len, "meters count bytes: unit must be bytes");
		return -1;
	}
	if (l->cir == 0 || l->cir > LB_METER_RATE_MAX || l->pir > LB_METER_RATE_MAX ||
	    l->eir > LB_METER_RATE_MAX) {
		snprintf(msg, len, "cir (1 to %llu bytes per second) is needed; pir and eir at "
			 "most as much", LB_METER_RATE_MAX);
		return -1;
	}
	switch (l->algo) {
	case LB_LIMIT_SRTCM:
		if (l->pir || l->pbs || l->eir) {
			snprintf(msg, len, "takes cir, cbs and ebs (not pir, pbs, eir)");
			return -1;
		}
		if ((l->cbs && l->cbs < pkt) || (l->ebs && l->ebs < pkt) || !(l->cbs || l->ebs)) {
			snprintf(msg, len, "cbs and ebs: at least one, each 0 or at least %llu bytes "
				 "(one full-size packet)", (unsigned long long)pkt);
			return -1;
		}
		return 0;
	case LB_LIMIT_TRTCM:
		if (l->eir || l->ebs) {
			snprintf(msg, len, "takes cir, cbs, pir and pbs (not eir, ebs)");
			return -1;
		}
		if (l->pir < l->cir) {
			snprintf(msg, len, "pir %llu below cir %llu (RFC 2698 needs PIR >= CIR)",
				 (unsigned long long)l->pir, (unsigned long long)l->cir);
			return -1;
		}
		if (l->cbs < pkt || l->pbs < pkt) {
			snprintf(msg, len, "cbs and pbs: at least %llu bytes (one full-size packet)",
				 (unsigned long long)pkt);
			return -1;
		}
		return 0;
	default:
		if (l->pir || l->pbs) {
			snprintf(msg, len, "takes cir, cbs, eir and ebs (not pir, pbs)");
			return -1;
		}
		if (l->cbs < pkt || (l->eir && l->ebs < pkt) || (!l->eir && l->ebs)) {
			snprintf(msg, len, "cbs at least %llu bytes; ebs too with an eir, 0 without",
				 (unsigned long long)pkt);
			return -1;
		}
		return 0;
	}
}

static int
lb_check_limit(const struct lb_conf *c, uint32_t i, const char *name, char *err, size_t errlen)
{
	const struct lb_conf_limit *l = &c->limits[i];
	struct police_params pp;
	char where[300], msg[256], v[80];
	uint32_t j;

	lb_where(where, sizeof(where), name, l->line);
	for (j = 0; j < i; j++)
		if (strcmp(l->name, c->limits[j].name) == 0) {
			snprintf(err, errlen, "%s: limit %s: defined twice", where, l->name);
			return -EINVAL;
		}
	if (LB_LIMIT_IS_METER(l->algo)) {
		if (lb_check_meter(l, msg, sizeof(msg)) != 0) {
			snprintf(err, errlen, "%s: limit %s: %s: %s", where, l->name,
				 lb_limit_algo_name(l->algo), msg);
			return -EINVAL;
		}
	} else if (police_params_set(&pp, (enum police_algo)l->algo, (enum police_unit)l->unit,
				     l->algo <= POLICE_LEAKY_BUCKET ? l->rate : l->limit, l->burst,
				     (uint64_t)l->window_ms * 1000000, msg, sizeof(msg)) != 0) {
		snprintf(err, errlen, "%s: limit %s: %s", where, l->name, msg);
		return -EINVAL;
	}
	if (l->has_service && lb_conf_service_find(c, l->proto, &l->vip) < 0) {
		lb_vip_format(l->proto, &l->vip, v, sizeof(v));
		snprintf(err, errlen, "%s: limit %s: service %s is not defined", where, l->name, v);
		return -EINVAL;
	}
	if (l->subscriber[0] && lb_conf_sub_find(c, l->subscriber) < 0) {
		snprintf(err, errlen, "%s: limit %s: subscriber %s is not defined (subscribers:)",
			 where, l->name, l->subscriber);
		return -EINVAL;
	}
	if (l->key == LB_LIMIT_KEY_SUBSCRIBER && !c->nb_subs) {
		snprintf(err, errlen, "%s: limit %s: key subscriber, but no subscribers are defined",
			 where, l->name);
		return -EINVAL;
	}
	if (l->max_keys < 8 || l->max_keys > LB_CONF_LIMIT_KEYS_MAX) {
		snprintf(err, errlen, "%s: limit %s: max_keys %u: want 8 to %u", where, l->name,
			 l->max_keys, LB_CONF_LIMIT_KEYS_MAX);
		return -EINVAL;
	}
	/* Every limit that matches a packet applies, lowest priority number first; two that
	 * can match the same packet must say which goes first. */
	for (j = 0; j < i; j++) {
		const struct lb_conf_limit *o = &c->limits[j];

		if (o->priority != l->priority || !lb_limits_overlap(l, o))
			continue;
		if (o->line > 0)
			snprintf(v, sizeof(v), "%s (line %d)", o->name, o->line);
		else
			snprintf(v, sizeof(v), "%s", o->name);
		snprintf(err, errlen, "%s: limit %s: can apply to the same packets as limit %s at "
			 "the same priority %u: give one a different priority (lower runs first)",
			 where, l->name, v, l->priority);
		return -EINVAL;
	}
	return 0;
}

int
lb_conf_resolve(struct lb_conf *c, const char *name, char *err, size_t errlen)
{
	uint32_t i;

	for (i = 0; i < c->nb_limits; i++) {
		struct lb_conf_limit *l = &c->limits[i];
		const struct lb_conf_limit *mp;
		char where[300];
		int k;

		if (!l->profile[0])
			continue;
		k = lb_conf_profile_find(c, l->profile);
		if (k < 0) {
			lb_where(where, sizeof(where), name, l->line);
			snprintf(err, errlen, "%s: limit %s: meter profile %s is not defined "
				 "(meter_profiles:)", where, l->name, l->profile);
			return -EINVAL;
		}
		mp = &c->meter_profiles[k];
		l->algo = mp->algo;
		l->unit = POLICE_BYTES;
		l->cir = mp->cir;
		l->cbs = mp->cbs;
		l->ebs = mp->ebs;
		l->pir = mp->pir;
		l->pbs = mp->pbs;
		l->eir = mp->eir;
		l->colour_aware = mp->colour_aware;
		l->l1_overhead = mp->l1_overhead;
		memcpy(l->colour_action, mp->colour_action, sizeof(l->colour_action));
		memcpy(l->colour_dscp, mp->colour_dscp, sizeof(l->colour_dscp));
	}
	return 0;
}

/* Subscribers: names once; a prefix belongs to one subscriber (nested ones may belong
 * to others: the longest match wins). */
static int
lb_check_subs(const struct lb_conf *c, const char *name, char *err, size_t errlen)
{
	char where[300], a[64];
	uint32_t i, j;

	for (i = 0; i < c->nb_subs; i++)
		for (j = 0; j < i; j++)
			if (strcmp(c->subs[i].name, c->subs[j].name) == 0) {
				lb_where(where, sizeof(where), name, c->subs[i].line);
				snprintf(err, errlen, "%s: subscriber %s: defined twice", where,
					 c->subs[i].name);
				return -EINVAL;
			}
	for (i = 0; i < c->nb_sub_prefixes; i++) {
		const struct lb_conf_sub_prefix *p = &c->sub_prefixes[i];

		if (p->sub >= c->nb_subs) {
			snprintf(err, errlen, "%s: subscriber prefix %u: no subscriber", name, i);
			return -EINVAL;
		}
		for (j = 0; j < i; j++) {
			const struct lb_conf_sub_prefix *o = &c->sub_prefixes[j];

			if (o->plen != p->plen || o->prefix.family != p->prefix.family ||
			    !lb_prefix_eq(o->prefix.addr, p->prefix.addr, p->plen))
				continue;
			lb_prefix_format(&p->prefix, p->plen, a, sizeof(a));
			lb_where(where, sizeof(where), name, p->line);
			snprintf(err, errlen, "%s: subscriber %s: prefix %s is already subscriber "
				 "%s's", where, c->subs[p->sub].name, a, c->subs[o->sub].name);
			return -EINVAL;
		}
	}
	return 0;
}

/* Shaping: each pipe a subscriber's, once, within the aggregate; every bucket holds a
 * full-size frame (dataplane/shaper.c checks the same when it builds). */
static int
lb_check_shaping(const struct lb_conf *c, const char *name, char *err, size_t errlen)
{
	const struct lb_conf_shaping *sh = &c->shaping;
	uint64_t frame = 1514 + (sh->l1_overhead ? 24 : 0);
	char where[300];
	uint32_t i, j;

	if (!sh->rate) {
		if (sh->nb_pipes) {
			lb_where(where, sizeof(where), name, sh->line);
			snprintf(err, errlen, "%s: shaping: rate: want the aggregate in bytes per "
				 "second (at least %llu)", where, (unsigned long long)frame);
			return -EINVAL;
		}
		return 0;
	}
	lb_where(where, sizeof(where), name, sh->line);
	if (sh->rate < frame || sh->rate > LB_METER_RATE_MAX) {
		snprintf(err, errlen, "%s: shaping: rate %llu: want %llu to %llu bytes per second",
			 where, (unsigned long long)sh->rate, (unsigned long long)frame,
			 LB_METER_RATE_MAX);
		return -EINVAL;
	}
	if (sh->queue_size < 16 || sh->queue_size > 4096 ||
	    (sh->queue_size & (sh->queue_size - 1))) {
		snprintf(err, errlen, "%s: shaping: queue_size %u: want a power of 2, 16 to 4096",
			 where, sh->queue_size);
		return -EINVAL;
	}
	if (!sh->nb_pipes) {
		snprintf(err, errlen, "%s: shaping: no pipes: want a pipe per subscriber shaped",
			 where);
		return -EINVAL;
	}
	for (i = 0; i < sh->nb_pipes; i++) {
		const struct lb_conf_pipe *p = &sh->pipes[i];

		lb_where(where, sizeof(where), name, p->line);
		if (lb_conf_sub_find(c, p->subscriber) < 0) {
			snprintf(err, errlen, "%s: shaping: pipe %s: no such subscriber "
				 "(subscribers:)", where, p->subscriber);
			return -EINVAL;
		}
		for (j = 0; j < i; j++)
			if (strcmp(sh->pipes[j].subscriber, p->subscriber) == 0) {
				snprintf(err, errlen, "%s: shaping: pipe %s: defined twice", where,
					 p->subscriber);
				return -EINVAL;
			}
		/* rte_sched's pipe rates are fractions of its port clock (dataplane/shaper.h):
		 * below 1/25000 of the aggregate they are off by more than 1% */
		if (p->rate < frame || p->rate > sh->rate || p->rate < sh->rate / 25000) {
			snprintf(err, errlen, "%s: shaping: pipe %s: rate %llu: want %llu bytes per "
				 "second up to the aggregate's %llu", where, p->subscriber,
				 (unsigned long long)p->rate,
				 (unsigned long long)(frame > sh->rate / 25000 ? frame :
						      sh->rate / 25000),
				 (unsigned long long)sh->rate);
			return -EINVAL;
		}
		if (p->burst < frame || p->burst > (1ULL << 32)) {
			snprintf(err, errlen, "%s: shaping: pipe %s: burst %llu: want %llu bytes (a "
				 "full-size frame) to 4 GiB", where, p->subscriber,
				 (unsigned long long)p->burst, (unsigned long long)frame);
			return -EINVAL;
		}
	}
	return 0;
}

int
lb_conf_check(const struct lb_conf *c, const char *name, char *err, size_t errlen)
{
	char a[64], where[300], ref[100];
	uint32_t i, j, k;
	int rc;

	if ((rc = lb_check_subs(c, name, err, errlen)) != 0 ||
	    (rc = lb_check_shaping(c, name, err, errlen)) != 0)
		return rc;
	for (i = 0; i < c->nb_meter_profiles; i++) {
		const struct lb_conf_limit *mp = &c->meter_profiles[i];
		char msg[256];

		lb_where(where, sizeof(where), name, mp->line);
		for (j = 0; j < i; j++)
			if (strcmp(mp->name, c->meter_profiles[j].name) == 0) {
				snprintf(err, errlen, "%s: meter profile %s: defined twice", where,
					 mp->name);
				return -EINVAL;
			}
		if (!LB_LIMIT_IS_METER(mp->algo) || lb_check_meter(mp, msg, sizeof(msg)) != 0) {
			if (!LB_LIMIT_IS_METER(mp->algo))
				snprintf(msg, sizeof(msg), "want srtcm, trtcm or trtcm-rfc4115");
			snprintf(err, errlen, "%s: meter profile %s: %s: %s", where, mp->name,
				 lb_limit_algo_name(mp->algo), msg);
			return -EINVAL;
		}
	}
	for (i = 0; i < c->nb_limits; i++)
		if (c->limits[i].profile[0] && lb_conf_profile_find(c, c->limits[i].profile) < 0) {
			lb_where(where, sizeof(where), name, c->limits[i].line);
			snprintf(err, errlen, "%s: limit %s: meter profile %s is not defined "
				 "(meter_profiles:)", where, c->limits[i].name, c->limits[i].profile);
			return -EINVAL;
		}

	for (i = 0; i < c->nb_services; i++)
		if ((rc = lb_check_service(c, i, name, err, errlen)) != 0)
			return rc;
	for (i = 0; i < c->nb_limits; i++)
		if ((rc = lb_check_limit(c, i, name, err, errlen)) != 0)
			return rc;
	for (i = 0; i < c->nb_pools; i++) {
		for (j = 0; j < i; j++)
			if (strcmp(c->pools[i].name, c->pools[j].name) == 0) {
				lb_where(where, sizeof(where), name, c->pools[i].line);
				snprintf(err, errlen, "%s: pool %s: defined twice", where,
					 c->pools[i].name);
				return -EINVAL;
			}
		for (k = 0; k < c->pools[i].nb_backends; k++) {
			const struct lb_conf_backend *b = &c->pools[i].backends[k];

			lb_addr_format(&b->addr, a, sizeof(a));
			lb_where(where, sizeof(where), name, b->line);
			for (j = 0; j < k; j++) {
				const struct lb_conf_backend *o = &c->pools[i].backends[j];

				if (!lb_same_addr(&b->addr, &o->addr) || b->addr.port != o->addr.port)
					continue;
				if (o->line > 0)
					snprintf(err, errlen, "%s: pool %s: backend %s is listed twice "
						 "(line %d)", where, c->pools[i].name, a, o->line);
				else
					snprintf(err, errlen, "%s: pool %s: backend %s is listed twice",
						 where, c->pools[i].name, a);
				return -EINVAL;
			}
			/* A backend that is a VIP would loop traffic back into the appliance. */
			for (j = 0; j < c->nb_services; j++)
				if (lb_same_addr(&b->addr, &c->services[j].vip)) {
					lb_service_ref(ref, sizeof(ref), &c->services[j]);
					snprintf(err, errlen, "%s: pool %s: backend %s is the address of "
						 "%s (it would loop)", where, c->pools[i].name, a, ref);
					return -EINVAL;
				}
		}
	}
	return 0;
}

void
lb_conf_free(struct lb_conf *c)
{
	uint32_t i;

	for (i = 0; i < c->nb_pools; i++)
		free(c->pools[i].backends);
	free(c->pools);
	free(c->services);
	free(c->limits);
	free(c->meter_profiles);
	free(c->subs);
	free(c->sub_prefixes);
	free(c->shaping.pipes);
	memset(c, 0, sizeof(*c));
}

int
lb_conf_copy(struct lb_conf *dst, const struct lb_conf *src)
{
	uint32_t i;

	memset(dst, 0, sizeof(*dst));
	dst->generation = src->generation;
	dst->pools = calloc(src->nb_pools ? src->nb_pools : 1, sizeof(*dst->pools));
	dst->services = calloc(src->nb_services ? src->nb_services : 1, sizeof(*dst->services));
	if (!dst->pools || !dst->services)
		goto nomem;
	for (i = 0; i < src->nb_pools; i++) {
		const struct lb_conf_pool *p = &src->pools[i];
		struct lb_conf_pool *q = &dst->pools[i];

		*q = *p;
		q->backends = calloc(p->nb_backends ? p->nb_backends : 1, sizeof(*q->backends));
		dst->nb_pools = i + 1;
		if (!q->backends) {
			q->nb_backends = 0;
			goto nomem;
		}
		if (p->nb_backends)
			memcpy(q->backends, p->backends, p->nb_backends * sizeof(*q->backends));
	}
	if (src->nb_services)
		memcpy(dst->services, src->services, src->nb_services * sizeof(*dst->services));
	dst->nb_services = src->nb_services;
	if (src->nb_limits) {
		dst->limits = calloc(src->nb_limits, sizeof(*dst->limits));
		if (!dst->limits)
			goto nomem;
		memcpy(dst->limits, src->limits, src->nb_limits * sizeof(*dst->limits));
		dst->nb_limits = src->nb_limits;
	}
	if (src->nb_meter_profiles) {
		dst->meter_profiles = malloc(src->nb_meter_profiles * sizeof(*dst->meter_profiles));
		if (!dst->meter_profiles)
			goto nomem;
		memcpy(dst->meter_profiles, src->meter_profiles,
		       src->nb_meter_profiles * sizeof(*dst->meter_profiles));
		dst->nb_meter_profiles = src->nb_meter_profiles;
	}
	if (src->nb_subs) {
		dst->subs = malloc(src->nb_subs * sizeof(*dst->subs));
		if (!dst->subs)
			goto nomem;
		memcpy(dst->subs, src->subs, src->nb_subs * sizeof(*dst->subs));
		dst->nb_subs = src->nb_subs;
	}
	if (src->nb_sub_prefixes) {
		dst->sub_prefixes = malloc(src->nb_sub_prefixes * sizeof(*dst->sub_prefixes));
		if (!dst->sub_prefixes)
			goto nomem;
		memcpy(dst->sub_prefixes, src->sub_prefixes,
		       src->nb_sub_prefixes * sizeof(*dst->sub_prefixes));
		dst->nb_sub_prefixes = src->nb_sub_prefixes;
	}
	dst->shaping = src->shaping;
	dst->shaping.pipes = NULL;
	dst->shaping.nb_pipes = 0;
	if (src->shaping.nb_pipes) {
		dst->shaping.pipes = malloc(src->shaping.nb_pipes * sizeof(*dst->shaping.pipes));
		if (!dst->shaping.pipes)
			goto nomem;
		memcpy(dst->shaping.pipes, src->shaping.pipes,
		       src->shaping.nb_pipes * sizeof(*dst->shaping.pipes));
		dst->shaping.nb_pipes = src->shaping.nb_pipes;
	}
	return 0;
nomem:
	lb_conf_free(dst);
	return -ENOMEM;
}

/* The emitter's state: a growing buffer and whether an event failed. */
struct lb_emit {
	yaml_emitter_t e;
	char *buf;
	size_t len, cap;
	int failed;
};

static int
lb_emit_write(void *data, unsigned char *bytes, size_t size)
{
	struct lb_emit *m = data;

	if (m->len + size + 1 > m->cap) {
		size_t cap = (m->cap ? m->cap * 2 : 4096) + size;
		char *b = realloc(m->buf, cap);

		if (!b)
			return 0;
		m->buf = b;
		m->cap = cap;
	}
	memcpy(m->buf + m->len, bytes, size);
	m->len += size;
	m->buf[m->len] = '\0';
	return 1;
}

static void
lb_emit_event(struct lb_emit *m, yaml_event_t *ev, int made)
{
	if (!made || m->failed || !yaml_emitter_emit(&m->e, ev))
		m->failed = 1;
}

static void
lb_emit_str(struct lb_emit *m, const char *s)
{
	yaml_event_t ev;

	lb_emit_event(m, &ev, yaml_scalar_event_initialize(&ev, NULL, NULL,
			(yaml_char_t *)(uintptr_t)s, (int)strlen(s), 1, 1, YAML_ANY_SCALAR_STYLE));
}

static void
lb_emit_uint(struct lb_emit *m, uint64_t v)
{
	char s[24];

	snprintf(s, sizeof(s), "%" PRIu64, v);
	lb_emit_str(m, s);
}

static void
lb_emit_map(struct lb_emit *m, int flow)
{
	yaml_event_t ev;

	lb_emit_event(m, &ev, yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1,
			flow ? YAML_FLOW_MAPPING_STYLE : YAML_BLOCK_MAPPING_STYLE));
}

static void
lb_emit_map_end(struct lb_emit *m)
{
	yaml_event_t ev;

	lb_emit_event(m, &ev, yaml_mapping_end_event_initialize(&ev));
}

static void
lb_emit_seq(struct lb_emit *m)
{
	yaml_event_t ev;

	lb_emit_event(m, &ev, yaml_sequence_start_event_initialize(&ev, NULL, NULL, 1,
			YAML_BLOCK_SEQUENCE_STYLE));
}

static void
lb_emit_seq_end(struct lb_emit *m)
{
	yaml_event_t ev;

	lb_emit_event(m, &ev, yaml_sequence_end_event_initialize(&ev));
}

static void
lb_emit_check(struct lb_emit *m, const struct lb_conf_check *ck)
{
	lb_emit_str(m, "check");
	lb_emit_map(m, 1);
	lb_emit_str(m, "type");
	lb_emit_str(m, lb_check_type_name(ck->type));
	if (ck->port) {
		lb_emit_str(m, "port");
		lb_emit_uint(m, ck->port);
	}
	if (ck->type == LB_CHECK_HTTP) {
		lb_emit_str(m, "path");
		lb_emit_str(m, ck->path);
		if (ck->status) {
			lb_emit_str(m, "status");
			lb_emit_uint(m, ck->status);
		}
	}
	if (ck->type == LB_CHECK_UDP) {
		lb_emit_str(m, "send");
		lb_emit_str(m, ck->send);
		if (ck->expect[0]) {
			lb_emit_str(m, "expect");
			lb_emit_str(m, ck->expect);
		}
	}
	lb_emit_str(m, "inter_ms");
	lb_emit_uint(m, ck->inter_ms);
	lb_emit_str(m, "timeout_ms");
	lb_emit_uint(m, ck->timeout_ms);
	lb_emit_str(m, "rise");
	lb_emit_uint(m, ck->rise);
	lb_emit_str(m, "fall");
	lb_emit_uint(m, ck->fall);
	lb_emit_map_end(m);
}

static void
lb_emit_pool(struct lb_emit *m, const struct lb_conf_pool *p)
{
	char a[64];
	uint32_t k;

	lb_emit_str(m, p->name);
	lb_emit_map(m, 0);
	if (p->maglev_size != LB_CONF_MAGLEV_DEFAULT) {
		lb_emit_str(m, "maglev_size");
		lb_emit_uint(m, p->maglev_size);
	}
	if (p->check.type != LB_CHECK_NONE)
		lb_emit_check(m, &p->check);
	lb_emit_str(m, "backends");
	lb_emit_seq(m);
	for (k = 0; k < p->nb_backends; k++) {
		const struct lb_conf_backend *b = &p->backends[k];

		if (b->addr.port) {
			lb_addr_format(&b->addr, a, sizeof(a));
		} else {    /* a bare address, "[V6]" for IPv6: no ":*" */
			char h[INET6_ADDRSTRLEN];

			inet_ntop(b->addr.family, b->addr.addr, h, sizeof(h));
			snprintf(a, sizeof(a), b->addr.family == AF_INET6 ? "[%s]" : "%s", h);
		}
		lb_emit_map(m, 1);
		lb_emit_str(m, "address");
		lb_emit_str(m, a);
		lb_emit_str(m, "weight");
		lb_emit_uint(m, b->weight);
		lb_emit_str(m, "state");
		lb_emit_str(m, lb_backend_state_name(b->state));
		lb_emit_map_end(m);
	}
	lb_emit_seq_end(m);
	lb_emit_map_end(m);
}

static void
lb_emit_service(struct lb_emit *m, const struct lb_conf *c, const struct lb_conf_service *s)
{
	char v[80];

	lb_vip_format(s->proto, &s->vip, v, sizeof(v));
	lb_emit_map(m, 0);
	lb_emit_str(m, "vip");
	lb_emit_str(m, v);
	lb_emit_str(m, "pool");
	lb_emit_str(m, c->pools[s->pool].name);
	lb_emit_str(m, "policy");
	lb_emit_str(m, lb_policy_name(s->policy));
	lb_emit_str(m, "mode");
	lb_emit_str(m, lb_mode_name(s->mode));
	if (s->policy == LB_POLICY_STICKY) {
		lb_emit_str(m, "sticky_ttl");
		lb_emit_uint(m, s->sticky_ttl_s);
	}
	if (s->mss) {
		lb_emit_str(m, "mss");
		lb_emit_uint(m, s->mss);
	}
	lb_emit_map_end(m);
}

/* A meter's numbers, colours and flags (a limit's or a meter profile's). */
static void
lb_emit_meter(struct lb_emit *m, const struct lb_conf_limit *l)
{
	static const char *const nums[] = { "cir", "cbs", "ebs", "pir", "pbs", "eir" };
	static const char *const colours[] = { "green", "yellow", "red" };
	const uint64_t v6[] = { l->cir, l->cbs, l->ebs, l->pir, l->pbs, l->eir };
	char k[16];
	int i;

	for (i = 0; i < 6; i++)
		if (v6[i]) {
			lb_emit_str(m, nums[i]);
			lb_emit_uint(m, v6[i]);
		}
	for (i = 0; i < 3; i++) {
		lb_emit_str(m, colours[i]);
		lb_emit_str(m, lb_colour_action_name(l->colour_action[i]));
		if (l->colour_action[i] == LB_COLOUR_REMARK) {
			snprintf(k, sizeof(k), "%s_dscp", colours[i]);
			lb_emit_str(m, k);
			lb_emit_uint(m, l->colour_dscp[i]);
		}
	}
	lb_emit_str(m, "colour_aware");
	lb_emit_str(m, l->colour_aware ? "true" : "false");
	lb_emit_str(m, "l1_overhead");
	lb_emit_str(m, l->l1_overhead ? "true" : "false");
}

static void
lb_emit_limit(struct lb_emit *m, const struct lb_conf_limit *l)
{
	char v[80];

	lb_emit_str(m, l->name);
	lb_emit_map(m, 0);
	if (l->has_service) {
		lb_vip_format(l->proto, &l->vip, v, sizeof(v));
		lb_emit_str(m, "service");
		lb_emit_str(m, v);
	}
	if (l->has_from) {
		lb_prefix_format(&l->from, l->from_plen, v, sizeof(v));
		lb_emit_str(m, "from");
		lb_emit_str(m, v);
	}
	if (l->subscriber[0]) {
		lb_emit_str(m, "subscriber");
		lb_emit_str(m, l->subscriber);
	}
	lb_emit_str(m, "key");
	lb_emit_str(m, lb_limit_key_name(l->key));
	if (l->key == LB_LIMIT_KEY_PREFIX) {
		lb_emit_str(m, "prefix4");
		lb_emit_uint(m, l->prefix4);
		lb_emit_str(m, "prefix6");
		lb_emit_uint(m, l->prefix6);
	}
	if (l->profile[0]) {
		lb_emit_str(m, "profile");
		lb_emit_str(m, l->profile);
	} else {
		lb_emit_str(m, "algorithm");
		lb_emit_str(m, lb_limit_algo_name(l->algo));
		lb_emit_str(m, "unit");
		lb_emit_str(m, police_unit_name(l->unit));
	}
	if (LB_LIMIT_IS_METER(l->algo)) {
		if (!l->profile[0])     /* else the profile's */
			lb_emit_meter(m, l);
	} else if (l->algo <= POLICE_LEAKY_BUCKET) {
		lb_emit_str(m, "rate");
		lb_emit_uint(m, l->rate);
		lb_emit_str(m, "burst");
		lb_emit_uint(m, l->burst);
	} else {
		lb_emit_str(m, "limit");
		lb_emit_uint(m, l->limit);
		lb_emit_str(m, "window_ms");
		lb_emit_uint(m, l->window_ms);
	}
	if (!LB_LIMIT_IS_METER(l->algo)) {
		lb_emit_str(m, "action");
		lb_emit_str(m, lb_limit_action_name(l->action));
	}
	if (!LB_LIMIT_IS_METER(l->algo) && l->action == LB_LIMIT_REMARK) {
		lb_emit_str(m, "dscp");
		lb_emit_uint(m, l->dscp);
	}
	lb_emit_str(m, "priority");
	lb_emit_uint(m, l->priority);
	lb_emit_str(m, "max_keys");
	lb_emit_uint(m, l->max_keys);
	lb_emit_map_end(m);
}

/* subscribers: name: [prefixes] (in the order given; prefixes by their subscriber) */
static void
lb_emit_subs(struct lb_emit *m, const struct lb_conf *c)
{
	char v[80];
	uint32_t i, j;

	lb_emit_str(m, "subscribers");
	lb_emit_map(m, 0);
	for (i = 0; i < c->nb_subs; i++) {
		lb_emit_str(m, c->subs[i].name);
		lb_emit_seq(m);
		for (j = 0; j < c->nb_sub_prefixes; j++) {
			if (c->sub_prefixes[j].sub != i)
				continue;
			lb_prefix_format(&c->sub_prefixes[j].prefix, c->sub_prefixes[j].plen, v,
					 sizeof(v));
			lb_emit_str(m, v);
		}
		lb_emit_seq_end(m);
	}
	lb_emit_map_end(m);
}

static void
lb_emit_shaping(struct lb_emit *m, const struct lb_conf_shaping *sh)
{
	uint32_t i;

	lb_emit_str(m, "shaping");
	lb_emit_map(m, 0);
	lb_emit_str(m, "rate");
	lb_emit_uint(m, sh->rate);
	lb_emit_str(m, "queue_size");
	lb_emit_uint(m, sh->queue_size);
	lb_emit_str(m, "l1_overhead");
	lb_emit_str(m, sh->l1_overhead ? "true" : "false");
	lb_emit_str(m, "pipes");
	lb_emit_map(m, 0);
	for (i = 0; i < sh->nb_pipes; i++) {
		lb_emit_str(m, sh->pipes[i].subscriber);
		lb_emit_map(m, 1);
		lb_emit_str(m, "rate");
		lb_emit_uint(m, sh->pipes[i].rate);
		lb_emit_str(m, "burst");
		lb_emit_uint(m, sh->pipes[i].burst);
		lb_emit_map_end(m);
	}
	lb_emit_map_end(m);
	lb_emit_map_end(m);
}

int
lb_conf_emit(const struct lb_conf *c, char **text, size_t *len)
{
	struct lb_emit m = { 0 };
	yaml_event_t ev;
	uint32_t i;

	*text = NULL;
	*len = 0;
	if (!yaml_emitter_initialize(&m.e))
		return -ENOMEM;
	yaml_emitter_set_output(&m.e, lb_emit_write, &m);
	yaml_emitter_set_width(&m.e, 200);
	yaml_emitter_set_unicode(&m.e, 1);
	lb_emit_event(&m, &ev, yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING));
	lb_emit_event(&m, &ev, yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 1));
	lb_emit_map(&m, 0);
	if (c->generation) {
		lb_emit_str(&m, "generation");
		lb_emit_uint(&m, c->generation);
	}
	lb_emit_str(&m, "pools");
	lb_emit_map(&m, 0);
	for (i = 0; i < c->nb_pools; i++)
		lb_emit_pool(&m, &c->pools[i]);
	lb_emit_map_end(&m);
	lb_emit_str(&m, "services");
	lb_emit_seq(&m);
	for (i = 0; i < c->nb_services; i++)
		lb_emit_service(&m, c, &c->services[i]);
	lb_emit_seq_end(&m);
	if (c->nb_limits) {
		lb_emit_str(&m, "limits");
		lb_emit_map(&m, 0);
		for (i = 0; i < c->nb_limits; i++)
			lb_emit_limit(&m, &c->limits[i]);
		lb_emit_map_end(&m);
	}
	if (c->nb_meter_profiles) {
		lb_emit_str(&m, "meter_profiles");
		lb_emit_map(&m, 0);
		for (i = 0; i < c->nb_meter_profiles; i++) {
			lb_emit_str(&m, c->meter_profiles[i].name);
			lb_emit_map(&m, 0);
			lb_emit_str(&m, "algorithm");
			lb_emit_str(&m, lb_limit_algo_name(c->meter_profiles[i].algo));
			lb_emit_meter(&m, &c->meter_profiles[i]);
			lb_emit_map_end(&m);
		}
		lb_emit_map_end(&m);
	}
	if (c->nb_subs)
		lb_emit_subs(&m, c);
	if (c->shaping.rate)
		lb_emit_shaping(&m, &c->shaping);
	lb_emit_map_end(&m);
	lb_emit_event(&m, &ev, yaml_document_end_event_initialize(&ev, 1));
	lb_emit_event(&m, &ev, yaml_stream_end_event_initialize(&ev));
	if (!m.failed && !yaml_emitter_flush(&m.e))
		m.failed = 1;
	yaml_emitter_delete(&m.e);
	if (m.failed || !m.buf) {
		free(m.buf);
		return -ENOMEM;
	}
	*text = m.buf;
	*len = m.len;
	return 0;
}
