/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Map keys and values of the XDP front program, shared by bpf/ and userspace.
 *
 * Map names here are the same strings as the pin names under the bpffs and in sluicectl
 * output. Structs have explicit padding so BPF and x86-64 agree byte for byte.
 */
#ifndef SLUICE_XDP_ABI_H
#define SLUICE_XDP_ABI_H

/* Addresses the appliance owns (on any port); traffic to them goes to the XSK. */
#define SL_XDP_MAP_LOCAL_V4  "sl_local_v4"
#define SL_XDP_MAP_LOCAL_V6  "sl_local_v6"
/* Per-CPU counters indexed by enum sl_counter (sl_reasons.h). */
#define SL_XDP_MAP_STATS     "sl_xdp_stats"
/* Source prefixes dropped outright (LPM; value struct sl_block_val), except single
 * addresses (/32, /128): those are in an exact-match hash keyed by the address, so the
 * common blocklist of hosts costs one hash probe and the trie holds only networks. A
 * host entry is the longest possible match, so looking it up first keeps longest-prefix
 * semantics. */
#define SL_XDP_MAP_BLOCK_V4  "sl_block_v4"
#define SL_XDP_MAP_BLOCK_V6  "sl_block_v6"
#define SL_XDP_MAP_BLKHOST_V4 "sl_blkhost_v4"
#define SL_XDP_MAP_BLKHOST_V6 "sl_blkhost_v6"
/* Source prefixes that bypass blocks, bans and limits (LPM; value struct sl_allow_val). */
#define SL_XDP_MAP_ALLOW_V4  "sl_allow_v4"
#define SL_XDP_MAP_ALLOW_V6  "sl_allow_v6"
/* Source prefix -> limit class (LPM; value __u32 class); unmatched sources: class 0. */
#define SL_XDP_MAP_CLASS_V4  "sl_class_v4"
#define SL_XDP_MAP_CLASS_V6  "sl_class_v6"
/* Limit of each class (ARRAY of struct sl_bucket_params; all zero: unlimited). */
#define SL_XDP_MAP_LIMITS    "sl_limits"
/* Per-source bucket state (LRU hash; struct sl_bucket_state). */
#define SL_XDP_MAP_SRC_V4    "sl_src_v4"
#define SL_XDP_MAP_SRC_V6    "sl_src_v6"
/* Banned sources -> ban expiry, CLOCK_MONOTONIC ns (LRU hash; __u64). */
#define SL_XDP_MAP_BAN_V4    "sl_ban_v4"
#define SL_XDP_MAP_BAN_V6    "sl_ban_v6"
/* One struct sl_conf (ARRAY of 1, mmapable): which tables may hold entries, and
 * generations bumped on every change (the dataplane's first stage mirrors on them). */
#define SL_XDP_MAP_CONF      "sl_conf"

#define SL_XDP_LOCAL_MAX     4096
#define SL_XDP_XSK_MAX       64
/* Overridable at build time (-D): prefixes per family, tracked sources, bans, classes. */
#ifndef SL_XDP_PREFIX_MAX
#define SL_XDP_PREFIX_MAX    (1 << 20)
#endif
#ifndef SL_XDP_ALLOW_MAX
#define SL_XDP_ALLOW_MAX     65536
#endif
#ifndef SL_XDP_SRC_MAX
#define SL_XDP_SRC_MAX       (1 << 18)
#endif
#ifndef SL_XDP_BAN_MAX
#define SL_XDP_BAN_MAX       (1 << 16)
#endif
#define SL_XDP_CLASS_MAX     64

/* LPM_TRIE keys: prefix length in bits, then the address in network order. */
struct sl_lpm_v4_key {
	unsigned int prefixlen;
	unsigned char addr[4];
};

struct sl_lpm_v6_key {
	unsigned int prefixlen;
	unsigned char addr[16];
};

struct sl_block_val {
	unsigned long long expires_ns;  /* CLOCK_MONOTONIC; 0: until removed */
};

struct sl_allow_val {
	unsigned int flags;             /* reserved, 0 */
};

/*
 * sl_conf.present: a bit per table that may hold entries. The program skips a lookup in
 * a table whose bit is clear, so a packet pays only for the tables in use. The control
 * side sets a bit before it inserts and clears it only after it found the table empty
 * (and sets it again if an insert raced in); the program sets the ban bit itself before
 * it adds a ban. A stale set bit costs one lookup; a clear bit on a table with entries
 * would lose policy, so the dataplane recomputes all bits from the maps when it starts.
 * IPv6 bits are the IPv4 bits shifted by SL_CONF_V6_SHIFT.
 */
#define SL_CONF_ALLOW        0x01u
#define SL_CONF_BLOCK_NET    0x02u
#define SL_CONF_BLOCK_HOST   0x04u
#define SL_CONF_CLASS        0x08u
#define SL_CONF_BAN          0x10u
#define SL_CONF_LIMITS       0x80u      /* some class has a limit; both families */
#define SL_CONF_V6_SHIFT     8
#define SL_CONF_BIT(bit, v6) ((bit) << ((v6) ? SL_CONF_V6_SHIFT : 0))

#define SL_LOCAL_BLOOM_WORDS 4     /* 256 bits per family */

struct sl_conf {
	unsigned int present;           /* SL_CONF_* bits, changed with atomic or/and */
	unsigned int reserved;
	unsigned long long gen;         /* +1 on every change of blocks, allows, classes, limits */
	unsigned long long ban_gen;     /* +1 on every ban added or removed (here or in XDP) */
	/* A one-hash Bloom filter of the appliance's addresses (sl_local_v4/v6): a clear bit
	 * means "not ours" without a hash-map lookup, so traffic for the kernel pays a few
	 * instructions. The dataplane sets an address's bit before it adds the address and
	 * clears bits only for addresses it removed. */
	unsigned long long local_bloom[2][SL_LOCAL_BLOOM_WORDS];
	/* Changes the control side refused, by enum sl_ctl_refusal: every refusal is said in
	 * one line and counted here (bpf_ctl_refused). */
	unsigned long long ctl_refused[8];
};

enum sl_ctl_refusal {
	SL_CTL_REFUSED_INVALID,         /* malformed prefix, out-of-range value */
	SL_CTL_REFUSED_DUPLICATE,       /* the entry exists already */
	SL_CTL_REFUSED_FULL,            /* the map is full */
	SL_CTL_REFUSED_MISSING,         /* deleting an entry that is not there */
	SL_CTL_REFUSED_OTHER,
	SL_CTL_REFUSED__MAX
};

/* The filter bit of an IPv4 address (network order, as in the packet) or an IPv6 one. */
static inline unsigned int
sl_local_bloom_bit_v4(unsigned int addr)
{
	return (addr * 0x9e3779b1u) >> 24;
}

static inline unsigned int
sl_local_bloom_bit_v6(const unsigned char *a)
{
	unsigned int w[4], i;

	for (i = 0; i < 4; i++)
		w[i] = (unsigned int)a[4 * i] | (unsigned int)a[4 * i + 1] << 8 |
		       (unsigned int)a[4 * i + 2] << 16 | (unsigned int)a[4 * i + 3] << 24;
	return sl_local_bloom_bit_v4(w[0] ^ w[1] ^ w[2] ^ w[3]);
}

/* Key of sl_local_v4 is the IPv4 address in network order (__u32). */
struct sl_local_v6_key {
	unsigned char addr[16];
};

/* Value of both local maps. */
struct sl_local_val {
	unsigned int flags;     /* reserved, 0 */
};

#endif /* SLUICE_XDP_ABI_H */
