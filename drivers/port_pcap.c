/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pcap ports: DPDK's net_pcap PMD. rx=FILE replays a capture once (tests feed crafted
 * frames this way), tx=FILE writes what the dataplane sends; iface=IF uses libpcap on an
 * interface. One queue pair.
 *
 * Context: control thread only.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "port.h"

static int
pcap_copy(char *dst, size_t dstlen, const struct port_spec *spec, const char *val,
	  char *err, size_t errlen)
{
	if (strlen(val) == 0 || strlen(val) >= dstlen || strchr(val, ',')) {
		snprintf(err, errlen, "port '%s': path '%.64s' is empty, too long or has a comma",
			 spec->name, val);
		return -EINVAL;
	}
	strcpy(dst, val);
	return 0;
}

static int
pcap_parse(struct port_spec *spec, const char *key, const char *val, char *err, size_t errlen)
{
	if (strcmp(key, "rx") == 0)
		return pcap_copy(spec->rx_pcap, sizeof(spec->rx_pcap), spec, val, err, errlen);
	if (strcmp(key, "tx") == 0)
		return pcap_copy(spec->tx_pcap, sizeof(spec->tx_pcap), spec, val, err, errlen);
	if (strcmp(key, "iface") == 0)
		return pcap_copy(spec->ifname, sizeof(spec->ifname), spec, val, err, errlen);
	return -ENOENT;
}

static int
pcap_check(const struct port_spec *spec, char *err, size_t errlen)
{
	if (spec->ifname[0] && (spec->rx_pcap[0] || spec->tx_pcap[0])) {
		snprintf(err, errlen, "port '%s': pcap takes iface= or rx=/tx= files, not both",
			 spec->name);
		return -EINVAL;
	}
	if (!spec->ifname[0] && !spec->rx_pcap[0]) {
		snprintf(err, errlen, "port '%s': pcap needs rx=FILE[,tx=FILE] or iface=IFNAME",
			 spec->name);
		return -EINVAL;
	}
	if (spec->rx_pcap[0] && access(spec->rx_pcap, R_OK) != 0) {
		snprintf(err, errlen, "port '%s': cannot read '%s': %s", spec->name,
			 spec->rx_pcap, strerror(errno));
		return -errno;
	}
	return 0;
}

static int
pcap_devargs(const struct port *p, const char *xdp_obj, char *drv, size_t drvlen,
	     char *args, size_t argslen)
{
	int n;

	(void)xdp_obj;
	snprintf(drv, drvlen, "net_pcap");
	if (p->spec.ifname[0])
		n = snprintf(args, argslen, "iface=%s", p->spec.ifname);
	else if (p->spec.tx_pcap[0])
		n = snprintf(args, argslen, "rx_pcap=%s,tx_pcap=%s", p->spec.rx_pcap,
			     p->spec.tx_pcap);
	else
		n = snprintf(args, argslen, "rx_pcap=%s,tx_drop=1", p->spec.rx_pcap);
	return n < 0 || (size_t)n >= argslen ? -ENAMETOOLONG : 0;
}

const struct port_ops port_pcap_ops = {
	.kind = "pcap",
	.needs_root = false,
	.multi_queue = false,
	.parse = pcap_parse,
	.check = pcap_check,
	.devargs = pcap_devargs,
};
