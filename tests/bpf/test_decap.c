/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_decap: BPF_PROG_TEST_RUN fixtures for bpf/sluice_tc_decap.bpf.c, the backends' tc
 * decapsulator for dsr-ipip.
 *
 * Each fixture is {name, input frame, verdict, expected output frame, reason counter}:
 * an IPv4-in-IPv4 packet comes out as the Ethernet header and the inner packet, byte for
 * byte (with and without outer options), IPv6-in-IPv6 likewise; frames that are not
 * tunnels pass untouched; outer fragments and broken headers are dropped. The named
 * reason counter must move by exactly one and every other one must stay still. The
 * program is loaded from its skeleton with nothing pinned. Fixtures run in order: those
 * that name a balancer first fill the allowed-source list with it (or empty it), the
 * way an operator would with bpftool, and the following ones run under that list.
 *
 * BPF_PROG_TEST_RUN hands the program the frame as built, so an 802.1Q tag stays in
 * front of the IP header; on a real receive path the kernel has moved the tag into the
 * skb's metadata before clsact ingress runs (checked with veth on 6.18), which is why
 * the program does not look through tags.
 *
 * Prints "ok - NAME" / "not ok - NAME: why" per fixture; exits 1 if any failed, 77
 * (skip) without root.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <linux/pkt_cls.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "sluice_tc_decap.skel.h"
#include "sluice_tc_decap_abi.h"

#define FRAME_MAX 512
#define FX_MAX 32

#define NB_REASONS ((unsigned int)SL_DECAP__MAX)
#define REASON_NAME(sym, name) name,
static const char *const reason_name[] = { SL_DECAP_FOREACH_REASON(REASON_NAME) };
#define OK_V4 SL_DECAP_OK_V4
#define OK_V6 SL_DECAP_OK_V6
#define PASS_NOT_TUNNEL SL_DECAP_PASS_NOT_TUNNEL
#define DROP_MALFORMED SL_DECAP_DROP_MALFORMED
#define DROP_FRAGMENT SL_DECAP_DROP_FRAGMENT
#define DROP_SOURCE SL_DECAP_DROP_SOURCE

struct frame {
	unsigned char b[FRAME_MAX];
	unsigned int len;
};

enum fx_out { OUT_FRAME, OUT_SAME, OUT_NONE };

struct fixture {
	const char *name;
	struct frame in;
	int verdict;
	enum fx_out out;                /* compare with want, with in, or not at all (drop) */
	struct frame want;
	unsigned int reason;
	const char *allow;              /* before the run: the one allowed balancer ("": none) */
};

static void put(struct frame *f, const void *p, unsigned int n)
{
	memcpy(f->b + f->len, p, n);
	f->len += n;
}

static void put16(struct frame *f, unsigned int v)
{
	unsigned char b[2] = { (unsigned char)(v >> 8), (unsigned char)v };

	put(f, b, 2);
}

static void eth(struct frame *f, unsigned int type)
{
	static const unsigned char macs[12] = { 2, 0xbe, 0, 0, 0, 0x11, 2, 0x5c, 0, 0, 0, 2 };

	put(f, macs, 12);
	put16(f, type);
}

static unsigned short csum(const unsigned char *p, unsigned int n)
{
	unsigned long s = 0;
	unsigned int i;

	for (i = 0; i + 1 < n; i += 2)
		s += (unsigned int)(p[i] << 8 | p[i + 1]);
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (unsigned short)~s;
}

/* An IPv4 header (ihl words, NOP options, protocol proto, total length tot, fragment
 * field frag), with its checksum. */
static void ip4(struct frame *f, unsigned int ihl, unsigned int proto, unsigned int tot,
		unsigned int frag, const char *src, const char *dst)
{
	unsigned char h[60] = { 0 };
	unsigned int hlen = ihl < 5 ? 20 : ihl * 4;
	unsigned short c;

	h[0] = (unsigned char)(0x40 | ihl);
	h[2] = (unsigned char)(tot >> 8);
	h[3] = (unsigned char)tot;
	h[6] = (unsigned char)(frag >> 8);
	h[7] = (unsigned char)frag;
	h[8] = 64;
	h[9] = (unsigned char)proto;
	inet_pton(AF_INET, src, h + 12);
	inet_pton(AF_INET, dst, h + 16);
	memset(h + 20, 1, hlen - 20);
	c = csum(h, hlen);
	h[10] = (unsigned char)(c >> 8);
	h[11] = (unsigned char)c;
	put(f, h, hlen);
}

static void ip6(struct frame *f, unsigned int next, unsigned int plen, const char *src,
		const char *dst)
{
	unsigned char h[40] = { 0x60, 0, 0, 0 };

	h[4] = (unsigned char)(plen >> 8);
	h[5] = (unsigned char)plen;
	h[6] = (unsigned char)next;
	h[7] = 64;
	inet_pton(AF_INET6, src, h + 8);
	inet_pton(AF_INET6, dst, h + 24);
	put(f, h, 40);
}

/* The client's segment: TCP SYN to the VIP's port 80 (20 bytes of header, no payload). */
static void tcp(struct frame *f)
{
	static const unsigned char t[20] = { 0x9c, 0x41, 0, 80, 0, 0, 0, 1, 0, 0, 0, 0,
					     0x50, 0x02, 0xff, 0xff, 0, 0, 0, 0 };

	put(f, t, 20);
}

/* The client's packets as the backend must see them: 40 bytes each (v4), 60 (v6). */
static void client4(struct frame *f)
{
	ip4(f, 5, 6, 40, 0x4000, "198.18.0.2", "198.18.0.100");
	tcp(f);
}

static void client6(struct frame *f)
{
	ip6(f, 6, 20, "2001:db8::2", "2001:db8::100");
	tcp(f);
}

#define ALLOW(a) (f->allow = (a))
#define FIX(n, v, o, r) do { if (nfx == FX_MAX) return -1; \
	f = &fx[nfx++]; memset(f, 0, sizeof(*f)); \
	f->name = (n); f->verdict = (v); f->out = (o); f->reason = (r); } while (0)
#define BAL4 "198.18.1.1"               /* the balancer's address on the backends' port */
#define BE4 "198.18.1.11"               /* the backend's */
#define BAL6 "2001:db8:1::1"
#define BE6 "2001:db8:1::11"

static int build(struct fixture *fx)
{
	struct fixture *f;
	struct frame c4 = { .len = 0 }, c6 = { .len = 0 };
	int nfx = 0;

	client4(&c4);
	client6(&c6);

	FIX("ipip: the outer header goes, the client's packet stays", TC_ACT_OK, OUT_FRAME, OK_V4);
	eth(&f->in, 0x0800); ip4(&f->in, 5, 4, 20 + c4.len, 0x4000, BAL4, BE4);
	put(&f->in, c4.b, c4.len);
	eth(&f->want, 0x0800); put(&f->want, c4.b, c4.len);

	FIX("ipip with outer options: all 28 outer bytes go", TC_ACT_OK, OUT_FRAME, OK_V4);
	eth(&f->in, 0x0800); ip4(&f->in, 7, 4, 28 + c4.len, 0, BAL4, BE4);
	put(&f->in, c4.b, c4.len);
	eth(&f->want, 0x0800); put(&f->want, c4.b, c4.len);

	FIX("ipip with 40 bytes of outer options (ihl 15)", TC_ACT_OK, OUT_FRAME, OK_V4);
	eth(&f->in, 0x0800); ip4(&f->in, 15, 4, 60 + c4.len, 0x4000, BAL4, BE4);
	put(&f->in, c4.b, c4.len);
	eth(&f->want, 0x0800); put(&f->want, c4.b, c4.len);

	FIX("ipip with Ethernet padding after the packet: the padding stays", TC_ACT_OK,
	    OUT_FRAME, OK_V4);
	eth(&f->in, 0x0800); ip4(&f->in, 5, 4, 20 + c4.len, 0x4000, BAL4, BE4);
	put(&f->in, c4.b, c4.len); put(&f->in, "\0\0\0\0\0\0", 6);
	eth(&f->want, 0x0800); put(&f->want, c4.b, c4.len); put(&f->want, "\0\0\0\0\0\0", 6);

	FIX("ip6ip6: the outer header goes, the client's packet stays", TC_ACT_OK, OUT_FRAME,
	    OK_V6);
	eth(&f->in, 0x86dd); ip6(&f->in, 41, c6.len, BAL6, BE6); put(&f->in, c6.b, c6.len);
	eth(&f->want, 0x86dd); put(&f->want, c6.b, c6.len);

	FIX("plain TCP passes untouched", TC_ACT_OK, OUT_SAME, PASS_NOT_TUNNEL);
	eth(&f->in, 0x0800); ip4(&f->in, 5, 6, 40, 0x4000, "198.18.0.2", BE4); tcp(&f->in);

	FIX("plain TCP over IPv6 passes untouched", TC_ACT_OK, OUT_SAME, PASS_NOT_TUNNEL);
	eth(&f->in, 0x86dd); put(&f->in, c6.b, c6.len);

	FIX("ARP passes untouched", TC_ACT_OK, OUT_SAME, PASS_NOT_TUNNEL);
	eth(&f->in, 0x0806); put(&f->in, "\x00\x01\x08\x00\x06\x04\x00\x01", 8);
	f->in.len += 20;

	FIX("4in6 (IPv6 next header 4) is not ours: passes untouched", TC_ACT_OK, OUT_SAME,
	    PASS_NOT_TUNNEL);
	eth(&f->in, 0x86dd); ip6(&f->in, 4, c4.len, BAL6, BE6); put(&f->in, c4.b, c4.len);

	FIX("an 802.1Q-tagged frame is not looked into (the kernel untags first)", TC_ACT_OK,
	    OUT_SAME, PASS_NOT_TUNNEL);
	eth(&f->in, 0x8100); put16(&f->in, 100); put16(&f->in, 0x0800);
	ip4(&f->in, 5, 4, 20 + c4.len, 0x4000, BAL4, BE4); put(&f->in, c4.b, c4.len);

	FIX("an outer header with nothing behind it is dropped", TC_ACT_SHOT, OUT_NONE,
	    DROP_MALFORMED);
	eth(&f->in, 0x0800); ip4(&f->in, 5, 4, 20, 0x4000, BAL4, BE4);

	FIX("an outer fragment (MF) is dropped", TC_ACT_SHOT, OUT_NONE, DROP_FRAGMENT);
	eth(&f->in, 0x0800); ip4(&f->in, 5, 4, 20 + c4.len, 0x2000, BAL4, BE4);
	put(&f->in, c4.b, c4.len);

	FIX("a later outer fragment (offset 185) is dropped", TC_ACT_SHOT, OUT_NONE,
	    DROP_FRAGMENT);
	eth(&f->in, 0x0800); ip4(&f->in, 5, 4, 20 + c4.len, 185, BAL4, BE4);
	put(&f->in, c4.b, c4.len);

	FIX("an outer ihl below 5 is dropped", TC_ACT_SHOT, OUT_NONE, DROP_MALFORMED);
	eth(&f->in, 0x0800); ip4(&f->in, 4, 4, 20 + c4.len, 0, BAL4, BE4);
	put(&f->in, c4.b, c4.len);

	FIX("a truncated inner header is dropped", TC_ACT_SHOT, OUT_NONE, DROP_MALFORMED);
	eth(&f->in, 0x0800); ip4(&f->in, 5, 4, 20 + 12, 0, BAL4, BE4); put(&f->in, c4.b, 12);

	FIX("an inner header of the wrong version is dropped", TC_ACT_SHOT, OUT_NONE,
	    DROP_MALFORMED);
	eth(&f->in, 0x0800); ip4(&f->in, 5, 4, 20 + c4.len, 0, BAL4, BE4);
	put(&f->in, c4.b, c4.len); f->in.b[14 + 20] = 0x65;

	FIX("lengths that disagree (outer vs inner) are dropped", TC_ACT_SHOT, OUT_NONE,
	    DROP_MALFORMED);
	eth(&f->in, 0x0800); ip4(&f->in, 5, 4, 20 + c4.len + 8, 0, BAL4, BE4);
	put(&f->in, c4.b, c4.len); f->in.len += 8;

	FIX("ip6ip6 with a truncated inner header is dropped", TC_ACT_SHOT, OUT_NONE,
	    DROP_MALFORMED);
	eth(&f->in, 0x86dd); ip6(&f->in, 41, 30, BAL6, BE6); put(&f->in, c6.b, 30);

	FIX("ip6ip6 with an inner IPv4 header is dropped", TC_ACT_SHOT, OUT_NONE, DROP_MALFORMED);
	eth(&f->in, 0x86dd); ip6(&f->in, 41, 60, BAL6, BE6); put(&f->in, c4.b, c4.len);
	f->in.len += 20;

	FIX("ip6ip6 whose payload lengths disagree is dropped", TC_ACT_SHOT, OUT_NONE,
	    DROP_MALFORMED);
	eth(&f->in, 0x86dd); ip6(&f->in, 41, c6.len + 8, BAL6, BE6); put(&f->in, c6.b, c6.len);
	f->in.len += 8;

	/* The allowed-source list: per family, empty = any. */
	FIX("allowed sources: the listed balancer tunnels", TC_ACT_OK, OUT_FRAME, OK_V4);
	ALLOW(BAL4);
	eth(&f->in, 0x0800); ip4(&f->in, 5, 4, 20 + c4.len, 0x4000, BAL4, BE4);
	put(&f->in, c4.b, c4.len);
	eth(&f->want, 0x0800); put(&f->want, c4.b, c4.len);

	FIX("allowed sources: another source's tunnel is dropped", TC_ACT_SHOT, OUT_NONE,
	    DROP_SOURCE);
	eth(&f->in, 0x0800); ip4(&f->in, 5, 4, 20 + c4.len, 0x4000, "198.18.1.2", BE4);
	put(&f->in, c4.b, c4.len);

	FIX("allowed sources: an unlisted source is refused before its header is read", TC_ACT_SHOT,
	    OUT_NONE, DROP_SOURCE);
	eth(&f->in, 0x0800); ip4(&f->in, 5, 4, 20 + c4.len, 0x2000, "198.18.1.2", BE4);
	put(&f->in, c4.b, c4.len);

	FIX("allowed sources: plain traffic from that source is not the list's business",
	    TC_ACT_OK, OUT_SAME, PASS_NOT_TUNNEL);
	eth(&f->in, 0x0800); ip4(&f->in, 5, 6, 40, 0x4000, "198.18.1.2", BE4); tcp(&f->in);

	FIX("allowed sources: an empty IPv6 list still accepts any ip6ip6", TC_ACT_OK, OUT_FRAME,
	    OK_V6);
	eth(&f->in, 0x86dd); ip6(&f->in, 41, c6.len, "2001:db8:1::2", BE6);
	put(&f->in, c6.b, c6.len);
	eth(&f->want, 0x86dd); put(&f->want, c6.b, c6.len);

	FIX("allowed sources: the listed IPv6 balancer tunnels", TC_ACT_OK, OUT_FRAME, OK_V6);
	ALLOW(BAL6);
	eth(&f->in, 0x86dd); ip6(&f->in, 41, c6.len, BAL6, BE6); put(&f->in, c6.b, c6.len);
	eth(&f->want, 0x86dd); put(&f->want, c6.b, c6.len);

	FIX("allowed sources: another IPv6 source's tunnel is dropped", TC_ACT_SHOT, OUT_NONE,
	    DROP_SOURCE);
	eth(&f->in, 0x86dd); ip6(&f->in, 41, c6.len, "2001:db8:1::2", BE6);
	put(&f->in, c6.b, c6.len);

	FIX("allowed sources: emptied again, any source tunnels", TC_ACT_OK, OUT_FRAME, OK_V4);
	ALLOW("");
	eth(&f->in, 0x0800); ip4(&f->in, 5, 4, 20 + c4.len, 0x4000, "198.18.1.2", BE4);
	put(&f->in, c4.b, c4.len);
	eth(&f->want, 0x0800); put(&f->want, c4.b, c4.len);
	return nfx;
}

/* Sum over the possible CPUs of each reason counter; the per-CPU value buffer is sized
 * from the kernel's count, not a guess (a lookup writes every possible CPU's slot). */
static int counters(int map_fd, unsigned long long *sum)
{
	int ncpu = libbpf_num_possible_cpus(), i, rc = 0;
	unsigned long long *v;
	unsigned int k;

	if (ncpu < 1)
		return -1;
	v = calloc((size_t)ncpu, sizeof(*v));
	if (!v)
		return -1;
	for (k = 0; k < NB_REASONS; k++) {
		sum[k] = 0;
		if (bpf_map_lookup_elem(map_fd, &k, v)) {
			rc = -1;
			break;
		}
		for (i = 0; i < ncpu; i++)
			sum[k] += v[i];
	}
	free(v);
	return rc;
}

/*
 * Makes addr the one allowed source of its family ("" empties both lists), in slot 5 so
 * that a list need not start at slot 0. Returns 0 or -1.
 */
static int allow_only(struct sluice_tc_decap *skel, const char *addr)
{
	struct sl_decap_src_v6 zero6 = { { 0 } }, a6;
	__u32 zero4 = 0, a4, k, slot = 5;
	int rc = 0;

	for (k = 0; k < SL_DECAP_SRC_MAX; k++) {
		rc |= bpf_map__update_elem(skel->maps.sl_decap_src_v4, &k, sizeof(k), &zero4,
					   sizeof(zero4), 0);
		rc |= bpf_map__update_elem(skel->maps.sl_decap_src_v6, &k, sizeof(k), &zero6,
					   sizeof(zero6), 0);
	}
	if (inet_pton(AF_INET, addr, &a4) == 1)
		rc |= bpf_map__update_elem(skel->maps.sl_decap_src_v4, &slot, sizeof(slot), &a4,
					   sizeof(a4), 0);
	else if (inet_pton(AF_INET6, addr, a6.addr) == 1)
		rc |= bpf_map__update_elem(skel->maps.sl_decap_src_v6, &slot, sizeof(slot), &a6,
					   sizeof(a6), 0);
	else if (addr[0])
		rc = -1;
	return rc ? -1 : 0;
}

/* Runs one fixture; prints its ok/not ok line. Returns 1 if it failed. */
static int run(struct sluice_tc_decap *skel, int prog_fd, int map_fd, const struct fixture *fx)
{
	unsigned char out[FRAME_MAX];
	unsigned long long before[NB_REASONS], after[NB_REASONS];
	const struct frame *want = fx->out == OUT_SAME ? &fx->in : &fx->want;
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = fx->in.b, .data_size_in = fx->in.len,
		    .data_out = out, .data_size_out = sizeof(out), .repeat = 1);
	unsigned int k;

	if (fx->allow && allow_only(skel, fx->allow)) {
		printf("not ok - %s: allow %s: %s\n", fx->name, fx->allow, strerror(errno));
		return 1;
	}
	if (counters(map_fd, before)) {
		printf("not ok - %s: read counters: %s\n", fx->name, strerror(errno));
		return 1;
	}
	if (bpf_prog_test_run_opts(prog_fd, &o)) {
		printf("not ok - %s: test run: %s\n", fx->name, strerror(errno));
		return 1;
	}
	if (counters(map_fd, after)) {
		printf("not ok - %s: read counters: %s\n", fx->name, strerror(errno));
		return 1;
	}
	if ((int)o.retval != fx->verdict) {
		printf("not ok - %s: verdict %u, want %d\n", fx->name, o.retval, fx->verdict);
		return 1;
	}
	if (fx->out != OUT_NONE &&
	    (o.data_size_out != want->len || memcmp(out, want->b, want->len))) {
		printf("not ok - %s: output differs (%u bytes, want %u)\n", fx->name,
		       o.data_size_out, want->len);
		return 1;
	}
	for (k = 0; k < NB_REASONS; k++) {
		unsigned long long d = after[k] - before[k];

		if (d != (k == fx->reason ? 1 : 0)) {
			printf("not ok - %s: %s moved by %llu\n", fx->name, reason_name[k], d);
			return 1;
		}
	}
	printf("ok - %s\n", fx->name);
	return 0;
}

int main(void)
{
	static struct fixture fx[FX_MAX];
	struct sluice_tc_decap *skel;
	struct bpf_map *map;
	int nfx, i, failed = 0, prog_fd, map_fd;

	if (geteuid() != 0) {
		printf("skip - decap fixtures: BPF_PROG_TEST_RUN needs root\n");
		return 77;
	}
	libbpf_set_print(NULL);
	skel = sluice_tc_decap__open();
	if (!skel) {
		printf("not ok - decap fixtures: open skeleton: %s\n", strerror(errno));
		return 1;
	}
	/* Never pin from a test: the node's /sys/fs/bpf belongs to the running appliance. */
	bpf_object__for_each_map(map, skel->obj)
		bpf_map__set_pin_path(map, NULL);
	if (sluice_tc_decap__load(skel)) {
		printf("not ok - decap fixtures: load (verifier): %s\n", strerror(errno));
		sluice_tc_decap__destroy(skel);
		return 1;
	}
	if (bpf_map__max_entries(skel->maps.sl_decap_stats) != NB_REASONS) {
		printf("not ok - decap fixtures: sl_decap_stats has %u reasons, the test knows %u\n",
		       bpf_map__max_entries(skel->maps.sl_decap_stats), NB_REASONS);
		sluice_tc_decap__destroy(skel);
		return 1;
	}
	prog_fd = bpf_program__fd(skel->progs.sl_decap);
	map_fd = bpf_map__fd(skel->maps.sl_decap_stats);
	nfx = build(fx);
	if (nfx < 0) {
		printf("not ok - decap fixtures: more than FX_MAX (%d) fixtures\n", FX_MAX);
		sluice_tc_decap__destroy(skel);
		return 1;
	}
	for (i = 0; i < nfx; i++)
		failed += run(skel, prog_fd, map_fd, &fx[i]);
	sluice_tc_decap__destroy(skel);
	return failed ? 1 : 0;
}
