/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_src_filter: the dataplane's first-stage source filter (dataplane/src_filter.c)
 * against the XDP program it mirrors.
 *
 * Differential: one policy is written through bpf_ctl into the maps of a privately
 * loaded (unpinned) bpf/sluice_xdp object; the filter mirrors those maps. The same
 * frames, from sources covering every rule (blocked networks and hosts, expiring
 * entries, allow over block, bans, packet and byte limits, auto-ban, IPv4 and IPv6), are
 * then judged at the same stepped times by the kernel's program (BPF_PROG_TEST_RUN, clock
 * through sl_now_override_ns) and by sf_check; every verdict must agree. Both engines
 * share the pinned ban map, as they do in production, and the filter's control work
 * (sf_tick: written bans, refreshed snapshots) runs between steps.
 *
 * Concurrency: two lcores police one source at a frozen clock; a bucket of burst B admits
 * exactly B packets in total, whatever the interleaving (the compare-and-swap of
 * bpf/sl_bucket.h).
 *
 * Context: test process with EAL (--no-huge, two worker lcores); needs root for BPF.
 */
#include <CUnit/Basic.h>
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <rte_eal.h>
#include <rte_cycles.h>
#include <rte_launch.h>
#include <rte_pause.h>
#include <rte_lcore.h>

#include "bpf_ctl.h"
#include "pkt_fp.h"
#include "sluice_xdp.skel.h"
#include "src_filter.h"
#include "src_filter_fp.h"
#include "cunit_main.h"

#define SEC_NS 1000000000ULL
#define MS_NS  1000000ULL

static struct sluice_xdp *skel;
static struct src_filter sf;
static int sf_ready;
static char err[256];

struct frame {
	uint8_t b[128];
	uint32_t len;
};

/* A UDP frame from src to the appliance (198.18.0.1 / 2001:db8::1), frame length len. */
static void
mkframe(struct frame *f, const char *src, uint32_t len)
{
	static const uint8_t eth[12] = { 0x02, 0x53, 0x4c, 0, 0, 1, 0x02, 0x53, 0x4c, 0, 0, 2 };
	uint8_t *ip = f->b + 14;

	memset(f, 0, sizeof(*f));
	memcpy(f->b, eth, 12);
	f->len = len;
	if (strchr(src, ':')) {
		uint32_t pl = len - 14 - 40;

		f->b[12] = 0x86;
		f->b[13] = 0xdd;
		ip[0] = 0x60;
		ip[4] = (uint8_t)(pl >> 8);
		ip[5] = (uint8_t)pl;
		ip[6] = IPPROTO_UDP;
		ip[7] = 64;
		inet_pton(AF_INET6, src, ip + 8);
		inet_pton(AF_INET6, "2001:db8::1", ip + 24);
		ip[40] = 0x30; ip[41] = 0x39; ip[43] = 53;
		ip[44] = (uint8_t)(pl >> 8);
		ip[45] = (uint8_t)pl;
	} else {
		uint32_t tot = len - 14;
		uint32_t sum = 0, i;

		f->b[12] = 0x08;
		ip[0] = 0x45;
		ip[2] = (uint8_t)(tot >> 8);
		ip[3] = (uint8_t)tot;
		ip[8] = 64;
		ip[9] = IPPROTO_UDP;
		inet_pton(AF_INET, src, ip + 12);
		inet_pton(AF_INET, "198.18.0.1", ip + 16);
		for (i = 0; i < 20; i += 2)
			sum += (uint32_t)(ip[i] << 8 | ip[i + 1]);
		while (sum >> 16)
			sum = (sum & 0xffff) + (sum >> 16);
		ip[10] = (uint8_t)(~sum >> 8);
		ip[11] = (uint8_t)~sum;
		ip[20] = 0x30; ip[21] = 0x39; ip[23] = 53;
		ip[24] = (uint8_t)((tot - 20) >> 8);
		ip[25] = (uint8_t)(tot - 20);
	}
}

static uint64_t
xdp_counter(int fd, uint32_t k)
{
	int ncpu = libbpf_num_possible_cpus(), i;
	uint64_t v[256] = { 0 }, sum = 0;

	if (ncpu <= 0 || ncpu > 256 || bpf_map_lookup_elem(fd, &k, v) != 0)
		return 0;
	for (i = 0; i < ncpu; i++)
		sum += v[i];
	return sum;
}

/* The XDP program's drop reason for f at now, or 0 if it does not drop it. */
static int
xdp_verdict(const struct frame *f, uint64_t now)
{
	static const uint32_t reasons[] = { SL_CNT_XDP_BLOCKED, SL_CNT_XDP_BANNED,
					    SL_CNT_XDP_RATE_LIMITED };
	int stats = bpf_map__fd(skel->maps.sl_xdp_stats);
	uint64_t before[3];
	unsigned int i;
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = f->b, .data_size_in = f->len, .repeat = 1);

	for (i = 0; i < 3; i++)
		before[i] = xdp_counter(stats, reasons[i]);
	skel->bss->sl_now_override_ns = now;
	if (bpf_prog_test_run_opts(bpf_program__fd(skel->progs.sluice_xdp), &o) != 0)
		return -1;
	if (o.retval != XDP_DROP)
		return 0;
	for (i = 0; i < 3; i++)
		if (xdp_counter(stats, reasons[i]) != before[i])
			return (int)reasons[i];
	return -2;
}

/* The first stage's drop reason for f at now, or 0. */
static int
sf_verdict(const struct frame *f, uint64_t now)
{
	static uint64_t cnt[SL_CNT__MAX];
	struct pkt_meta m;

	if (pkt_parse(f->b, f->len, &m) != SL_CNT_OK)
		return -3;
	return sf_check(&sf, sf_policy_get(&sf), sf_bans_get(&sf), &m, f->len, now, cnt);
}

static int
pol(enum bpf_ctl_list what, const char *pfx, uint64_t until_ns, uint32_t cls)
{
	struct bpf_ctl_prefix p;
	struct bpf_ctl *c = &sf.ctl;
	int rc = bpf_ctl_prefix_parse(pfx, &p, err, sizeof(err));

	if (rc)
		return rc;
	switch (what) {
	case BPF_CTL_BLOCK: return bpf_ctl_block_add_until(c, &p, until_ns, err, sizeof(err));
	case BPF_CTL_ALLOW: return bpf_ctl_allow_add(c, &p, err, sizeof(err));
	case BPF_CTL_CLASS: return bpf_ctl_class_set(c, &p, cls, err, sizeof(err));
	case BPF_CTL_BAN: return bpf_ctl_ban_set_until(c, &p, until_ns, err, sizeof(err));
	default: return -EINVAL;
	}
}

static int
limit(uint32_t cls, uint64_t pps, uint64_t burst, uint64_t Bps, uint64_t burst_bytes,
      uint64_t ban_after_ns, uint64_t ban_ttl_ns)
{
	struct sl_bucket_params p;

	memset(&p, 0, sizeof(p));
	if (sl_bucket_params_set(&p, pps, burst, Bps, burst_bytes))
		return -1;
	p.ban_after_ns = ban_after_ns;
	p.ban_ttl_ns = ban_ttl_ns;
	return bpf_ctl_limit_set(&sf.ctl, cls, &p, err, sizeof(err));
}

static int
suite_init(void)
{
	char *argv[] = { "test_src_filter", "--no-pci", "--no-huge", "--no-shconf", "-m", "256",
			 "--lcores", "0@0,1@0,2@1", "--log-level=*:error", NULL };
	struct bpf_ctl ctl;
	struct bpf_map *m;

	if (geteuid() != 0 || rte_eal_init((int)RTE_DIM(argv) - 1, argv) < 0)
		return -1;
	libbpf_set_print(NULL);
	skel = sluice_xdp__open();
	if (!skel)
		return -1;
	/* Never pin from a test: the node's /sys/fs/bpf belongs to the running appliance. */
	bpf_object__for_each_map(m, skel->obj)
		bpf_map__set_pin_path(m, NULL);
	if (sluice_xdp__load(skel) || bpf_ctl_open_obj(&ctl, skel->obj, err, sizeof(err)))
		return -1;
	if (sf_open(&sf, &ctl, 2, err, sizeof(err)) != 0) {
		fprintf(stderr, "sf_open: %s\n", err);
		return -1;
	}
	sf_ready = 1;
	return 0;
}

static int
suite_cleanup(void)
{
	if (sf_ready)
		sf_close(&sf);
	sluice_xdp__destroy(skel);
	rte_eal_cleanup();
	return 0;
}

static const char *const sources[] = {
	"198.18.200.9",         /* blocked /24 */
	"198.18.200.7",         /* allowlisted inside it */
	"198.18.201.1",         /* /24 blocked until 5 s */
	"198.18.201.7",         /* host blocked until 20 s inside that /24 */
	"198.18.202.9",         /* blocked host */
	"198.18.202.8",         /* its neighbour */
	"198.18.0.50",          /* class 1: 10 pps, burst 3, ban after 1 s for 2 s */
	"198.18.0.51",          /* class 1, in its own bucket */
	"198.18.0.70",          /* class 2: 10 kB/s, burst 1514 B */
	"198.18.0.99",          /* banned until 3 s */
	"198.18.0.2",           /* nothing */
	"2001:db8:66::9",       /* blocked /48 */
	"2001:db8:66::7",       /* allowlisted inside it */
	"2001:db8:77::9",       /* blocked host */
	"2001:db8::49",         /* class 1 */
	"2001:db8::2",          /* nothing */
};

static void
test_same_verdicts_as_xdp(void)
{
	unsigned int i, step, disagree = 0, drops = 0, reasons_seen = 0;
	int seen[SL_CNT__MAX] = { 0 };
	char e[256];

	CU_ASSERT_FATAL(sf_ready);
	CU_ASSERT_EQUAL(pol(BPF_CTL_BLOCK, "198.18.200.0/24", 0, 0), 0);
	CU_ASSERT_EQUAL(pol(BPF_CTL_BLOCK, "198.18.201.0/24", 5 * SEC_NS, 0), 0);
	CU_ASSERT_EQUAL(pol(BPF_CTL_BLOCK, "198.18.201.7", 20 * SEC_NS, 0), 0);
	CU_ASSERT_EQUAL(pol(BPF_CTL_BLOCK, "198.18.202.9", 0, 0), 0);
	CU_ASSERT_EQUAL(pol(BPF_CTL_BLOCK, "2001:db8:66::/48", 0, 0), 0);
	CU_ASSERT_EQUAL(pol(BPF_CTL_BLOCK, "2001:db8:77::9", 0, 0), 0);
	CU_ASSERT_EQUAL(pol(BPF_CTL_ALLOW, "198.18.200.7", 0, 0), 0);
	CU_ASSERT_EQUAL(pol(BPF_CTL_ALLOW, "2001:db8:66::7", 0, 0), 0);
	CU_ASSERT_EQUAL(pol(BPF_CTL_CLASS, "198.18.0.48/28", 0, 1), 0);
	CU_ASSERT_EQUAL(pol(BPF_CTL_CLASS, "2001:db8::48/125", 0, 1), 0);
	CU_ASSERT_EQUAL(pol(BPF_CTL_CLASS, "198.18.0.70", 0, 2), 0);
	CU_ASSERT_EQUAL(pol(BPF_CTL_BAN, "198.18.0.99", 3 * SEC_NS, 0), 0);
	CU_ASSERT_EQUAL(limit(1, 10, 3, 0, 0, 1 * SEC_NS, 2 * SEC_NS), 0);
	CU_ASSERT_EQUAL(limit(2, 0, 0, 10000, 1514, 0, 0), 0);
	CU_ASSERT_EQUAL_FATAL(sf_tick(&sf, 1 * SEC_NS, e, sizeof(e)), 0);

	/* Every 37 ms from 1 s to 9 s: each source sends one frame (class 2's are 600 B). */
	for (step = 0; step < 216; step++) {
		uint64_t now = 1 * SEC_NS + step * 37 * MS_NS;

		for (i = 0; i < RTE_DIM(sources); i++) {
			struct frame f;
			int x, s;

			mkframe(&f, sources[i], i == 8 ? 600 : 64);
			x = xdp_verdict(&f, now);
			s = sf_verdict(&f, now);
			if (x != s && disagree++ < 10)
				printf("\n  %s at %.3f s: xdp %d, first stage %d", sources[i],
				       (double)now / SEC_NS, x, s);
			if (s > 0) {
				drops++;
				seen[s] = 1;
			}
		}
		CU_ASSERT_EQUAL(sf_tick(&sf, now, e, sizeof(e)), 0);
	}
	CU_ASSERT_EQUAL(disagree, 0);
	/* The sequence exercises every reason, so agreement is not agreement on "pass". */
	reasons_seen = (unsigned int)(seen[SL_CNT_XDP_BLOCKED] + seen[SL_CNT_XDP_BANNED] +
				      seen[SL_CNT_XDP_RATE_LIMITED]);
	CU_ASSERT_EQUAL(reasons_seen, 3);
	CU_ASSERT(drops > 1000);
	CU_ASSERT(sf.bans_written > 0);         /* auto-bans went through the ring */
}

#define RACE_BURST 1000000u      /* both lcores contend for the whole run */
#define RACE_TRIES 800000u       /* per lcore: together more than the burst */

struct race {
	uint64_t admitted;
	unsigned int n;
};

static volatile int race_go;

static int
race_main(void *arg)
{
	struct race *r = arg;
	static uint64_t cnt[RTE_MAX_LCORE][SL_CNT__MAX];
	struct frame f;
	struct pkt_meta m;
	unsigned int i;

	mkframe(&f, "198.18.0.55", 64);
	pkt_parse(f.b, f.len, &m);
	sf_worker_online(&sf, rte_lcore_index((int)rte_lcore_id()) - 1);
	while (!race_go)
		rte_pause();
	for (i = 0; i < r->n; i++)
		if (sf_check(&sf, sf_policy_get(&sf), sf_bans_get(&sf), &m, f.len, 50 * SEC_NS,
			     cnt[rte_lcore_id()]) == 0)
			r->admitted++;
	sf_worker_offline(&sf, rte_lcore_index((int)rte_lcore_id()) - 1);
	return 0;
}

/* Two lcores, one source, a frozen clock: exactly the burst is admitted in total. */
static void
test_shared_bucket_is_exact(void)
{
	struct race r[RTE_MAX_LCORE];
	unsigned int lcore, n = 0;
	uint64_t total = 0;
	char e[256];

	CU_ASSERT_FATAL(sf_ready);
	CU_ASSERT_EQUAL(limit(3, 1000, RACE_BURST, 0, 0, 0, 0), 0);
	CU_ASSERT_EQUAL(pol(BPF_CTL_CLASS, "198.18.0.55", 0, 3), 0);
	CU_ASSERT_EQUAL_FATAL(sf_tick(&sf, 50 * SEC_NS, e, sizeof(e)), 0);
	memset(r, 0, sizeof(r));
	RTE_LCORE_FOREACH_WORKER(lcore) {
		r[lcore].n = RACE_TRIES;
		CU_ASSERT_EQUAL(rte_eal_remote_launch(race_main, &r[lcore], lcore), 0);
		n++;
	}
	rte_delay_ms(10);
	race_go = 1;
	rte_eal_mp_wait_lcore();
	RTE_LCORE_FOREACH_WORKER(lcore)
		total += r[lcore].admitted;
	CU_ASSERT_EQUAL(n, 2);
	CU_ASSERT_EQUAL(total, RACE_BURST);
	if (total != RACE_BURST)
		printf("\n  admitted %lu, want exactly the burst, %u", (unsigned long)total,
		       RACE_BURST);
}

static const struct unit_test tests[] = {
	UNIT_TEST(test_same_verdicts_as_xdp),
	UNIT_TEST(test_shared_bucket_is_exact),
	{ NULL, NULL },
};

int
main(void)
{
	return unit_run("src_filter", tests, suite_init, suite_cleanup);
}
