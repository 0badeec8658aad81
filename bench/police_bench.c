/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * police_bench: ns per packet of each rate-limit algorithm (common/police.h) with its
 * keyed state table (police_table.h), as a worker runs them, without a NIC; and memory
 * per key.
 *
 * Method: K source addresses (default 1M, IPv6 in 2001:db8::/32) are inserted once; then
 * P packets (default 4M) pick a source by Zipf(s) popularity (s = 0: uniform) and, in
 * arrival order 10 ns apart, each makes its key (the source cut to /128), finds its
 * state (inserting if new) and is checked — the per-packet work of a policy, one packet at a time, and in bursts of 32
 * as a worker's loop has them (police_table_get_burst: one bulk lookup, the states
 * prefetched). Timed over all packets with rte_rdtsc, R rounds, median; the same loop
 * without the table (one state for every packet) is timed too: the algorithm alone.
 * Peer, same run, same keys: DPDK's rte_meter srTCM (RFC 2697) colour-blind check on
 * state in the same table; and Sluice's own three-colour meter (dataplane/meter.h, a
 * trTCM on rte_meter with its per-colour counters and actions) the same way. Memory: EAL heap bytes in use before and after creating a
 * table of K keys, and of --big-keys keys (default 10M), per key.
 *
 * Usage: police_bench [--keys K] [--packets P] [--rounds R] [--zipf S] [--big-keys N]
 *                     [--json FILE] [-- EAL options]
 */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_malloc.h>
#include <rte_meter.h>

#include "meter.h"
#include "police.h"
#include "police_table.h"

#define PB_ROUNDS_MAX 64

static uint32_t *pb_src;        /* per packet: the source index */
static uint64_t pb_hz;

static uint64_t
pb_heap_bytes(void)
{
	struct rte_malloc_socket_stats st;
	uint64_t total = 0;
	unsigned int i;

	for (i = 0; i < rte_socket_count(); i++)
		if (rte_malloc_get_socket_stats(rte_socket_id_by_idx(i), &st) == 0)
			total += st.heap_allocsz_bytes;
	return total;
}

/* Zipf(s) over k ranks by inverse transform on the cumulative weights. */
static void
pb_zipf(uint32_t *out, uint64_t n, uint32_t k, double s)
{
	double *cdf = malloc(sizeof(*cdf) * k), sum = 0;
	uint64_t i, rng = 0x243f6a8885a308d3ULL;
	uint32_t r;

	if (!cdf)
		exit(1);
	for (r = 0; r < k; r++) {
		sum += s > 0 ? 1.0 / pow(r + 1, s) : 1.0;
		cdf[r] = sum;
	}
	for (i = 0; i < n; i++) {
		double u;
		uint32_t lo = 0, hi = k - 1;

		rng ^= rng << 13;
		rng ^= rng >> 7;
		rng ^= rng << 17;
		u = (double)(rng >> 11) / (double)(1ULL << 53) * sum;
		while (lo < hi) {
			uint32_t mid = (lo + hi) / 2;

			if (cdf[mid] < u)
				lo = mid + 1;
			else
				hi = mid;
		}
		/* scatter ranks over the address space so popular keys are not neighbours */
		out[i] = (lo * 2654435761u) % k;
	}
	free(cdf);
}

static int
pb_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double
pb_median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), pb_cmp);
	return v[n / 2];
}

static void
pb_minmax(const double *v, int n, double *mn, double *mx)
{
	int i;

	*mn = *mx = v[0];
	for (i = 1; i < n; i++) {
		*mn = v[i] < *mn ? v[i] : *mn;
		*mx = v[i] > *mx ? v[i] : *mx;
	}
}

static struct police_key
pb_key(uint32_t i)
{
	uint8_t a[16] = { 0x20, 0x01, 0x0d, 0xb8 };     /* 2001:db8::/32, the documentation
							 * range: room for every key */
	struct police_key k;

	a[12] = (uint8_t)(i >> 24);
	a[13] = (uint8_t)(i >> 16);
	a[14] = (uint8_t)(i >> 8);
	a[15] = (uint8_t)i;
	police_key_prefix(&k, 6, 0, a, 128);
	return k;
}

struct pb_algo {
	const char *name;
	struct police_params p;
	int meter;                      /* 1: the rte_meter peer; 2: Sluice's trTCM meter */
};

static struct meter_profile pb_trtcm;

/* Sluice's meter on one packet of 64 bytes: green or not. */
static inline uint64_t
pb_meter(void *st, uint64_t now_ns)
{
	struct meter_counters c = { { 0 }, { 0 } };
	enum meter_action act;

	return meter_run(&pb_trtcm, st, 64, now_ns / 1000 * pb_hz / 1000000, RTE_COLOR_GREEN,
			 &c, &act) == RTE_COLOR_GREEN;
}

static double
pb_run(struct pb_algo *a, struct police_table *t, uint32_t keys, uint64_t packets,
       int with_table, struct rte_meter_srtcm_profile *mp, uint64_t *admitted)
{
	uint64_t i, t0, now = 100 * POLICE_NS, ok = 0;
	union {
		union police_state s;
		struct rte_meter_srtcm m;
		uint8_t log[POLICE_STATE_SIZE + 8 * 64];
	} one;

	(void)keys;
	memset(&one, 0, sizeof(one));
	if (a->meter == 1)
		rte_meter_srtcm_config(&one.m, mp);
	else if (a->meter == 2)
		meter_state_init((void *)&one, &pb_trtcm, 0);
	t0 = rte_rdtsc();
	if (with_table == 2) {          /* bursts of 32, as a worker's loop has them */
		struct police_key k[32];
		void *sts[32];
		uint64_t j, b;

		for (i = 0; i + 32 <= packets; i += 32) {
			for (j = 0; j < 32; j++)
				k[j] = pb_key(pb_src[i + j]);
			police_table_get_burst(t, k, 32, sts);
			for (j = 0; j < 32; j++, now += 10) {
				if (!sts[j])
					continue;
				b = a->meter == 1 ? rte_meter_srtcm_color_blind_check(sts[j], mp,
						now / 1000 * pb_hz / 1000000, 64) == RTE_COLOR_GREEN :
				    a->meter == 2 ? pb_meter(sts[j], now) :
					       (uint64_t)police_check(sts[j], &a->p, 1, now);
				ok += b;
			}
		}
		*admitted = ok;
		return (double)(rte_rdtsc() - t0) * 1e9 / (double)pb_hz / (double)i;
	}
	for (i = 0; i < packets; i++, now += 10) {
		void *st = &one;

		if (with_table) {
			struct police_key k = pb_key(pb_src[i]);

			st = police_table_get(t, &k);
			if (!st)
				continue;
		}
		if (a->meter == 1)
			ok += rte_meter_srtcm_color_blind_check(st, mp, now / 1000 * pb_hz / 1000000,
							       64) == RTE_COLOR_GREEN;
		else if (a->meter == 2)
			ok += pb_meter(st, now);
		else
			ok += police_check(st, &a->p, 1, now);
	}
	*admitted = ok;
	return (double)(rte_rdtsc() - t0) * 1e9 / (double)pb_hz / (double)packets;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "keys", required_argument, NULL, 'k' }, { "packets", required_argument, NULL, 'p' },
		{ "rounds", required_argument, NULL, 'r' }, { "zipf", required_argument, NULL, 'z' },
		{ "big-keys", required_argument, NULL, 'b' }, { "json", required_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	char *eal[] = { argv[0], "--no-pci", "--no-huge", "--no-shconf", "-m", "3072",
			"--log-level=*:error", NULL };
	uint32_t keys = 1000000, big = 10000000, i;
	uint64_t packets = 4000000, admitted;
	int rounds = 5, o, r, ai, eal_argc;
	double zipf = 1.0, ns[PB_ROUNDS_MAX], ns1[PB_ROUNDS_MAX], ns32[PB_ROUNDS_MAX];
	struct rte_meter_srtcm_params mparams = { .cir = 64 * 100, .cbs = 64 * 10, .ebs = 64 * 10 };
	struct rte_meter_srtcm_profile mp;
	struct meter_params tp = { .algo = METER_ALGO_TRTCM, .cir_Bps = 64 * 100,
				   .pir_Bps = 64 * 200, .cbs_bytes = 1514, .pbs_bytes = 3028,
				   .action = { METER_TRANSMIT, METER_REMARK, METER_DROP } };
	double mn[3], mx[3];
	struct pb_algo algos[7];
	const char *json = NULL;
	FILE *jf = NULL;
	char err[256];

	for (i = 1; i < (uint32_t)argc && strcmp(argv[i], "--") != 0; i++)
		;
	if (i < (uint32_t)argc) {
		/* EAL options after "--" replace the defaults */
		argv[i] = argv[0];
		eal_argc = argc - (int)i;
		if (rte_eal_init(eal_argc, argv + i) < 0)
			return 1;
		argc = (int)i;
	} else if (rte_eal_init((int)(sizeof(eal) / sizeof(eal[0])) - 1, eal) < 0) {
		return 1;
	}
	optind = 1;
	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 'k': keys = (uint32_t)strtoul(optarg, NULL, 10); break;
		case 'p': packets = strtoull(optarg, NULL, 10); break;
		case 'r': rounds = atoi(optarg); break;
		case 'z': zipf = atof(optarg); break;
		case 'b': big = (uint32_t)strtoul(optarg, NULL, 10); break;
		case 'j': json = optarg; break;
		default:
			fprintf(stderr, "usage: police_bench [--keys K] [--packets P] [--rounds R] "
				"[--zipf S] [--big-keys N] [--json FILE] [-- EAL options]\n");
			return 2;
		}
	}
	if (keys < 8 || packets < 1 || rounds < 1 || rounds > PB_ROUNDS_MAX) {
		fprintf(stderr, "police_bench: want --keys >= 8, --packets >= 1, "
			"1 <= --rounds <= %d\n", PB_ROUNDS_MAX);
		return 2;
	}
	pb_hz = rte_get_tsc_hz();
	pb_src = malloc(sizeof(*pb_src) * packets);
	if (!pb_src)
		return 1;
	pb_zipf(pb_src, packets, keys, zipf);
	if (rte_meter_srtcm_profile_config(&mp, &mparams) != 0 ||
	    meter_profile_build(&pb_trtcm, &tp, err, sizeof(err)) != 0) {
		fprintf(stderr, "police_bench: meter profiles: %s\n", err);
		return 1;
	}
	if (json && !(jf = fopen(json, "w"))) {
		perror(json);
		return 1;
	}

	memset(algos, 0, sizeof(algos));
	algos[0].name = "token-bucket";
	police_params_set(&algos[0].p, POLICE_TOKEN_BUCKET, POLICE_PACKETS, 100, 10, 0, err,
			  sizeof(err));
	algos[1].name = "leaky-bucket";
	police_params_set(&algos[1].p, POLICE_LEAKY_BUCKET, POLICE_PACKETS, 100, 10, 0, err,
			  sizeof(err));
	algos[2].name = "fixed-window";
	police_params_set(&algos[2].p, POLICE_FIXED_WINDOW, POLICE_PACKETS, 100, 0, POLICE_NS, err,
			  sizeof(err));
	algos[3].name = "sliding-window";
	police_params_set(&algos[3].p, POLICE_SLIDING_WINDOW, POLICE_PACKETS, 100, 0, POLICE_NS,
			  err, sizeof(err));
	algos[4].name = "sliding-log";
	police_params_set(&algos[4].p, POLICE_SLIDING_LOG, POLICE_PACKETS, 64, 0, POLICE_NS, err,
			  sizeof(err));
	algos[5].name = "rte_meter srTCM (peer)";
	algos[5].meter = 1;
	algos[6].name = "trTCM (meter.h)";
	algos[6].meter = 2;
	if (jf)
		fprintf(jf, "{\"benchmark\":\"police\",\"method\":\"%u keys, %llu packets, Zipf "
			"s=%.2f, median of %d rounds, rdtsc\",\"keys\":%u,\"results\":[", keys,
			(unsigned long long)packets, zipf, rounds, keys);

	printf("police_bench: %u keys, %llu packets, Zipf s=%.2f, median of %d rounds, TSC %.2f GHz\n",
	       keys, (unsigned long long)packets, zipf, rounds, (double)pb_hz / 1e9);
	printf("%-24s %12s %12s %12s %12s %12s\n", "algorithm", "ns/packet", "burst32 ns",
	       "alone ns", "admitted", "bytes/key");
	for (ai = 0; ai < 7; ai++) {
		struct pb_algo *a = &algos[ai];
		size_t slot = a->meter == 1 ? sizeof(struct rte_meter_srtcm) :
			      a->meter == 2 ? sizeof(struct meter_state) : police_state_size(&a->p);
		uint64_t before = pb_heap_bytes(), after;
		char name[32];
		struct police_table *t;

		snprintf(name, sizeof(name), "pb_%d", ai);
		t = police_table_create(name, keys, slot < POLICE_STATE_SIZE ? POLICE_STATE_SIZE : slot,
					SOCKET_ID_ANY, err, sizeof(err));
		if (!t) {
			fprintf(stderr, "police_bench: %s\n", err);
			return 1;
		}
		after = pb_heap_bytes();
		for (i = 0; i < keys; i++) {        /* every key in, its state initialised */
			struct police_key k = pb_key(i);
			void *st = police_table_get(t, &k);

			if (st && a->meter == 1)
				rte_meter_srtcm_config(st, &mp);
			else if (st && a->meter == 2)
				meter_state_init(st, &pb_trtcm, 0);
		}
		for (r = 0; r < rounds; r++) {
			ns[r] = pb_run(a, t, keys, packets, 1, &mp, &admitted);
			ns32[r] = pb_run(a, t, keys, packets, 2, &mp, &admitted);
			ns1[r] = pb_run(a, t, keys, packets, 0, &mp, &admitted);
		}
		pb_run(a, t, keys, packets, 1, &mp, &admitted);
		pb_minmax(ns, rounds, &mn[0], &mx[0]);
		pb_minmax(ns32, rounds, &mn[1], &mx[1]);
		pb_minmax(ns1, rounds, &mn[2], &mx[2]);
		printf("%-24s %12.1f %12.1f %12.1f %12llu %12.1f\n", a->name, pb_median(ns, rounds),
		       pb_median(ns32, rounds), pb_median(ns1, rounds),
		       (unsigned long long)admitted, (double)(after - before) / keys);
		if (jf)
			fprintf(jf, "%s{\"algorithm\":\"%s\",\"ns_per_packet_median\":%.1f,"
				"\"min\":%.1f,\"max\":%.1f,\"burst32_ns_median\":%.1f,"
				"\"burst32_min\":%.1f,\"burst32_max\":%.1f,\"alone_ns_median\":%.1f,"
				"\"bytes_per_key\":%.1f}", ai ? "," : "", a->name,
				pb_median(ns, rounds), mn[0], mx[0], pb_median(ns32, rounds), mn[1],
				mx[1], pb_median(ns1, rounds), (double)(after - before) / keys);
		police_table_free(t);
	}
	if (jf)
		fprintf(jf, "]");
	if (big) {
		uint64_t before = pb_heap_bytes(), after;
		struct police_table *t = police_table_create("pb_big", big, POLICE_STATE_SIZE,
							     SOCKET_ID_ANY, err, sizeof(err));

		if (!t) {
			printf("%u keys: %s\n", big, err);
		} else {
			for (i = 0; i < big; i++) {
				struct police_key k = pb_key(i);

				police_table_get(t, &k);
			}
			after = pb_heap_bytes();
			printf("%u keys of 32 bytes: %.1f MiB in all, %.1f bytes per key, %u in use, "
			       "%llu not placed\n", big, (double)(after - before) / 1048576.0,
			       (double)(after - before) / big, t->used,
			       (unsigned long long)t->insert_failed);
			if (jf)
				fprintf(jf, ",\"big_keys\":%u,\"big_mib\":%.1f,"
					"\"big_bytes_per_key\":%.1f", big,
					(double)(after - before) / 1048576.0,
					(double)(after - before) / big);
			police_table_free(t);
		}
	}
	if (jf) {
		fprintf(jf, "}\n");
		fclose(jf);
	}
	free(pb_src);
	rte_eal_cleanup();
	return 0;
}
