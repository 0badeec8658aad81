/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_bpf_ctl: prefix parsing of the XDP filter's control library
 * (controlplane/bpf_ctl.c): what operators type, and every malformed prefix refused with
 * a one-line reason (and, for host bits, the prefix they probably meant). Also the bucket
 * parameters the control side computes (bpf/sl_bucket.h).
 */
#include <CUnit/Basic.h>
#include <arpa/inet.h>
#include <string.h>

#include "bpf_ctl.h"
#include "cunit_main.h"

static char err[256];

static void
test_good_prefixes(void)
{
	struct bpf_ctl_prefix p;
	char buf[64];

	CU_ASSERT_EQUAL(bpf_ctl_prefix_parse("198.18.0.66", &p, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(p.family, AF_INET);
	CU_ASSERT_EQUAL(p.len, 32);
	CU_ASSERT_EQUAL(bpf_ctl_prefix_parse("198.18.0.0/15", &p, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(p.len, 15);
	bpf_ctl_prefix_format(&p, buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, "198.18.0.0/15");
	CU_ASSERT_EQUAL(bpf_ctl_prefix_parse("0.0.0.0/0", &p, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(p.len, 0);
	CU_ASSERT_EQUAL(bpf_ctl_prefix_parse("2001:db8:66::/48", &p, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(p.family, AF_INET6);
	CU_ASSERT_EQUAL(p.len, 48);
	CU_ASSERT_EQUAL(bpf_ctl_prefix_parse("2001:db8::66", &p, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(p.len, 128);
	CU_ASSERT_EQUAL(bpf_ctl_prefix_parse("2001:db8::/33", &p, err, sizeof(err)), 0);
}

struct bad {
	const char *text;
	const char *says;
};

static void
test_bad_prefixes(void)
{
	static const struct bad bad[] = {
		{ "", "not an address" },
		{ "/24", "not an address" },
		{ "198.18.0", "not an IPv4 or IPv6" },
		{ "198.18.0.256", "not an IPv4 or IPv6" },
		{ "example.net", "not an IPv4 or IPv6" },
		{ "198.18.0.0/33", "0 to 32" },
		{ "198.18.0.0/", "0 to 32" },
		{ "198.18.0.0/-1", "0 to 32" },
		{ "198.18.0.0/2x", "0 to 32" },
		{ "2001:db8::/129", "0 to 128" },
		{ "198.18.0.66/24", "did you mean 198.18.0.0/24" },
		{ "198.19.255.255/15", "did you mean 198.18.0.0/15" },
		{ "2001:db8::1/64", "did you mean 2001:db8::/64" },
	};
	struct bpf_ctl_prefix p;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		CU_ASSERT(bpf_ctl_prefix_parse(bad[i].text, &p, err, sizeof(err)) < 0);
		CU_ASSERT_PTR_NOT_NULL(strstr(err, bad[i].says));
		if (!strstr(err, bad[i].says))
			printf("\n  '%s': '%s'\n", bad[i].text, err);
	}
}

static void
test_bucket_params(void)
{
	struct sl_bucket_params p;
	__u64 next;

	memset(&p, 0, sizeof(p));
	CU_ASSERT_EQUAL(sl_bucket_params_set(&p, 100, 20, 0, 0), 0);
	CU_ASSERT_EQUAL(p.pkt_interval_ns, 10000000);
	CU_ASSERT_EQUAL(p.pkt_burst_ns, 200000000);
	CU_ASSERT_EQUAL(sl_bucket_params_set(&p, 0, 0, 125000000, 1514), 0);       /* 1 Gbit/s */
	CU_ASSERT_EQUAL(sl_bucket_byte_cost_ns(&p, 1500), 12000);
	CU_ASSERT_EQUAL(sl_bucket_params_set(&p, 100, 0, 0, 0), -1);      /* burst < 1 packet */
	CU_ASSERT_EQUAL(sl_bucket_params_set(&p, 0, 0, 100000, 1000), -1); /* < one frame */
	CU_ASSERT_EQUAL(sl_bucket_params_set(&p, 0, 0, 999, 2000), -1);
	/* Exactly burst packets at one instant, then one per interval. */
	CU_ASSERT_EQUAL(sl_bucket_params_set(&p, 10, 2, 0, 0), 0);
	CU_ASSERT(sl_gcra_conforms(0, 1000000000, p.pkt_interval_ns, p.pkt_burst_ns, &next));
	CU_ASSERT(sl_gcra_conforms(next, 1000000000, p.pkt_interval_ns, p.pkt_burst_ns, &next));
	CU_ASSERT(!sl_gcra_conforms(next, 1000000000, p.pkt_interval_ns, p.pkt_burst_ns, &next));
	CU_ASSERT(sl_gcra_conforms(next, 1100000000, p.pkt_interval_ns, p.pkt_burst_ns, &next));
}

/* Which limits may run on the tick clock: those whose bursts outlast two ticks at HZ=100. */
static void
test_bucket_coarse_clock(void)
{
	struct sl_bucket_params p;

	CU_ASSERT_EQUAL(sl_bucket_params_set(&p, 1000, 100, 0, 0), 0);          /* 100 ms */
	CU_ASSERT(sl_bucket_coarse_ok(&p));
	CU_ASSERT_EQUAL(sl_bucket_params_set(&p, 1000, 20, 0, 0), 0);           /* 20 ms */
	CU_ASSERT(sl_bucket_coarse_ok(&p));
	CU_ASSERT_EQUAL(sl_bucket_params_set(&p, 1000, 19, 0, 0), 0);           /* 19 ms */
	CU_ASSERT(!sl_bucket_coarse_ok(&p));
	CU_ASSERT_EQUAL(sl_bucket_params_set(&p, 1000000, 100, 0, 0), 0);       /* 100 us */
	CU_ASSERT(!sl_bucket_coarse_ok(&p));
	/* Both units count: a long packet burst does not excuse a short byte burst. */
	CU_ASSERT_EQUAL(sl_bucket_params_set(&p, 1000, 100, 125000000, 1514), 0);
	CU_ASSERT(!sl_bucket_coarse_ok(&p));
	CU_ASSERT_EQUAL(sl_bucket_params_set(&p, 0, 0, 125000, 12500), 0);      /* 100 ms */
	CU_ASSERT(sl_bucket_coarse_ok(&p));
}

static const struct unit_test tests[] = {
	UNIT_TEST(test_good_prefixes),
	UNIT_TEST(test_bad_prefixes),
	UNIT_TEST(test_bucket_params),
	UNIT_TEST(test_bucket_coarse_clock),
	{ NULL, NULL },
};

int
main(void)
{
	return unit_run("bpf_ctl", tests, NULL, NULL);
}
