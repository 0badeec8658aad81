/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * xdp_common: see xdp_common.h.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bpf_ctl.h"
#include "sl_bucket.h"
#include "sluice_xdp.skel.h"
#include "sluice_xdp_abi.h"
#include "xdp_common.h"

#define XDPFILT_MAP_FLAG_SRC 1

void
bench_frame_v4(struct bench_frame *f, const char *src, const char *dst)
{
	static const unsigned char hdr[14] = { 0x02, 0x53, 0x4c, 0, 0, 1, 0x02, 0x53, 0x4c, 0, 0, 2,
					       0x08, 0x00 };
	unsigned char *ip = f->b + 14;

	memset(f, 0, sizeof(*f));
	memcpy(f->b, hdr, 14);
	ip[0] = 0x45;
	ip[3] = 64 - 14;
	ip[8] = 64;
	ip[9] = 17;
	inet_pton(AF_INET, src, ip + 12);
	inet_pton(AF_INET, dst, ip + 16);
	ip[20] = 0x30; ip[21] = 0x39; ip[22] = 0; ip[23] = 53;     /* UDP 12345 -> 53 */
	ip[25] = 64 - 34;
}

static int
bench_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

double
bench_median(double *v, size_t n)
{
	qsort(v, n, sizeof(v[0]), bench_cmp_double);
	return n ? v[n / 2] : 0;
}

/* The i-th listed source, spread over 198.19.0.0/16, as text. */
static void
bench_listed(unsigned int i, char *buf, size_t len)
{
	unsigned int v = 0xc6130000u + i * 7;

	snprintf(buf, len, "%u.%u.%u.%u", v >> 24, (v >> 16) & 255, (v >> 8) & 255, v & 255);
}

/* One policy entry through the control library, as sluice-xdpctl makes it. */
static int
bench_pol(struct bpf_ctl *c, enum bpf_ctl_list what, const char *pfx, unsigned int cls)
{
	struct bpf_ctl_prefix p;
	char err[256];
	int rc = bpf_ctl_prefix_parse(pfx, &p, err, sizeof(err));

	if (rc == 0)
		rc = what == BPF_CTL_BLOCK ? bpf_ctl_block_add(c, &p, 0, err, sizeof(err)) :
		     what == BPF_CTL_ALLOW ? bpf_ctl_allow_add(c, &p, err, sizeof(err)) :
		     what == BPF_CTL_BAN ? bpf_ctl_ban_add(c, &p, 3600, err, sizeof(err)) :
		     bpf_ctl_class_set(c, &p, cls, err, sizeof(err));
	if (rc)
		fprintf(stderr, "bench: %s\n", err);
	return rc;
}

int
bench_sluice_load(struct sluice_xdp **out, unsigned int entries, const char *blocked,
		  enum bench_policy policy)
{
	struct sluice_xdp *skel = sluice_xdp__open();
	struct sl_bucket_params p;
	struct bpf_ctl c;
	struct bpf_map *m;
	char err[256], a[32];
	unsigned int i, a4;
	int rc = 0;

	if (!skel)
		return -1;
	/* Never pin from a benchmark: the node's /sys/fs/bpf belongs to the appliance. */
	bpf_object__for_each_map(m, skel->obj)
		bpf_map__set_pin_path(m, NULL);
	if (sluice_xdp__load(skel) || bpf_ctl_open_obj(&c, skel->obj, err, sizeof(err))) {
		fprintf(stderr, "bench: load sluice_xdp: %s\n", strerror(errno));
		sluice_xdp__destroy(skel);
		return -1;
	}
	for (i = 0; i < entries && !rc; i++) {
		bench_listed(i, a, sizeof(a));
		rc = bench_pol(&c, BPF_CTL_BLOCK, a, 0);
	}
	rc |= bench_pol(&c, BPF_CTL_BLOCK, blocked, 0);
	if (policy >= POLICY_LIMITED)
		rc |= bench_pol(&c, BPF_CTL_CLASS, "198.18.0.48/28", 1);
	if (policy >= POLICY_FULL) {
		rc |= bench_pol(&c, BPF_CTL_ALLOW, "198.18.99.0/24", 0);
		rc |= bench_pol(&c, BPF_CTL_BLOCK, "198.18.128.0/20", 0);
		rc |= bench_pol(&c, BPF_CTL_BLOCK, "198.18.64.0/24", 0);
		rc |= bench_pol(&c, BPF_CTL_BAN, "198.18.77.7", 0);
		rc |= bench_pol(&c, BPF_CTL_CLASS, "198.18.0.0/24", 2);
	}
	inet_pton(AF_INET, "198.18.0.1", &a4);
	bpf_ctl_local_bloom_add(&c, 0, (const uint8_t *)&a4);
	bpf_map__update_elem(skel->maps.sl_local_v4, &a4, sizeof(a4), &(struct sl_local_val){ 0 },
			     sizeof(struct sl_local_val), 0);
	/* Far above any offered rate: every packet pays for the bucket and passes. Class 1's
	 * burst is 168 ms of credit, so it runs on the coarse clock (sl_bucket_coarse_ok);
	 * class 3's is 17 ms, under the threshold, so it reads the fine clock per packet. */
	if (policy >= POLICY_LIMITED) {
		rc |= bench_pol(&c, BPF_CTL_CLASS, "198.18.0.32/28", 3);
		sl_bucket_params_set(&p, 100000000ULL, 1ULL << 24, 0, 0);
		p.ban_after_ns = p.ban_ttl_ns = 0;
		rc |= bpf_ctl_limit_set(&c, 1, &p, err, sizeof(err));
		sl_bucket_params_set(&p, 1000000000ULL, 1ULL << 24, 0, 0);
		p.ban_after_ns = p.ban_ttl_ns = 0;
		rc |= bpf_ctl_limit_set(&c, 3, &p, err, sizeof(err));
	}
	bpf_ctl_close(&c);
	if (rc) {
		sluice_xdp__destroy(skel);
		return -1;
	}
	*out = skel;
	return 0;
}

struct bpf_object *
bench_xdpfilt_load(unsigned int entries, const char *blocked, int *prog_fd)
{
	struct bpf_object *xf = bpf_object__open_file(XDPFILT_OBJ, NULL);
	int ncpu = libbpf_num_possible_cpus(), c, fd = -1;
	unsigned long long *flag = NULL;
	struct bpf_map *m;
	unsigned int i, a;

	if (!xf) {
		fprintf(stderr, "bench: %s: %s\n", XDPFILT_OBJ, strerror(errno));
		return NULL;
	}
	bpf_object__for_each_map(m, xf)         /* its maps pin by name too */
		bpf_map__set_pin_path(m, NULL);
	if (bpf_object__load(xf) != 0 || ncpu <= 0)
		goto fail;
	m = bpf_object__find_map_by_name(xf, "filter_ipv4");
	fd = m ? bpf_map__fd(m) : -1;
	/* filter_ipv4 is a per-CPU hash: one flags word per CPU. */
	flag = calloc((size_t)ncpu, sizeof(*flag));
	if (fd < 0 || !flag)
		goto fail;
	for (c = 0; c < ncpu; c++)
		flag[c] = XDPFILT_MAP_FLAG_SRC;
	for (i = 0; i < entries; i++) {
		a = htonl(0xc6130000u + i * 7);
		if (bpf_map_update_elem(fd, &a, flag, 0) != 0)
			goto fail;
	}
	inet_pton(AF_INET, blocked, &a);
	if (bpf_map_update_elem(fd, &a, flag, 0) != 0)
		goto fail;
	free(flag);
	*prog_fd = bpf_program__fd(bpf_object__next_program(xf, NULL));
	return xf;
fail:
	fprintf(stderr, "bench: xdp-filter: load or filter_ipv4: %s\n", strerror(errno));
	free(flag);
	bpf_object__close(xf);
	return NULL;
}
