/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_lb_conf: the services-and-pools file (dataplane/lb_conf.c). A good file fills
 * every field it names and defaults the rest; each bad one is refused as a whole with
 * "name:line: what: why" naming the right line — unknown keys, bad addresses, ports,
 * weights, states, policies (url-hash says why), modes, a pool that does not exist, a
 * duplicate service, a backend that is a VIP or listed twice, mixed families, a table
 * size that is not prime, and text that is not YAML.
 *
 * Context: test process; no EAL.
 */
#include <CUnit/Basic.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "lb_conf.h"
#include "cunit_main.h"

static char err[512];

static int
parse(const char *text, struct lb_conf *c)
{
	err[0] = '\0';
	return lb_conf_parse("lab.yaml", text, strlen(text), c, err, sizeof(err));
}

static const char good[] =
	"# the lab\n"
	"pools:\n"
	"  web:\n"
	"    backends:\n"
	"      - { address: 198.18.1.11:80, weight: 2 }\n"
	"      - address: 198.18.1.12:80\n"
	"        state: drain\n"
	"      - 198.18.1.13:80\n"
	"  web6:\n"
	"    maglev_size: 251\n"
	"    backends: [ \"[2001:db8:1::11]:80\", \"[2001:db8:1::12]\" ]\n"
	"services:\n"
	"  - vip: 198.18.0.100:80/tcp\n"
	"    pool: web\n"
	"  - vip: \"[2001:db8::100]:80/tcp\"\n"
	"    pool: web6\n"
	"    policy: sticky\n"
	"    mode: dsr\n"
	"  - vip: 198.18.0.100:53/udp\n"
	"    pool: web\n"
	"    policy: least-latency\n";

static void
test_good_file(void)
{
	struct lb_conf c;
	char a[64];

	CU_ASSERT_EQUAL_FATAL(parse(good, &c), 0);
	CU_ASSERT_EQUAL(c.nb_pools, 2);
	CU_ASSERT_STRING_EQUAL(c.pools[0].name, "web");
	CU_ASSERT_EQUAL(c.pools[0].maglev_size, LB_CONF_MAGLEV_DEFAULT);
	CU_ASSERT_EQUAL(c.pools[0].nb_backends, 3);
	CU_ASSERT_EQUAL(c.pools[0].backends[0].weight, 2);
	CU_ASSERT_EQUAL(c.pools[0].backends[0].state, LB_BACKEND_READY);
	CU_ASSERT_EQUAL(c.pools[0].backends[1].weight, 1);
	CU_ASSERT_EQUAL(c.pools[0].backends[1].state, LB_BACKEND_DRAIN);
	CU_ASSERT_EQUAL(c.pools[0].backends[2].addr.port, 80);
	CU_ASSERT_EQUAL(c.pools[0].backends[2].line, 8);
	CU_ASSERT_EQUAL(c.pools[1].maglev_size, 251);
	CU_ASSERT_EQUAL(c.pools[1].backends[1].addr.port, 0);   /* the service's port */
	lb_addr_format(&c.pools[1].backends[0].addr, a, sizeof(a));
	CU_ASSERT_STRING_EQUAL(a, "[2001:db8:1::11]:80");
	CU_ASSERT_EQUAL(c.nb_services, 3);
	CU_ASSERT_EQUAL(c.services[0].proto, IPPROTO_TCP);
	CU_ASSERT_EQUAL(c.services[0].vip.port, 80);
	CU_ASSERT_EQUAL(c.services[0].pool, 0);
	CU_ASSERT_EQUAL(c.services[0].policy, LB_POLICY_MAGLEV);       /* defaults */
	CU_ASSERT_EQUAL(c.services[0].mode, LB_MODE_FNAT);
	CU_ASSERT_EQUAL(c.services[1].vip.family, AF_INET6);
	CU_ASSERT_EQUAL(c.services[1].policy, LB_POLICY_STICKY);
	CU_ASSERT_EQUAL(c.services[1].sticky_ttl_s, 300);
	CU_ASSERT_EQUAL(c.services[1].mode, LB_MODE_DSR);
	CU_ASSERT_EQUAL(c.services[2].proto, IPPROTO_UDP);
	CU_ASSERT_EQUAL(c.services[2].policy, LB_POLICY_LEAST_LATENCY);
	lb_conf_free(&c);
}

struct bad {
	const char *text;
	const char *want;       /* the message must contain this */
};

#define P "pools:\n  web:\n    backends: [198.18.1.11:80]\n"

static const struct bad bads[] = {
	{ "pools: {}\nservice: []\n", "lab.yaml:2: unknown key 'service' (pools, services)" },
	{ P "services:\n  - vip: 198.18.0.100:80/tcp\n    pool: wbe\n",
	  "lab.yaml:6: service: pool 'wbe' is not defined" },
	{ P "services:\n  - vip: 198.18.0.100:80/tcp\n", "lab.yaml:5: service: no pool" },
	{ P "services:\n  - vip: 198.18.0.100:80/tcp\n    pool: web\n    policy: url-hash\n",
	  "lab.yaml:7: policy url-hash needs an HTTP-aware service" },
	{ P "services:\n  - vip: 198.18.0.100:80/tcp\n    pool: web\n    policy: fastest\n",
	  "lab.yaml:7: policy 'fastest': want rr, wrr" },
	{ P "services:\n  - vip: 198.18.0.100:80/tcp\n    pool: web\n    mode: nat\n",
	  "lab.yaml:7: mode 'nat': want fnat, dsr or dsr-ipip" },
	{ P "services:\n  - vip: 198.18.0.100:80/sctp\n    pool: web\n",
	  "lab.yaml:5: vip '198.18.0.100:80/sctp': want ADDR:PORT/tcp or /udp" },
	{ P "services:\n  - vip: 198.18.0.300:80/tcp\n    pool: web\n",
	  "lab.yaml:5: vip '198.18.0.300:80': '198.18.0.300' is not an IPv4 or IPv6 address" },
	{ P "services:\n  - vip: 198.18.0.100:0/tcp\n    pool: web\n",
	  "lab.yaml:5: vip '198.18.0.100:0': port must be 1 to 65535 or *" },
	{ P "services:\n  - vip: 2001:db8::100:80/tcp\n    pool: web\n",
	  "write IPv6 as [ADDR]:PORT" },
	{ P "services:\n  - vip: 198.18.0.100:80/tcp\n    pool: web\n"
	    "  - vip: 198.18.0.100:80/tcp\n    pool: web\n",
	  "lab.yaml:7: service 198.18.0.100:80/tcp: already defined at line 5" },
	{ "pools:\n  web:\n    backends: [198.18.0.100:80]\n"
	  "services:\n  - vip: 198.18.0.100:80/tcp\n    pool: web\n",
	  "lab.yaml:3: pool web: backend 198.18.0.100:80 is the address of the service at line 5" },
	{ "pools:\n  web:\n    backends: [198.18.1.11:80, 198.18.1.11:80]\n",
	  "lab.yaml:3: pool web: backend 198.18.1.11:80 is listed twice" },
	{ "pools:\n  web:\n    backends: [\"[2001:db8:1::11]:80\"]\n"
	  "services:\n  - vip: 198.18.0.100:80/tcp\n    pool: web\n",
	  "backend [2001:db8:1::11]:80 is IPv6, the service at line 5 is IPv4" },
	{ "pools:\n  web:\n    backends:\n      - { address: 198.18.1.11:80, weight: 257 }\n",
	  "lab.yaml:4: weight: '257' is not a whole number from 0 to 256" },
	{ "pools:\n  web:\n    backends:\n      - { address: 198.18.1.11:80, state: down }\n",
	  "lab.yaml:4: state 'down': want ready, drain or maint" },
	{ "pools:\n  web:\n    backends:\n      - { adress: 198.18.1.11:80 }\n",
	  "lab.yaml:4: backend: unknown key 'adress'" },
	{ "pools:\n  web:\n    maglev_size: 65536\n    backends: []\n",
	  "lab.yaml:3: pool web: maglev_size 65536 is not prime" },
	{ "pools:\n  web:\n    backends: [198.18.1.11:*]\n",
	  "'*' (any port) is only for services" },
	{ "pools:\n  web:\n    backends: [198.18.1.11]\n"
	  "services:\n  - vip: 198.18.0.100:*/udp\n    pool: web\n",
	  "backend 198.18.1.11:* has no port and the service at line 5 takes any port" },
	{ "pools:\n  web: {backends: []}\n  web: {backends: []}\n", "lab.yaml:3: pool web: defined twice" },
	{ "pools: [\n", "lab.yaml:2: not valid YAML" },
	{ "", "lab.yaml:0: empty file" },
	{ "- 1\n- 2\n", "lab.yaml:1: want a mapping with pools and services" },
	{ P "services:\n  - vip: 198.18.0.100:80/tcp\n    pool: web\n    sticky_ttl: 30\n",
	  "lab.yaml:7: sticky_ttl is for policy sticky only" },
};

static void
test_bad_files(void)
{
	unsigned int i;

	for (i = 0; i < sizeof(bads) / sizeof(bads[0]); i++) {
		struct lb_conf c;
		int rc = parse(bads[i].text, &c);

		CU_ASSERT(rc < 0);
		CU_ASSERT_PTR_NOT_NULL(strstr(err, bads[i].want));
		CU_ASSERT_PTR_NULL(strchr(err, '\n'));
		CU_ASSERT_EQUAL(c.nb_pools + c.nb_services, 0);         /* refused as a whole */
		if (rc >= 0 || !strstr(err, bads[i].want))
			printf("\n  case %u: rc %d, message '%s', want '%s'", i, rc, err, bads[i].want);
	}
}

static void
test_load_missing_file(void)
{
	struct lb_conf c;

	CU_ASSERT(lb_conf_load("/nonexistent/sluice.yaml", &c, err, sizeof(err)) < 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "/nonexistent/sluice.yaml: No such file"));
}

static const struct unit_test tests[] = {
	UNIT_TEST(test_good_file),
	UNIT_TEST(test_bad_files),
	UNIT_TEST(test_load_missing_file),
	{ NULL, NULL },
};

int
main(void)
{
	return unit_run("lb_conf", tests, NULL, NULL);
}
