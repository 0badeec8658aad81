/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * xdp_live_bench: drop rate in Mpps of Sluice's XDP filter on a veth, against xdp-tools'
 * xdp-filter and a bare XDP_DROP program (the floor), in the same run.
 *
 * Method: a generator program (xdp_tx.o, returns XDP_TX) runs through BPF_PROG_RUN with
 * BPF_F_TEST_XDP_LIVE_FRAMES on the generator side of a veth pair, so the kernel sends
 * N real copies of one 64-byte frame out of that interface; the program under test is
 * attached in native (driver) mode to the other end, where each copy arrives as a real
 * packet and is dropped (its source is on the blocklist; the floor drops everything).
 * Rate = frames the receiving veth counted as XDP drops (ethtool -S rx_queue_0_xdp_drops)
 * / wall time of the run. Each program is measured R times; median, min and max. Both
 * ends run on the same 2-vCPU VM, so the figure includes the generator's own cost: read
 * the ratios between programs, not the absolute rate of a NIC.
 *
 * Usage: xdp_live_bench --gen-ns NS --gen-if IF --dut-ns NS --dut-if IF
 *                       [--packets N] [--rounds R] [--entries K] [--json FILE]
 * The namespaces and the veth pair are the caller's (bench/xdp_live_bench.sh makes and
 * removes them). Needs root.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/if_link.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "sluice_xdp.skel.h"
#include "xdp_common.h"

struct side {
	const char *ns, *ifname;
	int ns_fd;
	int ifindex;
};

static int
enter(struct side *s)
{
	if (setns(s->ns_fd, CLONE_NEWNET) != 0) {
		fprintf(stderr, "xdp_live_bench: setns %s: %s\n", s->ns, strerror(errno));
		return -1;
	}
	return 0;
}

static int
open_side(struct side *s)
{
	char path[256];

	snprintf(path, sizeof(path), "/var/run/netns/%s", s->ns);
	s->ns_fd = open(path, O_RDONLY | O_CLOEXEC);
	if (s->ns_fd < 0 || enter(s))
		return -1;
	s->ifindex = (int)if_nametoindex(s->ifname);
	if (!s->ifindex) {
		fprintf(stderr, "xdp_live_bench: %s in %s: %s\n", s->ifname, s->ns, strerror(errno));
		return -1;
	}
	return 0;
}

/* One counter of `ethtool -S IF` in the current namespace, or -1. */
static long long
ethtool_stat(const char *ifname, const char *name)
{
	char cmd[128], line[256];
	long long v = -1;
	FILE *f;

	snprintf(cmd, sizeof(cmd), "ethtool -S %s 2>/dev/null", ifname);
	f = popen(cmd, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		char key[128];
		long long x;

		if (sscanf(line, " %127[^:]: %lld", key, &x) == 2 && strcmp(key, name) == 0)
			v = x;
	}
	pclose(f);
	return v;
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct result {
	const char *prog;
	double median, min, max;        /* Mpps delivered and dropped */
	double offered;                 /* Mpps the generator pushed, median */
	double delivered_share;         /* of frames sent, the share that reached the program */
};

/* Attaches prog_fd to the device under test, runs the generator R times, detaches. */
static int
measure(struct side *gen, struct side *dut, int gen_fd, int prog_fd, const char *name,
	const struct bench_frame *f, unsigned int packets, unsigned int rounds, struct result *r)
{
	double mpps[64], offered[64], share = 0;
	unsigned int i;
	int rc = -1;

	if (enter(dut) || bpf_xdp_attach(dut->ifindex, prog_fd, XDP_FLAGS_DRV_MODE, NULL) != 0) {
		fprintf(stderr, "xdp_live_bench: attach %s to %s: %s\n", name, dut->ifname,
			strerror(errno));
		return -1;
	}
	for (i = 0; i < rounds && i < 64; i++) {
		/* The kernel wants data_end = the frame length in ctx_in. */
		struct xdp_md ctx = { .data_end = sizeof(f->b),
				      .ingress_ifindex = (__u32)gen->ifindex };
		LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = f->b, .data_size_in = sizeof(f->b),
			    .ctx_in = &ctx, .ctx_size_in = sizeof(ctx), .repeat = packets,
			    .flags = BPF_F_TEST_XDP_LIVE_FRAMES);
		long long d0, d1;
		double t0, t1;

		if (enter(dut))
			goto out;
		d0 = ethtool_stat(dut->ifname, "rx_queue_0_xdp_drops");
		if (enter(gen))
			goto out;
		t0 = now_s();
		if (bpf_prog_test_run_opts(gen_fd, &o) != 0) {
			fprintf(stderr, "xdp_live_bench: live frames run: %s\n", strerror(errno));
			goto out;
		}
		t1 = now_s();
		usleep(100 * 1000);             /* let the receiver's NAPI drain its ring */
		if (enter(dut))
			goto out;
		d1 = ethtool_stat(dut->ifname, "rx_queue_0_xdp_drops");
		if (d0 < 0 || d1 < 0) {
			fprintf(stderr, "xdp_live_bench: no rx_queue_0_xdp_drops on %s\n", dut->ifname);
			goto out;
		}
		mpps[i] = (double)(d1 - d0) / (t1 - t0) / 1e6;
		offered[i] = (double)packets / (t1 - t0) / 1e6;
		share += (double)(d1 - d0) / packets;
	}
	r->prog = name;
	r->median = bench_median(mpps, i);
	r->min = mpps[0];
	r->max = mpps[i - 1];
	r->offered = bench_median(offered, i);
	r->delivered_share = share / i;
	rc = 0;
out:
	if (enter(dut) == 0)
		bpf_xdp_detach(dut->ifindex, XDP_FLAGS_DRV_MODE, NULL);
	return rc;
}

static struct bpf_object *
load_next_to(const char *argv0, const char *file, int *fd)
{
	char path[512];
	struct bpf_object *o;

	snprintf(path, sizeof(path), "%s", argv0);
	*strrchr(path, '/') = '\0';
	strncat(path, "/", sizeof(path) - strlen(path) - 1);
	strncat(path, file, sizeof(path) - strlen(path) - 1);
	o = bpf_object__open_file(path, NULL);
	if (!o || bpf_object__load(o)) {
		fprintf(stderr, "xdp_live_bench: load %s failed\n", path);
		return NULL;
	}
	*fd = bpf_program__fd(bpf_object__next_program(o, NULL));
	return o;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "gen-ns", required_argument, NULL, 'g' }, { "gen-if", required_argument, NULL, 'G' },
		{ "dut-ns", required_argument, NULL, 'd' }, { "dut-if", required_argument, NULL, 'D' },
		{ "packets", required_argument, NULL, 'n' }, { "rounds", required_argument, NULL, 'r' },
		{ "entries", required_argument, NULL, 'e' }, { "json", required_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	struct side gen = { 0 }, dut = { 0 };
	unsigned int packets = 5000000, rounds = 5, entries = 9000, i, nres = 0;
	const char *json = NULL, *blocked_src = "198.18.200.9";
	struct bpf_object *gen_obj, *floor_obj, *xf;
	struct sluice_xdp *skel = NULL;
	struct bench_frame frame;
	struct result res[3];
	int o, gen_fd, floor_fd, xf_fd = -1;

	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 'g': gen.ns = optarg; break;
		case 'G': gen.ifname = optarg; break;
		case 'd': dut.ns = optarg; break;
		case 'D': dut.ifname = optarg; break;
		case 'n': packets = (unsigned int)strtoul(optarg, NULL, 10); break;
		case 'r': rounds = (unsigned int)strtoul(optarg, NULL, 10); break;
		case 'e': entries = (unsigned int)strtoul(optarg, NULL, 10); break;
		case 'j': json = optarg; break;
		default: goto usage;
		}
	}
	if (!gen.ns || !gen.ifname || !dut.ns || !dut.ifname || !packets || !rounds ||
	    rounds > 64 || !entries || entries > 9999)
		goto usage;
	if (geteuid() != 0) {
		fprintf(stderr, "xdp_live_bench: needs root\n");
		return 1;
	}
	libbpf_set_print(NULL);
	if (open_side(&gen) || open_side(&dut))
		return 1;
	bench_frame_v4(&frame, blocked_src, "198.18.0.1");
	gen_obj = load_next_to(argv[0], "xdp_tx.o", &gen_fd);
	floor_obj = load_next_to(argv[0], "xdp_drop.o", &floor_fd);
	if (!gen_obj || !floor_obj ||
	    bench_sluice_load(&skel, entries, blocked_src, POLICY_BLOCKLIST))
		return 1;
	xf = bench_xdpfilt_load(entries, blocked_src, &xf_fd);

	if (measure(&gen, &dut, gen_fd, floor_fd, "floor (XDP_DROP)", &frame, packets, rounds,
		    &res[nres]) == 0)
		nres++;
	if (measure(&gen, &dut, gen_fd, bpf_program__fd(skel->progs.sluice_xdp), "sluice_xdp",
		    &frame, packets, rounds, &res[nres]) == 0)
		nres++;
	if (xf && measure(&gen, &dut, gen_fd, xf_fd, "xdp-filter", &frame, packets, rounds,
			  &res[nres]) == 0)
		nres++;

	printf("XDP drop rate on a veth, live frames (%u frames per round, median of %u rounds; "
	       "%u listed sources; the frame's source is listed)\n", packets, rounds, entries);
	printf("%-18s %10s %8s %8s %14s %10s\n", "program", "Mpps", "min", "max", "offered Mpps",
	       "delivered");
	for (i = 0; i < nres; i++)
		printf("%-18s %10.2f %8.2f %8.2f %14.2f %9.0f%%\n", res[i].prog, res[i].median,
		       res[i].min, res[i].max, res[i].offered, 100 * res[i].delivered_share);
	if (json) {
		FILE *f = fopen(json, "w");

		if (!f) {
			fprintf(stderr, "xdp_live_bench: %s: %s\n", json, strerror(errno));
			return 1;
		}
		fprintf(f, "{\"benchmark\":\"xdp_live_drop\",\"method\":\"BPF_PROG_RUN live frames, "
			"XDP_TX over a veth into the program in native mode; rate = "
			"rx_queue_0_xdp_drops / wall time\",\"packets\":%u,\"rounds\":%u,"
			"\"entries\":%u,\"results\":[", packets, rounds, entries);
		for (i = 0; i < nres; i++)
			fprintf(f, "%s{\"program\":\"%s\",\"mpps_median\":%.3f,\"min\":%.3f,"
				"\"max\":%.3f,\"offered_mpps\":%.3f,\"delivered_share\":%.4f}",
				i ? "," : "", res[i].prog, res[i].median, res[i].min, res[i].max,
				res[i].offered, res[i].delivered_share);
		fprintf(f, "]}\n");
		fclose(f);
	}
	sluice_xdp__destroy(skel);
	bpf_object__close(gen_obj);
	bpf_object__close(floor_obj);
	if (xf)
		bpf_object__close(xf);
	return nres == (xf ? 3u : 2u) ? 0 : 1;
usage:
	fprintf(stderr, "usage: %s --gen-ns NS --gen-if IF --dut-ns NS --dut-if IF "
		"[--packets N] [--rounds R<=64] [--entries K<=9999] [--json FILE]\n", argv[0]);
	return 2;
}
