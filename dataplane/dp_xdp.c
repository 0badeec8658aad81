/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dp_xdp: keep the XDP program's local-address maps equal to the dataplane's addresses,
 * and read its counters. Context: control thread.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bpf_ctl.h"
#include "dp_xdp.h"
#include "port.h"
#include "sl_reasons.h"
#include "sluice_xdp_abi.h"
#include "worker.h"

#define DP_XDP_PIN_DIR "/sys/fs/bpf/"

static int
dp_xdp_open(const char *name)
{
	char path[128];

	snprintf(path, sizeof(path), DP_XDP_PIN_DIR "%s", name);
	return bpf_obj_get(path);
}

static int
dp_xdp_owned_v4(const struct dp *dp, uint32_t a)
{
	uint16_t i;

	for (i = 0; i < dp->nb_ports; i++)
		if (local_v4_owned(&dp->ports[i].local, a))
			return 1;
	return 0;
}

static int
dp_xdp_owned_v6(const struct dp *dp, const uint8_t *a)
{
	uint16_t i;

	for (i = 0; i < dp->nb_ports; i++)
		if (local_v6_owned(&dp->ports[i].local, a))
			return 1;
	return 0;
}

/* Once stale addresses are gone: the filter's words hold exactly our addresses' bits. */
static void
dp_xdp_bloom_exact(const struct dp *dp, struct bpf_ctl *ctl)
{
	uint64_t w[2][SL_LOCAL_BLOOM_WORDS] = { { 0 } };
	unsigned int j, bit;
	uint16_t i;

	for (i = 0; i < dp->nb_ports; i++) {
		const struct local_port *lp = &dp->ports[i].local;

		for (j = 0; j < lp->nb_v4; j++) {
			bit = sl_local_bloom_bit_v4(lp->v4[j]);
			w[0][bit >> 6] |= 1ULL << (bit & 63);
		}
		for (j = 0; j < lp->nb_v6; j++) {
			bit = sl_local_bloom_bit_v6(lp->v6[j]);
			w[1][bit >> 6] |= 1ULL << (bit & 63);
		}
	}
	bpf_ctl_local_bloom_store(ctl, 0, w[0]);
	bpf_ctl_local_bloom_store(ctl, 1, w[1]);
}

int
dp_xdp_sync_local(const struct dp *dp, char *err, size_t errlen)
{
	struct sl_local_val val = { 0 };
	struct sl_local_v6_key k6;
	struct bpf_ctl ctl;
	uint32_t k4;
	int fd4 = -1, fd6 = -1, rc = 0, any = 0, ctl_open = 0;
	uint16_t i;
	unsigned int j;

	for (i = 0; i < dp->nb_ports; i++)
		any |= dp->ports[i].port.spec.kind == PORT_KIND_AF_XDP;
	if (!any)
		return 0;
	fd4 = dp_xdp_open(SL_XDP_MAP_LOCAL_V4);
	fd6 = dp_xdp_open(SL_XDP_MAP_LOCAL_V6);
	if (fd4 < 0 || fd6 < 0) {
		rc = -errno;
		snprintf(err, errlen, "XDP maps %s/%s not pinned under %s: %s",
			 SL_XDP_MAP_LOCAL_V4, SL_XDP_MAP_LOCAL_V6, DP_XDP_PIN_DIR, strerror(errno));
		goto out;
	}
	rc = bpf_ctl_open(&ctl, DP_XDP_PIN_DIR, err, errlen);
	if (rc)
		goto out;
	ctl_open = 1;
	/* The Bloom filter's bits go up before the addresses go in (sluice_xdp_abi.h). */
	for (i = 0; i < dp->nb_ports; i++) {
		const struct local_port *lp = &dp->ports[i].local;

		for (j = 0; j < lp->nb_v4; j++)
			bpf_ctl_local_bloom_add(&ctl, 0, (const uint8_t *)&lp->v4[j]);
		for (j = 0; j < lp->nb_v6; j++)
			bpf_ctl_local_bloom_add(&ctl, 1, lp->v6[j]);
	}
	/* Remove stale entries. Keys are collected first: deleting while walking with
	 * get_next_key restarts the walk on some kernels. */
	{
		static uint32_t keys4[SL_XDP_LOCAL_MAX];
		static struct sl_local_v6_key keys6[SL_XDP_LOCAL_MAX];
		unsigned int n4 = 0, n6 = 0;
		uint32_t *prev4 = NULL;
		struct sl_local_v6_key *prev6 = NULL;

		while (n4 < SL_XDP_LOCAL_MAX && bpf_map_get_next_key(fd4, prev4, &keys4[n4]) == 0)
			prev4 = &keys4[n4++];
		while (n6 < SL_XDP_LOCAL_MAX && bpf_map_get_next_key(fd6, prev6, &keys6[n6]) == 0)
			prev6 = &keys6[n6++];
		for (j = 0; j < n4; j++)
			if (!dp_xdp_owned_v4(dp, keys4[j]))
				bpf_map_delete_elem(fd4, &keys4[j]);
		for (j = 0; j < n6; j++)
			if (!dp_xdp_owned_v6(dp, keys6[j].addr))
				bpf_map_delete_elem(fd6, &keys6[j]);
	}
	for (i = 0; i < dp->nb_ports; i++) {
		const struct local_port *lp = &dp->ports[i].local;

		for (j = 0; j < lp->nb_v4; j++) {
			k4 = lp->v4[j];
			if (bpf_map_update_elem(fd4, &k4, &val, BPF_ANY) != 0) {
				rc = -errno;
				snprintf(err, errlen, "map %s: add address: %s", SL_XDP_MAP_LOCAL_V4,
					 strerror(errno));
				goto out;
			}
		}
		for (j = 0; j < lp->nb_v6; j++) {
			memcpy(k6.addr, lp->v6[j], 16);
			if (bpf_map_update_elem(fd6, &k6, &val, BPF_ANY) != 0) {
				rc = -errno;
				snprintf(err, errlen, "map %s: add address: %s", SL_XDP_MAP_LOCAL_V6,
					 strerror(errno));
				goto out;
			}
		}
	}
	dp_xdp_bloom_exact(dp, &ctl);
out:
	if (ctl_open)
		bpf_ctl_close(&ctl);
	if (fd4 >= 0)
		close(fd4);
	if (fd6 >= 0)
		close(fd6);
	return rc;
}

int
dp_xdp_read_stats(uint64_t *out)
{
	int ncpu = libbpf_num_possible_cpus();
	uint64_t *vals;
	uint32_t k;
	int fd, c;

	memset(out, 0, sizeof(uint64_t) * SL_CNT__MAX);
	if (ncpu <= 0)
		return -EINVAL;
	fd = dp_xdp_open(SL_XDP_MAP_STATS);
	if (fd < 0)
		return -errno;
	vals = calloc((size_t)ncpu, sizeof(*vals));
	if (!vals) {
		close(fd);
		return -ENOMEM;
	}
	for (k = 0; k < SL_CNT__MAX; k++) {
		if (bpf_map_lookup_elem(fd, &k, vals) != 0)
			continue;
		for (c = 0; c < ncpu; c++)
			out[k] += vals[c];
	}
	free(vals);
	close(fd);
	return 0;
}

int
dp_xdp_filter_open(struct bpf_ctl *ctl, char *err, size_t errlen)
{
	int rc = bpf_ctl_open(ctl, DP_XDP_PIN_DIR, err, errlen);

	if (rc)
		return rc;
	return bpf_ctl_conf_resync(ctl);
}

int
dp_xdp_sweep(struct bpf_ctl *ctl)
{
	return bpf_ctl_sweep(ctl, bpf_ctl_now_ns());
}

int
dp_xdp_create_maps(const char *obj_path, char *err, size_t errlen)
{
	struct bpf_object *obj;
	int rc = port_bpffs_ensure(err, errlen);

	if (rc)
		return rc;
	obj = bpf_object__open_file(obj_path, NULL);
	if (!obj) {
		rc = -errno;
		snprintf(err, errlen, "XDP object %s: %s", obj_path, strerror(-rc));
		return rc;
	}
	/* Maps are pinned by name under /sys/fs/bpf as they load; the program goes with the
	 * object, the pinned maps stay. */
	if (bpf_object__load(obj) != 0) {
		rc = -errno;
		snprintf(err, errlen, "XDP object %s: load: %s (the source filter's maps live "
			 "there; --no-src-filter runs without it)", obj_path, strerror(-rc));
	}
	bpf_object__close(obj);
	return rc;
}
