/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * port: the one interface through which the dataplane attaches its ports.
 *
 * A port is named by the operator and given as a spec on the command line:
 *
 *     NAME=KIND[:ARGS]
 *     front=af_xdp:eth1            AF_XDP on eth1, with Sluice's XDP program in front
 *     front=af_xdp:eth1,prog=F     ... with another XDP object (must have xsks_map)
 *     front=af_packet:eth1         AF_PACKET (PACKET_FANOUT_HASH over the queues)
 *     t=pcap:rx=in.pcap,tx=out.pcap   replay a capture, write what is sent
 *     t=pcap:iface=eth1            libpcap on an interface
 *     t=null  t=ring               no NIC: benchmarks and tests
 *     any kind: ,mac=02:00:00:00:00:01 sets the port's MAC where the PMD allows it
 *
 * Each kind lives in port_<kind>.c and provides the checks it can make before EAL starts
 * (does the interface exist?), the DPDK vdev arguments, and the clean-up DPDK leaves to
 * us (promiscuous mode, a leftover XDP program from a crashed run).
 *
 * Context: control thread (main lcore) only; nothing here is on the fast path.
 */
#ifndef SL_PORT_H
#define SL_PORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <limits.h>
#include <net/if.h>

#include <rte_ether.h>

#define PORT_NAME_MAX   16
#define PORT_MAX        8

enum port_kind {
	PORT_KIND_AF_XDP,
	PORT_KIND_AF_PACKET,
	PORT_KIND_PCAP,
	PORT_KIND_RING,
	PORT_KIND_NULL,
	PORT_KIND__MAX
};

struct port_spec {
	char name[PORT_NAME_MAX];
	enum port_kind kind;
	char ifname[IF_NAMESIZE];       /* af_xdp, af_packet, pcap iface= */
	char rx_pcap[PATH_MAX];         /* pcap rx= */
	char tx_pcap[PATH_MAX];         /* pcap tx= */
	char xdp_prog[PATH_MAX];        /* af_xdp prog=; empty: Sluice's own object */
	bool has_mac;
	struct rte_ether_addr mac;
};

struct port {
	struct port_spec spec;
	uint16_t port_id;
	uint16_t nb_queues;
	bool probed;
	bool started;
	bool promisc_before;            /* kernel interface was promiscuous before us */
	int ifindex;                    /* 0 when the port has no kernel interface */
	struct rte_ether_addr mac;
	char dev_name[96];              /* DPDK vdev name, e.g. net_af_xdp_front */
};

/* What each port_<kind>.c provides. */
struct port_ops {
	const char *kind;
	bool needs_root;
	bool multi_queue;               /* can open more than one RX/TX queue pair */
	/* Parses the ARGS after "KIND:" (kind-specific keys only). */
	int (*parse)(struct port_spec *spec, const char *key, const char *val,
		     char *err, size_t errlen);
	/* Checks that need no EAL: the interface exists, files are readable. */
	int (*check)(const struct port_spec *spec, char *err, size_t errlen);
	/* Writes the vdev driver name and its arguments. */
	int (*devargs)(const struct port *p, const char *xdp_obj, char *drv, size_t drvlen,
		       char *args, size_t argslen);
	/* Before probing (e.g. remove our own leftover XDP program); may be NULL. */
	int (*prepare)(struct port *p, char *err, size_t errlen);
};

extern const struct port_ops port_af_xdp_ops;
extern const struct port_ops port_af_packet_ops;
extern const struct port_ops port_pcap_ops;
extern const struct port_ops port_ring_ops;
extern const struct port_ops port_null_ops;

const struct port_ops *port_ops_of(enum port_kind kind);
const char *port_kind_name(enum port_kind kind);

/*
 * Parses "NAME=KIND[:ARGS]" into *spec. Returns 0, or -EINVAL with a one-line reason in
 * err. Context: any thread, before or after EAL.
 */
int port_spec_parse(const char *text, struct port_spec *spec, char *err, size_t errlen);

/* Checks a parsed spec without EAL (interface exists, root where needed). */
int port_spec_check(const struct port_spec *spec, char *err, size_t errlen);

/*
 * Probes the vdev, configures nb_queues RX/TX queue pairs from pool and starts it.
 * xdp_obj is the default XDP object for af_xdp ports. Returns 0 or -errno with err set.
 * Context: control thread, after rte_eal_init.
 */
struct rte_mempool;
int port_open(struct port *p, uint16_t nb_queues, struct rte_mempool *pool,
	      const char *xdp_obj, char *err, size_t errlen);

/* Stops, closes and removes the port, restoring the kernel interface's promiscuous
 * flag; the AF_XDP PMD detaches its XDP program on close. Safe on a half-opened port. */
void port_close(struct port *p);

/* Helpers shared by the kinds: "iface" values, and a spec that must name an interface. */
int port_parse_iface(struct port_spec *spec, const char *val, char *err, size_t errlen);
int port_check_has_iface(const struct port_spec *spec, char *err, size_t errlen);

/* Kernel interface helpers shared by the kinds. */
int port_if_get_promisc(const char *ifname, bool *on);
int port_if_set_promisc(const char *ifname, bool on);

/* Mounts a bpffs at /sys/fs/bpf if there is none (pinned XDP maps live there). Returns 0
 * or -errno with the command to run in err. Context: control thread. */
int port_bpffs_ensure(char *err, size_t errlen);

#endif /* SL_PORT_H */
