/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * worker: the per-queue run-to-completion loop and the state the dataplane shares with it.
 *
 * One worker per RX queue, each on its own lcore, polling queue w of every port: receive
 * a burst, parse, answer ARP/ND where it arrived, hand every other packet whose flow it
 * does not own to the owner over a single-producer/single-consumer ring (DESIGN.md 2),
 * process what it owns, and flush the TX buffers once per pass.
 *
 * Shared state: struct dp is written by the control thread before workers launch and is
 * read-only for them afterwards, except dp->quit (written by the signal handler / control
 * thread, read by workers). Each struct worker is written only by its own lcore (counters)
 * and read by the control thread for stats.
 */
#ifndef SL_WORKER_H
#define SL_WORKER_H

#include <stdint.h>

#include <rte_common.h>
#include <rte_ethdev.h>
#include <rte_ring.h>

#include "local.h"
#include "neigh.h"
#include "port.h"
#include "sl_reasons.h"

#define DP_MAX_WORKERS   16
#define DP_BURST         32
#define DP_HANDOFF_RING  1024
#define DP_IDLE_PASSES   256    /* empty passes before an idle sleep (when enabled) */

struct dp_port {
	struct port port;
	struct local_port local;
	int src_filter;                 /* no XDP in front: run the source filter here */
	uint8_t nb_v4_static;           /* local's first addresses are --addr's, the rest */
	uint8_t nb_v6_static;           /* the services' (dp_conf.c) */
	uint16_t mtu;                   /* IP bytes a frame may carry (encapsulation checks) */
};

/* The IP bytes a frame on port p may carry: the device's MTU, else Ethernet's. Context:
 * control thread, once the port is open. */
static inline void
dp_port_set_mtu(struct dp_port *p)
{
	if (rte_eth_dev_get_mtu(p->port.port_id, &p->mtu) != 0 || p->mtu < 576)
		p->mtu = RTE_ETHER_MTU;
}

struct worker;
struct src_filter;
struct lb;
struct lb_worker;
struct flowlog;
struct ipfrag;
struct neigh_table;
struct rte_mempool;
struct rte_rcu_qsbr;

struct dp {
	struct dp_port ports[PORT_MAX];
	uint16_t nb_ports;
	uint8_t port_idx[RTE_MAX_ETHPORTS];     /* DPDK port id -> index in ports[] */
	unsigned int nb_workers;
	struct worker *workers[DP_MAX_WORKERS];
	uint32_t idle_sleep_us;
	struct src_filter *sf;          /* NULL unless some port has src_filter set */
	struct lb *lb;                  /* the balancer's tables, swapped by dp_conf_apply;
					 * NULL only without --config and control socket */
	struct rte_rcu_qsbr *lb_qs;     /* grace periods for replaced lb versions */
	struct neigh_table *neigh;      /* backends' link-layer addresses (with lb) */
	uint32_t ct_max;                /* connections per worker */
	/* control thread only: */
	struct lb_conf *conf;           /* the model in force (dp_conf.h) */
	uint64_t generation;            /* sluiced's number of that model; 0: from a file */
	uint64_t health_seq;            /* sluiced's health overlay in it (its own count) */
	uint64_t boot_id;               /* random at start: sluiced sees a restart by it */
	uint64_t applies, applies_refused;
	int xdp_local_stale;            /* the XDP address maps missed a removal: sync again */
	struct flowlog *flowlog;        /* NULL unless --flow-log (flowlog_attach): stats */
	/* sluiced's health-probe RTT per backend (neighbour index), µs, 0: none: what
	 * least-latency weighs a backend by before this worker saw its handshakes (UDP
	 * services never do). Written by the control thread ({"cmd":"rtt"}), relaxed. */
	uint32_t probe_rtt_us[NEIGH_MAX];
	uint64_t rtt_updates;           /* {"cmd":"rtt"} taken */
	int (*reload)(struct dp *dp, char *err, size_t errlen);  /* re-read --config */
	struct rte_mempool *pool;       /* for frames the dataplane sends on its own (ARP) */
	struct rte_mempool *pool_indirect;      /* fragments' references to a datagram */
	volatile int quit;
};

/* Packets bound for a shaper, held until the end of the loop pass (worker.c). */
#define WORKER_SHQ_MAX 64
struct worker_shq {
	uint16_t n;
	uint8_t tc[WORKER_SHQ_MAX];
	uint32_t pipe[WORKER_SHQ_MAX];
	struct rte_mbuf *m[WORKER_SHQ_MAX];
};

struct worker {
	unsigned int idx;               /* 0..nb_workers-1, also its queue index */
	unsigned int lcore_id;
	struct dp *dp;
	struct rte_ring *ring_in[DP_MAX_WORKERS];       /* from worker j to us */
	struct rte_ring *ring_out[DP_MAX_WORKERS];      /* from us to worker j */
	struct rte_eth_dev_tx_buffer *txb[PORT_MAX];
	struct worker_shq *shq;         /* [PORT_MAX]: packets for the shapers this pass */
	uint32_t shq_held;              /* in shq, every port together */
	struct lb_worker *lbw;          /* balancer state, when dp->lb */
	struct ipfrag *frag;            /* reassembly, when dp->lb */
	uint64_t next_upkeep_tsc;       /* aging, neighbour requests */
	uint64_t cnt[SL_CNT__MAX];
} __rte_cache_aligned;

/*
 * Allocates nb_workers workers on the EAL worker lcores, their hand-off rings and TX
 * buffers. Returns 0 or -errno. Context: control thread, after the ports are open.
 */
int worker_setup_all(struct dp *dp, char *err, size_t errlen);
void worker_free_all(struct dp *dp);

/* The loop; arg is a struct worker. Returns when dp->quit is set. Context: worker lcore. */
int worker_main(void *arg);

/*
 * Handles one received packet as the loop does (parse, responders, owner, hand-off);
 * exposed for tests and benchmarks that drive a worker without ports.
 * Context: the worker's own lcore.
 */
void worker_input(struct worker *w, struct rte_mbuf *m, uint16_t pi);
/* The same for a burst of at most DP_BURST packets received on port pi, as the loop
 * handles them (connection lookups made for the whole burst at once). */
void worker_input_burst(struct worker *w, struct rte_mbuf **pkts, uint16_t n, uint16_t pi);

#endif /* SL_WORKER_H */
