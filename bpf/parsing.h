/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Bounds-checked header walking for the XDP programs.
 *
 * Every helper takes the cursor and data_end, checks that the whole header is inside the
 * frame before returning a pointer to it, and advances the cursor. A NULL return means
 * "truncated"; callers turn it into a counted reason.
 */
#ifndef SL_BPF_PARSING_H
#define SL_BPF_PARSING_H

#include <linux/types.h>
#include <linux/if_ether.h>
#include <bpf/bpf_endian.h>

#define SL_VLAN_MAX_DEPTH 2

struct sl_cursor {
	void *pos;
	void *end;
};

struct sl_vlan_hdr {
	__be16 tci;
	__be16 proto;
};

static __always_inline void *sl_pull(struct sl_cursor *c, __u32 len)
{
	void *p = c->pos;

	if (p + len > c->end)
		return NULL;
	c->pos = p + len;
	return p;
}

/*
 * Parses Ethernet and up to SL_VLAN_MAX_DEPTH 802.1Q/802.1ad tags. Returns the inner
 * EtherType in network order, or 0 if truncated or too deeply tagged (*why says which).
 */
static __always_inline __be16 sl_parse_eth(struct sl_cursor *c, int *why)
{
	struct ethhdr *eth = sl_pull(c, sizeof(*eth));
	__be16 proto;
	int i;

	if (!eth) {
		*why = 1;
		return 0;
	}
	proto = eth->h_proto;
#pragma unroll
	for (i = 0; i < SL_VLAN_MAX_DEPTH; i++) {
		struct sl_vlan_hdr *vh;

		if (proto != bpf_htons(ETH_P_8021Q) && proto != bpf_htons(ETH_P_8021AD))
			return proto;
		vh = sl_pull(c, sizeof(*vh));
		if (!vh) {
			*why = 1;
			return 0;
		}
		proto = vh->proto;
	}
	if (proto == bpf_htons(ETH_P_8021Q) || proto == bpf_htons(ETH_P_8021AD)) {
		*why = 2;
		return 0;
	}
	return proto;
}

#endif /* SL_BPF_PARSING_H */
