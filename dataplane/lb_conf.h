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
 *   pools:
 *     web:
 *       maglev_size: 65537          # optional; prime
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

struct lb_conf {
	struct lb_conf_pool *pools;
	uint32_t nb_pools;
	struct lb_conf_service *services;
	uint32_t nb_services;
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

const char *lb_policy_name(enum lb_policy p);
const char *lb_mode_name(enum lb_mode m);
const char *lb_backend_state_name(enum lb_backend_state s);
/* "198.18.0.100:80" / "[2001:db8::100]:80" / "198.18.0.100:*" */
void lb_addr_format(const struct lb_addr *a, char *buf, size_t len);

#endif /* SL_LB_CONF_H */
