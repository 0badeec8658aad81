/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_xdp: BPF_PROG_TEST_RUN fixtures for bpf/sluice_xdp.bpf.c.
 *
 * Each fixture is {name, frame, time, expected verdict, counters that must move by one}.
 * The program is loaded from its skeleton with pinning switched off (a test must never
 * touch the node's /sys/fs/bpf); the maps get the lab's addresses and a policy (blocks,
 * allows, classes, limits, see policy_setup); every frame runs through the kernel's
 * verifier-checked program with the clock set by the fixture through the program's
 * sl_now_override_ns, so refills, bans and expiry are exact. Fixtures run in order and
 * share state: a rate-limit sequence is several fixtures. Without an XSK bound, a
 * redirect falls back to XDP_PASS, so "to the appliance" and "to the kernel" are told
 * apart by the per-CPU reason counters, as the dataplane's stats would.
 *
 * Prints one "ok - NAME" / "not ok - NAME: why" line per fixture (tests/run.sh counts
 * them); exits 1 if any failed, 77 (skip) without root.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/bpf.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <linux/types.h>

#include "bpf_ctl.h"
#include "sl_bucket.h"
#include "sl_reasons.h"
#include "sluice_xdp.skel.h"
#include "sluice_xdp_abi.h"

#define FRAME_MAX 1536
#define SEC_NS 1000000000ULL
#define MS_NS 1000000ULL

struct fixture {
	const char *name;
	unsigned char frame[FRAME_MAX];
	unsigned int len;
	unsigned long long now_ns;      /* the program's clock for this run; 0: 1 s */
	int verdict;
	int counter;
	int counter2;                   /* a second counter that must move, or 0 */
};

static const unsigned char mac_us[6] = { 0x02, 0x53, 0x4c, 0, 0, 1 };
static const unsigned char mac_them[6] = { 0x02, 0x53, 0x4c, 0, 0, 2 };

/* Frame builder: appends to f->frame. */
static void put(struct fixture *f, const void *p, unsigned int n)
{
	memcpy(f->frame + f->len, p, n);
	f->len += n;
}

static void put16(struct fixture *f, unsigned int v)
{
	unsigned char b[2] = { (unsigned char)(v >> 8), (unsigned char)v };

	put(f, b, 2);
}

static void eth(struct fixture *f, const unsigned char *dst, int nb_vlan, unsigned int type)
{
	int i;

	put(f, dst, 6);
	put(f, mac_them, 6);
	for (i = 0; i < nb_vlan; i++) {
		put16(f, i == 0 && nb_vlan > 1 ? 0x88a8 : 0x8100);
		put16(f, 100 + (unsigned int)i);
	}
	put16(f, type);
}

static void ipv4(struct fixture *f, const char *src, const char *dst, unsigned int proto,
		 unsigned int payload)
{
	unsigned char h[20] = { 0x45, 0, 0, 0, 0, 1, 0, 0, 64, (unsigned char)proto };
	unsigned int tot = 20 + payload;

	h[2] = (unsigned char)(tot >> 8);
	h[3] = (unsigned char)tot;
	inet_pton(AF_INET, src, h + 12);
	inet_pton(AF_INET, dst, h + 16);
	put(f, h, 20);
}

static void ipv6(struct fixture *f, const char *src, const char *dst, unsigned int nh,
		 unsigned int payload)
{
	unsigned char h[40] = { 0x60 };

	h[4] = (unsigned char)(payload >> 8);
	h[5] = (unsigned char)payload;
	h[6] = (unsigned char)nh;
	h[7] = 255;
	inet_pton(AF_INET6, src, h + 8);
	inet_pton(AF_INET6, dst, h + 24);
	put(f, h, 40);
}

static void zeros(struct fixture *f, unsigned int n)
{
	memset(f->frame + f->len, 0, n);
	f->len += n;
}

static void arp(struct fixture *f, unsigned int op, const char *spa, const char *tpa)
{
	unsigned char a[28] = { 0, 1, 8, 0, 6, 4, 0, (unsigned char)op };

	memcpy(a + 8, mac_them, 6);
	inet_pton(AF_INET, spa, a + 14);
	inet_pton(AF_INET, tpa, a + 24);
	put(f, a, 28);
}

static void nd(struct fixture *f, unsigned int type, const char *target)
{
	unsigned char m[24] = { (unsigned char)type };

	inet_pton(AF_INET6, target, m + 8);
	put(f, m, 24);
}

static const unsigned char bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
static const unsigned char snm[6] = { 0x33, 0x33, 0xff, 0, 0, 1 };

#define FIX(n, v, c) do { f = &fx[nfx++]; memset(f, 0, sizeof(*f)); \
	f->name = (n); f->verdict = (v); f->counter = (c); } while (0)
#define AT(ns) (f->now_ns = (ns))
#define ALSO(c) (f->counter2 = (c))
/* An IPv4 or IPv6 packet of total frame length flen from src to the appliance. */
#define V4FROM(src, flen) do { eth(f, mac_us, 0, 0x0800); \
	ipv4(f, src, "198.18.0.1", 17, (flen) - 34); zeros(f, (flen) - 34); } while (0)
#define V6FROM(src) do { eth(f, mac_us, 0, 0x86dd); \
	ipv6(f, src, "2001:db8::1", 17, 8); zeros(f, 8); } while (0)

static int build(struct fixture *fx)
{
	struct fixture *f;
	int nfx = 0;

	FIX("arp request for an appliance address -> xsk", XDP_PASS, SL_CNT_XDP_REDIRECT);
	eth(f, bcast, 0, 0x0806); arp(f, 1, "198.18.0.2", "198.18.0.1");
	FIX("arp request for another host -> kernel", XDP_PASS, SL_CNT_XDP_PASS);
	eth(f, bcast, 0, 0x0806); arp(f, 1, "198.18.0.2", "198.18.0.7");
	FIX("arp reply to an appliance address -> xsk", XDP_PASS, SL_CNT_XDP_REDIRECT);
	eth(f, mac_us, 0, 0x0806); arp(f, 2, "198.18.1.11", "198.18.1.1");
	FIX("truncated arp -> kernel", XDP_PASS, SL_CNT_XDP_PASS);
	eth(f, bcast, 0, 0x0806); zeros(f, 10);
	FIX("ipv4 to an appliance address -> xsk", XDP_PASS, SL_CNT_XDP_REDIRECT);
	eth(f, mac_us, 0, 0x0800); ipv4(f, "198.18.0.2", "198.18.0.1", 1, 8); zeros(f, 8);
	FIX("ipv4 to the back address -> xsk", XDP_PASS, SL_CNT_XDP_REDIRECT);
	eth(f, mac_us, 0, 0x0800); ipv4(f, "198.18.1.11", "198.18.1.1", 17, 8); zeros(f, 8);
	FIX("ipv4 to another host -> kernel", XDP_PASS, SL_CNT_XDP_PASS);
	eth(f, mac_us, 0, 0x0800); ipv4(f, "198.18.0.2", "198.18.0.9", 6, 20); zeros(f, 20);
	FIX("ipv4 from an appliance address to another host -> kernel", XDP_PASS, SL_CNT_XDP_PASS);
	eth(f, mac_us, 0, 0x0800); ipv4(f, "198.18.0.1", "198.18.0.9", 6, 20); zeros(f, 20);
	FIX("truncated ipv4 header -> kernel", XDP_PASS, SL_CNT_XDP_PASS);
	eth(f, mac_us, 0, 0x0800); zeros(f, 12);
	FIX("ipv6 to an appliance address -> xsk", XDP_PASS, SL_CNT_XDP_REDIRECT);
	eth(f, mac_us, 0, 0x86dd); ipv6(f, "2001:db8::2", "2001:db8::1", 58, 8); zeros(f, 8);
	FIX("ipv6 to another host -> kernel", XDP_PASS, SL_CNT_XDP_PASS);
	eth(f, mac_us, 0, 0x86dd); ipv6(f, "2001:db8::2", "2001:db8::9", 58, 8); zeros(f, 8);
	FIX("neighbour solicitation for an appliance address -> xsk", XDP_PASS, SL_CNT_XDP_REDIRECT);
	eth(f, snm, 0, 0x86dd); ipv6(f, "2001:db8::2", "ff02::1:ff00:1", 58, 24);
	nd(f, 135, "2001:db8::1");
	FIX("neighbour solicitation for another host -> kernel", XDP_PASS, SL_CNT_XDP_PASS);
	eth(f, snm, 0, 0x86dd); ipv6(f, "2001:db8::2", "ff02::1:ff00:9", 58, 24);
	nd(f, 135, "2001:db8::9");
	FIX("neighbour advertisement for an appliance address -> xsk", XDP_PASS, SL_CNT_XDP_REDIRECT);
	eth(f, mac_us, 0, 0x86dd); ipv6(f, "2001:db8:1::11", "ff02::1", 58, 24);
	nd(f, 136, "2001:db8:1::1");
	FIX("router solicitation -> kernel", XDP_PASS, SL_CNT_XDP_PASS);
	eth(f, snm, 0, 0x86dd); ipv6(f, "2001:db8::2", "ff02::2", 58, 24); nd(f, 133, "::");
	FIX("truncated neighbour solicitation -> kernel", XDP_PASS, SL_CNT_XDP_PASS);
	eth(f, snm, 0, 0x86dd); ipv6(f, "2001:db8::2", "ff02::1:ff00:1", 58, 24); zeros(f, 8);
	FIX("truncated ipv6 header -> kernel", XDP_PASS, SL_CNT_XDP_PASS);
	eth(f, mac_us, 0, 0x86dd); zeros(f, 30);
	FIX("802.1Q ipv4 to an appliance address -> xsk", XDP_PASS, SL_CNT_XDP_REDIRECT);
	eth(f, mac_us, 1, 0x0800); ipv4(f, "198.18.0.2", "198.18.0.1", 1, 8); zeros(f, 8);
	FIX("QinQ ipv6 to an appliance address -> xsk", XDP_PASS, SL_CNT_XDP_REDIRECT);
	eth(f, mac_us, 2, 0x86dd); ipv6(f, "2001:db8::2", "2001:db8::1", 58, 8); zeros(f, 8);
	FIX("three vlan tags -> kernel, counted", XDP_PASS, SL_CNT_VLAN_TOO_DEEP);
	eth(f, mac_us, 3, 0x0800); ipv4(f, "198.18.0.2", "198.18.0.1", 1, 8); zeros(f, 8);
	FIX("vlan tag cut short -> kernel, counted", XDP_PASS, SL_CNT_L2_TRUNCATED);
	put(f, mac_us, 6); put(f, mac_them, 6); put16(f, 0x8100); put16(f, 5);
	FIX("non-ip ethertype -> kernel", XDP_PASS, SL_CNT_XDP_PASS);
	eth(f, mac_us, 0, 0x88b5); zeros(f, 46);
	FIX("bare ethernet header -> kernel", XDP_PASS, SL_CNT_XDP_PASS);
	eth(f, mac_us, 0, 0x0800);

	/* Blocklist: longest prefix, both families, expiry. */
	FIX("source in a blocked ipv4 /24 -> drop", XDP_DROP, SL_CNT_XDP_BLOCKED);
	V4FROM("198.18.200.9", 60);
	FIX("blocked source to another host -> drop too", XDP_DROP, SL_CNT_XDP_BLOCKED);
	eth(f, mac_us, 0, 0x0800); ipv4(f, "198.18.200.9", "198.18.0.9", 6, 20); zeros(f, 20);
	FIX("source next to the blocked /24 -> passes the filter", XDP_PASS, SL_CNT_XDP_REDIRECT);
	V4FROM("198.18.199.255", 60);
	FIX("block with a TTL, before it expires -> drop", XDP_DROP, SL_CNT_XDP_BLOCKED);
	V4FROM("198.18.201.1", 60); AT(499 * SEC_NS);
	FIX("block with a TTL, after it expired -> passes", XDP_PASS, SL_CNT_XDP_REDIRECT);
	V4FROM("198.18.201.1", 60); AT(501 * SEC_NS);
	FIX("longest prefix decides: live /24 inside an expired /16 ... -> drop", XDP_DROP,
	    SL_CNT_XDP_BLOCKED);
	V4FROM("198.19.7.1", 60); AT(10 * SEC_NS);
	FIX("... and the /16 outside the /24, expired -> passes", XDP_PASS, SL_CNT_XDP_REDIRECT);
	V4FROM("198.19.8.1", 60); AT(10 * SEC_NS);
	FIX("source in a blocked ipv6 /48 -> drop", XDP_DROP, SL_CNT_XDP_BLOCKED);
	V6FROM("2001:db8:66::9");
	FIX("ipv6 source outside the /48 -> passes", XDP_PASS, SL_CNT_XDP_REDIRECT);
	V6FROM("2001:db8:67::9");
	FIX("blocked ipv4 host (exact-match table) -> drop", XDP_DROP, SL_CNT_XDP_BLOCKED);
	V4FROM("198.18.202.9", 60);
	FIX("its neighbour, in no table -> passes", XDP_PASS, SL_CNT_XDP_REDIRECT);
	V4FROM("198.18.202.8", 60);
	FIX("host block inside an expired /16: the host entry decides -> drop", XDP_DROP,
	    SL_CNT_XDP_BLOCKED);
	V4FROM("198.19.0.9", 60); AT(10 * SEC_NS);
	FIX("host block with a TTL, after it expired, inside a live /24 -> passes", XDP_PASS,
	    SL_CNT_XDP_REDIRECT);
	V4FROM("198.19.7.9", 60); AT(10 * SEC_NS);
	FIX("blocked ipv6 host -> drop", XDP_DROP, SL_CNT_XDP_BLOCKED);
	V6FROM("2001:db8:77::9");
	FIX("802.1Q frame from a blocked source -> drop", XDP_DROP, SL_CNT_XDP_BLOCKED);
	eth(f, mac_us, 1, 0x0800); ipv4(f, "198.18.200.3", "198.18.0.1", 1, 8); zeros(f, 8);
	FIX("later ipv4 fragment from a blocked source -> drop", XDP_DROP, SL_CNT_XDP_BLOCKED);
	eth(f, mac_us, 0, 0x0800); ipv4(f, "198.18.200.3", "198.18.0.1", 17, 16);
	f->frame[14 + 6] = 0x00; f->frame[14 + 7] = 0x10; zeros(f, 16);
	FIX("arp from a blocked source is not filtered", XDP_PASS, SL_CNT_XDP_REDIRECT);
	eth(f, bcast, 0, 0x0806); arp(f, 1, "198.18.200.3", "198.18.0.1");

	/* Allowlist precedence over blocks (and limits below). */
	FIX("allowlisted /32 inside a blocked /24 -> passes", XDP_PASS, SL_CNT_XDP_REDIRECT);
	ALSO(SL_CNT_XDP_ALLOWLISTED); V4FROM("198.18.200.7", 60);
	FIX("allowlisted ipv6 inside a blocked /48 -> passes", XDP_PASS, SL_CNT_XDP_REDIRECT);
	ALSO(SL_CNT_XDP_ALLOWLISTED); V6FROM("2001:db8:66::7");

	/* Rate limit: class 1 = 10 pps, burst 2. Pass, pass, drop, refill. */
	FIX("limited source: first packet of the burst", XDP_PASS, SL_CNT_XDP_REDIRECT);
	V4FROM("198.18.0.50", 60); AT(1 * SEC_NS);
	FIX("limited source: second packet of the burst", XDP_PASS, SL_CNT_XDP_REDIRECT);
	V4FROM("198.18.0.50", 60); AT(1 * SEC_NS);
	FIX("limited source: third at once -> rate limited", XDP_DROP, SL_CNT_XDP_RATE_LIMITED);
	V4FROM("198.18.0.50", 60); AT(1 * SEC_NS);
	FIX("another source of the same class has its own bucket", XDP_PASS, SL_CNT_XDP_REDIRECT);
	V4FROM("198.18.0.51", 60); AT(1 * SEC_NS);
	FIX("limited source: 99 ms later, still empty -> drop", XDP_DROP, SL_CNT_XDP_RATE_LIMITED);
	V4FROM("198.18.0.50", 60); AT(1 * SEC_NS + 99 * MS_NS);
	FIX("limited source: 100 ms later, one token refilled", XDP_PASS, SL_CNT_XDP_REDIRECT);
	V4FROM("198.18.0.50", 60); AT(1 * SEC_NS + 100 * MS_NS);
	FIX("limited source: and only one", XDP_DROP, SL_CNT_XDP_RATE_LIMITED);
	V4FROM("198.18.0.50", 60); AT(1 * SEC_NS + 100 * MS_NS);
	FIX("limited source: idle 10 s refills only the burst (1 of 2)", XDP_PASS, SL_CNT_XDP_REDIRECT);
	V4FROM("198.18.0.50", 60); AT(11 * SEC_NS);
	FIX("limited source: (2 of 2)", XDP_PASS, SL_CNT_XDP_REDIRECT);
	V4FROM("198.18.0.50", 60); AT(11 * SEC_NS);
	FIX("limited source: (3 of 2) -> drop", XDP_DROP, SL_CNT_XDP_RATE_LIMITED);
	V4FROM("198.18.0.50", 60); AT(11 * SEC_NS);
	FIX("ipv6 class: first packet passes", XDP_PASS, SL_CNT_XDP_REDIRECT);
	V6FROM("2001:db8::49"); AT(1 * SEC_NS);
	FIX("ipv6 class: burst of 2 spent", XDP_PASS, SL_CNT_XDP_REDIRECT);
	V6FROM("2001:db8::49"); AT(1 * SEC_NS);
	FIX("ipv6 class: third -> rate limited", XDP_DROP, SL_CNT_XDP_RATE_LIMITED);
	V6FROM("2001:db8::49"); AT(1 * SEC_NS);
	FIX("allowlisted source in a limited class is not limited", XDP_PASS, SL_CNT_XDP_REDIRECT);
	ALSO(SL_CNT_XDP_ALLOWLISTED); V4FROM("198.18.0.52", 60); AT(1 * SEC_NS);

	/* Byte limit: class 3 = 10000 B/s, burst 1514 B: 1000-byte frames cost 100 ms. */
	FIX("byte limit: a 1000-byte frame fits the burst", XDP_PASS, SL_CNT_XDP_REDIRECT);
	V4FROM("198.18.0.70", 1000); AT(1 * SEC_NS);
	FIX("byte limit: a second at once does not", XDP_DROP, SL_CNT_XDP_RATE_LIMITED);
	V4FROM("198.18.0.70", 1000); AT(1 * SEC_NS);
	FIX("byte limit: a 60-byte frame still fits", XDP_PASS, SL_CNT_XDP_REDIRECT);
	V4FROM("198.18.0.70", 60); AT(1 * SEC_NS);
	FIX("byte limit: 60 ms later a 1000-byte frame fits again", XDP_PASS, SL_CNT_XDP_REDIRECT);
	V4FROM("198.18.0.70", 1000); AT(1 * SEC_NS + 60 * MS_NS);

	/* Auto-ban: class 2 = 10 pps, burst 1, banned after 1 s over the limit for 5 s. */
	FIX("ban: within the limit", XDP_PASS, SL_CNT_XDP_REDIRECT);
	V4FROM("198.18.0.60", 60); AT(100 * SEC_NS);
	FIX("ban: over the limit, a spell starts", XDP_DROP, SL_CNT_XDP_RATE_LIMITED);
	V4FROM("198.18.0.60", 60); AT(100 * SEC_NS);
	FIX("ban: 0.5 s later, one passes", XDP_PASS, SL_CNT_XDP_REDIRECT);
	V4FROM("198.18.0.60", 60); AT(100 * SEC_NS + 500 * MS_NS);
	FIX("ban: and the next is over, spell goes on", XDP_DROP, SL_CNT_XDP_RATE_LIMITED);
	V4FROM("198.18.0.60", 60); AT(100 * SEC_NS + 500 * MS_NS);
	FIX("ban: 1 s later, one passes", XDP_PASS, SL_CNT_XDP_REDIRECT);
	V4FROM("198.18.0.60", 60); AT(101 * SEC_NS);
	FIX("ban: 1 s into the spell the source is banned", XDP_DROP, SL_CNT_XDP_RATE_LIMITED);
	ALSO(SL_CNT_XDP_BAN_ADDED); V4FROM("198.18.0.60", 60); AT(101 * SEC_NS);
	FIX("ban: banned even within its rate", XDP_DROP, SL_CNT_XDP_BANNED);
	V4FROM("198.18.0.60", 60); AT(103 * SEC_NS);
	FIX("ban: banned to any destination", XDP_DROP, SL_CNT_XDP_BANNED);
	eth(f, mac_us, 0, 0x0800); ipv4(f, "198.18.0.60", "198.18.0.9", 6, 20); zeros(f, 20);
	AT(105 * SEC_NS);
	FIX("ban: expired after its TTL, the source is back", XDP_PASS, SL_CNT_XDP_REDIRECT);
	V4FROM("198.18.0.60", 60); AT(106 * SEC_NS + 1);
	FIX("ban: a new spell shorter than ban_after does not ban", XDP_DROP, SL_CNT_XDP_RATE_LIMITED);
	V4FROM("198.18.0.60", 60); AT(106 * SEC_NS + 1);
	FIX("ban: a gap of over 1 s restarts the spell", XDP_PASS, SL_CNT_XDP_REDIRECT);
	V4FROM("198.18.0.60", 60); AT(107 * SEC_NS + 500 * MS_NS);
	FIX("ban: the restarted spell is younger than 1 s -> no ban", XDP_DROP, SL_CNT_XDP_RATE_LIMITED);
	V4FROM("198.18.0.60", 60); AT(107 * SEC_NS + 500 * MS_NS);
	return nfx;
}

static struct bpf_ctl ctl;
static char ctl_err[256];

/* One policy entry through the control library, as sluice-xdpctl makes it. */
static int pol(enum bpf_ctl_list what, const char *pfx, unsigned long long until_ns,
	       unsigned int cls)
{
	struct bpf_ctl_prefix p;
	int rc = bpf_ctl_prefix_parse(pfx, &p, ctl_err, sizeof(ctl_err));

	if (rc == 0) {
		if (what == BPF_CTL_BLOCK)
			rc = bpf_ctl_block_add_until(&ctl, &p, until_ns, ctl_err, sizeof(ctl_err));
		else if (what == BPF_CTL_ALLOW)
			rc = bpf_ctl_allow_add(&ctl, &p, ctl_err, sizeof(ctl_err));
		else
			rc = bpf_ctl_class_set(&ctl, &p, cls, ctl_err, sizeof(ctl_err));
	}
	if (rc)
		printf("not ok - policy %s: %s\n", pfx, ctl_err);
	return rc;
}

static int limit(unsigned int cls, unsigned long long pps, unsigned long long burst,
		 unsigned long long Bps, unsigned long long burst_bytes,
		 unsigned long long ban_after_ns, unsigned long long ban_ttl_ns)
{
	struct sl_bucket_params p;

	memset(&p, 0, sizeof(p));
	if (sl_bucket_params_set(&p, pps, burst, Bps, burst_bytes))
		return -1;
	p.ban_after_ns = ban_after_ns;
	p.ban_ttl_ns = ban_ttl_ns;
	return bpf_ctl_limit_set(&ctl, cls, &p, ctl_err, sizeof(ctl_err));
}

/* The policy the fixtures are written against, made through bpf_ctl so that the
 * program sees the tables exactly as the control side leaves them (sl_conf bits too). */
static int policy_setup(void)
{
	int rc = 0;

	rc |= pol(BPF_CTL_BLOCK, "198.18.200.0/24", 0, 0);
	rc |= pol(BPF_CTL_BLOCK, "198.18.201.0/24", 500 * SEC_NS, 0);
	rc |= pol(BPF_CTL_BLOCK, "198.19.0.0/16", 5 * SEC_NS, 0);
	rc |= pol(BPF_CTL_BLOCK, "198.19.7.0/24", 0, 0);
	rc |= pol(BPF_CTL_BLOCK, "198.18.202.9", 0, 0);
	rc |= pol(BPF_CTL_BLOCK, "198.19.0.9", 0, 0);
	rc |= pol(BPF_CTL_BLOCK, "198.19.7.9", 5 * SEC_NS, 0);
	rc |= pol(BPF_CTL_BLOCK, "2001:db8:66::/48", 0, 0);
	rc |= pol(BPF_CTL_BLOCK, "2001:db8:77::9", 0, 0);
	rc |= pol(BPF_CTL_ALLOW, "198.18.200.7", 0, 0);
	rc |= pol(BPF_CTL_ALLOW, "198.18.0.52", 0, 0);
	rc |= pol(BPF_CTL_ALLOW, "2001:db8:66::7", 0, 0);
	rc |= pol(BPF_CTL_CLASS, "198.18.0.48/28", 0, 1);
	rc |= pol(BPF_CTL_CLASS, "198.18.0.60", 0, 2);
	rc |= pol(BPF_CTL_CLASS, "198.18.0.70", 0, 3);
	rc |= pol(BPF_CTL_CLASS, "2001:db8::48/125", 0, 1);
	rc |= limit(1, 10, 2, 0, 0, 0, 0);
	rc |= limit(2, 10, 1, 0, 0, 1 * SEC_NS, 5 * SEC_NS);
	rc |= limit(3, 0, 0, 10000, 1514, 0, 0);
	return rc;
}

static int counter_sum(int fd, unsigned int key, unsigned long long *out)
{
	int ncpu = libbpf_num_possible_cpus(), i;
	unsigned long long *v = calloc((size_t)ncpu, sizeof(*v));

	*out = 0;
	if (!v || bpf_map_lookup_elem(fd, &key, v) != 0) {
		free(v);
		return -1;
	}
	for (i = 0; i < ncpu; i++)
		*out += v[i];
	free(v);
	return 0;
}

/* Runs one fixture; prints its ok/not ok line. Returns 1 if it failed. */
static int run_fixture(struct sluice_xdp *skel, int prog_fd, int stats_fd,
		       const struct fixture *fx)
{
	unsigned char out[FRAME_MAX];
	unsigned long long before[SL_CNT__MAX], after[SL_CNT__MAX];
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = fx->frame, .data_size_in = fx->len,
		    .data_out = out, .data_size_out = sizeof(out), .repeat = 1);
	unsigned int k;
	int bad = 0;

	for (k = 0; k < SL_CNT__MAX; k++)
		counter_sum(stats_fd, k, &before[k]);
	skel->bss->sl_now_override_ns = fx->now_ns ? fx->now_ns : SEC_NS;
	if (bpf_prog_test_run_opts(prog_fd, &opts) != 0) {
		printf("not ok - %s: test run: %s\n", fx->name, strerror(errno));
		return 1;
	}
	for (k = 0; k < SL_CNT__MAX; k++)
		counter_sum(stats_fd, k, &after[k]);
	if ((int)opts.retval != fx->verdict) {
		printf("not ok - %s: verdict %u, want %d\n", fx->name, opts.retval, fx->verdict);
		bad = 1;
	}
	for (k = 0; k < SL_CNT__MAX && !bad; k++) {
		unsigned long long want = ((int)k == fx->counter ||
					    (fx->counter2 && (int)k == fx->counter2)) ? 1 : 0;

		if (after[k] - before[k] != want) {
			printf("not ok - %s: counter %u moved by %llu, want %llu\n", fx->name, k,
			       after[k] - before[k], want);
			bad = 1;
		}
	}
	if (!bad && (opts.data_size_out != fx->len || memcmp(out, fx->frame, fx->len))) {
		printf("not ok - %s: frame modified\n", fx->name);
		bad = 1;
	}
	if (!bad)
		printf("ok - %s\n", fx->name);
	return bad;
}

static int count_entry(const struct bpf_ctl_entry *e, void *arg)
{
	(void)e;
	++*(int *)arg;
	return 0;
}

static int count_list(enum bpf_ctl_list what)
{
	int n = 0;

	bpf_ctl_list(&ctl, what, count_entry, &n);
	return n;
}

static int check(int ok, const char *name)
{
	printf("%s - %s\n", ok ? "ok" : "not ok", name);
	return !ok;
}

/*
 * The control side's bookkeeping after the fixtures ran: sweeping expired entries,
 * sl_conf bits following the tables, and what a clear bit means (the table is not
 * looked up) and how the dataplane recovers from it (resync).
 */
static int control_checks(struct sluice_xdp *skel, int prog_fd, int stats_fd)
{
	static struct fixture f1;
	struct fixture *f = &f1;
	struct bpf_ctl_prefix p;
	struct sl_block_val forever = { 0 };
	unsigned int a4;
	int failed = 0, blocks = count_list(BPF_CTL_BLOCK), n;

	/* Expired at 10 s: 198.19.0.0/16 and 198.19.7.9 (5 s); 198.18.201.0/24 (500 s) not. */
	n = bpf_ctl_sweep(&ctl, 10 * SEC_NS);
	failed += check(n == 2 && count_list(BPF_CTL_BLOCK) == blocks - 2,
			"sweep deletes exactly the expired blocks");
	bpf_ctl_prefix_parse("198.18.202.9", &p, ctl_err, sizeof(ctl_err));
	bpf_ctl_del(&ctl, BPF_CTL_BLOCK, &p, ctl_err, sizeof(ctl_err));
	failed += check((ctl.conf->present & SL_CONF_BLOCK_HOST) != 0,
			"a host table with an entry left keeps its bit");
	bpf_ctl_prefix_parse("198.19.0.9", &p, ctl_err, sizeof(ctl_err));
	bpf_ctl_del(&ctl, BPF_CTL_BLOCK, &p, ctl_err, sizeof(ctl_err));
	failed += check(!(ctl.conf->present & SL_CONF_BLOCK_HOST) &&
			(ctl.conf->present & SL_CONF_BIT(SL_CONF_BLOCK_HOST, 1)) &&
			(ctl.conf->present & SL_CONF_BLOCK_NET),
			"deleting the last ipv4 host block clears only its bit");

	/* Refusals: each kind once, each said in one line and counted; nothing changes. */
	{
		uint64_t r[SL_CTL_REFUSED__MAX];
		int allows = count_list(BPF_CTL_ALLOW), rc_full, rc_dup, rc_missing, rc_inval;

		pol(BPF_CTL_ALLOW, "198.18.9.0/24", 0, 0);     /* the third of three */
		bpf_ctl_prefix_parse("198.18.10.0/24", &p, ctl_err, sizeof(ctl_err));
		rc_full = bpf_ctl_allow_add(&ctl, &p, ctl_err, sizeof(ctl_err));
		failed += check(rc_full < 0 && strstr(ctl_err, "is full") &&
				count_list(BPF_CTL_ALLOW) == allows + 1,
				"a full map refuses an entry, says so, and keeps what it had");
		bpf_ctl_prefix_parse("198.18.200.0/24", &p, ctl_err, sizeof(ctl_err));
		rc_dup = bpf_ctl_block_add_until(&ctl, &p, 0, ctl_err, sizeof(ctl_err));
		failed += check(rc_dup == -EEXIST && strstr(ctl_err, "already present"),
				"a duplicate is refused as such");
		bpf_ctl_prefix_parse("198.18.250.0/24", &p, ctl_err, sizeof(ctl_err));
		rc_missing = bpf_ctl_del(&ctl, BPF_CTL_BLOCK, &p, ctl_err, sizeof(ctl_err));
		rc_inval = bpf_ctl_class_set(&ctl, &p, 0, ctl_err, sizeof(ctl_err));
		bpf_ctl_refusals(&ctl, r);
		failed += check(rc_missing == -ENOENT && rc_inval == -EINVAL &&
				r[SL_CTL_REFUSED_FULL] == 1 && r[SL_CTL_REFUSED_DUPLICATE] == 1 &&
				r[SL_CTL_REFUSED_MISSING] == 1 && r[SL_CTL_REFUSED_INVALID] == 1 &&
				r[SL_CTL_REFUSED_OTHER] == 0,
				"every refusal is counted by kind (ctl_refused_*)");
	}

	/* An entry written behind the library's back, with the bit clear. */
	inet_pton(AF_INET, "198.18.202.9", &a4);
	bpf_map__update_elem(skel->maps.sl_blkhost_v4, &a4, sizeof(a4), &forever,
			     sizeof(forever), 0);
	memset(f, 0, sizeof(*f));
	f->name = "a table whose bit is clear is not looked up -> passes";
	f->verdict = XDP_PASS;
	f->counter = SL_CNT_XDP_REDIRECT;
	V4FROM("198.18.202.9", 60);
	failed += run_fixture(skel, prog_fd, stats_fd, f);
	bpf_ctl_conf_resync(&ctl);
	memset(f, 0, sizeof(*f));
	f->name = "after bpf_ctl_conf_resync the same source -> drop";
	f->verdict = XDP_DROP;
	f->counter = SL_CNT_XDP_BLOCKED;
	V4FROM("198.18.202.9", 60);
	failed += run_fixture(skel, prog_fd, stats_fd, f);
	return failed;
}

int main(void)
{
	static struct fixture fx[96];
	static const char *const v4[] = { "198.18.0.1", "198.18.1.1" };
	static const char *const v6[] = { "2001:db8::1", "2001:db8:1::1" };
	struct sl_local_val val = { 0 };
	struct sluice_xdp *skel;
	int nfx, i, failed = 0, prog_fd, stats_fd;
	struct bpf_map *map;

	if (geteuid() != 0) {
		printf("skip - xdp fixtures: BPF_PROG_TEST_RUN needs root\n");
		return 77;
	}
	libbpf_set_print(NULL);
	skel = sluice_xdp__open();
	if (!skel) {
		printf("not ok - xdp fixtures: open skeleton: %s\n", strerror(errno));
		return 1;
	}
	/* Never pin from a test: the node's /sys/fs/bpf belongs to the running appliance. */
	bpf_object__for_each_map(map, skel->obj)
		bpf_map__set_pin_path(map, NULL);
	/* Room for the policy's two IPv4 allow entries and one more: control_checks fills it. */
	bpf_map__set_max_entries(skel->maps.sl_allow_v4, 3);
	if (sluice_xdp__load(skel)) {
		printf("not ok - xdp fixtures: load (verifier): %s\n", strerror(errno));
		return 1;
	}
	for (i = 0; i < 2; i++) {
		unsigned int a4;
		struct sl_local_v6_key k6;

		inet_pton(AF_INET, v4[i], &a4);
		inet_pton(AF_INET6, v6[i], k6.addr);
		bpf_map__update_elem(skel->maps.sl_local_v4, &a4, sizeof(a4), &val, sizeof(val), 0);
		bpf_map__update_elem(skel->maps.sl_local_v6, &k6, sizeof(k6), &val, sizeof(val), 0);
	}
	if (bpf_ctl_open_obj(&ctl, skel->obj, ctl_err, sizeof(ctl_err)) || policy_setup()) {
		printf("not ok - xdp fixtures: policy setup: %s\n", ctl_err);
		return 1;
	}
	for (i = 0; i < 2; i++) {       /* as dp_xdp_sync_local does for the dataplane */
		unsigned char a[16];

		inet_pton(AF_INET, v4[i], a);
		bpf_ctl_local_bloom_add(&ctl, 0, a);
		inet_pton(AF_INET6, v6[i], a);
		bpf_ctl_local_bloom_add(&ctl, 1, a);
	}
	prog_fd = bpf_program__fd(skel->progs.sluice_xdp);
	stats_fd = bpf_map__fd(skel->maps.sl_xdp_stats);
	nfx = build(fx);
	for (i = 0; i < nfx; i++)
		failed += run_fixture(skel, prog_fd, stats_fd, &fx[i]);
	failed += control_checks(skel, prog_fd, stats_fd);
	bpf_ctl_close(&ctl);
	sluice_xdp__destroy(skel);
	return failed ? 1 : 0;
}
