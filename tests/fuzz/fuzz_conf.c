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
		if (c.nb_services && c.services[0].pool >= c.nb_pools)
			abort();        /* a service must name an existing pool */
		lb_conf_free(&c);
	} else if (c.nb_pools || c.nb_services || !memchr(err, ':', sizeof(err))) {
		abort();                /* refused: nothing kept, and a file:line message */
	}
	return 0;
}
