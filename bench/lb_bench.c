/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lb_bench: ns per packet of the balancer's worker pipeline, without a NIC.
 *
 * The dataplane's own code, in-process: two null ports (front, back), one worker, the
 * lab's service (198.18.0.100:80/tcp, maglev over N backends, fnat) built from a config
 * like --config's, backends' MACs already resolved. Pre-built 64-byte frames are copied
 * into fresh mbufs and handed to worker_input() — parse, owner, connection table,
 * policy, rewrite, checksums, TX to the null port — exactly what a worker does with a
 * received packet after rte_eth_rx_burst.
 *
 *   syn          every packet opens a new flow: F flows' SYNs, once each
 *   established  client -> VIP packets of those F flows, flow chosen by Zipf(s) popularity
 *
 * Method: each phase is timed over all its packets (rte_rdtsc), R rounds, median; the
 * same loop with worker_input replaced by freeing the mbuf (allocation and copy only) is
 * timed in the same run and subtracted, so "net" is the pipeline's own cost. Also Maglev
 * table builds (M = 65537; N = 100 and 1000 backends), median of R. --callgrind: one
 * round of each phase with few packets, for `valgrind --tool=callgrind
 * --toggle-collect=worker_input*`, whose instruction count per packet is the stable
 * figure (bench/lb_bench.sh runs it).
 *
 * Packets go in bursts of 32 through worker_input_burst(), as the loop hands them on after
 * rte_eth_rx_burst (the burst's connection lookups are made at once); --burst 1 uses
 * worker_input(), one packet at a time.
 *
 * Usage: lb_bench [--flows F] [--packets P] [--rounds R] [--backends N] [--zipf S]
 *                 [--burst B] [--callgrind] [--json FILE] [-- EAL options]
 */
#include <arpa/inet.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ip.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_tcp.h>

#include <valgrind/callgrind.h>

#include "dp_stats.h"
#include "lb.h"
#include "lb_conf.h"
#include "maglev.h"
#include "neigh.h"
#include "owner_fp.h"
#include "pkt_fp.h"
#include "worker.h"

#define FRAME_LEN 64

static struct dp bench_dp;

/* Client i: 198.18.(2 + i / 65000 % 200).x : port, unique per i. */
static void
bench_frame(uint8_t *f, uint32_t i, uint8_t tcp_flags, const struct rte_ether_addr *to)
{
	static const uint8_t eth[14] = { 0x02, 0x53, 0x4c, 0, 0, 1, 0x02, 0x53, 0x4c, 0, 0, 2,
					 0x08, 0x00 };
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(f + 14);
	struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)(ip + 1);
	uint32_t src = 0xc6120000u + 0x200u + i / 60000;        /* 198.18.2.0 onwards */

	memset(f, 0, FRAME_LEN);
	memcpy(f, eth, 14);
	memcpy(f, to->addr_bytes, RTE_ETHER_ADDR_LEN);  /* to the front port's MAC */
	ip->version_ihl = 0x45;
	ip->total_length = rte_cpu_to_be_16(FRAME_LEN - 14);
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_TCP;
	ip->src_addr = htonl(src);
	ip->dst_addr = htonl(0xc6120064u);
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	th->src_port = htons((uint16_t)(1024 + i % 60000));
	th->dst_port = htons(80);
	th->data_off = 0x50;
	th->tcp_flags = tcp_flags;
	th->cksum = rte_ipv4_udptcp_cksum(ip, th);
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double
vmin(const double *v, unsigned int n)
{
	double m = v[0];
	unsigned int i;

	for (i = 1; i < n; i++)
		m = v[i] < m ? v[i] : m;
	return m;
}

static double
vmax(const double *v, unsigned int n)
{
	double m = v[0];
	unsigned int i;

	for (i = 1; i < n; i++)
		m = v[i] > m ? v[i] : m;
	return m;
}

static double
median(double *v, unsigned int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return v[n / 2];
}

/* ns per owner hash over random tuples of one family: the byte tables (owner_hash) or
 * DPDK's bit-serial rte_softrss (owner_hash_softrss); median of rounds. The sum keeps the
 * compiler from dropping the work. */
#define OWNER_BENCH_TUPLES 4096
static double
owner_hash_ns(int v6, int softrss, unsigned int rounds)
{
	static struct pkt_meta m[OWNER_BENCH_TUPLES];
	double v[64];
	uint64_t hz = rte_get_tsc_hz(), rng = 88172645463325252ULL;
	volatile uint32_t sink = 0;
	unsigned int r, i, j;

	for (i = 0; i < OWNER_BENCH_TUPLES; i++) {
		uint8_t *p = (uint8_t *)&m[i].addr;

		memset(&m[i], 0, sizeof(m[i]));
		m[i].l3 = v6 ? PKT_L3_IPV6 : PKT_L3_IPV4;
		for (j = 0; j < 36; j++) {
			rng ^= rng << 13;
			rng ^= rng >> 7;
			rng ^= rng << 17;
			if (j < 32)
				p[j] = (uint8_t)rng;
		}
		m[i].sport = (uint16_t)rng;
		m[i].dport = (uint16_t)(rng >> 16);
	}
	if (rounds > RTE_DIM(v))
		rounds = RTE_DIM(v);
	for (r = 0; r < rounds; r++) {
		uint64_t t0 = rte_rdtsc_precise();
		uint32_t acc = 0;

		for (j = 0; j < 64; j++)
			for (i = 0; i < OWNER_BENCH_TUPLES; i++)
				acc ^= softrss ? owner_hash_softrss(&m[i]) : owner_hash(&m[i]);
		sink ^= acc;
		v[r] = (double)(rte_rdtsc_precise() - t0) * 1e9 / hz / (64.0 * OWNER_BENCH_TUPLES);
	}
	(void)sink;
	return median(v, rounds);
}

/* Zipf(s) over [0, n): inverse CDF by binary search over a cumulative table. */
static uint32_t *
zipf_sequence(uint32_t n, double s, uint32_t len)
{
	double *cdf = malloc(sizeof(*cdf) * n), sum = 0;
	uint32_t *seq = malloc(sizeof(*seq) * len), i;
	uint64_t x = 0x2545f4914f6cdd1dULL;

	if (!cdf || !seq)
		exit(1);
	for (i = 0; i < n; i++)
		cdf[i] = (sum += 1.0 / pow((double)i + 1, s));
	for (i = 0; i < len; i++) {
		double u;
		uint32_t lo = 0, hi = n - 1;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		u = (double)(x >> 11) / (double)(1ULL << 53) * sum;
		while (lo < hi) {
			uint32_t mid = (lo + hi) / 2;

			if (cdf[mid] < u)
				lo = mid + 1;
			else
				hi = mid;
		}
		/* popular flows spread over the table, not the first rows */
		seq[i] = (uint32_t)(((uint64_t)lo * 2654435761u) % n);
	}
	free(cdf);
	return seq;
}

static unsigned int bench_burst = 32;

/* Cycles for packets frames (flow idx[k] or k), through the worker or just freed: in
 * bursts of bench_burst through worker_input_burst (as the loop after rx_burst), or one by
 * one through worker_input when bench_burst is 1. */
static uint64_t
run(struct rte_mempool *pool, uint8_t *frames, const uint32_t *idx, uint32_t packets,
    int through)
{
	struct worker *w = bench_dp.workers[0];
	struct rte_mbuf *b[DP_BURST];
	uint64_t t0 = rte_rdtsc_precise();
	uint32_t k = 0;

	while (k < packets) {
		unsigned int n = 0, j;

		for (; n < bench_burst && k < packets; n++, k++) {
			uint32_t f = idx ? idx[k] : k;

			b[n] = rte_pktmbuf_alloc(pool);
			if (!b[n])
				exit(1);
			memcpy(rte_pktmbuf_append(b[n], FRAME_LEN), frames + (size_t)f * FRAME_LEN,
			       FRAME_LEN);
			b[n]->port = bench_dp.ports[0].port.port_id;
		}
		if (!through)
			for (j = 0; j < n; j++)
				rte_pktmbuf_free(b[j]);
		else if (n == 1)
			worker_input(w, b[0], 0);
		else
			worker_input_burst(w, b, (uint16_t)n, 0);
	}
	rte_eth_tx_buffer_flush(bench_dp.ports[1].port.port_id, 0, w->txb[1]);
	return rte_rdtsc_precise() - t0;
}

static double
maglev_build_ms(uint32_t n, unsigned int rounds)
{
	static uint16_t table[MAGLEV_M_DEFAULT];
	struct maglev_backend *b = calloc(n, sizeof(*b));
	struct maglev_scratch *s = calloc(n, sizeof(*s));
	double v[64];
	unsigned int r;
	uint32_t i;

	for (i = 0; i < n; i++) {
		uint8_t name[6] = { 198, 18, (uint8_t)(i / 250), (uint8_t)(i % 250 + 1), 0, 80 };

		b[i].id = maglev_id(name, sizeof(name));
		b[i].weight = 1;
	}
	for (r = 0; r < rounds && r < 64; r++) {
		uint64_t t0 = rte_rdtsc_precise();

		maglev_build(b, n, MAGLEV_M_DEFAULT, table, s);
		v[r] = (double)(rte_rdtsc_precise() - t0) * 1e3 / (double)rte_get_tsc_hz();
	}
	free(b);
	free(s);
	return median(v, r);
}

static int
setup(uint32_t flows, uint32_t backends, struct rte_mempool *pool)
{
	static const char *const specs[2] = { "front=null", "back=null" };
	char err[512], *text;
	struct lb_conf c;
	size_t len = 256 + (size_t)backends * 32;
	uint32_t i, a;
	uint16_t p;

	bench_dp.nb_ports = 2;
	bench_dp.nb_workers = 1;
	bench_dp.pool = pool;
	for (p = 0; p < 2; p++) {
		struct dp_port *dpp = &bench_dp.ports[p];

		if (port_spec_parse(specs[p], &dpp->port.spec, err, sizeof(err)) ||
		    port_open(&dpp->port, 1, pool, "", err, sizeof(err))) {
			fprintf(stderr, "lb_bench: %s\n", err);
			return -1;
		}
		dpp->local.mac = dpp->port.mac;
		dp_port_set_mtu(dpp);
		bench_dp.port_idx[dpp->port.port_id] = (uint8_t)p;
	}
	local_add_v4(&bench_dp.ports[0].local, htonl(0xc6120001u));
	local_add_v4(&bench_dp.ports[0].local, htonl(0xc6120064u));
	local_add_v4(&bench_dp.ports[1].local, htonl(0xc6120101u));
	/* The lab's service over N backends (198.18.1.11 onwards). */
	text = malloc(len);
	if (!text)
		return -1;
	a = (uint32_t)snprintf(text, len, "pools:\n  web:\n    backends:\n");
	for (i = 0; i < backends; i++)
		a += (uint32_t)snprintf(text + a, len - a, "      - 198.18.%u.%u:80\n",
					1 + (11 + i) / 250, (11 + i) % 250);
	snprintf(text + a, len - a, "services:\n  - vip: 198.18.0.100:80/tcp\n    pool: web\n"
		 "    policy: maglev\n");
	if (lb_conf_parse("bench", text, strlen(text), &c, err, sizeof(err))) {
		fprintf(stderr, "lb_bench: %s\n", err);
		return -1;
	}
	free(text);
	bench_dp.neigh = rte_zmalloc("neigh", sizeof(*bench_dp.neigh), RTE_CACHE_LINE_SIZE);
	bench_dp.ct_max = flows + flows / 8;
	bench_dp.lb = lb_build(&c, bench_dp.neigh, 1, 1, err, sizeof(err));
	lb_conf_free(&c);
	if (!bench_dp.lb) {
		fprintf(stderr, "lb_bench: %s\n", err);
		return -1;
	}
	/* Every backend answered ARP on the back port. */
	for (i = 0; i < bench_dp.neigh->n; i++)
		bench_dp.neigh->e[i].word = NEIGH_VALID | (1ULL << NEIGH_PORT_SHIFT) |
					    (0x0100004c5302ULL + i);
	if (worker_setup_all(&bench_dp, err, sizeof(err))) {
		fprintf(stderr, "lb_bench: %s\n", err);
		return -1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "flows", required_argument, NULL, 'f' }, { "packets", required_argument, NULL, 'p' },
		{ "rounds", required_argument, NULL, 'r' }, { "backends", required_argument, NULL, 'b' },
		{ "zipf", required_argument, NULL, 'z' }, { "json", required_argument, NULL, 'j' },
		{ "callgrind", no_argument, NULL, 'c' }, { "burst", required_argument, NULL, 'B' },
		{ NULL, 0, NULL, 0 },
	};
	char *eal_def[] = { argv[0], "--no-pci", "--no-huge", "--no-shconf", "-m", "4096",
			    "-l", "0,1", "--log-level=*:error", NULL };
	uint32_t flows = 1000000, packets = 4000000, backends = 100, i;
	unsigned int rounds = 5, r, cg = 0;
	double zipf_s = 1.0, syn[64], est[64], base[64], hz, ms100, ms1000, flow_bytes;
	const char *json = NULL;
	struct rte_mempool *pool;
	uint8_t *syn_frames, *est_frames;
	uint32_t *seq;
	int o, eal_argc = (int)RTE_DIM(eal_def) - 1, dd;
	char **eal_argv = eal_def;

	for (dd = 1; dd < argc && strcmp(argv[dd], "--") != 0; dd++)
		;
	if (dd < argc) {                /* EAL options after "--" */
		eal_argv = argv + dd;
		eal_argv[0] = argv[0];
		eal_argc = argc - dd;
		argc = dd;
	}
	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 'f': flows = (uint32_t)strtoul(optarg, NULL, 10); break;
		case 'p': packets = (uint32_t)strtoul(optarg, NULL, 10); break;
		case 'r': rounds = (unsigned int)strtoul(optarg, NULL, 10); break;
		case 'b': backends = (uint32_t)strtoul(optarg, NULL, 10); break;
		case 'z': zipf_s = strtod(optarg, NULL); break;
		case 'j': json = optarg; break;
		case 'c': cg = 1; break;
		case 'B': bench_burst = (unsigned int)strtoul(optarg, NULL, 10); break;
		default:
			fprintf(stderr, "usage: %s [--flows F] [--packets P] [--rounds R<=64] "
				"[--backends N] [--zipf S] [--callgrind] [--json FILE] [-- EAL]\n",
				argv[0]);
			return 2;
		}
	}
	if (cg) {
		flows = 20000;
		packets = 20000;
		rounds = 1;
	}
	if (!flows || flows > 12000000 || !packets || !rounds || rounds > 64 || !backends ||
	    backends > 4000 || !bench_burst || bench_burst > DP_BURST) {
		fprintf(stderr, "lb_bench: --flows 1..12M, --rounds 1..64, --backends 1..4000, "
			"--burst 1..%d\n", DP_BURST);
		return 2;
	}
	if (rte_eal_init(eal_argc, eal_argv) < 0)
		return 1;
	pool = rte_pktmbuf_pool_create("bench", 16383, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
				       (int)rte_socket_id());
	if (!pool || setup(flows, backends, pool))
		return 1;
	hz = (double)rte_get_tsc_hz();
	syn_frames = malloc((size_t)flows * FRAME_LEN);
	est_frames = malloc((size_t)flows * FRAME_LEN);
	if (!syn_frames || !est_frames)
		return 1;
	for (i = 0; i < flows; i++) {
		bench_frame(syn_frames + (size_t)i * FRAME_LEN, i, RTE_TCP_SYN_FLAG,
			    &bench_dp.ports[0].local.mac);
		bench_frame(est_frames + (size_t)i * FRAME_LEN, i, RTE_TCP_ACK_FLAG,
			    &bench_dp.ports[0].local.mac);
	}
	seq = zipf_sequence(flows, zipf_s, packets);
	for (r = 0; r < rounds; r++) {
		/* The table is emptied between rounds: every SYN opens a flow. */
		struct lb_worker *lw = bench_dp.workers[0]->lbw;
		uint64_t c;

		base[r] = (double)run(pool, syn_frames, NULL, flows, 0) * 1e9 / hz / flows;
		c = run(pool, syn_frames, NULL, flows, 1);
		syn[r] = (double)c * 1e9 / hz / flows;
		CALLGRIND_DUMP_STATS_AT("syn");                 /* no-ops unless under callgrind */
		c = run(pool, est_frames, seq, packets, 1);
		est[r] = (double)c * 1e9 / hz / packets;
		CALLGRIND_DUMP_STATS_AT("established");
		ct_free(lw->ct);
		lw->ct = ct_create(r % 2 ? "a" : "b", bench_dp.ct_max, SOCKET_ID_ANY, NULL);
		if (!lw->ct)
			return 1;
	}
	if (cg) {
		printf("callgrind run: %u SYN then %u established packets through worker_input\n",
		       flows, packets);
		return 0;
	}
	{
		/* memory per flow: the EAL heap's growth for one worker's table of ct_max */
		struct rte_malloc_socket_stats st0, st1;
		struct ct_table *t;

		rte_malloc_get_socket_stats(0, &st0);
		t = ct_create("mem", bench_dp.ct_max, SOCKET_ID_ANY, NULL);
		rte_malloc_get_socket_stats(0, &st1);
		flow_bytes = t ? (double)(st1.heap_allocsz_bytes - st0.heap_allocsz_bytes) /
				 bench_dp.ct_max : 0;
		ct_free(t);
	}
	ms100 = maglev_build_ms(100, rounds);
	ms1000 = maglev_build_ms(1000, rounds);
	{
		double b = median(base, rounds), s = median(syn, rounds), e = median(est, rounds);
		uint64_t *cnt = bench_dp.workers[0]->cnt;

		printf("Balancer pipeline, ns per packet, in-process, bursts of %u (median of %u "
		       "rounds; %u flows, %u backends, maglev, fnat; Zipf s=%.2f over %u packets)\n",
		       bench_burst, rounds, flows, backends, zipf_s, packets);
		printf("%-34s %10s %10s\n", "case", "total", "net");
		printf("%-34s %10.1f %10s\n", "alloc + copy only (subtracted)", b, "-");
		printf("%-34s %10.1f %10.1f\n", "SYN: new flow", s, s - b);
		printf("%-34s %10.1f %10.1f\n", "established, Zipf", e, e - b);
		printf("maglev build M=65537: N=100 %.3f ms, N=1000 %.3f ms (median)\n", ms100,
		       ms1000);
		printf("memory per flow (connection table of %u, EAL heap): %.1f bytes\n",
		       bench_dp.ct_max, flow_bytes);
		printf("owner hash (symmetric Toeplitz), ns per tuple: byte tables %.1f (IPv4) "
		       "%.1f (IPv6); rte_softrss %.1f (IPv4) %.1f (IPv6)\n",
		       owner_hash_ns(0, 0, rounds), owner_hash_ns(1, 0, rounds),
		       owner_hash_ns(0, 1, rounds), owner_hash_ns(1, 1, rounds));
		/* Every drop reason, not only the balancer's: a packet the worker refuses after
		 * the balancer (at TX, say) must not pass for a forwarded one. */
		uint64_t drops = 0;
		int k;

		for (k = 1; k < SL_CNT__MAX; k++)
			if (sl_counter_is_drop(k))
				drops += cnt[k];
		printf("counters: lb_new_flow %lu, lb_forward %lu, tx %lu, drops (any reason) %lu\n",
		       (unsigned long)cnt[SL_CNT_LB_NEW_FLOW], (unsigned long)cnt[SL_CNT_LB_FORWARD],
		       (unsigned long)cnt[SL_CNT_TX], (unsigned long)drops);
		if (json) {
			FILE *f = fopen(json, "w");

			if (!f)
				return 1;
			fprintf(f, "{\"benchmark\":\"lb_pipeline\",\"flows\":%u,\"backends\":%u,"
				"\"zipf_s\":%.2f,\"packets\":%u,\"rounds\":%u,\"ns_alloc_copy\":%.1f,"
				"\"ns_syn_total\":%.1f,\"ns_syn_net\":%.1f,\"ns_established_total\":%.1f,"
				"\"ns_established_net\":%.1f,\"maglev_ms_n100\":%.3f,"
				"\"maglev_ms_n1000\":%.3f,\"ns_syn_min\":%.1f,\"ns_syn_max\":%.1f,"
				"\"ns_established_min\":%.1f,\"ns_established_max\":%.1f,"
				"\"bytes_per_flow\":%.1f}\n", flows, backends, zipf_s, packets, rounds,
				b, s, s - b, e, e - b, ms100, ms1000, vmin(syn, rounds),
				vmax(syn, rounds), vmin(est, rounds), vmax(est, rounds), flow_bytes);
			fclose(f);
		}
	}
	return 0;
}
