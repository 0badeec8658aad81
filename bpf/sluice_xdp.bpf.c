/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-3-Clause) */
/*
 * sluice_xdp: the XDP program in front of every af_xdp port.
 *
 * Loaded by DPDK's net_af_xdp PMD through its xdp_prog= argument, so it must contain an
 * XSKMAP named xsks_map. Every IP packet first meets the source filter:
 *
 *   allowlisted prefix (sl_allow_*)  -> skips everything below
 *   blocked source (sl_blkhost_* for single addresses, else sl_block_*, longest match,
 *     optional expiry)                                            -> XDP_DROP
 *   banned source (sl_ban_*, expiry checked here, lazily removed) -> XDP_DROP
 *   over its class's limit (sl_class_* -> sl_limits, sl_src_*)    -> XDP_DROP, and a
 *     source that stays over the limit for ban_after_ns is banned for ban_ttl_ns
 *
 * then traffic addressed to the appliance (IPv4/IPv6 destination in sl_local_v4/v6, ARP
 * and neighbour discovery whose target is such an address) is redirected to the queue's
 * XSK; everything else — the node's management traffic, other hosts' broadcasts — passes
 * to the kernel. ARP is never filtered: it carries no routable source to judge.
 *
 * Tables known to be empty are not looked up (sl_conf.present, see the ABI header), so
 * the pass path costs only the lookups the policy in force needs.
 *
 * The limit is a token bucket per source kept in GCRA form (bpf/sl_bucket.h): one word
 * per unit, updated by compare-and-swap, so a source spread over several CPUs is held to
 * its rate exactly. Needs BPF atomics (clang -mcpu=v3, kernel 5.12+).
 *
 * The address maps and counters are pinned by name (LIBBPF_PIN_BY_NAME) so the control
 * side owns them across dataplane restarts; xsks_map is deliberately not pinned: its
 * entries are socket fds of one dataplane process and one interface.
 *
 * Context: kernel XDP hook, per packet, per CPU.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/icmpv6.h>
#include <linux/in.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "parsing.h"
#include "sl_bucket.h"
#include "sl_reasons.h"
#include "sluice_xdp_abi.h"

/* Tests set this through the skeleton to step time; 0 (always, in production) means the
 * kernel's CLOCK_MONOTONIC, the clock the control side uses for ban and block expiry. */
__u64 sl_now_override_ns = 0;

struct {
	__uint(type, BPF_MAP_TYPE_XSKMAP);
	__uint(max_entries, SL_XDP_XSK_MAX);
	__type(key, __u32);
	__type(value, __u32);
} xsks_map SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, SL_XDP_LOCAL_MAX);
	__type(key, __u32);
	__type(value, struct sl_local_val);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} sl_local_v4 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, SL_XDP_LOCAL_MAX);
	__type(key, struct sl_local_v6_key);
	__type(value, struct sl_local_val);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} sl_local_v6 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, SL_CNT__MAX);
	__type(key, __u32);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} sl_xdp_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, SL_XDP_PREFIX_MAX);
	__type(key, struct sl_lpm_v4_key);
	__type(value, struct sl_block_val);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} sl_block_v4 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, SL_XDP_PREFIX_MAX);
	__type(key, struct sl_lpm_v6_key);
	__type(value, struct sl_block_val);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} sl_block_v6 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, SL_XDP_PREFIX_MAX);
	__type(key, __u32);
	__type(value, struct sl_block_val);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} sl_blkhost_v4 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, SL_XDP_PREFIX_MAX);
	__type(key, struct sl_local_v6_key);
	__type(value, struct sl_block_val);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} sl_blkhost_v6 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sl_conf);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} sl_conf SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, SL_XDP_ALLOW_MAX);
	__type(key, struct sl_lpm_v4_key);
	__type(value, struct sl_allow_val);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} sl_allow_v4 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, SL_XDP_ALLOW_MAX);
	__type(key, struct sl_lpm_v6_key);
	__type(value, struct sl_allow_val);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} sl_allow_v6 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, SL_XDP_ALLOW_MAX);
	__type(key, struct sl_lpm_v4_key);
	__type(value, __u32);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} sl_class_v4 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, SL_XDP_ALLOW_MAX);
	__type(key, struct sl_lpm_v6_key);
	__type(value, __u32);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} sl_class_v6 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, SL_XDP_CLASS_MAX);
	__type(key, __u32);
	__type(value, struct sl_bucket_params);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} sl_limits SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, SL_XDP_SRC_MAX);
	__type(key, __u32);
	__type(value, struct sl_bucket_state);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} sl_src_v4 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, SL_XDP_SRC_MAX);
	__type(key, struct sl_local_v6_key);
	__type(value, struct sl_bucket_state);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} sl_src_v6 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, SL_XDP_BAN_MAX);
	__type(key, __u32);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} sl_ban_v4 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, SL_XDP_BAN_MAX);
	__type(key, struct sl_local_v6_key);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} sl_ban_v6 SEC(".maps");

/* ARP over Ethernet/IPv4, the only kind we answer. */
struct sl_arp_eth_ipv4 {
	__be16 htype;
	__be16 ptype;
	__u8 hlen;
	__u8 plen;
	__be16 op;
	__u8 sha[ETH_ALEN];
	__be32 spa;
	__u8 tha[ETH_ALEN];
	__be32 tpa;
} __attribute__((packed));

/* ICMPv6 neighbour solicitation/advertisement (RFC 4861): header, flags, target. */
#define SL_ND_SOLICIT 135
#define SL_ND_ADVERT  136
struct sl_nd_msg {
	struct icmp6hdr icmp;
	struct in6_addr target;
};

/* CLOCK_MONOTONIC. Fine: bpf_ktime_get_ns(), which reads the clocksource (tens of ns on a
 * VM's kvm-clock); coarse: bpf_ktime_get_coarse_ns(), the last tick's time (a few ns,
 * up to a tick late). Expiries of blocks and bans are whole seconds: coarse. A bucket
 * uses the coarse clock when its burst spans several ticks (sl_bucket_coarse_ok). */
static __always_inline __u64 sl_now(int fine)
{
	__u64 t = *(volatile __u64 *)&sl_now_override_ns;

	if (t)
		return t;
	return fine ? bpf_ktime_get_ns() : bpf_ktime_get_coarse_ns();
}

static __always_inline void sl_bump(__u32 reason)
{
	__u64 *v = bpf_map_lookup_elem(&sl_xdp_stats, &reason);

	if (v)
		*v += 1;
}

/* Which tables may hold entries (sl_conf.present); all of them if the map is unreadable,
 * which an ARRAY never is. */
static __always_inline struct sl_conf *sl_conf_get(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&sl_conf, &zero);
}

/* The per-source limit of class params for the source key. Returns 0 (admit) or a drop
 * reason. src_map/ban_map are the family's maps, ban_bit its SL_CONF_BAN bit. */
static __always_inline __u32 sl_limit(void *src_map, void *ban_map, const void *key,
				      const struct sl_bucket_params *p, __u32 len, __u64 now,
				      __u32 ban_bit)
{
	struct sl_bucket_state *st = bpf_map_lookup_elem(src_map, key);
	int v;

	if (!st) {
		struct sl_bucket_state fresh = {};

		/* NOEXIST: if another CPU created it meanwhile, use theirs. */
		bpf_map_update_elem(src_map, key, &fresh, BPF_NOEXIST);
		st = bpf_map_lookup_elem(src_map, key);
		if (!st)
			return 0;
	}
	v = sl_bucket_police(st, p, len, now);
	if (v & SL_BUCKET_RACED)
		sl_bump(SL_CNT_XDP_SRC_RACE);
	if (!(v & ~SL_BUCKET_RACED))
		return 0;
	if (v == SL_BUCKET_BAN) {
		struct sl_conf *conf = sl_conf_get();
		__u64 until = now + p->ban_ttl_ns;

		/* The bit goes up before the entry exists, as on the control side. */
		if (conf && !(conf->present & ban_bit))
			__sync_fetch_and_or(&conf->present, ban_bit);
		if (bpf_map_update_elem(ban_map, key, &until, BPF_ANY) == 0) {
			sl_bump(SL_CNT_XDP_BAN_ADDED);
			if (conf)
				__sync_fetch_and_add(&conf->ban_gen, 1);
		}
	}
	return SL_CNT_XDP_RATE_LIMITED;
}

static __always_inline const struct sl_bucket_params *sl_class_limit(void *class_map,
								      const void *lpm_key)
{
	__u32 *cls = class_map ? bpf_map_lookup_elem(class_map, lpm_key) : NULL;
	__u32 c = cls ? *cls : 0;
	const struct sl_bucket_params *p = bpf_map_lookup_elem(&sl_limits, &c);

	if (!p || (!p->pkt_interval_ns && !p->byte_q16))
		return NULL;
	return p;
}

/* The source filter for one family; v6 selects the family's sl_conf bits. Returns 0 (go
 * on) or a drop reason. Tables whose bit is clear in sl_conf.present are not looked up. */
static __always_inline __u32 sl_filter(void *allow_map, void *host_map, void *block_map,
				       void *ban_map, void *class_map, void *src_map,
				       const void *lpm_key, const void *addr_key, __u32 len, int v6)
{
	struct sl_conf *conf = sl_conf_get();
	__u32 present = conf ? conf->present : ~0u;
	struct sl_block_val *blk = NULL;
	const struct sl_bucket_params *p;
	__u64 *ban, now = 0;

	if ((present & SL_CONF_BIT(SL_CONF_ALLOW, v6)) && bpf_map_lookup_elem(allow_map, lpm_key)) {
		sl_bump(SL_CNT_XDP_ALLOWLISTED);
		return 0;
	}
	/* A host entry is the longest match there is: the trie only if it has none. */
	if (present & SL_CONF_BIT(SL_CONF_BLOCK_HOST, v6))
		blk = bpf_map_lookup_elem(host_map, addr_key);
	if (!blk && (present & SL_CONF_BIT(SL_CONF_BLOCK_NET, v6)))
		blk = bpf_map_lookup_elem(block_map, lpm_key);
	if (blk) {
		if (!blk->expires_ns)
			return SL_CNT_XDP_BLOCKED;
		now = sl_now(0);
		if (blk->expires_ns > now)
			return SL_CNT_XDP_BLOCKED;
	}
	ban = (present & SL_CONF_BIT(SL_CONF_BAN, v6)) ? bpf_map_lookup_elem(ban_map, addr_key)
						       : NULL;
	if (ban) {
		if (!now)
			now = sl_now(0);
		if (*ban > now)
			return SL_CNT_XDP_BANNED;
		bpf_map_delete_elem(ban_map, addr_key);
	}
	if (!(present & SL_CONF_LIMITS))
		return 0;
	p = sl_class_limit((present & SL_CONF_BIT(SL_CONF_CLASS, v6)) ? class_map : NULL,
			   lpm_key);
	if (!p)
		return 0;
	if (!sl_bucket_coarse_ok(p))
		now = sl_now(1);
	else if (!now)
		now = sl_now(0);
	return sl_limit(src_map, ban_map, addr_key, p, len, now, SL_CONF_BIT(SL_CONF_BAN, v6));
}

static __always_inline __u32 sl_filter_v4(const struct iphdr *ip, __u32 len)
{
	struct sl_lpm_v4_key k = { .prefixlen = 32 };
	__u32 src = ip->saddr;

	__builtin_memcpy(k.addr, &src, 4);
	return sl_filter(&sl_allow_v4, &sl_blkhost_v4, &sl_block_v4, &sl_ban_v4, &sl_class_v4,
			 &sl_src_v4, &k, &src, len, 0);
}

static __always_inline __u32 sl_filter_v6(const struct ipv6hdr *ip6, __u32 len)
{
	struct sl_lpm_v6_key k = { .prefixlen = 128 };
	struct sl_local_v6_key a;

	__builtin_memcpy(k.addr, &ip6->saddr, 16);
	__builtin_memcpy(a.addr, &ip6->saddr, 16);
	return sl_filter(&sl_allow_v6, &sl_blkhost_v6, &sl_block_v6, &sl_ban_v6, &sl_class_v6,
			 &sl_src_v6, &k, &a, len, 1);
}

static __always_inline int sl_count(__u32 reason, int verdict)
{
	sl_bump(reason);
	return verdict;
}

static __always_inline int sl_bloom_has(const struct sl_conf *conf, int v6, __u32 bit)
{
	return !conf || ((conf->local_bloom[v6][(bit >> 6) & 3] >> (bit & 63)) & 1);
}

static __always_inline int sl_is_local_v4(const struct sl_conf *conf, __be32 addr)
{
	__u32 key = addr;

	if (!sl_bloom_has(conf, 0, sl_local_bloom_bit_v4(addr)))
		return 0;
	return bpf_map_lookup_elem(&sl_local_v4, &key) != NULL;
}

static __always_inline int sl_is_local_v6(const struct sl_conf *conf, const struct in6_addr *addr)
{
	struct sl_local_v6_key key;

	__builtin_memcpy(key.addr, addr, sizeof(key.addr));
	if (!sl_bloom_has(conf, 1, sl_local_bloom_bit_v6(key.addr)))
		return 0;
	return bpf_map_lookup_elem(&sl_local_v6, &key) != NULL;
}

/* Returns 1 if the frame is for the appliance, 0 if it belongs to the kernel. */
static __always_inline int sl_for_appliance(const struct sl_conf *conf, struct sl_cursor *c,
					    __be16 proto)
{
	if (proto == bpf_htons(ETH_P_ARP)) {
		struct sl_arp_eth_ipv4 *arp = sl_pull(c, sizeof(*arp));

		return arp && sl_is_local_v4(conf, arp->tpa);
	}
	if (proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *ip = sl_pull(c, sizeof(*ip));

		return ip && sl_is_local_v4(conf, ip->daddr);
	}
	if (proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = sl_pull(c, sizeof(*ip6));
		struct sl_nd_msg *nd;

		if (!ip6)
			return 0;
		if (sl_is_local_v6(conf, &ip6->daddr))
			return 1;
		/* Solicitations go to a solicited-node multicast group: look at the target.
		 * Only when ICMPv6 follows the fixed header directly; ND never carries
		 * extension headers (RFC 4861 section 7.1.1 requires hop limit 255, and
		 * the dataplane validates the rest). */
		if (ip6->nexthdr != IPPROTO_ICMPV6)
			return 0;
		nd = sl_pull(c, sizeof(*nd));
		if (!nd)
			return 0;
		if (nd->icmp.icmp6_type != SL_ND_SOLICIT &&
		    nd->icmp.icmp6_type != SL_ND_ADVERT)
			return 0;
		return sl_is_local_v6(conf, &nd->target);
	}
	return 0;
}

SEC("xdp")
int sluice_xdp(struct xdp_md *ctx)
{
	struct sl_cursor c = {
		.pos = (void *)(long)ctx->data,
		.end = (void *)(long)ctx->data_end,
	};
	int why = 0;
	__be16 proto = sl_parse_eth(&c, &why);

	if (!proto)
		return sl_count(why == 2 ? SL_CNT_VLAN_TOO_DEEP : SL_CNT_L2_TRUNCATED, XDP_PASS);
	if (proto == bpf_htons(ETH_P_IP) || proto == bpf_htons(ETH_P_IPV6)) {
		struct sl_cursor l3 = c;
		/* Byte limits count the whole frame, as the wire carries it (less FCS). */
		__u32 len = ctx->data_end - ctx->data, drop = 0;

		if (proto == bpf_htons(ETH_P_IP)) {
			struct iphdr *ip = sl_pull(&l3, sizeof(*ip));

			if (ip)
				drop = sl_filter_v4(ip, len);
		} else {
			struct ipv6hdr *ip6 = sl_pull(&l3, sizeof(*ip6));

			if (ip6)
				drop = sl_filter_v6(ip6, len);
		}
		if (drop)
			return sl_count(drop, XDP_DROP);
	}
	if (!sl_for_appliance(sl_conf_get(), &c, proto))
		return sl_count(SL_CNT_XDP_PASS, XDP_PASS);
	/* With no XSK bound on this queue the frame falls back to the kernel. */
	return sl_count(SL_CNT_XDP_REDIRECT,
			bpf_redirect_map(&xsks_map, ctx->rx_queue_index, XDP_PASS));
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
