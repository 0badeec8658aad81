/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz_dpctl: libFuzzer target for the dataplane's control protocol (dataplane/dp_ctl.c):
 * one request line as sluiced or an operator would send it on the control socket — ping,
 * status, stats, reload, apply (a whole model as YAML text: parsed, checked, built and
 * published by pointer swap with an RCU grace period) and rtt (health-probe round trips).
 * State persists between inputs, so applies follow each other as sluiced's do. Every
 * input must get a reply that is a JSON object with "ok"; ASan and UBSan catch the rest.
 *
 * Context: EAL (--no-huge, no PCI) started once in LLVMFuzzerInitialize; one worker
 * record, never run (no lcore), no ports: the apply path without XDP maps.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <rte_eal.h>
#include <rte_malloc.h>

#include "dp_conf.h"
#include "dp_ctl.h"
#include "lb.h"
#include "lb_conf.h"
#include "worker.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct dp fz_dp;
static struct worker fz_w;

static const char fz_conf[] =
	"pools:\n"
	"  web: { backends: [198.18.1.11:80, 198.18.1.12:80] }\n"
	"services:\n"
	"  - { vip: 198.18.0.100:80/tcp, pool: web }\n";

/* The tables' per-worker arrays live in DPDK memory, which LeakSanitizer does not scan:
 * free them before it looks. */
static void
fz_cleanup(void)
{
	dp_conf_teardown(&fz_dp);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static char *eal[] = { "fuzz_dpctl", "--no-pci", "--no-huge", "--no-shconf", "-m", "512",
			       "--log-level=*:error", NULL };
	char err[512];
	struct lb_conf c;

	(void)argc;
	(void)argv;
	if (rte_eal_init((int)RTE_DIM(eal) - 1, eal) < 0)
		abort();
	fz_dp.nb_workers = 1;
	fz_dp.workers[0] = &fz_w;
	if (lb_conf_parse("fuzz", fz_conf, strlen(fz_conf), &c, err, sizeof(err)) != 0 ||
	    dp_conf_setup(&fz_dp, &c, err, sizeof(err)) != 0)
		abort();
	atexit(fz_cleanup);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *line = malloc(size + 1), *reply;
	json_t *o;

	if (!line)
		return 0;
	memcpy(line, data, size);
	line[size] = '\0';
	reply = dp_ctl_handle(&fz_dp, line);
	free(line);
	if (!reply)
		abort();                /* every request gets an answer */
	o = json_loads(reply, 0, NULL);
	if (!json_is_object(o) || !json_is_boolean(json_object_get(o, "ok")))
		abort();                /* and it is a JSON object saying ok or not */
	json_decref(o);
	free(reply);
	return 0;
}
