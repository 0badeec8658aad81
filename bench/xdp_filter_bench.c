/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * xdp_filter_bench: ns per packet of Sluice's XDP front filter, measured in the same run
 * against xdp-tools' xdp-filter (its allow-policy IP program, xdpfilt_alw_ip.o: listed
 * sources dropped, others passed — the same job) and a bare XDP_DROP program (the floor,
 * which is mostly BPF_PROG_TEST_RUN's own per-run cost).
 *
 * Method: each program runs the same 64-byte frames through BPF_PROG_TEST_RUN with
 * repeat=N; the kernel reports the mean ns per run; each case is measured R times and the
 * median, min and max are reported. Both filters hold the same list of blocked sources
 * (Sluice in its exact-match host table, as sluice-xdpctl puts single addresses;
 * xdp-filter in its hash). Sluice runs twice: with only the tables that policy needs, and
 * with every table in use (allow entries, blocked networks, a ban, classes), which is
 * its pass path's worst case. Sluice's rate-limited
 * pass case uses a limit far above the offered rate, so every packet takes the bucket's
 * compare-and-swap and passes.
 *
 * --fixed-clock sets the program's clock override, so it skips bpf_ktime_get_ns(): on a
 * VM whose clocksource is kvm-clock that helper alone costs tens of ns, which this shows.
 *
 * Usage: xdp_filter_bench [--repeat N] [--rounds R] [--entries K] [--fixed-clock]
 *                         [--json FILE]
 * Needs root. Prints a table; --json writes the figures.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/utsname.h>
#include <linux/bpf.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bpf_ctl.h"
#include "sl_bucket.h"
#include "sluice_xdp.skel.h"
#include "sluice_xdp_abi.h"

#define XDPFILT_OBJ "/usr/lib/x86_64-linux-gnu/bpf/xdpfilt_alw_ip.o"
#define XDPFILT_MAP_FLAG_SRC 1

struct frame {
	unsigned char b[64];
};

static void
mkframe(struct frame *f, const char *src, const char *dst)
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
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

struct result {
	const char *prog;
	const char *cased;
	double median, min, max;
	int verdict;
};

static int
measure(int prog_fd, const struct frame *f, unsigned int repeat, unsigned int rounds,
	struct result *r)
{
	double v[64];
	unsigned int i;

	for (i = 0; i < rounds && i < 64; i++) {
		LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = f->b, .data_size_in = sizeof(f->b),
			    .repeat = repeat);

		if (bpf_prog_test_run_opts(prog_fd, &o) != 0)
			return -errno;
		v[i] = o.duration;
		r->verdict = (int)o.retval;
	}
	qsort(v, i, sizeof(v[0]), cmp_double);
	r->median = v[i / 2];
	r->min = v[0];
	r->max = v[i - 1];
	return 0;
}

/* One policy entry through the control library, as sluice-xdpctl makes it. */
static int
pol(struct bpf_ctl *c, enum bpf_ctl_list what, const char *pfx, unsigned int cls)
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
		fprintf(stderr, "xdp_filter_bench: %s\n", err);
	return rc;
}

/* The policies Sluice is measured under, each a superset of the one before. */
enum bench_policy {
	POLICY_BLOCKLIST,       /* the same list as xdp-filter, nothing else: the same job */
	POLICY_LIMITED,         /* + one limited class (sources in 198.18.0.48/28) */
	POLICY_FULL,            /* + allow entries, blocked networks, a ban, more classes */
};

/* Loads a private (unpinned) copy of the program with the benchmark's policy. */
static int
sluice_load(struct sluice_xdp **out, unsigned int entries, enum bench_policy pol_level)
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
	bpf_object__for_each_map(m, skel->obj)
		bpf_map__set_pin_path(m, NULL);
	if (sluice_xdp__load(skel) || bpf_ctl_open_obj(&c, skel->obj, err, sizeof(err))) {
		fprintf(stderr, "xdp_filter_bench: load sluice_xdp: %s\n", strerror(errno));
		return -1;
	}
	for (i = 0; i < entries && !rc; i++) {
		unsigned int v = 0xc6130000u + i * 7;           /* 198.19.x.x spread */

		snprintf(a, sizeof(a), "%u.%u.%u.%u", v >> 24, (v >> 16) & 255, (v >> 8) & 255,
			 v & 255);
		rc = pol(&c, BPF_CTL_BLOCK, a, 0);
	}
	rc |= pol(&c, BPF_CTL_BLOCK, "198.18.200.9", 0);
	if (pol_level >= POLICY_LIMITED)
		rc |= pol(&c, BPF_CTL_CLASS, "198.18.0.48/28", 1);
	if (pol_level >= POLICY_FULL) {
		rc |= pol(&c, BPF_CTL_ALLOW, "198.18.99.0/24", 0);
		rc |= pol(&c, BPF_CTL_BLOCK, "198.18.128.0/20", 0);
		rc |= pol(&c, BPF_CTL_BLOCK, "198.18.64.0/24", 0);
		rc |= pol(&c, BPF_CTL_BAN, "198.18.77.7", 0);
		rc |= pol(&c, BPF_CTL_CLASS, "198.18.0.0/24", 2);
	}
	inet_pton(AF_INET, "198.18.0.1", &a4);
	bpf_map__update_elem(skel->maps.sl_local_v4, &a4, sizeof(a4), &(struct sl_local_val){ 0 },
			     sizeof(struct sl_local_val), 0);
	sl_bucket_params_set(&p, 1000000000ULL, 1ULL << 24, 0, 0);
	p.ban_after_ns = p.ban_ttl_ns = 0;
	if (pol_level >= POLICY_LIMITED)
		rc |= bpf_ctl_limit_set(&c, 1, &p, err, sizeof(err));
	bpf_ctl_close(&c);
	*out = skel;
	return rc ? -1 : 0;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "repeat", required_argument, NULL, 'n' }, { "rounds", required_argument, NULL, 'r' },
		{ "entries", required_argument, NULL, 'e' }, { "json", required_argument, NULL, 'j' },
		{ "fixed-clock", no_argument, NULL, 'c' }, { NULL, 0, NULL, 0 },
	};
	int fixed_clock = 0;
	unsigned int repeat = 1000000, rounds = 7, entries = 9000, i, nres = 0;
	const char *json = NULL;
	struct result res[24];
	struct frame blocked, clean, clean_kernel, limited;
	struct sluice_xdp *skel[3];
	struct bpf_object *xf = NULL, *floor_obj;
	struct bpf_map *m;
	struct utsname un;
	char floor_path[512];
	int o, sl_fd[3], xf_fd = -1, floor_fd, xf_map = -1;

	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 'n': repeat = (unsigned int)strtoul(optarg, NULL, 10); break;
		case 'r': rounds = (unsigned int)strtoul(optarg, NULL, 10); break;
		case 'e': entries = (unsigned int)strtoul(optarg, NULL, 10); break;
		case 'j': json = optarg; break;
		case 'c': fixed_clock = 1; break;
		default:
			fprintf(stderr, "usage: %s [--repeat N] [--rounds R] [--entries K] "
				"[--fixed-clock] [--json FILE]\n", argv[0]);
			return 2;
		}
	}
	if (geteuid() != 0) {
		fprintf(stderr, "xdp_filter_bench: needs root (BPF_PROG_TEST_RUN)\n");
		return 1;
	}
	/* xdp-filter's filter_ipv4 holds 10000 entries; both lists must be the same. */
	if (!repeat || !rounds || rounds > 64 || !entries || entries > 9999) {
		fprintf(stderr, "xdp_filter_bench: --repeat >= 1, --rounds 1..64, --entries 1..9999\n");
		return 2;
	}
	libbpf_set_print(NULL);
	mkframe(&blocked, "198.18.200.9", "198.18.0.1");
	mkframe(&clean, "198.18.0.2", "198.18.0.1");
	mkframe(&clean_kernel, "198.18.0.2", "198.18.0.9");
	mkframe(&limited, "198.18.0.50", "198.18.0.1");

	/* Sluice under three policies (enum bench_policy): the first is xdp-filter's job. */
	for (i = 0; i < 3; i++) {
		if (sluice_load(&skel[i], entries, (enum bench_policy)i))
			return 1;
		sl_fd[i] = bpf_program__fd(skel[i]->progs.sluice_xdp);
		if (fixed_clock)        /* the limit's burst (2^24) outlasts the runs */
			skel[i]->bss->sl_now_override_ns = SL_NSEC_PER_SEC;
	}

	/* The floor, built next to this binary. */
	snprintf(floor_path, sizeof(floor_path), "%s", argv[0]);
	*strrchr(floor_path, '/') = '\0';
	strncat(floor_path, "/xdp_drop.o", sizeof(floor_path) - strlen(floor_path) - 1);
	floor_obj = bpf_object__open_file(floor_path, NULL);
	if (!floor_obj || bpf_object__load(floor_obj)) {
		fprintf(stderr, "xdp_filter_bench: load %s failed\n", floor_path);
		return 1;
	}
	floor_fd = bpf_program__fd(bpf_object__next_program(floor_obj, NULL));

	/* xdp-filter, the same sources in its hash. */
	xf = bpf_object__open_file(XDPFILT_OBJ, NULL);
	if (xf)         /* its maps pin by name too: keep the node's bpffs untouched */
		bpf_object__for_each_map(m, xf)
			bpf_map__set_pin_path(m, NULL);
	if (xf && bpf_object__load(xf) == 0) {
		struct bpf_map *fm = bpf_object__find_map_by_name(xf, "filter_ipv4");
		int ncpu = libbpf_num_possible_cpus(), c;
		/* filter_ipv4 is a per-CPU hash: one flags word per CPU. */
		unsigned long long *flag = calloc((size_t)(ncpu > 0 ? ncpu : 1), sizeof(*flag));

		for (c = 0; flag && c < ncpu; c++)
			flag[c] = XDPFILT_MAP_FLAG_SRC;
		if (!flag)
			return 1;

		xf_fd = bpf_program__fd(bpf_object__next_program(xf, NULL));
		xf_map = fm ? bpf_map__fd(fm) : -1;
		for (i = 0; xf_map >= 0 && i < entries; i++) {
			unsigned int a = htonl(0xc6130000u + i * 7);

			bpf_map_update_elem(xf_map, &a, flag, 0);
		}
		if (xf_map >= 0) {
			unsigned int a;

			inet_pton(AF_INET, "198.18.200.9", &a);
			if (bpf_map_update_elem(xf_map, &a, flag, 0) != 0) {
				fprintf(stderr, "xdp_filter_bench: xdp-filter's filter_ipv4: %s\n",
					strerror(errno));
				xf_map = -1;
			}
		}
		free(flag);
	}

#define RUN(progname, fd, casename, fr) do { \
		res[nres].prog = progname; res[nres].cased = casename; \
		if (measure(fd, &(fr), repeat, rounds, &res[nres]) == 0) nres++; } while (0)
	RUN("floor (XDP_DROP)", floor_fd, "any frame", blocked);
	RUN("sluice_xdp", sl_fd[0], "blocklist: drop a blocked source", blocked);
	RUN("sluice_xdp", sl_fd[0], "blocklist: pass a clean source", clean_kernel);
	RUN("sluice_xdp", sl_fd[0], "blocklist: clean source to the XSK", clean);
	RUN("sluice_xdp", sl_fd[1], "+limit: pass, source in no class", clean);
	RUN("sluice_xdp", sl_fd[1], "+limit: pass, source under its limit", limited);
	RUN("sluice_xdp", sl_fd[2], "all tables: drop a blocked source", blocked);
	RUN("sluice_xdp", sl_fd[2], "all tables: pass, no limit", clean);
	RUN("sluice_xdp", sl_fd[2], "all tables: pass under a limit", limited);
	if (xf_fd >= 0 && xf_map >= 0) {
		RUN("xdp-filter", xf_fd, "blocklist: drop a blocked source", blocked);
		RUN("xdp-filter", xf_fd, "blocklist: pass a clean source", clean_kernel);
	}

	uname(&un);
	printf("XDP filter, ns per packet via BPF_PROG_TEST_RUN (repeat %u, median of %u rounds; "
	       "%u listed sources; kernel %s%s)\n", repeat, rounds, entries, un.release,
	       fixed_clock ? "; sluice_xdp clock stubbed" : "");
	printf("%-18s %-38s %8s %8s %8s  %s\n", "program", "case", "median", "min", "max", "verdict");
	for (i = 0; i < nres; i++)
		printf("%-18s %-38s %8.1f %8.1f %8.1f  %s\n", res[i].prog, res[i].cased, res[i].median,
		       res[i].min, res[i].max, res[i].verdict == XDP_DROP ? "drop" :
		       res[i].verdict == XDP_PASS ? "pass" : "other");
	printf("(a frame to the appliance's address is redirected to its XSK; with none bound\n"
	       " in a test run that falls back to pass, so it reads \"pass\" here)\n");
	if (xf_fd < 0 || xf_map < 0)
		printf("xdp-filter: not measured: could not load %s\n", XDPFILT_OBJ);
	if (json) {
		FILE *f = fopen(json, "w");

		if (!f) {
			fprintf(stderr, "xdp_filter_bench: %s: %s\n", json, strerror(errno));
			return 1;
		}
		fprintf(f, "{\"benchmark\":\"xdp_filter\",\"method\":\"BPF_PROG_TEST_RUN repeat %u, "
			"median of %u rounds\",\"kernel\":\"%s\",\"entries\":%u,\"fixed_clock\":%s,"
			"\"results\":[", repeat, rounds, un.release, entries,
			fixed_clock ? "true" : "false");
		for (i = 0; i < nres; i++)
			fprintf(f, "%s{\"program\":\"%s\",\"case\":\"%s\",\"ns_per_packet_median\":%.1f,"
				"\"min\":%.1f,\"max\":%.1f}", i ? "," : "", res[i].prog, res[i].cased,
				res[i].median, res[i].min, res[i].max);
		fprintf(f, "]}\n");
		fclose(f);
	}
	for (i = 0; i < 3; i++)
		sluice_xdp__destroy(skel[i]);
	bpf_object__close(floor_obj);
	if (xf)
		bpf_object__close(xf);
	return 0;
}
