/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz_cmd: libFuzzer target for sluiced's CLI protocol and command path
 * (controlplane/cmd*.c). Any bytes on the CLI socket must get one JSON reply line — never
 * a crash, a leak or undefined behaviour (ASan/UBSan) — and the state must stay a model
 * that passes the whole-model check, whatever was accepted or refused. Changes are
 * persisted to a scratch directory; there is no dataplane.
 */
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "cmd.h"
#include "health.h"
#include "lb_conf.h"
#include "sluiced.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct sd fz;
static int fz_ready;
static char fz_dir[] = "/tmp/sl-fuzz-cmd.XXXXXX";

/* The scratch directory goes when libFuzzer exits. */
static void
fz_cleanup(void)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s.tmp", fz.args.state);
	unlink(path);
	unlink(fz.args.state);
	rmdir(fz_dir);
}

static void
fz_init(void)
{
	static const char conf[] = "pools:\n  web:\n    backends: [198.18.1.11:80]\n"
				   "services:\n  - vip: 198.18.0.100:80/tcp\n    pool: web\n";
	char err[256];

	if (!mkdtemp(fz_dir) || lb_conf_parse("f", conf, strlen(conf), &fz.conf, err, sizeof(err)))
		abort();
	snprintf(fz.args.state, sizeof(fz.args.state), "%s/state.yaml", fz_dir);
	snprintf(fz.args.dp_sock, sizeof(fz.args.dp_sock), "%s/none.sock", fz_dir);
	atexit(fz_cleanup);
	fz.args.no_filter = 1;
	fz.health = health_create();
	fz_ready = 1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *reply, err[512];
	json_t *o;

	if (!fz_ready)
		fz_init();
	reply = cmd_handle(&fz, (const char *)data, size, 1, 0, NULL);
	o = reply ? json_loads(reply, 0, NULL) : NULL;
	if (!o || !json_is_boolean(json_object_get(o, "ok")) || strchr(reply, '\n'))
		abort();                /* one JSON object, one line */
	json_decref(o);
	free(reply);
	if (lb_conf_check(&fz.conf, "fuzz", err, sizeof(err)) != 0)
		abort();                /* the state in force is always whole */
	return 0;
}
