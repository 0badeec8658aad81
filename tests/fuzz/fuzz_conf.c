/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz_conf: libFuzzer target for the services-and-pools file parser
 * (dataplane/lb_conf.c). Any bytes must give either a model or one refusal line, never a
 * crash, a leak or undefined behaviour (ASan/UBSan in the fuzz build); a refusal must
 * leave the model empty.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lb_conf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lb_conf c;
	char err[512];

	if (lb_conf_parse("fuzz", (const char *)data, size, &c, err, sizeof(err)) == 0) {
		struct lb_conf d;
		char *text;
		size_t len;

		if (c.nb_services && c.services[0].pool >= c.nb_pools)
			abort();        /* a service must name an existing pool */
		/* what sluiced saves and pushes reads back (subscribers and shaping too) */
		if (lb_conf_emit(&c, &text, &len) == 0) {
			if (lb_conf_parse("emitted", text, len, &d, err, sizeof(err)) != 0 ||
			    d.nb_subs != c.nb_subs || d.nb_sub_prefixes != c.nb_sub_prefixes ||
			    d.shaping.nb_pipes != c.shaping.nb_pipes || d.nb_limits != c.nb_limits)
				abort();
			lb_conf_free(&d);
			free(text);
		}
		lb_conf_free(&c);
	} else if (c.nb_pools || c.nb_services || !memchr(err, ':', sizeof(err))) {
		abort();                /* refused: nothing kept, and a file:line message */
	}
	return 0;
}
