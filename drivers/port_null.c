/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * NIC-less ports for tests and benchmarks: null (net_null: RX returns pre-built frames of
 * a fixed size, TX frees) and ring (net_ring: TX on a queue comes back as RX on it).
 *
 * Context: control thread only.
 */
#include <errno.h>
#include <stdio.h>

#include "port.h"

static int
null_devargs(const struct port *p, const char *xdp_obj, char *drv, size_t drvlen,
	     char *args, size_t argslen)
{
	(void)p;
	(void)xdp_obj;
	snprintf(drv, drvlen, "net_null");
	snprintf(args, argslen, "copy=0");
	return 0;
}

static int
ring_devargs(const struct port *p, const char *xdp_obj, char *drv, size_t drvlen,
	     char *args, size_t argslen)
{
	(void)p;
	(void)xdp_obj;
	snprintf(drv, drvlen, "net_ring");
	args[0] = '\0';
	(void)argslen;
	return 0;
}

const struct port_ops port_null_ops = {
	.kind = "null",
	.needs_root = false,
	.multi_queue = true,
	.devargs = null_devargs,
};

const struct port_ops port_ring_ops = {
	.kind = "ring",
	.needs_root = false,
	.multi_queue = true,
	.devargs = ring_devargs,
};
