/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ipfrag: the per-worker reassembly table (see ipfrag.h).
 */
#define ALLOW_EXPERIMENTAL_API          /* rte_ip_frag_table_del_expired_entries (22.11) */
#include <errno.h>
#include <stdio.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_malloc.h>

#include "ipfrag.h"

struct ipfrag *
ipfrag_create(unsigned int idx, int socket, char *err, size_t errlen)
{
	uint64_t ttl_tsc = (rte_get_tsc_hz() + 999) / 1000 * IPFRAG_TIMEOUT_MS;
	struct ipfrag *f = rte_zmalloc_socket("sl_ipfrag", sizeof(*f), RTE_CACHE_LINE_SIZE,
					      socket);

	if (!f) {
		snprintf(err, errlen, "worker %u: reassembly table: out of memory", idx);
		return NULL;
	}
	f->tbl = rte_ip_frag_table_create(IPFRAG_BUCKETS, IPFRAG_BUCKET_SIZE,
					  IPFRAG_MAX_DATAGRAMS, ttl_tsc, socket);
	if (!f->tbl) {
		snprintf(err, errlen, "worker %u: reassembly table: %s", idx,
			 rte_strerror(rte_errno));
		rte_free(f);
		return NULL;
	}
	return f;
}

void
ipfrag_free(struct ipfrag *f)
{
	if (!f)
		return;
	rte_ip_frag_free_death_row(&f->dr, 0);
	rte_ip_frag_table_destroy(f->tbl);
	rte_free(f);
}

uint32_t
ipfrag_age(struct ipfrag *f, uint64_t now_tsc)
{
	uint32_t n;

	rte_ip_frag_table_del_expired_entries(f->tbl, &f->dr, now_tsc);
	n = f->dr.cnt;
	rte_ip_frag_free_death_row(&f->dr, 0);
	return n;
}
