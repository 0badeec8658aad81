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
#include <sys/mman.h>

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

static const char *const bpf_ctl_refusal_names[SL_CTL_REFUSED__MAX] = {
	[SL_CTL_REFUSED_INVALID] = "ctl_refused_invalid",
	[SL_CTL_REFUSED_DUPLICATE] = "ctl_refused_duplicate",
	[SL_CTL_REFUSED_FULL] = "ctl_refused_full",
	[SL_CTL_REFUSED_MISSING] = "ctl_refused_missing",
	[SL_CTL_REFUSED_OTHER] = "ctl_refused_other",
};

const char *
bpf_ctl_refusal_name(int i)
{
	return i >= 0 && i < SL_CTL_REFUSED__MAX ? bpf_ctl_refusal_names[i] : "?";
}

void
bpf_ctl_refused(struct bpf_ctl *c, int rc)
{
	int k = rc == -EINVAL ? SL_CTL_REFUSED_INVALID :
		rc == -EEXIST ? SL_CTL_REFUSED_DUPLICATE :
		(rc == -E2BIG || rc == -ENOSPC || rc == -ENOMEM) ? SL_CTL_REFUSED_FULL :
		rc == -ENOENT ? SL_CTL_REFUSED_MISSING : SL_CTL_REFUSED_OTHER;

	if (c->conf)
		__atomic_fetch_add(&c->conf->ctl_refused[k], 1, __ATOMIC_RELAXED);
}

void
bpf_ctl_refusals(const struct bpf_ctl *c, uint64_t *out)
{
	int i;

	for (i = 0; i < SL_CTL_REFUSED__MAX; i++)
		out[i] = c->conf ? __atomic_load_n(&c->conf->ctl_refused[i], __ATOMIC_RELAXED) : 0;
}

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

/* How a map is found: by pin path, or by name in a loaded object. */
struct bpf_ctl_src {
	const char *dir;
	struct bpf_object *obj;
};

static int
bpf_ctl_open_one(const struct bpf_ctl_src *src, const char *name, char *err, size_t errlen)
{
	char path[320];
	int fd;

	if (src->obj) {
		fd = bpf_object__find_map_fd_by_name(src->obj, name);
		if (fd < 0 || (fd = dup(fd)) < 0) {
			snprintf(err, errlen, "map %s: not in the object", name);
			errno = ENOENT;
			return -1;
		}
		return fd;
	}
	snprintf(path, sizeof(path), "%s/%s", src->dir, name);
	fd = bpf_obj_get(path);
	if (fd < 0)
		snprintf(err, errlen, "map %s: %s (is the dataplane's XDP program loaded, and is "
			 "this its bpffs? --bpffs DIR)", path, strerror(errno));
	return fd;
}

static int
bpf_ctl_open_src(struct bpf_ctl *c, const struct bpf_ctl_src *src, char *err, size_t errlen)
{
	static const char *const host_names[2] = { SL_XDP_MAP_BLKHOST_V4, SL_XDP_MAP_BLKHOST_V6 };
	void *conf;
	int w, f, rc;

	for (w = 0; w < BPF_CTL_LIST__MAX; w++)
		for (f = 0; f < 2; f++) {
			c->fd[w][f] = bpf_ctl_open_one(src, bpf_ctl_map_names[w][f], err, errlen);
			if (c->fd[w][f] < 0)
				goto fail;
		}
	for (f = 0; f < 2; f++) {
		c->host_fd[f] = bpf_ctl_open_one(src, host_names[f], err, errlen);
		if (c->host_fd[f] < 0)
			goto fail;
	}
	c->limits_fd = bpf_ctl_open_one(src, SL_XDP_MAP_LIMITS, err, errlen);
	if (c->limits_fd < 0)
		goto fail;
	c->stats_fd = bpf_ctl_open_one(src, SL_XDP_MAP_STATS, err, errlen);
	if (c->stats_fd < 0)
		goto fail;
	c->conf_fd = bpf_ctl_open_one(src, SL_XDP_MAP_CONF, err, errlen);
	if (c->conf_fd < 0)
		goto fail;
	conf = mmap(NULL, (size_t)sysconf(_SC_PAGESIZE), PROT_READ | PROT_WRITE, MAP_SHARED,
		    c->conf_fd, 0);
	if (conf == MAP_FAILED) {
		snprintf(err, errlen, "map %s: mmap: %s", SL_XDP_MAP_CONF, strerror(errno));
		goto fail;
	}
	c->conf = conf;
	return 0;
fail:
	rc = -errno;
	bpf_ctl_close(c);
	return rc ? rc : -ENOENT;
}

static void
bpf_ctl_init(struct bpf_ctl *c)
{
	int w;

	memset(c, 0, sizeof(*c));
	for (w = 0; w < BPF_CTL_LIST__MAX; w++)
		c->fd[w][0] = c->fd[w][1] = -1;
	c->host_fd[0] = c->host_fd[1] = -1;
	c->limits_fd = c->stats_fd = c->conf_fd = -1;
}

int
bpf_ctl_open(struct bpf_ctl *c, const char *pin_dir, char *err, size_t errlen)
{
	struct bpf_ctl_src src = { .dir = pin_dir ? pin_dir : BPF_CTL_PIN_DIR_DEFAULT };

	bpf_ctl_init(c);
	snprintf(c->pin_dir, sizeof(c->pin_dir), "%s", src.dir);
	return bpf_ctl_open_src(c, &src, err, errlen);
}

int
bpf_ctl_open_obj(struct bpf_ctl *c, struct bpf_object *obj, char *err, size_t errlen)
{
	struct bpf_ctl_src src = { .obj = obj };

	bpf_ctl_init(c);
	return bpf_ctl_open_src(c, &src, err, errlen);
}

static void
bpf_ctl_close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

void
bpf_ctl_close(struct bpf_ctl *c)
{
	int w, f;

	for (w = 0; w < BPF_CTL_LIST__MAX; w++)
		for (f = 0; f < 2; f++)
			bpf_ctl_close_fd(&c->fd[w][f]);
	for (f = 0; f < 2; f++)
		bpf_ctl_close_fd(&c->host_fd[f]);
	if (c->conf)
		munmap(c->conf, (size_t)sysconf(_SC_PAGESIZE));
	c->conf = NULL;
	bpf_ctl_close_fd(&c->limits_fd);
	bpf_ctl_close_fd(&c->stats_fd);
	bpf_ctl_close_fd(&c->conf_fd);
}

uint64_t
bpf_ctl_gen(const struct bpf_ctl *c)
{
	return __atomic_load_n(&c->conf->gen, __ATOMIC_ACQUIRE);
}

uint64_t
bpf_ctl_ban_gen(const struct bpf_ctl *c)
{
	return __atomic_load_n(&c->conf->ban_gen, __ATOMIC_ACQUIRE);
}

void
bpf_ctl_local_bloom_add(struct bpf_ctl *c, int v6, const uint8_t *addr)
{
	unsigned int bit;
	uint32_t a4;

	if (v6) {
		bit = sl_local_bloom_bit_v6(addr);
	} else {
		memcpy(&a4, addr, 4);
		bit = sl_local_bloom_bit_v4(a4);
	}
	__atomic_fetch_or(&c->conf->local_bloom[v6 ? 1 : 0][bit >> 6], 1ULL << (bit & 63),
			  __ATOMIC_SEQ_CST);
}

void
bpf_ctl_local_bloom_store(struct bpf_ctl *c, int v6, const uint64_t *words)
{
	int i;

	for (i = 0; i < SL_LOCAL_BLOOM_WORDS; i++)
		__atomic_store_n(&c->conf->local_bloom[v6 ? 1 : 0][i], words[i], __ATOMIC_SEQ_CST);
}

/* Bans have their own generation: they come and go far more often than the rest. */
static void
bpf_ctl_changed(struct bpf_ctl *c, enum bpf_ctl_list what)
{
	__atomic_fetch_add(what == BPF_CTL_BAN ? &c->conf->ban_gen : &c->conf->gen, 1,
			   __ATOMIC_RELEASE);
}

static bool
bpf_ctl_map_empty(int fd)
{
	uint8_t next[sizeof(struct sl_lpm_v6_key)];

	return bpf_map_get_next_key(fd, NULL, next) != 0;
}

/* After the last entry of a table went: clear its bit, then look again, in case an
 * insert from another controller came between our look and the clear. */
static void
bpf_ctl_maybe_clear(struct bpf_ctl *c, int fd, unsigned int bit)
{
	if (!bpf_ctl_map_empty(fd))
		return;
	__atomic_fetch_and(&c->conf->present, ~bit, __ATOMIC_SEQ_CST);
	if (!bpf_ctl_map_empty(fd))
		__atomic_fetch_or(&c->conf->present, bit, __ATOMIC_SEQ_CST);
}

static bool
bpf_ctl_is_host(const struct bpf_ctl_prefix *p)
{
	return p->len == (p->family == AF_INET ? 32u : 128u);
}

/* The table (fd and sl_conf bit) that holds p in list what. */
static int
bpf_ctl_table(const struct bpf_ctl *c, enum bpf_ctl_list what, const struct bpf_ctl_prefix *p,
	      unsigned int *bit, const char **name)
{
	static const unsigned int bits[BPF_CTL_LIST__MAX] = {
		[BPF_CTL_BLOCK] = SL_CONF_BLOCK_NET, [BPF_CTL_ALLOW] = SL_CONF_ALLOW,
		[BPF_CTL_CLASS] = SL_CONF_CLASS, [BPF_CTL_BAN] = SL_CONF_BAN,
	};
	int v6 = p->family == AF_INET6;

	if (what == BPF_CTL_BLOCK && bpf_ctl_is_host(p)) {
		*bit = SL_CONF_BIT(SL_CONF_BLOCK_HOST, v6);
		*name = v6 ? SL_XDP_MAP_BLKHOST_V6 : SL_XDP_MAP_BLKHOST_V4;
		return c->host_fd[v6];
	}
	*bit = SL_CONF_BIT(bits[what], v6);
	*name = bpf_ctl_map_names[what][v6];
	return c->fd[what][v6];
}

static bool
bpf_ctl_limit_active(const struct sl_bucket_params *p)
{
	return p->pkt_interval_ns || p->byte_q16;
}

/* Whether some class has a limit (the program skips classes and limits if none has). */
static bool
bpf_ctl_any_limit(struct bpf_ctl *c)
{
	struct sl_bucket_params p;
	uint32_t k;

	for (k = 0; k < SL_XDP_CLASS_MAX; k++)
		if (bpf_map_lookup_elem(c->limits_fd, &k, &p) == 0 && bpf_ctl_limit_active(&p))
			return true;
	return false;
}

int
bpf_ctl_conf_resync(struct bpf_ctl *c)
{
	unsigned int present = bpf_ctl_any_limit(c) ? SL_CONF_LIMITS : 0;
	int w, f;

	for (w = 0; w < BPF_CTL_LIST__MAX; w++)
		for (f = 0; f < 2; f++) {
			struct bpf_ctl_prefix p = { .family = f ? AF_INET6 : AF_INET };
			const char *name;
			unsigned int bit;
			int fd;

			fd = bpf_ctl_table(c, (enum bpf_ctl_list)w, &p, &bit, &name);
			if (!bpf_ctl_map_empty(fd))
				present |= bit;
			if (w == BPF_CTL_BLOCK && !bpf_ctl_map_empty(c->host_fd[f]))
				present |= SL_CONF_BIT(SL_CONF_BLOCK_HOST, f);
		}
	/* Bits only go up here first, so no table is skipped while we look. */
	__atomic_fetch_or(&c->conf->present, present, __ATOMIC_SEQ_CST);
	__atomic_fetch_and(&c->conf->present, present, __ATOMIC_SEQ_CST);
	bpf_ctl_changed(c, BPF_CTL_BLOCK);
	bpf_ctl_changed(c, BPF_CTL_BAN);
	return 0;
}

/* The map key of a prefix: bare addresses for bans and host blocks, LPM keys otherwise. */
static size_t
bpf_ctl_key(enum bpf_ctl_list what, const struct bpf_ctl_prefix *p, void *key)
{
	if (what == BPF_CTL_BAN || (what == BPF_CTL_BLOCK && bpf_ctl_is_host(p))) {
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
bpf_ctl_write(struct bpf_ctl *c, enum bpf_ctl_list what, const struct bpf_ctl_prefix *p,
	      const void *val, uint64_t flags, char *err, size_t errlen);

static int
bpf_ctl_insert(struct bpf_ctl *c, enum bpf_ctl_list what, const struct bpf_ctl_prefix *p,
	       const void *val, char *err, size_t errlen)
{
	return bpf_ctl_write(c, what, p, val, BPF_NOEXIST, err, errlen);
}

static int
bpf_ctl_write(struct bpf_ctl *c, enum bpf_ctl_list what, const struct bpf_ctl_prefix *p,
	      const void *val, uint64_t flags, char *err, size_t errlen)
{
	uint8_t key[sizeof(struct sl_lpm_v6_key)];
	char pfx[INET6_ADDRSTRLEN + 8];
	const char *name;
	unsigned int bit;
	int fd = bpf_ctl_table(c, what, p, &bit, &name);
	int rc;

	bpf_ctl_key(what, p, key);
	bpf_ctl_prefix_format(p, pfx, sizeof(pfx));
	/* The bit first: the program must never skip a table that holds an entry. */
	__atomic_fetch_or(&c->conf->present, bit, __ATOMIC_SEQ_CST);
	rc = bpf_map_update_elem(fd, key, val, flags);
	if (rc == 0) {
		bpf_ctl_changed(c, what);
		return 0;
	}
	rc = -errno;
	if (rc == -EEXIST)
		snprintf(err, errlen, "%s %s: already present (delete it first to change it)",
			 bpf_ctl_names[what], pfx);
	else if (rc == -E2BIG || rc == -ENOSPC || rc == -ENOMEM)
		snprintf(err, errlen, "%s %s: map %s is full", bpf_ctl_names[what], pfx, name);
	else
		snprintf(err, errlen, "%s %s: map %s: %s", bpf_ctl_names[what], pfx, name,
			 strerror(-rc));
	bpf_ctl_maybe_clear(c, fd, bit);
	bpf_ctl_refused(c, rc);
	return rc;
}

int
bpf_ctl_block_add_until(struct bpf_ctl *c, const struct bpf_ctl_prefix *p, uint64_t expires_ns,
			char *err, size_t errlen)
{
	struct sl_block_val v = { .expires_ns = expires_ns };

	return bpf_ctl_insert(c, BPF_CTL_BLOCK, p, &v, err, errlen);
}

int
bpf_ctl_block_add(struct bpf_ctl *c, const struct bpf_ctl_prefix *p, uint64_t ttl_s,
		  char *err, size_t errlen)
{
	if (ttl_s > 100ULL * 365 * 86400) {
		snprintf(err, errlen, "block: ttl %llu s is too long (omit it to block until removed)",
			 (unsigned long long)ttl_s);
		bpf_ctl_refused(c, -EINVAL);
		return -EINVAL;
	}
	return bpf_ctl_block_add_until(c, p, ttl_s ? bpf_ctl_now_ns() + ttl_s * SL_NSEC_PER_SEC : 0,
				       err, errlen);
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
		bpf_ctl_refused(c, -EINVAL);
		return -EINVAL;
	}
	return bpf_ctl_insert(c, BPF_CTL_CLASS, p, &class_id, err, errlen);
}

/* Bans are for single addresses; anything wider is refused (and counted). */
static bool
bpf_ctl_ban_single(struct bpf_ctl *c, const struct bpf_ctl_prefix *p, char *err, size_t errlen)
{
	if (bpf_ctl_is_host(p))
		return true;
	snprintf(err, errlen, "ban: bans are for single sources; block a prefix instead");
	bpf_ctl_refused(c, -EINVAL);
	return false;
}

int
bpf_ctl_ban_add(struct bpf_ctl *c, const struct bpf_ctl_prefix *p, uint64_t ttl_s, char *err,
		size_t errlen)
{
	uint64_t until;

	if (!bpf_ctl_ban_single(c, p, err, errlen))
		return -EINVAL;
	if (ttl_s == 0 || ttl_s > 365ULL * 86400) {
		snprintf(err, errlen, "ban: --ttl must be 1 s to 1 year (block a source for good)");
		bpf_ctl_refused(c, -EINVAL);
		return -EINVAL;
	}
	until = bpf_ctl_now_ns() + ttl_s * SL_NSEC_PER_SEC;
	return bpf_ctl_insert(c, BPF_CTL_BAN, p, &until, err, errlen);
}

int
bpf_ctl_ban_set_until(struct bpf_ctl *c, const struct bpf_ctl_prefix *p, uint64_t until_ns,
		      char *err, size_t errlen)
{
	if (!bpf_ctl_ban_single(c, p, err, errlen))
		return -EINVAL;
	return bpf_ctl_write(c, BPF_CTL_BAN, p, &until_ns, BPF_ANY, err, errlen);
}

int
bpf_ctl_del(struct bpf_ctl *c, enum bpf_ctl_list what, const struct bpf_ctl_prefix *p,
	    char *err, size_t errlen)
{
	uint8_t key[sizeof(struct sl_lpm_v6_key)];
	char pfx[INET6_ADDRSTRLEN + 8];
	const char *name;
	unsigned int bit;
	int fd = bpf_ctl_table(c, what, p, &bit, &name);
	int rc;

	bpf_ctl_key(what, p, key);
	if (bpf_map_delete_elem(fd, key) == 0) {
		bpf_ctl_changed(c, what);
		bpf_ctl_maybe_clear(c, fd, bit);
		return 0;
	}
	rc = -errno;
	bpf_ctl_prefix_format(p, pfx, sizeof(pfx));
	if (rc == -ENOENT)
		snprintf(err, errlen, "%s %s: no such entry", bpf_ctl_names[what], pfx);
	else
		snprintf(err, errlen, "%s %s: %s", bpf_ctl_names[what], pfx, strerror(-rc));
	bpf_ctl_refused(c, rc);
	return rc;
}

/* Walks one map of list what: keyed by bare addresses (bans, host blocks) or LPM keys. */
static int
bpf_ctl_walk(int fd, enum bpf_ctl_list what, int v6, bool bare, bpf_ctl_entry_fn fn, void *arg)
{
	uint8_t key[sizeof(struct sl_lpm_v6_key)], next[sizeof(key)];
	void *prev = NULL;
	int rc;

	while (bpf_map_get_next_key(fd, prev, next) == 0) {
		struct bpf_ctl_entry e;
		uint64_t val64 = 0;
		uint32_t val32 = 0;

		memcpy(key, next, sizeof(key));
		prev = key;
		memset(&e, 0, sizeof(e));
		e.prefix.family = v6 ? AF_INET6 : AF_INET;
		if (bare) {
			memcpy(e.prefix.addr, key, v6 ? 16 : 4);
			e.prefix.len = v6 ? 128 : 32;
		} else {
			memcpy(&e.prefix.len, key, 4);
			memcpy(e.prefix.addr, key + 4, v6 ? 16 : 4);
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
	return 0;
}

int
bpf_ctl_list(struct bpf_ctl *c, enum bpf_ctl_list what, bpf_ctl_entry_fn fn, void *arg)
{
	int f, rc;

	for (f = 0; f < 2; f++) {
		if (what == BPF_CTL_BLOCK) {
			rc = bpf_ctl_walk(c->host_fd[f], what, f, true, fn, arg);
			if (rc)
				return rc;
		}
		rc = bpf_ctl_walk(c->fd[what][f], what, f, what == BPF_CTL_BAN, fn, arg);
		if (rc)
			return rc;
	}
	return 0;
}

struct bpf_ctl_expired {
	struct bpf_ctl_prefix *p;
	size_t n, cap;
	uint64_t now_ns;
	int rc;
};

static int
bpf_ctl_collect_expired(const struct bpf_ctl_entry *e, void *arg)
{
	struct bpf_ctl_expired *x = arg;

	if (!e->expires_ns || e->expires_ns > x->now_ns)
		return 0;
	if (x->n == x->cap) {
		size_t cap = x->cap ? x->cap * 2 : 256;
		struct bpf_ctl_prefix *p = realloc(x->p, cap * sizeof(*p));

		if (!p) {
			x->rc = -ENOMEM;
			return 1;
		}
		x->p = p;
		x->cap = cap;
	}
	x->p[x->n++] = e->prefix;
	return 0;
}

int
bpf_ctl_sweep(struct bpf_ctl *c, uint64_t now_ns)
{
	static const enum bpf_ctl_list kinds[] = { BPF_CTL_BLOCK, BPF_CTL_BAN };
	char err[256];
	int deleted = 0;
	size_t i, k;

	for (k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		struct bpf_ctl_expired x = { .now_ns = now_ns };

		/* Collected first: deleting while walking restarts a hash map's walk. */
		bpf_ctl_list(c, kinds[k], bpf_ctl_collect_expired, &x);
		for (i = 0; i < x.n; i++)
			if (bpf_ctl_del(c, kinds[k], &x.p[i], err, sizeof(err)) == 0)
				deleted++;
		free(x.p);
		if (x.rc)
			return x.rc;
	}
	return deleted;
}

int
bpf_ctl_limit_set(struct bpf_ctl *c, uint32_t class_id, const struct sl_bucket_params *p,
		  char *err, size_t errlen)
{
	if (class_id >= SL_XDP_CLASS_MAX) {
		snprintf(err, errlen, "limit: class %u: want 0 to %u", class_id, SL_XDP_CLASS_MAX - 1);
		bpf_ctl_refused(c, -EINVAL);
		return -EINVAL;
	}
	if (p->ban_after_ns && !p->ban_ttl_ns) {
		snprintf(err, errlen, "limit: --ban-after needs --ban-ttl");
		bpf_ctl_refused(c, -EINVAL);
		return -EINVAL;
	}
	if (bpf_ctl_limit_active(p))
		__atomic_fetch_or(&c->conf->present, SL_CONF_LIMITS, __ATOMIC_SEQ_CST);
	if (bpf_map_update_elem(c->limits_fd, &class_id, p, BPF_ANY) != 0) {
		int rc = -errno;

		snprintf(err, errlen, "limit: map %s: %s", SL_XDP_MAP_LIMITS, strerror(-rc));
		bpf_ctl_refused(c, rc);
		return rc;
	}
	bpf_ctl_changed(c, BPF_CTL_CLASS);
	if (!bpf_ctl_any_limit(c)) {
		__atomic_fetch_and(&c->conf->present, ~SL_CONF_LIMITS, __ATOMIC_SEQ_CST);
		if (bpf_ctl_any_limit(c))
			__atomic_fetch_or(&c->conf->present, SL_CONF_LIMITS, __ATOMIC_SEQ_CST);
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
