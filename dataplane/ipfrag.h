/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ipfrag: IPv4 fragments, reassembled before the balancer sees them and made again on the
 * way out when a datagram is bigger than the port's MTU.
 *
 * The balancer needs ports, which only a datagram's first fragment carries, and it must
 * never drop fragments silently (DESIGN.md section 7). Of the two ways the issue allows
 * — reassembly or pinning the 3-tuple — reassembly is the one that keeps every fragment
 * of a connection on the connection's backend and its fnat translation, as DPVS and
 * Linux (netfilter's defrag before IPVS) do; Katran, stateless, drops fragments instead.
 * Fragments of a datagram all hash alike on the address pair (owner_fp.h), so one worker
 * collects them in its own rte_ip_frag table; the whole datagram then goes to its flow's
 * owner like any packet. On output, a datagram over the port's MTU is split again with
 * rte_ipv4_fragment_packet — for dsr-ipip the inner datagram, each piece encapsulated on
 * its own, so a backend's decapsulator never sees an outer fragment.
 *
 * Only datagrams to the appliance's own addresses (VIPs among them) are collected.
 * Context: ipfrag_create/free on the control thread; the rest on the owning worker.
 */
#ifndef SL_IPFRAG_H
#define SL_IPFRAG_H

#include <stdint.h>

#include <rte_ip_frag.h>

#define IPFRAG_BUCKETS       1024
#define IPFRAG_BUCKET_SIZE   8          /* datagrams per bucket */
#define IPFRAG_MAX_DATAGRAMS (IPFRAG_BUCKETS * IPFRAG_BUCKET_SIZE)
#define IPFRAG_TIMEOUT_MS    2000       /* a datagram's fragments wait this long */
#define IPFRAG_OUT_MAX       64         /* fragments one datagram may become */

struct ipfrag {
	struct rte_ip_frag_tbl *tbl;
	struct rte_ip_frag_death_row dr;
};

/* A worker's reassembly table. NULL with err. */
struct ipfrag *ipfrag_create(unsigned int idx, int socket, char *err, size_t errlen);
void ipfrag_free(struct ipfrag *f);

/* Gives up on datagrams that waited too long and frees what was given up. Returns the
 * number of fragments freed. Context: the owning worker (upkeep). */
uint32_t ipfrag_age(struct ipfrag *f, uint64_t now_tsc);

#endif /* SL_IPFRAG_H */
