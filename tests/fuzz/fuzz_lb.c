/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz_lb: libFuzzer target for the balancer's fast path (dataplane/lb_fp.h, lb6_fp.h,
 * ipfrag_fp.h) on whatever a client or a backend could send: the first byte picks the
 * port it arrives on (front or back), the rest is the frame. Services of every mode and
 * both families, an MSS clamp, backends resolved; frames parsed by the dataplane's
 * parser, fragments put through the reassembly table, everything else through lb_input
 * as a worker would (state persists between inputs, so flows, replies and ICMP errors
 * about them meet), through rate limits of four kinds (drop, remark, count, a trTCM
 * meter; small key tables, so recycling runs too). ASan and UBSan catch bad reads and writes; the checks
 * below catch a verdict that is not a counter, an out port that does not exist, or a
 * frame that grew past its buffer.
 *
 * Context: EAL (--no-huge, no PCI) started once in LLVMFuzzerInitialize; run as root.
 */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>

#include "dp_stats.h"
#include "ipfrag.h"
#include "ipfrag_fp.h"
#include "lb.h"
#include "lb_conf.h"
#include "lb_fp.h"
#include "pkt_fp.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct dp fz_dp;
static struct worker fz_w;
static struct rte_mempool *fz_pool;
static struct ipfrag *fz_frag;
static uint64_t fz_cnt[SL_CNT__MAX];

static const char fz_conf[] =
	"pools:\n"
	"  web: { backends: [198.18.1.11:80, 198.18.1.12:80] }\n"
	"  names: { backends: [198.18.1.11:53, 198.18.1.12:53] }\n"
	"  d81: { backends: [198.18.1.11:81] }\n"
	"  d82: { backends: [198.18.1.12:82] }\n"
	"  web6: { backends: [\"[2001:db8:1::11]:80\", \"[2001:db8:1::12]:80\"] }\n"
	"  names6: { backends: [\"[2001:db8:1::11]:53\"] }\n"
	"services:\n"
	"  - { vip: 198.18.0.100:80/tcp, pool: web, policy: maglev, mss: 1400 }\n"
	"  - { vip: 198.18.0.100:53/udp, pool: names, policy: rr }\n"
	"  - { vip: 198.18.0.100:81/tcp, pool: d81, mode: dsr, policy: sticky }\n"
	"  - { vip: 198.18.0.100:82/tcp, pool: d82, mode: dsr-ipip }\n"
	"  - { vip: \"[2001:db8::100]:80/tcp\", pool: web6, policy: least-conn }\n"
	"  - { vip: \"[2001:db8::100]:53/udp\", pool: names6, mode: dsr-ipip }\n"
	"limits:\n"
	"  conns: { service: 198.18.0.100:80/tcp, algorithm: token-bucket, unit: connections,\n"
	"           rate: 2, burst: 3, max_keys: 64 }\n"
	"  bytes: { key: prefix, algorithm: sliding-window, unit: bytes, limit: 3000,\n"
	"           window_ms: 1000, action: remark, dscp: 46, priority: 10, max_keys: 16 }\n"
	"  shadow: { from: \"2001:db8::/32\", algorithm: sliding-log, limit: 4, window_ms: 500,\n"
	"            action: count, priority: 5, max_keys: 8 }\n"
	"  meter: { algorithm: trtcm, cir: 2000, cbs: 1514, pir: 4000, pbs: 3028,\n"
	"           yellow: remark, yellow_dscp: 12, colour_aware: true, priority: 1,\n"
	"           max_keys: 8 }\n";

/* The tables' per-worker arrays live in DPDK memory, which LeakSanitizer does not scan:
 * free them before it looks, or what they point to reads as leaked. */
static void
fz_cleanup(void)
{
	lb_free(fz_dp.lb);
	fz_dp.lb = NULL;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static char *eal[] = { "fuzz_lb", "--no-pci", "--no-huge", "--no-shconf", "-m", "512",
			       "--log-level=*:error", NULL };
	static const uint8_t front6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
	static const uint8_t vip6[16] = { 0x20, 0x01, 0x0d, 0xb8, [14] = 1 };
	static const uint8_t back6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 1, [15] = 1 };
	char err[512];
	struct lb_conf c;
	uint32_t i;

	(void)argc;
	(void)argv;
	if (rte_eal_init((int)RTE_DIM(eal) - 1, eal) < 0)
		abort();
	fz_pool = rte_pktmbuf_pool_create("fz_pool", 4095, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
					  SOCKET_ID_ANY);
	fz_dp.pool = fz_pool;
	fz_dp.pool_indirect = rte_pktmbuf_pool_create("fz_ind", 1023, 0, 0, 0, SOCKET_ID_ANY);
	fz_dp.neigh = rte_zmalloc("neigh", sizeof(*fz_dp.neigh), 0);
	fz_frag = ipfrag_create(0, SOCKET_ID_ANY, err, sizeof(err));
	if (!fz_pool || !fz_dp.pool_indirect || !fz_dp.neigh || !fz_frag ||
	    lb_conf_parse("fuzz", fz_conf, strlen(fz_conf), &c, err, sizeof(err)) != 0)
		abort();
	fz_dp.lb = lb_build(&c, fz_dp.neigh, 1, 1, err, sizeof(err));
	lb_conf_free(&c);
	fz_w.lbw = lb_worker_create(4096, 0, SOCKET_ID_ANY, err, sizeof(err));
	if (!fz_dp.lb || !fz_w.lbw || ct_enable_v6(fz_w.lbw->ct, SOCKET_ID_ANY) != 0)
		abort();
	atexit(fz_cleanup);
	for (i = 0; i < fz_dp.neigh->n; i++)
		fz_dp.neigh->e[i].word = NEIGH_VALID | (uint64_t)1 << NEIGH_PORT_SHIFT |
					 0x110000bef2ULL;
	fz_dp.nb_workers = 1;
	fz_dp.nb_ports = 2;
	fz_dp.workers[0] = &fz_w;
	fz_dp.ports[0].local.v4[0] = htonl(0xc6120001u);
	fz_dp.ports[0].local.v4[1] = htonl(0xc6120064u);
	fz_dp.ports[0].local.nb_v4 = 2;
	memcpy(fz_dp.ports[0].local.v6[0], front6, 16);
	memcpy(fz_dp.ports[0].local.v6[1], vip6, 16);
	fz_dp.ports[0].local.nb_v6 = 2;
	fz_dp.ports[0].mtu = 1500;
	fz_dp.ports[1].local.v4[0] = htonl(0xc6120101u);
	fz_dp.ports[1].local.nb_v4 = 1;
	memcpy(fz_dp.ports[1].local.v6[0], back6, 16);
	fz_dp.ports[1].local.nb_v6 = 1;
	fz_dp.ports[1].mtu = 1500;
	return 0;
}

static void
fz_balance(struct rte_mbuf *m, uint16_t pi, const struct pkt_meta *meta)
{
	uint16_t out = 0xffff;
	int v = lb_input(&fz_dp, fz_w.lbw, 0, m, pi, meta, &out, fz_cnt, NULL);

	if (v < SL_CNT_OK || v >= SL_CNT__MAX)
		abort();
	if (v != SL_CNT_OK && !sl_counter_is_drop(v) && out >= fz_dp.nb_ports)
		abort();
	if ((uint32_t)m->data_off + rte_pktmbuf_data_len(m) > m->buf_len)
		abort();
	rte_pktmbuf_free(m);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rte_mbuf *m;
	struct pkt_meta meta;
	uint16_t pi;
	uint8_t *p;

	if (size < 2 || size > 1 + 2000)
		return 0;
	pi = data[0] & 1;
	m = rte_pktmbuf_alloc(fz_pool);
	if (!m) {
		/* Fragments waiting for the rest of their datagram hold mbufs; let them go.
		 * If the pool is still empty, something leaked. */
		char err[128];

		ipfrag_free(fz_frag);
		fz_frag = ipfrag_create(0, SOCKET_ID_ANY, err, sizeof(err));
		m = rte_pktmbuf_alloc(fz_pool);
		if (!fz_frag || !m)
			abort();
	}
	p = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)(size - 1));
	if (!p)
		abort();
	memcpy(p, data + 1, size - 1);
	if (pkt_parse(p, (uint32_t)(size - 1), &meta) != SL_CNT_OK) {
		rte_pktmbuf_free(m);
		return 0;
	}
	if (meta.flags & PKT_F_FRAG) {
		int refused;
		struct rte_mbuf *r = ipfrag_reassemble(fz_frag, m, &meta, rte_rdtsc(), &refused);

		if (refused)
			rte_pktmbuf_free(m);
		rte_ip_frag_free_death_row(&fz_frag->dr, 0);
		if (!r)
			return 0;
		if (pkt_parse(rte_pktmbuf_mtod(r, const uint8_t *), rte_pktmbuf_pkt_len(r), &meta) !=
		    SL_CNT_OK || rte_pktmbuf_data_len(r) < meta.l4_off + 20u) {
			rte_pktmbuf_free(r);
			return 0;
		}
		m = r;
	}
	fz_balance(m, pi, &meta);
	return 0;
}
