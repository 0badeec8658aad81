/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bpf_ctl: checked changes to the XDP filter's pinned maps. Context: control side.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bpf_ctl.h"
#include "sluice_xdp_abi.h"

static const char *const bpf_ctl_map_names[BPF_CTL_LIST__MAX][2] = {
	[BPF_CTL_BLOCK] = { SL_XDP_MAP_BLOCK_V4, SL_XDP_MAP_BLOCK_V6 },
	[BPF_CTL_ALLOW] = { SL_XDP_MAP_ALLOW_V4, SL_XDP_MAP_ALLOW_V6 },
	[BPF_CTL_CLASS] = { SL_XDP_MAP_CLASS_V4, SL_XDP_MAP_CLASS_V6 },
	[BPF_CTL_BAN] = { SL_XDP_MAP_BAN_V4, SL_XDP_MAP_BAN_V6 },
};

static const char *const bpf_ctl_names[BPF_CTL_LIST__MAX] = {
	[BPF_CTL_BLOCK] = "block", [BPF_CTL_ALLOW] = "allow",
	[BPF_CTL_CLASS] = "class", [BPF_CTL_BAN] = "ban",
};

const char *
bpf_ctl_list_name(enum bpf_ctl_list what)
{
	return what < BPF_CTL_LIST__MAX ? bpf_ctl_names[what] : "?";
}

uint64_t
bpf_ctl_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * SL_NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
}

void
bpf_ctl_prefix_format(const struct bpf_ctl_prefix *p, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	inet_ntop(p->family, p->addr, a, sizeof(a));
	snprintf(buf, len, "%s/%u", a, p->len);
}

int
bpf_ctl_prefix_parse(const char *text, struct bpf_ctl_prefix *p, char *err, size_t errlen)
{
	char addr[INET6_ADDRSTRLEN + 1], *end;
	const char *slash = strchr(text, '/');
	size_t alen = slash ? (size_t)(slash - text) : strlen(text);
	unsigned int max, i;
	unsigned long len;
	struct bpf_ctl_prefix masked;

	memset(p, 0, sizeof(*p));
	if (alen == 0 || alen >= sizeof(addr)) {
		snprintf(err, errlen, "'%.64s' is not an address or prefix", text);
		return -EINVAL;
	}
	memcpy(addr, text, alen);
	addr[alen] = '\0';
	if (inet_pton(AF_INET, addr, p->addr) == 1)
		p->family = AF_INET;
	else if (inet_pton(AF_INET6, addr, p->addr) == 1)
		p->family = AF_INET6;
	else {
		snprintf(err, errlen, "'%.64s' is not an IPv4 or IPv6 address", addr);
		return -EINVAL;
	}
	max = p->family == AF_INET ? 32 : 128;
	p->len = max;
	if (slash) {
		errno = 0;
		len = strtoul(slash + 1, &end, 10);
		if (!slash[1] || *end || errno || len > max || slash[1] == '-' || slash[1] == '+') {
			snprintf(err, errlen, "'%.64s': prefix length must be 0 to %u", text, max);
			return -EINVAL;
		}
		p->len = (unsigned int)len;
	}
	masked = *p;
	for (i = 0; i < max / 8; i++) {
		unsigned int bits = p->len > i * 8 ? p->len - i * 8 : 0;

		if (bits < 8)
			masked.addr[i] &= (uint8_t)(0xff00 >> bits);
	}
	if (memcmp(masked.addr, p->addr, 16) != 0) {
		char want[INET6_ADDRSTRLEN + 8];

		bpf_ctl_prefix_format(&masked, want, sizeof(want));
		snprintf(err, errlen, "'%.64s' has host bits set beyond /%u (did you mean %s?)",
			 text, p->len, want);
		return -EINVAL;
	}
	return 0;
}

static int
bpf_ctl_open_one(const char *dir, const char *name, char *err, size_t errlen)
{
	char path[320];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = bpf_obj_get(path);
	if (fd < 0)
		snprintf(err, errlen, "map %s: %s (is the dataplane's XDP program loaded, and is "
			 "this its bpffs? --bpffs DIR)", path, strerror(errno));
	return fd;
}

int
bpf_ctl_open(struct bpf_ctl *c, const char *pin_dir, char *err, size_t errlen)
{
	int w, f, rc;

	memset(c, 0, sizeof(*c));
	for (w = 0; w < BPF_CTL_LIST__MAX; w++)
		c->fd[w][0] = c->fd[w][1] = -1;
	c->limits_fd = c->stats_fd = -1;
	snprintf(c->pin_dir, sizeof(c->pin_dir), "%s", pin_dir ? pin_dir : BPF_CTL_PIN_DIR_DEFAULT);
	for (w = 0; w < BPF_CTL_LIST__MAX; w++)
		for (f = 0; f < 2; f++) {
			c->fd[w][f] = bpf_ctl_open_one(c->pin_dir, bpf_ctl_map_names[w][f], err, errlen);
			if (c->fd[w][f] < 0)
				goto fail;
		}
	c->limits_fd = bpf_ctl_open_one(c->pin_dir, SL_XDP_MAP_LIMITS, err, errlen);
	if (c->limits_fd < 0)
		goto fail;
	c->stats_fd = bpf_ctl_open_one(c->pin_dir, SL_XDP_MAP_STATS, err, errlen);
	if (c->stats_fd < 0)
		goto fail;
	return 0;
fail:
	rc = -errno;
	bpf_ctl_close(c);
	return rc ? rc : -ENOENT;
}

void
bpf_ctl_close(struct bpf_ctl *c)
{
	int w, f;

	for (w = 0; w < BPF_CTL_LIST__MAX; w++)
		for (f = 0; f < 2; f++)
			if (c->fd[w][f] >= 0) {
				close(c->fd[w][f]);
				c->fd[w][f] = -1;
			}
	if (c->limits_fd >= 0)
		close(c->limits_fd);
	if (c->stats_fd >= 0)
		close(c->stats_fd);
	c->limits_fd = c->stats_fd = -1;
}

/* The map key of a prefix: LPM keys for blocks/allows/classes, bare addresses for bans. */
static size_t
bpf_ctl_key(enum bpf_ctl_list what, const struct bpf_ctl_prefix *p, void *key)
{
	if (what == BPF_CTL_BAN) {
		size_t n = p->family == AF_INET ? 4 : 16;

		memcpy(key, p->addr, n);
		return n;
	}
	if (p->family == AF_INET) {
		struct sl_lpm_v4_key *k = key;

		k->prefixlen = p->len;
		memcpy(k->addr, p->addr, 4);
		return sizeof(*k);
	} else {
		struct sl_lpm_v6_key *k = key;

		k->prefixlen = p->len;
		memcpy(k->addr, p->addr, 16);
		return sizeof(*k);
	}
}

static int
bpf_ctl_insert(struct bpf_ctl *c, enum bpf_ctl_list what, const struct bpf_ctl_prefix *p,
	       const void *val, char *err, size_t errlen)
{
	uint8_t key[sizeof(struct sl_lpm_v6_key)];
	char pfx[INET6_ADDRSTRLEN + 8];
	int fd = c->fd[what][p->family == AF_INET6];
	int rc;

	bpf_ctl_key(what, p, key);
	bpf_ctl_prefix_format(p, pfx, sizeof(pfx));
	rc = bpf_map_update_elem(fd, key, val, BPF_NOEXIST);
	if (rc == 0)
		return 0;
	rc = -errno;
	if (rc == -EEXIST)
		snprintf(err, errlen, "%s %s: already present (delete it first to change it)",
			 bpf_ctl_names[what], pfx);
	else if (rc == -E2BIG || rc == -ENOSPC || rc == -ENOMEM)
		snprintf(err, errlen, "%s %s: map %s is full", bpf_ctl_names[what], pfx,
			 bpf_ctl_map_names[what][p->family == AF_INET6]);
	else
		snprintf(err, errlen, "%s %s: map %s: %s", bpf_ctl_names[what], pfx,
			 bpf_ctl_map_names[what][p->family == AF_INET6], strerror(-rc));
	return rc;
}

int
bpf_ctl_block_add(struct bpf_ctl *c, const struct bpf_ctl_prefix *p, uint64_t ttl_s,
		  char *err, size_t errlen)
{
	struct sl_block_val v = { .expires_ns = ttl_s ? bpf_ctl_now_ns() + ttl_s * SL_NSEC_PER_SEC : 0 };

	if (ttl_s > 100ULL * 365 * 86400) {
		snprintf(err, errlen, "block: ttl %llu s is too long (omit it to block until removed)",
			 (unsigned long long)ttl_s);
		return -EINVAL;
	}
	return bpf_ctl_insert(c, BPF_CTL_BLOCK, p, &v, err, errlen);
}

int
bpf_ctl_allow_add(struct bpf_ctl *c, const struct bpf_ctl_prefix *p, char *err, size_t errlen)
{
	struct sl_allow_val v = { 0 };

	return bpf_ctl_insert(c, BPF_CTL_ALLOW, p, &v, err, errlen);
}

int
bpf_ctl_class_set(struct bpf_ctl *c, const struct bpf_ctl_prefix *p, uint32_t class_id,
		  char *err, size_t errlen)
{
	if (class_id == 0 || class_id >= SL_XDP_CLASS_MAX) {
		snprintf(err, errlen, "class %u: want 1 to %u (class 0 is every other source)",
			 class_id, SL_XDP_CLASS_MAX - 1);
		return -EINVAL;
	}
	return bpf_ctl_insert(c, BPF_CTL_CLASS, p, &class_id, err, errlen);
}

int
bpf_ctl_ban_add(struct bpf_ctl *c, const struct bpf_ctl_prefix *p, uint64_t ttl_s, char *err,
		size_t errlen)
{
	uint64_t until;

	if (p->len != (p->family == AF_INET ? 32u : 128u)) {
		snprintf(err, errlen, "ban: bans are for single sources; block a prefix instead");
		return -EINVAL;
	}
	if (ttl_s == 0 || ttl_s > 365ULL * 86400) {
		snprintf(err, errlen, "ban: --ttl must be 1 s to 1 year (block a source for good)");
		return -EINVAL;
	}
	until = bpf_ctl_now_ns() + ttl_s * SL_NSEC_PER_SEC;
	return bpf_ctl_insert(c, BPF_CTL_BAN, p, &until, err, errlen);
}

int
bpf_ctl_del(struct bpf_ctl *c, enum bpf_ctl_list what, const struct bpf_ctl_prefix *p,
	    char *err, size_t errlen)
{
	uint8_t key[sizeof(struct sl_lpm_v6_key)];
	char pfx[INET6_ADDRSTRLEN + 8];
	int rc;

	bpf_ctl_key(what, p, key);
	if (bpf_map_delete_elem(c->fd[what][p->family == AF_INET6], key) == 0)
		return 0;
	rc = -errno;
	bpf_ctl_prefix_format(p, pfx, sizeof(pfx));
	if (rc == -ENOENT)
		snprintf(err, errlen, "%s %s: no such entry", bpf_ctl_names[what], pfx);
	else
		snprintf(err, errlen, "%s %s: %s", bpf_ctl_names[what], pfx, strerror(-rc));
	return rc;
}

int
bpf_ctl_list(struct bpf_ctl *c, enum bpf_ctl_list what, bpf_ctl_entry_fn fn, void *arg)
{
	int f, rc;

	for (f = 0; f < 2; f++) {
		uint8_t key[sizeof(struct sl_lpm_v6_key)], next[sizeof(key)];
		void *prev = NULL;
		int fd = c->fd[what][f];

		while (bpf_map_get_next_key(fd, prev, next) == 0) {
			struct bpf_ctl_entry e;
			uint64_t val64 = 0;
			uint32_t val32 = 0;

			memcpy(key, next, sizeof(key));
			prev = key;
			memset(&e, 0, sizeof(e));
			e.prefix.family = f ? AF_INET6 : AF_INET;
			if (what == BPF_CTL_BAN) {
				memcpy(e.prefix.addr, key, f ? 16 : 4);
				e.prefix.len = f ? 128 : 32;
			} else {
				memcpy(&e.prefix.len, key, 4);
				memcpy(e.prefix.addr, key + 4, f ? 16 : 4);
			}
			if (what == BPF_CTL_CLASS) {
				if (bpf_map_lookup_elem(fd, key, &val32) != 0)
					continue;
				e.class_id = val32;
			} else if (what == BPF_CTL_BLOCK || what == BPF_CTL_BAN) {
				if (bpf_map_lookup_elem(fd, key, &val64) != 0)
					continue;
				e.expires_ns = val64;
			}
			rc = fn(&e, arg);
			if (rc)
				return rc;
		}
	}
	return 0;
}

int
bpf_ctl_limit_set(struct bpf_ctl *c, uint32_t class_id, const struct sl_bucket_params *p,
		  char *err, size_t errlen)
{
	if (class_id >= SL_XDP_CLASS_MAX) {
		snprintf(err, errlen, "limit: class %u: want 0 to %u", class_id, SL_XDP_CLASS_MAX - 1);
		return -EINVAL;
	}
	if (p->ban_after_ns && !p->ban_ttl_ns) {
		snprintf(err, errlen, "limit: --ban-after needs --ban-ttl");
		return -EINVAL;
	}
	if (bpf_map_update_elem(c->limits_fd, &class_id, p, BPF_ANY) != 0) {
		snprintf(err, errlen, "limit: map %s: %s", SL_XDP_MAP_LIMITS, strerror(errno));
		return -errno;
	}
	return 0;
}

int
bpf_ctl_limit_get(struct bpf_ctl *c, uint32_t class_id, struct sl_bucket_params *p)
{
	return bpf_map_lookup_elem(c->limits_fd, &class_id, p) == 0 ? 0 : -errno;
}

int
bpf_ctl_stats(struct bpf_ctl *c, uint64_t *out)
{
	int ncpu = libbpf_num_possible_cpus(), i;
	uint64_t *vals;
	uint32_t k;

	memset(out, 0, sizeof(uint64_t) * SL_CNT__MAX);
	if (ncpu <= 0)
		return -EINVAL;
	vals = calloc((size_t)ncpu, sizeof(*vals));
	if (!vals)
		return -ENOMEM;
	for (k = 0; k < SL_CNT__MAX; k++)
		if (bpf_map_lookup_elem(c->stats_fd, &k, vals) == 0)
			for (i = 0; i < ncpu; i++)
				out[k] += vals[i];
	free(vals);
	return 0;
}
