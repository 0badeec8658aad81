/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * af_packet ports: DPDK's net_af_packet PMD, one PACKET_MMAP socket per queue pair joined
 * in a PACKET_FANOUT_HASH group, so the kernel spreads flows over the queues by its own
 * flow hash — which is not our owner function, so workers hand packets off (section 2).
 * The kernel still sees every frame too; the lab gives these interfaces no addresses.
 *
 * Context: control thread only.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "port.h"

static int
af_packet_parse(struct port_spec *spec, const char *key, const char *val, char *err,
		size_t errlen)
{
	if (strcmp(key, "iface") == 0)
		return port_parse_iface(spec, val, err, errlen);
	return -ENOENT;
}

static int
af_packet_check(const struct port_spec *spec, char *err, size_t errlen)
{
	return port_check_has_iface(spec, err, errlen);
}

static int
af_packet_devargs(const struct port *p, const char *xdp_obj, char *drv, size_t drvlen,
		  char *args, size_t argslen)
{
	int n;

	(void)xdp_obj;
	snprintf(drv, drvlen, "net_af_packet");
	/* qdisc_bypass: our frames skip the kernel's qdisc like a NIC's TX ring would. */
	n = snprintf(args, argslen, "iface=%s,qpairs=%u,qdisc_bypass=1", p->spec.ifname,
		     p->nb_queues);
	return n < 0 || (size_t)n >= argslen ? -ENAMETOOLONG : 0;
}

const struct port_ops port_af_packet_ops = {
	.kind = "af_packet",
	.needs_root = true,
	.multi_queue = true,
	.parse = af_packet_parse,
	.check = af_packet_check,
	.devargs = af_packet_devargs,
};
