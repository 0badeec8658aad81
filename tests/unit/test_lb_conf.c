/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_lb_conf: the services-and-pools file (common/lb_conf.c, lb_conf_model.c). A good file fills
 * every field it names and defaults the rest; each bad one is refused as a whole with
 * "name:line: what: why" naming the right line — unknown keys, bad addresses, ports,
 * weights, states, policies (url-hash says why), modes, a pool that does not exist, a
 * duplicate service, a backend that is a VIP or listed twice, mixed families, a table
 * size that is not prime, and text that is not YAML. Health checks take their defaults and
 * refuse options of another type. What lb_conf_emit writes reads back to the same model,
 * IPv6 and odd pool names included, and objects a command made (line 0) are named in
 * messages instead of a line.
 *
 * Context: test process; no EAL.
 */
#include <CUnit/Basic.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lb_conf.h"
#include "police.h"
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
	"    policy: least-latency\n"
	"limits:\n"
	"  per-client:\n"
	"    service: 198.18.0.100:80/tcp\n"
	"    algorithm: token-bucket\n"
	"    unit: connections\n"
	"    rate: 5\n"
	"    burst: 10\n"
	"  subnet6:\n"
	"    from: 2001:db8::/48\n"
	"    key: prefix\n"
	"    prefix6: 56\n"
	"    algorithm: sliding-log\n"
	"    limit: 100\n"
	"    window_ms: 2000\n"
	"    action: remark\n"
	"    dscp: 8\n"
	"    priority: 10\n"
	"  acme-cap:\n"
	"    subscriber: acme\n"
	"    key: subscriber\n"
	"    algorithm: token-bucket\n"
	"    unit: bytes\n"
	"    rate: 1250000\n"
	"    burst: 15000\n"
	"    priority: 20\n"
	"subscribers:\n"
	"  acme: [198.18.0.0/28, \"2001:db8:100::/48\"]\n"
	"  globex: 198.18.0.8/29\n"
	"shaping:\n"
	"  rate: 125000000\n"
	"  queue_size: 128\n"
	"  l1_overhead: true\n"
	"  pipes:\n"
	"    acme: { rate: 1250000, burst: 15000 }\n"
	"    globex: { rate: 2500000, burst: 30000 }\n";

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
	CU_ASSERT_EQUAL_FATAL(c.nb_limits, 3);
	CU_ASSERT_STRING_EQUAL(c.limits[2].subscriber, "acme");
	CU_ASSERT_EQUAL(c.limits[2].key, LB_LIMIT_KEY_SUBSCRIBER);
	/* subscribers: names, their prefixes (a scalar or a list) */
	CU_ASSERT_EQUAL_FATAL(c.nb_subs, 2);
	CU_ASSERT_STRING_EQUAL(c.subs[1].name, "globex");
	CU_ASSERT_EQUAL_FATAL(c.nb_sub_prefixes, 3);
	CU_ASSERT_EQUAL(c.sub_prefixes[1].prefix.family, AF_INET6);
	CU_ASSERT_EQUAL(c.sub_prefixes[1].plen, 48);
	CU_ASSERT_EQUAL(c.sub_prefixes[1].sub, 0);
	CU_ASSERT_EQUAL(c.sub_prefixes[2].sub, 1);
	CU_ASSERT_EQUAL(c.sub_prefixes[2].plen, 29);
	/* shaping */
	CU_ASSERT_EQUAL(c.shaping.rate, 125000000);
	CU_ASSERT_EQUAL(c.shaping.queue_size, 128);
	CU_ASSERT_EQUAL(c.shaping.l1_overhead, 1);
	CU_ASSERT_EQUAL_FATAL(c.shaping.nb_pipes, 2);
	CU_ASSERT_STRING_EQUAL(c.shaping.pipes[1].subscriber, "globex");
	CU_ASSERT_EQUAL(c.shaping.pipes[1].rate, 2500000);
	CU_ASSERT_EQUAL(c.shaping.pipes[1].burst, 30000);
	CU_ASSERT_STRING_EQUAL(c.limits[0].name, "per-client");
	CU_ASSERT(c.limits[0].has_service && !c.limits[0].has_from);
	CU_ASSERT_EQUAL(c.limits[0].key, LB_LIMIT_KEY_SOURCE);          /* defaults */
	CU_ASSERT_EQUAL(c.limits[0].action, LB_LIMIT_DROP);
	CU_ASSERT_EQUAL(c.limits[0].priority, LB_CONF_LIMIT_PRIORITY_DEFAULT);
	CU_ASSERT_EQUAL(c.limits[0].max_keys, LB_CONF_LIMIT_KEYS_DEFAULT);
	CU_ASSERT_EQUAL(c.limits[0].unit, POLICE_CONNS);
	CU_ASSERT_EQUAL(c.limits[0].rate, 5);
	CU_ASSERT_EQUAL(c.limits[0].burst, 10);
	CU_ASSERT_EQUAL(c.limits[1].algo, POLICE_SLIDING_LOG);
	CU_ASSERT_EQUAL(c.limits[1].from_plen, 48);
	CU_ASSERT_EQUAL(c.limits[1].prefix6, 56);
	CU_ASSERT_EQUAL(c.limits[1].prefix4, 24);
	CU_ASSERT_EQUAL(c.limits[1].dscp, 8);
	CU_ASSERT_EQUAL(c.limits[1].window_ms, 2000);
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
	{ "pools: {}\nservice: []\n", "lab.yaml:2: unknown key 'service' (pools, services, limits, "
	  "meter_profiles, subscribers, shaping, generation)" },
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
	{ P "    check: { type: http, send: x }\n", "lab.yaml:4: pool web: check: 'send' is not an "
	  "option of a http check (port, inter_ms, timeout_ms, rise, fall, path, status)" },
	{ P "    check: { port: 80 }\n", "lab.yaml:4: pool web: check: no type" },
	{ P "    check: { type: tcp, inter_ms: 500, timeout_ms: 600 }\n",
	  "lab.yaml:4: check timeout_ms 600: at most inter_ms (500)" },
	{ P "    check: { type: http, path: nope }\n", "check path 'nope': want /..., without" },
	{ P "    check: { type: udp, send: \"a\\tb\" }\n", "check send: printable ASCII only" },
	{ P "    check: { type: tcp, rise: 0 }\n", "lab.yaml:4: check rise: 1 to 100" },
	{ "generation: -1\n", "lab.yaml:1: generation '-1': want a whole number" },
	{ "", "lab.yaml:0: empty file" },
	{ "- 1\n- 2\n", "lab.yaml:1: want a mapping with pools and services" },
	{ P "services:\n  - vip: 198.18.0.100:80/tcp\n    pool: web\n    sticky_ttl: 30\n",
	  "lab.yaml:7: sticky_ttl is for policy sticky only" },
#define L "limits:\n  x:\n"
	{ L "    unit: packets\n", "lab.yaml:3: limit x: no algorithm" },
	{ L "    algorithm: gcra\n", "lab.yaml:3: limit x: algorithm 'gcra': want token-bucket" },
	{ L "    algorithm: token-bucket\n    rate: 0\n    burst: 1\n",
	  "lab.yaml:2: limit x: token-bucket: a rate of zero admits nothing" },
	{ L "    algorithm: token-bucket\n    unit: bytes\n    rate: 1000000\n    burst: 100\n",
	  "limit x: token-bucket: burst 100 bytes: want 1514 (one full-size frame)" },
	{ L "    algorithm: fixed-window\n    limit: 10\n    window_ms: 1000\n    burst: 5\n",
	  "lab.yaml:6: limit x: rate and burst are for the buckets; fixed-window takes limit" },
	{ L "    algorithm: fixed-window\n    limit: 10\n    window_ms: 0\n",
	  "limit x: fixed-window: window 0 ns: want 1 ms to 1 day" },
	{ L "    algorithm: token-bucket\n    rate: 1\n    burst: 1\n    dscp: 4\n",
	  "lab.yaml:6: limit x: dscp is for action remark" },
	{ L "    algorithm: token-bucket\n    rate: 1\n    burst: 1\n    prefix4: 16\n",
	  "lab.yaml:6: limit x: prefix4 and prefix6 are for key prefix" },
	{ L "    service: 198.18.0.101:80/tcp\n    algorithm: token-bucket\n    rate: 1\n"
	    "    burst: 1\n", "lab.yaml:2: limit x: service 198.18.0.101:80/tcp is not defined" },
	{ L "    from: 198.18.0.1/24\n    algorithm: token-bucket\n    rate: 1\n    burst: 1\n",
	  "lab.yaml:3: limit x: from '198.18.0.1/24': host bits set (the prefix is 198.18.0.0/24)" },
	{ L "    algorithm: sliding-log\n    unit: bytes\n    limit: 100000\n    window_ms: 1000\n",
	  "limit x: sliding-log: counts events (packets or connections), not bytes" },
	{ L "    algorithm: token-bucket\n    rate: 1\n    burst: 1\n    rat: 2\n",
	  "lab.yaml:6: limit x: unknown key 'rat'" },
	{ "limits:\n  1x: { algorithm: token-bucket, rate: 1, burst: 1 }\n",
	  "lab.yaml:2: limit name '1x': want 1 to 31 letters, digits, '-', '_' or '.', starting "
	  "with a letter" },
	{ "limits:\n  \"a b\": { algorithm: token-bucket, rate: 1, burst: 1 }\n",
	  "lab.yaml:2: limit name 'a b': want 1 to 31 letters" },
	{ "limits:\n  a: { algorithm: token-bucket, rate: 1, burst: 1, from: 198.18.0.0/16 }\n"
	  "  b: { algorithm: fixed-window, limit: 5, window_ms: 1000, from: 198.18.3.0/24 }\n",
	  "lab.yaml:3: limit b: can apply to the same packets as limit a (line 2) at the same "
	  "priority 100: give one a different priority (lower runs first)" },
	{ L "    algorithm: trtcm\n    cir: 2000\n    cbs: 1514\n    pir: 1000\n    pbs: 1514\n",
	  "lab.yaml:2: limit x: trtcm: pir 1000 below cir 2000 (RFC 2698 needs PIR >= CIR)" },
	{ L "    algorithm: srtcm\n    unit: packets\n    cir: 2000\n    cbs: 1514\n",
	  "limit x: srtcm: meters count bytes: unit must be bytes" },
	{ L "    algorithm: srtcm\n    cbs: 1514\n", "limit x: srtcm: cir (1 to" },
	{ L "    algorithm: srtcm\n    cir: 1000\n    cbs: 1000\n",
	  "cbs and ebs: at least one, each 0 or at least 1514 bytes" },
	{ L "    algorithm: srtcm\n    cir: 1000\n    cbs: 1514\n    l1_overhead: true\n",
	  "at least 1538 bytes" },
	{ L "    algorithm: srtcm\n    cir: 1000\n    cbs: 1514\n    rate: 5\n",
	  "lab.yaml:6: limit x: srtcm is a meter: it takes cir, cbs" },
	{ L "    algorithm: token-bucket\n    rate: 1\n    burst: 1\n    red: drop\n",
	  "lab.yaml:6: limit x: cir, cbs, ..., colours and colour_aware are for the meters" },
	{ L "    algorithm: srtcm\n    cir: 1000\n    cbs: 1514\n    red: police\n",
	  "lab.yaml:6: limit x: red 'police': want transmit, remark or drop" },
	{ L "    algorithm: srtcm\n    cir: 1000\n    cbs: 1514\n    colour_aware: yes\n",
	  "colour_aware 'yes': want true or false" },
	{ L "    algorithm: trtcm-rfc4115\n    cir: 1000\n    cbs: 1514\n    ebs: 1514\n",
	  "cbs at least 1514 bytes; ebs too with an eir, 0 without" },
	{ L "    subscriber: acme\n    algorithm: token-bucket\n    rate: 1\n    burst: 1\n",
	  "lab.yaml:2: limit x: subscriber acme is not defined (subscribers:)" },
	{ L "    key: subscriber\n    algorithm: token-bucket\n    rate: 1\n    burst: 1\n",
	  "lab.yaml:2: limit x: key subscriber, but no subscribers are defined" },
	{ L "    key: client\n", "lab.yaml:3: limit x: key 'client': want source, prefix, "
	  "service or subscriber" },
	{ "limits:\n  a: { subscriber: acme, algorithm: token-bucket, rate: 1, burst: 1 }\n"
	  "  b: { key: subscriber, algorithm: token-bucket, rate: 1, burst: 1 }\n"
	  "subscribers:\n  acme: 198.18.0.0/28\n",
	  "lab.yaml:3: limit b: can apply to the same packets as limit a (line 2)" },
#undef L
#define S "subscribers:\n"
	{ S "  acme: 198.18.0.1/28\n", "lab.yaml:2: subscriber acme: prefix '198.18.0.1/28': "
	  "host bits set (the prefix is 198.18.0.0/28)" },
	{ S "  acme: 198.18.0.0/28\n  globex: [198.18.1.0/24, 198.18.0.0/28]\n",
	  "lab.yaml:3: subscriber globex: prefix 198.18.0.0/28 is already subscriber acme's" },
	{ S "  acme: 198.18.0.0/28\n  acme: 198.18.1.0/28\n",
	  "lab.yaml:3: subscriber acme: defined twice" },
	{ S "  acme: []\n", "lab.yaml:2: subscriber acme: want a prefix or a list of them" },
	{ S "  9acme: 198.18.0.0/28\n", "lab.yaml:2: subscriber name '9acme': want 1 to 31" },
	{ S "  - 198.18.0.0/28\n", "lab.yaml:2: subscribers: want a mapping of name: [prefix" },
#define SH S "  acme: 198.18.0.0/28\nshaping:\n"
	{ SH "  rate: 1000000\n  pipes:\n    globex: { rate: 10000, burst: 1514 }\n",
	  "lab.yaml:6: shaping: pipe globex: no such subscriber (subscribers:)" },
	{ SH "  rate: 1000000\n  pipes:\n    acme: { rate: 2000000, burst: 1514 }\n",
	  "lab.yaml:6: shaping: pipe acme: rate 2000000: want 1514 bytes per second up to the "
	  "aggregate's 1000000" },
	{ SH "  rate: 1000000\n  pipes:\n    acme: { rate: 10000, burst: 1000 }\n",
	  "lab.yaml:6: shaping: pipe acme: burst 1000: want 1514 bytes (a full-size frame)" },
	{ SH "  rate: 1000000\n  queue_size: 100\n  pipes:\n    acme: { rate: 10000, burst: 2000 }\n",
	  "lab.yaml:5: shaping: queue_size 100: want a power of 2, 16 to 4096" },
	{ SH "  rate: 0\n  pipes: {}\n", "lab.yaml:4: shaping: rate 0: want bytes per second" },
	{ SH "  pipes:\n    acme: { rate: 10000, burst: 2000 }\n",
	  "lab.yaml:3: shaping: no rate (the aggregate, bytes per second)" },
	{ SH "  rate: 1000000\n  pipes: {}\n", "lab.yaml:3: shaping: no pipes" },
	{ SH "  rate: 1000000\n  pipes:\n    acme: { rate: 10000 }\n",
	  "lab.yaml:6: shaping: pipe acme: want rate (bytes per second) and burst (bytes)" },
	{ SH "  rate: 1000000\n  burst: 5\n", "lab.yaml:5: shaping: unknown key 'burst'" },
#undef SH
#undef S
#define M "meter_profiles:\n  gold: "
	{ M "{ algorithm: token-bucket }\n", "lab.yaml:2: meter profile gold: algorithm "
	  "'token-bucket': want srtcm, trtcm or trtcm-rfc4115" },
	{ M "{ cir: 1000 }\n", "lab.yaml:2: meter profile gold: no algorithm" },
	{ M "{ algorithm: trtcm, cir: 2000, cbs: 1514, pir: 1000, pbs: 1514 }\n",
	  "lab.yaml:2: meter profile gold: trtcm: pir 1000 below cir 2000" },
	{ M "{ algorithm: srtcm, cir: 1000, cbs: 1514, rate: 3 }\n",
	  "lab.yaml:2: meter profile gold: unknown key 'rate'" },
	{ "limits:\n  a: { profile: silver }\n",
	  "lab.yaml:2: limit a: meter profile silver is not defined (meter_profiles:)" },
	{ M "{ algorithm: srtcm, cir: 1000, cbs: 1514 }\nlimits:\n"
	  "  a: { profile: gold, cir: 5 }\n",
	  "limit a: profile gold gives the meter: no algorithm, unit, cir" },
#undef M
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

static void
test_check_defaults(void)
{
	static const char text[] =
		"generation: 7\n"
		"pools:\n"
		"  web:\n"
		"    check: { type: http }\n"
		"    backends: [198.18.1.11:80]\n"
		"  dns:\n"
		"    check: { type: udp, send: ping, expect: pong, inter_ms: 500, rise: 1 }\n"
		"    backends: [198.18.1.11:53]\n"
		"  plain:\n"
		"    backends: []\n";
	struct lb_conf c;

	CU_ASSERT_EQUAL_FATAL(parse(text, &c), 0);
	CU_ASSERT_EQUAL(c.generation, 7);
	CU_ASSERT_EQUAL(c.pools[0].check.type, LB_CHECK_HTTP);
	CU_ASSERT_STRING_EQUAL(c.pools[0].check.path, "/");
	CU_ASSERT_EQUAL(c.pools[0].check.inter_ms, 2000);
	CU_ASSERT_EQUAL(c.pools[0].check.timeout_ms, 1000);
	CU_ASSERT_EQUAL(c.pools[0].check.rise, 2);
	CU_ASSERT_EQUAL(c.pools[0].check.fall, 3);
	CU_ASSERT_EQUAL(c.pools[1].check.type, LB_CHECK_UDP);
	CU_ASSERT_STRING_EQUAL(c.pools[1].check.expect, "pong");
	CU_ASSERT_EQUAL(c.pools[1].check.timeout_ms, 500);     /* capped by inter_ms */
	CU_ASSERT_EQUAL(c.pools[1].check.rise, 1);
	CU_ASSERT_EQUAL(c.pools[2].check.type, LB_CHECK_NONE);
	lb_conf_free(&c);
}

/* Two models alike but for the lines. */
static int
same_model(const struct lb_conf *a, const struct lb_conf *b)
{
	uint32_t i, k;

	if (a->generation != b->generation || a->nb_pools != b->nb_pools ||
	    a->nb_services != b->nb_services)
		return 0;
	for (i = 0; i < a->nb_pools; i++) {
		const struct lb_conf_pool *p = &a->pools[i], *q = &b->pools[i];
		struct lb_conf_check x = p->check, y = q->check;

		x.line = y.line = 0;
		if (strcmp(p->name, q->name) || p->maglev_size != q->maglev_size ||
		    memcmp(&x, &y, sizeof(x)) || p->nb_backends != q->nb_backends)
			return 0;
		for (k = 0; k < p->nb_backends; k++)
			if (memcmp(&p->backends[k].addr, &q->backends[k].addr, sizeof(struct lb_addr)) ||
			    p->backends[k].weight != q->backends[k].weight ||
			    p->backends[k].state != q->backends[k].state)
				return 0;
	}
	for (i = 0; i < a->nb_services; i++) {
		struct lb_conf_service s = a->services[i], t = b->services[i];

		s.line = t.line = 0;
		if (memcmp(&s, &t, sizeof(s)))
			return 0;
	}
	if (a->nb_limits != b->nb_limits)
		return 0;
	for (i = 0; i < a->nb_limits; i++) {
		struct lb_conf_limit s = a->limits[i], t = b->limits[i];

		s.line = t.line = 0;
		if (memcmp(&s, &t, sizeof(s)))
			return 0;
	}
	if (a->nb_meter_profiles != b->nb_meter_profiles)
		return 0;
	for (i = 0; i < a->nb_meter_profiles; i++) {
		struct lb_conf_limit s = a->meter_profiles[i], t = b->meter_profiles[i];

		s.line = t.line = 0;
		if (memcmp(&s, &t, sizeof(s)))
			return 0;
	}
	if (a->nb_subs != b->nb_subs || a->nb_sub_prefixes != b->nb_sub_prefixes ||
	    a->shaping.rate != b->shaping.rate || a->shaping.nb_pipes != b->shaping.nb_pipes ||
	    a->shaping.queue_size != b->shaping.queue_size ||
	    a->shaping.l1_overhead != b->shaping.l1_overhead)
		return 0;
	for (i = 0; i < a->nb_subs; i++)
		if (strcmp(a->subs[i].name, b->subs[i].name))
			return 0;
	for (i = 0; i < a->nb_sub_prefixes; i++) {
		const struct lb_conf_sub_prefix *p = &a->sub_prefixes[i], *q = &b->sub_prefixes[i];

		if (memcmp(&p->prefix, &q->prefix, sizeof(p->prefix)) || p->plen != q->plen ||
		    p->sub != q->sub)
			return 0;
	}
	for (i = 0; i < a->shaping.nb_pipes; i++) {
		const struct lb_conf_pipe *p = &a->shaping.pipes[i], *q = &b->shaping.pipes[i];

		if (strcmp(p->subscriber, q->subscriber) || p->rate != q->rate ||
		    p->burst != q->burst)
			return 0;
	}
	return 1;
}

static void
test_emit_round_trip(void)
{
	static const char extra[] =
		"  \"odd: name #1\":\n"
		"    check: { type: udp, send: \"q 'x'\", expect: \"\" }\n"
		"    backends: [198.18.1.11:53]\n";
	char *text = NULL, *both;
	struct lb_conf c, d, e;
	size_t len;

	/* the good file, with a pool whose name and check need quoting */
	both = malloc(sizeof(good) + sizeof(extra) + 64);
	CU_ASSERT_PTR_NOT_NULL_FATAL(both);
	snprintf(both, sizeof(good) + sizeof(extra) + 64, "generation: 12\npools:\n%s%s",
		 extra, strstr(good, "pools:\n") + strlen("pools:\n"));
	CU_ASSERT_EQUAL_FATAL(parse(both, &c), 0);
	CU_ASSERT_EQUAL_FATAL(lb_conf_emit(&c, &text, &len), 0);
	CU_ASSERT_EQUAL(strlen(text), len);
	if (parse(text, &d) != 0)
		printf("\n%s\n%s\n", err, text);
	CU_ASSERT_EQUAL_FATAL(d.nb_pools, c.nb_pools);
	if (!same_model(&c, &d))
		printf("\n%s\n", text);
	CU_ASSERT(same_model(&c, &d));
	CU_ASSERT_EQUAL_FATAL(lb_conf_copy(&e, &d), 0);
	CU_ASSERT(same_model(&d, &e));
	lb_conf_free(&c);
	lb_conf_free(&d);
	lb_conf_free(&e);
	free(text);
	free(both);

	/* the empty model */
	memset(&c, 0, sizeof(c));
	CU_ASSERT_EQUAL_FATAL(lb_conf_emit(&c, &text, &len), 0);
	CU_ASSERT_EQUAL(parse(text, &d), 0);
	CU_ASSERT_EQUAL(d.nb_pools + d.nb_services, 0);
	lb_conf_free(&d);
	free(text);
}

/* A model a command changed: objects without a line are named, not numbered. */
static void
test_check_command_made(void)
{
	struct lb_conf c;
	struct lb_conf_backend *b;
	uint8_t proto;

	CU_ASSERT_EQUAL_FATAL(parse(good, &c), 0);
	b = realloc(c.pools[0].backends, (c.pools[0].nb_backends + 1) * sizeof(*b));
	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	c.pools[0].backends = b;
	memset(&b[3], 0, sizeof(b[3]));
	CU_ASSERT_EQUAL(lb_addr_parse("backend", "[2001:db8:1::9]:80", 0, 0, &b[3].addr, err,
				      sizeof(err)), 0);
	c.pools[0].nb_backends++;
	CU_ASSERT(lb_conf_check(&c, "sluicectl", err, sizeof(err)) < 0);
	CU_ASSERT_STRING_EQUAL(err, "sluicectl:13: pool web: backend [2001:db8:1::9]:80 is IPv6, "
			       "the service at line 13 is IPv4 (fnat does not translate families)");
	c.services[0].line = 0;
	CU_ASSERT(lb_conf_check(&c, "sluicectl", err, sizeof(err)) < 0);
	CU_ASSERT_STRING_EQUAL(err, "sluicectl: pool web: backend [2001:db8:1::9]:80 is IPv6, "
			       "service 198.18.0.100:80/tcp is IPv4 (fnat does not translate "
			       "families)");
	c.pools[0].nb_backends--;
	CU_ASSERT_EQUAL(lb_conf_check(&c, "sluicectl", err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(lb_conf_service_find(&c, IPPROTO_UDP, &c.services[2].vip), 2);
	CU_ASSERT_EQUAL(lb_conf_pool_find(&c, "web6"), 1);
	CU_ASSERT_EQUAL(lb_conf_pool_find(&c, "nope"), -1);
	CU_ASSERT(lb_vip_parse("198.18.0.100:80/sctp", &proto, &b[3].addr, err, sizeof(err)) < 0);
	CU_ASSERT_STRING_EQUAL(err, "vip '198.18.0.100:80/sctp': want ADDR:PORT/tcp or /udp");
	CU_ASSERT(lb_vip_parse("2001:db8::1:80/tcp", &proto, &b[3].addr, err, sizeof(err)) < 0);
	CU_ASSERT_STRING_EQUAL(err, "vip '2001:db8::1:80': write IPv6 as [ADDR]:PORT");
	lb_conf_free(&c);
}

/* Meters in the file: defaults (unit bytes, red dropped), colours and options, and the
 * emitted text reads back to the same model. */
static void
test_meter_limits(void)
{
	static const char text[] =
		"limits:\n"
		"  a: { algorithm: srtcm, cir: 125000, cbs: 3000, ebs: 6000 }\n"
		"  b: { algorithm: trtcm, cir: 1000, cbs: 1538, pir: 2000, pbs: 1538, yellow: remark,\n"
		"       yellow_dscp: 12, red: remark, red_dscp: 14, colour_aware: true,\n"
		"       l1_overhead: true, priority: 5 }\n"
		"  c: { algorithm: trtcm-rfc4115, cir: 1000, cbs: 1514, eir: 500, ebs: 1514,\n"
		"       green: transmit, priority: 7 }\n";
	struct lb_conf c, d;
	char *out;
	size_t len;

	CU_ASSERT_EQUAL_FATAL(parse(text, &c), 0);
	CU_ASSERT_EQUAL_FATAL(c.nb_limits, 3);
	CU_ASSERT_EQUAL(c.limits[0].algo, LB_LIMIT_SRTCM);
	CU_ASSERT_EQUAL(c.limits[0].unit, POLICE_BYTES);
	CU_ASSERT_EQUAL(c.limits[0].colour_action[0], LB_COLOUR_TRANSMIT);
	CU_ASSERT_EQUAL(c.limits[0].colour_action[2], LB_COLOUR_DROP);
	CU_ASSERT_EQUAL(c.limits[1].algo, LB_LIMIT_TRTCM);
	CU_ASSERT_EQUAL(c.limits[1].colour_action[1], LB_COLOUR_REMARK);
	CU_ASSERT_EQUAL(c.limits[1].colour_dscp[2], 14);
	CU_ASSERT(c.limits[1].colour_aware && c.limits[1].l1_overhead);
	CU_ASSERT_EQUAL(c.limits[2].algo, LB_LIMIT_TRTCM_RFC4115);
	CU_ASSERT_STRING_EQUAL(lb_limit_algo_name(c.limits[2].algo), "trtcm-rfc4115");
	CU_ASSERT_EQUAL_FATAL(lb_conf_emit(&c, &out, &len), 0);
	CU_ASSERT_EQUAL_FATAL(parse(out, &d), 0);
	CU_ASSERT(same_model(&c, &d));
	free(out);
	lb_conf_free(&c);
	lb_conf_free(&d);
}

/* Meter profiles: defined once, used by several limits, each limit carrying the
 * profile's numbers; emitted by name and read back the same. */
static void
test_meter_profiles(void)
{
	static const char text[] =
		"meter_profiles:\n"
		"  gold: { algorithm: trtcm, cir: 1250000, cbs: 15000, pir: 2500000, pbs: 30000,\n"
		"          yellow: remark, yellow_dscp: 12, colour_aware: true }\n"
		"limits:\n"
		"  a: { from: 198.18.0.0/24, profile: gold }\n"
		"  b: { from: 198.18.1.0/24, key: prefix, profile: gold, priority: 5 }\n";
	struct lb_conf c, d;
	char *out;
	size_t len;

	CU_ASSERT_EQUAL_FATAL(parse(text, &c), 0);
	CU_ASSERT_EQUAL_FATAL(c.nb_meter_profiles, 1);
	CU_ASSERT_EQUAL_FATAL(c.nb_limits, 2);
	CU_ASSERT_STRING_EQUAL(c.limits[1].profile, "gold");
	CU_ASSERT_EQUAL(c.limits[1].algo, LB_LIMIT_TRTCM);
	CU_ASSERT_EQUAL(c.limits[1].unit, POLICE_BYTES);
	CU_ASSERT_EQUAL(c.limits[1].pir, 2500000);
	CU_ASSERT_EQUAL(c.limits[0].colour_dscp[1], 12);
	CU_ASSERT_EQUAL(c.limits[0].colour_aware, 1);
	CU_ASSERT_EQUAL(c.limits[0].colour_action[2], LB_COLOUR_DROP);
	CU_ASSERT_EQUAL_FATAL(lb_conf_emit(&c, &out, &len), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "profile: gold"));
	CU_ASSERT_EQUAL_FATAL(parse(out, &d), 0);
	CU_ASSERT(same_model(&c, &d));
	CU_ASSERT_EQUAL(d.nb_meter_profiles, 1);
	free(out);
	lb_conf_free(&c);
	lb_conf_free(&d);
}

static const struct unit_test tests[] = {
	UNIT_TEST(test_check_defaults),
	UNIT_TEST(test_emit_round_trip),
	UNIT_TEST(test_check_command_made),
	UNIT_TEST(test_good_file),
	UNIT_TEST(test_bad_files),
	UNIT_TEST(test_load_missing_file),
	UNIT_TEST(test_meter_limits),
	UNIT_TEST(test_meter_profiles),
	{ NULL, NULL },
};

int
main(void)
{
	return unit_run("lb_conf", tests, NULL, NULL);
}
