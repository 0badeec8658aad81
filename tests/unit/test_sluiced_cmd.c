/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_sluiced_cmd: sluiced's command path (controlplane/cmd*.c, sd_core.c, store.c)
 * without a dataplane: requests in, replies and the persisted state out. Changes take the
 * next generation and reach the state file; refusals (usage or checks) keep the state and
 * its file; --if-generation refuses stale changes; malformed requests are refused; the
 * file written reads back to the state in force.
 *
 * Context: test process; no EAL, no sockets but a dataplane path that does not exist.
 */
#include <CUnit/Basic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "cmd.h"
#include "health.h"
#include "lb_conf.h"
#include "police.h"
#include "sluiced.h"
#include "store.h"
#include "cunit_main.h"

static struct sd tsd;
static char tdir[] = "/tmp/sl-test-cmd.XXXXXX";

static const char tconf[] =
	"pools:\n"
	"  web:\n"
	"    backends: [198.18.1.11:80, 198.18.1.12:80]\n"
	"services:\n"
	"  - vip: 198.18.0.100:80/tcp\n"
	"    pool: web\n";

/* Runs one request; returns the reply object (caller decrefs). */
static json_t *
req(const char *line)
{
	char *r = cmd_handle(&tsd, line, strlen(line), getpid(), 0, NULL);
	json_t *o = r ? json_loads(r, 0, NULL) : NULL;

	free(r);
	return o;
}

static int
ok_of(const char *line, int *usage, char *err, size_t errlen)
{
	json_t *o = req(line);
	int ok = json_is_true(json_object_get(o, "ok"));

	if (usage)
		*usage = json_is_true(json_object_get(o, "usage"));
	if (err)
		snprintf(err, errlen, "%s", json_string_value(json_object_get(o, "error")) ?: "");
	json_decref(o);
	return ok;
}

static int
setup(void)
{
	struct lb_conf c;
	char err[256];

	if (!mkdtemp(tdir))
		return -1;
	snprintf(tsd.args.state, sizeof(tsd.args.state), "%s/state.yaml", tdir);
	snprintf(tsd.args.dp_sock, sizeof(tsd.args.dp_sock), "%s/no-dataplane.sock", tdir);
	tsd.args.no_filter = 1;
	if (lb_conf_parse("t.yaml", tconf, strlen(tconf), &c, err, sizeof(err)) != 0)
		return -1;
	sd_forget_lines(&c);
	c.generation = 1;
	tsd.conf = c;
	tsd.health = health_create();
	return tsd.health ? 0 : -1;
}

static int
teardown(void)
{
	char cmd[128];

	health_free(tsd.health);
	lb_conf_free(&tsd.conf);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tdir);
	return system(cmd) == 0 ? 0 : -1;
}

static void
test_change_persisted(void)
{
	struct lb_conf c;
	char err[256];

	CU_ASSERT(ok_of("{\"argv\":[\"backend\",\"set\",\"web\",\"198.18.1.12:80\",\"--state\","
			"\"drain\"]}", NULL, NULL, 0));
	CU_ASSERT_EQUAL(tsd.conf.generation, 2);
	CU_ASSERT_EQUAL(tsd.conf.pools[0].backends[1].state, LB_BACKEND_DRAIN);
	CU_ASSERT_EQUAL_FATAL(lb_conf_load(tsd.args.state, &c, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(c.generation, 2);
	CU_ASSERT_EQUAL(c.pools[0].backends[1].state, LB_BACKEND_DRAIN);
	lb_conf_free(&c);
	CU_ASSERT(ok_of("{\"argv\":[\"pool\",\"add\",\"dns\",\"--check\",\"udp\",\"--check-send\","
			"\"q\"]}", NULL, NULL, 0));
	CU_ASSERT(ok_of("{\"argv\":[\"backend\",\"add\",\"dns\",\"198.18.1.11:53\"]}", NULL, NULL, 0));
	CU_ASSERT(ok_of("{\"argv\":[\"vip\",\"add\",\"198.18.0.100:53/udp\",\"--pool\",\"dns\","
			"\"--policy\",\"rr\"]}", NULL, NULL, 0));
	CU_ASSERT_EQUAL(tsd.conf.generation, 5);
	CU_ASSERT_EQUAL(tsd.conf.nb_services, 2);
	CU_ASSERT_EQUAL(health_of(tsd.health, "dns", &tsd.conf.pools[1].backends[0].addr),
			HEALTH_UP);     /* checked pools' backends start up */
}

static void
test_refusals_keep_state(void)
{
	static const struct {
		const char *line;
		int usage;
		const char *want;
	} bads[] = {
		{ "{\"argv\":[\"backend\",\"set\",\"web\",\"198.18.1.11:80\",\"--wieght\",\"2\"]}", 1,
		  "no option --wieght (--weight, --state)" },
		{ "{\"argv\":[\"backend\",\"add\",\"web\",\"198.18.0.100:80\"]}", 0, "it would loop" },
		{ "{\"argv\":[\"vip\",\"add\",\"198.18.0.100:80/tcp\",\"--pool\",\"web\"]}", 0, "exists" },
		{ "{\"argv\":[\"pool\",\"del\",\"web\"]}", 0, "is used by vip 198.18.0.100:80/tcp" },
		{ "{\"argv\":[\"backend\",\"set\",\"web\",\"198.18.1.11:80\",\"--weight\",\"257\"]}", 1,
		  "want a whole number from 0 to 256" },
		{ "{\"argv\":[\"vip\",\"add\",\"[2001:db8::100]:80/tcp\",\"--pool\",\"web\"]}", 0,
		  "fnat does not translate families" },
		{ "{\"argv\":[\"vip\",\"set\",\"198.18.0.100:80/tcp\",\"--policy\",\"url-hash\"]}", 0,
		  "HTTP-aware" },
		{ "{\"argv\":[\"backend\",\"set\",\"web\",\"198.18.1.11:80\",\"--weight\",\"2\"],"
		  "\"if_generation\":1}", 0, "stale" },
		{ "{\"argv\":[\"nope\"]}", 1, "unknown command 'nope'" },
		{ "{\"argv\":[\"vip\"]}", 1, "vip: which? (add, set, del, list)" },
		{ "{\"argv\":[]}", 1, "request" },
		{ "[1,2]", 1, "request" },
		{ "{\"argv\":[\"status\",1]}", 1, "every word must be a string" },
	};
	uint64_t gen = tsd.conf.generation;
	char err[512];
	unsigned int i;
	int usage;

	for (i = 0; i < sizeof(bads) / sizeof(bads[0]); i++) {
		CU_ASSERT(!ok_of(bads[i].line, &usage, err, sizeof(err)));
		CU_ASSERT_EQUAL(usage, bads[i].usage);
		CU_ASSERT_PTR_NOT_NULL(strstr(err, bads[i].want));
		if (!strstr(err, bads[i].want) || usage != bads[i].usage)
			printf("\n  case %u: usage %d '%s', want '%s'", i, usage, err, bads[i].want);
	}
	CU_ASSERT_EQUAL(tsd.conf.generation, gen);
}

static void
test_if_generation_current(void)
{
	char line[256];

	snprintf(line, sizeof(line), "{\"argv\":[\"backend\",\"set\",\"web\",\"198.18.1.11:80\","
		 "\"--weight\",\"4\"],\"if_generation\":%llu}",
		 (unsigned long long)tsd.conf.generation);
	CU_ASSERT(ok_of(line, NULL, NULL, 0));
	CU_ASSERT_EQUAL(tsd.conf.pools[0].backends[0].weight, 4);
}

static void
test_reads(void)
{
	json_t *o = req("{\"argv\":[\"vip\",\"list\"],\"json\":true}"), *v;

	CU_ASSERT_PTR_NOT_NULL_FATAL(o);
	v = json_loads(json_string_value(json_object_get(o, "output")), 0, NULL);
	CU_ASSERT_EQUAL(json_array_size(json_object_get(v, "vips")), tsd.conf.nb_services);
	json_decref(v);
	json_decref(o);
	o = req("{\"argv\":[\"config\",\"show\"]}");
	CU_ASSERT_PTR_NOT_NULL(strstr(json_string_value(json_object_get(o, "output")),
				      "vip: 198.18.0.100:53/udp"));
	json_decref(o);
}

/* Group commit: changes staged while batching are answered only after sd_flush, each with
 * its own generation; one write holds them all; a refused change among them is refused
 * alone; a change stale against the staged state is refused; reads see the state before. */
static void
test_group_commit(void)
{
	struct cmd_deferred d[3];
	struct lb_conf c;
	char err[256], line[256], *r;
	uint64_t g = tsd.conf.generation;
	json_t *o;
	int i;

	memset(d, 0, sizeof(d));
	tsd.batching = 1;
	for (i = 0; i < 2; i++) {
		snprintf(line, sizeof(line), "{\"argv\":[\"backend\",\"set\",\"web\","
			 "\"198.18.1.1%d:80\",\"--weight\",\"%d\"]}", 1 + i, 7 + i);
		r = cmd_handle(&tsd, line, strlen(line), getpid(), 0, &d[i]);
		CU_ASSERT_PTR_NULL(r);
		CU_ASSERT(d[i].staged);
		CU_ASSERT_EQUAL(d[i].generation, g + 1 + (uint64_t)i);
		free(r);
	}
	/* stale against the staged state (g + 2), though current against the committed one */
	snprintf(line, sizeof(line), "{\"argv\":[\"backend\",\"set\",\"web\","
		 "\"198.18.1.11:80\",\"--weight\",\"9\"],\"if_generation\":%llu}",
		 (unsigned long long)g);
	r = cmd_handle(&tsd, line, strlen(line), getpid(), 0, &d[2]);
	CU_ASSERT_PTR_NOT_NULL(r);
	CU_ASSERT_PTR_NOT_NULL(r ? strstr(r, "stale") : NULL);
	CU_ASSERT(!d[2].staged);
	free(r);
	/* a refused change is refused alone, the staged ones stay */
	snprintf(line, sizeof(line), "{\"argv\":[\"backend\",\"set\",\"web\","
		 "\"198.18.1.99:80\",\"--weight\",\"2\"]}");
	r = cmd_handle(&tsd, line, strlen(line), getpid(), 0, &d[2]);
	CU_ASSERT_PTR_NOT_NULL(r);
	CU_ASSERT(!d[2].staged);
	free(r);
	o = req("{\"argv\":[\"status\"],\"json\":true}");
	CU_ASSERT_EQUAL((uint64_t)json_integer_value(json_object_get(o, "generation")), g);
	json_decref(o);
	CU_ASSERT_EQUAL(tsd.conf.generation, g);        /* nothing committed yet */

	CU_ASSERT_EQUAL(sd_flush(&tsd, err, sizeof(err)), 0);
	CU_ASSERT(!tsd.batching);
	CU_ASSERT_EQUAL(tsd.conf.generation, g + 2);
	CU_ASSERT_EQUAL(tsd.conf.pools[0].backends[0].weight, 7);
	CU_ASSERT_EQUAL(tsd.conf.pools[0].backends[1].weight, 8);
	for (i = 0; i < 2; i++) {
		r = cmd_deferred_reply(&tsd, &d[i], 0, NULL);
		o = r ? json_loads(r, 0, NULL) : NULL;
		CU_ASSERT(json_is_true(json_object_get(o, "ok")));
		CU_ASSERT_EQUAL((uint64_t)json_integer_value(json_object_get(o, "generation")),
				g + 1 + (uint64_t)i);
		json_decref(o);
		free(r);
	}
	CU_ASSERT_EQUAL_FATAL(lb_conf_load(tsd.args.state, &c, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(c.generation, g + 2);
	CU_ASSERT_EQUAL(c.pools[0].backends[1].weight, 8);
	lb_conf_free(&c);
	/* nothing staged: a flush is a no-op */
	CU_ASSERT_EQUAL(sd_flush(&tsd, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(tsd.conf.generation, g + 2);
}

/* The state file's write in two halves: an aborted one leaves the file as it was and no
 * FILE.tmp; a finished one replaces it. */
static void
test_store_begin_abort_finish(void)
{
	struct store_job *j;
	struct lb_conf c;
	char err[256], path[300], tmp[310];

	snprintf(path, sizeof(path), "%s/two-halves.yaml", tdir);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	tsd.conf.generation = 7;
	CU_ASSERT_EQUAL_FATAL(store_save(path, &tsd.conf, err, sizeof(err)), 0);
	tsd.conf.generation = 8;
	CU_ASSERT_EQUAL_FATAL(store_begin(&j, path, &tsd.conf, err, sizeof(err)), 0);
	store_abort(j);
	CU_ASSERT_EQUAL(access(tmp, F_OK), -1);
	CU_ASSERT_EQUAL_FATAL(lb_conf_load(path, &c, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(c.generation, 7);
	lb_conf_free(&c);
	CU_ASSERT_EQUAL_FATAL(store_begin(&j, path, &tsd.conf, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(store_finish(j, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(access(tmp, F_OK), -1);
	CU_ASSERT_EQUAL_FATAL(lb_conf_load(path, &c, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(c.generation, 8);
	lb_conf_free(&c);
	/* a directory that does not exist: refused at finish, with the path */
	snprintf(path, sizeof(path), "%s/no/such/dir.yaml", tdir);
	CU_ASSERT_EQUAL_FATAL(store_begin(&j, path, &tsd.conf, err, sizeof(err)), 0);
	CU_ASSERT(store_finish(j, err, sizeof(err)) < 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "dir.yaml.tmp"));
}

/* The dataplane's limits from the command line: set creates (with the file's checks) and
 * changes, list shows, del removes; a CLASS number stays the XDP filter's. */
static void
test_limit_verbs(void)
{
	char err[256];
	int usage;
	json_t *o;

	CU_ASSERT(ok_of("{\"argv\":[\"limit\",\"set\",\"per-client\",\"--algorithm\","
			"\"token-bucket\",\"--rate\",\"5\",\"--burst\",\"5\",\"--unit\","
			"\"connections\",\"--service\",\"198.18.0.100:80/tcp\"]}", NULL, err,
			sizeof(err)));
	CU_ASSERT_EQUAL_FATAL(tsd.conf.nb_limits, 1);
	CU_ASSERT_EQUAL(tsd.conf.limits[0].rate, 5);
	CU_ASSERT(ok_of("{\"argv\":[\"limit\",\"set\",\"per-client\",\"--rate\",\"50\"]}",
			NULL, NULL, 0));
	CU_ASSERT_EQUAL(tsd.conf.limits[0].rate, 50);
	CU_ASSERT_EQUAL(tsd.conf.limits[0].burst, 5);
	/* refusals: a window's numbers on a bucket, a service that does not exist, a new
	 * limit without an algorithm, overlap at one priority */
	CU_ASSERT(!ok_of("{\"argv\":[\"limit\",\"set\",\"per-client\",\"--limit\",\"3\"]}",
			 &usage, err, sizeof(err)));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "--limit and --window-ms are for the window"));
	CU_ASSERT(!ok_of("{\"argv\":[\"limit\",\"set\",\"x\",\"--algorithm\",\"fixed-window\","
			 "\"--limit\",\"3\",\"--window-ms\",\"1000\",\"--service\","
			 "\"198.18.0.101:80/tcp\",\"--priority\",\"7\"]}", &usage, err, sizeof(err)));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "limit x: service 198.18.0.101:80/tcp is not defined"));
	CU_ASSERT(!ok_of("{\"argv\":[\"limit\",\"set\",\"y\",\"--rate\",\"3\"]}", &usage, err,
			 sizeof(err)));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "needs --algorithm"));
	CU_ASSERT(!ok_of("{\"argv\":[\"limit\",\"set\",\"z\",\"--algorithm\",\"sliding-log\","
			 "\"--limit\",\"3\",\"--window-ms\",\"1000\"]}", &usage, err, sizeof(err)));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "at the same priority 100"));
	CU_ASSERT(!ok_of("{\"argv\":[\"limit\",\"set\",\"m\",\"--algorithm\",\"srtcm\","
			 "\"--priority\",\"3\"]}", &usage, err, sizeof(err)));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "limit m: srtcm: cir (1 to"));
	CU_ASSERT(!ok_of("{\"argv\":[\"limit\",\"set\",\"m\",\"--algorithm\",\"trtcm\","
			 "\"--cir\",\"2000\",\"--cbs\",\"1514\",\"--pir\",\"1000\",\"--pbs\","
			 "\"1514\",\"--priority\",\"3\"]}", &usage, err, sizeof(err)));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "pir 1000 below cir 2000"));
	CU_ASSERT(!ok_of("{\"argv\":[\"limit\",\"set\",\"m\",\"--algorithm\",\"srtcm\","
			 "\"--cir\",\"2000\",\"--cbs\",\"1514\",\"--rate\",\"5\"]}", &usage,
			 err, sizeof(err)));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "srtcm is a meter: it takes --cir"));
	CU_ASSERT(!ok_of("{\"argv\":[\"limit\",\"set\",\"per-client\",\"--cir\",\"5\"]}",
			 &usage, err, sizeof(err)));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "are for the meters"));
	CU_ASSERT(!ok_of("{\"argv\":[\"limit\",\"set\",\"s\",\"--algorithm\",\"token-bucket\","
			 "\"--rate\",\"3\",\"--burst\",\"3\",\"--key\",\"subscriber\","
			 "\"--priority\",\"4\"]}", &usage, err, sizeof(err)));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "key subscriber, but no subscribers are defined"));
	CU_ASSERT_EQUAL(tsd.conf.nb_limits, 1);                         /* none of them */
	/* a meter from the command line: created, changed, listed */
	CU_ASSERT(ok_of("{\"argv\":[\"limit\",\"set\",\"trunk\",\"--algorithm\",\"trtcm\","
			"\"--cir\",\"1250000\",\"--cbs\",\"15000\",\"--pir\",\"2500000\","
			"\"--pbs\",\"30000\",\"--yellow\",\"remark\",\"--yellow-dscp\",\"12\","
			"\"--colour-aware\",\"true\",\"--priority\",\"3\"]}", NULL, err,
			sizeof(err)));
	CU_ASSERT_EQUAL_FATAL(tsd.conf.nb_limits, 2);
	CU_ASSERT_EQUAL(tsd.conf.limits[1].algo, LB_LIMIT_TRTCM);
	CU_ASSERT_EQUAL(tsd.conf.limits[1].unit, POLICE_BYTES);
	CU_ASSERT_EQUAL(tsd.conf.limits[1].colour_action[1], LB_COLOUR_REMARK);
	CU_ASSERT_EQUAL(tsd.conf.limits[1].colour_dscp[1], 12);
	CU_ASSERT_EQUAL(tsd.conf.limits[1].colour_action[2], LB_COLOUR_DROP);
	CU_ASSERT_EQUAL(tsd.conf.limits[1].colour_aware, 1);
	CU_ASSERT(ok_of("{\"argv\":[\"limit\",\"set\",\"trunk\",\"--pir\",\"5000000\","
			"\"--red\",\"remark\",\"--red-dscp\",\"8\"]}", NULL, err, sizeof(err)));
	CU_ASSERT_EQUAL(tsd.conf.limits[1].pir, 5000000);
	CU_ASSERT_EQUAL(tsd.conf.limits[1].cir, 1250000);
	CU_ASSERT_EQUAL(tsd.conf.limits[1].colour_action[2], LB_COLOUR_REMARK);
	CU_ASSERT(!ok_of("{\"argv\":[\"limit\",\"set\",\"trunk\",\"--green-dscp\",\"4\"]}",
			 &usage, err, sizeof(err)));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "--green-dscp is for --green remark"));
	o = req("{\"argv\":[\"limit\",\"list\"],\"json\":true}");
	CU_ASSERT_PTR_NOT_NULL(strstr(json_string_value(json_object_get(o, "output")),
				      "\"yellow_dscp\":12"));
	json_decref(o);
	CU_ASSERT(ok_of("{\"argv\":[\"limit\",\"del\",\"trunk\"]}", NULL, NULL, 0));
	/* a meter profile of the file's, used by name: the limit takes its numbers */
	tsd.conf.meter_profiles = calloc(1, sizeof(*tsd.conf.meter_profiles));
	CU_ASSERT_PTR_NOT_NULL_FATAL(tsd.conf.meter_profiles);
	tsd.conf.nb_meter_profiles = 1;
	snprintf(tsd.conf.meter_profiles[0].name, LB_CONF_NAME_MAX, "gold");
	tsd.conf.meter_profiles[0].algo = LB_LIMIT_SRTCM;
	tsd.conf.meter_profiles[0].unit = POLICE_BYTES;
	tsd.conf.meter_profiles[0].cir = 125000;
	tsd.conf.meter_profiles[0].cbs = 3000;
	tsd.conf.meter_profiles[0].colour_action[2] = LB_COLOUR_DROP;
	CU_ASSERT(!ok_of("{\"argv\":[\"limit\",\"set\",\"g\",\"--profile\",\"silver\","
			 "\"--priority\",\"3\"]}", &usage, err, sizeof(err)));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "--profile silver: no such meter profile"));
	CU_ASSERT(ok_of("{\"argv\":[\"limit\",\"set\",\"g\",\"--profile\",\"gold\","
			"\"--priority\",\"3\"]}", NULL, err, sizeof(err)));
	CU_ASSERT_EQUAL_FATAL(tsd.conf.nb_limits, 2);
	CU_ASSERT_EQUAL(tsd.conf.limits[1].algo, LB_LIMIT_SRTCM);
	CU_ASSERT_EQUAL(tsd.conf.limits[1].cir, 125000);
	CU_ASSERT(!ok_of("{\"argv\":[\"limit\",\"set\",\"g\",\"--cir\",\"5000\"]}", &usage,
			 err, sizeof(err)));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "takes its meter from profile gold"));
	CU_ASSERT(ok_of("{\"argv\":[\"limit\",\"del\",\"g\"]}", NULL, NULL, 0));
	o = req("{\"argv\":[\"limit\",\"list\"],\"json\":true}");
	CU_ASSERT_PTR_NOT_NULL(strstr(json_string_value(json_object_get(o, "output")),
				      "\"name\":\"per-client\""));
	json_decref(o);
	CU_ASSERT(ok_of("{\"argv\":[\"limit\",\"del\",\"per-client\"]}", NULL, NULL, 0));
	CU_ASSERT_EQUAL(tsd.conf.nb_limits, 0);
	/* a number is a class of the XDP filter, whose maps this test has not opened */
	CU_ASSERT(!ok_of("{\"argv\":[\"limit\",\"del\",\"3\"]}", NULL, err, sizeof(err)));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "XDP filter's maps are not open"));
}

static const struct unit_test tests[] = {
	UNIT_TEST(test_change_persisted),
	UNIT_TEST(test_refusals_keep_state),
	UNIT_TEST(test_if_generation_current),
	UNIT_TEST(test_reads),
	UNIT_TEST(test_limit_verbs),
	UNIT_TEST(test_group_commit),
	UNIT_TEST(test_store_begin_abort_finish),
	{ NULL, NULL },
};

int
main(void)
{
	return unit_run("sluiced_cmd", tests, setup, teardown);
}
