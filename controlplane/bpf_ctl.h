/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bpf_ctl: the control side of the XDP front filter's pinned maps.
 *
 * Blocks, allow entries, bans, source classes and class limits live in maps the XDP
 * program pins by name under a bpffs (bpf/sluice_xdp_abi.h), so they outlive dataplane
 * restarts. This library opens them by path and changes them one entry at a time, each
 * change checked first (prefix well formed, host bits clear, not a duplicate, room left)
 * so a refused change leaves the maps as they were and says why in one line. Expiries
 * use CLOCK_MONOTONIC, the clock of bpf_ktime_get_ns().
 *
 * Used by sluice-xdpctl today and by sluiced later. Context: control side, may block.
 */
#ifndef SL_BPF_CTL_H
#define SL_BPF_CTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/types.h>

#include "sl_bucket.h"
#include "sl_reasons.h"

#define BPF_CTL_PIN_DIR_DEFAULT "/sys/fs/bpf"

struct bpf_ctl_prefix {
	int family;                     /* AF_INET or AF_INET6 */
	unsigned int len;               /* prefix length in bits */
	uint8_t addr[16];               /* network order; IPv4 in the first 4 bytes */
};

enum bpf_ctl_list {
	BPF_CTL_BLOCK,
	BPF_CTL_ALLOW,
	BPF_CTL_CLASS,
	BPF_CTL_BAN,
	BPF_CTL_LIST__MAX
};

struct sl_conf;
struct bpf_object;

struct bpf_ctl {
	char pin_dir[256];
	int fd[BPF_CTL_LIST__MAX][2];   /* [what][0: IPv4, 1: IPv6]; blocks: the networks' trie */
	int host_fd[2];                 /* blocks of single addresses (exact-match hash) */
	int limits_fd;
	int stats_fd;
	int conf_fd;
	struct sl_conf *conf;           /* sl_conf, mapped shared with the program */
};

/* One listed entry: prefix (bans: a /32 or /128), and what it carries. */
struct bpf_ctl_entry {
	struct bpf_ctl_prefix prefix;
	uint64_t expires_ns;            /* blocks and bans; 0: none */
	uint32_t class_id;              /* classes */
};

typedef int (*bpf_ctl_entry_fn)(const struct bpf_ctl_entry *e, void *arg);

/*
 * Parses "ADDR[/LEN]" (no LEN: a single address). Refuses host bits set beyond LEN, with
 * the prefix it probably meant. Returns 0 or -EINVAL with a reason in err. Pure.
 */
int bpf_ctl_prefix_parse(const char *text, struct bpf_ctl_prefix *p, char *err, size_t errlen);
void bpf_ctl_prefix_format(const struct bpf_ctl_prefix *p, char *buf, size_t len);

/* Opens the pinned maps under pin_dir (NULL: /sys/fs/bpf). */
int bpf_ctl_open(struct bpf_ctl *c, const char *pin_dir, char *err, size_t errlen);
/* The same over the maps of a loaded object (tests, benchmarks: nothing pinned). */
int bpf_ctl_open_obj(struct bpf_ctl *c, struct bpf_object *obj, char *err, size_t errlen);
void bpf_ctl_close(struct bpf_ctl *c);

/*
 * Recomputes sl_conf.present from the maps themselves: sets the bit of every table that
 * holds entries, clears the others. For whoever starts the program over maps it did not
 * fill (the dataplane, at start). Returns 0 or -errno.
 */
int bpf_ctl_conf_resync(struct bpf_ctl *c);
/*
 * The Bloom filter of the appliance's addresses in sl_conf (see the ABI header). add sets
 * one address's bit (before the address goes into sl_local_*); store replaces a family's
 * words (after stale addresses were removed). Atomic against the program.
 */
void bpf_ctl_local_bloom_add(struct bpf_ctl *c, int v6, const uint8_t *addr);
void bpf_ctl_local_bloom_store(struct bpf_ctl *c, int v6, const uint64_t *words);

/* Generations of the filter's tables: bpf_ctl_gen changes whenever a block, allow entry,
 * class or limit does; bpf_ctl_ban_gen whenever a ban is added (here or by the program)
 * or removed. */
uint64_t bpf_ctl_gen(const struct bpf_ctl *c);
uint64_t bpf_ctl_ban_gen(const struct bpf_ctl *c);

uint64_t bpf_ctl_now_ns(void);

/* ttl_s 0: until removed. Duplicates are refused (-EEXIST), a full map too (-ENOSPC). */
int bpf_ctl_block_add(struct bpf_ctl *c, const struct bpf_ctl_prefix *p, uint64_t ttl_s,
		      char *err, size_t errlen);
/* The same with an absolute CLOCK_MONOTONIC expiry (0: none). */
int bpf_ctl_block_add_until(struct bpf_ctl *c, const struct bpf_ctl_prefix *p,
			    uint64_t expires_ns, char *err, size_t errlen);
int bpf_ctl_allow_add(struct bpf_ctl *c, const struct bpf_ctl_prefix *p, char *err,
		      size_t errlen);
int bpf_ctl_class_set(struct bpf_ctl *c, const struct bpf_ctl_prefix *p, uint32_t class_id,
		      char *err, size_t errlen);
/* Bans take a single address (a /32 or /128) and a TTL of at least one second. */
int bpf_ctl_ban_add(struct bpf_ctl *c, const struct bpf_ctl_prefix *p, uint64_t ttl_s,
		    char *err, size_t errlen);
/* Bans address p until until_ns (CLOCK_MONOTONIC), replacing a ban it already has: for
 * bans decided elsewhere (the dataplane's first stage). */
int bpf_ctl_ban_set_until(struct bpf_ctl *c, const struct bpf_ctl_prefix *p, uint64_t until_ns,
			  char *err, size_t errlen);
/* Removes the exact entry; -ENOENT if there is none. */
int bpf_ctl_del(struct bpf_ctl *c, enum bpf_ctl_list what, const struct bpf_ctl_prefix *p,
		char *err, size_t errlen);
/* Calls fn for every entry of a kind (both families), stopping if it returns non-zero. */
int bpf_ctl_list(struct bpf_ctl *c, enum bpf_ctl_list what, bpf_ctl_entry_fn fn, void *arg);

/*
 * Deletes blocks and bans whose expiry is at or before now_ns (expired entries already
 * stop matching; this frees their room and their listing). Returns the number deleted,
 * or -errno. Context: control side, periodically.
 */
int bpf_ctl_sweep(struct bpf_ctl *c, uint64_t now_ns);

/* Class 0..SL_XDP_CLASS_MAX-1; class 0 applies to every source no class prefix matches.
 * All-zero params remove the limit. */
int bpf_ctl_limit_set(struct bpf_ctl *c, uint32_t class_id, const struct sl_bucket_params *p,
		      char *err, size_t errlen);
int bpf_ctl_limit_get(struct bpf_ctl *c, uint32_t class_id, struct sl_bucket_params *p);

/* Sums the per-CPU counters into out[SL_CNT__MAX]. */
int bpf_ctl_stats(struct bpf_ctl *c, uint64_t *out);

const char *bpf_ctl_list_name(enum bpf_ctl_list what);

/*
 * Counts a refused change (rc: the -errno it was refused with) in sl_conf.ctl_refused.
 * The library counts its own refusals; callers count what they refuse before calling it
 * (a prefix that does not parse, a bad option value).
 */
void bpf_ctl_refused(struct bpf_ctl *c, int rc);
/* Reads the refusal counters into out[SL_CTL_REFUSED__MAX]; their names. */
void bpf_ctl_refusals(const struct bpf_ctl *c, uint64_t *out);
const char *bpf_ctl_refusal_name(int i);

#endif /* SL_BPF_CTL_H */
