/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lb_conf: the load balancer's configuration model and its YAML file.
 *
 * Pools of backends and the services (VIPs) that use them (DESIGN.md section 7). The
 * model is what the dataplane builds its tables from; the file is how an operator writes
 * it until sluiced owns the configuration (which will push the same model over the
 * dataplane's socket). A file is checked as a whole: the first problem is refused with
 * "file:line: what: why" and nothing of the file is used, so a running config is never
 * half replaced. Unknown keys are refused too: a typo must not silently mean a default.
 *
 *   generation: 42                # optional: written by sluiced when it saves its state
 *   pools:
 *     web:
 *       maglev_size: 65537          # optional; prime
 *       check: { type: http, port: 80, path: /, status: 200,
 *                inter_ms: 2000, timeout_ms: 1000, rise: 2, fall: 3 }
 *                                   # optional, sluiced's health check: tcp, http, udp
 *                                   # (send: "...", expect: "..."), none (the default)
 *       backends:
 *         - { address: 198.18.1.11:80, weight: 1, state: ready }
 *         - address: "[2001:db8:1::11]:80"
 *   services:
 *     - vip: 198.18.0.100:80/tcp    # ADDR:PORT/PROTO; ADDR:*\/PROTO for any port
 *       pool: web
 *       policy: maglev              # rr wrr sticky source-hash maglev least-conn
 *                                   # least-latency random-p2c
 *       mode: fnat                  # fnat dsr dsr-ipip
 *       sticky_ttl: 300             # seconds, sticky only
 *       mss: 1440                   # optional: clamp the MSS of the flow's SYNs
 *   limits:                         # rate limits (common/police.h, docs/limits.md)
 *     per-client:
 *       service: 198.18.0.100:80/tcp  # optional: this service's packets only
 *       from: 198.18.0.0/24         # optional: clients in this prefix only
 *       key: source                 # source | prefix (prefix4: 24, prefix6: 64) | service
 *                                   # | subscriber
 *       algorithm: token-bucket     # token-bucket leaky-bucket fixed-window sliding-log
 *                                   # sliding-window
 *       unit: connections           # packets bytes connections
 *       rate: 10                    # buckets: per second, with burst
 *       burst: 20
 *       limit: 100                  # windows: per window_ms
 *       window_ms: 1000
 *       action: drop                # drop | remark (dscp: N) | count
 *       priority: 100               # lower first; overlapping limits need different ones
 *       max_keys: 65536             # keys kept per worker (least recently used recycled)
 *     trunk:                        # a three-colour meter: srtcm (cir, cbs, ebs), trtcm
 *       algorithm: trtcm            # (cir, cbs, pir, pbs), trtcm-rfc4115 (cir, cbs, eir,
 *       cir: 1250000                # ebs); bytes per second and bytes; unit is bytes
 *       cbs: 15000
 *       pir: 2500000
 *       pbs: 30000
 *       yellow: remark              # green, yellow, red: transmit | remark | drop
 *       yellow_dscp: 12             #   (defaults: transmit, transmit, drop)
 *       colour_aware: true          # input colour from the DSCP; l1_overhead: true
 *     acme-cap:
 *       key: subscriber             # one budget per subscriber (subscriber: NAME: one)
 *       ...
 *     gold-meter:
 *       profile: gold               # a meter profile's numbers (meter_profiles:)
 *   meter_profiles:                 # meters defined once, used by any number of limits
 *     gold: { algorithm: trtcm, cir: 1250000, cbs: 15000, pir: 2500000, pbs: 30000 }
 *   subscribers:                    # names for client prefixes (the longest match wins)
 *     acme: [198.18.0.0/28, "2001:db8:100::/48"]
 *     globex: 198.18.0.16/28
 *   shaping:                        # rte_sched on what is sent to subscribers' addresses
 *     rate: 125000000               # bytes per second: the aggregate (per port)
 *     queue_size: 64                # packets per queue (a power of 2); l1_overhead: true
 *     pipes:                        # one per subscriber shaped
 *       acme: { rate: 1250000, burst: 15000 }
 *
 * The model is shared by the dataplane (which builds its tables from it), sluiced (which
 * owns it, changes it for sluicectl, saves it with lb_conf_emit and pushes that text to
 * the dataplane) and sluicectl (config check). The same parser reads the operator's file,
 * sluiced's state file and sluiced's pushes, so the three cannot disagree.
 *
 * Context: control side (may allocate, read files).
 */
#ifndef SL_LB_CONF_H
#define SL_LB_CONF_H

#include <stddef.h>
#include <stdint.h>

#define LB_CONF_NAME_MAX      32
#define LB_CONF_POOLS_MAX     1024
#define LB_CONF_BACKENDS_MAX  4096      /* per pool */
#define LB_CONF_SERVICES_MAX  4096
#define LB_CONF_WEIGHT_MAX    256
#define LB_CONF_MAGLEV_DEFAULT 65537u
#define LB_CONF_MAGLEV_MAX    1048573u  /* the largest prime below 2^20 */
#define LB_CONF_CHECK_TEXT_MAX 128
#define LB_CONF_LIMITS_MAX    64
#define LB_CONF_LIMIT_KEYS_DEFAULT 65536u
#define LB_CONF_LIMIT_KEYS_MAX (16u << 20)      /* per worker */
#define LB_CONF_LIMIT_PRIORITY_DEFAULT 100u
#define LB_CONF_SUBSCRIBERS_MAX 4096
#define LB_CONF_SUB_PREFIXES_MAX 65536  /* every subscriber's together */
#define LB_CONF_SHAPING_QSIZE_DEFAULT 64

enum lb_policy {
	LB_POLICY_RR,
	LB_POLICY_WRR,
	LB_POLICY_STICKY,
	LB_POLICY_SOURCE_HASH,
	LB_POLICY_MAGLEV,
	LB_POLICY_LEAST_CONN,
	LB_POLICY_LEAST_LATENCY,
	LB_POLICY_RANDOM_P2C,
	LB_POLICY__MAX
};

enum lb_mode {
	LB_MODE_FNAT,
	LB_MODE_DSR,
	LB_MODE_DSR_IPIP,
	LB_MODE__MAX
};

enum lb_backend_state {
	LB_BACKEND_READY,
	LB_BACKEND_DRAIN,       /* no new flows; established ones stay */
	LB_BACKEND_MAINT,       /* out */
	LB_BACKEND__MAX
};

enum lb_check_type {
	LB_CHECK_NONE,          /* backends are taken as up */
	LB_CHECK_TCP,           /* a connect that completes */
	LB_CHECK_HTTP,          /* GET path: the status wanted (0: any 2xx or 3xx) */
	LB_CHECK_UDP,           /* send a datagram, a reply beginning with expect */
	LB_CHECK__MAX
};

/* A pool's health check, run by sluiced through kernel sockets (HAProxy's inter, rise,
 * fall: a backend goes down after fall failures in a row, up after rise successes). */
struct lb_conf_check {
	uint8_t type;           /* enum lb_check_type */
	uint8_t rise;           /* 1..100, default 2 */
	uint8_t fall;           /* 1..100, default 3 */
	uint16_t port;          /* 0: the backend's port */
	uint16_t status;        /* http */
	uint32_t inter_ms;      /* 100..3600000, default 2000 */
	uint32_t timeout_ms;    /* 10..inter_ms, default min(1000, inter_ms) */
	char path[LB_CONF_CHECK_TEXT_MAX];      /* http, default "/" */
	char send[LB_CONF_CHECK_TEXT_MAX];      /* udp */
	char expect[LB_CONF_CHECK_TEXT_MAX];    /* udp; empty: any reply */
	int line;
};

struct lb_addr {
	int family;             /* AF_INET or AF_INET6 */
	uint8_t addr[16];       /* network order; IPv4 in the first 4 bytes */
	uint16_t port;          /* host order; 0: any (services) / the service's (backends) */
};

struct lb_conf_backend {
	struct lb_addr addr;
	uint16_t weight;        /* 0..LB_CONF_WEIGHT_MAX; 0 drains */
	uint8_t state;          /* enum lb_backend_state */
	int line;
};

struct lb_conf_pool {
	char name[LB_CONF_NAME_MAX];
	uint32_t maglev_size;
	struct lb_conf_check check;
	struct lb_conf_backend *backends;
	uint32_t nb_backends;
	int line;
};

struct lb_conf_service {
	uint8_t proto;          /* IPPROTO_TCP or IPPROTO_UDP */
	struct lb_addr vip;     /* port 0: any port */
	uint32_t pool;          /* index in lb_conf.pools */
	uint8_t policy;         /* enum lb_policy */
	uint8_t mode;           /* enum lb_mode */
	uint32_t sticky_ttl_s;
	uint16_t mss;           /* clamp TCP MSS options of the flow's SYNs to this; 0: no */
	int line;
};

enum lb_limit_key {
	LB_LIMIT_KEY_SOURCE,    /* the client's address */
	LB_LIMIT_KEY_PREFIX,    /* the client's address cut to prefix4 / prefix6 */
	LB_LIMIT_KEY_SERVICE,   /* the service: one budget for all its clients */
	LB_LIMIT_KEY_SUBSCRIBER,        /* the subscriber the client's prefix maps to */
	LB_LIMIT_KEY__MAX
};

/* lb_conf_limit.algo past enum police_algo: the three-colour meters (dataplane/meter.h),
 * whose numbers are the RFCs' (bytes per second and bytes) and whose actions are per
 * colour. */
#define LB_LIMIT_SRTCM          16      /* RFC 2697 */
#define LB_LIMIT_TRTCM          17      /* RFC 2698 */
#define LB_LIMIT_TRTCM_RFC4115  18      /* RFC 4115 */
#define LB_LIMIT_IS_METER(a)    ((a) >= LB_LIMIT_SRTCM)

/* A colour's action (the order of dataplane/meter.h's enum meter_action). */
enum lb_colour_action {
	LB_COLOUR_TRANSMIT,
	LB_COLOUR_REMARK,
	LB_COLOUR_DROP,
	LB_COLOUR_ACTION__MAX
};

enum lb_limit_action {
	LB_LIMIT_DROP,
	LB_LIMIT_REMARK,        /* set the DSCP to dscp and forward */
	LB_LIMIT_COUNT,         /* count only (shadow mode) */
	LB_LIMIT_ACTION__MAX
};

/* A rate limit: which packets it sees (a service, a client prefix, or all balanced
 * packets), what it keys its budget by, the algorithm and its numbers, what happens over
 * the limit. */
struct lb_conf_limit {
	char name[LB_CONF_NAME_MAX];
	uint8_t algo;           /* enum police_algo */
	uint8_t unit;           /* enum police_unit */
	uint8_t key;            /* enum lb_limit_key */
	uint8_t action;         /* enum lb_limit_action */
	uint8_t dscp;           /* remark: 0..63 */
	uint8_t prefix4, prefix6;       /* key prefix: lengths (default 24, 64) */
	uint8_t has_service, has_from;
	uint8_t proto;          /* the service's, when has_service */
	char subscriber[LB_CONF_NAME_MAX];      /* clients of this subscriber only; "": any */
	char profile[LB_CONF_NAME_MAX]; /* a meter whose numbers are this meter profile's
					 * (lb_conf.meter_profiles), copied in by
					 * lb_conf_resolve; "": its own */
	struct lb_addr vip;     /* the service, when has_service */
	struct lb_addr from;    /* clients from this prefix, when has_from (port unused) */
	uint8_t from_plen;
	uint64_t rate;          /* buckets: units per second */
	uint64_t burst;         /* buckets: units */
	uint64_t limit;         /* windows: units per window */
	uint32_t window_ms;     /* windows */
	uint32_t priority;      /* lower runs first */
	uint32_t max_keys;      /* per worker */
	/* meters: bytes per second, bytes; per colour (green, yellow, red) an action and
	 * the DSCP a remark writes */
	uint64_t cir, cbs, ebs, pir, pbs, eir;
	uint8_t colour_aware;   /* the input colour from the DSCP (RFC 2597 drop precedence) */
	uint8_t l1_overhead;    /* meter 24 bytes more per packet (preamble, gap, FCS) */
	uint8_t colour_action[3];       /* enum lb_colour_action */
	uint8_t colour_dscp[3];
	int line;
};

/* A subscriber: a name for the client prefixes mapped to it (the longest match wins). */
struct lb_conf_subscriber {
	char name[LB_CONF_NAME_MAX];
	int line;
};

struct lb_conf_sub_prefix {
	struct lb_addr prefix;  /* port unused */
	uint8_t plen;
	uint32_t sub;           /* index in lb_conf.subs */
	int line;
};

/* Shaping (rte_sched) of what the dataplane sends to a subscriber's addresses: a pipe per
 * subscriber named, one subport (the aggregate) per port. */
struct lb_conf_pipe {
	char subscriber[LB_CONF_NAME_MAX];
	uint64_t rate;          /* bytes per second */
	uint64_t burst;         /* bytes */
	int line;
};

struct lb_conf_shaping {
	uint64_t rate;          /* bytes per second: the aggregate; 0: no shaping */
	uint16_t queue_size;    /* packets per queue: a power of 2 */
	uint8_t l1_overhead;    /* count 24 bytes more per frame (preamble, gap, FCS) */
	struct lb_conf_pipe *pipes;
	uint32_t nb_pipes;
	int line;
};

struct lb_conf {
	uint64_t generation;    /* sluiced's, when it wrote the text; 0: none */
	struct lb_conf_pool *pools;
	uint32_t nb_pools;
	struct lb_conf_service *services;
	uint32_t nb_services;
	struct lb_conf_limit *limits;
	uint32_t nb_limits;
	struct lb_conf_limit *meter_profiles;   /* by name: algo, unit and the meter
						 * fields only */
	uint32_t nb_meter_profiles;
	struct lb_conf_subscriber *subs;
	uint32_t nb_subs;
	struct lb_conf_sub_prefix *sub_prefixes;
	uint32_t nb_sub_prefixes;
	uint32_t sub_prefixes_cap;      /* the parser's room */
	struct lb_conf_shaping shaping;
};

/*
 * Parses and checks YAML text (name: the file name used in messages). Returns 0 and
 * fills c, or -EINVAL with "name:line: what: why" in err and c empty.
 */
int lb_conf_parse(const char *name, const char *text, size_t len, struct lb_conf *c,
		  char *err, size_t errlen);
/* The same from a file. */
int lb_conf_load(const char *path, struct lb_conf *c, char *err, size_t errlen);
void lb_conf_free(struct lb_conf *c);

/*
 * The checks that need the whole model (services' pools exist, address families and
 * ports fit the mode, no service twice, no backend twice or a VIP). name prefixes the
 * message ("file:line: ..." for parsed objects, "name: ..." for ones without a line).
 * Returns 0 or -EINVAL with the message in err.
 */
int lb_conf_check(const struct lb_conf *c, const char *name, char *err, size_t errlen);

/*
 * The model as YAML text that lb_conf_parse reads back to the same model (lines aside):
 * sluiced's state file and its pushes to the dataplane. Returns 0 with a malloc'd,
 * NUL-terminated text in *text, or -ENOMEM.
 */
int lb_conf_emit(const struct lb_conf *c, char **text, size_t *len);

/* A deep copy (dst is overwritten). Returns 0 or -ENOMEM with dst empty. */
int lb_conf_copy(struct lb_conf *dst, const struct lb_conf *src);

/* Index of the pool named name, or -1. */
int lb_conf_pool_find(const struct lb_conf *c, const char *name);
/* Index of the service (proto, vip), or -1. */
int lb_conf_service_find(const struct lb_conf *c, uint8_t proto, const struct lb_addr *vip);

/*
 * One address as written in the file: "ADDR:PORT", "[V6]:PORT", "ADDR:*" (any port; only
 * if allow_any) or "ADDR" (port 0; only if allow_bare). what names it in the message
 * ("backend '...': why"). Returns 0 or -EINVAL with the message in err.
 */
int lb_addr_parse(const char *what, const char *s, int allow_any, int allow_bare,
		  struct lb_addr *a, char *err, size_t errlen);
/* A service's key, "ADDR:PORT/tcp" or "/udp", the same way. */
int lb_vip_parse(const char *s, uint8_t *proto, struct lb_addr *vip, char *err, size_t errlen);

/* Names and their parsers (-1: not a name). */
const char *lb_policy_name(enum lb_policy p);
const char *lb_mode_name(enum lb_mode m);
const char *lb_backend_state_name(enum lb_backend_state s);
const char *lb_check_type_name(enum lb_check_type t);
int lb_policy_parse(const char *s);
int lb_mode_parse(const char *s);
int lb_backend_state_parse(const char *s);
int lb_check_type_parse(const char *s);
/* Fills ck with the defaults of a check of type t. */
void lb_check_default(struct lb_conf_check *ck, enum lb_check_type t);
/* Whether m is a size a Maglev table may have (a prime, 2..LB_CONF_MAGLEV_MAX). */
int lb_conf_maglev_size_ok(uint32_t m);

/* A client prefix "198.18.0.0/24", "2001:db8::/64" (a bare address: the host). Host bits
 * set are refused (the message says which prefix was meant). */
int lb_prefix_parse(const char *what, const char *s, struct lb_addr *a, uint8_t *plen,
		    char *err, size_t errlen);
void lb_prefix_format(const struct lb_addr *a, uint8_t plen, char *buf, size_t len);
const char *lb_limit_key_name(enum lb_limit_key k);
const char *lb_limit_action_name(enum lb_limit_action a);
int lb_limit_key_parse(const char *s);
/* A limit's algorithm: police.h's names and srtcm, trtcm, trtcm-rfc4115. */
const char *lb_limit_algo_name(unsigned int algo);
int lb_limit_algo_parse(const char *s);
const char *lb_colour_action_name(enum lb_colour_action a);
int lb_colour_action_parse(const char *s);
int lb_limit_action_parse(const char *s);
/* Index of the limit named name, or -1. */
int lb_conf_limit_find(const struct lb_conf *c, const char *name);
/* Index of the meter profile named name, or -1. */
int lb_conf_profile_find(const struct lb_conf *c, const char *name);
/*
 * Copies each profile-referencing limit's meter numbers from its profile (the parser
 * does it for a file; a command that sets a profile does it before the check). Returns
 * 0, or -EINVAL with "name:line: limit X: meter profile Y is not defined (...)".
 */
int lb_conf_resolve(struct lb_conf *c, const char *name, char *err, size_t errlen);
/* Index of the subscriber named name, or -1. */
int lb_conf_sub_find(const struct lb_conf *c, const char *name);

/* "198.18.0.100:80" / "[2001:db8::100]:80" / "198.18.0.100:*" */
void lb_addr_format(const struct lb_addr *a, char *buf, size_t len);
/* "198.18.0.100:80/tcp" */
void lb_vip_format(uint8_t proto, const struct lb_addr *vip, char *buf, size_t len);

#endif /* SL_LB_CONF_H */
