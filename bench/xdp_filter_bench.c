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
#include "xdp_common.h"

struct result {
	const char *prog;
	const char *cased;
	double median, min, max;
	int verdict;
};

static int
measure(int prog_fd, const struct bench_frame *f, unsigned int repeat, unsigned int rounds,
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
	r->median = bench_median(v, i);       /* sorts v */
	r->min = v[0];
	r->max = v[i - 1];
	return 0;
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
	struct bench_frame blocked, clean, clean_kernel, limited, limited_fine;
	struct sluice_xdp *skel[3];
	struct bpf_object *xf = NULL, *floor_obj;
	struct utsname un;
	char floor_path[512];
	int o, sl_fd[3], xf_fd = -1, floor_fd;

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
	bench_frame_v4(&blocked, "198.18.200.9", "198.18.0.1");
	bench_frame_v4(&clean, "198.18.0.2", "198.18.0.1");
	bench_frame_v4(&clean_kernel, "198.18.0.2", "198.18.0.9");
	bench_frame_v4(&limited, "198.18.0.50", "198.18.0.1");
	bench_frame_v4(&limited_fine, "198.18.0.33", "198.18.0.1");

	/* Sluice under three policies (enum bench_policy): the first is xdp-filter's job. */
	for (i = 0; i < 3; i++) {
		if (bench_sluice_load(&skel[i], entries, "198.18.200.9", (enum bench_policy)i))
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
	xf = bench_xdpfilt_load(entries, "198.18.200.9", &xf_fd);

#define RUN(progname, fd, casename, fr) do { \
		res[nres].prog = progname; res[nres].cased = casename; \
		if (measure(fd, &(fr), repeat, rounds, &res[nres]) == 0) nres++; } while (0)
	RUN("floor (XDP_DROP)", floor_fd, "any frame", blocked);
	RUN("sluice_xdp", sl_fd[0], "blocklist: drop a blocked source", blocked);
	RUN("sluice_xdp", sl_fd[0], "blocklist: pass a clean source", clean_kernel);
	RUN("sluice_xdp", sl_fd[0], "blocklist: clean source to the XSK", clean);
	RUN("sluice_xdp", sl_fd[1], "+limit: pass, source in no class", clean);
	RUN("sluice_xdp", sl_fd[1], "+limit: pass, source under its limit", limited);
	RUN("sluice_xdp", sl_fd[1], "+limit: the same, burst < 20 ms", limited_fine);
	RUN("sluice_xdp", sl_fd[2], "all tables: drop a blocked source", blocked);
	RUN("sluice_xdp", sl_fd[2], "all tables: pass, no limit", clean);
	RUN("sluice_xdp", sl_fd[2], "all tables: pass under a limit", limited);
	if (xf) {
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
	if (!xf)
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
