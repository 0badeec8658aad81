/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * port: spec parsing, opening and closing common to every attachment kind.
 *
 * Ports are DPDK virtual devices probed at run time (rte_eal_hotplug_add) rather than
 * --vdev EAL arguments, so that a bad spec is refused with our own one-line message
 * before EAL starts, and so that the same code opens a port at start and, later, at a
 * config change.
 *
 * Context: control thread only.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <rte_bus_vdev.h>
#include <rte_dev.h>
#include <rte_ethdev.h>
#include <rte_mempool.h>

#include "port.h"

#define PORT_RX_DESC 1024
#define PORT_TX_DESC 1024

static const struct port_ops *const port_kinds[PORT_KIND__MAX] = {
	[PORT_KIND_AF_XDP] = &port_af_xdp_ops,
	[PORT_KIND_AF_PACKET] = &port_af_packet_ops,
	[PORT_KIND_PCAP] = &port_pcap_ops,
	[PORT_KIND_RING] = &port_ring_ops,
	[PORT_KIND_NULL] = &port_null_ops,
};

const struct port_ops *
port_ops_of(enum port_kind kind)
{
	return kind < PORT_KIND__MAX ? port_kinds[kind] : NULL;
}

const char *
port_kind_name(enum port_kind kind)
{
	const struct port_ops *ops = port_ops_of(kind);

	return ops ? ops->kind : "?";
}

static int
port_name_valid(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || n >= PORT_NAME_MAX)
		return 0;
	for (i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '_' || c == '-'))
			return 0;
	}
	return 1;
}

/* Splits "k=v,k=v" (or a leading bare interface name) and feeds each pair to the kind. */
static int
port_spec_parse_args(struct port_spec *spec, const struct port_ops *ops, char *args,
		     char *err, size_t errlen)
{
	char *save = NULL, *tok;
	int first = 1;

	for (tok = strtok_r(args, ",", &save); tok; tok = strtok_r(NULL, ",", &save), first = 0) {
		char *eq = strchr(tok, '=');
		const char *key, *val;
		int rc;

		if (!eq) {
			/* "af_xdp:eth1": a bare first word is the interface. */
			if (!first) {
				snprintf(err, errlen, "port '%s': argument '%s' is not key=value",
					 spec->name, tok);
				return -EINVAL;
			}
			key = "iface";
			val = tok;
		} else {
			*eq = '\0';
			key = tok;
			val = eq + 1;
		}
		if (strcmp(key, "mac") == 0) {
			if (rte_ether_unformat_addr(val, &spec->mac) != 0) {
				snprintf(err, errlen, "port '%s': mac '%s' is not a MAC address",
					 spec->name, val);
				return -EINVAL;
			}
			spec->has_mac = true;
			continue;
		}
		rc = ops->parse ? ops->parse(spec, key, val, err, errlen) : -EINVAL;
		if (rc == -ENOENT || (rc != 0 && !ops->parse)) {
			snprintf(err, errlen, "port '%s': %s ports take no argument '%s'",
				 spec->name, ops->kind, key);
			return -EINVAL;
		}
		if (rc)
			return rc;
	}
	return 0;
}

int
port_spec_parse(const char *text, struct port_spec *spec, char *err, size_t errlen)
{
	char buf[PATH_MAX * 2 + 128];
	const struct port_ops *ops = NULL;
	char *eq, *kind, *colon, *args = NULL;
	int k;

	memset(spec, 0, sizeof(*spec));
	if (strlen(text) >= sizeof(buf)) {
		snprintf(err, errlen, "port spec is too long");
		return -EINVAL;
	}
	strcpy(buf, text);
	eq = strchr(buf, '=');
	if (!eq) {
		snprintf(err, errlen, "port spec '%.64s' is not NAME=KIND[:ARGS] (e.g. front=af_xdp:eth1)",
			 text);
		return -EINVAL;
	}
	*eq = '\0';
	if (!port_name_valid(buf, strlen(buf))) {
		snprintf(err, errlen, "port name '%.32s' must be 1-%d letters, digits, '_' or '-'",
			 buf, PORT_NAME_MAX - 1);
		return -EINVAL;
	}
	strcpy(spec->name, buf);
	kind = eq + 1;
	colon = strchr(kind, ':');
	if (colon) {
		*colon = '\0';
		args = colon + 1;
	}
	for (k = 0; k < PORT_KIND__MAX; k++) {
		if (strcmp(kind, port_kinds[k]->kind) == 0) {
			ops = port_kinds[k];
			spec->kind = (enum port_kind)k;
			break;
		}
	}
	if (!ops) {
		snprintf(err, errlen,
			 "port '%s': unknown kind '%.32s' (af_xdp, af_packet, pcap, ring, null)",
			 spec->name, kind);
		return -EINVAL;
	}
	if (args && *args) {
		int rc = port_spec_parse_args(spec, ops, args, err, errlen);

		if (rc)
			return rc;
	}
	return ops->check ? ops->check(spec, err, errlen) : 0;
}

int
port_spec_check(const struct port_spec *spec, char *err, size_t errlen)
{
	const struct port_ops *ops = port_ops_of(spec->kind);

	if (ops->needs_root && geteuid() != 0) {
		snprintf(err, errlen, "port '%s': %s ports need root (CAP_NET_RAW, CAP_BPF, "
			 "CAP_NET_ADMIN); run as root", spec->name, ops->kind);
		return -EPERM;
	}
	if (spec->ifname[0] && if_nametoindex(spec->ifname) == 0) {
		snprintf(err, errlen, "port '%s': interface '%s' does not exist in this network "
			 "namespace (check the name, or run inside the right namespace: ip netns exec NS ...)",
			 spec->name, spec->ifname);
		return -ENODEV;
	}
	return 0;
}

/* Reads the interface flags, clears and sets the given ones, writes them back if they
 * changed. Returns 0 or -errno; *flags_out gets the flags as they were. */
static int
port_if_flags(const char *ifname, short clear, short set, short *flags_out)
{
	struct ifreq ifr;
	int fd, rc = 0;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0) {
		rc = -errno;
		goto out;
	}
	if (flags_out)
		*flags_out = ifr.ifr_flags;
	if (clear || set) {
		short want = (short)((ifr.ifr_flags & ~clear) | set);

		if (want != ifr.ifr_flags) {
			ifr.ifr_flags = want;
			if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
				rc = -errno;
		}
	}
out:
	close(fd);
	return rc;
}

int
port_if_get_promisc(const char *ifname, bool *on)
{
	short flags = 0;
	int rc = port_if_flags(ifname, 0, 0, &flags);

	if (rc == 0)
		*on = (flags & IFF_PROMISC) != 0;
	return rc;
}

int
port_if_set_promisc(const char *ifname, bool on)
{
	return port_if_flags(ifname, on ? 0 : IFF_PROMISC, on ? IFF_PROMISC : 0, NULL);
}

int
port_parse_iface(struct port_spec *spec, const char *val, char *err, size_t errlen)
{
	if (strlen(val) == 0 || strlen(val) >= sizeof(spec->ifname)) {
		snprintf(err, errlen, "port '%s': interface name '%.32s' is invalid", spec->name, val);
		return -EINVAL;
	}
	strcpy(spec->ifname, val);
	return 0;
}

int
port_check_has_iface(const struct port_spec *spec, char *err, size_t errlen)
{
	const char *kind = port_kind_name(spec->kind);

	if (!spec->ifname[0]) {
		snprintf(err, errlen, "port '%s': %s needs an interface (%s:IFNAME)", spec->name,
			 kind, kind);
		return -EINVAL;
	}
	return 0;
}

int
port_open(struct port *p, uint16_t nb_queues, struct rte_mempool *pool, const char *xdp_obj,
	  char *err, size_t errlen)
{
	const struct port_ops *ops = port_ops_of(p->spec.kind);
	struct rte_eth_conf conf;
	struct rte_eth_dev_info info;
	char drv[32], args[PATH_MAX * 2 + 256];
	uint16_t q;
	int rc;

	memset(&conf, 0, sizeof(conf));
	p->nb_queues = nb_queues;
	if (nb_queues > 1 && !ops->multi_queue) {
		snprintf(err, errlen, "port '%s': %s ports have one queue pair; use --workers 1",
			 p->spec.name, ops->kind);
		return -EINVAL;
	}
	if (p->spec.ifname[0]) {
		p->ifindex = (int)if_nametoindex(p->spec.ifname);
		if (port_if_get_promisc(p->spec.ifname, &p->promisc_before) != 0)
			p->promisc_before = false;
	}
	if (ops->prepare && (rc = ops->prepare(p, err, errlen)) != 0)
		return rc;
	rc = ops->devargs(p, xdp_obj, drv, sizeof(drv), args, sizeof(args));
	if (rc) {
		snprintf(err, errlen, "port '%s': arguments too long", p->spec.name);
		return rc;
	}
	snprintf(p->dev_name, sizeof(p->dev_name), "%s_%s", drv, p->spec.name);
	rc = rte_eal_hotplug_add("vdev", p->dev_name, args);
	if (rc) {
		snprintf(err, errlen, "port '%s': DPDK could not attach %s (%s): %s",
			 p->spec.name, p->dev_name, args, strerror(-rc));
		return rc;
	}
	p->probed = true;
	rc = rte_eth_dev_get_port_by_name(p->dev_name, &p->port_id);
	if (rc) {
		snprintf(err, errlen, "port '%s': no ethdev after attaching %s", p->spec.name,
			 p->dev_name);
		return rc;
	}
	rc = rte_eth_dev_info_get(p->port_id, &info);
	if (rc == 0 && (info.max_rx_queues < nb_queues || info.max_tx_queues < nb_queues)) {
		snprintf(err, errlen, "port '%s': %s offers %u queue pairs, %u workers need %u",
			 p->spec.name, ops->kind, RTE_MIN(info.max_rx_queues, info.max_tx_queues),
			 nb_queues, nb_queues);
		return -EINVAL;
	}
	rc = rte_eth_dev_configure(p->port_id, nb_queues, nb_queues, &conf);
	if (rc) {
		snprintf(err, errlen, "port '%s': configure %u queues: %s", p->spec.name,
			 nb_queues, strerror(-rc));
		return rc;
	}
	for (q = 0; q < nb_queues; q++) {
		rc = rte_eth_rx_queue_setup(p->port_id, q, PORT_RX_DESC,
					    rte_eth_dev_socket_id(p->port_id), NULL, pool);
		if (rc) {
			snprintf(err, errlen, "port '%s': RX queue %u: %s%s", p->spec.name, q,
				 strerror(-rc), p->spec.kind == PORT_KIND_AF_XDP ?
				 " (is another XDP program attached, or is bpffs missing at "
				 "/sys/fs/bpf? see the PMD log above)" : "");
			return rc;
		}
		rc = rte_eth_tx_queue_setup(p->port_id, q, PORT_TX_DESC,
					    rte_eth_dev_socket_id(p->port_id), NULL);
		if (rc) {
			snprintf(err, errlen, "port '%s': TX queue %u: %s", p->spec.name, q,
				 strerror(-rc));
			return rc;
		}
	}
	if (p->spec.has_mac) {
		rc = rte_eth_dev_default_mac_addr_set(p->port_id, &p->spec.mac);
		/* Without a kernel interface (pcap files, null, ring) nothing filters on the
		 * MAC but us: the dataplane's own notion of it is the whole truth. */
		if (rc == -ENOTSUP && !p->spec.ifname[0]) {
			rc = 0;
		} else if (rc) {
			snprintf(err, errlen, "port '%s': %s ports cannot take mac=: %s",
				 p->spec.name, ops->kind, strerror(-rc));
			return rc;
		}
	}
	rc = rte_eth_dev_start(p->port_id);
	if (rc) {
		snprintf(err, errlen, "port '%s': start: %s", p->spec.name, strerror(-rc));
		return rc;
	}
	p->started = true;
	rte_eth_macaddr_get(p->port_id, &p->mac);
	if (p->spec.has_mac)
		p->mac = p->spec.mac;
	return 0;
}

void
port_close(struct port *p)
{
	if (p->started) {
		rte_eth_dev_stop(p->port_id);
		p->started = false;
	}
	if (p->probed) {
		rte_eth_dev_close(p->port_id);
		rte_eal_hotplug_remove("vdev", p->dev_name);
		p->probed = false;
	}
	/* Both AF_XDP and AF_PACKET PMDs may leave the interface promiscuous. */
	if (p->spec.ifname[0] && !p->promisc_before)
		port_if_set_promisc(p->spec.ifname, false);
}
