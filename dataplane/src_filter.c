/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * src_filter: mirror of the XDP filter's pinned maps for ports without XDP (see
 * src_filter.h). Context: control thread, except where a function says otherwise.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_ring_elem.h>

#include "src_filter.h"
#include "src_filter_fp.h"

/* Entries of one kind and family, collected from a map before the tables are sized. */
struct sf_vec {
	struct bpf_ctl_entry *e;
	size_t n, cap;
};

struct sf_collect {
	struct sf_vec v[BPF_CTL_LIST__MAX][2];  /* blocks: networks only */
	struct sf_vec host[2];                  /* blocked single addresses */
	int rc;
};

struct sf_collect_arg {
	struct sf_collect *c;
	enum bpf_ctl_list what;
};

static int
sf_collect_one(const struct bpf_ctl_entry *e, void *arg)
{
	struct sf_collect_arg *a = arg;
	int v6 = e->prefix.family == AF_INET6;
	struct sf_vec *v = &a->c->v[a->what][v6];

	if (a->what == BPF_CTL_BLOCK && e->prefix.len == (v6 ? 128u : 32u))
		v = &a->c->host[v6];
	if (v->n == v->cap) {
		size_t cap = v->cap ? v->cap * 2 : 64;
		struct bpf_ctl_entry *ne = realloc(v->e, cap * sizeof(*ne));

		if (!ne) {
			a->c->rc = -ENOMEM;
			return 1;
		}
		v->e = ne;
		v->cap = cap;
	}
	v->e[v->n++] = *e;
	return 0;
}

static int
sf_collect(struct bpf_ctl *ctl, struct sf_collect *c, enum bpf_ctl_list what)
{
	struct sf_collect_arg a = { .c = c, .what = what };
	int rc = bpf_ctl_list(ctl, what, sf_collect_one, &a);

	return c->rc ? c->rc : rc;
}

static void
sf_collect_free(struct sf_collect *c)
{
	int w, f;

	for (w = 0; w < BPF_CTL_LIST__MAX; w++)
		for (f = 0; f < 2; f++)
			free(c->v[w][f].e);
	for (f = 0; f < 2; f++)
		free(c->host[f].e);
}

/* A read-only exact-match table of addresses -> value, or NULL (no entries or error). */
static struct rte_hash *
sf_addr_table(struct src_filter *sf, const char *what, int v6, const struct sf_vec *v,
	      int *rc)
{
	char name[RTE_HASH_NAMESIZE];
	struct rte_hash_parameters hp = {
		.name = name,
		.entries = v->n < 8 ? 8 : (uint32_t)v->n,
		.key_len = v6 ? 16 : 4,
		.socket_id = (int)rte_socket_id(),
		/* Never refuses an entry: overflow goes to extendable buckets. */
		.extra_flag = RTE_HASH_EXTRA_FLAGS_EXT_TABLE,
	};
	struct rte_hash *h;
	size_t i;

	if (!v->n)
		return NULL;
	snprintf(name, sizeof(name), "sf%s%d_%lu", what, v6, (unsigned long)sf->seq++);
	h = rte_hash_create(&hp);
	if (!h) {
		*rc = -rte_errno;
		return NULL;
	}
	for (i = 0; i < v->n; i++)
		if (rte_hash_add_key_data(h, v->e[i].prefix.addr,
					  (void *)(uintptr_t)v->e[i].expires_ns) < 0) {
			*rc = -ENOSPC;
			rte_hash_free(h);
			return NULL;
		}
	return h;
}

static void sf_rib_free(struct rte_rib *r4, struct rte_rib6 *r6);

/* A trie of one family's prefixes -> nh_of(entry), or NULL (no entries or error). */
static void *
sf_trie(struct src_filter *sf, const char *what, int v6, const struct sf_vec *v, int *rc)
{
	char name[64];
	struct rte_rib_conf c4 = { .ext_sz = 0, .max_nodes = (int)(2 * v->n + 8) };
	struct rte_rib6_conf c6 = { .ext_sz = 0, .max_nodes = (int)(2 * v->n + 8) };
	void *t;
	size_t i;

	if (!v->n)
		return NULL;
	snprintf(name, sizeof(name), "sf%s%d_%lu", what, v6, (unsigned long)sf->seq++);
	t = v6 ? (void *)rte_rib6_create(name, (int)rte_socket_id(), &c6)
	       : (void *)rte_rib_create(name, (int)rte_socket_id(), &c4);
	if (!t) {
		*rc = -rte_errno;
		return NULL;
	}
	for (i = 0; i < v->n; i++) {
		const struct bpf_ctl_entry *e = &v->e[i];
		uint64_t nh = e->class_id ? e->class_id : e->expires_ns;
		int ok;

		if (v6) {
			struct rte_rib6_node *n = rte_rib6_insert(t, e->prefix.addr,
								  (uint8_t)e->prefix.len);

			ok = n && rte_rib6_set_nh(n, nh) == 0;
		} else {
			uint32_t a;
			struct rte_rib_node *n;

			memcpy(&a, e->prefix.addr, 4);
			n = rte_rib_insert(t, rte_be_to_cpu_32(a), (uint8_t)e->prefix.len);
			ok = n && rte_rib_set_nh(n, nh) == 0;
		}
		if (!ok) {
			*rc = -ENOSPC;
			sf_rib_free(v6 ? NULL : t, v6 ? t : NULL);
			return NULL;
		}
	}
	return t;
}

static void
sf_rib_free(struct rte_rib *r4, struct rte_rib6 *r6)
{
	if (r4)
		rte_rib_free(r4);
	if (r6)
		rte_rib6_free(r6);
}

static void
sf_policy_free(struct sf_policy *p)
{
	int f;

	if (!p)
		return;
	sf_rib_free(p->allow4, p->allow6);
	sf_rib_free(p->block4, p->block6);
	sf_rib_free(p->class4, p->class6);
	for (f = 0; f < 2; f++)
		if (p->host[f])
			rte_hash_free(p->host[f]);
	free(p);
}

static void
sf_bans_free(struct sf_bans *b)
{
	if (!b)
		return;
	rte_hash_free(b->h[0]);
	rte_hash_free(b->h[1]);
	free(b);
}

/* The present bits of what was built, and the limits. */
static int
sf_policy_build(struct src_filter *sf, struct sf_policy **out)
{
	struct sf_collect c;
	struct sf_policy *p = calloc(1, sizeof(*p));
	int rc = 0, f;
	uint32_t k;

	memset(&c, 0, sizeof(c));
	if (!p)
		return -ENOMEM;
	p->gen = bpf_ctl_gen(&sf->ctl);         /* read first: a change during the build
						 * moves it again and triggers another */
	rc = sf_collect(&sf->ctl, &c, BPF_CTL_BLOCK);
	if (!rc)
		rc = sf_collect(&sf->ctl, &c, BPF_CTL_ALLOW);
	if (!rc)
		rc = sf_collect(&sf->ctl, &c, BPF_CTL_CLASS);
	for (k = 0; !rc && k < SL_XDP_CLASS_MAX; k++) {
		rc = bpf_ctl_limit_get(&sf->ctl, k, &p->limits[k]);
		if (p->limits[k].pkt_interval_ns || p->limits[k].byte_q16)
			p->present |= SL_CONF_LIMITS;
	}
	if (rc)
		goto fail;
	p->allow4 = sf_trie(sf, "a", 0, &c.v[BPF_CTL_ALLOW][0], &rc);
	p->block4 = sf_trie(sf, "b", 0, &c.v[BPF_CTL_BLOCK][0], &rc);
	p->class4 = sf_trie(sf, "c", 0, &c.v[BPF_CTL_CLASS][0], &rc);
	p->allow6 = sf_trie(sf, "a", 1, &c.v[BPF_CTL_ALLOW][1], &rc);
	p->block6 = sf_trie(sf, "b", 1, &c.v[BPF_CTL_BLOCK][1], &rc);
	p->class6 = sf_trie(sf, "c", 1, &c.v[BPF_CTL_CLASS][1], &rc);
	for (f = 0; f < 2; f++)
		p->host[f] = sf_addr_table(sf, "h", f, &c.host[f], &rc);
	if (rc)
		goto fail;
	for (f = 0; f < 2; f++) {
		if (c.v[BPF_CTL_ALLOW][f].n)
			p->present |= SL_CONF_BIT(SL_CONF_ALLOW, f);
		if (c.v[BPF_CTL_BLOCK][f].n)
			p->present |= SL_CONF_BIT(SL_CONF_BLOCK_NET, f);
		if (c.v[BPF_CTL_CLASS][f].n)
			p->present |= SL_CONF_BIT(SL_CONF_CLASS, f);
		if (c.host[f].n)
			p->present |= SL_CONF_BIT(SL_CONF_BLOCK_HOST, f);
		p->entries += (uint32_t)(c.v[BPF_CTL_ALLOW][f].n + c.v[BPF_CTL_BLOCK][f].n +
					 c.v[BPF_CTL_CLASS][f].n + c.host[f].n);
	}
	sf_collect_free(&c);
	*out = p;
	return 0;
fail:
	sf_collect_free(&c);
	sf_policy_free(p);
	return rc ? rc : -EIO;
}

static int
sf_bans_build(struct src_filter *sf, struct sf_bans **out)
{
	struct sf_collect c;
	struct sf_bans *b = calloc(1, sizeof(*b));
	int rc, f;

	memset(&c, 0, sizeof(c));
	if (!b)
		return -ENOMEM;
	b->gen = bpf_ctl_ban_gen(&sf->ctl);
	rc = sf_collect(&sf->ctl, &c, BPF_CTL_BAN);
	for (f = 0; !rc && f < 2; f++) {
		/* bpf_ctl_entry.expires_ns is the ban's end: the table's value. */
		b->h[f] = sf_addr_table(sf, "n", f, &c.v[BPF_CTL_BAN][f], &rc);
		b->entries += (uint32_t)c.v[BPF_CTL_BAN][f].n;
	}
	sf_collect_free(&c);
	if (rc) {
		sf_bans_free(b);
		return rc;
	}
	*out = b;
	return 0;
}

/* Publishes a new snapshot and frees the old one once no worker can hold it. */
static void
sf_publish(struct src_filter *sf, void **slot, void *fresh, void (*free_fn)(void *))
{
	void *old = __atomic_exchange_n(slot, fresh, __ATOMIC_ACQ_REL);

	if (!old)
		return;
	rte_rcu_qsbr_synchronize(sf->qs, RTE_QSBR_THRID_INVALID);
	free_fn(old);
}

static void
sf_policy_free_v(void *p)
{
	sf_policy_free(p);
}

static void
sf_bans_free_v(void *p)
{
	sf_bans_free(p);
}

/* Writes the bans workers posted into the pinned ban map. */
static void
sf_write_bans(struct src_filter *sf)
{
	struct sf_ban_req r;
	char err[256];

	while (rte_ring_sc_dequeue_elem(sf->ban_ring, &r, sizeof(r)) == 0) {
		struct bpf_ctl_prefix p = { .family = r.v6 ? AF_INET6 : AF_INET,
					    .len = r.v6 ? 128 : 32 };

		memcpy(p.addr, r.addr, r.v6 ? 16 : 4);
		if (bpf_ctl_ban_set_until(&sf->ctl, &p, r.until_ns, err, sizeof(err)) == 0) {
			sf->bans_written++;
		} else {
			sf->bans_lost++;
			snprintf(sf->last_error, sizeof(sf->last_error), "writing a ban: %.200s", err);
		}
	}
}

/* Forgets up to SF_SWEEP_SLICE idle sources of a family, resuming where it stopped. */
static void
sf_sweep_sources(struct src_filter *sf, int v6, uint64_t now)
{
	uint32_t i, pos = sf->sweep_pos[v6];

	for (i = 0; i < SF_SWEEP_SLICE; i++, pos++) {
		void *key;

		if (pos >= sf->state_len[v6])
			pos = 0;
		if (rte_hash_get_key_with_position(sf->src[v6], (int32_t)pos, &key) != 0)
			continue;
		if (!sl_bucket_idle(&sf->state[v6][pos], now))
			continue;
		/* The slot is reused only after a grace period (the hash's RCU defer queue),
		 * and an idle state is as good as a fresh one, so it is not cleared. */
		if (rte_hash_del_key(sf->src[v6], key) >= 0)
			sf->sources_forgotten++;
	}
	sf->sweep_pos[v6] = pos;
}

int
sf_tick(struct src_filter *sf, uint64_t now_ns, char *err, size_t errlen)
{
	const struct sf_policy *pol = sf->policy;
	const struct sf_bans *bans = sf->bans;
	int rc = 0, f;

	sf_write_bans(sf);
	if (!pol || bpf_ctl_gen(&sf->ctl) != pol->gen) {
		struct sf_policy *fresh;

		rc = sf_policy_build(sf, &fresh);
		if (rc == 0) {
			sf_publish(sf, (void **)&sf->policy, fresh, sf_policy_free_v);
			sf->rebuilds++;
		} else {
			sf->rebuild_errors++;
			snprintf(err, errlen, "source filter: rebuilding blocks, allows and classes "
				 "failed (%s); the previous copy stays in force", strerror(-rc));
		}
	}
	if (!bans || bpf_ctl_ban_gen(&sf->ctl) != bans->gen) {
		struct sf_bans *fresh;
		int brc = sf_bans_build(sf, &fresh);

		if (brc == 0) {
			sf_publish(sf, (void **)&sf->bans, fresh, sf_bans_free_v);
		} else {
			sf->rebuild_errors++;
			rc = brc;
			snprintf(err, errlen, "source filter: rebuilding bans failed (%s); the "
				 "previous copy stays in force", strerror(-brc));
		}
	}
	for (f = 0; f < 2; f++)
		sf_sweep_sources(sf, f, now_ns);
	if (rc)
		snprintf(sf->last_error, sizeof(sf->last_error), "%s", err);
	return rc;
}

void
sf_worker_online(struct src_filter *sf, unsigned int idx)
{
	rte_rcu_qsbr_thread_register(sf->qs, idx);
	rte_rcu_qsbr_thread_online(sf->qs, idx);
}

void
sf_worker_offline(struct src_filter *sf, unsigned int idx)
{
	rte_rcu_qsbr_thread_offline(sf->qs, idx);
	rte_rcu_qsbr_thread_unregister(sf->qs, idx);
}

static int
sf_src_table(struct src_filter *sf, int v6, char *err, size_t errlen)
{
	char name[RTE_HASH_NAMESIZE];
	struct rte_hash_parameters hp = {
		.name = name,
		.entries = SF_SRC_MAX,
		.key_len = v6 ? 16 : 4,
		.socket_id = (int)rte_socket_id(),
		/* Workers look up without locks and add under the table's own lock. */
		.extra_flag = RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF |
			      RTE_HASH_EXTRA_FLAGS_MULTI_WRITER_ADD,
	};
	struct rte_hash_rcu_config rc = { .v = sf->qs, .mode = RTE_HASH_QSBR_MODE_DQ };
	int32_t max;

	snprintf(name, sizeof(name), "sf_src%d", v6);
	sf->src[v6] = rte_hash_create(&hp);
	if (!sf->src[v6] || rte_hash_rcu_qsbr_add(sf->src[v6], &rc) != 0) {
		snprintf(err, errlen, "source filter: source table: %s", rte_strerror(rte_errno));
		return -ENOMEM;
	}
	max = rte_hash_max_key_id(sf->src[v6]);
	if (max < 0) {
		snprintf(err, errlen, "source filter: source table: no key ids");
		return -EINVAL;
	}
	sf->state_len[v6] = (uint32_t)max + 1;
	sf->state[v6] = rte_zmalloc("sf_state", sizeof(struct sl_bucket_state) *
				    sf->state_len[v6], RTE_CACHE_LINE_SIZE);
	if (!sf->state[v6]) {
		snprintf(err, errlen, "source filter: out of memory for %u source states",
			 sf->state_len[v6]);
		return -ENOMEM;
	}
	return 0;
}

int
sf_open(struct src_filter *sf, const struct bpf_ctl *ctl, unsigned int nb_workers,
	char *err, size_t errlen)
{
	size_t sz = rte_rcu_qsbr_get_memsize(nb_workers ? nb_workers : 1);
	int rc, f;

	memset(sf, 0, sizeof(*sf));
	sf->ctl = *ctl;
	sf->nb_workers = nb_workers;
	sf->qs = rte_zmalloc("sf_qsbr", sz, RTE_CACHE_LINE_SIZE);
	if (!sf->qs || rte_rcu_qsbr_init(sf->qs, nb_workers ? nb_workers : 1) != 0) {
		snprintf(err, errlen, "source filter: RCU: out of memory");
		rc = -ENOMEM;
		goto fail;
	}
	sf->ban_ring = rte_ring_create_elem("sf_bans", sizeof(struct sf_ban_req), SF_BAN_RING,
					    (int)rte_socket_id(), RING_F_SC_DEQ);
	if (!sf->ban_ring) {
		snprintf(err, errlen, "source filter: ban ring: %s", rte_strerror(rte_errno));
		rc = -ENOMEM;
		goto fail;
	}
	for (f = 0; f < 2; f++) {
		rc = sf_src_table(sf, f, err, errlen);
		if (rc)
			goto fail;
	}
	rc = sf_tick(sf, sf_now_ns(), err, errlen);
	if (rc)
		goto fail;
	return 0;
fail:
	sf_close(sf);
	return rc;
}

void
sf_close(struct src_filter *sf)
{
	int f;

	sf_policy_free(sf->policy);
	sf_bans_free(sf->bans);
	sf->policy = NULL;
	sf->bans = NULL;
	for (f = 0; f < 2; f++) {
		rte_hash_free(sf->src[f]);
		rte_free(sf->state[f]);
		sf->src[f] = NULL;
		sf->state[f] = NULL;
	}
	rte_ring_free(sf->ban_ring);
	sf->ban_ring = NULL;
	rte_free(sf->qs);
	sf->qs = NULL;
	bpf_ctl_close(&sf->ctl);
}
