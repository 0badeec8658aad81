/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * src_filter: the XDP front filter's policy, run as the dataplane's first stage for
 * ports that have no XDP in front of them (pci, af_packet, pcap).
 *
 * One policy, one source of truth: the pinned maps of bpf/sluice_xdp (blocks, allow
 * entries, classes, limits, bans), changed by sluice-xdpctl / sluiced through bpf_ctl.
 * A worker cannot make a bpf() syscall per packet, so the control thread mirrors the
 * maps into DPDK tables whenever their generation in sl_conf moves, and publishes the
 * copy by pointer swap; a replaced copy is freed once every worker has passed a
 * quiescent state (rte_rcu_qsbr). Blocks, allows and classes form one snapshot (rebuilt
 * when bpf_ctl_gen moves), bans another (bpf_ctl_ban_gen, which also moves when the XDP
 * program bans), so a ban storm never rebuilds a million-entry blocklist.
 *
 * Lookups keep the program's order and semantics (bpf/sluice_xdp.bpf.c): allowlist, then
 * blocked host (exact match), then blocked network (longest prefix, expiry), then ban,
 * then the class's limit. Networks are in rte_rib/rte_rib6 tries, whose memory grows
 * with the prefixes; rte_lpm's DIR-24-8 would look up faster but costs 64 MB per table
 * before the first entry, and blocklists are mostly hosts, which go to a hash as in XDP.
 *
 * The per-source buckets are shared by all workers, as the XDP program's are by all
 * CPUs: a lock-free rte_hash (RW_CONCURRENCY_LF, adds serialized inside it) gives each
 * source a slot, whose struct sl_bucket_state is policed with the same compare-and-swap
 * code (bpf/sl_bucket.h: sl_bucket_police). The control thread forgets sources whose
 * state is as good as fresh (sl_bucket_idle), a slice of the table per tick, and slots
 * are reused only after a grace period (rte_hash_rcu_qsbr_add). A full table admits a
 * new source unlimited and counts it (filter_src_table_full), like a full LRU would
 * evict one.
 *
 * Bans decided here are posted on a ring; the control thread writes them into the pinned
 * ban map (so they are listed, expire and survive restarts like XDP's), and they take
 * effect with the next ban snapshot — until then the source's bucket still drops its
 * excess. Counters use the filter's reasons (xdp_blocked, ...): the same policy whether
 * XDP or this stage applied it.
 *
 * Context: sf_open/sf_tick/sf_close on the control thread; sf_check on workers.
 */
#ifndef SL_SRC_FILTER_H
#define SL_SRC_FILTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_hash.h>
#include <rte_rcu_qsbr.h>
#include <rte_rib.h>
#include <rte_rib6.h>
#include <rte_ring.h>

#include "bpf_ctl.h"
#include "sl_bucket.h"
#include "sluice_xdp_abi.h"

#define SF_SRC_MAX        (1u << 18)    /* tracked sources per family, as SL_XDP_SRC_MAX */
#define SF_BAN_RING       1024
#define SF_SWEEP_SLICE    16384         /* source slots examined per tick */

/* Blocks, allow entries, classes and limits: immutable once published. */
struct sf_policy {
	uint32_t present;                       /* SL_CONF_* bits of non-empty tables */
	struct rte_rib *allow4, *block4, *class4;       /* nh: 1, expiry ns, class */
	struct rte_rib6 *allow6, *block6, *class6;
	struct rte_hash *host[2];               /* blocked single addresses; data: expiry */
	struct sl_bucket_params limits[SL_XDP_CLASS_MAX];
	uint64_t gen;
	uint32_t entries;
};

/* Bans: immutable once published. */
struct sf_bans {
	struct rte_hash *h[2];                  /* address -> ban expiry (data) */
	uint64_t gen;
	uint32_t entries;
};

/* A ban a worker decided, for the control thread to write. */
struct sf_ban_req {
	uint8_t v6;
	uint8_t addr[16];
	uint64_t until_ns;
};

struct src_filter {
	struct sf_policy *policy;               /* published; workers read under RCU */
	struct sf_bans *bans;
	struct rte_hash *src[2];                /* per-source slots */
	struct sl_bucket_state *state[2];       /* indexed by slot position */
	uint32_t state_len[2];
	struct rte_ring *ban_ring;              /* workers -> control (MP/SC) */
	struct rte_rcu_qsbr *qs;                /* one thread id per worker */
	unsigned int nb_workers;
	/* control thread only */
	struct bpf_ctl ctl;
	uint64_t seq;                           /* unique names for DPDK objects */
	uint32_t sweep_pos[2];
	uint64_t rebuilds, rebuild_errors, bans_written, bans_lost, sources_forgotten;
	char last_error[256];
};

/*
 * Opens the filter over the maps ctl names (the caller opened it; the filter takes it
 * over) for nb_workers workers. Builds the first snapshots. Returns 0 or -errno with a
 * reason in err.
 */
int sf_open(struct src_filter *sf, const struct bpf_ctl *ctl, unsigned int nb_workers,
	    char *err, size_t errlen);

/* Registers worker thread id idx with the filter's RCU (before it reads a snapshot). */
void sf_worker_online(struct src_filter *sf, unsigned int idx);
void sf_worker_offline(struct src_filter *sf, unsigned int idx);

/*
 * The control thread's periodic work: rebuild what changed, write posted bans, forget a
 * slice of the sources idle at now_ns (CLOCK_MONOTONIC; tests step it). A failed rebuild
 * keeps the snapshot in force and says why in err. Returns 0 or -errno.
 */
int sf_tick(struct src_filter *sf, uint64_t now_ns, char *err, size_t errlen);

void sf_close(struct src_filter *sf);

#endif /* SL_SRC_FILTER_H */
