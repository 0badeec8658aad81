/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dp_args: parsing and help text of the dataplane's options. Context: main thread,
 * before EAL.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "dp_args.h"
#include "worker.h"

enum {
	OPT_PORT = 256,
	OPT_ADDR,
	OPT_WORKERS,
	OPT_CTL,
	OPT_IDLE,
	OPT_XDP_PROG,
	OPT_NO_SRC_FILTER,
	OPT_CONFIG,
	OPT_CT_MAX,
	OPT_FLOW_LOG,
	OPT_FLOW_LOG_SAMPLE,
	OPT_FLOW_LOG_RATE,
};

static const struct option dp_long_opts[] = {
	{ "port", required_argument, NULL, OPT_PORT },
	{ "addr", required_argument, NULL, OPT_ADDR },
	{ "workers", required_argument, NULL, OPT_WORKERS },
	{ "ctl", required_argument, NULL, OPT_CTL },
	{ "idle-sleep-us", required_argument, NULL, OPT_IDLE },
	{ "xdp-prog", required_argument, NULL, OPT_XDP_PROG },
	{ "no-src-filter", no_argument, NULL, OPT_NO_SRC_FILTER },
	{ "config", required_argument, NULL, OPT_CONFIG },
	{ "ct-max", required_argument, NULL, OPT_CT_MAX },
	{ "flow-log", required_argument, NULL, OPT_FLOW_LOG },
	{ "flow-log-sample", required_argument, NULL, OPT_FLOW_LOG_SAMPLE },
	{ "flow-log-rate", required_argument, NULL, OPT_FLOW_LOG_RATE },
	{ NULL, 0, NULL, 0 },
};

void
dp_args_usage(FILE *f, const char *prog)
{
	fprintf(f,
"Usage: %s [EAL options] -- --port NAME=KIND[:ARGS] [--addr NAME=IP]... [options]\n"
"\n"
"Sluice dataplane: DPDK poll-mode workers, one per RX queue, that own the appliance's\n"
"addresses (ARP, IPv6 ND, ICMP/ICMPv6 echo) and hand each flow to its owning worker.\n"
"\n"
"Options (after --):\n"
"  --port NAME=KIND[:ARGS]  attach a port (repeatable, at most %d):\n"
"        NAME=af_xdp:IFNAME[,prog=OBJ]    AF_XDP with Sluice's XDP program (default kind)\n"
"        NAME=af_packet:IFNAME            AF_PACKET, flows fanned out over the queues\n"
"        NAME=pcap:rx=IN.pcap[,tx=OUT.pcap] | NAME=pcap:iface=IFNAME\n"
"        NAME=null | NAME=ring            no NIC, for tests and benchmarks\n"
"        any kind: ,mac=XX:XX:XX:XX:XX:XX sets the port MAC where the PMD allows it\n"
"  --addr NAME=IP           own IP (IPv4 or IPv6) on port NAME (repeatable, %d per family)\n"
"  --workers N              worker lcores = RX/TX queue pairs per port\n"
"                           (default: every EAL worker lcore; at most %d)\n"
"  --ctl PATH               control socket (default %s; 'none' disables)\n"
"  --idle-sleep-us N        sleep N us after %d empty polls (default 0: always poll;\n"
"                           labs and VMs that share cores with their clients use ~50)\n"
"  --xdp-prog OBJ           XDP object for af_xdp ports (default: the one built or\n"
"                           installed with this binary)\n"
"  --config FILE            services and pools (YAML, see deploy/sluice-lab.yaml): the\n"
"                           load balancer; a bad file is refused with file:line\n"
"  --ct-max N               connections tracked per worker (default %u)\n"
"  --flow-log PATH|syslog   one JSON line per balanced flow when it leaves the\n"
"                           connection table (client, service, backend, packets and\n"
"                           bytes each way, duration, how it ended): appended to PATH,\n"
"                           or sent to syslog (daemon.info); default off. See\n"
"                           docs/flow-logs.md\n"
"  --flow-log-sample N      log 1 flow in N, chosen by a hash of the flow's tuple (the\n"
"                           same flows on every worker and node; default 1: all)\n"
"  --flow-log-rate N        write at most N records per second, the rest dropped and\n"
"                           counted (flowlog_dropped_cap; default %u, 0: no cap)\n"
"  --no-src-filter          do not run the XDP filter's policy (blocks, bans, limits)\n"
"                           as the first stage of ports without XDP (pci, af_packet,\n"
"                           pcap, null, ring); it runs by default, over the pinned\n"
"                           maps under /sys/fs/bpf, which it creates if need be\n"
"  -h, --help               this text;  --version  the version\n"
"\n"
"EAL options: see DPDK's documentation. If no PCI port is configured and no -a/-b/\n"
"--no-pci is given, --no-pci is added so EAL never probes the host's own NIC. Labs and\n"
"tests use --no-pci --in-memory (no hugepage files are left behind); without hugepages\n"
"use --no-huge --no-shconf (slower, and not for af_xdp).\n"
"\n"
"Example (the lab):\n"
"  %s --no-pci --in-memory -l 0,1 -- --port front=af_xdp:front \\\n"
"      --addr front=198.18.0.1 --addr front=2001:db8::1\n"
"\n"
"Signals: SIGINT/SIGTERM stop the workers, close the ports (XDP program removed,\n"
"promiscuous mode restored) and exit 0.\n",
		prog, PORT_MAX, LOCAL_ADDR_MAX, DP_MAX_WORKERS, DP_CTL_DEFAULT, DP_IDLE_PASSES,
		DP_CT_MAX_DEFAULT, DP_FLOW_LOG_RATE_DEFAULT, prog);
}

static int
dp_parse_uint(const char *s, unsigned int min, unsigned int max, unsigned int *out)
{
	char *end;
	unsigned long v;

	if (!*s || *s == '-')
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return -EINVAL;
	*out = (unsigned int)v;
	return 0;
}

/* Addresses are kept by port name until all ports are known. */
struct dp_pending_addr {
	char port[PORT_NAME_MAX];
	char ip[INET6_ADDRSTRLEN];
};

static int
dp_add_addr(struct dp_args *a, const struct dp_pending_addr *pa, char *err, size_t errlen)
{
	unsigned int i;
	uint8_t buf[16];
	int rc;

	for (i = 0; i < a->nb_ports; i++)
		if (strcmp(a->ports[i].name, pa->port) == 0)
			break;
	if (i == a->nb_ports) {
		snprintf(err, errlen, "--addr %s=%s: no port named '%s'", pa->port, pa->ip, pa->port);
		return -EINVAL;
	}
	if (inet_pton(AF_INET, pa->ip, buf) == 1) {
		uint32_t v4;

		memcpy(&v4, buf, 4);
		if (v4 == 0 || buf[0] >= 224) {
			snprintf(err, errlen, "--addr %s=%s: not a unicast address", pa->port, pa->ip);
			return -EINVAL;
		}
		rc = local_add_v4(&a->locals[i], v4);
	} else if (inet_pton(AF_INET6, pa->ip, buf) == 1) {
		static const uint8_t zero[16];

		if (buf[0] == 0xff || memcmp(buf, zero, 16) == 0) {
			snprintf(err, errlen, "--addr %s=%s: not a unicast address", pa->port, pa->ip);
			return -EINVAL;
		}
		rc = local_add_v6(&a->locals[i], buf);
	} else {
		snprintf(err, errlen, "--addr %s=%s: not an IPv4 or IPv6 address (no prefix length)",
			 pa->port, pa->ip);
		return -EINVAL;
	}
	if (rc == -EEXIST) {
		snprintf(err, errlen, "--addr %s=%s: given twice", pa->port, pa->ip);
		return rc;
	}
	if (rc == -ENOSPC) {
		snprintf(err, errlen, "--addr %s=%s: at most %d addresses per family per port",
			 pa->port, pa->ip, LOCAL_ADDR_MAX);
		return rc;
	}
	return 0;
}

int
dp_args_parse(int argc, char **argv, struct dp_args *a, char *err, size_t errlen)
{
	struct dp_pending_addr addrs[PORT_MAX * LOCAL_ADDR_MAX * 2];
	unsigned int nb_addrs = 0, i, j;
	const char *have_fl_opt = NULL;
	int opt, rc;

	memset(a, 0, sizeof(*a));
	snprintf(a->ctl_path, sizeof(a->ctl_path), "%s", DP_CTL_DEFAULT);
	a->ct_max = DP_CT_MAX_DEFAULT;
	a->flow_log_sample = 1;
	a->flow_log_rate = DP_FLOW_LOG_RATE_DEFAULT;
	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":", dp_long_opts, NULL)) != -1) {
		switch (opt) {
		case OPT_PORT:
			if (a->nb_ports == PORT_MAX) {
				snprintf(err, errlen, "--port: at most %d ports", PORT_MAX);
				return -EINVAL;
			}
			rc = port_spec_parse(optarg, &a->ports[a->nb_ports], err, errlen);
			if (rc)
				return -EINVAL;
			for (i = 0; i < a->nb_ports; i++) {
				if (strcmp(a->ports[i].name, a->ports[a->nb_ports].name) == 0) {
					snprintf(err, errlen, "--port: name '%s' used twice",
						 a->ports[i].name);
					return -EINVAL;
				}
				if (a->ports[i].ifname[0] &&
				    strcmp(a->ports[i].ifname, a->ports[a->nb_ports].ifname) == 0) {
					snprintf(err, errlen, "--port: interface '%s' used by two ports",
						 a->ports[i].ifname);
					return -EINVAL;
				}
			}
			a->nb_ports++;
			break;
		case OPT_ADDR: {
			const char *eq = strchr(optarg, '=');
			struct dp_pending_addr *pa = &addrs[nb_addrs];

			if (!eq || eq == optarg || (size_t)(eq - optarg) >= sizeof(pa->port) ||
			    strlen(eq + 1) >= sizeof(pa->ip) || !eq[1]) {
				snprintf(err, errlen, "--addr '%.64s' is not PORT=IP (e.g. front=198.18.0.1)",
					 optarg);
				return -EINVAL;
			}
			if (nb_addrs == RTE_DIM(addrs)) {
				snprintf(err, errlen, "--addr: too many addresses");
				return -EINVAL;
			}
			memcpy(pa->port, optarg, (size_t)(eq - optarg));
			pa->port[eq - optarg] = '\0';
			strcpy(pa->ip, eq + 1);
			nb_addrs++;
			break;
		}
		case OPT_WORKERS:
			if (dp_parse_uint(optarg, 1, DP_MAX_WORKERS, &a->nb_workers)) {
				snprintf(err, errlen, "--workers '%.32s': want a number from 1 to %d", optarg, DP_MAX_WORKERS);
				return -EINVAL;
			}
			break;
		case OPT_CTL:
			if (strlen(optarg) == 0 || strlen(optarg) >= 108) {
				snprintf(err, errlen, "--ctl: path must be 1-107 characters (unix socket)");
				return -EINVAL;
			}
			if (strcmp(optarg, "none") == 0)
				a->ctl_path[0] = '\0';
			else
				snprintf(a->ctl_path, sizeof(a->ctl_path), "%s", optarg);
			break;
		case OPT_IDLE:
			if (dp_parse_uint(optarg, 0, 100000, &a->idle_sleep_us)) {
				snprintf(err, errlen, "--idle-sleep-us '%.32s': want 0 to 100000", optarg);
				return -EINVAL;
			}
			break;
		case OPT_NO_SRC_FILTER:
			a->no_src_filter = 1;
			break;
		case OPT_CONFIG:
			if (strlen(optarg) >= sizeof(a->config)) {
				snprintf(err, errlen, "--config: path too long");
				return -EINVAL;
			}
			strcpy(a->config, optarg);
			break;
		case OPT_CT_MAX:
			if (dp_parse_uint(optarg, 16, 1u << 24, &a->ct_max)) {
				snprintf(err, errlen, "--ct-max '%.32s': want 16 to %u", optarg, 1u << 24);
				return -EINVAL;
			}
			break;
		case OPT_FLOW_LOG:
			if (!*optarg || strlen(optarg) >= sizeof(a->flow_log)) {
				snprintf(err, errlen, "--flow-log: want a file path or 'syslog'");
				return -EINVAL;
			}
			strcpy(a->flow_log, optarg);
			break;
		case OPT_FLOW_LOG_SAMPLE:
			if (dp_parse_uint(optarg, 1, 1u << 30, &a->flow_log_sample)) {
				snprintf(err, errlen, "--flow-log-sample '%.32s': want 1 (every "
					 "flow) to %u", optarg, 1u << 30);
				return -EINVAL;
			}
			have_fl_opt = "--flow-log-sample";
			break;
		case OPT_FLOW_LOG_RATE:
			if (dp_parse_uint(optarg, 0, DP_FLOW_LOG_RATE_MAX, &a->flow_log_rate)) {
				snprintf(err, errlen, "--flow-log-rate '%.32s': want 0 (no cap) to "
					 "%u records per second", optarg, DP_FLOW_LOG_RATE_MAX);
				return -EINVAL;
			}
			have_fl_opt = "--flow-log-rate";
			break;
		case OPT_XDP_PROG:
			if (strlen(optarg) >= sizeof(a->xdp_obj)) {
				snprintf(err, errlen, "--xdp-prog: path too long");
				return -EINVAL;
			}
			strcpy(a->xdp_obj, optarg);
			break;
		case ':':
			snprintf(err, errlen, "option '%.64s' needs a value", argv[optind - 1]);
			return -EINVAL;
		default:
			snprintf(err, errlen, "unknown option '%.64s' (try --help)", argv[optind - 1]);
			return -EINVAL;
		}
	}
	if (optind < argc) {
		snprintf(err, errlen, "unexpected argument '%.64s' (try --help)", argv[optind]);
		return -EINVAL;
	}
	if (have_fl_opt && !a->flow_log[0]) {
		snprintf(err, errlen, "%s without --flow-log: say where records go (--flow-log "
			 "PATH|syslog)", have_fl_opt);
		return -EINVAL;
	}
	if (a->nb_ports == 0) {
		snprintf(err, errlen, "no --port given (e.g. --port front=af_xdp:eth1; try --help)");
		return -EINVAL;
	}
	for (i = 0; i < nb_addrs; i++) {
		rc = dp_add_addr(a, &addrs[i], err, errlen);
		if (rc)
			return -EINVAL;
	}
	/* One address on two ports would make the XDP front and the responders disagree. */
	for (i = 0; i < a->nb_ports; i++)
		for (j = i + 1; j < a->nb_ports; j++) {
			unsigned int k;

			for (k = 0; k < a->locals[i].nb_v4; k++)
				if (local_v4_owned(&a->locals[j], a->locals[i].v4[k])) {
					snprintf(err, errlen, "--addr: one IPv4 address on ports '%s' and '%s'",
						 a->ports[i].name, a->ports[j].name);
					return -EINVAL;
				}
			for (k = 0; k < a->locals[i].nb_v6; k++)
				if (local_v6_owned(&a->locals[j], a->locals[i].v6[k])) {
					snprintf(err, errlen, "--addr: one IPv6 address on ports '%s' and '%s'",
						 a->ports[i].name, a->ports[j].name);
					return -EINVAL;
				}
		}
	return 0;
}
